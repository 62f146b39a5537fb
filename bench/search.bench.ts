/**
 * `npm run bench:search`: full-text search over archives built from real items with fresh ids (half of them with the
 * Chinese texts of the original system's corpus), on SQLite and PostgreSQL. Prints the time to store the archive
 * (index kept in step), the time to rebuild the index (`reindex`), its size, and search latency p50/p95/p99 over a
 * fixed set of English and Chinese queries (store.search end to end: ids, exact total, hits with snippets).
 *
 * XIVDIGEST_BENCH_PAPERS=100000,1000000 (default 100000; 2000 is the short mode), XIVDIGEST_BENCH_DB=sqlite,postgres
 * (default: both when XIVDIGEST_TEST_PG_URL is set), XIVDIGEST_BENCH_ROUNDS=5 (rounds over the query set),
 * XIVDIGEST_BENCH_KEEP=1 keeps the archives (their paths are printed) to look into; XIVDIGEST_BENCH_ARCHIVE=PATH measures
 * such a kept SQLite archive again (opened through the store, so its migrations run first) without building one, and
 * XIVDIGEST_BENCH_ARCHIVE=postgres://…?schema=NAME a kept PostgreSQL one (XIVDIGEST_BENCH_DB then defaults to postgres).
 * XIVDIGEST_BENCH_SCHEMA=NAME names the PostgreSQL schema a build writes (default bench_search_<pid>_<papers>);
 * XIVDIGEST_BENCH_REINDEX=0 skips timing `reindex` (on PostgreSQL at 1M it takes as long as the build);
 * XIVDIGEST_BENCH_RESUME=1 with a kept archive stores the papers it lacks up to XIVDIGEST_BENCH_PAPERS first (a build that
 * was stopped continues; the papers depend on their index only) and then measures.
 * XIVDIGEST_BENCH_WINDOW=N asks every query with `rankWindow: N` instead of the store's default.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Paper } from '../src/core/paper.js';
import type { StoredTexts } from '../src/core/texts.js';
import { parseArxivRss } from '../src/sources/arxiv-rss/parse.js';
import { createStore, rebuildSearchIndex } from '../src/store/index.js';
import { disableNativeRank, nativeRankStatus } from '../src/store/kysely/search/native-rank.js';
import type { Store } from '../src/store/store.js';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const shared = process.env.XIVDIGEST_SHARED_FIXTURES ?? resolve(root, '..', 'shared', 'fixtures');
const sizes = (process.env.XIVDIGEST_BENCH_PAPERS ?? '100000').split(',').map((text) => Number(text.replace(/_/g, '')));
const pgUrl = process.env.XIVDIGEST_BENCH_PG_URL ?? process.env.XIVDIGEST_TEST_PG_URL;
const rounds = Number(process.env.XIVDIGEST_BENCH_ROUNDS ?? 5);
const keptArchive = process.env.XIVDIGEST_BENCH_ARCHIVE;
const keptKind = keptArchive === undefined ? undefined : /^postgres(ql)?:/.test(keptArchive) ? 'postgres' : 'sqlite';
const databases = (process.env.XIVDIGEST_BENCH_DB ?? keptKind ?? (pgUrl ? 'sqlite,postgres' : 'sqlite')).split(',') as Array<'sqlite' | 'postgres'>;
const reindex = process.env.XIVDIGEST_BENCH_REINDEX !== '0';
const resume = process.env.XIVDIGEST_BENCH_RESUME === '1';
/** `bm25` ranks with FTS5's bm25() instead of xivdigest_bm25 (ADR 0054), for comparison. */
const ranking = process.env.XIVDIGEST_BENCH_RANK ?? 'native';
/** 1: ask for exact totals (`exactTotal`), which count every match of a common word. */
const exactTotal = process.env.XIVDIGEST_BENCH_EXACT === '1';
const rankWindow = process.env.XIVDIGEST_BENCH_WINDOW === undefined ? undefined : Number(process.env.XIVDIGEST_BENCH_WINDOW);
/** What every measured query asks besides its text. */
const asked = { exactTotal, ...(rankWindow !== undefined ? { rankWindow } : {}) };
if (ranking === 'bm25') disableNativeRank('XIVDIGEST_BENCH_RANK=bm25');

/** The fixed query set: English and Chinese, common and rare words, phrases, fields, boolean. */
export const QUERIES = [
  'diffusion',
  'model',
  'transformer',
  '"large language models"',
  'reinforcement learning',
  'ti:retrieval',
  'graph OR recommendation',
  'abs:benchmark -survey',
  'quantum',
  '模型',
  '扩散',
  '语言模型',
  '强化学习',
  'ti:检索',
  '图像 生成',
  'diffusion 图像',
];

