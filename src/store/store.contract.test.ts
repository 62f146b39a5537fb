/** The store contract, run on SQLite always and on PostgreSQL when XIVDIGEST_TEST_PG_URL is set. */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { XivdigestError } from '../core/errors.js';
import type { Digest } from '../core/digest.js';
import type { Paper } from '../core/paper.js';
import type { StoredTexts } from '../core/texts.js';
import { createTempStore, testDatabases, type TempStore } from '../../test/helpers/temp-store.js';
import { useResetStorePerTest } from '../../test/helpers/reset-store-per-test.js';
import { createStore, leaseStoreOf } from './index.js';
import { preparePapers } from './prepare.js';
import type { PaperDecision, Store } from './store.js';
import { mergePaperRow } from './kysely/merge.js';
import { paperToRow, toStoredPaper, type PaperRow } from './kysely/rows/papers.js';
import { rowVersionRecord, toStoredVersion, versionRecords, type VersionRow } from './kysely/rows/versions.js';

/** A complete RSS-style record of `id` at `version`; fields can be overridden or removed (set to undefined). */
function paper(id: string, version: number | null, overrides: Partial<Paper> = {}): Paper {
  const base: Paper = {
    id,
    version,
    title: `Title of ${id}`,
    authors: [{ name: 'Ada Lovelace', affiliations: ['Analytical Engine Society'] }, { name: 'Alan Turing' }],
    abstract: `Abstract of ${id}, version ${version ?? 'unknown'}.`,
    categories: ['cs.CL', 'cs.AI'],
    license: 'http://creativecommons.org/licenses/by/4.0/',
    links: { abs: `https://arxiv.org/abs/${id}`, pdf: `https://arxiv.org/pdf/${id}v${version ?? 1}` },
    announced: '2025-04-28',
    announceType: version === null || version === 1 ? 'new' : 'replace',
    feed: {
      title: `Title of ${id}`,
      description: `arXiv:${id}v${version ?? 1} Announce Type: new \nAbstract: Abstract of ${id}.`,
      link: `https://arxiv.org/abs/${id}`,
    },
    versions: version === null ? [] : [{ version }],
    source: 'arxiv-rss',
  };
  const result = { ...base, ...overrides };
  for (const key of Object.keys(overrides) as Array<keyof Paper>) {
    if (overrides[key] === undefined) delete result[key];
  }
  return result;
}

/** What a StoredPaper should equal for a paper stored once: the paper plus firstSeen. */
function stored(input: Paper): Record<string, unknown> {
  const { abstractTruncated, ...rest } = input;
  return { ...rest, ...(abstractTruncated ? { abstractTruncated } : {}), firstSeen: expect.any(String) };
}

function texts(paperId: string, overrides: Partial<StoredTexts> = {}): StoredTexts {
  return {
    paperId,
    version: 1,
    abstractHash: 'sha256:abc',
    lang: 'zh',
    title: '标题',
    tldr: '一句话总结。',
    tldrEn: 'One-sentence summary.',
    abstract: '摘要。',
    provider: 'openai-compatible',
    model: 'gpt-4o-mini',
    promptVersion: 'v1',
    createdAt: '2025-04-28T10:00:00.000Z',
    status: 'ok',
    ...overrides,
  };
}

function digest(name: string, paperIds: string[], overrides: Partial<Digest> = {}): Digest {
  return {
    name,
    style: 'native',
    lang: 'zh',
    createdAt: '2025-04-28T12:00:00.000Z',
    entries: paperIds.map((paperId, index) => ({
      paperId,
      version: index === 0 ? null : index,
      link: `https://arxiv.org/abs/${paperId}`,
      title: `Title of ${paperId}`,
      abstract: `Abstract of ${paperId}.`,
      texts: { lang: 'zh', title: '标题', tldr: '总结', tldrEn: 'Summary', abstract: '摘要' },
      ...(index === 1 ? { textStatus: 'failed' as const, textReason: 'model refused', updatedFrom: 1 } : {}),
    })),
    ...overrides,
  };
}

