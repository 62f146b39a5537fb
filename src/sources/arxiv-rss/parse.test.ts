/** Tests of the arXiv feed parsers on hand-made feeds and, when ../shared is present, on real recorded feeds. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../../core/errors.js';
import type { Paper } from '../../core/paper.js';
import type { DocumentInput, DocumentParser, FeedInfo, SourceEvent } from '../../core/source.js';
import { fileInput } from '../shared/document-input.js';
import { hasSharedFixtures, ownFixture, sharedFixture } from '../../../test/helpers/shared-fixtures.js';
import { parseArxivAtom, parseArxivFeed, parseArxivRdf, parseArxivRss, parseAuthorList } from './parse.js';

async function collect(parser: DocumentParser, input: DocumentInput, origin = 'test-feed.xml'): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  for await (const event of parser(input, { origin })) events.push(event);
  return events;
}

async function parseFile(path: string, parser: DocumentParser = parseArxivFeed): Promise<{ feed: FeedInfo; papers: Paper[]; events: SourceEvent[] }> {
  const events = await collect(parser, readFileSync(path, 'utf8'), path);
  const feeds = events.filter((event) => event.type === 'feed');
  expect(feeds).toHaveLength(1);
  expect(events[0]!.type).toBe('feed');
  return { feed: feeds[0]!.feed, papers: events.flatMap((event) => (event.type === 'paper' ? [event.paper] : [])), events };
}

async function parseError(parser: DocumentParser, input: DocumentInput, origin: string): Promise<{ error: XivdigestError; events: SourceEvent[] }> {
  const events: SourceEvent[] = [];
  try {
    for await (const event of parser(input, { origin })) events.push(event);
  } catch (error) {
    if (XivdigestError.isInstance(error)) return { error, events };
    throw error;
  }
  throw new Error(`${origin} parsed without error`);
}

/** The bytes of a document in chunks of `size`, as a file or HTTP body delivers them (characters may be cut). */
async function* byteChunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

