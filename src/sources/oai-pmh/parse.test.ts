/** Tests for the OAI-PMH parser: our own small responses, every real recorded response, and the text helpers. */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../../core/errors.js';
import type { Paper } from '../../core/paper.js';
import type { DocumentInput, FeedInfo, PageInfo, SourceEvent } from '../../core/source.js';
import { fileInput } from '../shared/document-input.js';
import { collapseWhitespace, joinWrappedLines } from '../../core/whitespace.js';
import { toIsoTime } from '../shared/text.js';
import { hasSharedFixtures, ownFixture, sharedFixture, sharedFixtureFiles } from '../../../test/helpers/shared-fixtures.js';
import { splitAuthorList, texToUnicode } from '../../core/authors.js';
import { rfc822ToIso } from '../shared/metadata-text.js';

// The plain definitions the fast whitespace helpers must agree with.
const referenceCollapse = (text: string) => text.replace(/\s+/g, ' ').trim();
const referenceJoin = (text: string) => referenceCollapse(text.replace(/(\S)-\r?\n\s*(?=\S)/g, '$1-'));
import { parseOaiPmh } from './parse.js';

async function collect(input: DocumentInput, origin = 'test.xml'): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  for await (const event of parseOaiPmh(input, { origin })) events.push(event);
  return events;
}

/** The document as UTF-8 byte chunks of `size`, cutting through tags, entities and characters. */
async function* byteChunks(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
}