describe.each(testDatabases())('store contract on $kind', ({ kind, skipReason }) => {
  if (skipReason) {
    it.skip(skipReason, () => undefined);
    return;
  }

  // An empty, migrated database and a store of its own for each test; migrated once per database (ADR 0066).
  const current = useResetStorePerTest(kind);
  let temp: TempStore;
  let store: Store;
  beforeEach(() => {
    temp = current();
    store = temp.store;
  });

  /** Every stored row of the paper tables, with PostgreSQL's xmin (which changes whenever a row is rewritten). */
  async function snapshot(): Promise<unknown> {
    const rowVersion = kind === 'postgres' ? ', xmin::text as row_version' : '';
    return {
      papers: await temp.query(`select *${rowVersion} from papers order by id`),
      versions: await temp.query(`select *${rowVersion} from paper_versions order by paper_id, version`),
      // SQLite: data_version changes when another connection commits a change to the file.
      ...(kind === 'sqlite' ? { dataVersion: await temp.query('pragma data_version') } : {}),
    };
  }

  describe('upsertPapers', () => {
    it('inserts new papers and reads them back field for field', async () => {
      const full = paper('2504.00001', 2, {
        abstractTruncated: false,
        doi: '10.1000/xyz',
        journalRef: 'Phys. Rev. D 76, 013009 (2007)',
        comments: '12 pages',
        reportNo: 'ANL-HEP-PR-07-12',
        submitter: 'Ada Lovelace',
        submitted: '2025-04-01T10:00:00Z',
        updated: '2025-04-20T10:00:00Z',
        legacyFlags: ['UPDATED'],
        links: { abs: 'https://arxiv.org/abs/2504.00001', pdf: 'https://arxiv.org/pdf/2504.00001v2', html: 'h', doi: 'd' },
        versions: [
          { version: 1, submitted: '2025-04-01T10:00:00Z', size: '121kb', sourceType: 'D' },
          { version: 2, submitted: '2025-04-20T10:00:00Z', size: '125kb' },
        ],
      });
      const bare = paper('cond-mat/0412498', null, { feed: undefined, license: undefined, announced: undefined, announceType: undefined });
      const result = await store.upsertPapers([full, bare]);
      expect(result).toEqual({ inserted: 2, updated: 0, unchanged: 0, versionsAdded: 2 });

      const [first, second] = await store.getPapers({ ids: [full.id, bare.id] });
      expect(first).toEqual(stored(full));
      expect(second).toEqual(stored(bare));
      expect(first).not.toHaveProperty('abstractTruncated');
      expect(Date.parse(first!.firstSeen)).not.toBeNaN();
    });

    it('is idempotent: the same papers again change nothing and report all unchanged', async () => {
      const papers = Array.from({ length: 30 }, (_, index) =>
        paper(`2504.${String(index).padStart(5, '0')}`, (index % 3) + 1, {
          versions: Array.from({ length: (index % 3) + 1 }, (_, v) => ({ version: v + 1, submitted: `2025-04-0${v + 1}` })),
        }),
      );
      const first = await store.upsertPapers(papers);
      expect(first).toEqual({ inserted: 30, updated: 0, unchanged: 0, versionsAdded: 60 });
      const before = await snapshot();
      const again = await store.upsertPapers(papers.map((item) => structuredClone(item)));
      expect(again).toEqual({ inserted: 0, updated: 0, unchanged: 30, versionsAdded: 0 });
      expect(await snapshot()).toEqual(before);
    });

    it('a newer version updates the row, keeps fields the new record lacks, and keeps the old version record', async () => {
      await store.upsertPapers([paper('2504.00002', 1, { doi: '10.1/old', comments: 'v1 comment' })]);
      const newer = paper('2504.00002', 2, {
        title: 'A better title',
        abstract: 'The revised abstract.',
        doi: undefined,
        comments: 'v2 comment',
        source: 'arxiv-api',
        feed: undefined,
      });
      expect(await store.upsertPapers([newer])).toEqual({ inserted: 0, updated: 1, unchanged: 0, versionsAdded: 1 });

      const [row] = await store.getPapers({ ids: ['2504.00002'] });
      expect(row).toMatchObject({
        version: 2,
        title: 'A better title',
        abstract: 'The revised abstract.',
        doi: '10.1/old',
        comments: 'v2 comment',
        source: 'arxiv-api',
        feed: paper('2504.00002', 1).feed,
        links: { abs: 'https://arxiv.org/abs/2504.00002', pdf: 'https://arxiv.org/pdf/2504.00002v2' },
      });
      expect(row!.versions).toEqual([{ version: 1 }, { version: 2 }]);
      const versions = await store.getVersions('2504.00002');
      expect(versions).toEqual([
        {
          version: 1,
          title: 'Title of 2504.00002',
          abstract: 'Abstract of 2504.00002, version 1.',
          announceType: 'new',
          announced: '2025-04-28',
          source: 'arxiv-rss',
        },
        { version: 2, title: 'A better title', abstract: 'The revised abstract.', announceType: 'replace', announced: '2025-04-28', source: 'arxiv-api' },
      ]);
    });

    it('the same version only fills missing fields', async () => {
      await store.upsertPapers([paper('2504.00003', 1, { doi: undefined })]);
      const same = paper('2504.00003', 1, { title: 'Another title', doi: '10.1/filled', source: 'arxiv-api' });
      expect(await store.upsertPapers([same])).toEqual({ inserted: 0, updated: 1, unchanged: 0, versionsAdded: 0 });
      const [row] = await store.getPapers({ ids: ['2504.00003'] });
      expect(row).toMatchObject({ title: 'Title of 2504.00003', doi: '10.1/filled', source: 'arxiv-rss', version: 1 });
    });

    it('an older version adds its version record and only fills missing fields', async () => {
      await store.upsertPapers([paper('2504.00004', 3, { journalRef: undefined })]);
      const older = paper('2504.00004', 1, {
        title: 'Old title',
        journalRef: 'J. Old 1 (2020)',
        versions: [{ version: 1, submitted: '2020-01-01T00:00:00Z', size: '99kb' }],
      });
      expect(await store.upsertPapers([older])).toEqual({ inserted: 0, updated: 1, unchanged: 0, versionsAdded: 1 });
      const [row] = await store.getPapers({ ids: ['2504.00004'] });
      expect(row).toMatchObject({ version: 3, title: 'Title of 2504.00004', journalRef: 'J. Old 1 (2020)' });
      expect(row!.versions).toEqual([{ version: 1, submitted: '2020-01-01T00:00:00Z', size: '99kb' }, { version: 3 }]);
      // The same older record again is a no-op.
      expect(await store.upsertPapers([older])).toEqual({ inserted: 0, updated: 0, unchanged: 1, versionsAdded: 0 });
    });

    it('an unknown version only fills missing fields; a new paper with an unknown version is stored whole', async () => {
      const unknown = paper('2504.00005', null, { title: 'OAI title', doi: '10.1/oai', source: 'oai-arXiv' });
      expect(await store.upsertPapers([unknown])).toEqual({ inserted: 1, updated: 0, unchanged: 0, versionsAdded: 0 });
      let [row] = await store.getPapers({ ids: ['2504.00005'] });
      expect(row).toMatchObject({ version: null, title: 'OAI title', doi: '10.1/oai', versions: [] });

      // A record that names its version is newer than one that did not.
      await store.upsertPapers([paper('2504.00005', 2, { doi: undefined })]);
      [row] = await store.getPapers({ ids: ['2504.00005'] });
      expect(row).toMatchObject({ version: 2, title: 'Title of 2504.00005', doi: '10.1/oai', source: 'arxiv-rss' });

      // And an unknown version after that only fills.
      const later = paper('2504.00005', null, { title: 'OAI title again', submitter: 'Ada', source: 'oai-arXiv' });
      expect(await store.upsertPapers([later])).toEqual({ inserted: 0, updated: 1, unchanged: 0, versionsAdded: 0 });
      [row] = await store.getPapers({ ids: ['2504.00005'] });
      expect(row).toMatchObject({ version: 2, title: 'Title of 2504.00005', submitter: 'Ada', source: 'arxiv-rss' });
    });

    it('a complete abstract replaces a truncated one, never the reverse', async () => {
      const cut = 'A'.repeat(1000);
      // A legacy digest import: version unknown, abstract cut at 1,000 characters.
      await store.upsertPapers([paper('2504.00006', null, { abstract: cut, abstractTruncated: true, source: 'digest' })]);
      expect((await store.getPapers({ ids: ['2504.00006'] }))[0]).toMatchObject({ abstract: cut, abstractTruncated: true });

      // An unknown-version record only fills, but a complete abstract still replaces the truncated one.
      await store.upsertPapers([paper('2504.00006', null, { abstract: `${cut} and the rest.` })]);
      let [row] = await store.getPapers({ ids: ['2504.00006'] });
      expect(row!.abstract).toBe(`${cut} and the rest.`);
      expect(row).not.toHaveProperty('abstractTruncated');

      // A newer version whose abstract is truncated does not replace the complete one.
      await store.upsertPapers([paper('2504.00006', 2, { abstract: 'B'.repeat(1000), abstractTruncated: true, title: 'New' })]);
      [row] = await store.getPapers({ ids: ['2504.00006'] });
      expect(row).toMatchObject({ version: 2, title: 'New', abstract: `${cut} and the rest.` });
      expect(row).not.toHaveProperty('abstractTruncated');
      // A truncated abstract is not kept as the abstract of its version.
      expect((await store.getVersions('2504.00006'))[0]).not.toHaveProperty('abstract');
    });

    it('records every version a record lists, and fills version facts learned later', async () => {
      const raw = paper('1302.2146', 3, {
        source: 'oai-arXivRaw',
        versions: [
          { version: 1, submitted: '2013-02-08T21:00:01Z', size: '121kb', sourceType: 'D' },
          { version: 2, submitted: '2013-03-01T10:00:00Z' },
          { version: 3, submitted: '2013-05-01T10:00:00Z', size: '130kb' },
        ],
      });
      expect(await store.upsertPapers([raw])).toEqual({ inserted: 1, updated: 0, unchanged: 0, versionsAdded: 3 });
      const kaggle = paper('1302.2146', 3, {
        source: 'kaggle',
        versions: [{ version: 1 }, { version: 2, size: '126kb' }, { version: 3 }],
      });
      expect(await store.upsertPapers([kaggle])).toEqual({ inserted: 0, updated: 1, unchanged: 0, versionsAdded: 0 });
      const versions = await store.getVersions('1302.2146');
      expect(versions.map((version) => [version.version, version.submitted, version.size, version.sourceType, version.source])).toEqual([
        [1, '2013-02-08T21:00:01Z', '121kb', 'D', 'oai-arXivRaw'],
        [2, '2013-03-01T10:00:00Z', '126kb', undefined, 'oai-arXivRaw'],
        [3, '2013-05-01T10:00:00Z', '130kb', undefined, 'oai-arXivRaw'],
      ]);
      expect(versions[2]).toMatchObject({ title: 'Title of 1302.2146' });
      expect(versions[0]).not.toHaveProperty('title');
    });

    it('merges a paper that appears twice in one batch, record by record', async () => {
      const result = await store.upsertPapers([
        paper('2504.00007', 1),
        paper('2504.00007', 2, { title: 'Second' }),
        paper('2504.00007', 2, { title: 'Second' }),
      ]);
      expect(result).toEqual({ inserted: 1, updated: 1, unchanged: 1, versionsAdded: 2 });
      expect((await store.getPapers({ ids: ['2504.00007'] }))[0]).toMatchObject({ version: 2, title: 'Second' });
    });

    it('writes a whole batch or nothing', async () => {
      await store.upsertPapers([paper('2504.00008', 1)]);
      const before = await snapshot();
      // A listed version 0 breaks the version table's CHECK. Version records are written after the paper rows, so
      // the paper rows already written must roll back.
      const batch = [
        paper('2504.00009', 1),
        paper('2504.00008', 2, { title: 'Changed' }),
        paper('2504.00010', 1, { versions: [{ version: 0 }, { version: 1 }] }),
      ];
      const error = await store.upsertPapers(batch).catch((caught: unknown) => caught);
      expect(XivdigestError.isInstance(error)).toBe(true);
      expect((error as XivdigestError).code).toBe('STORE_ERROR');
      expect((error as XivdigestError).message).toMatch(/Could not store 3 papers in .*rolled back/);
      expect(await snapshot()).toEqual(before);
      // The store still works after the failure.
      expect(await store.upsertPapers([paper('2504.00009', 1)])).toMatchObject({ inserted: 1 });
    });

    it('handles batches larger than one statement can carry', async () => {
      const papers = Array.from({ length: 5_200 }, (_, index) => paper(`2401.${String(index).padStart(5, '0')}`, 1));
      expect(await store.upsertPapers(papers)).toEqual({ inserted: 5_200, updated: 0, unchanged: 0, versionsAdded: 5_200 });
      expect(await store.upsertPapers(papers)).toEqual({ inserted: 0, updated: 0, unchanged: 5_200, versionsAdded: 0 });
      const ids = papers.map((item) => item.id).reverse();
      const read = await store.getPapers({ ids });
      expect(read.map((item) => item.id)).toEqual(ids);
    });

    it('upsertPreparedPapers writes records prepared in another thread as upsertPapers writes them', async () => {
      // More new papers than PostgreSQL's COPY starts at, some stored before; prepared as a backfill's reader thread
      // prepares them (COPY rows where the store takes them) and cloned as a message between threads clones them.
      const papers = Array.from({ length: 700 }, (_, index) =>
        paper(`2402.${String(index).padStart(5, '0')}`, 1 + (index % 2), { title: `Prepared record number ${index}` }),
      );
      await store.upsertPapers(papers.filter((_, index) => index % 10 === 3));
      const prepared = structuredClone(preparePapers(papers, new Date().toISOString(), { copyRows: store.takesCopyRows }));
      // In a transaction: on SQLite the write runs in the writer thread, the records crossing once more.
      const written = await store.transaction((tx) => tx.upsertPreparedPapers(prepared));
      expect(written).toEqual({ inserted: 630, updated: 0, unchanged: 70, versionsAdded: 630 });
      const after = await snapshot();
      // Written again as records, nothing changes: the rows are what upsertPapers writes.
      expect(await store.upsertPapers(papers)).toEqual({ inserted: 0, updated: 0, unchanged: 700, versionsAdded: 0 });
      expect(await snapshot()).toEqual(after);
      // And the search index holds them (searchIndex 'now', the default).
      expect((await store.search({ q: 'prepared record', pageSize: 1, exactTotal: true })).total).toBe(700);
    });

    it('treats an empty batch as a no-op', async () => {
      expect(await store.upsertPapers([])).toEqual({ inserted: 0, updated: 0, unchanged: 0, versionsAdded: 0 });
    });
  });

  // ADR 0009: each text is written once. A paper row holds its own version's record (title, abstract, announcement
  // and source are the row's), and an RSS 2.0 description that ends with the abstract is stored as its prefix.
  describe('each text stored once', () => {
    const abstract = 'We study the thing. It works.';
    const description = `arXiv:2504.00020v1 Announce Type: new \nAbstract: ${abstract}`;

    it('keeps the row version’s record and the feed prefix in the paper row, and reads them back whole', async () => {
      const first = paper('2504.00020', 1, { abstract, feed: { title: 'T', description, link: 'https://arxiv.org/abs/2504.00020' } });
      await store.upsertPapers([first]);
      expect(await temp.query('select * from paper_versions where paper_id = $1'.replace('$1', "'2504.00020'"))).toEqual([]);
      const [row] = await temp.query<Record<string, unknown>>("select * from papers where id = '2504.00020'");
      expect(row).toMatchObject({ version_in_row: 1, feed_description_is_prefix: 1, feed_description: 'arXiv:2504.00020v1 Announce Type: new \nAbstract: ' });
      expect((await store.getPapers({ ids: ['2504.00020'] }))[0]!.feed).toEqual(first.feed);
      expect(await store.getVersions('2504.00020')).toEqual([
        { version: 1, title: 'Title of 2504.00020', abstract, announceType: 'new', announced: '2025-04-28', source: 'arxiv-rss' },
      ]);
    });

    it('moves a record out of the row, texts and all, when a newer version supersedes it', async () => {
      await store.upsertPapers([paper('2504.00021', 1, { versions: [{ version: 1, submitted: '2025-04-01T00:00:00Z', size: '10kb' }] })]);
      const newer = paper('2504.00021', 2, { title: 'Second', abstract: 'Second abstract.', announceType: 'replace', source: 'arxiv-api', feed: undefined });
      expect(await store.upsertPapers([newer])).toEqual({ inserted: 0, updated: 1, unchanged: 0, versionsAdded: 1 });
      const stored = await temp.query<Record<string, unknown>>("select version, title, abstract, size from paper_versions where paper_id = '2504.00021'");
      expect(stored).toEqual([{ version: 1, title: 'Title of 2504.00021', abstract: 'Abstract of 2504.00021, version 1.', size: '10kb' }]);
      expect(await store.getVersions('2504.00021')).toEqual([
        {
          version: 1,
          submitted: '2025-04-01T00:00:00Z',
          size: '10kb',
          title: 'Title of 2504.00021',
          abstract: 'Abstract of 2504.00021, version 1.',
          announceType: 'new',
          announced: '2025-04-28',
          source: 'arxiv-rss',
        },
        { version: 2, title: 'Second', abstract: 'Second abstract.', announceType: 'replace', announced: '2025-04-28', source: 'arxiv-api' },
      ]);
      const [row] = await store.getPapers({ ids: ['2504.00021'] });
      expect(row!.versions).toEqual([{ version: 1, submitted: '2025-04-01T00:00:00Z', size: '10kb' }, { version: 2 }]);
    });

    it('keeps a record the row does not give back whole as a row of its own', async () => {
      // The newer record has no announcement type, so the row keeps the older one, which is not version 2's.
      await store.upsertPapers([paper('2504.00022', 1)]);
      await store.upsertPapers([paper('2504.00022', 2, { announceType: undefined, feed: undefined })]);
      expect((await store.getPapers({ ids: ['2504.00022'] }))[0]).toMatchObject({ version: 2, announceType: 'new' });
      const versions = await store.getVersions('2504.00022');
      expect(versions.map((version) => [version.version, version.announceType])).toEqual([
        [1, 'new'],
        [2, undefined],
      ]);
      // And facts learned later still reach it.
      await store.upsertPapers([paper('2504.00022', 2, { versions: [{ version: 2, size: '12kb' }], feed: undefined })]);
      expect((await store.getVersions('2504.00022'))[1]).toMatchObject({ version: 2, size: '12kb' });
    });

    it('keeps the old feed text whole when a newer record changes the abstract but brings no feed text', async () => {
      const first = paper('2504.00023', 1, { abstract, feed: { title: 'T', description, link: 'L' } });
      await store.upsertPapers([first]);
      await store.upsertPapers([paper('2504.00023', 2, { abstract: 'A new abstract.', feed: undefined, source: 'arxiv-api' })]);
      const [row] = await store.getPapers({ ids: ['2504.00023'] });
      expect(row).toMatchObject({ abstract: 'A new abstract.', feed: first.feed });
      const [raw] = await temp.query<Record<string, unknown>>("select feed_description, feed_description_is_prefix from papers where id = '2504.00023'");
      expect(raw).toEqual({ feed_description: description, feed_description_is_prefix: 0 });
      // A complete abstract equal to the feed's again stores the prefix only.
      await store.upsertPapers([paper('2504.00023', 3, { abstract, feed: undefined })]);
      expect((await store.getPapers({ ids: ['2504.00023'] }))[0]!.feed).toEqual(first.feed);
    });

    it('gives back what the merge rules say, record after record, for random records (a model of the store)', async () => {
      for (const start of [20250428, 7]) await runModel(start);
    });

    /** Random batches of records for a few papers, applied to the store and to a model of it, compared after each. */
    async function runModel(start: number): Promise<void> {
      let seed = start;
      const random = (): number => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed / 2147483648;
      };
      const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
      const ids = ['2504.00101', '2504.00102', '2504.00103', '2504.00104'].map((id) => `${id}${start}`);
      const texts = ['Alpha.', 'Beta text.', ''];
      const makeRecord = (): Paper => {
        const id = pick(ids);
        const version = pick([null, 1, 2, 3]);
        const body = pick(texts);
        const truncated = random() < 0.2;
        const feedKind = pick(['none', 'prefix', 'other']);
        const listed = [1, 2, 3]
          .filter(() => random() < 0.12)
          .map((number) => {
            const entry: { version: number; submitted?: string; size?: string; sourceType?: string } = { version: number };
            if (random() < 0.5) entry.submitted = `2025-0${number}-01T00:00:00Z`;
            if (random() < 0.5) entry.size = `${number}${pick(['0', '1'])}kb`;
            if (random() < 0.3) entry.sourceType = 'D';
            return entry;
          });
        const record: Paper = {
          id,
          version,
          title: pick(['First title', 'Second title', '']),
          authors: [{ name: pick(['Ada', 'Alan']) }],
          abstract: body,
          categories: pick([['cs.CL'], ['cs.AI', 'cs.CL'], []]),
          links: { abs: `https://arxiv.org/abs/${id}` },
          versions: listed,
          source: pick(['arxiv-rss', 'arxiv-api', 'oai-arXivRaw', 'digest'] as const),
        };
        if (truncated) record.abstractTruncated = true;
        if (random() < 0.6) record.announceType = pick(['new', 'replace', 'cross'] as const);
        if (random() < 0.6) record.announced = pick(['2025-04-28', '2025-04-29']);
        if (random() < 0.3) record.doi = pick(['10.1/a', '10.1/b']);
        if (random() < 0.3) record.submitted = '2025-03-01T00:00:00Z';
        if (feedKind === 'prefix') record.feed = { title: 'F', description: `arXiv:${id} Announce Type: new \nAbstract: ${body}`, link: 'L' };
        if (feedKind === 'other') record.feed = { title: 'G', description: pick(['Something else.', body]), link: 'M' };
        return record;
      };

      // The model: the same merge rules over logical rows and version records, nothing stored.
      const now = new Date().toISOString();
      const modelRows = new Map<string, PaperRow>();
      const modelVersions = new Map<string, VersionRow>();
      const apply = (record: Paper): 'inserted' | 'updated' | 'unchanged' => {
        const incoming = paperToRow(record, now);
        const current = modelRows.get(record.id);
        let changed = false;
        if (current === undefined) modelRows.set(record.id, incoming);
        else {
          const merged = mergePaperRow(current, incoming);
          if (merged !== current) changed = true;
          modelRows.set(record.id, merged);
        }
        const { own, listed } = versionRecords(record);
        for (const version of own ? [rowVersionRecord(incoming, own), ...listed] : listed) {
          const key = `${version.paper_id}/${version.version}`;
          const stored = modelVersions.get(key);
          if (!stored) {
            modelVersions.set(key, { ...version });
            changed = true;
            continue;
          }
          for (const column of ['submitted_at', 'size', 'source_type', 'title', 'abstract', 'announce_type', 'announced_on', 'source'] as const) {
            if (stored[column] === null && version[column] !== null) {
              stored[column] = version[column];
              changed = true;
            }
          }
        }
        return current === undefined ? 'inserted' : changed ? 'updated' : 'unchanged';
      };

      for (let step = 0; step < 50; step += 1) {
        const batch = Array.from({ length: 1 + Math.floor(random() * 3) }, makeRecord);
        const expected = { inserted: 0, updated: 0, unchanged: 0 };
        for (const record of batch) expected[apply(record)] += 1;
        expect(await store.upsertPapers(batch), `step ${step}`).toMatchObject(expected);
        for (const id of modelRows.keys()) {
          const records = [...modelVersions.values()].filter((version) => version.paper_id === id).sort((a, b) => a.version - b.version);
          expect(await store.getVersions(id), `versions of ${id} at step ${step}`).toEqual(records.map(toStoredVersion));
          const row = modelRows.get(id)!;
          const [read] = await store.getPapers({ ids: [id] });
          const { firstSeen: _firstSeen, ...rest } = read!;
          const asStored = {
            ...row,
            feed_description_is_prefix: 0,
            version_in_row: 0,
            version_submitted_at: null,
            version_size: null,
            version_source_type: null,
          };
          const { firstSeen: _modelFirstSeen, ...model } = toStoredPaper(asStored as never, records);
          expect(rest, `paper ${id} at step ${step}`).toEqual(model);
        }
      }
    }
  });

  describe('getPapers', () => {
    beforeEach(async () => {
      await store.upsertPapers([
        paper('2504.00100', 1, { announced: '2025-04-28', categories: ['cs.CL'] }),
        paper('2504.00101', 1, { announced: '2025-04-28', categories: ['math.CO', 'cs.CL'] }),
        paper('2504.00050', 1, { announced: '2025-04-29', categories: ['quant-ph'] }),
        // No announcement day: listed by the day of its last update.
        paper('2503.00001', 1, { announced: undefined, announceType: undefined, updated: '2025-04-30T08:00:00Z', categories: ['cs.CL'] }),
        paper('2501.00001', 1, { announced: '2025-01-02', categories: ['cs.AI'] }),
      ]);
    });

    it('returns papers by id in the order asked, omitting unknown ids', async () => {
      const read = await store.getPapers({ ids: ['2504.00050', 'nope/0000000', '2501.00001', '2504.00100', '2504.00050'] });
      expect(read.map((item) => item.id)).toEqual(['2504.00050', '2501.00001', '2504.00100']);
      expect(await store.getPapers({ ids: [] })).toEqual([]);
    });

    it('lists all papers newest first, then by id descending', async () => {
      const read = await store.getPapers();
      expect(read.map((item) => item.id)).toEqual(['2503.00001', '2504.00050', '2504.00101', '2504.00100', '2501.00001']);
    });

    it('filters on any of a paper’s categories, with limit and offset', async () => {
      expect((await store.getPapers({ category: 'cs.CL' })).map((item) => item.id)).toEqual(['2503.00001', '2504.00101', '2504.00100']);
      expect((await store.getPapers({ category: 'cs.CL', limit: 1, offset: 1 })).map((item) => item.id)).toEqual(['2504.00101']);
      expect((await store.getPapers({ offset: 4 })).map((item) => item.id)).toEqual(['2501.00001']);
      expect(await store.getPapers({ category: 'cs' })).toEqual([]);
      expect((await store.getPapers({ ids: ['2504.00050', '2504.00101'], category: 'cs.CL' })).map((item) => item.id)).toEqual(['2504.00101']);
    });

    it('rejects a negative limit with a STORE_ERROR', async () => {
      await expect(store.getPapers({ limit: -1 })).rejects.toMatchObject({ code: 'STORE_ERROR' });
    });
  });

  describe('texts', () => {
    it('saves, replaces by key, and reads newest first', async () => {
      const first = texts('2504.00001');
      const unknownVersion = texts('2504.00001', { version: null, createdAt: '2025-04-29T00:00:00.000Z' });
      const otherLang = texts('2504.00001', {
        lang: 'ja',
        status: 'failed',
        reason: 'quality gate: untranslated',
        flags: ['latin-ratio'],
        totalTokens: 793,
        createdAt: '2025-04-27T00:00:00.000Z',
      });
      expect(await store.saveTexts([first, unknownVersion, otherLang])).toEqual({ inserted: 3, replaced: 0 });
      const replacement = { ...first, title: '新标题', createdAt: '2025-04-30T00:00:00.000Z' };
      expect(await store.saveTexts([replacement])).toEqual({ inserted: 0, replaced: 1 });

      const read = await store.getTexts(['2504.00001', '2504.99999']);
      expect(read).toEqual([replacement, unknownVersion, otherLang]);
      expect(await store.getTexts([])).toEqual([]);
    });

    it('counts a key given twice in one batch once as inserted and once as replaced', async () => {
      const item = texts('2504.00002');
      expect(await store.saveTexts([item, { ...item, tldr: 'later' }])).toEqual({ inserted: 1, replaced: 1 });
      expect((await store.getTexts(['2504.00002']))[0]?.tldr).toBe('later');
    });
  });

  describe('digests', () => {
    it('saves a digest and reads it back identically, entries in order', async () => {
      const saved = digest('cs.CL/2025-04-28', ['2504.00003', '2504.00001', '2504.00002']);
      await store.saveDigest(saved);
      expect(await store.getDigest('cs.CL/2025-04-28')).toEqual(saved);
      expect(await store.getDigest('missing')).toBeUndefined();
    });

    it('is a snapshot: later paper changes do not alter it', async () => {
      await store.upsertPapers([paper('2504.00001', 1)]);
      const saved = digest('snapshot', ['2504.00001'], { style: 'legacy' });
      await store.saveDigest(saved);
      await store.upsertPapers([paper('2504.00001', 2, { title: 'Changed', abstract: 'Changed.' })]);
      expect(await store.getDigest('snapshot')).toEqual(saved);
    });

    it('replaces a digest of the same name, and lists digests with their entry counts', async () => {
      await store.saveDigest(digest('cs.CL', ['a', 'b', 'c'], { createdAt: '2025-04-27T00:00:00.000Z' }));
      await store.saveDigest(digest('empty', [], { createdAt: '2025-04-26T00:00:00.000Z' }));
      const replacement = digest('cs.CL', ['d'], { createdAt: '2025-04-28T00:00:00.000Z', style: 'legacy' });
      await store.saveDigest(replacement);
      expect(await store.getDigest('cs.CL')).toEqual(replacement);
      expect(await store.listDigests()).toEqual([
        { name: 'cs.CL', style: 'legacy', entries: 1, createdAt: '2025-04-28T00:00:00.000Z' },
        { name: 'empty', style: 'native', entries: 0, createdAt: '2025-04-26T00:00:00.000Z' },
      ]);
    });
  });

  describe('daily-run state', () => {
    function decision(paperId: string, overrides: Partial<PaperDecision> = {}): PaperDecision {
      return {
        subscription: 'nlp',
        paperId,
        abstractHash: `hash-${paperId}`,
        version: 1,
        day: '2025-04-28',
        runId: 'run-1',
        decision: 'selected',
        reason: 'matched "translation"',
        score: 0.5,
        decidedAt: '2025-04-28T01:00:00.000Z',
        ...overrides,
      };
    }

    it('keeps extra digest and entry fields (authors, selection, …) through a save', async () => {
      const saved = digest('extra', ['2504.00001', '2504.00002']);
      const withExtra = {
        ...saved,
        title: 'NLP',
        entries: saved.entries.map((entry, index) => ({ ...entry, authors: ['Ada Lovelace'], selection: { score: index / 2, reason: 'close to X' } })),
      } as Digest;
      await store.saveDigest(withExtra);
      expect(await store.getDigest('extra')).toEqual(withExtra);
    });

    it('sets, replaces and deletes JSON state by key', async () => {
      expect(await store.getState('watermark:nlp')).toBeUndefined();
      await store.setState('watermark:nlp', { day: '2025-04-28', papers: 3 });
      await store.setState('watermark:nlp', { day: '2025-04-29', papers: 4 });
      await store.setState('other', [1, 'two']);
      expect(await store.getState('watermark:nlp')).toEqual({ day: '2025-04-29', papers: 4 });
      expect(await store.getState('other')).toEqual([1, 'two']);
      await store.setState('other', undefined);
      expect(await store.getState('other')).toBeUndefined();
    });

    it('records each (subscription, paper, abstract) decision once: the first wins', async () => {
      expect(await store.recordDecisions([decision('a'), decision('b', { decision: 'skipped', reason: 'excluded category cs.CY' })])).toEqual({
        inserted: 2,
        existing: 0,
      });
      // A rerun decides the same papers again: nothing changes. A changed abstract is a new decision.
      expect(
        await store.recordDecisions([
          decision('a', { runId: 'run-2', decision: 'skipped', reason: 'rerun' }),
          decision('a', { runId: 'run-2', abstractHash: 'hash-a-v2', version: 2, updatedFrom: 1, decidedAt: '2025-04-29T01:00:00.000Z' }),
          decision('a', { subscription: 'other', runId: 'run-2' }),
        ]),
      ).toEqual({ inserted: 2, existing: 1 });
      const decisions = await store.getDecisions('nlp', ['a', 'b', 'missing']);
      expect(decisions.map((d) => [d.paperId, d.abstractHash, d.decision, d.runId])).toEqual([
        ['a', 'hash-a', 'selected', 'run-1'],
        ['b', 'hash-b', 'skipped', 'run-1'],
        ['a', 'hash-a-v2', 'selected', 'run-2'],
      ]);
      expect(decisions[2]).toEqual(
        decision('a', { runId: 'run-2', abstractHash: 'hash-a-v2', version: 2, updatedFrom: 1, decidedAt: '2025-04-29T01:00:00.000Z' }),
      );
      // In the order decided (decidedAt), then by paper.
      expect((await store.getRunDecisions('run-2')).map((d) => [d.subscription, d.abstractHash])).toEqual([
        ['other', 'hash-a'],
        ['nlp', 'hash-a-v2'],
      ]);
    });

    it('saves runs (replacing by id) and lists them newest first, by subscription', async () => {
      await store.saveRun({ id: 'r1', subscription: 'nlp', startedAt: '2025-04-28T01:00:00.000Z', status: 'running', report: {} });
      await store.saveRun({ id: 'r2', startedAt: '2025-04-29T01:00:00.000Z', status: 'ok', report: { papers: 2 } });
      await store.saveRun({
        id: 'r1',
        subscription: 'nlp',
        startedAt: '2025-04-28T01:00:00.000Z',
        finishedAt: '2025-04-28T01:02:00.000Z',
        status: 'partial',
        report: { failed: ['x'] },
      });
      expect((await store.listRuns()).map((run) => run.id)).toEqual(['r2', 'r1']);
      expect(await store.listRuns({ subscription: 'nlp' })).toEqual([
        {
          id: 'r1',
          subscription: 'nlp',
          startedAt: '2025-04-28T01:00:00.000Z',
          finishedAt: '2025-04-28T01:02:00.000Z',
          status: 'partial',
          report: { failed: ['x'] },
        },
      ]);
      expect((await store.listRuns({ limit: 1 })).map((run) => run.id)).toEqual(['r2']);
      expect(await store.getRun('missing')).toBeUndefined();
    });

    it('keeps the latest feedback per subscription and paper, and clears it', async () => {
      await store.setFeedback({ subscription: 'nlp', paperId: 'a', kind: 'star', at: '2025-04-28T00:00:00.000Z' });
      await store.setFeedback({ subscription: 'nlp', paperId: 'b', kind: 'star', at: '2025-04-28T00:01:00.000Z' });
      await store.setFeedback({ subscription: 'nlp', paperId: 'a', kind: 'hide', at: '2025-04-28T00:02:00.000Z' });
      await store.setFeedback({ subscription: 'other', paperId: 'a', kind: 'star', at: '2025-04-28T00:03:00.000Z' });
      await store.setFeedback({ subscription: 'nlp', paperId: 'b', kind: 'clear', at: '2025-04-28T00:04:00.000Z' });
      expect(await store.getFeedback('nlp')).toEqual([{ subscription: 'nlp', paperId: 'a', kind: 'hide', at: '2025-04-28T00:02:00.000Z' }]);
    });

    it('writes state, decisions and runs inside a transaction, or none of them', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.recordDecisions([decision('a')]);
          await tx.setState('watermark:nlp', { day: '2025-04-28' });
          await tx.saveRun({ id: 'r1', startedAt: '2025-04-28T01:00:00.000Z', status: 'ok', report: {} });
          expect(await tx.getState('watermark:nlp')).toEqual({ day: '2025-04-28' });
          throw new Error('delivery failed');
        }),
      ).rejects.toThrow('delivery failed');
      expect(await store.getDecisions('nlp', ['a'])).toEqual([]);
      expect(await store.getState('watermark:nlp')).toBeUndefined();
      expect(await store.getRun('r1')).toBeUndefined();
      await store.transaction(async (tx) => {
        await tx.recordDecisions([decision('a')]);
        await tx.setState('watermark:nlp', { day: '2025-04-28' });
      });
      expect(await store.getDecisions('nlp', ['a'])).toHaveLength(1);
      expect(await store.getState('watermark:nlp')).toEqual({ day: '2025-04-28' });
    });
  });

  describe('transaction', () => {
    it('commits everything written through tx together; others see it only after the commit', async () => {
      const other = await createStore({ url: temp.url });
      try {
        const result = await store.transaction(async (tx) => {
          expect(await tx.upsertPapers([paper('2504.00001', 1)])).toMatchObject({ inserted: 1 });
          await tx.saveTexts([texts('2504.00001')]);
          await tx.saveDigest(digest('in-transaction', ['2504.00001']));
          // The transaction reads its own writes; another connection does not see them yet.
          expect(await tx.getPapers({ ids: ['2504.00001'] })).toHaveLength(1);
          expect(await tx.getTexts(['2504.00001'])).toHaveLength(1);
          expect(await other.getPapers({ ids: ['2504.00001'] })).toEqual([]);
          expect(await other.getDigest('in-transaction')).toBeUndefined();
          return 'done';
        });
        expect(result).toBe('done');
        expect(await other.getPapers({ ids: ['2504.00001'] })).toHaveLength(1);
        expect(await other.getTexts(['2504.00001'])).toHaveLength(1);
        expect(await other.getDigest('in-transaction')).toBeDefined();
      } finally {
        await other.close();
      }
    });

    it('rolls everything back when the work throws, and rethrows its error unchanged', async () => {
      await store.upsertPapers([paper('2504.00001', 1)]);
      const before = await snapshot();
      const parseError = new XivdigestError({ code: 'XML_MALFORMED', message: 'Unclosed <item> at line 9' });
      const thrown = await store
        .transaction(async (tx) => {
          await tx.upsertPapers([paper('2504.00002', 1), paper('2504.00001', 2, { title: 'Changed' })]);
          await tx.saveDigest(digest('never', ['2504.00002']));
          throw parseError;
        })
        .catch((caught: unknown) => caught);
      expect(thrown).toBe(parseError);
      expect(await snapshot()).toEqual(before);
      expect(await store.listDigests()).toEqual([]);
    });

    it('keeps each write all or nothing inside a transaction, so the work can go on after a failed one', async () => {
      await store.transaction(async (tx) => {
        await tx.upsertPapers([paper('2504.00001', 1)]);
        const bad = [paper('2504.00002', 1), paper('2504.00003', 1, { versions: [{ version: 0 }] })];
        await expect(tx.upsertPapers(bad)).rejects.toMatchObject({ code: 'STORE_ERROR' });
        await tx.upsertPapers([paper('2504.00004', 1)]);
        // A nested transaction is a savepoint: it rolls back alone.
        await tx
          .transaction(async (inner) => {
            await inner.upsertPapers([paper('2504.00005', 1)]);
            throw new Error('inner work failed');
          })
          .catch(() => undefined);
      });
      expect((await store.getPapers()).map((item) => item.id).sort()).toEqual(['2504.00001', '2504.00004']);
    });

    it('refuses the outer store inside the work, and the tx store after the transaction', async () => {
      let leaked: Store | undefined;
      await store.transaction(async (tx) => {
        leaked = tx;
        await expect(store.getPapers()).rejects.toMatchObject({ code: 'STORE_ERROR', message: expect.stringMatching(/own transactions/) });
        await expect(store.upsertPapers([paper('2504.00001', 1)])).rejects.toMatchObject({ code: 'STORE_ERROR' });
      });
      await expect(leaked!.getPapers()).rejects.toMatchObject({ code: 'STORE_ERROR', message: expect.stringMatching(/already ended/) });
      // The outer store works again once the transaction is over.
      expect(await store.getPapers()).toEqual([]);
    });
  });

  describe('leases', () => {
    const at = (seconds: number) => new Date(Date.UTC(2026, 10, 23, 6, 0, seconds));

    it('gives a free key to the first caller and tells the next who holds it until when', async () => {
      const leases = leaseStoreOf(store);
      const first = await leases.acquire({ key: 'run:nlp', owner: 'host-a:1:x', runId: 'r1', ttlMs: 60_000, now: at(0) });
      expect(first).toEqual({
        acquired: true,
        lease: {
          key: 'run:nlp',
          owner: 'host-a:1:x',
          runId: 'r1',
          acquiredAt: at(0).toISOString(),
          heartbeatAt: at(0).toISOString(),
          expiresAt: at(60).toISOString(),
        },
      });
      const second = await leases.acquire({ key: 'run:nlp', owner: 'host-b:2:y', ttlMs: 60_000, now: at(10) });
      expect(second).toEqual({ acquired: false, lease: first.lease });
      // Another key is free.
      expect((await leases.acquire({ key: 'run:cv', owner: 'host-b:2:y', ttlMs: 60_000, now: at(10) })).acquired).toBe(true);
      expect(await leases.get('run:nlp')).toEqual(first.lease);
      expect(await leases.get('run:none')).toBeUndefined();
    });

    it('renews only for its holder, and an expired lease passes to the next caller with the old one reported', async () => {
      const leases = leaseStoreOf(store);
      await leases.acquire({ key: 'run:nlp', owner: 'a', runId: 'r1', ttlMs: 30_000, now: at(0) });
      expect(await leases.renew('run:nlp', 'b', 30_000, at(20))).toBeUndefined();
      const renewed = await leases.renew('run:nlp', 'a', 30_000, at(20));
      expect(renewed).toMatchObject({ owner: 'a', acquiredAt: at(0).toISOString(), heartbeatAt: at(20).toISOString(), expiresAt: at(50).toISOString() });
      expect((await leases.acquire({ key: 'run:nlp', owner: 'b', ttlMs: 30_000, now: at(49) })).acquired).toBe(false);
      const taken = await leases.acquire({ key: 'run:nlp', owner: 'b', runId: 'r2', ttlMs: 30_000, now: at(50) });
      expect(taken).toMatchObject({ acquired: true, lease: { owner: 'b', runId: 'r2' }, previous: { owner: 'a', runId: 'r1' } });
      // The old holder has lost it: it can neither renew nor release it.
      expect(await leases.renew('run:nlp', 'a', 30_000, at(51))).toBeUndefined();
      expect(await leases.release('run:nlp', 'a')).toBe(false);
      expect(await leases.release('run:nlp', 'b')).toBe(true);
      expect(await leases.get('run:nlp')).toBeUndefined();
      expect((await leases.acquire({ key: 'run:nlp', owner: 'c', ttlMs: 30_000, now: at(52) })).acquired).toBe(true);
    });

    it('takes over from a holder named dead, but not once someone else holds it', async () => {
      const leases = leaseStoreOf(store);
      await leases.acquire({ key: 'run:nlp', owner: 'a', ttlMs: 60_000, now: at(0) });
      const taken = await leases.acquire({ key: 'run:nlp', owner: 'b', ttlMs: 60_000, now: at(1), takeOver: 'a' });
      expect(taken).toMatchObject({ acquired: true, previous: { owner: 'a' } });
      expect((await leases.acquire({ key: 'run:nlp', owner: 'c', ttlMs: 60_000, now: at(2), takeOver: 'a' })).acquired).toBe(false);
    });

    it('gives a key to exactly one of many stores claiming it at once', async () => {
      const others: Store[] = [];
      for (let index = 0; index < 4; index += 1) others.push(await createStore({ url: temp.url }));
      try {
        const claims = await Promise.all(
          [store, ...others].map((each, index) => leaseStoreOf(each).acquire({ key: 'run:race', owner: `owner-${index}`, ttlMs: 60_000 })),
        );
        expect(claims.filter((claim) => claim.acquired)).toHaveLength(1);
        const winner = claims.find((claim) => claim.acquired)!.lease.owner;
        for (const claim of claims) expect(claim.lease.owner).toBe(winner);
      } finally {
        await Promise.all(others.map((other) => other.close()));
      }
    });

    it('works while a transaction of the same store is open, and fails with a STORE_ERROR once closed', async () => {
      const leases = leaseStoreOf(store);
      await store.transaction(async (tx) => {
        await tx.setState('k', 1);
        // Not awaited inside: the claim waits for the transaction's connection, then runs.
        void leases.acquire({ key: 'run:tx', owner: 'a', ttlMs: 1000 });
      });
      await expect.poll(() => leases.get('run:tx').then((lease) => lease?.owner)).toBe('a');
      expect(() => leaseStoreOf({ ...store } as Store)).toThrow(/keeps no leases/);
      await store.close();
      await expect(leases.get('run:tx')).rejects.toMatchObject({ code: 'STORE_ERROR' });
    });
  });

  describe('lifecycle', () => {
    it('reopens an existing database without migrating again, keeping the data', async () => {
      await store.upsertPapers([paper('2504.00001', 1)]);
      const again = await createStore({ url: temp.url });
      try {
        expect((await again.getPapers()).map((item) => item.id)).toEqual(['2504.00001']);
        const migrations = await temp.query<{ name: string }>('select name from kysely_migration order by name');
        expect(migrations.map((row) => row.name)).toEqual([
          '0001-initial',
          '0002-daily-run',
          '0003-run-leases',
          '0004-search-index',
          '0005-readers',
          '0006-reader-subscriptions',
          '0007-reader-marks',
          '0008-search-docs-by-day',
          '0009-search-day',
          '0010-index-flush-settings',
          '0011-postgres-marked-lexemes',
          '0012-postgres-search-by-day',
          '0013-postgres-search-statistics',
          '0014-postgres-search-day-document',
          '0015-postgres-title-lexemes',
        ]);
      } finally {
        await again.close();
      }
    });

    it('refuses a database migrated by a newer xivdigest, saying so', async () => {
      await temp.query(`insert into kysely_migration (name, timestamp) values ('9999-future', '2030-01-01T00:00:00.000Z')`);
      const error = await createStore({ url: temp.url }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'STORE_ERROR', message: expect.stringMatching(/newer xivdigest|do not match/) });
      expect((error as XivdigestError).oneLine).toMatch(/upgrade xivdigest/);
    });

    it('fails with a STORE_ERROR after close, and closes twice without error', async () => {
      await store.close();
      await store.close();
      await expect(store.getPapers()).rejects.toMatchObject({ code: 'STORE_ERROR', message: expect.stringMatching(/closed/) });
      // Let afterEach's cleanup close it again harmlessly.
    });
  });
});

