/**
 * "Publish a subscription-day" as a queued job (ADR 0056), through the built CLI with PostgreSQL and Redis: `run`
 * with queue.url enqueues one publish job, a worker writing the files is killed with kill -9 in the middle (its write
 * of the second file is held open on a FIFO), two other workers (one with no LLM provider at all) take the job over,
 * publish and deliver, and the files end byte-identical to those of the in-process run; the subscription-day is
 * published once.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaultWorld, faultDatabase, FAULT_NOW, referenceRun, type FaultSandbox, type FaultWorld } from './helpers/fault-world.js';
import { stderrMatch, until } from './helpers/wait.js';
import { deleteRedisPrefix, postgresAndRedisSkipReason, postgresTestUrl, redisTestUrl } from './helpers/temp-store.js';

const redisUrl = redisTestUrl;
const skipReason = postgresAndRedisSkipReason('publish-job');
const DAY = '2026-11-23';
/** A worker's environment without any LLM provider: it can publish and deliver, not enrich. */
const NO_LLM = { OPENAI_API_KEY: undefined, OPENAI_API_BASE: undefined, OPENAI_API_MODEL: undefined };

describe.skipIf(skipReason !== undefined)('run with queue.url: publishing a subscription-day is a job for the workers', () => {
  let world: FaultWorld;
  let sandbox: FaultSandbox;
  let databaseUrl: string;
  const prefix = `xdtest-publish-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    world = await createFaultWorld({ papers: 2 });
    sandbox = await world.sandbox(
      async (dir) => {
        const database = await faultDatabase('postgres', dir, postgresTestUrl);
        databaseUrl = database.url;
        return database;
      },
      {
        // lockSeconds 1: a killed worker's job is taken again after about two seconds.
        config: { queue: { prefix, lockSeconds: 1 } },
        env: { XIVDIGEST_QUEUE_URL: redisUrl! },
      },
    );
  }, 60_000);

  afterAll(async () => {
    await world?.close();
    await deleteRedisPrefix(prefix);
  });

  it('a worker killed mid-publish is taken over; the files equal the in-process run; the day is published once; workers need no LLM to publish', async () => {
    // The in-process run (no queue.url) writes the files the queued run must match byte for byte; it runs meanwhile.
    const reference = referenceRun(world, (dir) => faultDatabase('sqlite', dir));
    // Asked to enrich with no provider, a worker refuses at once and says what to set.
    const refused = sandbox.run(['worker', '--jobs', 'enrich'], NO_LLM);

    const workers: ChildProcess[] = [];
    try {
      // Worker A enriches and takes the publish job; its write of the second file (.html) opens a FIFO, which holds it
      // there: the .md is written, the rest is not, when it is killed.
      const first = sandbox.start(['worker', '--concurrency', '1']);
      workers.push(first.child);
      await stderrMatch(first.child, /worker: serving enrich-\S+ \(.*\), publish, deliver on/);
      mkdirSync(join(sandbox.out, 'nlp'), { recursive: true });
      execFileSync('mkfifo', [join(sandbox.out, 'nlp', `${DAY}.html.${first.child.pid}.tmp`)]);
      const run = sandbox.start(['run', '--now', FAULT_NOW]);
      await until(() => existsSync(join(sandbox.out, 'nlp', `${DAY}.md`)), 'the first file of the publish job');

      // B has no LLM provider: it says so and publishes and delivers only. C serves every kind. They start while A
      // holds the publish job (the enrich jobs are done, the deliver job comes after it), so that their start-up
      // overlaps A's kill and the expiry of its lock.
      const second = sandbox.start(['worker', '--concurrency', '1'], NO_LLM);
      const third = sandbox.start(['worker', '--concurrency', '1']);
      workers.push(second.child, third.child);
      const ready = Promise.all([
        stderrMatch(second.child, /worker: serving publish, deliver on/),
        stderrMatch(third.child, /worker: serving enrich-\S+ \(.*\), publish, deliver on/),
      ]);
      ready.catch(() => undefined); // awaited below; a failure before then is reported there
      first.child.kill('SIGKILL');
      expect((await first.done).signal).toBe('SIGKILL');
      expect(existsSync(join(sandbox.out, 'nlp', `${DAY}.html`))).toBe(false);
      const [secondStderr] = await ready;
      expect(secondStderr).toMatch(/not taking enrich jobs: .*OPENAI_API_KEY/);

      const result = await run.done;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(new RegExp(`queued the publishing of nlp/${DAY} on queue publish`));
      // Published by B or C (host:pid:random), never by the killed A.
      const by = new RegExp(`published nlp/${DAY} \\(written by [^:]+:(\\d+):`).exec(result.stderr)?.[1];
      expect([String(second.child.pid), String(third.child.pid)]).toContain(by);

      // The files are those of the in-process run, byte for byte; A's FIFO (a dead pid's temporary file) is gone.
      expect(readdirSync(join(sandbox.out, 'nlp')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
      const { files } = await reference;
      expect(Object.keys(files)).toContain(`nlp/${DAY}.md`);
      expect(sandbox.files()).toEqual(files);
      const { code, stderr } = await refused;
      expect(code, stderr).toBe(2);
      expect(stderr).toMatch(/--jobs enrich needs an LLM API provider/);
      expect(stderr).toMatch(/Set OPENAI_API_KEY/);

      // Published once: one completed publish job, none failed, and one record in the store naming this run.
      const [shown, listed] = await Promise.all([sandbox.run(['status', '--json']), sandbox.run(['runs', '--json'])]);
      const status = JSON.parse(shown.stdout) as { queues?: Array<{ queue: string; completed: number; failed: number }> };
      const publish = status.queues?.find((queue) => queue.queue === 'publish');
      expect(publish).toMatchObject({ completed: 1, failed: 0 });
      const runs = JSON.parse(listed.stdout) as Array<{
        id: string;
        status: string;
        report: { deliveries: Array<{ channel: string; status: string; items: number }> };
      }>;
      expect(runs).toHaveLength(1);
      expect(runs[0]!.status).toBe('ok');
      expect(runs[0]!.report.deliveries.map((delivery) => [delivery.channel, delivery.status])).toEqual([
        ['files', 'sent'],
        ['webhook:local', 'sent'],
      ]);
      expect(runs[0]!.report.deliveries[0]!.items).toBe(Object.keys(files).length);
      const schema = new URL(databaseUrl).searchParams.get('schema')!;
      const client = new pg.Client({ connectionString: postgresTestUrl });
      await client.connect();
      try {
        const rows = await client.query<{ key: string; value: { runId: string; by: string } | string }>(
          `select key, value from "${schema}".state where key like 'published:%'`,
        );
        expect(rows.rows.map((row) => row.key)).toEqual([`published:nlp:nlp/${DAY}`]);
        const record = typeof rows.rows[0]!.value === 'string' ? JSON.parse(rows.rows[0]!.value) : rows.rows[0]!.value;
        expect(record.runId).toBe(runs[0]!.id);
        expect(record.by).toMatch(new RegExp(`:${by}:`));
      } finally {
        await client.end();
      }
    } finally {
      for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    }
  }, 60_000);
});