/**
 * Asked once before the measured queries, so that "cold" means what it does for a running server: each measured
 * query is computed for the first time (no cached result, no cached IDF), in a process that has answered queries
 * before (its JIT, regular expressions and Unicode tables compiled, SQLite's schema read). None shares a word with
 * QUERIES.
 */
const WARM_UP = ['protein folding', '蛋白质', 'ti:kernel', 'au:smith'];

interface CorpusRecord {
  title: string;
  abstract: string;
  translated_title?: string;
  translated_abstract?: string;
  tldr?: string;
}

async function loadItems(): Promise<{ rss: Paper[]; corpus: CorpusRecord[] }> {
  const feed = resolve(shared, 'arxiv', 'rss-new-all-archives-2024-11-28.TRUNCATED.xml');
  const corpusFile = resolve(shared, 'corpus', 'cn-chat-arxiv-papers-3000.jsonl');
  if (!existsSync(feed) || !existsSync(corpusFile)) {
    console.error(`bench:search needs the shared real data (${shared}); set XIVDIGEST_SHARED_FIXTURES`);
    process.exit(1);
  }
  const rss: Paper[] = [];
  for await (const event of parseArxivRss(readFileSync(feed, 'utf8'), { origin: feed })) if (event.type === 'paper') rss.push(event.paper);
  const corpus = readFileSync(corpusFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as CorpusRecord);
  return { rss, corpus };
}

function freshId(index: number): string {
  // 2001.00000 onward: 99,999 ids a month, months running on past December into the next year.
  const month = Math.floor(index / 99_999);
  const year = 20 + Math.floor(month / 12);
  return `${year}${String((month % 12) + 1).padStart(2, '0')}.${String((index % 99_999) + 1).padStart(5, '0')}`;
}

function day(index: number, total: number): string {
  const start = Date.UTC(2023, 0, 2);
  const span = 3 * 365;
  return new Date(start + Math.floor((index / total) * span) * 86_400_000).toISOString().slice(0, 10);
}

/** Paper `index` of an archive of `total`: even ones from the corpus (with Chinese texts), odd ones from the feed. */
function item(index: number, total: number, items: { rss: Paper[]; corpus: CorpusRecord[] }): { paper: Paper; texts?: StoredTexts } {
  const id = freshId(index);
  const base = items.rss[index % items.rss.length]!;
  const announced = day(index, total);
  const paper: Paper = {
    ...base,
    id,
    version: 1,
    versions: [{ version: 1 }],
    announced,
    links: { abs: `https://arxiv.org/abs/${id}` },
  };
  delete paper.feed;
  if (index % 2 === 1) return { paper };
  const record = items.corpus[(index / 2) % items.corpus.length]!;
  paper.title = record.title.replace(/\s*\(arXiv.+$/s, '');
  paper.abstract = record.abstract;
  const texts: StoredTexts = {
    paperId: id,
    version: 1,
    abstractHash: 'bench',
    lang: 'zh',
    title: record.translated_title ?? '',
    tldr: record.tldr ?? '',
    tldrEn: '',
    abstract: record.translated_abstract ?? '',
    provider: 'cn-chat-arxiv',
    model: 'bench',
    promptVersion: 'bench',
    createdAt: `${announced}T00:00:00Z`,
    status: 'ok',
  };
  return { paper, texts };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function indexSize(kind: 'sqlite' | 'postgres', url: string): Promise<{ index: number; total: number }> {
  if (kind === 'sqlite') {
    const db = new Database(url, { readonly: true });
    try {
      const index = db
        .prepare(
          `select coalesce(sum(pgsize), 0) as size from dbstat where name like 'paper_fts%' or name like 'paper_search_ids%' or name like 'sqlite_autoindex_paper_search_ids%'`,
        )
        .get() as { size: number };
      const total = db.prepare('select coalesce(sum(pgsize), 0) as size from dbstat').get() as { size: number };
      return { index: index.size, total: total.size };
    } finally {
      db.close();
    }
  }
  const schema = new URL(url).searchParams.get('schema')!;
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    // The sizes of live data: the build rewrote each document (papers, then their texts) and reindex rewrote them all.
    // `papers` and `paper_texts` are analyzed as autovacuum would have (it is off on the development server): left
    // as they were when empty, the planner guessed thousands of texts per paper id, 30 ms of every search at 1M.
    await client.query(`vacuum analyze ${schema}.paper_search`);
    await client.query(`analyze ${schema}.papers`);
    await client.query(`analyze ${schema}.paper_texts`);
    const index = await client.query<{ size: string }>(`select pg_total_relation_size($1::regclass) as size`, [`${schema}.paper_search`]);
    const total = await client.query<{ size: string }>(
      `select sum(pg_total_relation_size(format('%I.%I', schemaname, tablename)::regclass)) as size from pg_tables where schemaname = $1`,
      [schema],
    );
    return { index: Number(index.rows[0]!.size), total: Number(total.rows[0]!.size) };
  } finally {
    await client.end();
  }
}

/** Stores papers `from` to `total` of the archive (an interrupted build continues where it stopped: items depend on their index only). */
async function build(store: Store, total: number, items: { rss: Paper[]; corpus: CorpusRecord[] }, from = 0): Promise<number> {
  const started = performance.now();
  const batch = 2_000;
  let lastReport = started;
  for (let start = from; start < total; start += batch) {
    const papers: Paper[] = [];
    const texts: StoredTexts[] = [];
    for (let index = start; index < Math.min(total, start + batch); index += 1) {
      const made = item(index, total, items);
      papers.push(made.paper);
      if (made.texts) texts.push(made.texts);
    }
    await store.transaction(async (tx) => {
      await tx.upsertPapers(papers);
      await tx.saveTexts(texts);
    });
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      const done = Math.min(total, start + batch);
      const rate = (done - from) / ((lastReport - started) / 1000);
      process.stderr.write(`  stored ${done}/${total} (${Math.round(rate)}/s, ETA ${Math.round((total - done) / rate)} s)\n`);
    }
  }
  return (performance.now() - started) / 1000;
}

