/**
 * `npm run bench:scale`: enrichment through the job queue (Redis) by 1, 2, 4 and 8 `xivdigest worker` processes
 * (the built CLI) against the simulated provider in its own process, with a per-request latency and a global RPM;
 * then the same with random kill -9s. Prints throughput against the bound min(workers × per-worker throughput, RPM),
 * duplicate calls and texts saved. Needs PostgreSQL and Redis (XIVDIGEST_TEST_PG_URL, XIVDIGEST_TEST_REDIS_URL) and
 * `npm run build`. XIVDIGEST_BENCH_SHORT=1: 1,000 papers instead of 10,000; XIVDIGEST_BENCH_WORKERS=1,4: those worker
 * counts only; XIVDIGEST_BENCH_KILLS=0: no pass with kills.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { chooseProvider, enrichQueueName } from '../src/app-llm.js';
import { llmConfigSchema } from '../src/core/config/schema.js';
import type { Paper } from '../src/core/paper.js';
import { createQueuedEnrich } from '../src/jobs/enrich-queue.js';
import { createBullmqQueue } from '../src/queue/bullmq.js';
import { createStore } from '../src/store/index.js';
import { createTempPostgresDatabase, postgresTestUrl } from '../test/helpers/temp-store.js';
import { enrichTestPapers, paperOf } from '../test/helpers/synthetic-papers.js';
import { startServerProcess } from './fake-llm-server-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(here, '..', 'bin', 'xivdigest.js');
const short = process.env.XIVDIGEST_BENCH_SHORT === '1';
const PAPERS = short ? 1000 : 10_000;
const LATENCY_MS = 200;
const PER_WORKER = 4;
const RPM = 3600;
const WORKER_COUNTS = [1, 2, 4, 8];
const KEY = 'sk-bench-scale-0123456789';
const redisUrl = process.env.XIVDIGEST_TEST_REDIS_URL;

interface Row {
  workers: number;
  kills: number;
  seconds: number;
  throughput: number;
  bound: number;
  /** min(workers × the 1-worker run's measured throughput, RPM): the bound the issue asks for, with the same settings. */
  measuredBound: number;
  calls: number;
  duplicates: number;
  limited: number;
  texts: number;
}

