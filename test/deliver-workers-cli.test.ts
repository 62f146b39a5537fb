/**
 * "Deliver to a channel" as a queued job (ADR 0053), through the built CLI with PostgreSQL and Redis: `run` with
 * queue.url enqueues one deliver job per subscription-day × channel, `worker` processes deliver to a local webhook
 * receiver, a worker killed with kill -9 mid-post is taken over, and every post of a delivery carries one key.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaultWorld, faultDatabase, FAULT_NOW, type FaultSandbox, type FaultWorld } from './helpers/fault-world.js';
import { stderrMatch, until } from './helpers/wait.js';
import { deleteRedisPrefix, postgresAndRedisSkipReason, postgresTestUrl, redisTestUrl } from './helpers/temp-store.js';

const redisUrl = redisTestUrl;
const skipReason = postgresAndRedisSkipReason('deliver-job');

const CHANNELS = 2;
/** The receiver holds the first post this long: the worker sending it is killed meanwhile. */
const SLOW_FIRST_MS = 8000;

describe.skipIf(skipReason !== undefined)('run with queue.url: deliveries are jobs for the workers', () => {
  let world: FaultWorld;
  let sandbox: FaultSandbox;
  let posts = 0;
  const prefix = `xdtest-deliver-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    world = await createFaultWorld({ papers: 3, hookDelayMs: () => (posts++ === 0 ? SLOW_FIRST_MS : 0) });
    sandbox = await world.sandbox((dir) => faultDatabase('postgres', dir, postgresTestUrl), {
      // lockSeconds 1: a killed worker's job is taken again after about two seconds.
      config: { queue: { prefix, lockSeconds: 1 } },
      env: { XIVDIGEST_QUEUE_URL: redisUrl! },
      channels: CHANNELS,
    });
  }, 60_000);

  afterAll(async () => {
    await world?.close();
    await deleteRedisPrefix(prefix);
  });

  it('enqueues one job per channel; a worker killed mid-post is taken over; each delivery keeps one Idempotency-Key', async () => {
    const workers: ChildProcess[] = [];
    const startWorker = async () => {
      const worker = sandbox.start(['worker', '--concurrency', '1']);
      workers.push(worker.child);
      await stderrMatch(worker.child, /worker: serving enrich-\S+ \(.*\), publish, deliver on/);
      return worker;
    };
    try {
      // One worker first: it enriches, then takes the first delivery, whose post the receiver holds.
      const first = await startWorker();
      const run = sandbox.start(['run', '--now', FAULT_NOW]);
      await until(() => world.hooks.posts.length >= 1, 'the first webhook post', 60_000);
      first.child.kill('SIGKILL');
      expect((await first.done).signal).toBe('SIGKILL');
      expect(world.hooks.posts[0]!.answered).toBe(false);

      // Two workers deliver the rest: the waiting job at once, the dead worker's once its lock expires.
      await Promise.all([startWorker(), startWorker()]);
      const result = await run.done;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/queued 2 delivery job\(s\) on queue deliver/);

      // Every channel got the digest; all posts of one channel carry one key, and the keys are channels × days.
      const byChannel = new Map<string, Set<string>>();
      for (const post of world.hooks.posts) {
        const channel = post.url.includes('channel=2') ? 'local-2' : 'local';
        const key = String(post.headers['idempotency-key'] ?? '');
        expect(key).toMatch(/^xivdigest-[0-9a-f]{32}$/);
        byChannel.set(channel, (byChannel.get(channel) ?? new Set()).add(key));
      }
      expect([...byChannel.keys()].sort()).toEqual(['local', 'local-2']);
      for (const keys of byChannel.values()) expect(keys.size).toBe(1);
      expect(new Set(world.hooks.posts.map((post) => post.headers['idempotency-key'])).size).toBe(CHANNELS * 1);
      // The killed post was sent again with its key; the other channel's once.
      expect(world.hooks.posts.length).toBe(CHANNELS + 1);
      const killedKey = world.hooks.posts[0]!.headers['idempotency-key'];
      expect(world.hooks.posts.filter((post) => post.headers['idempotency-key'] === killedKey)).toHaveLength(2);

      // The run's report has the workers' outcome: both sent, the one cut off flagged as possibly duplicated.
      const runs = JSON.parse((await sandbox.run(['runs', '--json'])).stdout) as Array<{
        status: string;
        report: { deliveries: Array<{ channel: string; status: string; deliveryKey?: string; possiblyDuplicated?: boolean }> };
      }>;
      expect(runs).toHaveLength(1);
      expect(runs[0]!.status).toBe('ok');
      const deliveries = runs[0]!.report.deliveries.filter((delivery) => delivery.channel !== 'files');
      expect(deliveries.map((delivery) => [delivery.channel, delivery.status]).sort()).toEqual([
        ['webhook:local', 'sent'],
        ['webhook:local-2', 'sent'],
      ]);
      expect(deliveries.filter((delivery) => delivery.possiblyDuplicated)).toHaveLength(1);
      expect(runs[0]!.report.deliveries.find((delivery) => delivery.channel === 'files')?.status).toBe('sent');
      expect(Object.keys(sandbox.files()).some((name) => name.startsWith('nlp/2026-11-23.'))).toBe(true);

      // A second run publishes the last digest again: the same jobs run again and find them sent, so nothing is posted.
      const again = await sandbox.run(['run', '--now', FAULT_NOW]);
      expect(again.code, again.stderr).toBe(0);
      expect(world.hooks.posts.length).toBe(CHANNELS + 1);
      const rerun = JSON.parse((await sandbox.run(['runs', '--json'])).stdout) as Array<{ report: { deliveries: Array<{ channel: string; status: string }> } }>;
      const latest = rerun.find((item) => item.report.deliveries.some((delivery) => delivery.status === 'skipped'));
      expect(latest?.report.deliveries.filter((delivery) => delivery.status === 'skipped')).toHaveLength(CHANNELS);

      // `status` shows the deliver queue with its jobs and the live workers.
      const status = await sandbox.run(['status', '--json']);
      expect(status.stdout, status.stderr).not.toBe('');
      const shown = JSON.parse(status.stdout) as { queues?: Array<{ queue: string; completed: number; failed: number; workers: number }> };
      const deliver = shown.queues?.find((queue) => queue.queue === 'deliver');
      expect(deliver, status.stdout).toBeDefined();
      expect(deliver!.completed).toBe(CHANNELS);
      expect(deliver!.failed).toBe(0);
      expect(deliver!.workers).toBe(2);
      const text = await sandbox.run(['status']);
      expect(text.stdout).toMatch(/deliver: 0 waiting, 0 active, 0 delayed, 0 failed, 2 worker\(s\)/);
    } finally {
      for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    }
  }, 120_000);
});
