/** Tests for the arXiv API parser: our own responses in both styles, and every real recorded response. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../../core/errors.js';
import type { Paper } from '../../core/paper.js';
import type { DocumentInput, FeedInfo, PageInfo, SourceEvent } from '../../core/source.js';
import { fileInput } from '../shared/document-input.js';
import { hasSharedFixtures, ownFixture, sharedFixture } from '../../../test/helpers/shared-fixtures.js';
import { parseArxivApi } from './parse.js';

async function collect(input: DocumentInput, origin = 'test.xml'): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  for await (const event of parseArxivApi(input, { origin })) events.push(event);
  return events;
}

/** The document as UTF-8 byte chunks of `size`, cutting through tags, entities and characters. */
async function* byteChunks(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
}

function feedOf(events: SourceEvent[]): FeedInfo {
  expect(events.filter((event) => event.type === 'feed')).toHaveLength(1);
  expect(events[0]?.type).toBe('feed');
  return (events[0] as { feed: FeedInfo }).feed;
}

function pageOf(events: SourceEvent[]): PageInfo {
  const last = events[events.length - 1];
  expect(last?.type).toBe('page');
  return (last as { page: PageInfo }).page;
}

function papersOf(events: SourceEvent[]): Paper[] {
  return events.flatMap((event) => (event.type === 'paper' ? [event.paper] : []));
}

function byId(events: SourceEvent[], id: string): Paper {
  const paper = papersOf(events).find((candidate) => candidate.id === id);
  if (!paper) throw new Error(`no paper ${id}`);
  return paper;
}

