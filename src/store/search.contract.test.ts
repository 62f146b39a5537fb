/** The search contract (core/search.ts PaperSearch), run on SQLite always and on PostgreSQL when XIVDIGEST_TEST_PG_URL is set. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { XivdigestError } from '../core/errors.js';
import type { Paper } from '../core/paper.js';
import type { SearchResponse } from '../core/search.js';
import type { StoredTexts } from '../core/texts.js';
import { createTempStore, testDatabases, type TempStore } from '../../test/helpers/temp-store.js';
import { createStore, indexMissing, rebuildSearchIndex } from './index.js';

function paper(id: string, fields: Partial<Paper> & { title: string }): Paper {
  return {
    id,
    version: 1,
    authors: [{ name: 'Ada Lovelace' }],
    abstract: `Abstract of ${id}.`,
    categories: ['cs.CL'],
    links: { abs: `https://arxiv.org/abs/${id}` },
    announced: '2025-04-28',
    versions: [{ version: 1 }],
    source: 'arxiv-rss',
    ...fields,
  };
}

function texts(paperId: string, fields: Partial<StoredTexts> = {}): StoredTexts {
  return {
    paperId,
    version: 1,
    abstractHash: 'hash',
    lang: 'zh',
    title: '',
    tldr: '',
    tldrEn: '',
    abstract: '',
    provider: 'test',
    model: 'm',
    promptVersion: 'v1',
    createdAt: '2025-04-28T00:00:00Z',
    status: 'ok',
    ...fields,
  };
}

const ARCHIVE: Paper[] = [
  paper('2504.00001', {
    title: 'Diffusion Models for Text Generation',
    abstract: 'We train diffusion models on text. State-of-the-art results.',
    authors: [{ name: 'Geoffrey Hinton' }, { name: 'José Müller' }],
    categories: ['cs.CL', 'cs.LG'],
    announced: '2025-04-28',
  }),
  paper('2504.00002', {
    title: 'A Survey of Graph Networks',
    abstract: 'Graph neural networks and the diffusion of information on graphs.',
    categories: ['cs.LG'],
    announced: '2025-04-25',
  }),
  paper('2504.00003', {
    title: 'Large Language Models as Planners',
    abstract: 'Large language models plan. We evaluate them on many tasks.',
    authors: [{ name: 'Yoshua Bengio' }],
    categories: ['cs.AI', 'cs.CL'],
    announced: '2025-04-24',
  }),
  paper('2504.00004', {
    title: 'Spectral Sequences in Topology',
    abstract: 'Nothing about learning at all.',
    categories: ['math.AT'],
    announced: '2025-04-23',
  }),
  paper('2504.00005', {
    title: 'Quantum Error Correction',
    abstract: 'Surface codes.',
    categories: ['quant-ph', 'cs.CY'],
    announced: '2025-04-28',
  }),
];

const CHINESE: StoredTexts[] = [
  texts('2504.00001', { title: '用于文本生成的扩散模型', tldr: '我们在文本上训练扩散模型。', abstract: '我们在文本上训练扩散模型。' }),
  texts('2504.00003', { title: '作为规划器的大模型', tldr: '大语言模型可以做规划。', abstract: '大型语言模型会规划。' }),
  // A failed text is not indexed.
  texts('2504.00004', { title: '模型失败', status: 'failed', reason: 'gate' }),
];

function ids(response: SearchResponse): string[] {
  return response.hits.map((hit) => hit.id);
}

async function rejection(promise: Promise<unknown>): Promise<XivdigestError> {
  try {
    await promise;
  } catch (error) {
    if (XivdigestError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe.each(testDatabases())('search contract on $kind', ({ kind, skipReason }) => {
  if (skipReason) {
    it.skip(skipReason, () => undefined);
    return;
  }
  let temp: TempStore;

  beforeEach(async () => {
    temp = await createTempStore(kind);
    await temp.store.upsertPapers(ARCHIVE);
    await temp.store.saveTexts(CHINESE);
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  it('finds English words in titles, abstracts and authors, ranking title matches first', async () => {
    const result = await temp.store.search({ q: 'diffusion' });
    expect(result.total).toBe(2);
    expect(ids(result)).toEqual(['2504.00001', '2504.00002']);
    expect(result.hits[0]!.score).toBeGreaterThan(result.hits[1]!.score);
    expect(result.hits[1]!.score).toBeGreaterThan(0);
    expect(ids(await temp.store.search({ q: 'hinton' }))).toEqual(['2504.00001']);
    expect(ids(await temp.store.search({ q: 'muller' }))).toEqual(['2504.00001']);
    expect(ids(await temp.store.search({ q: 'Müller' }))).toEqual(['2504.00001']);
  });

  it('finds two-character Chinese words inside longer ones, and longer words as phrases', async () => {
    expect(ids(await temp.store.search({ q: '模型' })).sort()).toEqual(['2504.00001', '2504.00003']);
    expect(ids(await temp.store.search({ q: '大模型' }))).toEqual(['2504.00003']);
    expect(ids(await temp.store.search({ q: '语言模型' }))).toEqual(['2504.00003']);
    expect(ids(await temp.store.search({ q: '扩散' }))).toEqual(['2504.00001']);
    expect(ids(await temp.store.search({ q: '扩' }))).toEqual(['2504.00001']);
    // Both characters, but not next to each other: no match.
    expect(ids(await temp.store.search({ q: '型大' }))).toEqual([]);
    // The failed text of 2504.00004 is not searchable.
    expect(ids(await temp.store.search({ q: '失败' }))).toEqual([]);
  });

  it('speaks the query language: fields, phrases, prefixes, AND/OR/NOT', async () => {
    const q = async (query: string) => ids(await temp.store.search({ q: query, sort: 'date' }));
    expect(await q('ti:graph')).toEqual(['2504.00002']);
    expect(await q('abs:graph')).toEqual(['2504.00002']);
    expect(await q('ti:planners')).toEqual(['2504.00003']);
    expect(await q('abs:planners')).toEqual([]);
    expect(await q('ti:规划器')).toEqual(['2504.00003']);
    expect(await q('abs:规划')).toEqual(['2504.00003']);
    expect(await q('au:bengio')).toEqual(['2504.00003']);
    expect(await q('au:"geoffrey hinton"')).toEqual(['2504.00001']);
    expect(await q('au:graph')).toEqual([]);
    expect(await q('"large language models"')).toEqual(['2504.00003']);
    expect(await q('"language large"')).toEqual([]);
    expect(await q('state-of-the-art')).toEqual(['2504.00001']);
    expect(await q('diffus*')).toEqual(['2504.00001', '2504.00002']);
    expect(await q('diffusion AND graph')).toEqual(['2504.00002']);
    expect(await q('graph OR planners')).toEqual(['2504.00002', '2504.00003']);
    expect(await q('diffusion -survey')).toEqual(['2504.00001']);
    expect(await q('diffusion NOT ti:survey')).toEqual(['2504.00001']);
    expect(await q('cat:cs.CL')).toEqual(['2504.00001', '2504.00003']);
    expect(await q('cat:math')).toEqual(['2504.00004']);
    expect(await q('cat:cs.* -cat:cs.LG')).toEqual(['2504.00005', '2504.00003']);
    expect(await q('NOT cat:cs')).toEqual(['2504.00004']);
    expect(await q('(graph OR 模型) AND cat:cs.LG')).toEqual(['2504.00001', '2504.00002']);
  });

  // PostgreSQL keeps category lexemes without positions, which any weight filter lets through: they (and author
  // lexemes) start with a mark no word has, so a typed word never equals one (ADR 0059).
  it('never matches a word against the category or author tokens the index keeps', async () => {
    // Category tokens (c0all, c0cs, c0cs0cl) live in their own column (SQLite) or behind a mark (PostgreSQL); author
    // words too (PostgreSQL once prefixed them a0): a bare word must not reach them.
    for (const q of ['c0all', 'c0cs0cl', 'c0*', 'c0cs*', 'a0bengio', 'abs:a0bengio', 'a0*']) expect((await temp.store.search({ q })).total, q).toBe(0);
    // `c*` matches words of the text only: every paper here has one (Chinese texts aside, "cs" is not a word).
    const words = await temp.store.search({ q: 'c*', pageSize: 100 });
    expect(words.total).toBe(words.hits.length);
    for (const hit of words.hits) expect(hit.snippets.length, hit.id).toBeGreaterThan(0);
    // The categories and authors are still found where they are asked for.
    expect((await temp.store.search({ q: 'cat:cs.CL' })).total).toBe(2);
    expect((await temp.store.search({ q: 'au:bengio' })).total).toBe(1);
  });

  it('rejects a query that does not parse with QUERY_INVALID and the position', async () => {
    const error = await rejection(temp.store.search({ q: 'ti:(graph' }));
    expect(error.code).toBe('QUERY_INVALID');
    expect(error.message).toContain('column 4');
    expect((await rejection(temp.store.search({ q: 'graph', pageSize: 500 }))).code).toBe('QUERY_INVALID');
    expect((await rejection(temp.store.search({ q: 'graph', from: '28.04.2025' }))).code).toBe('QUERY_INVALID');
  });

  it('filters by day range and categories (an archive matches its categories)', async () => {
    const q = async (request: Parameters<typeof temp.store.search>[0]) => ids(await temp.store.search({ sort: 'date', ...request }));
    expect(await q({ q: 'diffusion', from: '2025-04-26' })).toEqual(['2504.00001']);
    expect(await q({ q: 'diffusion', until: '2025-04-26' })).toEqual(['2504.00002']);
    expect(await q({ q: 'diffusion', categories: ['cs.CL'] })).toEqual(['2504.00001']);
    expect(await q({ q: 'diffusion', excludeCategories: ['cs.CL'] })).toEqual(['2504.00002']);
    expect(await q({ q: '', categories: ['math'] })).toEqual(['2504.00004']);
    expect(await q({ q: '', categories: ['cs.CL', 'cs.AI'], excludeCategories: ['cs.LG'] })).toEqual(['2504.00003']);
    expect(await q({ q: 'diffusion', sort: 'relevance', from: '2025-04-20', categories: ['cs'] })).toEqual(['2504.00001', '2504.00002']);
  });

  it('browses with an empty query: every paper passing the filters, newest first', async () => {
    const all = await temp.store.search({ q: '  ' });
    expect(all.total).toBe(5);
    expect(ids(all)).toEqual(['2504.00005', '2504.00001', '2504.00002', '2504.00003', '2504.00004']);
    expect(all.hits.every((hit) => hit.score === 0 && hit.snippets.length === 0)).toBe(true);
    const day = await temp.store.search({ q: '', from: '2025-04-28', until: '2025-04-28' });
    expect(ids(day)).toEqual(['2504.00005', '2504.00001']);
    // A paper with no announcement day (an imported one) is browsed and found, but never in a dated search.
    const undated = paper('2504.00030', { title: 'Undated topology', submitted: '2025-04-28T10:00:00Z' });
    delete undated.announced;
    await temp.store.upsertPapers([undated]);
    expect((await temp.store.search({ q: '' })).total).toBe(6);
    expect(ids(await temp.store.search({ q: 'undated' }))).toEqual(['2504.00030']);
    expect(ids(await temp.store.search({ q: '', from: '2025-04-28', until: '2025-04-28' }))).toEqual(['2504.00005', '2504.00001']);
    expect(ids(await temp.store.search({ q: 'topology', from: '2025-04-01' }))).toEqual(['2504.00004']);
  });

  it('pages through the matches with an exact total', async () => {
    const first = await temp.store.search({ q: 'cat:cs', sort: 'date', pageSize: 2 });
    const second = await temp.store.search({ q: 'cat:cs', sort: 'date', pageSize: 2, page: 2 });
    const third = await temp.store.search({ q: 'cat:cs', sort: 'date', pageSize: 2, page: 3 });
    expect([first.total, second.total, third.total]).toEqual([4, 4, 4]);
    expect([...ids(first), ...ids(second), ...ids(third)]).toEqual(['2504.00005', '2504.00001', '2504.00002', '2504.00003']);
    expect(second.page).toBe(2);
    expect(second.pageSize).toBe(2);
    const byRank = await temp.store.search({ q: 'diffusion OR graph OR planners', pageSize: 1, page: 2 });
    expect(byRank.total).toBe(3);
    expect(byRank.hits).toHaveLength(1);
  });

  it('returns snippets whose highlights mark the matches, and the translated title and TL;DR in the language asked', async () => {
    const result = await temp.store.search({ q: '扩散 text' });
    const hit = result.hits[0]!;
    expect(hit.id).toBe('2504.00001');
    expect(hit.translatedTitle).toBe('用于文本生成的扩散模型');
    expect(hit.tldr).toBe('我们在文本上训练扩散模型。');
    expect(hit.announced).toBe('2025-04-28');
    expect(hit.authors).toEqual(['Geoffrey Hinton', 'José Müller']);
    expect(hit.categories).toEqual(['cs.CL', 'cs.LG']);
    expect(hit.snippets.length).toBeGreaterThan(0);
    for (const snippet of hit.snippets) {
      expect(snippet.highlights.length).toBeGreaterThan(0);
      for (const [start, end] of snippet.highlights) expect(['扩散', 'text', 'Text']).toContain(snippet.text.slice(start, end));
    }
    expect(hit.snippets.map((snippet) => snippet.field)).toEqual(['title', 'translatedTitle', 'tldr']);
    expect(hit.snippets[1]!.lang).toBe('zh');
    const english = await temp.store.search({ q: 'text', lang: 'ja' });
    expect(english.hits[0]!.translatedTitle).toBeUndefined();
  });

  it('keeps the index in step with upsertPapers, saveTexts and transactions (rolled back: nothing indexed)', async () => {
    await temp.store.upsertPapers([
      paper('2504.00002', {
        version: 2,
        versions: [{ version: 2 }],
        title: 'Hypergraph Transformers',
        abstract: 'Attention on hypergraphs.',
        categories: ['cs.LG'],
        announced: '2025-04-25',
      }),
    ]);
    expect(ids(await temp.store.search({ q: 'survey' }))).toEqual([]);
    expect(ids(await temp.store.search({ q: 'hypergraph' }))).toEqual(['2504.00002']);
    await temp.store.saveTexts([texts('2504.00005', { title: '量子纠错', tldr: '表面码。', abstract: '表面码。', lang: 'ja' })]);
    expect(ids(await temp.store.search({ q: '纠错' }))).toEqual(['2504.00005']);
    // Texts of a paper the store does not hold are indexed when the paper comes.
    await temp.store.saveTexts([texts('2504.00009', { title: '稀疏注意力' })]);
    expect(ids(await temp.store.search({ q: '注意力' }))).toEqual([]);
    await temp.store.upsertPapers([paper('2504.00009', { title: 'Sparse attention' })]);
    expect(ids(await temp.store.search({ q: '注意力' }))).toEqual(['2504.00009']);

    await expect(
      temp.store.transaction(async (tx) => {
        await tx.upsertPapers([paper('2504.00010', { title: 'Rolled back topology' })]);
        await tx.saveTexts([texts('2504.00001', { title: '回滚的标题', lang: 'fr' })]);
        expect(ids(await tx.search({ q: 'rolled' }))).toEqual(['2504.00010']);
        expect(ids(await tx.search({ q: '回滚' }))).toEqual(['2504.00001']);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(ids(await temp.store.search({ q: 'rolled' }))).toEqual([]);
    expect(ids(await temp.store.search({ q: '回滚' }))).toEqual([]);

    await temp.store.transaction(async (tx) => {
      await tx.upsertPapers([paper('2504.00011', { title: 'Committed topology' })]);
    });
    expect(ids(await temp.store.search({ q: 'committed' }))).toEqual(['2504.00011']);
  });

  it('sees what another store (another process) wrote to the same database, a repeated query included', async () => {
    const other = await createStore({ url: temp.url });
    try {
      expect((await temp.store.search({ q: 'cat:cs' })).total).toBe(4);
      expect((await temp.store.search({ q: 'cat:cs' })).total).toBe(4);
      await other.upsertPapers([paper('2504.00040', { title: 'Written elsewhere', categories: ['cs.DB'] })]);
      expect((await temp.store.search({ q: 'cat:cs' })).total).toBe(5);
      await other.saveTexts([texts('2504.00040', { title: '别处写的' })]);
      expect(ids(await temp.store.search({ q: '别处' }))).toEqual(['2504.00040']);
      await other.transaction(async (tx) => {
        await tx.upsertPapers([paper('2504.00041', { title: 'Also elsewhere', categories: ['cs.DB'] })]);
      });
      expect((await temp.store.search({ q: 'cat:cs' })).total).toBe(6);
      await temp.store.upsertPapers([paper('2504.00042', { title: 'Written here', categories: ['cs.DB'] })]);
      expect((await temp.store.search({ q: 'cat:cs' })).total).toBe(7);
    } finally {
      await other.close();
    }
  });

  it('rebuilds the index (reindex), and an existing archive is indexed when migration 0004 runs', async () => {
    const table = kind === 'sqlite' ? 'paper_fts' : 'paper_search';
    await temp.query(`delete from ${table}`);
    expect((await temp.store.search({ q: 'diffusion' })).total).toBe(0);
    const progress: number[] = [];
    expect(await rebuildSearchIndex(temp.store, (done) => progress.push(done))).toEqual({ papers: 5 });
    expect(progress.at(-1)).toBe(5);
    expect(ids(await temp.store.search({ q: 'diffusion' }))).toEqual(['2504.00001', '2504.00002']);
    expect(ids(await temp.store.search({ q: '大模型' }))).toEqual(['2504.00003']);

    // A database from before 0004: the index goes, and the migration makes it again, filled.
    await temp.store.close();
    if (kind === 'sqlite') {
      await temp.query('drop table paper_fts');
      await temp.query('drop table paper_search_ids');
    } else {
      await temp.query('drop table paper_search');
    }
    // Later migrations go too (a database from before 0004 has none of them); they run again after 0004.
    for (const table of [
      'unsubscriptions',
      'reader_marks',
      'reader_subscriptions',
      'rate_limits',
      'reader_sessions',
      'reader_sign_in_tokens',
      'reader_invitations',
      'readers',
    ])
      await temp.query(`drop table ${table}`);
    await temp.query(`delete from kysely_migration where name >= '0004'`);
    const reopened = await createStore({ url: temp.url });
    temp.store = reopened;
    expect(ids(await reopened.search({ q: '模型' })).sort()).toEqual(['2504.00001', '2504.00003']);
  });

  it('ranks a query with more matches than the window among its newest matches, and says so', async () => {
    // 30 papers about sparse attention, one a day; the older ones match the word more strongly.
    const days = Array.from({ length: 30 }, (_, index) => new Date(Date.UTC(2025, 2, 1 + index)).toISOString().slice(0, 10));
    await temp.store.upsertPapers(
      days.map((day, index) =>
        paper(`2503.${String(100 + index).padStart(5, '0')}`, {
          title: index < 10 ? 'Sparse attention, sparse attention everywhere' : `Notes on sparse attention number ${index}`,
          abstract: `Study ${index} of the topic.`,
          announced: day,
        }),
      ),
    );
    const everything = await temp.store.search({ q: 'sparse', rankWindow: 0 });
    expect(everything.total).toBe(30);
    expect(everything.rankedWithin).toBeUndefined();
    // Every match ranked: the strong older titles come first.
    expect(everything.hits[0]!.announced! < '2025-03-11').toBe(true);

    const windowed = await temp.store.search({ q: 'sparse', rankWindow: 12, pageSize: 5 });
    // More matches than the window: not all counted (ADR 0054), unless asked.
    expect(windowed.total).toBe(12);
    expect(windowed.totalIsLowerBound).toBe(true);
    const counted = await temp.store.search({ q: 'sparse', rankWindow: 12, pageSize: 5, exactTotal: true });
    expect(counted.total).toBe(30);
    expect(counted.totalIsLowerBound).toBeUndefined();
    expect(ids(counted)).toEqual(ids(windowed));
    expect((await temp.store.search({ q: 'sparse', rankWindow: 30 })).totalIsLowerBound).toBeUndefined();
    expect((await temp.store.search({ q: 'sparse', rankWindow: 29 })).totalIsLowerBound).toBe(true);
    const newest = new Set(days.slice(-12));
    expect(windowed.rankedWithin).toBe(12);
    expect(windowed.hits.every((hit) => newest.has(hit.announced!))).toBe(true);
    const scores = windowed.hits.map((hit) => hit.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    // The same order as ranking every match restricted to those papers.
    const all = await temp.store.search({ q: 'sparse', rankWindow: 0, pageSize: 30 });
    expect(ids(windowed)).toEqual(
      ids(all)
        .filter((id) => newest.has(all.hits.find((hit) => hit.id === id)!.announced!))
        .slice(0, 5),
    );
    // A page past the window ranks every match; so does a dated search.
    const pastWindow = await temp.store.search({ q: 'sparse', rankWindow: 12, pageSize: 5, page: 3 });
    expect(pastWindow.rankedWithin).toBeUndefined();
    expect(pastWindow.total).toBe(30);
    expect(pastWindow.totalIsLowerBound).toBeUndefined();
    expect((await temp.store.search({ q: 'sparse', rankWindow: 12, from: '2025-03-01' })).rankedWithin).toBeUndefined();
    await expect(temp.store.search({ q: 'sparse', rankWindow: -1 })).rejects.toMatchObject({ code: 'QUERY_INVALID' });
  });

  it('finds the newest matches of the window in the newest days first, with the same results as over every day', async () => {
    // 200 papers, one a day; a word in every tenth (in the title of the older ones, so that ranking every match would
    // put those first), another in every paper. PostgreSQL looks for the newest matches in the newest days once the
    // table is analyzed (ADR 0060), widening the days when they hold too few; before, and on SQLite, over every day.
    const days = Array.from({ length: 200 }, (_, index) => new Date(Date.UTC(2024, 0, 1 + index)).toISOString().slice(0, 10));
    await temp.store.upsertPapers(
      days.map((day, index) =>
        paper(`2401.${String(1000 + index).padStart(5, '0')}`, {
          title: index % 10 === 0 ? (index < 100 ? 'Tensor tensor tensor networks' : `Notes ${index} on tensor networks`) : `Notes ${index}`,
          abstract: `Everyday study ${index}.`,
          announced: day,
        }),
      ),
    );
    const asks = [
      { q: 'tensor', rankWindow: 3, pageSize: 2 },
      { q: 'tensor', rankWindow: 3, pageSize: 2, page: 2 },
      { q: 'tensor', rankWindow: 7, pageSize: 5 },
      { q: 'tensor', rankWindow: 19, pageSize: 10 },
      { q: 'tensor', rankWindow: 20, pageSize: 20 },
      { q: 'everyday', rankWindow: 5, pageSize: 5 },
      { q: 'everyday', rankWindow: 150, pageSize: 5 },
      { q: '"tensor networks"', rankWindow: 4, pageSize: 4 },
      { q: 'nothinglikethis', rankWindow: 4 },
    ];
    const answers = async () =>
      Promise.all(
        asks.map(async (ask) => {
          const response = await temp.store.search(ask);
          return { total: response.total, lower: response.totalIsLowerBound, within: response.rankedWithin, ids: ids(response) };
        }),
      );
    const before = await answers();
    if (kind === 'postgres') await temp.query('analyze paper_search');
    expect(await answers()).toEqual(before);
    const everything = (await temp.store.search({ q: 'tensor', rankWindow: 0, pageSize: 20 })).hits;
    expect(everything[0]!.announced! < '2024-04-10').toBe(true);
    const newest = (count: number) =>
      new Set(
        everything
          .map((hit) => hit.announced!)
          .sort()
          .slice(-count),
      );
    expect(before[0]).toEqual({
      total: 3,
      lower: true,
      within: 3,
      ids: everything
        .filter((hit) => newest(3).has(hit.announced!))
        .slice(0, 2)
        .map((hit) => hit.id),
    });
    expect(before[2]!.ids).toEqual(
      everything
        .filter((hit) => newest(7).has(hit.announced!))
        .slice(0, 5)
        .map((hit) => hit.id),
    );
    expect(before[3]).toMatchObject({ total: 19, lower: true, within: 19 });
    expect(before[4]).toEqual({ total: 20, lower: undefined, within: undefined, ids: everything.map((hit) => hit.id) });
    expect(before[5]).toMatchObject({ total: 5, lower: true, within: 5 });
    expect(before[6]).toMatchObject({ total: 150, lower: true, within: 150 });
    expect(before[7]).toMatchObject({ total: 4, lower: true, within: 4 });
    expect(before[8]).toEqual({ total: 0, lower: undefined, within: undefined, ids: [] });
  });

  it('widens the days searched first when the newest hold fewer matches than the statistics say, and checks phrases newest first', async () => {
    // 200 papers, one a day: a word in each of the 160 oldest and in 3 of the 40 newest, so that its share of the
    // archive (ADR 0064's estimate) promises far more matches in the newest days than they hold; some of them with a
    // phrase, some in the title. PostgreSQL answers phrase and field queries from the GIN index's candidates checked
    // newest first; every answer is the one over every day, before and after an ANALYZE.
    const days = Array.from({ length: 200 }, (_, index) => new Date(Date.UTC(2024, 0, 1 + index)).toISOString().slice(0, 10));
    const recent = new Set([170, 185, 199]);
    await temp.store.upsertPapers(
      days.map((day, index) => {
        const ancient = index < 160 || recent.has(index);
        return paper(`2401.${String(2000 + index).padStart(5, '0')}`, {
          title: ancient && index % 3 === 0 ? `Ancient scripts ${index}` : `Records ${index}`,
          abstract: ancient ? (index % 4 === 0 ? `Ancient ruins of study ${index}.` : `Ancient texts, ruins ${index}.`) : `Modern study ${index}.`,
          announced: day,
        });
      }),
    );
    const asks = [
      { q: 'ancient', rankWindow: 4, pageSize: 4 },
      { q: 'ancient', rankWindow: 4, pageSize: 2, page: 2 },
      { q: 'ancient', rankWindow: 170, pageSize: 10 },
      { q: '"ancient ruins"', rankWindow: 2, pageSize: 2 },
      { q: 'ti:ancient', rankWindow: 3, pageSize: 3 },
      { q: 'ancient -"ancient ruins"', rankWindow: 3, pageSize: 3 },
      { q: '-"ancient ruins" modern', rankWindow: 3, pageSize: 3 },
    ];
    const answers = async () =>
      Promise.all(
        asks.map(async (ask) => {
          const response = await temp.store.search(ask);
          return { total: response.total, lower: response.totalIsLowerBound, within: response.rankedWithin, ids: ids(response) };
        }),
      );
    const before = await answers();
    if (kind === 'postgres') await temp.query('analyze paper_search');
    expect(await answers()).toEqual(before);
    // The newest matches by day, from every match ranked (rankWindow 0).
    const newestOf = async (q: string, count: number) => {
      const all = await temp.store.search({ q, rankWindow: 0, pageSize: 100, page: 1 });
      const response = all.total > 100 ? await temp.store.search({ q, rankWindow: 0, pageSize: 100, page: 2 }) : undefined;
      const hits = [...all.hits, ...(response?.hits ?? [])];
      return new Set(
        hits
          .map((hit) => hit.id)
          .sort()
          .slice(-count),
      );
    };
    expect(before[0]).toMatchObject({ total: 4, lower: true, within: 4 });
    expect(new Set(before[0]!.ids)).toEqual(await newestOf('ancient', 4));
    expect(before[1]!.ids).toHaveLength(2);
    expect(before[2]).toMatchObject({ total: 163, lower: undefined, within: undefined });
    expect(before[3]).toMatchObject({ total: 2, lower: true, within: 2 });
    expect(new Set(before[3]!.ids)).toEqual(await newestOf('"ancient ruins"', 2));
    expect(new Set(before[4]!.ids)).toEqual(await newestOf('ti:ancient', 3));
    expect(new Set(before[5]!.ids)).toEqual(await newestOf('ancient -"ancient ruins"', 3));
    expect(new Set(before[6]!.ids)).toEqual(await newestOf('-"ancient ruins" modern', 3));
  });

  it('gives each SQLite document a rowid in its sort day, and moves it when the day changes', async () => {
    if (kind !== 'sqlite') return;
    const docs = async (): Promise<Map<string, number>> =>
      new Map(
        (await temp.query<{ doc: number; paper_id: string }>('select doc, paper_id from paper_search_ids')).map((row) => [row.paper_id, Number(row.doc)]),
      );
    const dayOf = (doc: number): string => new Date(Math.floor(doc / 2 ** 22) * 86_400_000).toISOString().slice(0, 10);
    let before = await docs();
    expect(dayOf(before.get('2504.00001')!)).toBe('2025-04-28');
    expect(dayOf(before.get('2504.00003')!)).toBe('2025-04-24');
    await temp.store.upsertPapers([
      paper('2504.00003', { title: 'Large Language Models as Planners', announced: '2025-05-02', version: 2, versions: [{ version: 1 }, { version: 2 }] }),
    ]);
    before = await docs();
    expect(dayOf(before.get('2504.00003')!)).toBe('2025-05-02');
    expect(ids(await temp.store.search({ q: 'planners' }))).toEqual(['2504.00003']);
    // An archive indexed before migration 0008 (rowids counted from 1) gets its rowids by day when it runs.
    await temp.query('delete from paper_fts');
    await temp.query('delete from paper_search_ids');
    await temp.query('insert into paper_search_ids (paper_id) select id from papers order by id');
    await temp.query(`delete from kysely_migration where name >= '0008'`);
    await temp.store.close();
    temp.store = await createStore({ url: temp.url });
    const migrated = await docs();
    expect(dayOf(migrated.get('2504.00001')!)).toBe('2025-04-28');
    expect(ids(await temp.store.search({ q: 'diffusion' }))).toEqual(['2504.00001', '2504.00002']);
    // rowid order is date order.
    const ordered = [...before.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id);
    expect(ordered[0]).toBe('2504.00003');
  });

  it('keeps the sort day (day number) of each PostgreSQL row in step, and migration 0009 fills it', async () => {
    if (kind !== 'postgres') return;
    const days = async (): Promise<Map<string, string>> =>
      new Map(
        (await temp.query<{ day: number; paper_id: string }>('select day, paper_id from paper_search')).map((row) => [
          row.paper_id,
          new Date(Number(row.day) * 86_400_000).toISOString().slice(0, 10),
        ]),
      );
    expect((await days()).get('2504.00001')).toBe('2025-04-28');
    await temp.store.upsertPapers([
      paper('2504.00003', { title: 'Large Language Models as Planners', announced: '2025-05-02', version: 2, versions: [{ version: 1 }, { version: 2 }] }),
    ]);
    expect((await days()).get('2504.00003')).toBe('2025-05-02');
    // A database from before 0009: the column goes, and the migration brings it back from the papers' sort days.
    await temp.store.close();
    await temp.query('alter table paper_search drop column day');
    await temp.query(`delete from kysely_migration where name >= '0009'`);
    temp.store = await createStore({ url: temp.url });
    const migrated = await days();
    expect(migrated.get('2504.00003')).toBe('2025-05-02');
    expect(migrated.get('2504.00001')).toBe('2025-04-28');
    expect(ids(await temp.store.search({ q: 'planners' }))).toEqual(['2504.00003']);
  });

  it.skipIf(kind !== 'postgres')(
    'migration 0012 indexes the rows by day and analyzes them (PostgreSQL only: SQLite rowids follow the day; ADR 0060)',
    async () => {
      const indexes = async () =>
        (await temp.query<{ name: string }>(`select indexname as name from pg_indexes where schemaname = current_schema() and tablename = 'paper_search'`)).map(
          (row) => row.name,
        );
      const analyzed = async () =>
        Number(
          (
            await temp.query<{ count: string }>(
              `select count(*) as count from pg_stats where schemaname = current_schema() and tablename = 'paper_search' and attname = 'day'`,
            )
          )[0]!.count,
        );
      expect(await indexes()).toContain('paper_search_day');
      const asked = { q: 'diffusion', rankWindow: 1, pageSize: 1 };
      const before = await temp.store.search(asked);
      expect(before).toMatchObject({ total: 1, totalIsLowerBound: true, rankedWithin: 1 });
      // An archive from before 0012: no day index, never analyzed.
      await temp.store.close();
      await temp.query('drop index paper_search_day');
      await temp.query(`delete from kysely_migration where name >= '0012'`);
      temp.store = await createStore({ url: temp.url });
      expect(await indexes()).toContain('paper_search_day');
      expect(await analyzed()).toBe(1);
      expect(await temp.store.search(asked)).toEqual(before);
    },
  );

  it.skipIf(kind !== 'postgres')(
    'migration 0014 replaces the GIN index of the document by one over (day, document), with the same results (PostgreSQL only; ADR 0067)',
    async () => {
      const indexes = async () =>
        (await temp.query<{ name: string }>(`select indexname as name from pg_indexes where schemaname = current_schema() and tablename = 'paper_search'`))
          .map((row) => row.name)
          .sort();
      expect(await indexes()).toEqual(['paper_search_day', 'paper_search_day_document', 'paper_search_pkey']);
      // 200 more papers, one a day, every one with a common word (\`records\`), so that with the day statistics the path
      // without the new index reads that word's documents by day (ADR 0064's DOCUMENT_COST).
      await temp.store.upsertPapers(
        Array.from({ length: 200 }, (_, index) =>
          paper(`2401.${String(3000 + index).padStart(5, '0')}`, {
            title: index % 3 === 0 ? `Ancient records ${index}` : `Records ${index}`,
            abstract: index % 4 === 0 ? `Ancient ruins of study ${index}.` : `Modern records ${index}.`,
            announced: new Date(Date.UTC(2024, 0, 1 + index)).toISOString().slice(0, 10),
          }),
        ),
      );
      await temp.query('analyze paper_search');
      const asked = [
        { q: 'records', rankWindow: 4, pageSize: 4 },
        { q: 'records', rankWindow: 20, pageSize: 5, page: 3 },
        { q: 'ancient', rankWindow: 4, pageSize: 4 },
        { q: '"ancient ruins"', rankWindow: 2, pageSize: 2 },
        { q: 'ti:ancient', rankWindow: 3, pageSize: 3 },
        { q: 'diffusion', rankWindow: 1, pageSize: 1 },
        { q: '"language models"' },
        { q: 'ti:planners OR au:bengio' },
        { q: 'cat:cs.CL', sort: 'date' as const },
        { q: 'diffusion', from: '2025-04-25' },
      ];
      const answers = () => Promise.all(asked.map((request) => temp.store.search(request)));
      const before = await answers();
      expect(before[0]).toMatchObject({ total: 4, totalIsLowerBound: true, rankedWithin: 4 });
      // The document's own GIN index, as where btree_gin cannot be had: the same answers.
      await temp.store.close();
      await temp.query('drop index paper_search_day_document');
      await temp.query('create index paper_search_document on paper_search using gin (document)');
      temp.store = await createStore({ url: temp.url });
      expect(await indexes()).toEqual(['paper_search_day', 'paper_search_document', 'paper_search_pkey']);
      expect(await answers()).toEqual(before);
      // An archive from before 0014: the migration moves it to the new index, with the same answers.
      await temp.store.close();
      await temp.query(`delete from kysely_migration where name >= '0014'`);
      temp.store = await createStore({ url: temp.url });
      expect(await indexes()).toEqual(['paper_search_day', 'paper_search_day_document', 'paper_search_pkey']);
      expect(await answers()).toEqual(before);
      // One GIN index over both columns (that the planner takes it for a search at scale is in bench/README.md; a
      // table this small is read by the day index alone).
      const definition = await temp.query<{ def: string }>(
        `select indexdef as def from pg_indexes where indexname = 'paper_search_day_document' and schemaname = current_schema()`,
      );
      expect(definition[0]?.def).toMatch(/USING gin \(day, document\)/);
    },
  );

  it.skipIf(kind !== 'postgres')(
    'migration 0015 gives every document its title words as ^ lexemes, as the store now writes them, with the same answers (PostgreSQL only; ADR 0068)',
    async () => {
      await temp.store.saveTexts([texts('2504.00002', { title: 'グラフネットワークの調査', lang: 'ja' })]);
      const documents = async () =>
        (await temp.query<{ id: string; document: string }>('select paper_id as id, document::text as document from paper_search order by paper_id')).map(
          (row) => `${row.id} ${row.document}`,
        );
      const asked = [
        { q: 'ti:graph' },
        { q: 'ti:"language models"' },
        { q: 'ti:规划器' },
        { q: 'ti:plan*' },
        { q: 'ti:グラフ' },
        { q: 'diffusion NOT ti:survey' },
      ];
      const answers = () => Promise.all(asked.map((request) => temp.store.search(request)));
      const written = await documents();
      expect(written.find((document) => document.startsWith('2504.00003'))).toMatch(/'\^planners':\d+A/);
      const before = await answers();
      expect(before.map(ids)).toEqual([['2504.00002'], ['2504.00003'], ['2504.00003'], ['2504.00003'], ['2504.00002'], ['2504.00001']]);
      // An archive from before 0015: no ^ lexemes, and the document's own index.
      await temp.store.close();
      await temp.query(`update paper_search set document = ts_delete(document, array(select lexeme from unnest(document) where lexeme like '^%'))`);
      expect((await documents()).some((document) => document.includes("'^"))).toBe(false);
      await temp.query('drop index paper_search_day_document');
      await temp.query('create index paper_search_document on paper_search using gin (document)');
      await temp.query(`delete from kysely_migration where name >= '0015'`);
      const progress: Array<{ migration: string; done: number; total: number; finished: boolean }> = [];
      temp.store = await createStore({ url: temp.url, onMigrationProgress: (event) => progress.push(event) });
      const own = progress.filter((event) => event.migration === '0015-postgres-title-lexemes');
      expect(own.at(-1)).toEqual({ migration: '0015-postgres-title-lexemes', done: 5, total: 5, finished: true });
      expect(own.map((event) => event.done)).toEqual([...own.map((event) => event.done)].sort((a, b) => a - b));
      expect(await documents()).toEqual(written);
      const indexes = await temp.query<{ name: string }>(
        `select indexname as name from pg_indexes where schemaname = current_schema() and tablename = 'paper_search' order by 1`,
      );
      expect(indexes.map((row) => row.name)).toEqual(['paper_search_day', 'paper_search_day_document', 'paper_search_pkey']);
      expect(await answers()).toEqual(before);
      // A new table in day order took the old one's place, with its key, its index of days and its tie to the papers.
      const order = async (by: string) => (await temp.query<{ id: string }>(`select paper_id as id from paper_search order by ${by}`)).map((row) => row.id);
      expect(await order('ctid')).toEqual(await order('day, paper_id'));
      // Run again over documents that have them (as 0011 leaves them when it runs first): nothing changes.
      await temp.store.close();
      await temp.query(`delete from kysely_migration where name >= '0015'`);
      temp.store = await createStore({ url: temp.url });
      expect(await documents()).toEqual(written);
      await temp.query(`delete from papers where id = '2504.00002'`);
      expect((await documents()).map((document) => document.slice(0, 10))).toEqual(['2504.00001', '2504.00003', '2504.00004', '2504.00005']);
      // And the store writes to it as before, a new paper and a new version of one (on its key).
      await temp.store.upsertPapers([
        paper('2504.00099', { title: 'Graph planners' }),
        paper('2504.00004', { title: 'Graph quantum codes', version: 2, versions: [{ version: 1 }, { version: 2 }] }),
      ]);
      expect(ids(await temp.store.search({ q: 'ti:graph' })).sort()).toEqual(['2504.00004', '2504.00099']);
    },
  );

  it.skipIf(kind !== 'postgres')('migration 0011 rewrites documents indexed with the old lexemes (PostgreSQL only: SQLite keeps its tokens)', async () => {
    const documents = async () => (await temp.query<{ document: string }>('select document::text as document from paper_search')).map((row) => row.document);
    // An archive indexed before 0011: category lexemes c0…, author lexemes a0… (the same documents otherwise).
    await temp.store.close();
    await temp.query(`update paper_search set document = cast(replace(replace(document::text, '''#', '''c0'), '''@', '''a0') as tsvector)`);
    await temp.query(`delete from kysely_migration where name >= '0011'`);
    expect((await documents()).every((document) => document.includes("'c0all'") && !document.includes("'#"))).toBe(true);
    const progress: Array<{ migration: string; done: number; total: number; finished: boolean }> = [];
    temp.store = await createStore({ url: temp.url, onMigrationProgress: (event) => progress.push(event) });
    expect(progress.filter((event) => event.migration === '0011-postgres-marked-lexemes').at(-1)).toEqual({
      migration: '0011-postgres-marked-lexemes',
      done: 5,
      total: 5,
      finished: true,
    });
    expect((await documents()).some((document) => /'(c0|a0)/.test(document))).toBe(false);
    expect((await temp.store.search({ q: 'c0all' })).total).toBe(0);
    expect((await temp.store.search({ q: 'a0bengio' })).total).toBe(0);
    expect(ids(await temp.store.search({ q: 'cat:cs.CL', sort: 'date' }))).toEqual(['2504.00001', '2504.00003']);
    expect(ids(await temp.store.search({ q: 'au:bengio' }))).toEqual(['2504.00003']);
    expect((await temp.store.search({ q: '', categories: ['math'] })).total).toBe(1);
  });

  it('lists announcement days and categories', async () => {
    expect(await temp.store.announcementDays()).toEqual([
      { day: '2025-04-28', papers: 2 },
      { day: '2025-04-25', papers: 1 },
      { day: '2025-04-24', papers: 1 },
      { day: '2025-04-23', papers: 1 },
    ]);
    expect(await temp.store.announcementDays({ categories: ['cs'], excludeCategories: ['cs.CY'], from: '2025-04-25' })).toEqual([
      { day: '2025-04-28', papers: 1 },
      { day: '2025-04-25', papers: 1 },
    ]);
    expect(await temp.store.archiveCategories()).toEqual([
      { category: 'cs.AI', papers: 1, latestDay: '2025-04-24' },
      { category: 'cs.CL', papers: 2, latestDay: '2025-04-28' },
      { category: 'cs.CY', papers: 1, latestDay: '2025-04-28' },
      { category: 'cs.LG', papers: 2, latestDay: '2025-04-28' },
      { category: 'math.AT', papers: 1, latestDay: '2025-04-23' },
      { category: 'quant-ph', papers: 1, latestDay: '2025-04-28' },
    ]);
  });

  // Papers stored with their search documents for later (ADR 0069).
  it(
    'are found once indexMissing has run; a stored paper they change is indexed at once; the result is what a rebuild gives',
    { timeout: 60_000 },
    async () => {
      const fresh = scattered('2401', 'kilo', 300);
      const renamed = paper('2504.00002', {
        title: 'Hypergraph Networks',
        abstract: 'Hypergraphs.',
        categories: ['cs.LG'],
        announced: '2025-04-25',
        version: 2,
        versions: [{ version: 2 }],
      });
      await temp.store.transaction(async (tx) => {
        for (let start = 0; start < fresh.length; start += 128) await tx.upsertPapers(fresh.slice(start, start + 128), { searchIndex: 'later' });
        await tx.upsertPapers([renamed], { searchIndex: 'later' });
      });
      // The new papers wait; the stored paper that changed has its new document, not its old one.
      expect((await temp.store.search({ q: 'kilo' })).total).toBe(0);
      expect(ids(await temp.store.search({ q: 'hypergraph' }))).toEqual(['2504.00002']);
      expect(ids(await temp.store.search({ q: 'survey' }))).toEqual([]);
      expect(await temp.store.getState('search:missing-documents')).toBeDefined();

      const progress: Array<[number, number]> = [];
      const result = await indexMissing(temp.store, { onProgress: (done, total) => progress.push([done, total]), transactionSize: 128 });
      expect(result).toMatchObject({ indexed: fresh.length, remaining: 0, stopped: false });
      expect(progress[0]).toEqual([0, fresh.length]);
      expect(progress.at(-1)).toEqual([fresh.length, fresh.length]);
      expect(await temp.store.getState('search:missing-documents')).toBeUndefined();
      expect((await temp.store.search({ q: 'kilo', exactTotal: true })).total).toBe(fresh.length);
      // Texts and the papers stored in step are as they were.
      expect(ids(await temp.store.search({ q: '扩散' }))).toEqual(['2504.00001']);

      const queries = ['kilo', 'ti:kilo', '"kilo abstract"', 'hypergraph', 'diffusion', 'cat:cs.CL', 'au:lovelace', '模型'];
      const before = await Promise.all(queries.map(async (q) => ids(await temp.store.search({ q, sort: 'date', pageSize: 100 }))));
      await rebuildSearchIndex(temp.store);
      const after = await Promise.all(queries.map(async (q) => ids(await temp.store.search({ q, sort: 'date', pageSize: 100 }))));
      expect(after).toEqual(before);

      // Nothing left: a second pass does nothing.
      expect(await indexMissing(temp.store)).toMatchObject({ indexed: 0, remaining: 0, stopped: false });
    },
  );

  it('stops between transactions on request, and the next pass writes the rest', async () => {
    const fresh = scattered('2402', 'lima', 500);
    await temp.store.upsertPapers(fresh, { searchIndex: 'later' });
    let transactions = 0;
    const stopped = await indexMissing(temp.store, { transactionSize: 100, onProgress: () => (transactions += 1), shouldStop: () => transactions >= 3 });
    expect(stopped.stopped).toBe(true);
    expect(stopped.indexed).toBeGreaterThanOrEqual(100);
    expect(stopped.indexed + stopped.remaining).toBe(fresh.length);
    expect((await temp.store.search({ q: 'lima', exactTotal: true })).total).toBe(stopped.indexed);
    expect(await temp.store.getState('search:missing-documents')).toBeDefined();
    const rest = await indexMissing(temp.store, { transactionSize: 100 });
    expect(rest).toMatchObject({ indexed: stopped.remaining, remaining: 0, stopped: false });
    expect((await temp.store.search({ q: 'lima', exactTotal: true })).total).toBe(fresh.length);
  });

  it('keeps the document a write gave a paper after the pass read it, and leaves out papers that are gone', async () => {
    const [first, second] = scattered('2403', 'mike', 2);
    await temp.store.upsertPapers([first!, second!], { searchIndex: 'later' });
    // Indexed meanwhile by a write that changed it (a newer version): its document is the newer one.
    await temp.store.upsertPapers([{ ...first!, version: 2, versions: [{ version: 2 }], title: 'november study' }]);
    const writer = temp.store as unknown as { writeMissingDocuments(docs: unknown[]): Promise<number> };
    const stale = kind === 'postgres' ? { tsvector: "'mike':1A" } : { fts: ['mike study 0', '', '', '', '', 'c0all'] };
    expect(await writer.writeMissingDocuments([{ id: first!.id, sortDay: '2024-01-01', ...stale }])).toBe(0);
    expect(ids(await temp.store.search({ q: 'november' }))).toEqual([first!.id]);
    expect(ids(await temp.store.search({ q: 'ti:mike' }))).toEqual([]);
    expect(await writer.writeMissingDocuments([{ id: '2403.99999', sortDay: '2024-01-01', ...stale }])).toBe(kind === 'postgres' ? 0 : 1);
    if (kind === 'sqlite') {
      // SQLite keeps no foreign key from the index to the papers: a document of a paper that is not there matches
      // nothing a search returns.
      expect(ids(await temp.store.search({ q: 'ti:mike' }))).toEqual([]);
    }
    expect(await indexMissing(temp.store)).toMatchObject({ indexed: 1, remaining: 0 });
    expect(ids(await temp.store.search({ q: 'ti:mike', sort: 'date' }))).toEqual([second!.id]);
  });
});

/** Papers of one title word over many days, in an order whose days jump back and forth (a Kaggle file's). */
function scattered(prefix: string, word: string, count: number): Paper[] {
  return Array.from({ length: count }, (_, index) =>
    paper(`${prefix}.${String(index).padStart(5, '0')}`, {
      title: `${word} study ${index}`,
      abstract: `The ${word} abstract, number ${index}.`,
      announced: `2024-${String(1 + ((index * 7) % 12)).padStart(2, '0')}-${String(1 + ((index * 13) % 28)).padStart(2, '0')}`,
    }),
  );
}

describe('papers stored for later in a SQLite database in memory (one connection)', () => {
  it('get their documents a page at a time', async () => {
    const store = await createStore({ url: ':memory:' });
    try {
      const fresh = scattered('2404', 'oscar', 300);
      await store.upsertPapers(fresh, { searchIndex: 'later' });
      expect((await store.search({ q: 'oscar' })).total).toBe(0);
      const progress: number[] = [];
      expect(await indexMissing(store, { transactionSize: 100, onProgress: (done) => progress.push(done) })).toMatchObject({
        indexed: fresh.length,
        remaining: 0,
        stopped: false,
      });
      expect(progress).toEqual([0, 100, 200, 300]);
      expect((await store.search({ q: 'oscar', exactTotal: true })).total).toBe(fresh.length);
      expect(await store.getState('search:missing-documents')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