function feedOf(events: SourceEvent[]): FeedInfo {
  const feeds = events.filter((event) => event.type === 'feed');
  expect(feeds).toHaveLength(1);
  expect(events[0]?.type).toBe('feed');
  return (feeds[0] as { feed: FeedInfo }).feed;
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

describe('parseOaiPmh on our own responses', () => {
  it('reads an arXivRaw ListRecords page: versions, split authors, first DOI, deleted record, token', async () => {
    const path = ownFixture('oai', 'listrecords-arXivRaw-page.xml');
    const events = await collect(fileInput(path), path);
    expect(feedOf(events)).toEqual({
      format: 'oai-arXivRaw',
      origin: path,
      title: 'ListRecords metadataPrefix=arXivRaw set=physics:quant-ph from=2021-03-01',
      published: '2021-03-04T05:06:07.000Z',
    });
    expect(papersOf(events).map((paper) => paper.id)).toEqual(['2103.00011', 'hep-th/9901001']);
    expect(pageOf(events)).toEqual({ count: 2, resumptionToken: '1234567|1001', completeListSize: 3002, cursor: 0 });

    expect(byId(events, '2103.00011')).toEqual({
      id: '2103.00011',
      version: 2,
      title: 'Counting Imaginary Qubits on a Folded Napkin',
      authors: [
        { name: 'Ada Q. Fictional', affiliations: ['Napkin Institute, Nowhere'] },
        { name: 'Bo Rössler', affiliations: ['Napkin Institute, Nowhere', 'Department of Folding, Paper University'] },
        { name: 'Cy Étienne-Moreau', affiliations: ['Department of Folding, Paper University'] },
      ],
      abstract:
        'We count the qubits that fit on a folded napkin. The count is self-consistent and paper-thin. Corner-folding doubles it, and re-folding halves it again.',
      categories: ['quant-ph', 'cs.ET'],
      doi: '10.0000/jiq.2021.001',
      journalRef: 'J. Imag. Qubits 1 (2021) 1-12',
      comments: '12 pages, 3 figures; v2: typo in the title fixed',
      license: 'http://creativecommons.org/licenses/by/4.0/',
      submitter: 'Ada Q. Fictional',
      links: {
        abs: 'https://arxiv.org/abs/2103.00011',
        pdf: 'https://arxiv.org/pdf/2103.00011v2',
        doi: 'https://doi.org/10.0000/jiq.2021.001',
      },
      submitted: '2021-03-01T09:00:01.000Z',
      updated: '2021-03-03T17:45:30.000Z',
      versions: [
        { version: 1, submitted: '2021-03-01T09:00:01.000Z', size: '120kb', sourceType: 'D' },
        { version: 2, submitted: '2021-03-03T17:45:30.000Z', size: '131kb', sourceType: 'D' },
      ],
      source: 'oai-arXivRaw',
      oai: { identifier: 'oai:arXiv.org:2103.00011', datestamp: '2021-03-03', sets: ['physics:quant-ph', 'cs'] },
    } satisfies Paper);

    expect(byId(events, 'hep-th/9901001')).toMatchObject({
      version: 1,
      authors: [{ name: 'Dee Placeholder Jr.' }, { name: 'Eve Sample' }, { name: 'F. Grault Dummy' }],
      abstract: 'A made-up abstract & nothing more.',
      reportNo: 'FAKE-99-01',
      links: { abs: 'https://arxiv.org/abs/hep-th/9901001', pdf: 'https://arxiv.org/pdf/hep-th/9901001v1' },
      versions: [{ version: 1, submitted: '1999-01-01T00:00:00.000Z', size: '9kb' }],
    });
  });

  it('reads the arXiv format; an empty resumptionToken means the list is complete', async () => {
    const path = ownFixture('oai', 'listrecords-arXiv-complete.xml');
    const events = await collect(fileInput(path), path);
    expect(feedOf(events)).toMatchObject({ format: 'oai-arXiv', title: 'ListRecords resumptionToken=555|1001' });
    expect(pageOf(events)).toEqual({ count: 2, completeListSize: 1003, cursor: 1001 });
    expect(byId(events, '2211.00001')).toEqual({
      id: '2211.00001',
      version: null,
      title: 'A Benchmark of Benchmarks',
      authors: [{ name: 'Gréta Inventée', affiliations: ['Lab of Examples', 'Sample College'] }, { name: 'Harold T. Mock III' }],
      abstract: 'We benchmark benchmarks. Benchmarks of benchmarks are benchmarked too.',
      categories: ['cs.LG', 'stat.ML'],
      doi: '10.0000/ipw.2022.3',
      journalRef: 'Proc. Imaginary Workshop 3 (2022)',
      comments: 'Workshop paper',
      license: 'http://arxiv.org/licenses/nonexclusive-distrib/1.0/',
      reportNo: 'EX-2022-7',
      links: {
        abs: 'https://arxiv.org/abs/2211.00001',
        pdf: 'https://arxiv.org/pdf/2211.00001',
        doi: 'https://doi.org/10.0000/ipw.2022.3',
      },
      submitted: '2022-10-31',
      updated: '2022-11-09',
      versions: [],
      source: 'oai-arXiv',
      oai: { identifier: 'oai:arXiv.org:2211.00001', datestamp: '2022-11-10', sets: ['cs'] },
    } satisfies Paper);
    const single = byId(events, '2211.00002');
    expect(single).not.toHaveProperty('updated');
    expect(single).not.toHaveProperty('license');
  });

  it('reads oai_dc: inverted names, subjects as codes (unknown ones skipped), comment, doi and journal-ref identifiers', async () => {
    const path = ownFixture('oai', 'getrecord-oai_dc.xml');
    const events = await collect(fileInput(path), path);
    expect(events.map((event) => event.type)).toEqual(['feed', 'paper']);
    expect(feedOf(events)).toMatchObject({ format: 'oai-oai_dc', published: '2023-05-06T07:08:09.000Z' });
    expect(byId(events, '2305.00003')).toEqual({
      id: '2305.00003',
      version: null,
      title: 'Sorting Socks by Colour in Linear Time',
      authors: [{ name: 'Jamie Pair' }, { name: 'Kim Odd Jr.' }, { name: 'Laundry Collaboration' }],
      abstract: 'We sort socks. The algorithm is linear in the number of socks and hand-wavy in the number of colours.',
      categories: ['cs.DS', 'math.CO'],
      doi: '10.0000/jlt.2023.7.1',
      journalRef: 'J. Laundry Theory 7 (2023) 1',
      comments: '4 pages, no figures',
      links: {
        abs: 'https://arxiv.org/abs/2305.00003',
        pdf: 'https://arxiv.org/pdf/2305.00003',
        doi: 'https://doi.org/10.0000/jlt.2023.7.1',
      },
      submitted: '2023-05-01',
      updated: '2023-05-04',
      versions: [],
      source: 'oai-oai_dc',
      oai: { identifier: 'oai:arXiv.org:2305.00003', datestamp: '2023-05-05', sets: ['cs', 'math'] },
    } satisfies Paper);
  });

  it('turns an OAI <error> into OAI_PMH_ERROR with the code and the collapsed message', async () => {
    const path = ownFixture('oai', 'error-cannotDisseminateFormat.xml');
    const error = await failure(fileInput(path), path);
    expect(error.code).toBe('OAI_PMH_ERROR');
    expect(error.details.oaiCode).toBe('cannotDisseminateFormat');
    expect(error.message).toBe(`OAI-PMH error cannotDisseminateFormat from ${path}: Made-up message: format 'marc' is not served here.`);
    expect(error.hint).toContain('metadataPrefix');
  });

  it('gives identical events for any chunking of the input', async () => {
    for (const name of ['listrecords-arXivRaw-page.xml', 'listrecords-arXiv-complete.xml', 'getrecord-oai_dc.xml']) {
      const text = readFileSync(ownFixture('oai', name), 'utf8');
      const whole = await collect(text, name);
      for (const size of [1, 3, 64]) expect(await collect(byteChunks(text, size), name), `${name} in ${size}-byte chunks`).toEqual(whole);
    }
  });

  it('rejects metadata in a format it cannot read', async () => {
    const text = readFileSync(ownFixture('oai', 'getrecord-oai_dc.xml'), 'utf8')
      .replaceAll('oai_dc:dc', 'marc:record')
      .replace('xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"', 'xmlns:marc="http://www.loc.gov/MARC21/slim"');
    const error = await failure(text, 'marc.xml');
    expect(error.code).toBe('FORMAT_UNKNOWN');
    expect(error.message).toContain('marc.xml');
  });

  it('rejects a document that is not an OAI-PMH response, and a cut-short one', async () => {
    const notOai = await failure('<feed xmlns="http://www.w3.org/2005/Atom"></feed>', 'atom.xml');
    expect(notOai.code).toBe('FORMAT_UNKNOWN');
    expect(notOai.message).toContain('atom.xml');
    const text = readFileSync(ownFixture('oai', 'listrecords-arXivRaw-page.xml'), 'utf8');
    const cut = await failure(text.slice(0, text.indexOf('</ListRecords>')), 'cut.xml');
    expect(cut.code).toBe('XML_MALFORMED');
    expect(cut.message).toContain('cut.xml');
  });

  it('streams: the first paper comes out before the whole input has been read', async () => {
    const text = readFileSync(ownFixture('oai', 'listrecords-arXivRaw-page.xml'), 'utf8');
    let chunksRead = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of byteChunks(text, 256)) {
        chunksRead += 1;
        yield chunk;
      }
    }
    let readAtFirstPaper = -1;
    for await (const event of parseOaiPmh(counted(), { origin: 'counted.xml' })) {
      if (event.type === 'paper' && readAtFirstPaper < 0) readAtFirstPaper = chunksRead;
    }
    expect(readAtFirstPaper).toBeGreaterThan(0);
    expect(readAtFirstPaper).toBeLessThan(chunksRead);
  });
});