async function main(): Promise<void> {
  if (!postgresTestUrl || !redisUrl) {
    console.log('bench:scale needs XIVDIGEST_TEST_PG_URL (PostgreSQL) and XIVDIGEST_TEST_REDIS_URL (Redis); skipped.');
    return;
  }
  // Synthetic records built from real ones (../shared's corpus when present): the same texts under new ids.
  const set = enrichTestPapers(Math.min(PAPERS, 2000));
  const papers: Paper[] = Array.from({ length: PAPERS }, (_, index) => ({
    ...paperOf(set.fakes[index % set.fakes.length]!),
    id: `2601.${String(10_000 + index).padStart(5, '0')}`,
  }));
  const database = await createTempPostgresDatabase();
  const store = await createStore({ url: database.url });
  for (let start = 0; start < papers.length; start += 1000) await store.upsertPapers(papers.slice(start, start + 1000));
  // The simulated provider in a process of its own (like a remote API, it does not share the workers' CPU).
  const server = await startServerProcess(set.fakes, { apiKey: KEY, latencyMs: LATENCY_MS, rpm: RPM, logBodies: false });
  const dir = mkdtempSync(join(tmpdir(), 'xivdigest-scale-'));
  const environment = { OPENAI_API_KEY: KEY, OPENAI_API_BASE: server.url, OPENAI_API_MODEL: 'gpt-4o-mini' };
  const chosen = chooseProvider({ config: llmConfigSchema.parse({}), environment });
  const queueName = enrichQueueName(chosen);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  console.log(
    `bench:scale: ${PAPERS} papers (${set.source}), provider latency ${LATENCY_MS} ms, ${RPM} requests/min, ${PER_WORKER} jobs at once per worker; load ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
  const rows: Row[] = [];
  const workerCounts = process.env.XIVDIGEST_BENCH_WORKERS ? process.env.XIVDIGEST_BENCH_WORKERS.split(',').map(Number) : WORKER_COUNTS;
  const passes = process.env.XIVDIGEST_BENCH_KILLS === '0' ? [false] : [false, true];
  // Per-worker throughput measured with 1 worker and the same settings (the first row; nominal until it is known).
  let perWorker = (PER_WORKER * 1000) / LATENCY_MS;
  try {
    for (const withKills of passes) {
      for (const count of workerCounts) {
        await database.query('delete from paper_texts');
        const prefix = `xdbench-${process.pid}-${count}-${withKills ? 'k' : 'n'}`;
        const config = join(dir, `${prefix}.json`);
        writeFileSync(config, JSON.stringify({ queue: { prefix, lockSeconds: 2 }, llm: { concurrency: PER_WORKER, rpm: RPM } }));
        const env = {
          PATH: process.env.PATH ?? '',
          HOME: dir,
          XDG_DATA_HOME: join(dir, 'data'),
          XDG_CONFIG_HOME: join(dir, 'config'),
          XIVDIGEST_CONFIG: config,
          XIVDIGEST_DB: database.url,
          XIVDIGEST_QUEUE_URL: redisUrl,
          ...environment,
        };
        const workers: ChildProcess[] = [];
        const startWorker = async (): Promise<void> => {
          const child = spawn(process.execPath, [bin, 'worker'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
          workers.push(child);
          let stderr = '';
          await new Promise<void>((resolvePromise, reject) => {
            child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
              stderr += chunk;
              if (/worker: serving/.test(stderr)) resolvePromise();
            });
            child.on('exit', (code) => reject(new Error(`worker exited (${code}) before serving:\n${stderr}`)));
          });
        };
        await Promise.all(Array.from({ length: count }, startWorker));
        const before = (await server.log()).statusCounts;
        const queue = createBullmqQueue({ url: redisUrl, prefix });
        const enrich = createQueuedEnrich({ queue, queueName });
        let settled = 0;
        let kills = 0;
        const startedAt = performance.now();
        const bound = Math.min((count * PER_WORKER * 1000) / LATENCY_MS, RPM / 60);
        const expectedSeconds = PAPERS / bound;
        const progress = setInterval(() => {
          const elapsed = (performance.now() - startedAt) / 1000;
          const rate = settled / elapsed;
          console.log(
            `  ${count} worker(s)${withKills ? ' with kills' : ''}: ${settled}/${PAPERS}, ${rate.toFixed(1)}/s, ETA ${rate > 0 ? Math.round((PAPERS - settled) / rate) : '?'} s`,
          );
        }, 15_000);
        // Kill a random worker with kill -9 four times over the expected run, starting a fresh one each time.
        const killer = withKills
          ? setInterval(
              () => {
                const alive = workers.filter((worker) => worker.exitCode === null && worker.signalCode === null);
                if (alive.length === 0 || kills >= 4) return;
                alive[Math.floor(Math.random() * alive.length)]!.kill('SIGKILL');
                kills += 1;
                void startWorker().catch(() => undefined);
              },
              Math.max(1000, (expectedSeconds * 1000) / 5),
            )
          : undefined;
        const result = await enrich({
          store,
          provider: chosen.provider,
          papers,
          onEvent: (event) => {
            if (event.type === 'paper-enriched' || event.type === 'paper-failed') settled += 1;
          },
        });
        const seconds = (performance.now() - startedAt) / 1000;
        clearInterval(progress);
        if (killer) clearInterval(killer);
        for (const worker of workers) worker.kill('SIGKILL');
        await queue.close();
        const after = (await server.log()).statusCounts;
        const calls = (after[200] ?? 0) - (before[200] ?? 0);
        const texts = Number((await database.query<{ count: string }>("select count(*) as count from paper_texts where status = 'ok'"))[0]!.count);
        if (result.failed.length > 0) console.log(`  ${result.failed.length} failed, e.g. ${result.failed[0]!.reason}`);
        if (count === 1 && !withKills) perWorker = PAPERS / seconds;
        rows.push({
          workers: count,
          kills,
          seconds,
          throughput: PAPERS / seconds,
          bound,
          measuredBound: Math.min(count * perWorker, RPM / 60),
          calls,
          duplicates: calls - PAPERS,
          limited: (after[429] ?? 0) - (before[429] ?? 0),
          texts,
        });
        await deleteKeys(redis, prefix);
        printRow(rows.at(-1)!);
      }
    }
  } finally {
    redis.disconnect();
    await server.close();
    await store.close();
    await database.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `\nbound/s: min(workers × ${(PER_WORKER * 1000) / LATENCY_MS} (nominal: ${PER_WORKER} at once / ${LATENCY_MS} ms), ${RPM / 60}); measured: min(workers × ${perWorker.toFixed(1)} (1 worker, same settings), ${RPM / 60})`,
  );
  console.log(`| workers | kills | seconds | papers/s | bound/s | % of bound | % of measured bound | calls | duplicate calls | 429s | texts saved |`);
  console.log(`| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`);
  for (const row of rows) {
    console.log(
      `| ${row.workers} | ${row.kills} | ${row.seconds.toFixed(1)} | ${row.throughput.toFixed(1)} | ${row.bound.toFixed(1)} | ${((100 * row.throughput) / row.bound).toFixed(0)} % | ${((100 * row.throughput) / row.measuredBound).toFixed(0)} % | ${row.calls} | ${row.duplicates} | ${row.limited} | ${row.texts}/${PAPERS} |`,
    );
  }
  console.log(
    `load after: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
}

function printRow(row: Row): void {
  console.log(
    `  ${row.workers} worker(s), ${row.kills} kill(s): ${row.seconds.toFixed(1)} s, ${row.throughput.toFixed(1)} papers/s of ${row.bound.toFixed(1)} (${((100 * row.throughput) / row.bound).toFixed(0)} %), ${row.duplicates} duplicate call(s), ${row.limited} 429s, ${row.texts} texts`,
  );
}

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

await main();
