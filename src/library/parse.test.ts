/** Tests of the library importers on our own fixture files in each format, and on broken records. */
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../core/errors.js';
import type { Paper } from '../core/paper.js';
import { ownFixture } from '../../test/helpers/shared-fixtures.js';
import { detectLibraryFormat, parseArxivIdList, parseBibtex, parseCslJson, parseRis, parseZoteroRdf, readLibraryFile, withPaperMetadata } from './index.js';
import { arxivIdFrom, isoDateFrom, latexToText, personName } from './fields.js';

const fixture = (name: string): string => ownFixture('library', name);
const read = (name: string): string => readFileSync(fixture(name), 'utf8');

describe('fields', () => {
  it('turns LaTeX into text', () => {
    expect(latexToText('M{\\"u}ller \\& {\\\'E}tude --- {\\em two} \\c{c}a~va')).toBe('Müller & Étude — two ça va');
  });
  it('reorders "Last, First" names', () => {
    expect(personName('Vaswani, Ashish')).toBe('Ashish Vaswani');
    expect(personName('Ashish Vaswani')).toBe('Ashish Vaswani');
    expect(personName('King, Jr., Martin')).toBe('Martin King Jr.');
  });
  it('finds arXiv ids only where arXiv is named or the value is an id', () => {
    expect(arxivIdFrom('arXiv: 2403.10568')).toBe('2403.10568');
    expect(arxivIdFrom('10.48550/arXiv.1706.03762')).toBe('1706.03762');
    expect(arxivIdFrom('https://arxiv.org/pdf/2005.14165v4.pdf')).toBe('2005.14165');
    expect(arxivIdFrom('cond-mat/0412498v1')).toBe('cond-mat/0412498');
    expect(arxivIdFrom('pages 1234.5678 of a book')).toBeUndefined();
  });
  it('normalizes dates', () => {
    expect(isoDateFrom('2023-05-01 10:00:00')).toBe('2023-05-01T10:00:00Z');
    expect(isoDateFrom('2024-03-20 08:15:00 +0100')).toBe('2024-03-20T07:15:00Z');
    expect(isoDateFrom('2020/11/16')).toBe('2020-11-16');
    expect(isoDateFrom('June 2020')).toBeUndefined();
  });
});

describe('parseBibtex', () => {
  const { items, problems } = parseBibtex(read('sample.bib'), 'sample.bib');

  it('reads entries with braces, quotes, @string macros, # joins and LaTeX accents', () => {
    expect(items.map((item) => item.title)).toEqual([
      'Attention Is All You Need',
      "Multilingual BERT for Müller's Corpus: A Étude",
      '',
      'Quantum criticality in two dimensions & beyond',
    ]);
    expect(items[0]).toEqual({
      title: 'Attention Is All You Need',
      abstract: expect.stringContaining('the Transformer, based solely on attention'),
      authors: ['Ashish Vaswani', 'Noam Shazeer', 'Niki Parmar'],
      arxivId: '1706.03762',
      year: 2017,
      added: '2023-05-01T10:00:00Z',
      source: 'sample.bib:7',
    });
    expect(items[1]).toMatchObject({
      authors: ['Jörg Müller', 'François Dupont'],
      arxivId: '2005.01234',
      doi: '10.18653/v1/2020.acl-main.1',
      year: 2020,
      source: 'sample.bib:19',
    });
    expect(items[2]).toMatchObject({ arxivId: '2403.10568', added: '2024-03-20T07:15:00Z', source: 'sample.bib:35' });
    expect(items[3]).toMatchObject({ arxivId: 'cond-mat/0412498', authors: ['Adrian Del Maestro'] });
  });

  it('reports broken entries with their line and keeps going', () => {
    expect(problems.map((problem) => problem.line)).toEqual([31, 40, 44]);
    expect(problems[0]!.message).toMatch(/never closed|not closed/);
    expect(problems[1]!.message).toMatch(/no title, arXiv id or DOI/);
    expect(problems[2]!.message).toMatch(/unknown @string macro "undefinedmacro"/);
  });

  it('never throws on garbage', () => {
    expect(parseBibtex('@@@ {{{ "', 'x').items).toEqual([]);
    expect(parseBibtex('', 'x')).toEqual({ items: [], problems: [] });
  });
});

