/** Several `xivdigest worker` processes share one provider account's queue (Redis) and one store (PostgreSQL); workers are killed with kill -9 mid-run. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { startCli, type CliProcess } from './helpers/cli-process.js';
import { startFakeLlmServer, type FakeLlmServer } from './helpers/fake-llm-server.js';
import { writeFeed } from './helpers/good-papers.js';
import { enrichTestPapers } from './helpers/synthetic-papers.js';
import { createTempPostgresDatabase, postgresAndRedisSkipReason, redisTestUrl, type TempDatabase } from './helpers/temp-store.js';

const redisUrl = redisTestUrl;
const skipReason = postgresAndRedisSkipReason('worker');

const KEY = 'sk-worker-test-secret-0123456789';
const PAPERS = 24;
/** The provider's limit: requests per one-second window, beyond it 429 with Retry-After. */
const LIMIT = 6;
const WORKERS = 3;
const CONCURRENCY = 3;

describe.skipIf(skipReason !== undefined)('xivdigest worker: one queue per provider account, shared by processes', () => {
  let sandbox: CliSandbox;
  let server: FakeLlmServer;
  let database: TempDatabase;
  let env: Record<string, string>;
  // The real corpus's papers when ../shared is there, else made-up ones; every answer passes the gate.
  const { fakes: papers, serverPapers } = enrichTestPapers(PAPERS);
  const prefix = `xdtest-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    sandbox = createCliSandbox();
    database = await createTempPostgresDatabase();
    server = await startFakeLlmServer({ papers: serverPapers, apiKey: KEY, latencyMs: 40, rpm: LIMIT, rateLimitWindowMs: 1000, logBodies: false });
    // lockSeconds 1: a killed worker's jobs are taken again after about two seconds.
    writeFileSync(join(sandbox.dir, 'config.json'), JSON.stringify({ queue: { prefix, lockSeconds: 1 }, llm: { concurrency: CONCURRENCY } }));
    env = {
      XIVDIGEST_CONFIG: join(sandbox.dir, 'config.json'),
      XIVDIGEST_DB: database.url,
      XIVDIGEST_QUEUE_URL: redisUrl!,
      OPENAI_API_KEY: KEY,
      OPENAI_API_BASE: server.url,
      OPENAI_API_MODEL: 'gpt-4o-mini',
    };
    const feed = join(sandbox.dir, 'cs.CL.xml');
    writeFeed(feed, papers);
    const ingest = await sandbox.run(['ingest', feed], { env });
    expect(ingest.code, ingest.stderr).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await database?.cleanup();
    sandbox?.cleanup();
  });

  it('enriches every paper once across workers killed with kill -9, within the shared rate limit', async () => {
    expect(papers).toHaveLength(PAPERS);
    const workers: CliProcess[] = [];
    const startWorker = async (): Promise<CliProcess> => {
      const worker = startCli(sandbox, ['worker', '--concurrency', String(CONCURRENCY)], env);
      workers.push(worker);
      await worker.waitForStderr(/worker: serving enrich-openai-compatible-/);
      return worker;
    };
    try {
      await Promise.all(Array.from({ length: WORKERS }, startWorker));
      const enrich = sandbox.run(['enrich', '--json'], { env });
      let finished = false;
      void enrich.then(() => (finished = true));
      // Kill a random live worker three times while jobs run, starting a fresh one each time.
      let kills = 0;
      while (!finished && kills < 3) {
        await new Promise((resolve) => setTimeout(resolve, 400));
        if (finished) break;
        const alive = workers.filter((worker) => worker.alive());
        const victim = alive[Math.floor(Math.random() * alive.length)]!;
        victim.child.kill('SIGKILL');
        await victim.exited();
        kills += 1;
        await startWorker();
      }
      const result = await enrich;
      expect(result.code, result.stderr).toBe(0);
      const summary = JSON.parse(result.stdout) as { total: number; done: number; cached: number; reused: number; failed: unknown[] };
      expect(summary.total).toBe(PAPERS);
      // A job whose worker died after saving runs again and finds the texts: cached (or reused), not called again.
      expect(summary.done + summary.cached + summary.reused, result.stdout + result.stderr).toBe(PAPERS);
      expect(summary.failed).toEqual([]);
      expect(result.stderr).toMatch(/job\(s\) on queue enrich-openai-compatible-127\.0\.0\.1_\d+-[0-9a-f]{10}/);

      // Every paper has its texts, saved once per key.
      const rows = await database.query<{ paper_id: string; status: string }>('select paper_id, status from paper_texts');
      expect(rows).toHaveLength(PAPERS);
      expect(new Set(rows.map((row) => row.paper_id)).size).toBe(PAPERS);
      expect(rows.every((row) => row.status === 'ok')).toBe(true);

      // Duplicate calls are bounded by what was in flight on the killed workers.
      const answered = server.requests.filter((request) => request.status === 200);
      const perPaper = new Map<string, number>();
      for (const request of answered) perPaper.set(request.paperId!, (perPaper.get(request.paperId!) ?? 0) + 1);
      expect(perPaper.size).toBe(PAPERS);
      const duplicates = answered.length - PAPERS;
      expect(duplicates).toBeLessThanOrEqual(kills * CONCURRENCY);

      // The provider let through at most LIMIT a second (it answers 429 beyond); a 429's Retry-After paused the queue
      // for every worker, so the 429s stay within one wave of calls in flight per window, not one per retry per job.
      const limited = server.requests.filter((request) => request.status === 429);
      const seconds = Math.ceil((server.requests.at(-1)!.receivedAt - server.requests[0]!.receivedAt) / 1000) + 1;
      console.info(
        `workers: ${PAPERS} papers, ${kills} kill(s), ${answered.length} answered calls (${duplicates} duplicate), ${limited.length} 429s over ${seconds} s`,
      );
      expect(limited.length).toBeLessThanOrEqual(seconds * (WORKERS + 1) * CONCURRENCY);
      for (const output of [result.stdout, result.stderr, ...workers.map((worker) => worker.stderr())]) expect(output).not.toContain(KEY);
    } finally {
      for (const worker of workers) worker.kill();
    }
  }, 60_000);
  it('holds one llm.budget across worker processes: calls stop when it is spent, and the rest is left for later', async () => {
    await database.query('delete from paper_texts');
    const answeredBefore = server.requests.filter((request) => request.status === 200).length;
    const workers: CliProcess[] = [];
    try {
      // Both start at once; the first serves its own /metrics (--metrics-port 0: any free port, printed on stderr).
      for (let index = 0; index < 2; index += 1) {
        workers.push(startCli(sandbox, ['worker', '--concurrency', String(CONCURRENCY), ...(index === 0 ? ['--metrics-port', '0'] : [])], env));
      }
      await Promise.all(workers.map((worker) => worker.waitForStderr(/worker: serving enrich-openai-compatible-/)));
      const metricsUrl = /worker: metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(workers[0]!.stderr())?.[1];
      expect(metricsUrl, workers[0]!.stderr()).toBeDefined();
      // About a fifth of the papers' worth: each worker alone would spend it all if the counter were per process.
      const budget = 0.002;
      const result = await sandbox.run(['enrich', '--json', '--budget', String(budget)], { env });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/budget/);
      const summary = JSON.parse(result.stdout) as { done: number; remaining: number; failed: unknown[]; cost: number; stoppedForBudget: boolean };
      expect(summary.stoppedForBudget).toBe(true);
      expect(summary.failed).toEqual([]);
      expect(summary.done).toBeGreaterThan(0);
      expect(summary.done + summary.remaining).toBe(PAPERS);
      expect(summary.remaining).toBeGreaterThan(0);
      // Spent within the budget across both workers (each call reserved its estimate on the one counter first).
      expect(summary.cost).toBeGreaterThan(0);
      expect(summary.cost).toBeLessThanOrEqual(budget);
      const answered = server.requests.filter((request) => request.status === 200).length - answeredBefore;
      expect(answered).toBe(summary.done);
      const rows = await database.query<{ paper_id: string }>("select paper_id from paper_texts where status = 'ok'");
      expect(rows).toHaveLength(summary.done);
      // Both workers counted their jobs; the scraped one shows its calls, its jobs and the queue's counts.
      const scraped = await fetch(metricsUrl!);
      expect(scraped.status).toBe(200);
      const exposition = await scraped.text();
      expect(exposition).toMatch(/xivdigest_llm_calls_total\{provider="openai-compatible",model="gpt-4o-mini",outcome="ok"\} \d+/);
      expect(exposition).toMatch(/xivdigest_worker_jobs_total\{queue="enrich-openai-compatible-[^"]+",outcome="(done|budget)"\} \d+/);
      expect(exposition).toMatch(/xivdigest_queue_jobs\{queue="enrich-openai-compatible-[^"]+",state="waiting"\} 0/);
      expect(exposition).not.toContain(KEY);
      console.info(`workers: budget $${budget}: ${summary.done} paper(s) enriched for $${summary.cost.toFixed(5)}, ${summary.remaining} left`);
    } finally {
      for (const worker of workers) worker.kill();
    }
  }, 60_000);

  it('stops on SIGTERM or Ctrl-C: hands its queue back, says so, and exits 143 or 130', async () => {
    // One worker per signal, side by side: each is told apart by its own process.
    const cases = [
      ['SIGTERM', 143],
      ['SIGINT', 130],
    ] as const;
    const workers = cases.map(() => startCli(sandbox, ['worker', '--concurrency', '1'], env));
    try {
      await Promise.all(
        cases.map(async ([signal, code], index) => {
          const worker = workers[index]!;
          await worker.waitForStderr(/worker: serving enrich-openai-compatible-/);
          worker.child.kill(signal);
          expect(await worker.exited(30_000), signal).toBe(code);
          expect(worker.stderr()).toContain(`${signal}: stopping; finishing the jobs in hand`);
          expect(worker.stderr()).toMatch(/worker stopped: \d+ job\(s\) done/);
        }),
      );
    } finally {
      for (const worker of workers) worker.kill();
    }
  }, 60_000);
});
