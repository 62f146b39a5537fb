/** `npm run bench:backfill`: Kaggle-snapshot backfill throughput (papers/s) and database size on SQLite and PostgreSQL, from real records with fresh ids. */
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import type * as KaggleParse from '../src/sources/kaggle/parse.js';
import type * as DocumentInput from '../src/sources/shared/document-input.js';
import type * as StoreModule from '../src/store/index.js';
import type * as Backfill from '../src/jobs/backfill.js';
import type * as App from '../src/app.js';
import type * as StoreEvents from '../src/jobs/store-events.js';
import { threadDeltas, threadTimes } from './thread-cpu.js';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
/** `XIVDIGEST_BENCH_ROOT=DIR` times another checkout's src/ (e.g. an export of the main branch) with this bench, for alternating before/after runs. */
const codeRoot = resolve(process.env.XIVDIGEST_BENCH_ROOT ?? root);
const code = (path: string): string => pathToFileURL(join(codeRoot, 'src', path)).href;
const shared = process.env.XIVDIGEST_SHARED_FIXTURES ?? resolve(root, '..', 'shared', 'fixtures');
/** Python feedparser 6.0.10 on the 1,062-item fixture, on this machine (bench/ingest.bench.ts): the original's parser. */
const ORIGINAL_ENTRIES_PER_SECOND = 3100;
const GOAL = 10 * ORIGINAL_ENTRIES_PER_SECOND;
/** The whole arXiv archive, for the extrapolation (the issue: about 2.9 million papers). */
const ARCHIVE_PAPERS = 2_900_000;
/** `XIVDIGEST_BENCH_RECORDS=100000` for a short run (default 1,000,000). */
const RECORDS = Number(process.env.XIVDIGEST_BENCH_RECORDS ?? 1_000_000);
/** Records per transaction (`XIVDIGEST_BENCH_CHUNK`, default the command's 5,000). */
const CHUNK = process.env.XIVDIGEST_BENCH_CHUNK ? Number(process.env.XIVDIGEST_BENCH_CHUNK) : undefined;
/** `XIVDIGEST_BENCH_INGEST=1` adds a row for `ingest FILE` (one transaction) on SQLite. */
/** `XIVDIGEST_BENCH_IN_STEP=1` adds, for each store, a run with each chunk's search documents written in it (`--search-index now`). */
const IN_STEP = process.env.XIVDIGEST_BENCH_IN_STEP === '1';
/** `XIVDIGEST_BENCH_POSTGRES_ONLY=1` runs PostgreSQL only (`XIVDIGEST_BENCH_SQLITE_ONLY=1` the others only). */
const POSTGRES_ONLY = process.env.XIVDIGEST_BENCH_POSTGRES_ONLY === '1';
/** PostgreSQL server (a fresh schema is made and dropped); skipped when unset. */
const PG_URL = process.env.XIVDIGEST_BENCH_PG_URL ?? process.env.XIVDIGEST_TEST_PG_URL;

interface Row {
  store: string;
  records: number;
  /** The whole run (the search pass included) and its records per second. */
  seconds: number;
  perSecond: number;
  /** The load alone and its records per second; the pass that wrote the search documents after it (ADR 0069). */
  load?: { seconds: number; perSecond: number; passSeconds: number | undefined };
  bytes: number | undefined;
  /** CPU µs per paper of this process's main thread (reads, parses, hands over) and of its busiest other thread (SQLite's writer). */
  cpu?: { main: number; writer: number };
}