interface Row {
  db: string;
  papers: number;
  store: number;
  rebuild: number;
  index: number;
  total: number;
  coldP50: number;
  coldP95: number;
  coldMax: number;
  coldByQuery: Map<string, number>;
  /** The window relevance was ranked in (ADR 0049), when there was one. */
  windowByQuery: Map<string, number | undefined>;
  p50: number;
  p95: number;
  p99: number;
  perQuery: Map<string, { median: number; total: number; more: boolean }>;
}

/** How many papers a kept archive holds. */
async function storedPapers(kind: 'sqlite' | 'postgres', url: string): Promise<number> {
  if (kind === 'sqlite') {
    const db = new Database(url, { readonly: true });
    try {
      return (db.prepare('select count(*) as count from papers').get() as { count: number }).count;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    const schema = new URL(url).searchParams.get('schema')!;
    const result = await client.query<{ count: string }>(`select count(*) as count from "${schema}".papers`);
    return Number(result.rows[0]!.count);
  } finally {
    await client.end();
  }
}

async function benchOne(kind: 'sqlite' | 'postgres', papers: number, items: { rss: Paper[]; corpus: CorpusRecord[] }): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'xivdigest-bench-search-'));
  const kept = kind === keptKind ? keptArchive : undefined;
  const schema =
    kept !== undefined && kind === 'postgres'
      ? new URL(kept).searchParams.get('schema')!
      : (process.env.XIVDIGEST_BENCH_SCHEMA ?? `bench_search_${process.pid}_${papers}`);
  const url = kept ?? (kind === 'sqlite' ? join(dir, 'archive.db') : `${pgUrl}${pgUrl!.includes('?') ? '&' : '?'}schema=${schema}`);
  const opening = performance.now();
  const store = await createStore({ url });
  if (kept) process.stderr.write(`${kind}: opened ${kept} in ${((performance.now() - opening) / 1000).toFixed(1)} s (migrations included)\n`);
  try {
    let storeSeconds = 0;
    let rebuild = 0;
    if (kept && resume) {
      const stored = await storedPapers(kind, url);
      if (stored < papers) {
        process.stderr.write(`${kind}: ${kept} holds ${stored} papers; storing the rest up to ${papers} (index kept in step)…\n`);
        await build(store, papers, items, stored - (stored % 2_000));
      }
    }
    if (!kept) {
      process.stderr.write(`${kind}, ${papers} papers: storing (index kept in step)…\n`);
      storeSeconds = await build(store, papers, items);
      if (reindex) {
        process.stderr.write(`${kind}, ${papers} papers: rebuilding the index…\n`);
        const started = performance.now();
        await rebuildSearchIndex(store);
        rebuild = (performance.now() - started) / 1000;
      }
    }
    const size = await indexSize(kind, url);
    // The first pass is cold (SQLite caches a repeated query's page until the database changes); then `rounds`
    // passes of repeated queries.
    for (const q of WARM_UP) await store.search({ q, ...asked });
    const cold: number[] = [];
    const coldByQuery = new Map<string, number>();
    const windowByQuery = new Map<string, number | undefined>();
    for (const q of QUERIES) {
      const begin = performance.now();
      const response = await store.search({ q, ...asked });
      const ms = performance.now() - begin;
      cold.push(ms);
      coldByQuery.set(q, ms);
      windowByQuery.set(q, response.rankedWithin);
    }
    cold.sort((a, b) => a - b);
    const samples: number[] = [];
    const perQuery = new Map<string, { times: number[]; total: number; more: boolean }>();
    for (let round = 0; round < rounds; round += 1) {
      for (const q of QUERIES) {
        const begin = performance.now();
        const response = await store.search({ q, ...asked });
        const ms = performance.now() - begin;
        samples.push(ms);
        const entry = perQuery.get(q) ?? { times: [], total: response.total, more: response.totalIsLowerBound === true };
        entry.times.push(ms);
        perQuery.set(q, entry);
      }
    }
    samples.sort((a, b) => a - b);
    return {
      db: kind,
      papers,
      store: storeSeconds,
      rebuild,
      index: size.index,
      total: size.total,
      coldP50: percentile(cold, 50),
      coldP95: percentile(cold, 95),
      coldMax: cold[cold.length - 1]!,
      coldByQuery,
      windowByQuery,
      p50: percentile(samples, 50),
      p95: percentile(samples, 95),
      p99: percentile(samples, 99),
      perQuery: new Map(
        [...perQuery].map(([q, entry]) => {
          const times = entry.times.sort((a, b) => a - b);
          return [q, { median: percentile(times, 50), total: entry.total, more: entry.more }];
        }),
      ),
    };
  } finally {
    await store.close();
    if (process.env.XIVDIGEST_BENCH_KEEP && !kept) process.stderr.write(`kept ${url}\n`);
    else rmSync(dir, { recursive: true, force: true });
    if (kind === 'postgres' && !process.env.XIVDIGEST_BENCH_KEEP && !kept) {
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    }
  }
}