describe('parseCslJson', () => {
  const { items, problems } = parseCslJson(read('sample.csl.json'), 'lib.json');

  it('reads items, authors, issued date-parts and the arXiv id of Zotero preprints', () => {
    expect(items).toHaveLength(2);
    expect(items[0]).toEqual({
      title: 'Attention Is All You Need',
      abstract: expect.stringMatching(/^The dominant/),
      authors: ['Ashish Vaswani', 'Noam Shazeer', 'Google Brain'],
      arxivId: '1706.03762',
      doi: '10.48550/arxiv.1706.03762',
      year: 2017,
      added: '2023-05-01',
      source: 'lib.json:2',
    });
    expect(items[1]).toMatchObject({ doi: '10.1000/abc.123', authors: ['John von Neumann'], year: 2020, source: 'lib.json:19' });
  });

  it('reports bad items at the line where they start', () => {
    expect(problems).toEqual([
      { line: 27, message: 'item 3: is not a JSON object' },
      { line: 28, message: 'item 4: has no title, arXiv id or DOI' },
      { line: 33, message: 'item 5: "author" is not an array' },
    ]);
  });

  it('reports text that is not JSON at the line it breaks', () => {
    const result = parseCslJson('[\n  {"title": "a"},\n  {"title": }\n]', 'bad.json');
    expect(result.items).toEqual([]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]!.line).toBe(3);
  });
});

describe('parseRis', () => {
  const { items, problems } = parseRis(read('sample.ris'), 'lib.ris');

  it('reads TY…ER records with continuation lines, dates and links', () => {
    expect(items.map((item) => item.title)).toEqual([
      'Attention Is All You Need',
      'Dense Passage Retrieval for Open-Domain Question Answering',
      'Language Models are Few-Shot Learners',
    ]);
    expect(items[0]).toEqual({
      title: 'Attention Is All You Need',
      abstract: 'The dominant sequence transduction models are based on complex recurrent or convolutional neural networks.',
      authors: ['Ashish Vaswani', 'Noam Shazeer', 'Niki Parmar'],
      arxivId: '1706.03762',
      doi: '10.48550/arxiv.1706.03762',
      year: 2017,
      added: '2023-05-01T10:00:00Z',
      source: 'lib.ris:1',
    });
    expect(items[1]).toMatchObject({ year: 2020, authors: ['Vladimir Karpukhin'] });
    expect(items[1]!.arxivId).toBeUndefined();
    expect(items[2]).toMatchObject({ arxivId: '2005.14165', year: 2020, abstract: expect.stringMatching(/^Recent work/) });
  });

  it('reports a record without ER and one without a title', () => {
    expect(problems).toEqual([
      { line: 21, message: expect.stringMatching(/no "ER {2}- " before the next "TY" \(line 25\)/) },
      { line: 25, message: expect.stringMatching(/no title/) },
    ]);
  });
});

describe('parseArxivIdList', () => {
  it('reads new and old ids, versions, arXiv: prefixes, links and comments, once each', () => {
    const { items, problems } = parseArxivIdList(read('ids.txt'), 'ids.txt');
    expect(items.map((item) => item.arxivId)).toEqual([
      '2403.10568',
      '1706.03762',
      '2005.14165',
      'cond-mat/0412498',
      'hep-th/9901001',
      'math.GT/0309136',
      '2310.02953',
    ]);
    expect(items[1]).toEqual({ title: '', authors: [], arxivId: '1706.03762', source: 'ids.txt:3' });
    expect(problems).toEqual([
      { line: 11, message: 'not an arXiv id: "not-an-id"' },
      { line: 12, message: 'not an arXiv id: "2403.105"' },
    ]);
  });
});