/** Writes `count` snapshot lines by repeating the real records with fresh new-style ids (9YMM.NNNNN never collides). */
async function buildSnapshot(source: string, count: number, out: string): Promise<void> {
  const lines = readFileSync(source, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const stream = createWriteStream(out);
  for (let index = 0; index < count; index++) {
    const line = lines[index % lines.length]!;
    const id = `${9000 + Math.floor(index / 100_000)}.${String(index % 100_000).padStart(5, '0')}`;
    // The id is the line's first key in Kaggle's layout: replace only it.
    if (!stream.write(`${line.replace(/^\{"id": ?"[^"]*"/, `{"id": "${id}"`)}\n`)) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
}

async function parseOnly(file: string): Promise<Row> {
  const { parseKaggle } = (await import(code('sources/kaggle/parse.ts'))) as typeof KaggleParse;
  const { fileInput } = (await import(code('sources/shared/document-input.ts'))) as typeof DocumentInput;
  const started = process.hrtime.bigint();
  let records = 0;
  for await (const event of parseKaggle(fileInput(file, 1 << 20), { origin: file })) if (event.type === 'paper') records++;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { store: 'parse only (no store)', records, seconds, perSecond: records / seconds, bytes: undefined };
}

async function backfillInto(label: string, url: string, file: string, size: () => Promise<number>, searchIndex: 'now' | 'later' = 'later'): Promise<Row> {
  const { createStore } = (await import(code('store/index.ts'))) as typeof StoreModule;
  const { backfillKaggle } = (await import(code('jobs/backfill.ts'))) as typeof Backfill;
  const store = await createStore({ url });
  const cpuBefore = threadTimes();
  const started = process.hrtime.bigint();
  let lastReport = 0;
  const result = await backfillKaggle({
    store,
    file,
    searchIndex,
    ...(CHUNK ? { chunkRecords: CHUNK } : {}),
    onProgress: (progress) => {
      if (Date.now() - lastReport < 10_000) return;
      lastReport = Date.now();
      process.stderr.write(
        progress.phase === 'indexing'
          ? `${label}: search pass ${progress.indexed ?? 0} of ${progress.toIndex ?? 0}${progress.merging ? ', merging' : ''}\n`
          : `${label}: ${progress.recordsRead} records, ${(100 * progress.fraction).toFixed(1)}%\n`,
      );
    },
  });
  await store.close();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = threadDeltas(cpuBefore, threadTimes());
  const per = (us: number) => us / Math.max(1, result.recordsRead);
  return {
    store: label,
    records: result.recordsRead,
    seconds,
    perSecond: result.recordsRead / seconds,
    // Older code (XIVDIGEST_BENCH_ROOT) reports no load time: its whole run was the load.
    ...(result.loadSeconds ? { load: { seconds: result.loadSeconds, perSecond: result.loadPapersPerSecond, passSeconds: result.index?.seconds } } : {}),
    bytes: await size(),
    cpu: { main: per(cpu.main), writer: per(cpu.busiest) },
  };
}

/** `xivdigest ingest FILE`'s way, for comparison: the whole file in one transaction, no checkpoint. */
async function ingestInto(url: string, file: string): Promise<Row> {
  const { openLocalFile } = (await import(code('app.ts'))) as typeof App;
  const { createStore } = (await import(code('store/index.ts'))) as typeof StoreModule;
  const { storeEvents } = (await import(code('jobs/store-events.ts'))) as typeof StoreEvents;
  const store = await createStore({ url });
  const started = process.hrtime.bigint();
  const { events } = await openLocalFile(file);
  const result = await store.transaction((tx) => storeEvents(events, tx));
  await store.close();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { store: 'SQLite, `ingest` (one transaction, for comparison)', records: result.papers, seconds, perSecond: result.papers / seconds, bytes: undefined };
}

function directoryBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
}

async function main(): Promise<void> {
  const source = join(shared, 'arxiv', 'kaggle-arxiv-metadata-oai-snapshot-first200.jsonl');
  if (!existsSync(source)) {
    console.log(`bench:backfill skipped: ${source} is absent (clone with ../shared beside the checkout).`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'xivdigest-bench-backfill-'));
  const rows: Row[] = [];
  const loadBefore = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  try {
    const file = join(work, 'snapshot.json');
    process.stderr.write(`building ${RECORDS} records from ${source}…\n`);
    await buildSnapshot(source, RECORDS, file);
    const fileBytes = statSync(file).size;
    if (!POSTGRES_ONLY) {
      rows.push(await parseOnly(file));
      if (process.env.XIVDIGEST_BENCH_INGEST === '1') rows.push(await ingestInto(join(work, 'ingest', 'bench.db'), file));
      const sqliteDir = join(work, 'sqlite');
      rows.push(await backfillInto('SQLite (writer thread)', join(sqliteDir, 'bench.db'), file, async () => directoryBytes(sqliteDir)));
      if (IN_STEP) {
        const inStepDir = join(work, 'sqlite-in-step');
        rows.push(await backfillInto('SQLite, `--search-index now`', join(inStepDir, 'bench.db'), file, async () => directoryBytes(inStepDir), 'now'));
      }
    }

    if (PG_URL && process.env.XIVDIGEST_BENCH_SQLITE_ONLY !== '1') {
      for (const searchIndex of IN_STEP ? (['later', 'now'] as const) : (['later'] as const)) {
        const schema = `xivdigest_bench_${Date.now()}`;
        const admin = new pg.Client({ connectionString: PG_URL });
        await admin.connect();
        await admin.query(`create schema "${schema}"`);
        try {
          const url = new URL(PG_URL);
          url.searchParams.set('schema', schema);
          const label = searchIndex === 'now' ? 'PostgreSQL, `--search-index now`' : 'PostgreSQL';
          rows.push(
            await backfillInto(
              label,
              url.toString(),
              file,
              async () => {
                const { rows: sizes } = await admin.query<{ bytes: string }>(
                  `select coalesce(sum(pg_total_relation_size(c.oid)), 0) as bytes from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relkind = 'r'`,
                  [schema],
                );
                return Number(sizes[0]!.bytes);
              },
              searchIndex,
            ),
          );
        } finally {
          await admin.query(`drop schema "${schema}" cascade`).catch(() => undefined);
          await admin.end();
        }
      }
    } else {
      console.log('PostgreSQL skipped: set XIVDIGEST_BENCH_PG_URL or XIVDIGEST_TEST_PG_URL');
    }

    const loadAfter = loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
    console.log(
      `\nbench:backfill: ${RECORDS.toLocaleString('en-US')} Kaggle records (${(fileBytes / 1e6).toFixed(0)} MB) built from the real first 200, code ${codeRoot}, chunks of ${(CHUNK ?? 5000).toLocaleString('en-US')}; load average ${loadBefore} before, ${loadAfter} after; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`,
    );
    // Papers/s of the load (records read and stored; "parse only" and runs in step: the whole run), against the goal;
    // then the search pass after the load (ADR 0069) and the whole run, the time until searches find every paper.
    console.log(
      `| store | records | load s | load papers/s | × original (${ORIGINAL_ENTRIES_PER_SECOND}/s) | goal ≥ ${GOAL.toLocaleString('en-US')}/s | search pass s | whole run s | whole run papers/s | database MB | bytes/paper | 2.9M papers: whole run (extrapolated) | 2.9M: size (extrapolated) | CPU µs/paper: main / writer thread |`,
    );
    console.log('| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    const count = (value: number) => Math.round(value).toLocaleString('en-US');
    for (const row of rows) {
      const perPaper = row.bytes === undefined ? undefined : row.bytes / row.records;
      const hours = ARCHIVE_PAPERS / row.perSecond / 3600;
      const load = row.load ?? { seconds: row.seconds, perSecond: row.perSecond, passSeconds: undefined };
      console.log(
        `| ${row.store} | ${row.records.toLocaleString('en-US')} | ${load.seconds.toFixed(1)} | ${count(load.perSecond)} | ${(load.perSecond / ORIGINAL_ENTRIES_PER_SECOND).toFixed(1)} | ${load.perSecond >= GOAL ? 'met' : 'not met'} | ${load.passSeconds === undefined ? '' : load.passSeconds.toFixed(1)} | ${row.seconds.toFixed(1)} | ${count(row.perSecond)} | ${row.bytes === undefined ? '' : (row.bytes / 1e6).toFixed(0)} | ${perPaper === undefined ? '' : Math.round(perPaper)} | ${hours < 1 ? `${(hours * 60).toFixed(1)} min` : `${hours.toFixed(1)} h`} | ${perPaper === undefined ? '' : `${((perPaper * ARCHIVE_PAPERS) / 1e9).toFixed(1)} GB`} | ${row.cpu ? `${row.cpu.main.toFixed(0)} / ${row.cpu.writer.toFixed(0)}` : ''} |`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
