/** The job queue seam's contract, run against both adapters: in this process, and BullMQ on the Redis of XIVDIGEST_TEST_REDIS_URL. */
import { createHook } from 'node:async_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { XivdigestError } from '../core/errors.js';
import type { JobQueue, JobSettlement } from '../core/queue.js';
import { createBullmqQueue } from './bullmq.js';
import { createInProcessQueue } from './in-process.js';
import { providerQueueName } from './names.js';

const redisUrl = process.env.XIVDIGEST_TEST_REDIS_URL || undefined;
if (!redisUrl) console.info('BullMQ queue contract skipped: XIVDIGEST_TEST_REDIS_URL is unset (a Redis URL, e.g. redis://127.0.0.1:6379)');

let counter = 0;
const adapters: Array<{ name: string; skip: boolean; make(): JobQueue }> = [
  { name: 'in-process', skip: false, make: () => createInProcessQueue() },
  { name: 'bullmq', skip: !redisUrl, make: () => createBullmqQueue({ url: redisUrl!, prefix: `xdqtest-${process.pid}-${Date.now()}-${++counter}` }) },
];

describe.each(adapters)('job queue contract: $name', ({ skip, make }) => {
  const opened: JobQueue[] = [];
  const open = (): JobQueue => {
    const queue = make();
    opened.push(queue);
    return queue;
  };
  afterEach(async () => {
    for (const queue of opened.splice(0)) await queue.close();
  });

  it.skipIf(skip)('spaces job starts on one schedule across every worker of the queue (the limiter)', async () => {
    const queue = open();
    const starts: number[] = [];
    const handler = async (): Promise<number> => (starts.push(Date.now()), 1);
    // Two workers with five slots each: without one shared schedule all ten jobs would start at once.
    for (let index = 0; index < 2; index += 1) await queue.process('paced', handler, { concurrency: 5, lockMs: 5000, limiter: { max: 1, durationMs: 100 } });
    const ids = Array.from({ length: 10 }, (_, index) => `p-${index}`);
    const before = Date.now();
    await queue.add(
      'paced',
      ids.map((id) => ({ id, data: {} })),
    );
    await queue.wait('paced', ids, { onSettled: () => undefined });
    expect(starts).toHaveLength(10);
    // The tenth start is at least nine spacings after the jobs were added, however late any start ran.
    expect(Math.max(...starts) - before).toBeGreaterThanOrEqual(9 * 100 - 5);
  });

  it.skipIf(skip)('reserves a shared budget atomically: what is reserved or spent never passes the limit, and settling replaces the estimate', async () => {
    const queue = open();
    const key = `budget-${Date.now()}`;
    // Ten reservations of $0.3 at once against $1: exactly three fit, whatever their order.
    const answers = await Promise.all(Array.from({ length: 10 }, () => queue.budget.reserve(key, 1, 0.3)));
    expect(answers.filter(Boolean)).toHaveLength(3);
    expect(await queue.budget.committed(key)).toBeCloseTo(0.9, 9);
    // Two calls cost less than estimated, one made no call: room for more again.
    await queue.budget.settle(key, 0.3, 0.1);
    await queue.budget.settle(key, 0.3, 0.1);
    await queue.budget.settle(key, 0.3, 0);
    expect(await queue.budget.committed(key)).toBeCloseTo(0.2, 9);
    expect(await queue.budget.reserve(key, 1, 0.8)).toBe(true);
    expect(await queue.budget.reserve(key, 1, 0.000001)).toBe(false);
  });

  it.skipIf(skip)('runs a job once however often it is added, and reports each settlement to the waiter', async () => {
    const queue = open();
    const runs: string[] = [];
    await queue.add('q', [
      { id: 'a-1', data: { n: 1 } },
      { id: 'a-2', data: { n: 2 } },
    ]);
    expect(await queue.add('q', [{ id: 'a-1', data: { n: 1 } }])).toBe(0);
    await queue.process<{ n: number }, number>('q', async (data, job) => (runs.push(job.id), data.n * 10), { concurrency: 2, lockMs: 5000 });
    const settled: Array<JobSettlement<number>> = [];
    await queue.wait<number>('q', ['a-1', 'a-2'], { onSettled: (settlement) => settled.push(settlement) });
    expect(runs.sort()).toEqual(['a-1', 'a-2']);
    expect(settled.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      { id: 'a-1', ok: true, value: 10 },
      { id: 'a-2', ok: true, value: 20 },
    ]);
    // A job that finished runs again when added again (a rerun retries what failed, the store skips what is done).
    expect(await queue.add('q', [{ id: 'a-1', data: { n: 3 } }])).toBe(1);
    await queue.wait<number>('q', ['a-1'], { onSettled: (settlement) => settled.push(settlement) });
    expect(settled.at(-1)).toEqual({ id: 'a-1', ok: true, value: 30 });
  });

  it.skipIf(skip)('puts a rate-limited job back without using an attempt, and fails a non-retryable one at once', async () => {
    const queue = open();
    const attempts: Record<string, number[]> = {};
    let limitedOnce = false;
    await queue.process<string, string>(
      'q',
      async (data, job) => {
        (attempts[job.id] ??= []).push(job.attempt);
        if (data === 'limited' && !limitedOnce) {
          limitedOnce = true;
          throw new XivdigestError({ code: 'LLM_RATE_LIMITED', message: '429', isRetryable: true, details: { retryAfterMs: 300 } });
        }
        if (data === 'bad-key') throw new XivdigestError({ code: 'LLM_AUTH', message: 'The API refused the key' });
        return data;
      },
      { concurrency: 1, lockMs: 5000 },
    );
    await queue.add('q', [
      { id: 'r-1', data: 'limited' },
      { id: 'r-2', data: 'bad-key' },
    ]);
    const settled: Array<JobSettlement<string>> = [];
    await queue.wait<string>('q', ['r-1', 'r-2'], { onSettled: (settlement) => settled.push(settlement) });
    expect(settled.find((settlement) => settlement.id === 'r-1')).toEqual({ id: 'r-1', ok: true, value: 'limited' });
    expect(attempts['r-1']).toEqual([1, 1]);
    const failed = settled.find((settlement) => settlement.id === 'r-2');
    expect(failed).toMatchObject({ ok: false, reason: expect.stringContaining('The API refused the key') });
    expect(attempts['r-2']).toEqual([1]);
  });

  it.skipIf(skip)('leaves no timer behind once the jobs it waits for settle, so that a command that waited exits at once', async () => {
    const queue = make();
    // The job takes a while, so that the wait is woken by it settling, not finding it settled at its first look.
    await queue.process('t', () => new Promise((resolve) => setTimeout(() => resolve(1), 300)), { concurrency: 1, lockMs: 5000 });
    await queue.add('t', [{ id: 't-1', data: {} }]);
    // Every timer made while waiting and closing, until it fires or is cleared.
    const made = new Map<number, { hasRef(): boolean }>();
    let watching = true;
    const hook = createHook({
      init: (id, type, _trigger, resource) => void (watching && type === 'Timeout' && made.set(id, resource as { hasRef(): boolean })),
      destroy: (id) => void made.delete(id),
    }).enable();
    try {
      await queue.wait('t', ['t-1'], { onSettled: () => undefined });
      // Closed, the queue's own timers (its workers' loops, its connections') are cleared; one the wait left would
      // keep the process up for seconds after its work (a new look's timer did, for 5 s).
      await queue.close();
      watching = false;
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect([...made.values()].filter((timer) => timer.hasRef())).toEqual([]);
    } finally {
      hook.disable();
    }
  });

  it.skipIf(skip)('takes normal jobs before low-priority ones, and counts jobs and workers', async () => {
    const queue = open();
    const order: string[] = [];
    await queue.add('q', [
      { id: 'p-low-1', data: 'low-1', priority: 'low' },
      { id: 'p-low-2', data: 'low-2', priority: 'low' },
      { id: 'p-today', data: 'today' },
    ]);
    const [before] = await queue.counts(['q']);
    expect(before).toMatchObject({ queue: 'q', waiting: 3, active: 0, workers: 0 });
    await queue.process<string, string>('q', async (data) => (order.push(data), data), { concurrency: 1, lockMs: 5000 });
    await queue.wait('q', ['p-low-1', 'p-low-2', 'p-today'], { onSettled: () => undefined });
    expect(order[0]).toBe('today');
    const [after] = await queue.counts(['q']);
    expect(after).toMatchObject({ waiting: 0, active: 0, completed: 3, workers: 1 });
  });
});

describe('provider queue names', () => {
  it('name the provider and endpoint, and hash the key without showing it', () => {
    const name = providerQueueName({ provider: 'openai-compatible', endpoint: 'https://api.openai.com/v1', key: 'sk-secret-123456' });
    expect(name).toMatch(/^enrich-openai-compatible-api\.openai\.com_v1-[0-9a-f]{10}$/);
    expect(name).not.toContain('secret');
    expect(providerQueueName({ provider: 'openai-compatible', endpoint: 'https://api.openai.com/v1', key: 'sk-other' })).not.toBe(name);
  });
});
