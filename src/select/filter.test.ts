/** Tests of the combined subscription filter: the order of the rules, the reasons, and errors with config paths. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../core/errors.js';
import type { Paper } from '../core/paper.js';
import { parseArxivRss } from '../sources/arxiv-rss/parse.js';
import { makePaper } from '../../test/helpers/select-papers.js';
import { hasSharedFixtures, sharedFixture } from '../../test/helpers/shared-fixtures.js';
import { createPaperFilter, validateFilterSpec, type FilterSpec } from './filter.js';

const llmPaper = makePaper({
  id: '2501.00001',
  title: 'Scaling Large Language Models for Translation',
  abstract: 'We train LLMs on parallel data.',
  authors: ['Ada Lovelace', 'Alan Turing'],
  categories: ['cs.CL', 'cs.LG'],
});
const surveyByFollowed = makePaper({
  id: '2501.00002',
  title: 'A Survey of Speech Recognition',
  abstract: 'We review acoustic models.',
  authors: ['Geoffrey E. Hinton'],
  categories: ['cs.CL'],
});
const speechByFollowed = makePaper({
  id: '2501.00003',
  title: 'Robust Speech Recognition',
  abstract: 'Acoustic models under noise.',
  authors: ['Yoshua Bengio', 'Geoffrey Hinton'],
  categories: ['cs.SD', 'cs.CL'],
  announceType: 'cross',
});
const ethicsPaper = makePaper({ id: '2501.00004', title: 'Language Models and Society', categories: ['cs.CL', 'cs.CY'], authors: ['Geoffrey Hinton'] });

const spec: FilterSpec = {
  categories: 'cs.CL+cs.AI-cs.CY',
  query: '"language model*" OR llm*',
  authors: ['G. Hinton', 'Bengio, Yoshua'],
  exclude: ['survey'],
};

function thrown(run: () => unknown): XivdigestError {
  try {
    run();
  } catch (error) {
    if (XivdigestError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('createPaperFilter', () => {
  const filter = createPaperFilter(spec);

  it('passes a paper that matches the query, with the terms that matched', () => {
    expect(filter(llmPaper)).toEqual({ pass: true, matchedTerms: ['language model*', 'llm*'], matchedAuthors: [] });
  });

  it('passes a paper by a followed author although the query does not match', () => {
    expect(filter(speechByFollowed)).toEqual({ pass: true, matchedTerms: [], matchedAuthors: ['G. Hinton', 'Bengio, Yoshua'] });
  });

  it('lets exclusions win over followed authors: exclude keywords and excluded categories', () => {
    expect(filter(surveyByFollowed)).toEqual({ pass: false, skipReason: 'excluded keyword "survey"', matchedTerms: [], matchedAuthors: ['G. Hinton'] });
    expect(filter(ethicsPaper)).toEqual({ pass: false, skipReason: 'excluded category cs.CY', matchedTerms: [], matchedAuthors: [] });
  });

  it('says when the query did not match', () => {
    expect(filter(makePaper({ title: 'Graph Coloring', abstract: 'Colors.', authors: ['Nobody'] }))).toEqual({
      pass: false,
      skipReason: 'query did not match',
      matchedTerms: [],
      matchedAuthors: [],
    });
  });

  it('requires both the query and an include keyword when both are given, saying which failed', () => {
    const both = createPaperFilter({ categories: 'cs', query: 'llm*', include: ['translation', 'parallel data'] });
    expect(both(llmPaper)).toEqual({ pass: true, matchedTerms: ['llm*', 'translation', 'parallel data'], matchedAuthors: [] });
    const noKeyword = makePaper({ title: 'LLM agents', abstract: 'Tools.', categories: ['cs.AI'] });
    expect(both(noKeyword)).toEqual({ pass: false, skipReason: 'no include keyword matched', matchedTerms: ['llm*'], matchedAuthors: [] });
    const keywordOnly = makePaper({ title: 'Statistical translation', categories: ['cs.AI'] });
    expect(both(keywordOnly)).toEqual({ pass: false, skipReason: 'query did not match', matchedTerms: ['translation'], matchedAuthors: [] });
  });

  it('passes every in-scope paper when there is no query and no include list; authors then only mark papers', () => {
    const everything = createPaperFilter({ categories: 'cs.CL', authors: ['Alan Turing'] });
    expect(everything(llmPaper)).toEqual({ pass: true, matchedTerms: [], matchedAuthors: ['Alan Turing'] });
    expect(everything(surveyByFollowed)).toEqual({ pass: true, matchedTerms: [], matchedAuthors: [] });
  });

  it('applies the cross-list and replacement rules before anything else, also to followed authors', () => {
    const strict = createPaperFilter({ ...spec, crossLists: false, replacements: false });
    expect(strict(speechByFollowed)).toEqual({
      pass: false,
      skipReason: 'cross-list: primary category cs.SD is not in cs.CL+cs.AI',
      matchedTerms: [],
      matchedAuthors: [],
    });
    expect(strict({ ...llmPaper, announceType: 'replace' })).toMatchObject({ pass: false, skipReason: 'replaced version (replace); replacements are off' });
    expect(strict(llmPaper).pass).toBe(true);
  });

  it('exposes the parsed expression, the feed path and the parsed query', () => {
    expect(filter.feed).toBe('cs.CL+cs.AI');
    expect(filter.categories).toEqual({ text: 'cs.CL+cs.AI-cs.CY', include: ['cs.CL', 'cs.AI'], exclude: ['cs.CY'] });
    expect(filter.query).toMatchObject({ kind: 'or' });
    expect(createPaperFilter({ categories: 'math' }).query).toBeUndefined();
  });

  it('throws the first problem at creation, with the config path in the message and details', () => {
    const error = thrown(() => createPaperFilter({ categories: 'cs.CL', query: 'llm AND (' }, { path: 'subscriptions[0].filters' }));
    expect(error.code).toBe('QUERY_INVALID');
    expect(error.details).toEqual({ query: 'llm AND (', position: 9, path: 'subscriptions[0].filters.query' });
    expect(error.message).toMatch(
      /^subscriptions\[0\]\.filters\.query: query error at column 10: expected a term, but the query ends\n {2}llm AND \(\n {11}\^$/,
    );
    const category = thrown(() => createPaperFilter({ categories: 'cs.cl' }));
    expect(category).toMatchObject({ code: 'CONFIG_INVALID', details: { expression: 'cs.cl', position: 0, path: 'categories' } });
  });
});

describe('validateFilterSpec', () => {
  it('returns every problem with its path, and nothing for a good spec', () => {
    expect(validateFilterSpec(spec)).toEqual([]);
    const errors = validateFilterSpec(
      { categories: 'cs.CL+cs.ai', query: 'ti:', authors: ['Ada', '..'], include: ['ok'], exclude: ['fine', '', 'x'] },
      { path: 'subscriptions[2].filters' },
    );
    expect(errors.map((error) => [error.code, error.details.path])).toEqual([
      ['CONFIG_INVALID', 'subscriptions[2].filters.categories'],
      ['QUERY_INVALID', 'subscriptions[2].filters.query'],
      ['CONFIG_INVALID', 'subscriptions[2].filters.authors[1]'],
      ['CONFIG_INVALID', 'subscriptions[2].filters.exclude[1]'],
    ]);
    expect(errors[0]?.message).toMatch(/did you mean cs\.AI\?/);
  });
});

describe('createPaperFilter over many papers', () => {
  it('decides 20,000 papers with one compiled filter, each on its own text', () => {
    const filter = createPaperFilter({ ...spec, include: ['translation', 'speech'], authors: ['G. Hinton', 'Bengio, Yoshua', 'Ada Lovelace'] });
    const papers: Paper[] = [];
    for (let index = 0; index < 20_000; index += 1) {
      const base = [llmPaper, surveyByFollowed, speechByFollowed, ethicsPaper][index % 4] as Paper;
      papers.push({ ...base, id: `2501.${String(index).padStart(5, '0')}` });
    }
    const passed = papers.filter((paper) => filter(paper).pass).map((paper) => paper.id);
    // llmPaper (query + keyword, and Ada Lovelace is followed) and speechByFollowed pass; the survey and the cs.CY paper do not.
    expect(passed).toHaveLength(10_000);
    expect(passed.slice(0, 2)).toEqual(['2501.00000', '2501.00002']);
  });
});

describe.skipIf(!hasSharedFixtures)('createPaperFilter on the real 1,062-item all-archives feed of 2024-11-28', () => {
  it('keeps exactly the papers a hand-written check keeps', async () => {
    const path = sharedFixture('arxiv', 'rss-new-all-archives-2024-11-28.TRUNCATED.xml');
    const papers: Paper[] = [];
    for await (const event of parseArxivRss(readFileSync(path, 'utf8'), { origin: path })) if (event.type === 'paper') papers.push(event.paper);
    expect(papers).toHaveLength(1062);
    const filter = createPaperFilter({ categories: 'cs-cs.CY', crossLists: false, query: 'ti:(language OR translation)' });
    const kept = papers.filter((paper) => filter(paper).pass).map((paper) => paper.id);
    const expected = papers
      .filter((paper) => {
        const primary = paper.categories[0] ?? '';
        return primary.startsWith('cs.') && !paper.categories.includes('cs.CY') && /\b(language|translation)\b/i.test(paper.title);
      })
      .map((paper) => paper.id);
    expect(expected.length).toBeGreaterThan(5);
    expect(kept).toEqual(expected);
  });
});
