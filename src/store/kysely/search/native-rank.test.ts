/**
 * xivdigest_bm25 (native/xivdigest-fts.c, ADR 0054) against FTS5's bm25(): on an archive inside the IDF sample the
 * scores must be bm25()'s for every shape of query the query language makes, which also checks that toFtsExpression lists
 * the phrases in FTS5's order (a wrong order or count gives other scores, or the function's argument error).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Paper } from '../../../core/paper.js';
import type { SearchRequest, SearchResponse } from '../../../core/search.js';
import type { StoredTexts } from '../../../core/texts.js';
import { createTempStore, type TempStore } from '../../../../test/helpers/temp-store.js';
import { openSqlite, type OpenedDatabase } from '../dialect.js';
import { NATIVE_RANK_PATH, nativeRankStatus } from './native-rank.js';
import { searchPapers } from './search.js';

const built = existsSync(NATIVE_RANK_PATH);
if (!built) console.warn(`native-rank.test.ts: skipped, ${NATIVE_RANK_PATH} is not built (npm run build compiles it with a C compiler)`);

const WORDS = [
  ...['diffusion', 'graph', 'language', 'large', 'models', 'benchmark', 'survey', 'retrieval', 'quantum', 'attention', 'sparse', 'planning'],
  ...['robot', 'vision', 'speech', 'protein', 'kernel', 'bandit', 'privacy', 'fairness', 'compiler', 'galaxy', 'tensor', 'manifold'],
  ...['agent', 'reward', 'token', 'prompt', 'causal', 'energy', 'physics', 'market', 'climate', 'medical', 'genome', 'circuit', 'spectral'],
];
const ZH = [
  '扩散',
  '模型',
  '图像',
  '生成',
  '语言',
  '检索',
  '强化学习',
  '基准',
  '机器人',
  '视觉',
  '语音',
  '蛋白质',
  '隐私',
  '公平',
  '因果',
  '能量',
  '气候',
  '医学',
];

/** A deterministic archive of 240 papers over 60 days, half with Chinese texts, words repeated unevenly. */
function archive(): { papers: Paper[]; texts: StoredTexts[] } {
  const papers: Paper[] = [];
  const texts: StoredTexts[] = [];
  for (let index = 0; index < 240; index++) {
    const id = `2501.${String(10_000 + index)}`;
    const pick = (list: readonly string[], count: number, salt: number): string =>
      Array.from({ length: count }, (_, k) => list[(index * (k + salt) + k * k + salt) % list.length]).join(' ');
    papers.push({
      id,
      version: 1,
      title: `${pick(WORDS, 3 + (index % 4), 1)} of things`,
      abstract: `We study ${pick(WORDS, 8 + (index % 9), 3)}. Results on ${pick(WORDS, 4, 5)}.`,
      authors: [{ name: index % 3 === 0 ? 'Ada Lovelace' : 'Alan Turing' }],
      categories: index % 4 === 0 ? ['cs.CL', 'cs.AI'] : index % 4 === 1 ? ['cs.LG'] : ['cs.CV'],
      links: { abs: `https://arxiv.org/abs/${id}` },
      announced: new Date(Date.UTC(2025, 0, 1 + (index % 60))).toISOString().slice(0, 10),
      versions: [{ version: 1 }],
      source: 'arxiv-rss',
    });
    if (index % 2 === 0) {
      texts.push({
        paperId: id,
        version: 1,
        abstractHash: 'hash',
        lang: 'zh',
        title: `${pick(ZH, 2 + (index % 3), 2)}的研究`,
        tldr: `我们研究${pick(ZH, 3, 4)}。`,
        tldrEn: '',
        abstract: `本文研究${pick(ZH, 6 + (index % 5), 7)}。`,
        provider: 'test',
        model: 'm',
        promptVersion: 'v1',
        createdAt: '2025-01-01T00:00:00Z',
        status: 'ok',
      });
    }
  }
  return { papers, texts };
}

