/**
 * `run` with queue.url and no worker to take its jobs (queue.workerWaitSeconds): through the built CLI with PostgreSQL
 * and Redis. With no worker at all, `run` says so and stops waiting for its enrich jobs (EX_TEMPFAIL, the watermark
 * unmoved); with a worker that only enriches, it stops waiting for the publish and deliver jobs (exit 8), naming what
 * to start; a publishing worker started afterwards writes the queued files and posts the webhook by itself, and the
 * next run finds them done (the webhook not posted twice).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaultWorld, faultDatabase, FAULT_NOW, type FaultSandbox, type FaultWorld } from './helpers/fault-world.js';
import { stderrMatch, until } from './helpers/wait.js';
import { deleteRedisPrefix, postgresAndRedisSkipReason, postgresTestUrl, redisTestUrl } from './helpers/temp-store.js';

const redisUrl = redisTestUrl;
const skipReason = postgresAndRedisSkipReason('queue-no-worker');
const DAY = '2026-11-23';

describe.skipIf(skipReason !== undefined)('run with queue.url and no worker serving its jobs', () => {
  let world: FaultWorld;
  let sandbox: FaultSandbox;
  const prefix = `xdtest-noworker-${process.pid}-${Date.now()}`;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    world = await createFaultWorld({ papers: 2 });
    sandbox = await world.sandbox((dir) => faultDatabase('postgres', dir, postgresTestUrl), {
      // workerWaitSeconds 1: each wait for a missing worker costs a second (the worker that is there is seen at once).
      config: { queue: { prefix, lockSeconds: 1, workerWaitSeconds: 1 } },
      env: { XIVDIGEST_QUEUE_URL: redisUrl! },
    });
  }, 60_000);

  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await sandbox?.cleanup();
    await world?.close();
    await deleteRedisPrefix(prefix);
  });

  it('stops waiting with a hint, keeps the jobs queued, and a worker started later finishes them', async () => {
    // 1. No worker at all: the enrich jobs wait; run says what to start and exits 75, the day still to do.
    const alone = await sandbox.run(['run', '--now', FAULT_NOW]);
    expect(alone.code, alone.stderr).toBe(75);
    expect(alone.stderr).toMatch(/no worker is serving queue enrich-\S+ \(2 job\(s\) waiting\): start `xivdigest worker`/);
    expect(alone.stderr).toMatch(/No worker served queue enrich-\S+ for 1 s; its 2 job\(s\) stay queued at redis:\/\/127\.0\.0\.1:6379/);
    expect(alone.stderr).toMatch(/queue\.workerWaitSeconds/);
    expect(existsSync(join(sandbox.out, 'nlp', `${DAY}.md`))).toBe(false);

    // 2. A worker that only enriches: the papers are translated, the publish and deliver jobs wait for nobody; run
    //    exits 8 (a rerun retries), the files and the webhook reported failed with what to start, nothing sent.
    const enricher = sandbox.start(['worker', '--jobs', 'enrich', '--concurrency', '2']);
    workers.push(enricher.child);
    await stderrMatch(enricher.child, /worker: serving enrich-\S+ \(.*\) on/);
    const partial = await sandbox.run(['run', '--now', FAULT_NOW]);
    expect(partial.code, partial.stderr).toBe(8);
    expect(partial.stderr).toMatch(/no worker is serving queue publish \(1 job\(s\) waiting\)/);
    expect(partial.stderr).toMatch(/files: failed: No worker served queue publish for 1 s; its 1 job\(s\) stay queued .*; start .*must include publish\)/);
    expect(partial.stderr).toMatch(/webhook:local: failed: No worker served queue deliver for 1 s/);
    expect(existsSync(join(sandbox.out, 'nlp', `${DAY}.md`))).toBe(false);
    expect(world.hooks.posts).toHaveLength(0);

    // 3. A publishing worker started now takes the queued jobs by itself: the files appear and the webhook is posted
    //    with no run waiting.
    const publisher = sandbox.start(['worker', '--jobs', 'publish,deliver', '--concurrency', '1']);
    workers.push(publisher.child);
    await until(() => existsSync(join(sandbox.out, 'nlp', `${DAY}.md`)), 'the files of the queued publish job');
    await until(() => world.hooks.posts.length >= 1, 'the queued webhook delivery');

    // 4. The next run has no new paper: it publishes the stored digest again and finds the webhook sent (not twice).
    const done = await sandbox.run(['run', '--now', FAULT_NOW]);
    expect(done.code, done.stderr).toBe(0);
    const listed = await sandbox.run(['runs', '--json']);
    const runs = JSON.parse(listed.stdout) as Array<{ status: string; report: { deliveries: Array<{ channel: string; status: string }> } }>;
    expect(runs.map((run) => run.status).sort()).toEqual(['failed', 'nothing', 'partial']);
    const last = runs.find((run) => run.status === 'nothing')!;
    expect(last.report.deliveries.map((delivery) => [delivery.channel, delivery.status])).toEqual([
      ['files', 'sent'],
      ['webhook:local', 'skipped'],
    ]);
    expect(world.hooks.posts).toHaveLength(1);
  }, 240_000);
});