describe('parseZoteroRdf', () => {
  it('reads items, skips attachments, notes and collections, and takes dateAdded', () => {
    const { items, problems } = parseZoteroRdf(read('sample.rdf'), 'lib.rdf');
    expect(items).toEqual([
      {
        title: 'Attention Is All You Need',
        abstract: 'The dominant sequence transduction models are based on complex recurrent or convolutional neural networks & attention.',
        authors: ['Ashish Vaswani', 'Noam Shazeer'],
        arxivId: '1706.03762',
        doi: '10.48550/arxiv.1706.03762',
        year: 2017,
        added: '2023-05-01T10:00:00Z',
        source: 'lib.rdf:10',
      },
      {
        title: 'Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks',
        authors: ['Patrick Lewis'],
        arxivId: '2005.11401',
        doi: '10.1000/test.42',
        year: 2020,
        added: '2024-01-15T12:30:00Z',
        source: 'lib.rdf:51',
      },
    ]);
    expect(problems).toEqual([{ line: 77, message: 'webpage item has no title, arXiv id or DOI; skipped' }]);
  });

  it('keeps the items before malformed XML and reports its line', () => {
    const text = read('sample.rdf').replace('<bib:Memo rdf:about="#item_21">', '<bib:Memo rdf:about="#item_21"><oops>');
    const { items, problems } = parseZoteroRdf(text, 'lib.rdf');
    expect(items).toHaveLength(2);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/malformed XML/);
    expect(problems[0]!.line).toBe(76);
  });
});

describe('detectLibraryFormat and readLibraryFile', () => {
  it('tells each fixture format from its content', () => {
    expect(detectLibraryFormat('a.txt', read('sample.bib'))).toBe('bibtex');
    expect(detectLibraryFormat('a.txt', read('sample.csl.json'))).toBe('csl-json');
    expect(detectLibraryFormat('a.txt', read('sample.ris'))).toBe('ris');
    expect(detectLibraryFormat('a.txt', read('sample.rdf'))).toBe('zotero-rdf');
    expect(detectLibraryFormat('a.txt', read('ids.txt'))).toBe('arxiv-ids');
    expect(detectLibraryFormat('notes.txt', 'just some prose\nabout papers')).toBeUndefined();
  });

  it('reads a file and returns its format', async () => {
    const result = await readLibraryFile(fixture('sample.ris'));
    expect(result.format).toBe('ris');
    expect(result.items).toHaveLength(3);
  });

  it('throws NOT_FOUND, FORMAT_UNKNOWN and INPUT_MALFORMED with the file named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xivdigest-library-'));
    await expect(readLibraryFile(join(dir, 'missing.bib'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    writeFileSync(join(dir, 'prose.txt'), 'nothing to see\nhere');
    await expect(readLibraryFile(join(dir, 'prose.txt'))).rejects.toMatchObject({ code: 'FORMAT_UNKNOWN' });
    writeFileSync(join(dir, 'broken.bib'), '@article{a,\n  title = {never closed\n');
    const error = await readLibraryFile(join(dir, 'broken.bib')).catch((caught: unknown) => caught);
    expect(XivdigestError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'INPUT_MALFORMED', details: { file: join(dir, 'broken.bib'), line: 1 } });
  });
});

describe('withPaperMetadata', () => {
  it('fills id-only items from known papers', () => {
    const paper = {
      id: '2403.10568',
      title: 'A Paper',
      abstract: 'Its abstract.',
      authors: [{ name: 'A. Author' }],
      submitted: '2024-03-15T00:00:00Z',
    } as Paper;
    const [filled, untouched] = withPaperMetadata(
      [
        { title: '', authors: [], arxivId: '2403.10568', source: 'ids:1' },
        { title: '', authors: [], arxivId: '1706.03762', source: 'ids:2' },
      ],
      [paper],
    );
    expect(filled).toEqual({ title: 'A Paper', abstract: 'Its abstract.', authors: ['A. Author'], arxivId: '2403.10568', year: 2024, source: 'ids:1' });
    expect(untouched).toEqual({ title: '', authors: [], arxivId: '1706.03762', source: 'ids:2' });
  });
});

describe('robustness', () => {
  it('never throws on any prefix of the fixtures (cut files, half-written exports)', () => {
    const cases: Array<[string, (text: string, origin: string) => { items: unknown[]; problems: unknown[] }]> = [
      ['sample.bib', parseBibtex],
      ['sample.csl.json', parseCslJson],
      ['sample.ris', parseRis],
      ['sample.rdf', parseZoteroRdf],
      ['ids.txt', parseArxivIdList],
    ];
    for (const [name, parse] of cases) {
      const text = read(name);
      for (let cut = 0; cut <= text.length; cut += 5) {
        const result = parse(text.slice(0, cut), name);
        expect(Array.isArray(result.items) && Array.isArray(result.problems)).toBe(true);
      }
    }
  });
});