describe('author lists written as one string', () => {
  it('splits on commas and "and", keeps suffixes, drops "et al"', () => {
    expect(splitAuthorList('A. One, B. Two, and C. Three')).toEqual([{ name: 'A. One' }, { name: 'B. Two' }, { name: 'C. Three' }]);
    expect(splitAuthorList('Isaac Chappell II and S. James Gates Jr')).toEqual([{ name: 'Isaac Chappell II' }, { name: 'S. James Gates Jr' }]);
    expect(splitAuthorList('Sam Smith, Jr., Pat Lee')).toEqual([{ name: 'Sam Smith Jr.' }, { name: 'Pat Lee' }]);
    expect(splitAuthorList('The BABAR Collaboration, B. Aubert, et al')).toEqual([{ name: 'The BABAR Collaboration' }, { name: 'B. Aubert' }]);
    expect(splitAuthorList('A.V.Gusev,V.N.Rudenko')).toEqual([{ name: 'A.V.Gusev' }, { name: 'V.N.Rudenko' }]);
    expect(splitAuthorList('')).toEqual([]);
  });

  it('reads affiliations in parentheses, shared back to the authors before them', () => {
    expect(splitAuthorList('Lucio Mayer (University of Zurich and ETH Zurich), Fabio Governato\n  (University of Washington)')).toEqual([
      { name: 'Lucio Mayer', affiliations: ['University of Zurich and ETH Zurich'] },
      { name: 'Fabio Governato', affiliations: ['University of Washington'] },
    ]);
    expect(splitAuthorList('S.M. Kamil, Sudeshna Sinha and Gautam I. Menon (IMSc, Chennai)').map((author) => author.affiliations)).toEqual([
      ['IMSc, Chennai'],
      ['IMSc, Chennai'],
      ['IMSc, Chennai'],
    ]);
  });

  it('resolves numbered affiliations from the footnote group, with or without a space before it', () => {
    expect(splitAuthorList('Mirek Giersz (1), Douglas C. Heggie (2), Jarrod R. Hurley (3)((1) Warsaw; (2) Edinburgh; (3) Swinburne)')).toEqual([
      { name: 'Mirek Giersz', affiliations: ['Warsaw'] },
      { name: 'Douglas C. Heggie', affiliations: ['Edinburgh'] },
      { name: 'Jarrod R. Hurley', affiliations: ['Swinburne'] },
    ]);
    expect(splitAuthorList('R. de Grijs (1,2) ((1) Sheffield, (2) CAS)')).toEqual([{ name: 'R. de Grijs', affiliations: ['Sheffield', 'CAS'] }]);
  });

  it('turns TeX accents into Unicode', () => {
    expect(texToUnicode("J\\'er\\^ome L\\'eon")).toBe('Jérôme Léon');
    expect(texToUnicode("Kre\\v{s}o \\v{Z}ili\\'c")).toBe('Krešo Žilić');
    expect(texToUnicode('S. {\\AA}berg, R{\\"u}bhausen, Foga\\c{c}a, Vi\\~nas, {\\o}rsted, Gro\\ss e')).toBe(
      'S. Åberg, Rübhausen, Fogaça, Viñas, ørsted, Große',
    );
    expect(texToUnicode("Ma\\'{\\i}z")).toBe('Maíz');
    expect(texToUnicode('no accents here')).toBe('no accents here');
  });
});