const QUERIES: SearchRequest[] = [
  { q: 'diffusion' },
  { q: 'large language models' },
  { q: '"large language"' },
  { q: 'ti:retrieval' },
  { q: 'abs:benchmark -survey' },
  { q: 'graph OR quantum' },
  { q: '(graph OR quantum) AND attention -sparse' },
  { q: 'lang*' },
  { q: 'au:lovelace planning' },
  { q: 'cat:cs.CL models' },
  { q: 'models', categories: ['cs.CL', 'cs.LG'], excludeCategories: ['cs.AI'] },
  { q: '-survey', categories: ['cs.CV'] },
  { q: '模型' },
  { q: '图像 生成' },
  { q: 'abs:模型 OR ti:扩散' },
  { q: 'diffusion 扩散' },
  { q: 'models', from: '2025-01-10', until: '2025-02-10' },
  { q: 'models', rankWindow: 20 },
  { q: 'models', rankWindow: 20, page: 3 },
];

function scored(response: SearchResponse): Array<[string, number]> {
  return response.hits.map((hit) => [hit.id, hit.score]);
}

describe.skipIf(!built)('xivdigest_bm25', () => {
  let temp: TempStore;
  let opened: OpenedDatabase;

  beforeAll(async () => {
    temp = await createTempStore('sqlite');
    const { papers, texts } = archive();
    // Texts first, so that each paper is indexed once: FTS5 does not take a deleted document of a contentless table
    // out of the row count bm25() divides by (ADR 0054), where xivdigest_bm25's IDFs count the documents there are.
    await temp.store.saveTexts(texts);
    await temp.store.upsertPapers(papers);
    opened = await openSqlite(temp.url);
  });

  afterAll(async () => {
    await opened?.db.destroy();
    await temp?.cleanup();
  });

  it('loads into every SQLite connection when built', () => {
    expect(nativeRankStatus()).toEqual({ loaded: true });
  });

  it.each(QUERIES.map((request) => [JSON.stringify(request), request] as const))('scores %s as bm25() does', async (_name, request) => {
    const page = { pageSize: 50, ...request };
    const native = await searchPapers(opened.db, 'sqlite', page, { nativeRank: true });
    const builtin = await searchPapers(opened.db, 'sqlite', page, { nativeRank: false });
    expect(native.total).toBe(builtin.total);
    expect(native.hits.length).toBeGreaterThan(0);
    const expected = scored(builtin);
    const actual = scored(native);
    expect(actual.map(([id]) => id)).toEqual(expected.map(([id]) => id));
    actual.forEach(([, score], index) => expect(score).toBeCloseTo(expected[index]![1], 9));
  });

  it("estimates a common phrase's IDF from its density since its IDF_MATCHES-th newest match", async () => {
    // One phrase: its IDF is a constant factor, so the order stays bm25()'s while the scores change.
    const request = { q: 'diffusion', pageSize: 50 };
    const builtin = await searchPapers(opened.db, 'sqlite', request, { nativeRank: false });
    const estimated = await searchPapers(opened.db, 'sqlite', request, { nativeRank: true, idfMatches: 20 });
    expect(estimated.hits.map((hit) => hit.id)).toEqual(builtin.hits.map((hit) => hit.id));
    const ratios = estimated.hits.map((hit, index) => hit.score / builtin.hits[index]!.score);
    expect(Math.abs(ratios[0]! - 1)).toBeGreaterThan(1e-6);
    for (const ratio of ratios) expect(ratio).toBeCloseTo(ratios[0]!, 9);
    // The estimate: 20 matches among the documents from the 20th newest match on.
    const edge = (
      await temp.query<{ doc: number }>(`select rowid as doc from paper_fts where paper_fts match 'diffusion' order by rowid desc limit 1 offset 19`)
    )[0]!;
    const documents = (await temp.query<{ n: number }>('select count(*) as n from paper_search_ids where doc >= ?', [edge.doc]))[0]!.n;
    const all = (await temp.query<{ n: number }>(`select count(*) as n from paper_fts where paper_fts match 'diffusion'`))[0]!.n;
    const idf = (docs: number, matches: number): number => Math.max(Math.log((docs - matches + 0.5) / (matches + 0.5)), 1e-6);
    expect(ratios[0]).toBeCloseTo(idf(documents, 20) / idf(240, all), 9);
  });
});
