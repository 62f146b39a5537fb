/** Tests of the query language: parsing, evaluation on word boundaries, fields, and errors that point at the problem. */
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../../core/errors.js';
import type { Paper } from '../../core/paper.js';
import { makePaper } from '../../../test/helpers/select-papers.js';
import { evaluateQuery, parseQuery } from './index.js';

const paper = makePaper({
  title: 'Large Language Models for Low-Resource Machine Translation',
  abstract:
    'We study how LLMs translate between low-resource languages. Our transformer-based system, GPT-4 and a state-of-the-art baseline are compared on Schrödinger-style benchmarks from Zürich.',
  authors: ['José García', 'Łukasz Kaiser', 'Geoffrey E. Hinton'],
  categories: ['cs.CL', 'cs.AI', 'stat.ML'],
});

function run(query: string, target: Paper = paper): { matched: boolean; terms: string[] } {
  return evaluateQuery(parseQuery(query), target);
}

function matches(query: string, target: Paper = paper): boolean {
  return run(query, target).matched;
}

function parseError(query: string): XivdigestError {
  try {
    parseQuery(query);
  } catch (error) {
    if (XivdigestError.isInstance(error)) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(query)} to be rejected`);
}

describe('parseQuery', () => {
  it('builds AND, OR and NOT with the usual precedence: NOT binds tightest, then AND, then OR', () => {
    expect(parseQuery('a OR b c')).toMatchObject({
      kind: 'or',
      children: [
        { kind: 'term', text: 'a' },
        {
          kind: 'and',
          children: [
            { kind: 'term', text: 'b' },
            { kind: 'term', text: 'c' },
          ],
        },
      ],
    });
    expect(parseQuery('NOT a b')).toMatchObject({ kind: 'and', children: [{ kind: 'not', child: { text: 'a' } }, { text: 'b' }] });
    expect(parseQuery('(a OR b) c')).toMatchObject({ kind: 'and', children: [{ kind: 'or' }, { text: 'c' }] });
  });

  it('reads operators in any case, -word as NOT, and a hyphen inside a word as part of it', () => {
    expect(parseQuery('a and b or not c')).toMatchObject({ kind: 'or', children: [{ kind: 'and' }, { kind: 'not' }] });
    expect(parseQuery('-survey llm')).toMatchObject({ kind: 'and', children: [{ kind: 'not', child: { text: 'survey' } }, { text: 'llm' }] });
    expect(parseQuery('state-of-the-art')).toMatchObject({ kind: 'term', text: 'state-of-the-art', field: 'text' });
    expect(parseQuery('(-a)')).toMatchObject({ kind: 'not', child: { text: 'a' } });
  });

  it('reads phrases, prefixes and field prefixes, also on groups', () => {
    expect(parseQuery('"large language model"')).toMatchObject({ kind: 'term', phrase: true, text: 'large language model', label: 'large language model' });
    expect(parseQuery('transform*')).toMatchObject({ kind: 'term', prefix: true, text: 'transform', label: 'transform*' });
    expect(parseQuery('TI:llm')).toMatchObject({ kind: 'term', field: 'ti', label: 'ti:llm' });
    expect(parseQuery('ti: llm')).toMatchObject({ kind: 'term', field: 'ti' });
    expect(parseQuery('abs:(a OR "b c")')).toMatchObject({
      kind: 'or',
      children: [
        { field: 'abs', text: 'a' },
        { field: 'abs', text: 'b c', phrase: true },
      ],
    });
    expect(parseQuery('au:del_maestro')).toMatchObject({ field: 'au', text: 'del_maestro' });
    expect(parseQuery('cat:cs.*')).toMatchObject({ field: 'cat', text: 'cs.*', prefix: false });
  });

  it('records where each term starts', () => {
    expect(parseQuery('a  "b c" ti:d')).toMatchObject({ children: [{ position: 0 }, { position: 3 }, { position: 9 }] });
  });
});

describe('parseQuery errors', () => {
  const cases: [query: string, position: number, says: RegExp][] = [
    ['', 0, /the query is empty/],
    ['   ', 0, /the query is empty/],
    ['(llm OR transformer', 0, /this \( is never closed/],
    ['a (b (c)', 2, /this \( is never closed/],
    ['llm)', 3, /this \) has no matching \(/],
    [')', 0, /this \) has no matching \(/],
    ['"open phrase', 0, /this quote is never closed/],
    ['ok "open', 3, /this quote is never closed/],
    ['llm AND', 7, /expected a term after AND, but the query ends/],
    ['llm OR OR gpt', 7, /expected a term after OR, but found "OR"/],
    ['AND llm', 0, /AND needs a term before it/],
    ['llm NOT', 7, /expected a term after NOT/],
    ['llm (AND gpt)', 5, /AND needs a term before it/],
    ['a OR)', 4, /expected a term after OR, but found "\)"/],
    ['()', 1, /empty parentheses/],
    ['xx:foo', 0, /unknown field "xx:"; the fields are ti:, abs:, au: and cat:/],
    ['llm http://example.org', 4, /unknown field "http:"/],
    ['ti:', 3, /expected a word, "phrase" or \( right after ti:, but the query ends/],
    ['ti:(au:x)', 4, /field au: inside ti:/],
    ['foo*bar', 3, /\* is allowed only at the end of a word/],
    ['*', 0, /a lone \* matches nothing/],
    ['""', 0, /empty phrase/],
    ['++', 0, /"\+\+" has no letters or digits/],
    ['cat:cs.CL.x', 4, /"cs.CL.x" is not a category/],
    ['au:smi*', 6, /au: does not take a prefix \*/],
  ];

  it.each(cases)('%j fails at column %i+1', (query, position, says) => {
    const error = parseError(query);
    expect(error.code).toBe('QUERY_INVALID');
    expect(error.details).toEqual({ query, position });
    expect(error.message).toMatch(says);
    expect(error.message).toContain(`at column ${position + 1}`);
    expect(error.hint).toBeTruthy();
  });

  it('either parses or throws QUERY_INVALID, for every prefix of tricky queries and for random strings', () => {
    const queries = ['ti:(llm OR "language model*") AND NOT (survey OR -review) au:Bengio_Y cat:cs.*', '"a (b" OR (c -"d)" e*) abs:f'];
    const inputs = queries.flatMap((query) => Array.from({ length: query.length + 1 }, (_, end) => query.slice(0, end)));
    // A fixed linear congruential generator, so that a failure can be reproduced.
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ['a', 'b', ' ', '(', ')', '"', '-', '*', ':', 'ti', 'au', 'cat', 'AND', 'OR', 'NOT', '.', 'é', '_'];
    for (let count = 0; count < 2000; count += 1) {
      inputs.push(Array.from({ length: 1 + Math.floor(random() * 10) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''));
    }
    let parsed = 0;
    for (const input of inputs) {
      try {
        const node = parseQuery(input);
        evaluateQuery(node, paper);
        parsed += 1;
      } catch (error) {
        expect(XivdigestError.isInstance(error), `${JSON.stringify(input)}: ${String(error)}`).toBe(true);
        const { code, details } = error as XivdigestError;
        expect(code).toBe('QUERY_INVALID');
        expect(details.position as number).toBeGreaterThanOrEqual(0);
        expect(details.position as number).toBeLessThanOrEqual(input.length);
      }
    }
    expect(parsed).toBeGreaterThan(100);
    expect(parsed).toBeLessThan(inputs.length);
  });

  it('prints the query with a caret under the offending character', () => {
    const error = parseError('llm AND (gpt OR');
    expect(error.message).toBe('query error at column 16: expected a term after OR, but the query ends\n  llm AND (gpt OR\n                 ^');
    const unclosed = parseError('llm AND (gpt OR bert');
    expect(unclosed.message.split('\n').slice(1)).toEqual(['  llm AND (gpt OR bert', '          ^']);
  });
});

describe('evaluateQuery', () => {
  it('matches words on word boundaries, case-insensitively, in title or abstract', () => {
    expect(matches('translation')).toBe(true);
    expect(matches('TRANSLATION')).toBe(true);
    expect(matches('translat')).toBe(false);
    expect(matches('llm')).toBe(false); // "LLMs" is another word: use llm* for plurals
    expect(matches('llm*')).toBe(true);
    expect(matches('model')).toBe(false);
    expect(matches('models')).toBe(true);
  });

  it('treats punctuation and hyphens as spaces, in the text and in the query', () => {
    expect(matches('low resource')).toBe(true);
    expect(matches('"low resource languages"')).toBe(true);
    expect(matches('"state of the art"')).toBe(true);
    expect(matches('state-of-the-art')).toBe(true);
    expect(matches('gpt-4')).toBe(true);
    expect(matches('"GPT 4"')).toBe(true);
    expect(matches('transformer')).toBe(true);
  });

  it('ignores diacritics on both sides', () => {
    expect(matches('schrodinger')).toBe(true);
    expect(matches('Schrödinger')).toBe(true);
    expect(matches('zurich')).toBe(true);
    expect(matches('"zürich"')).toBe(true);
  });

  it('matches phrases as consecutive words only', () => {
    expect(matches('"large language models"')).toBe(true);
    expect(matches('"language large"')).toBe(false);
    expect(matches('"models for"')).toBe(true);
    expect(matches('"translation we"')).toBe(false); // a phrase does not run from the title into the abstract
    expect(matches('"large lang*"')).toBe(true);
  });

  it('applies AND, OR, NOT and implicit AND', () => {
    expect(matches('translation AND baseline')).toBe(true);
    expect(matches('translation baseline')).toBe(true);
    expect(matches('translation AND diffusion')).toBe(false);
    expect(matches('diffusion OR translation')).toBe(true);
    expect(matches('NOT diffusion')).toBe(true);
    expect(matches('-translation')).toBe(false);
    expect(matches('translation -survey')).toBe(true);
    expect(matches('(diffusion OR gan) AND translation')).toBe(false);
    expect(matches('not (diffusion or gan) and translation')).toBe(true);
  });

  it('limits fields: ti:, abs:, au:, cat:', () => {
    expect(matches('ti:translation')).toBe(true);
    expect(matches('ti:baseline')).toBe(false);
    expect(matches('abs:baseline')).toBe(true);
    expect(matches('abs:"machine translation"')).toBe(false);
    expect(matches('hinton')).toBe(false); // bare terms do not search authors
    expect(matches('au:hinton')).toBe(true);
    expect(matches('au:"G. Hinton"')).toBe(true);
    expect(matches('au:"Hinton, Geoffrey"')).toBe(true);
    expect(matches('au:"Jane Hinton"')).toBe(false);
    expect(matches('au:Garcia au:kaiser_l')).toBe(true);
    expect(matches('cat:cs.CL')).toBe(true);
    expect(matches('cat:cs.cl')).toBe(true);
    expect(matches('cat:stat.ML')).toBe(true);
    expect(matches('cat:cs.LG')).toBe(false);
    expect(matches('cat:cs')).toBe(true);
    expect(matches('cat:cs.*')).toBe(true);
    expect(matches('cat:math')).toBe(false);
    expect(matches('cat:stat.M*')).toBe(true);
  });

  it('tells archives apart from categories that share a prefix', () => {
    const mathPhysics = makePaper({ categories: ['math-ph', 'math.MP'] });
    expect(matches('cat:math', mathPhysics)).toBe(true);
    expect(matches('cat:math', makePaper({ categories: ['math-ph'] }))).toBe(false);
    expect(matches('cat:math-ph', mathPhysics)).toBe(true);
    expect(matches('cat:astro-ph', makePaper({ categories: ['astro-ph.GA'] }))).toBe(true);
    expect(matches('cat:hep-th', makePaper({ categories: ['hep-th'] }))).toBe(true);
  });

  it('reports the terms that made the paper match, and none under NOT or from failed branches', () => {
    expect(run('translation OR diffusion OR ti:models')).toEqual({ matched: true, terms: ['translation', 'ti:models'] });
    expect(run('(diffusion gpt-4) OR "large language models" -survey')).toEqual({ matched: true, terms: ['large language models'] });
    expect(run('translation AND diffusion')).toEqual({ matched: false, terms: [] });
    expect(run('NOT diffusion')).toEqual({ matched: true, terms: [] });
    expect(run('llm* au:Kaiser cat:cs.CL')).toEqual({ matched: true, terms: ['llm*', 'au:Kaiser', 'cat:cs.CL'] });
  });

  it('keeps word boundaries in texts with letters of other scripts', () => {
    const greek = makePaper({ title: 'Folding of α-helix bundles', abstract: 'The αβ-barrel and the helices.' });
    expect(matches('helix', greek)).toBe(true);
    expect(matches('"α helix"', greek)).toBe(true);
    expect(matches('α', greek)).toBe(true);
    expect(matches('ti:β', greek)).toBe(false);
    expect(matches('abs:β', greek)).toBe(false); // inside the word αβ
    expect(matches('abs:αβ', greek)).toBe(true);
    expect(matches('helic*', greek)).toBe(true);
    expect(matches('barrel', greek)).toBe(true);
  });

  it('searches words of non-Latin scripts too', () => {
    const cyrillic = makePaper({ title: 'Модель перевода', abstract: '' });
    expect(matches('модель', cyrillic)).toBe(true);
    expect(matches('МОДЕЛЬ', cyrillic)).toBe(true);
    expect(matches('перевод', cyrillic)).toBe(false);
  });
});