function countBy<T>(values: T[], key: (value: T) => string | undefined): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) {
    const name = key(value) ?? 'none';
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

describe('parseArxivRss on hand-made feeds', () => {
  const path = ownFixture('feeds', 'rss-new-sample.xml');

  it('emits the feed header first, then one paper per item', async () => {
    const { feed, papers, events } = await parseFile(path, parseArxivRss);
    expect(feed).toEqual({
      format: 'arxiv-rss',
      origin: path,
      title: 'cs.CL updates on arXiv.org',
      published: '2025-03-11T04:00:00.000Z',
      announced: '2025-03-11',
      skipDays: ['Saturday', 'Sunday'],
    });
    expect(events.map((event) => event.type)).toEqual(['feed', 'paper', 'paper', 'paper', 'paper']);
    expect(countBy(papers, (paper) => paper.announceType)).toEqual({ new: 1, cross: 1, replace: 1, 'replace-cross': 1 });
  });

  it('fills every field of a new item', async () => {
    const { papers } = await parseFile(path, parseArxivRss);
    expect(papers[0]).toEqual({
      id: '2503.00001',
      version: 1,
      title: 'A Toy Tokenizer for Very Small Languages',
      authors: [
        { name: 'Ada Example', affiliations: ['Univ. of Nowhere, Dept. of Words'] },
        { name: 'Bo Sample' },
        { name: 'Carl Placeholder Jr.', affiliations: ['Example Lab and Friends'] },
      ],
      abstract: 'We build a tokenizer for languages with fewer than ten words. It keeps every bound $0< \\epsilon \\ll 1$ and runs in \\(O(n)\\) time & space.',
      categories: ['cs.CL', 'cs.AI'],
      license: 'http://creativecommons.org/licenses/by/4.0/',
      links: {
        abs: 'https://arxiv.org/abs/2503.00001',
        pdf: 'https://arxiv.org/pdf/2503.00001v1',
        html: 'https://arxiv.org/html/2503.00001v1',
      },
      announced: '2025-03-11',
      announceType: 'new',
      feed: {
        title: 'A Toy Tokenizer for   Very Small\n Languages',
        description:
          'arXiv:2503.00001v1 Announce Type: new \nAbstract: We build a tokenizer for languages with fewer than ten words. It keeps   every   bound $0< \\epsilon \\ll 1$ and runs in \\(O(n)\\) time & space.',
        link: 'https://arxiv.org/abs/2503.00001',
      },
      versions: [{ version: 1 }],
      source: 'arxiv-rss',
    } satisfies Paper);
  });

  it('reads DOI, journal reference, versions and CDATA titles', async () => {
    const { papers } = await parseFile(path, parseArxivRss);
    const replaced = papers[2]!;
    expect(replaced).toMatchObject({
      id: '2401.09999',
      version: 3,
      doi: '10.1234/example.2025.42',
      journalRef: 'Journal of Examples 12, 34-56 (2025)',
      links: { doi: 'https://doi.org/10.1234/example.2025.42', pdf: 'https://arxiv.org/pdf/2401.09999v3' },
      versions: [{ version: 3 }],
    });
    expect(papers[3]).toMatchObject({ title: 'Cross & Replace: <Both> at Once', categories: ['stat.ML', 'cs.CL'], announceType: 'replace-cross' });
  });

  it('emits the feed event and no papers for an empty day', async () => {
    const { feed, papers } = await parseFile(ownFixture('feeds', 'rss-new-empty.xml'));
    expect(papers).toEqual([]);
    expect(feed).toMatchObject({ announced: '2025-03-15', skipDays: ['Saturday', 'Sunday'] });
  });

  it('throws ARXIV_FEED_ERROR for a "Feed error for query" document', async () => {
    const origin = 'https://rss.arxiv.org/rss/cs.XX';
    const { error, events } = await parseError(parseArxivRss, readFileSync(ownFixture('feeds', 'rss-new-error.xml'), 'utf8'), origin);
    expect(events).toEqual([]);
    expect(error.code).toBe('ARXIV_FEED_ERROR');
    expect(error.message).toContain('http://rss.arxiv.org/rss/cs.XX');
    expect(error.message).toContain("Bad category 'cs.XX'.");
    expect(error.message).not.toContain('Valid categories');
    expect(error.message).toContain(origin);
    expect(error.hint).toMatch(/Check the category names/);
    expect(error.details).toMatchObject({ query: 'http://rss.arxiv.org/rss/cs.XX' });
  });

  it('names the origin, line and column of malformed XML', async () => {
    const origin = ownFixture('feeds', 'rss-new-cut-short.xml');
    const { error, events } = await parseError(parseArxivFeed, fileInput(origin), origin);
    expect(error.code).toBe('XML_MALFORMED');
    expect(error.message).toMatch(new RegExp(`^Malformed XML in ${origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} at line \\d+, column \\d+: `));
    expect(error.details).toMatchObject({ origin, line: 11 });
    expect(events.map((event) => event.type)).toEqual(['feed']);
  });

  it('gives identical events when the file arrives in 1 KB chunks', async () => {
    const whole = await collect(parseArxivFeed, readFileSync(path, 'utf8'), path);
    const chunked = await collect(parseArxivFeed, fileInput(path, 1024), path);
    expect(chunked).toEqual(whole);
  });

  it('refuses another format under a format-specific parser', async () => {
    const { error } = await parseError(parseArxivRss, readFileSync(ownFixture('feeds', 'atom-sample.xml'), 'utf8'), 'atom.xml');
    expect(error.code).toBe('FORMAT_UNKNOWN');
    expect(error.message).toMatch(/atom\.xml is not an arXiv <rss> feed/);
  });
});

describe('parseArxivAtom on a hand-made feed', () => {
  const path = ownFixture('feeds', 'atom-sample.xml');

  it('reads the header and the announcement day from the entries', async () => {
    const { feed, papers } = await parseFile(path, parseArxivAtom);
    expect(feed).toEqual({
      format: 'arxiv-atom',
      origin: path,
      title: 'math.OC updates on arXiv.org',
      published: '2025-03-11T04:00:03.123Z',
      announced: '2025-03-11',
    });
    expect(papers).toHaveLength(2);
  });

  it('fills every field of an entry', async () => {
    const { papers } = await parseFile(path, parseArxivFeed);
    expect(papers[0]).toEqual({
      id: '2503.00011',
      version: 1,
      title: 'Gradient Descent Down a Very Gentle Hill',
      authors: [{ name: 'Iris Imaginary' }, { name: 'Jon Mock', affiliations: ['Institute of Hills'] }],
      abstract: 'We walk downhill slowly, with step size $0<\\eta<1$.',
      categories: ['math.OC', 'cs.LG'],
      license: 'http://creativecommons.org/licenses/by/4.0/',
      links: {
        abs: 'https://arxiv.org/abs/2503.00011',
        pdf: 'https://arxiv.org/pdf/2503.00011v1',
        html: 'https://arxiv.org/html/2503.00011v1',
      },
      announced: '2025-03-11',
      announceType: 'new',
      feed: {
        title: 'Gradient Descent Down a Very Gentle Hill',
        description: 'arXiv:2503.00011v1 Announce Type: new \nAbstract: We walk downhill slowly, with step size $0<\\eta<1$.',
        link: 'https://arxiv.org/abs/2503.00011',
      },
      versions: [{ version: 1 }],
      source: 'arxiv-atom',
    } satisfies Paper);
    expect(papers[1]).toMatchObject({
      id: '2305.00022',
      version: 4,
      announceType: 'replace-cross',
      categories: ['math.FA', 'math.OC'],
      doi: '10.5555/emj.2024.7',
      journalRef: 'Example Math. J. 7 (2024), pp. 1-9',
      links: { doi: 'https://doi.org/10.5555/emj.2024.7' },
    });
  });

  it('takes the announcement day of an empty Atom feed from <updated>, in US Eastern time', async () => {
    const document = '<feed xmlns="http://www.w3.org/2005/Atom"><title>cs.CL updates on arXiv.org</title><updated>2025-03-15T04:30:00+00:00</updated></feed>';
    expect(await collect(parseArxivAtom, document, 'empty-atom.xml')).toEqual([
      {
        type: 'feed',
        feed: {
          format: 'arxiv-atom',
          origin: 'empty-atom.xml',
          title: 'cs.CL updates on arXiv.org',
          published: '2025-03-15T04:30:00.000Z',
          announced: '2025-03-15',
        },
      },
    ]);
  });

  it('refuses a document that is no arXiv feed', async () => {
    const { error } = await parseError(parseArxivFeed, '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"/>', 'oai.xml');
    expect(error.code).toBe('FORMAT_UNKNOWN');
    expect(error.message).toContain('oai.xml');
  });

  it('reads Atom <author><name> and <rights> when dc: elements are absent', async () => {
    const document = `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><updated>2025-03-11T04:00:00+00:00</updated>
      <entry><id>oai:arXiv.org:2503.00099v2</id><title>T</title><summary>arXiv:2503.00099v2 Announce Type: replace Abstract: A.</summary>
      <author><name>Lee Lorem</name></author><author><name>Max Ipsum</name></author><rights>http://example.org/licence</rights></entry></feed>`;
    const events = await collect(parseArxivAtom, document);
    expect(events[0]).toMatchObject({ type: 'feed', feed: { announced: '2025-03-11' } });
    expect(events[1]).toMatchObject({
      type: 'paper',
      paper: {
        id: '2503.00099',
        version: 2,
        authors: [{ name: 'Lee Lorem' }, { name: 'Max Ipsum' }],
        license: 'http://example.org/licence',
        abstract: 'A.',
        announceType: 'replace',
      },
    });
  });
});

describe('parseArxivRdf on a hand-made feed', () => {
  const path = ownFixture('feeds', 'rdf-sample.xml');

  it('reads titles, flags, escaped-HTML abstracts and linked authors', async () => {
    const { feed, papers } = await parseFile(path, parseArxivRdf);
    expect(feed).toEqual({
      format: 'arxiv-rdf',
      origin: path,
      title: 'cs.CL updates on arXiv.org',
      published: '2023-10-05T01:30:00.000Z',
      announced: '2023-10-04',
    });
    expect(papers.map((paper) => [paper.id, paper.version, paper.announceType, paper.legacyFlags, paper.categories])).toEqual([
      ['2310.00101', 1, 'new', undefined, ['cs.CL']],
      ['2309.00202', 3, 'replace', ['UPDATED'], ['cs.SD']],
      ['2308.00303', 2, 'cross', ['CROSS LISTED'], ['cs.LG']],
    ]);
    expect(papers[0]).toMatchObject({
      title: 'Are Small Models Out of Breath?',
      abstract: 'We ask whether small models tire. A well-known effect says they do; we find that they rest instead, with $x < y$ in all runs.',
      authors: [{ name: 'Lou Lane', affiliations: ['Univ. of Somewhere'] }, { name: 'Mia Moss' }],
      links: { abs: 'https://arxiv.org/abs/2310.00101', pdf: 'https://arxiv.org/pdf/2310.00101v1' },
      feed: { title: 'Are Small Models Out of Breath?. (arXiv:2310.00101v1 [cs.CL])', link: 'http://arxiv.org/abs/2310.00101' },
      announced: '2023-10-04',
      source: 'arxiv-rdf',
    });
    expect(papers[1]).toMatchObject({
      title: 'Listening to Long Documents',
      abstract: 'Long documents are read aloud.',
      authors: [
        { name: 'Ned Nash', affiliations: ['Dept. of Sound & Speech, Example University'] },
        { name: 'Ola Oak', affiliations: ['Dept. of Sound & Speech, Example University', 'Quiet Labs, Inc.'] },
        { name: 'Pat Pine', affiliations: ['Quiet Labs, Inc.'] },
      ],
      feed: { title: 'Listening to Long\n Documents. (arXiv:2309.00202v3 [cs.SD] UPDATED)' },
    });
    expect(papers[1]!.feed!.description).toBe('<p>Long documents are read\naloud.\n</p>\n');
  });
});

describe('parseAuthorList', () => {
  it('splits at commas outside parentheses and keeps each parenthesized group as one affiliation', () => {
    expect(parseAuthorList('A. One (Univ. X, Dept. Y), B. Two, C. Three (Lab Z) (Inst. W)')).toEqual([
      { name: 'A. One', affiliations: ['Univ. X, Dept. Y'] },
      { name: 'B. Two' },
      { name: 'C. Three', affiliations: ['Lab Z', 'Inst. W'] },
    ]);
  });

  it('keeps name suffixes and collaborations whole, splits two personal names joined by "and"', () => {
    expect(parseAuthorList('Sam Smith, Jr., Alice Smith and Bob Lee, The ATLAS and CMS Collaborations')).toEqual([
      { name: 'Sam Smith, Jr.' },
      { name: 'Alice Smith' },
      { name: 'Bob Lee' },
      { name: 'The ATLAS and CMS Collaborations' },
    ]);
  });

  it('resolves numbered affiliations', () => {
    expect(parseAuthorList('A (1), B (1, 2) ((1) Univ. X, Greece, (2) Lab Y)')).toEqual([
      { name: 'A', affiliations: ['Univ. X, Greece'] },
      { name: 'B', affiliations: ['Univ. X, Greece', 'Lab Y'] },
    ]);
  });
});

describe.skipIf(!hasSharedFixtures)('arXiv feed parsers on real recorded feeds', () => {
  const arxiv = (name: string): string => sharedFixture('arxiv', name);

  it('reads the quant-ph feed of 2025-04-28: 81 items by announce type', async () => {
    const { feed, papers } = await parseFile(arxiv('rss-new-quant-ph-2025-04-28.xml'), parseArxivRss);
    expect(feed).toMatchObject({
      format: 'arxiv-rss',
      title: 'quant-ph updates on arXiv.org',
      announced: '2025-04-28',
      published: '2025-04-28T04:00:00.000Z',
      skipDays: ['Saturday', 'Sunday'],
    });
    expect(papers).toHaveLength(81);
    expect(countBy(papers, (paper) => paper.announceType)).toEqual({ new: 40, cross: 10, replace: 22, 'replace-cross': 9 });
    expect(papers.filter((paper) => paper.doi)).toHaveLength(10);
    expect(papers.filter((paper) => paper.journalRef)).toHaveLength(9);
    expect(new Set(papers.map((paper) => paper.license)).size).toBe(5);
    for (const paper of papers) {
      expect(paper.id).toMatch(/^\d{4}\.\d{5}$/);
      expect(paper.version).toBeGreaterThan(0);
      expect(paper.authors.length).toBeGreaterThan(0);
      expect(paper.abstract).not.toMatch(/^arXiv:|Announce Type|\n/);
      expect(paper.categories.length).toBeGreaterThan(0);
      expect(paper.announced).toBe('2025-04-28');
    }
  });

  it('reads quant-ph items field by field', async () => {
    const { papers } = await parseFile(arxiv('rss-new-quant-ph-2025-04-28.xml'));
    const byId = new Map(papers.map((paper) => [paper.id, paper]));
    expect(byId.get('2504.17830')).toMatchObject({
      version: 1,
      title: 'Self-Adjoint Time Operator in a Weighted Energy Space',
      authors: [{ name: 'Radmir Kokoulin' }],
      categories: ['quant-ph'],
      announceType: 'new',
      license: 'http://creativecommons.org/licenses/by/4.0/',
      links: { abs: 'https://arxiv.org/abs/2504.17830', pdf: 'https://arxiv.org/pdf/2504.17830v1', html: 'https://arxiv.org/html/2504.17830v1' },
    });
    expect(byId.get('2504.17830')!.abstract).toMatch(/^We introduce a self-adjoint time operator \\\(T_w = i\\hbar/);

    const photoproduction = byId.get('2504.18342')!;
    expect(photoproduction).toMatchObject({
      version: 1,
      title: 'Probing Quantum Phenomena through Photoproduction in Relativistic Heavy-Ion Collisions',
      announceType: 'cross',
      categories: ['nucl-ex', 'nucl-th', 'quant-ph'],
      doi: '10.1016/j.ppnp.2025.104174',
      journalRef: 'Progress in Particle and Nuclear Physics (2025)',
      license: 'http://creativecommons.org/licenses/by/4.0/',
      links: { doi: 'https://doi.org/10.1016/j.ppnp.2025.104174' },
      authors: ['James Daniel Brandenburg', 'Spencer R. Klein', 'Zhangbu Xu', 'Shuai Yang', 'Wangmei Zha', 'Jian Zhou'].map((name) => ({ name })),
    });
    expect(photoproduction.feed!.description.startsWith('arXiv:2504.18342v1 Announce Type: cross \nAbstract: Photoproduction')).toBe(true);

    const phasePlates = byId.get('2504.18135')!;
    expect(phasePlates.abstract).toContain('within a narrower range $[- \\delta, \\delta]$ ($0< \\delta \\ll 1$). For this distinction');
    expect(phasePlates.authors).toHaveLength(8);

    expect(byId.get('2312.01259')).toMatchObject({
      version: 3,
      announceType: 'replace-cross',
      categories: ['cond-mat.stat-mech', 'gr-qc', 'hep-ph', 'hep-th', 'quant-ph'],
      doi: '10.1103/PhysRevLett.132.241601',
      journalRef: 'Phys. Rev. Lett. 132, 241601 (2024)',
      authors: [{ name: 'Fumika Suzuki' }, { name: 'Wojciech H. Zurek' }],
    });
  });

  it('reads the 1,062 items of the all-archives feed, also from 1 KB chunks', async () => {
    const path = arxiv('rss-new-all-archives-2024-11-28.TRUNCATED.xml');
    const { feed, papers } = await parseFile(path);
    expect(feed).toMatchObject({ format: 'arxiv-rss', announced: '2024-11-28' });
    expect(papers).toHaveLength(1062);
    expect(countBy(papers, (paper) => paper.announceType)).toEqual({ new: 926, cross: 9, replace: 127 });
    const withAffiliations = papers.find((paper) => paper.authors[0]?.name === 'Mohammed Riadh Berramdane');
    expect(withAffiliations?.authors.slice(0, 2)).toEqual([
      { name: 'Mohammed Riadh Berramdane', affiliations: ['IFPEN'] },
      { name: 'Alexandre Battiston', affiliations: ['IFPEN'] },
    ]);

    const chunked = await collect(parseArxivFeed, byteChunks(readFileSync(path), 1024), path);
    expect(chunked.flatMap((event) => (event.type === 'paper' ? [event.paper] : []))).toEqual(papers);
  });

  it('emits the feed event and no papers for the empty test archive', async () => {
    const { feed, papers } = await parseFile(arxiv('rss-new-empty-test-2024-11-28.xml'));
    expect(papers).toEqual([]);
    expect(feed).toMatchObject({ title: 'test updates on arXiv.org', announced: '2024-11-28', skipDays: ['Saturday', 'Sunday'] });
  });

  it('throws ARXIV_FEED_ERROR for the bad-archive answer', async () => {
    const path = arxiv('rss-new-error-bad-archive-astroph-2024-11-28.xml');
    const { error, events } = await parseError(parseArxivFeed, fileInput(path), path);
    expect(events).toEqual([]);
    expect(error.code).toBe('ARXIV_FEED_ERROR');
    expect(error.message).toContain('http://rss.arxiv.org/rss/astroph');
    expect(error.message).toContain("Bad archive 'astroph'");
    expect(error.hint).toBe('Check the category names (e.g. cs.CL, astro-ph)');
  });

  it('reads the old RDF feed of cs.PL', async () => {
    const { feed, papers } = await parseFile(arxiv('rss-old-rdf-cs.PL-2015-06-11.xml'));
    expect(feed).toMatchObject({ format: 'arxiv-rdf', title: 'cs.PL updates on arXiv.org', announced: '2015-06-11', published: '2015-06-12T01:30:00.000Z' });
    expect(papers).toHaveLength(2);
    expect(papers[0]).toMatchObject({
      id: '1502.02921',
      version: 2,
      title: 'OMP2MPI: Automatic MPI code generation from OpenMP programs',
      categories: ['cs.DC'],
      legacyFlags: ['UPDATED'],
      announceType: 'replace',
      authors: [{ name: 'Albert Saa-Garriga' }, { name: 'David Castells-Rufas' }, { name: 'Jordi Carrabina' }],
      feed: {
        title: 'OMP2MPI: Automatic MPI code generation from OpenMP programs. (arXiv:1502.02921v2 [cs.DC] UPDATED)',
        link: 'http://arxiv.org/abs/1502.02921',
      },
      source: 'arxiv-rdf',
    });
    expect(papers[0]!.abstract).toMatch(/^In this paper, we present OMP2MPI a tool that generates automatically MPI source code from OpenMP\. With/);
    expect(papers[0]!.abstract).toMatch(/executed with MPI\.$/);
    expect(papers[1]!.authors).toEqual([
      { name: 'Konstantinos Fysarakis', affiliations: ['Dept. of Electronic & Computer Engineering, Technical University of Crete, Greece'] },
      { name: 'Damianos Mylonakis', affiliations: ['Dept. of Computer Science, University of Crete, Greece'] },
      { name: 'Charalampos Manifavas', affiliations: ['Dept. of Informatics Engineering, Technological Educational Institute of Crete, Greece'] },
      { name: 'Ioannis Papaefstathiou', affiliations: ['Dept. of Electronic & Computer Engineering, Technical University of Crete, Greece'] },
    ]);
  });
});