/**
 * A worker thread that opens its own store on `url` and upserts `batches` batches of `size` papers, each batch one
 * transaction. It loads our TypeScript through tsx, as the CLI does in development.
 */
function startWriterThread(url: string, prefix: string, batches: number, size: number): Promise<void> {
  const worker = new Worker(
    `
    const { workerData, parentPort } = require('node:worker_threads');
    (async () => {
      const { register } = await import(workerData.tsxApi);
      register();
      const { createStore } = await import(workerData.storeModule);
      const store = await createStore({ url: workerData.url });
      for (let batch = 0; batch < workerData.batches; batch += 1) {
        const papers = [];
        for (let index = 0; index < workerData.size; index += 1) {
          const id = workerData.prefix + '.' + String(batch * workerData.size + index).padStart(5, '0');
          papers.push({ id, version: 1, title: 'T ' + id, authors: [{ name: 'A' }], abstract: 'X'.repeat(1200),
            categories: ['cs.CL'], links: { abs: 'https://arxiv.org/abs/' + id }, versions: [{ version: 1 }],
            source: 'arxiv-rss', announced: '2025-04-28' });
        }
        await store.upsertPapers(papers);
      }
      await store.close();
    })().then(() => parentPort.postMessage('done'), (error) => { throw error; });
    `,
    {
      eval: true,
      workerData: {
        url,
        prefix,
        batches,
        size,
        // tsx's ESM entry (its `import` export), found from the CommonJS one.
        tsxApi: pathToFileURL(
          createRequire(import.meta.url)
            .resolve('tsx/esm/api')
            .replace(/\.cjs$/, '.mjs'),
        ).href,
        storeModule: new URL('./index.ts', import.meta.url).href,
      },
    },
  );
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer thread exited with ${code}`))));
  });
}

describe('SQLite: one writer and many readers', () => {
  let temp: TempStore;
  beforeEach(async () => {
    temp = await createTempStore('sqlite');
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  it('uses WAL journal mode', async () => {
    expect(await temp.query('pragma journal_mode')).toEqual([{ journal_mode: 'wal' }]);
  });

  it('commits while another connection holds a read transaction, which keeps its snapshot', async () => {
    await temp.store.upsertPapers([paper('2504.00001', 1)]);
    await temp.query('begin');
    try {
      expect(await temp.query('select count(*) as n from papers')).toEqual([{ n: 1 }]);
      // Without WAL this commit would wait for the reader, then fail with SQLITE_BUSY.
      await temp.store.upsertPapers([paper('2504.00002', 1)]);
      expect(await temp.query('select count(*) as n from papers')).toEqual([{ n: 1 }]);
    } finally {
      await temp.query('commit');
    }
    expect(await temp.query('select count(*) as n from papers')).toEqual([{ n: 2 }]);
  });

  it('reads while another connection holds an uncommitted write', async () => {
    await temp.store.saveDigest(digest('committed', ['2504.00001']));
    await temp.query('begin immediate');
    try {
      await temp.query(`insert into digests (name, style, lang, created_at) values ('pending', 'native', 'zh', 'now')`);
      expect((await temp.store.listDigests()).map((item) => item.name)).toEqual(['committed']);
    } finally {
      await temp.query('rollback');
    }
  });

  it('a reader store sees whole batches only while a writer thread writes', async () => {
    const reader = await createStore({ url: temp.url });
    try {
      const batches = 12;
      const size = 250;
      const ids = Array.from({ length: batches * size }, (_, index) => `2601.${String(index).padStart(5, '0')}`);
      let writerDone = false;
      const writerFailure = startWriterThread(temp.url, '2601', batches, size)
        .then(
          () => undefined,
          (error: unknown) => error,
        )
        .finally(() => {
          writerDone = true;
        });
      // Meanwhile this thread writes too (other ids), so two writers also take turns on the write lock.
      const ownWrites = temp.store.upsertPapers(Array.from({ length: 300 }, (_, index) => paper(`2602.${String(index).padStart(5, '0')}`, 1)));
      const seen: number[] = [];
      while (!writerDone) {
        const count = (await reader.getPapers({ ids })).length;
        seen.push(count);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(await writerFailure).toBeUndefined();
      await ownWrites;
      seen.push((await reader.getPapers({ ids })).length);
      expect(seen.every((count) => count % size === 0)).toBe(true);
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(seen.at(-1)).toBe(batches * size);
      expect(seen.length).toBeGreaterThan(2);
      expect((await reader.getPapers({ category: 'cs.CL' })).length).toBe(batches * size + 300);
    } finally {
      await reader.close();
    }
  });
});

describe('SQLite transactions in this thread (writerThread: false) and in the writer thread', () => {
  let temp: TempStore;
  beforeEach(async () => {
    temp = await createTempStore('sqlite');
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  it('commits, rolls back and reads its own writes the same way in both', async () => {
    const local = await createStore({ url: temp.url, writerThread: false });
    try {
      for (const [name, target] of [
        ['writer thread', temp.store],
        ['this thread', local],
      ] as const) {
        const prefix = name === 'this thread' ? '2603' : '2604';
        await target.transaction(async (tx) => {
          await tx.upsertPapers([paper(`${prefix}.00001`, 1)]);
          expect(await tx.getPapers({ ids: [`${prefix}.00001`] }), name).toHaveLength(1);
        });
        const failure = new Error('work failed');
        const thrown = await target
          .transaction(async (tx) => {
            await tx.upsertPapers([paper(`${prefix}.00002`, 1)]);
            throw failure;
          })
          .catch((caught: unknown) => caught);
        expect(thrown, name).toBe(failure);
        expect(
          (await temp.store.getPapers()).map((item) => item.id).filter((id) => id.startsWith(prefix)),
          name,
        ).toEqual([`${prefix}.00001`]);
      }
    } finally {
      await local.close();
    }
  });

  it('runs writes made without awaiting each in call order, and the transaction waits for them', async () => {
    await temp.store.transaction(async (tx) => {
      // Two writes in flight at once, as storeEvents keeps them; the newer record must win.
      const first = tx.upsertPapers([paper('2605.00001', 1)]);
      const second = tx.upsertPapers([paper('2605.00001', 2, { title: 'Newer' })]);
      expect(await first).toMatchObject({ inserted: 1 });
      expect(await second).toMatchObject({ updated: 1 });
    });
    expect((await temp.store.getPapers({ ids: ['2605.00001'] }))[0]).toMatchObject({ version: 2, title: 'Newer' });
  });
});

describe('createStore', () => {
  it('accepts sqlite:PATH, file URLs and :memory:, and creates missing directories', async () => {
    const temp = await createTempStore('sqlite');
    try {
      const nested = fileURLToPath(new URL('./nested/dir/x.db', pathToFileURL(temp.url)));
      for (const url of [`sqlite:${nested}`, pathToFileURL(nested).href, ':memory:', `sqlite://${nested}`]) {
        const store = await createStore({ url });
        try {
          await store.upsertPapers([paper('2504.00001', 1)]);
          expect(await store.getPapers()).toHaveLength(1);
          expect(store.location).toBe(url === ':memory:' ? ':memory:' : nested);
        } finally {
          await store.close();
        }
      }
    } finally {
      await temp.cleanup();
    }
  });

  it('rejects unknown schemes and unopenable files with a STORE_ERROR that says what to do', async () => {
    await expect(createStore({ url: 'mysql://localhost/db' })).rejects.toMatchObject({
      code: 'STORE_ERROR',
      message: expect.stringContaining('"mysql:" is not supported'),
    });
    await expect(createStore({ url: '  ' })).rejects.toMatchObject({ code: 'STORE_ERROR' });
    const error = await createStore({ url: '/dev/null/xivdigest/store.db' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'STORE_ERROR', message: expect.stringContaining('/dev/null/xivdigest/store.db') });
    expect((error as XivdigestError).hint).toBeTruthy();
  });

  it('reports an unreachable PostgreSQL server as a retryable STORE_ERROR without the password', async () => {
    const error = await createStore({ url: 'postgres://someone:secret@127.0.0.1:1/nothing' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'STORE_ERROR', isRetryable: true });
    expect((error as XivdigestError).message).toContain('postgres://someone:***@127.0.0.1:1/nothing');
    expect((error as XivdigestError).oneLine).not.toContain('secret');
    expect((error as XivdigestError).hint).toMatch(/PostgreSQL server is running/);
  });
});