async function failure(input: DocumentInput, origin: string): Promise<XivdigestError> {
  try {
    await collect(input, origin);
  } catch (error) {
    if (XivdigestError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the parser to throw');
}

/** The XML inside a recorded `{url, status_code, body}` response (arxiv.py's fixture shape). */
function recordedBody(path: string): string {
  return (JSON.parse(readFileSync(path, 'utf8')) as { body: string }).body;
}

describe('parseArxivApi on our own responses', () => {
  it('reads the 2016 style: inline namespaces, doi link only, hard wraps, old-style id', async () => {
    const path = ownFixture('api', 'query-2016-style.xml');
    const events = await collect(fileInput(path), path);
    expect(feedOf(events)).toEqual({
      format: 'arxiv-api',
      origin: path,
      title: 'ArXiv Query: search_query=au:placeholder&id_list=&start=0&max_results=2',
      published: '2016-01-02T05:00:00.000Z',
      totalResults: 7,
      startIndex: 2,
    });
    expect(pageOf(events)).toEqual({ count: 2, completeListSize: 7, cursor: 2 });
    expect(byId(events, 'math/0501234')).toEqual({
      id: 'math/0501234',
      version: 3,
      title: 'An Invented Lemma on Imaginary Groups',
      authors: [{ name: 'Quill Placeholder' }, { name: 'Rho Example' }],
      abstract: 'We state a lemma that no one needs. Its proof is self-contained and fits in the margin, which is why it is missing.',
      categories: ['math.GR', 'math.CO', '20F99'],
      doi: '10.0000/ig.2006.42',
      journalRef: 'Imag. Groups 42 (2006) 1-3',
      comments: '3 pages; v3 adds nothing',
      links: {
        abs: 'https://arxiv.org/abs/math/0501234',
        pdf: 'http://arxiv.org/pdf/math/0501234v3',
        doi: 'https://doi.org/10.0000/ig.2006.42',
      },
      submitted: '2005-01-12T11:22:33.000Z',
      updated: '2006-02-03T04:05:06.000Z',
      versions: [
        { version: 1, submitted: '2005-01-12T11:22:33.000Z' },
        { version: 3, submitted: '2006-02-03T04:05:06.000Z' },
      ],
      source: 'arxiv-api',
    } satisfies Paper);
    const bare = byId(events, '1412.00001');
    expect(bare).toMatchObject({ version: 1, categories: ['physics.gen-ph'], versions: [{ version: 1, submitted: '2014-12-01T10:00:00.000Z' }] });
    for (const key of ['doi', 'journalRef', 'comments'] as const) expect(bare).not.toHaveProperty(key);
  });

  it('reads the 2025 style: namespaces on <feed>, affiliations, primary category after the others', async () => {
    const path = ownFixture('api', 'query-2025-style.xml');
    const events = await collect(fileInput(path), path);
    expect(feedOf(events)).toMatchObject({ totalResults: 1, startIndex: 0, published: '2025-06-07T08:09:10.000Z' });
    expect(byId(events, '2501.00042')).toEqual({
      id: '2501.00042',
      version: 2,
      title: 'Teaching Parrots to Count Tokens',
      authors: [{ name: 'Tui Example', affiliations: ['Aviary Institute', 'Perch University'] }, { name: 'Uma Sample' }],
      abstract: 'Parrots can count tokens <= 3. We show how & why.',
      categories: ['cs.CL', 'cs.LG'],
      doi: '10.0000/parrots.2025',
      comments: 'Made up for tests',
      links: {
        abs: 'https://arxiv.org/abs/2501.00042',
        pdf: 'https://arxiv.org/pdf/2501.00042v2',
        doi: 'https://doi.org/10.0000/parrots.2025',
      },
      submitted: '2025-01-02T03:04:05.000Z',
      updated: '2025-02-14T12:00:00.000Z',
      versions: [
        { version: 1, submitted: '2025-01-02T03:04:05.000Z' },
        { version: 2, submitted: '2025-02-14T12:00:00.000Z' },
      ],
      source: 'arxiv-api',
    } satisfies Paper);
  });

  it('gives a feed and an empty page for zero results', async () => {
    const path = ownFixture('api', 'empty.xml');
    const events = await collect(fileInput(path), path);
    expect(events.map((event) => event.type)).toEqual(['feed', 'page']);
    expect(feedOf(events)).toMatchObject({ totalResults: 0, startIndex: 0 });
    expect(pageOf(events)).toEqual({ count: 0, completeListSize: 0, cursor: 0 });
  });

  it('throws ARXIV_API_ERROR with arXiv’s message, the origin and a hint for an error entry', async () => {
    const path = ownFixture('api', 'error-bad-id.xml');
    const error = await failure(fileInput(path), path);
    expect(error.code).toBe('ARXIV_API_ERROR');
    expect(error.message).toBe(`arXiv API error for ${path}: incorrect id format for not-an-id`);
    expect(error.hint).toContain('id_list');
    expect(error.details).toMatchObject({ origin: path, errorId: 'https://arxiv.org/api/errors#incorrect_id_format_for_not-an-id' });
  });

  it('rejects a document that is not an Atom feed, and a cut-short one', async () => {
    const notAtom = await failure('<rss version="2.0"><channel/></rss>', 'rss.xml');
    expect(notAtom.code).toBe('FORMAT_UNKNOWN');
    expect(notAtom.message).toContain('rss.xml');
    const text = readFileSync(ownFixture('api', 'query-2025-style.xml'), 'utf8');
    const cut = await failure(text.slice(0, text.indexOf('</entry>')), 'cut.xml');
    expect(cut.code).toBe('XML_MALFORMED');
    expect(cut.message).toContain('cut.xml');
  });

  it('gives identical events for any chunking of the input', async () => {
    for (const name of ['query-2016-style.xml', 'query-2025-style.xml', 'empty.xml']) {
      const text = readFileSync(ownFixture('api', name), 'utf8');
      const whole = await collect(text, name);
      for (const size of [1, 5, 100]) expect(await collect(byteChunks(text, size), name), `${name} in ${size}-byte chunks`).toEqual(whole);
    }
  });
});

describe.skipIf(!hasSharedFixtures)('parseArxivApi on the real recorded responses', () => {
  const fixture = (name: string): string => sharedFixture('arxiv', name);

  it('2016 search au:del_maestro: 10 entries of 31, old-style ids, hard-wrapped summaries', async () => {
    const path = fixture('api-legacy-search-au-del_maestro-2016-10-09.xml');
    const events = await collect(fileInput(path), path);
    expect(feedOf(events)).toEqual({
      format: 'arxiv-api',
      origin: path,
      title: 'ArXiv Query: search_query=au:del_maestro&id_list=&start=0&max_results=10',
      published: '2016-10-09T04:00:00.000Z',
      totalResults: 31,
      startIndex: 0,
    });
    expect(papersOf(events)).toHaveLength(10);
    expect(pageOf(events)).toEqual({ count: 10, completeListSize: 31, cursor: 0 });
    const luttinger = byId(events, '1201.4869');
    expect(luttinger).toMatchObject({
      version: 1,
      title: 'A Luttinger Liquid Core Inside Helium-4 Filled Nanopores',
      authors: [{ name: 'Adrian Del Maestro' }],
      categories: ['cond-mat.mes-hall', 'cond-mat.other'],
      doi: '10.1142/S021797921244002X',
      journalRef: 'Int. J. Mod. Phys. B, 26, 1244002 (2012)',
      comments: '26 pages, 10 figures',
      links: {
        abs: 'https://arxiv.org/abs/1201.4869',
        pdf: 'http://arxiv.org/pdf/1201.4869v1',
        doi: 'https://doi.org/10.1142/S021797921244002X',
      },
      submitted: '2012-01-23T21:15:02.000Z',
      updated: '2012-01-23T21:15:02.000Z',
      versions: [{ version: 1, submitted: '2012-01-23T21:15:02.000Z' }],
      source: 'arxiv-api',
    });
    expect(luttinger.abstract.startsWith('As helium-4 is cooled below 2.17 K it undergoes a phase transition to a fundamentally new state')).toBe(true);
    expect(luttinger.abstract.endsWith('the experimental detection of this intriguing low dimensional state of matter.')).toBe(true);
    expect(byId(events, 'cond-mat/0412498')).toMatchObject({
      version: 1,
      authors: [{ name: 'Adrian Del Maestro' }, { name: 'Subir Sachdev' }],
      categories: ['cond-mat.str-el', 'cond-mat.stat-mech'],
      links: { abs: 'https://arxiv.org/abs/cond-mat/0412498', pdf: 'http://arxiv.org/pdf/cond-mat/0412498v1' },
    });
    expect(byId(events, 'cond-mat/0412498').abstract).toContain('(p >= 3, integer)');
    for (const paper of papersOf(events)) {
      expect(paper.abstract, paper.id).not.toMatch(/\n|\s{2}|^\s/);
      expect(paper.categories[0], paper.id).toBeTruthy();
    }
  });

  it('2016 id_list 1111.2011v2: version 2 with v1 date from <published>', async () => {
    const path = fixture('api-legacy-id_list-1111.2011v2-2016-10-09.xml');
    const events = await collect(fileInput(path), path);
    expect(feedOf(events)).toMatchObject({ totalResults: 1, startIndex: 0 });
    expect(papersOf(events)).toHaveLength(1);
    expect(byId(events, '1111.2011')).toMatchObject({
      version: 2,
      title: 'Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit',
      authors: [{ name: 'James M. Murray' }, { name: 'Adrian Del Maestro' }, { name: 'Zlatko Tesanovic' }],
      categories: ['cond-mat.str-el', 'cond-mat.stat-mech'],
      doi: '10.1103/PhysRevB.85.115117',
      journalRef: 'Phys. Rev. B 85, 115117 (2012)',
      comments: '8 pages, 3 figures. Published version',
      submitted: '2011-11-08T18:48:36.000Z',
      updated: '2012-04-02T12:38:54.000Z',
      versions: [
        { version: 1, submitted: '2011-11-08T18:48:36.000Z' },
        { version: 2, submitted: '2012-04-02T12:38:54.000Z' },
      ],
    });
    expect(byId(events, '1111.2011').abstract).toContain('indicating that--at least for the purposes of quantum criticality--the large number');
  });

  it('2016 boolean query: 2 entries', async () => {
    const path = fixture('api-legacy-search-au-AND-ti-quantum-criticality-2016-10-09.xml');
    const events = await collect(fileInput(path), path);
    expect(feedOf(events)).toMatchObject({
      totalResults: 2,
      title: 'ArXiv Query: search_query=au:del_maestro AND ti:"quantum criticality"&id_list=&start=0&max_results=10',
    });
    expect(papersOf(events).map((paper) => paper.id)).toEqual(['1111.2011', 'cond-mat/0607501']);
    expect(byId(events, 'cond-mat/0607501')).toMatchObject({
      version: 2,
      authors: [{ name: 'R. G. Melko' }, { name: 'A. Del Maestro' }, { name: 'A. A. Burkov' }],
      doi: '10.1103/PhysRevB.74.214517',
    });
  });

  it('2026 astro-ph/0601001: old-style id, affiliations, journal_ref', async () => {
    const path = fixture('api-2026-golden-id_astro-ph_0601001_s0_m100_3150dca9dc76.json');
    const events = await collect(recordedBody(path), path);
    expect(feedOf(events)).toMatchObject({ totalResults: 1, startIndex: 0, published: '2026-05-11T23:51:23.000Z' });
    expect(pageOf(events)).toEqual({ count: 1, completeListSize: 1, cursor: 0 });
    const paper = byId(events, 'astro-ph/0601001');
    expect(paper).toMatchObject({
      version: 1,
      title: 'Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys Toward the Galactic Bulge and Carina',
      authors: [
        { name: 'Andrew Gould', affiliations: ['Ohio State'] },
        { name: 'Susan Dorsher', affiliations: ['Ohio State'] },
        { name: 'B. Scott Gaudi', affiliations: ['CfA'] },
        { name: 'Andrzej Udalski', affiliations: ['Warsaw University Observatory'] },
      ],
      categories: ['astro-ph'],
      journalRef: 'ActaAstron.56:1-50,2006',
      links: { abs: 'https://arxiv.org/abs/astro-ph/0601001', pdf: 'https://arxiv.org/pdf/astro-ph/0601001v1' },
      submitted: '2006-01-02T14:57:58.000Z',
      updated: '2006-01-02T14:57:58.000Z',
    });
    expect(paper.comments).toMatch(/^62 pages including 16 figures and 9 tables\. Submitted to Acta Astronomica\./);
    expect(paper.abstract).toContain('following Gould & Morgan (2003)');
    expect(paper.abstract).toContain('limit of V_max<17.5.');
    expect(paper).not.toHaveProperty('doi');
  });

  it('2026 search "testing": 10 entries of 214881, primary category first, dois', async () => {
    const path = fixture('api-2026-golden-q_testing_s0_m10_bc5a6c384fe9.json');
    const events = await collect(recordedBody(path), path);
    expect(feedOf(events)).toMatchObject({
      title: 'arXiv Query: search_query=all:testing&id_list=&start=0&max_results=10',
      totalResults: 214881,
      startIndex: 0,
    });
    expect(papersOf(events)).toHaveLength(10);
    expect(byId(events, '2202.12139')).toMatchObject({
      version: 1,
      title: 'Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques',
      authors: [{ name: 'Mohit Kumar Ahuja' }, { name: 'Arnaud Gotlieb' }, { name: 'Helge Spieker' }],
      categories: ['cs.SE', 'cs.LG'],
      doi: '10.1109/ICSTW55395.2022.00035',
      journalRef:
        'Artificial Intelligence in Software Testing @ 2022 IEEE International Conference on Software Testing, Verification and Validation Workshops (ICSTW)',
      comments: 'Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022',
      links: {
        abs: 'https://arxiv.org/abs/2202.12139',
        pdf: 'https://arxiv.org/pdf/2202.12139v1',
        doi: 'https://doi.org/10.1109/ICSTW55395.2022.00035',
      },
      submitted: '2022-02-24T15:05:19.000Z',
    });
    expect(byId(events, '2005.14124')).toMatchObject({ version: 2, versions: [{ version: 1 }, { version: 2 }] });
    for (const paper of papersOf(events)) {
      expect(paper.abstract, paper.id).not.toMatch(/\n|\s{2}|^\s/);
      expect(paper.links.pdf, paper.id).toMatch(/^https:\/\/arxiv\.org\/pdf\//);
    }
  });

  it('2026 id_list with an invalid id: arXiv silently drops it, totalResults 1', async () => {
    const path = fixture('api-2026-golden-id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.json');
    const events = await collect(recordedBody(path), path);
    expect(feedOf(events)).toMatchObject({ totalResults: 1 });
    expect(papersOf(events).map((paper) => paper.id)).toEqual(['1707.08567']);
    const paper = byId(events, '1707.08567');
    expect(paper).toMatchObject({
      version: 1,
      title: 'Proceedings of Workshop AEW10: Concepts in Information Theory and Communications',
      categories: ['cs.IT'],
      comments: '44 pages, editors for the proceedings: Yanling Chen and A. J. Han Vinck',
    });
    expect(paper.authors).toHaveLength(34);
    expect(paper.authors[0]).toEqual({ name: 'Kees A. Schouhamer Immink' });
    // The recording decoded arXiv's UTF-8 as Latin-1 ("WÃ¼bben"); the parser passes text through as recorded.
    expect(paper.authors[32]!.name).toBe('Dirk W\u00c3\u00bcbben');
  });

  it('2026 id_list 0000.0000: feed with totalResults 0 and no papers', async () => {
    const path = fixture('api-2026-golden-id_0000.0000_s0_m100_8b51d9633a68.json');
    const events = await collect(recordedBody(path), path);
    expect(events.map((event) => event.type)).toEqual(['feed', 'page']);
    expect(feedOf(events)).toMatchObject({ totalResults: 0, startIndex: 0 });
  });

  it('2026 id_list abc: the error entry becomes ARXIV_API_ERROR', async () => {
    const path = fixture('api-2026-golden-id_abc_s0_m100_b79c8dcf6bc3.json');
    const error = await failure(recordedBody(path), path);
    expect(error.code).toBe('ARXIV_API_ERROR');
    expect(error.message).toBe(`arXiv API error for ${path}: incorrect id format for abc`);
    expect(error.message).toContain(path);
    expect(error.hint).toBeTruthy();
    expect(error.details).toMatchObject({ errorId: 'https://arxiv.org/api/errors#incorrect_id_format_for_abc', apiMessage: 'incorrect id format for abc' });
  });

  it('gives identical events for 4 KB chunks of every recorded response', async () => {
    for (const name of [
      'api-legacy-search-au-del_maestro-2016-10-09.xml',
      'api-legacy-id_list-1111.2011v2-2016-10-09.xml',
      'api-2026-golden-q_testing_s0_m10_bc5a6c384fe9.json',
    ]) {
      const path = fixture(name);
      const text = name.endsWith('.json') ? recordedBody(path) : readFileSync(path, 'utf8');
      expect(await collect(byteChunks(text, 4096), path), name).toEqual(await collect(text, path));
    }
  });
});
