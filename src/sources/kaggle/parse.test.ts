/** Tests for the Kaggle snapshot parser, on our own sample and on the first 200 real lines of the snapshot. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../../core/errors.js';
import type { Paper } from '../../core/paper.js';
import type { DocumentInput, SourceEvent } from '../../core/source.js';
import { fileInput } from '../shared/document-input.js';
import { hasSharedFixtures, ownFixture, sharedFixture } from '../../../test/helpers/shared-fixtures.js';
import { splitAuthorList } from '../../core/authors.js';
import { parseKaggle } from './parse.js';

async function collect(input: DocumentInput, origin = 'test.jsonl'): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  for await (const event of parseKaggle(input, { origin })) events.push(event);
  return events;
}

/** The document as UTF-8 byte chunks of `size`, cutting through characters and lines. */
async function* byteChunks(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
}

function papers(events: SourceEvent[]): Map<string, Paper> {
  const byId = new Map<string, Paper>();
  for (const event of events) if (event.type === 'paper') byId.set(event.paper.id, event.paper);
  return byId;
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

describe('parseKaggle on our own sample', () => {
  const path = ownFixture('kaggle', 'snapshot-sample.jsonl');
  const text = readFileSync(path, 'utf8');

  it('emits the feed first, then one paper per non-blank line (CRLF and blank lines tolerated)', async () => {
    const events = await collect(text, path);
    expect(events.map((event) => event.type)).toEqual(['feed', 'paper', 'paper', 'paper']);
    expect(events[0]).toEqual({ type: 'feed', feed: { format: 'kaggle', origin: path } });
  });

  it('fills every field of a full record', async () => {
    const paper = papers(await collect(text, path)).get('2402.00001');
    expect(paper).toEqual({
      id: '2402.00001',
      version: 2,
      title: 'A Made-Up Study of Nothing in Particular',
      authors: [
        { name: 'V. Invented', affiliations: ['Sample Lab'] },
        { name: 'W. Müller', affiliations: ['Sample Lab', 'Example University'] },
      ],
      abstract: 'We study nothing. The results are well-defined and entirely imaginary.',
      categories: ['cs.AI', 'cs.LG'],
      doi: '10.0000/made.up.1',
      comments: '5 pages, 1 figure',
      license: 'http://creativecommons.org/licenses/by/4.0/',
      reportNo: 'MU-24-01',
      submitter: 'Vera Invented',
      links: {
        abs: 'https://arxiv.org/abs/2402.00001',
        pdf: 'https://arxiv.org/pdf/2402.00001v2',
        doi: 'https://doi.org/10.0000/made.up.1',
      },
      submitted: '2024-02-01T10:11:12.000Z',
      updated: '2024-02-06',
      versions: [
        { version: 1, submitted: '2024-02-01T10:11:12.000Z' },
        { version: 2, submitted: '2024-02-05T09:08:07.000Z' },
      ],
      source: 'kaggle',
    } satisfies Paper);
  });

  it('keeps old-style ids, suffixes, and leaves absent fields out', async () => {
    const paper = papers(await collect(text, path)).get('math/0301999')!;
    expect(paper.authors).toEqual([{ name: 'Xu Placeholder Jr' }]);
    expect(paper.journalRef).toBe('Made Up J. 1 (2003) 1');
    expect(paper.links.pdf).toBe('https://arxiv.org/pdf/math/0301999v1');
    for (const key of ['doi', 'license', 'comments', 'reportNo'] as const) expect(paper).not.toHaveProperty(key);
  });

  it('splits the authors string when authors_parsed is empty', async () => {
    const paper = papers(await collect(text, path)).get('2402.00003')!;
    expect(paper.authors.map((author) => author.name)).toEqual(['Yan Sample', 'Zed Example', 'Ann Other']);
  });

  it('gives the same events for 7-byte chunks as for the whole text', async () => {
    expect(await collect(byteChunks(text, 7), path)).toEqual(await collect(text, path));
  });

  it('names the origin and the line of a malformed line', async () => {
    const malformedPath = ownFixture('kaggle', 'snapshot-malformed.jsonl');
    const error = await failure(fileInput(malformedPath), malformedPath);
    expect(error.code).toBe('INPUT_MALFORMED');
    expect(error.message).toContain(malformedPath);
    expect(error.message).toContain('Line 3');
    expect(error.details).toMatchObject({ origin: malformedPath, line: 3 });
    expect(error.hint).toBeTruthy();
  });

  it('rejects a line that is JSON but not a record with an arXiv id', async () => {
    const notObject = await failure('[1, 2]\n', 'array.jsonl');
    expect(notObject.code).toBe('INPUT_MALFORMED');
    expect(notObject.message).toContain('array.jsonl');
    const noId = await failure('{"id": "not an id"}\n', 'bad-id.jsonl');
    expect(noId.code).toBe('INPUT_MALFORMED');
    expect(noId.message).toMatch(/Line 1 of bad-id\.jsonl/);
  });
});

describe.skipIf(!hasSharedFixtures)('parseKaggle on the first 200 lines of the real snapshot', () => {
  const path = sharedFixture('arxiv', 'kaggle-arxiv-metadata-oai-snapshot-first200.jsonl');

  it('yields 200 papers, ids 0704.0001 to 0704.0200 in order', async () => {
    const events = await collect(fileInput(path), path);
    const ids = events.flatMap((event) => (event.type === 'paper' ? [event.paper.id] : []));
    expect(events[0]?.type).toBe('feed');
    expect(ids).toHaveLength(200);
    expect(ids[0]).toBe('0704.0001');
    expect(ids[199]).toBe('0704.0200');
  });

  it('reads 0704.0001 field by field', async () => {
    const paper = papers(await collect(fileInput(path), path)).get('0704.0001')!;
    expect(paper).toMatchObject({
      id: '0704.0001',
      version: 2,
      title: 'Calculation of prompt diphoton production cross sections at Tevatron and LHC energies',
      categories: ['hep-ph'],
      doi: '10.1103/PhysRevD.76.013009',
      journalRef: 'Phys.Rev.D76:013009,2007',
      comments: '37 pages, 15 figures; published version',
      reportNo: 'ANL-HEP-PR-07-12',
      submitter: 'Pavel Nadolsky',
      submitted: '2007-04-02T19:18:42.000Z',
      updated: '2008-11-26',
      links: {
        abs: 'https://arxiv.org/abs/0704.0001',
        pdf: 'https://arxiv.org/pdf/0704.0001v2',
        doi: 'https://doi.org/10.1103/PhysRevD.76.013009',
      },
      versions: [
        { version: 1, submitted: '2007-04-02T19:18:42.000Z' },
        { version: 2, submitted: '2007-07-24T20:10:27.000Z' },
      ],
      source: 'kaggle',
    });
    // authors_parsed has the accents already decoded; `authors` has C. Bal\'azs.
    expect(paper.authors).toEqual([{ name: 'C. Balázs' }, { name: 'E. L. Berger' }, { name: 'P. M. Nadolsky' }, { name: 'C. -P. Yuan' }]);
    expect(paper.abstract.startsWith('A fully differential calculation in perturbative quantum chromodynamics is presented')).toBe(true);
    expect(paper.abstract.endsWith('can be obtained with judicious selection of events.')).toBe(true);
    expect(paper.abstract).not.toMatch(/\n| {2}/);
    expect(paper).not.toHaveProperty('license');
  });

  it('reads licences, multiple categories, suffixes and the first of two DOIs', async () => {
    const byId = papers(await collect(fileInput(path), path));
    expect(byId.get('0704.0002')).toMatchObject({
      categories: ['math.CO', 'cs.CG'],
      license: 'http://arxiv.org/licenses/nonexclusive-distrib/1.0/',
      authors: [{ name: 'Ileana Streinu' }, { name: 'Louis Theran' }],
    });
    expect(byId.get('0704.0009')!.authors[5]).toEqual({ name: 'Neal J. Evans II' });
    expect(byId.get('0704.0033')).toMatchObject({
      doi: '10.1364/JOSAA.23.002578',
      license: 'http://creativecommons.org/licenses/by-nc-nd/4.0/',
      journalRef: 'J.Opt.Soc.Am.A 23, 2578-2591 (2006); Erratum: J.Opt.Soc.Am.A 32, 2407-2408 (2015)',
      categories: ['physics.optics', 'physics.comp-ph'],
    });
    expect(byId.get('0704.0064')!.versions.map((version) => version.version)).toEqual([1, 2, 3, 4, 5]);
    expect(byId.get('0704.0081')!.categories).toEqual(['math.QA', 'hep-th', 'math-ph', 'math.MP', 'math.RT']);
  });

  it('reads affiliations, resolving numbered ones from the authors string', async () => {
    const byId = papers(await collect(fileInput(path), path));
    expect(byId.get('0704.0025')!.authors).toEqual([
      { name: 'A. S. Mishchenko', affiliations: ['CREST, Japan Science and Technology Agency', "Russian Research Centre ``Kurchatov Institute''"] },
      { name: 'N. Nagaosa', affiliations: ['CREST, Japan Science and Technology Agency', 'The University of Tokyo'] },
    ]);
    expect(byId.get('0704.0163')!.authors[1]).toEqual({
      name: 'Franz Gähler',
      affiliations: ['Institut für Theoretische und Angewandte Physik, Universität Stuttgart'],
    });
    expect(byId.get('0704.0155')!.authors.map((author) => author.affiliations?.[0])).toEqual(['SRON Groningen', 'Onsala', 'Stockholm', 'Leiden', 'Leiden']);
  });

  it('splits every authors string into the same authors and affiliations as Kaggle authors_parsed', async () => {
    // A cross-check of our author-string splitter (used for arXivRaw) against arXiv's own parser's output.
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    for (const line of lines) {
      const record = JSON.parse(line) as { id: string; authors: string; authors_parsed: string[][] };
      const split = splitAuthorList(record.authors);
      expect(split, record.id).toHaveLength(record.authors_parsed.length);
      record.authors_parsed.forEach(([, , , affiliation], index) => {
        if (affiliation && !/^\d/.test(affiliation)) {
          expect(split[index]!.affiliations?.join('; '), record.id).toBe(affiliation.replace(/\s+/g, ' ').trim());
        }
      });
    }
  });

  it('gives identical events for 4 KB byte chunks', async () => {
    const text = readFileSync(path, 'utf8');
    expect(JSON.stringify(await collect(byteChunks(text, 4096), path))).toBe(JSON.stringify(await collect(text, path)));
  });
});