describe('hot-path text helpers agree with text.ts', () => {
  const samples = [
    '',
    '   ',
    'plain',
    '  leading and trailing  ',
    'a-\nb',
    'a -\nb',
    '-\nb',
    'a-\r\nb',
    'a-\n\n  b',
    'a- \nb',
    'x-\n-\ny',
    'tab\tand\u00a0nbsp\u2003em',
    'end-\n',
    'one\ntwo\n  three',
    'double  space',
  ];

  it('collapseWhitespace / joinWrappedLines equal their plain regex definitions on edge cases and random text', () => {
    // Half the texts hold only spaces and line feeds (the fast path), half any whitespace (the general path).
    const common = ['a', 'b', '-', ' ', ' ', '\n', 'é'];
    const alphabet = [...common, '\r', '\t', '\u00a0', '\u2028'];
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const texts = [...samples];
    for (let index = 0; index < 4000; index += 1) {
      let text = '';
      const length = Math.floor(random() * 12);
      const letters = index % 2 === 0 ? common : alphabet;
      for (let position = 0; position < length; position += 1) text += letters[Math.floor(random() * letters.length)];
      texts.push(text);
    }
    const mismatches = texts.filter((text) => collapseWhitespace(text) !== referenceCollapse(text) || joinWrappedLines(text) !== referenceJoin(text));
    expect(mismatches).toEqual([]);
  });

  it('rfc822ToIso equals toIsoTime', () => {
    for (const date of [
      'Mon, 2 Apr 2007 19:18:42 GMT',
      'Wed, 23 Jan 2008 21:06:41 GMT',
      'Fri, 29 Feb 2008 16:05:39 GMT',
      'Sat, 31 Feb 2008 10:00:00 GMT',
      '30 Nov 2014 15:03:16 GMT',
      ' Thu, 20 Nov 2014 15:03:16 GMT ',
      '2014-11-20T15:03:16Z',
      'not a date',
    ]) {
      expect(rfc822ToIso(date), date).toBe(toIsoTime(date));
    }
  });
});