async function main(): Promise<void> {
  const items = await loadItems();
  const { loadavg, cpus } = await import('node:os');
  const before = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  const rows: Row[] = [];
  for (const papers of sizes) {
    for (const kind of databases) {
      const row = await benchOne(kind, papers, items);
      rows.push(row);
      process.stderr.write(
        `${kind}, ${papers} papers: store ${row.store.toFixed(1)} s, reindex ${row.rebuild.toFixed(1)} s, index ${mb(row.index)}, cold p50 ${row.coldP50.toFixed(1)} ms, p95 ${row.coldP95.toFixed(1)} ms; repeated p50 ${row.p50.toFixed(1)} ms, p95 ${row.p95.toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms\n`,
      );
    }
  }
  const after = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  console.log(
    `\nbench:search (${items.rss.length} feed items and ${items.corpus.length} corpus records, fresh ids; ${QUERIES.length} queries, page 1 of 20, relevance: ${WARM_UP.length} other queries to warm the process up, one cold pass, then ${rounds} rounds repeated)`,
  );
  const rank = nativeRankStatus();
  console.log(`${cpus().length} CPUs; load average ${before} before, ${after} after`);
  if (databases.includes('sqlite'))
    console.log(
      `SQLite ranking: ${rank.loaded ? "xivdigest_bm25 (IDFs from each phrase's 500 newest matches)" : `FTS5 bm25() (${rank.reason})`}; totals: ${exactTotal ? 'exact' : 'more than the window left uncounted'}\n`,
    );
  else console.log('');
  console.log(
    '| database | papers | store (index in step) | reindex | index size | database size | cold p50 | cold p95 | cold max | repeated p50 | p95 | p99 |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    console.log(
      `| ${row.db} | ${row.papers.toLocaleString('en-US')} | ${row.store.toFixed(1)} s | ${row.rebuild.toFixed(1)} s | ${mb(row.index)} | ${mb(row.total)} | ${row.coldP50.toFixed(1)} ms | ${row.coldP95.toFixed(1)} ms | ${row.coldMax.toFixed(1)} ms | ${row.p50.toFixed(1)} ms | ${row.p95.toFixed(1)} ms | ${row.p99.toFixed(1)} ms |`,
    );
  }
  console.log('\nPer query: cold ms / repeated median ms (matches; "newest N" when relevance ranked the newest N matches):\n');
  console.log(`| query | ${rows.map((row) => `${row.db} ${row.papers.toLocaleString('en-US')}`).join(' | ')} |`);
  console.log(`| --- | ${rows.map(() => '---:').join(' | ')} |`);
  for (const q of QUERIES) {
    console.log(
      `| \`${q}\` | ${rows
        .map((row) => {
          const entry = row.perQuery.get(q)!;
          const window = row.windowByQuery.get(q);
          const ranked = window === undefined ? '' : `; newest ${window.toLocaleString('en-US')}`;
          return `${row.coldByQuery.get(q)!.toFixed(1)} / ${entry.median.toFixed(1)} (${entry.more ? 'more than ' : ''}${entry.total.toLocaleString('en-US')}${ranked})`;
        })
        .join(' | ')} |`,
    );
  }
}

await main();