describe.skipIf(!hasSharedFixtures)('parseOaiPmh on the real recorded responses', () => {
  const fixture = (name: string): string => sharedFixture('arxiv', name);

  it('ListRecords arXiv, set cs: 46 records, complete, field by field', async () => {
    const path = fixture('oai-listrecords-arXiv-set-cs-2015-01-16to18.xml');
    const events = await collect(fileInput(path), path);
    expect(feedOf(events)).toEqual({
      format: 'oai-arXiv',
      origin: path,
      title: 'ListRecords metadataPrefix=arXiv set=cs from=2015-01-16 until=2015-01-18',
      published: '2016-01-18T15:33:12.000Z',
    });
    expect(papersOf(events)).toHaveLength(46);
    expect(pageOf(events)).toEqual({ count: 46 });
    expect(byId(events, '1101.4388')).toEqual({
      id: '1101.4388',
      version: null,
      title: 'Reproducing Kernel Banach Spaces with the l1 Norm',
      authors: [{ name: 'Guohui Song' }, { name: 'Haizhang Zhang' }, { name: 'Fred J. Hickernell' }],
      abstract:
        'Targeting at sparse learning, we construct Banach spaces B of functions on an input space X with the properties that (1) B possesses an l1 norm in the sense that it is isometrically isomorphic to the Banach space of integrable functions on X with respect to the counting measure; (2) point evaluations are continuous linear functionals on B and are representable through a bilinear form with a kernel function; (3) regularized learning schemes on B satisfy the linear representer theorem. Examples of kernel functions admissible for the construction of such spaces are given.',
      categories: ['stat.ML', 'cs.LG', 'math.FA'],
      doi: '10.1016/j.acha.2012.03.009',
      journalRef: 'Appl. Comput. Harmon. Anal., 34:96-116, 2013',
      comments: '28 pages, an extra section was added',
      license: 'http://arxiv.org/licenses/nonexclusive-distrib/1.0/',
      links: {
        abs: 'https://arxiv.org/abs/1101.4388',
        pdf: 'https://arxiv.org/pdf/1101.4388',
        doi: 'https://doi.org/10.1016/j.acha.2012.03.009',
      },
      submitted: '2011-01-23',
      updated: '2012-03-28',
      versions: [],
      source: 'oai-arXiv',
      oai: { identifier: 'oai:arXiv.org:1101.4388', datestamp: '2015-01-16', sets: ['cs'] },
    } satisfies Paper);
    expect(byId(events, '1111.1546').authors[1]).toEqual({ name: 'Heiko Röglin' });
    expect(byId(events, '1207.1019').authors).toEqual([
      { name: 'Emilie Morvant', affiliations: ['LIF'] },
      { name: 'Amaury Habrard', affiliations: ['LAHC'] },
      { name: 'Stéphane Ayache', affiliations: ['LIF'] },
    ]);
    expect(byId(events, '1501.03810')).toMatchObject({
      title: 'Time-Varying Input and State Delay Compensation for Uncertain Nonlinear Systems',
      submitted: '2015-01-15',
      categories: ['cs.SY'],
    });
    expect(byId(events, '1501.03810')).not.toHaveProperty('updated');
  });

  it('ListRecords arXiv, set physics: 150 records with report numbers, suffixes and affiliations', async () => {
    const path = fixture('oai-listrecords-arXiv-set-physics-2015-01-16to18.xml');
    const events = await collect(fileInput(path), path);
    expect(papersOf(events)).toHaveLength(150);
    expect(pageOf(events)).toEqual({ count: 150 });
    expect(byId(events, '1302.6532')).toMatchObject({
      authors: [{ name: 'Parinya Karndumri' }, { name: 'Eoin Ó Colgáin' }],
      reportNo: 'FPAUO-13/03',
      journalRef: 'Phys. Rev. D 87 (2013) 101902(R)',
      comments:
        '4 pages, v2, longer abstract, some factors corrected, typos corrected, v3 expanded introduction, published in PRD, v4 repeated summation in equation (23) removed and expression corrected',
      categories: ['hep-th'],
      submitted: '2013-02-26',
      updated: '2015-01-14',
    });
    expect(byId(events, '1501.03491').authors[0]).toEqual({ name: 'Edésio M. Barboza Jr.' });
    expect(byId(events, '1409.8065').authors[2]).toEqual({ name: 'Ç. Ö. Girit', affiliations: ['SPEC CEA-Saclay France'] });
    const untidy = papersOf(events).filter(
      (paper) => /\s{2}|\n/.test(paper.title) || /\s{2}|\n|^\s/.test(paper.abstract) || paper.categories.length === 0 || paper.authors.length === 0,
    );
    expect(untidy.map((paper) => paper.id)).toEqual([]);
  });

  it('the full 1,000-record arXivRaw page: token 496549|47001, completeListSize 907096, cursor 46000', async () => {
    const path = fixture('oai-listrecords-arXivRaw-full-page-1000-records-2014-01-16.xml');
    const events = await collect(fileInput(path), path);
    expect(feedOf(events)).toEqual({
      format: 'oai-arXivRaw',
      origin: path,
      title: 'ListRecords resumptionToken=496549|46001',
      published: '2014-01-16T10:33:29.000Z',
    });
    expect(papersOf(events)).toHaveLength(1000);
    expect(pageOf(events)).toEqual({ count: 1000, resumptionToken: '496549|47001', completeListSize: 907096, cursor: 46000 });
    expect(byId(events, '0801.3673')).toEqual({
      id: '0801.3673',
      version: 1,
      title: 'Variational Functionals for Excited States',
      authors: [{ name: 'Naoum C. Bacalis' }],
      abstract:
        'Functionals that have local minima at the excited states of a non degenerate Hamiltonian are presented. Then, improved mutually orthogonal approximants of the ground and the first excited state are reported.',
      categories: ['quant-ph'],
      comments: '4 pages',
      submitter: 'N. C. Bacalis',
      links: { abs: 'https://arxiv.org/abs/0801.3673', pdf: 'https://arxiv.org/pdf/0801.3673v1' },
      submitted: '2008-01-23T21:06:41.000Z',
      updated: '2008-01-23T21:06:41.000Z',
      versions: [{ version: 1, submitted: '2008-01-23T21:06:41.000Z', size: '121kb' }],
      source: 'oai-arXivRaw',
      oai: { identifier: 'oai:arXiv.org:0801.3673', datestamp: '2008-01-25', sets: ['physics:quant-ph'] },
    } satisfies Paper);
    expect(byId(events, '0801.3674')).toMatchObject({
      version: 4,
      title: 'A Study of Structure Formation and Reheating in the D3/D7 Brane Inflation Model',
      authors: [
        { name: 'Robert H. Brandenberger', affiliations: ['McGill'] },
        { name: 'Keshav Dasgupta', affiliations: ['McGill'] },
        { name: 'Anne-Christine Davis', affiliations: ['DAMTP, Cambridge'] },
      ],
      categories: ['hep-th', 'astro-ph', 'gr-qc', 'hep-ph'],
      doi: '10.1103/PhysRevD.78.083502',
      journalRef: 'Phys.Rev.D78:083502,2008',
      submitted: '2008-01-23T21:13:53.000Z',
      updated: '2008-09-11T22:03:53.000Z',
      oai: { sets: ['physics:astro-ph', 'physics:gr-qc', 'physics:hep-ph', 'physics:hep-th'] },
    });
    expect(byId(events, '0801.3674').versions.map((version) => [version.version, version.size])).toEqual([
      [1, '33kb'],
      [2, '33kb'],
      [3, '34kb'],
      [4, '31kb'],
    ]);
    expect(byId(events, '0801.3679').authors).toEqual([
      { name: 'Peter Anders', affiliations: ['University Utrecht, The Netherlands'] },
      { name: 'Uta Fritze', affiliations: ['University of Hertfordshire, UK'] },
      { name: 'Richard de Grijs', affiliations: ['University of Sheffield, UK'] },
    ]);
    expect(byId(events, '0801.3737').authors[5]).toEqual({ name: 'M. Rübhausen' });
    // One assertion over all 1,000 records keeps the test fast.
    const inconsistent = papersOf(events).filter(
      (paper) =>
        paper.version !== paper.versions[paper.versions.length - 1]!.version ||
        paper.submitted !== paper.versions[0]!.submitted ||
        paper.authors.length === 0 ||
        paper.authors.some((author) => /[\\{}()]|^$/.test(author.name)),
    );
    expect(inconsistent.map((paper) => paper.id)).toEqual([]);
  });

  it('the same 1,000-record page in 4 KB chunks gives identical events', async () => {
    const path = fixture('oai-listrecords-arXivRaw-full-page-1000-records-2014-01-16.xml');
    const text = readFileSync(path, 'utf8');
    // Compared as JSON: a deep toEqual over 1,000 papers costs more than the parsing.
    expect(JSON.stringify(await collect(byteChunks(text, 4096), path))).toBe(JSON.stringify(await collect(text, path)));
  });

  it('trimmed arXivRaw page: 6 records, token 726959|1001, two DOIs keep the first', async () => {
    const path = fixture('oai-listrecords-arXivRaw-2014-10-01-resumptionToken-TRIMMED.xml');
    const events = await collect(fileInput(path), path);
    expect(papersOf(events)).toHaveLength(6);
    expect(pageOf(events)).toEqual({ count: 6, resumptionToken: '726959|1001', completeListSize: 58011, cursor: 0 });
    expect(byId(events, '0704.0471')).toMatchObject({
      version: 1,
      title: 'Density dependence of the symmetry energy and the nuclear equation of state: A Dynamical and Statistical model perspective',
      authors: [{ name: 'D.V. Shetty' }, { name: 'S.J. Yennello' }, { name: 'G.A. Souliotis' }],
      doi: '10.1103/PhysRevC.76.024606',
      links: { doi: 'https://doi.org/10.1103/PhysRevC.76.024606' },
      journalRef: 'Phys.Rev.C76:024606,2007; Erratum-ibid.C76:039902,2007',
      submitter: 'Dinesh Shetty',
      oai: { datestamp: '2014-11-18', sets: ['physics:nucl-ex', 'physics:nucl-th'] },
    });
    expect(byId(events, '0704.0471').abstract).toContain('an extremely " stiff " and " soft " form');
    expect(byId(events, '0704.0716')).toMatchObject({
      version: 4,
      categories: ['math-ph', 'math.MP'],
      comments: '54 pages, 2 figures; v2 updated and slightly expanded; v3 changes in some proofs; v4 slightly expanded',
      journalRef: 'Polygons, polyominoes and polycubes, 247-299, Lecture Notes in Phys., 775, Springer, Dordrecht, 2009',
      submitted: '2007-04-05T12:45:03.000Z',
      updated: '2008-11-14T09:07:25.000Z',
    });
    expect(byId(events, '0704.1109').authors).toEqual([{ name: 'Valeria M. Rosa' }, { name: 'Patricio S. letelier' }]);
  });

  it('trimmed oai_dc page: 5 records, subjects mapped to codes, token 6960524|1001', async () => {
    const path = fixture('oai-listrecords-oai_dc-set-cs-2024-01-25-resumptionToken-TRIMMED.xml');
    const events = await collect(fileInput(path), path);
    expect(feedOf(events)).toMatchObject({ format: 'oai-oai_dc', published: '2024-01-27T17:53:42.000Z' });
    expect(papersOf(events).map((paper) => paper.id)).toEqual(['1303.2033', '2401.14034', '2401.14036', '2401.14038', '2401.14040']);
    expect(pageOf(events)).toEqual({ count: 5, resumptionToken: '6960524|1001', completeListSize: 1162, cursor: 0 });
    const first = byId(events, '1303.2033');
    expect(first).toMatchObject({
      version: null,
      title: 'Extended Fourier analysis of signals',
      authors: [{ name: 'Vilnis Liepins' }],
      categories: ['cs.DS', 'cs.IT', 'math.NA'],
      comments: '32 pages, 9 figures',
      submitted: '2013-03-08',
      updated: '2024-01-23',
      versions: [],
      source: 'oai-oai_dc',
      links: { abs: 'https://arxiv.org/abs/1303.2033' },
      oai: { datestamp: '2024-01-25', sets: ['cs'] },
    });
    expect(first.abstract.startsWith('This summary of the doctoral thesis is created')).toBe(true);
    expect(first.abstract.endsWith('could be considered as a real alternative.')).toBe(true);
    expect(byId(events, '2401.14034').authors.map((author) => author.name)).toEqual([
      'Chuankun Li',
      'Shuai Li',
      'Yanbo Gao',
      'Ping Chen',
      'Jian Li',
      'Wanqing Li',
    ]);
    expect(byId(events, '2401.14034')).not.toHaveProperty('comments');
    expect(byId(events, '2401.14040')).toMatchObject({ categories: ['cs.CL'], comments: 'Accepted to the Findings of EACL 2024' });
  });

  it('GetRecord arXivRaw 1302.2146: two versions with source_type and a licence', async () => {
    const path = fixture('oai-getrecord-arXivRaw-1302.2146-2015.xml');
    const events = await collect(fileInput(path), path);
    expect(events.map((event) => event.type)).toEqual(['feed', 'paper']);
    expect(feedOf(events)).toMatchObject({ format: 'oai-arXivRaw', title: 'GetRecord metadataPrefix=arXivRaw identifier=oai:arXiv.org:1302.2146' });
    expect(byId(events, '1302.2146')).toMatchObject({
      version: 2,
      title: 'The Same-Sign Dilepton Signature of RPV/MFV SUSY',
      authors: [{ name: 'Joshua Berger' }, { name: 'Maxim Perelstein' }, { name: 'Michael Saelim' }, { name: 'Philip Tanedo' }],
      categories: ['hep-ph', 'hep-ex'],
      comments: '18 pages, 6 figures; v2: References added',
      license: 'http://arxiv.org/licenses/nonexclusive-distrib/1.0/',
      submitter: 'Michael Saelim',
      submitted: '2013-02-08T21:00:01.000Z',
      updated: '2013-04-02T01:50:08.000Z',
      versions: [
        { version: 1, submitted: '2013-02-08T21:00:01.000Z', size: '853kb', sourceType: 'D' },
        { version: 2, submitted: '2013-04-02T01:50:08.000Z', size: '849kb', sourceType: 'D' },
      ],
      oai: { identifier: 'oai:arXiv.org:1302.2146', datestamp: '2013-04-03', sets: ['physics:hep-ex', 'physics:hep-ph'] },
    });
    expect(byId(events, '1302.2146').abstract.endsWith('can be probed at the 14 TeV LHC with a 100 fb^-1 data set.')).toBe(true);
  });

  it('GetRecord arXiv and oai_dc of 1507.03011 agree where both formats carry a field', async () => {
    const arxivPath = fixture('oai-getrecord-arXiv-1507.03011-2015.xml');
    const dcPath = fixture('oai-getrecord-oai_dc-1507.03011-2015.xml');
    const arxiv = byId(await collect(fileInput(arxivPath), arxivPath), '1507.03011');
    const dc = byId(await collect(fileInput(dcPath), dcPath), '1507.03011');
    expect(dc).toMatchObject({
      version: null,
      title: 'The Distribution of Star Formation and Metals in the Low Surface Brightness Galaxy UGC 628',
      authors: [{ name: 'J. E. Young' }, { name: 'Rachel Kuzio de Naray' }, { name: 'Sharon X. Wang' }],
      categories: ['astro-ph.GA'],
      comments: '13 pages, 7 figures',
      submitted: '2015-07-10',
      source: 'oai-oai_dc',
      oai: { identifier: 'oai:arXiv.org:1507.03011', datestamp: '2015-07-14', sets: ['physics:astro-ph'] },
    });
    expect(arxiv).toMatchObject({
      version: null,
      authors: dc.authors,
      categories: dc.categories,
      comments: dc.comments,
      submitted: dc.submitted,
      license: 'http://arxiv.org/licenses/nonexclusive-distrib/1.0/',
      source: 'oai-arXiv',
      oai: dc.oai,
    });
    // The arXiv-format capture was re-indented by its author, who wrote the line breaks as literal "\n" text; the
    // parser keeps text as recorded rather than guessing which backslashes are TeX.
    expect(arxiv.title).toBe('The Distribution of Star Formation and Metals in the Low Surface\\n Brightness Galaxy UGC 628');
    expect(dc.abstract.startsWith('We introduce the MUSCEL Program (MUltiwavelength observations of the Structure,')).toBe(true);
  });

  it.each([
    ['oai-error-noRecordsMatch-hep-lat-2016.xml', 'noRecordsMatch', 'No records match the paramaters specified for this selective harvesting request.'],
    ['oai-error-noRecordsMatch-bad-set-arXivRaw-2015.xml', 'noRecordsMatch', "Set argument doesn't match any sets. The setSpec was 'moo'"],
    ['oai-error-badArgument-2015.xml', 'badArgument', "Verb 'ListRecords', illegal argument 'identifier'."],
    ['oai-error-badResumptionToken-2015.xml', 'badResumptionToken', 'The resumptionToken supplied is illegal for this repository'],
    ['oai-error-badVerb-2015.xml', 'badVerb', "Bad verb. Verb 'wah' not implemented."],
    [
      'oai-error-idDoesNotExist-arXivRaw-2015.xml',
      'idDoesNotExist',
      "Identifier 'oai:arXiv.org:0813.2274' has correct form but does not correspond to an item in this repository",
    ],
  ])('%s gives OAI_PMH_ERROR %s', async (name, code, message) => {
    const path = fixture(name);
    const error = await failure(fileInput(path), path);
    expect(error.code).toBe('OAI_PMH_ERROR');
    expect(error.details.oaiCode).toBe(code);
    expect(error.message).toBe(`OAI-PMH error ${code} from ${path}: ${message}`);
    expect(error.hint).toBeTruthy();
  });

  it('every error file is covered above', () => {
    const errorFiles = sharedFixtureFiles('arxiv', (name) => name.startsWith('oai-error-')).map((file) => basename(file));
    expect(errorFiles).toHaveLength(6);
  });

  it('every oai_dc and arXiv text field matches text.ts on all recorded OAI files', async () => {
    // The fast whitespace helpers must agree with their plain definitions on every real text.
    for (const file of sharedFixtureFiles('arxiv', (name) => name.startsWith('oai-') && !name.startsWith('oai-error-'))) {
      const text = readFileSync(file, 'utf8');
      const mismatches: string[] = [];
      for (const match of text.matchAll(/<(title|abstract|comments|journal-ref|dc:description|dc:title|authors)>([\s\S]*?)<\//g)) {
        const value = match[2]!;
        if (collapseWhitespace(value) !== referenceCollapse(value) || joinWrappedLines(value) !== referenceJoin(value)) mismatches.push(value);
      }
      expect(mismatches, file).toEqual([]);
    }
  });
});
