/** The job queue on Redis through BullMQ: the same jobs on any number of `xivdigest worker` processes, one rate limit per queue for all of them. */
import { Queue, QueueEvents, RateLimitError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { XivdigestError } from '../core/errors.js';
import type { JobHandler, JobQueue, JobSettlement, ProcessOptions, QueueCounts, QueueJob, WaitOptions } from '../core/queue.js';
import { redactUrl } from '../core/redact.js';

export interface BullmqQueueOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). */
  url: string;
  /** Prefix of every Redis key, so that several installations (or tests) share one Redis. Default `xivdigest`. */
  prefix?: string;
  /**
   * How long a waiter waits while no process serves the queue before it gives up (QUEUE_NO_WORKER; the jobs stay
   * queued). 0 or unset: forever.
   */
  workerWaitMs?: number;
}

/** BullMQ's priority for `low` jobs: jobs without a priority are taken before every prioritized one. */
const LOW_PRIORITY = 10;
/** Completed jobs are kept a while, so that a waiter that missed the event still finds the result. */
const KEEP_COMPLETED = { age: 24 * 3600, count: 200_000 };
const KEEP_FAILED = { age: 7 * 24 * 3600, count: 100_000 };
/** How often a waiter looks at the jobs it has not heard of (events can be missed across a reconnect). */
const RECONCILE_MS = 5_000;
/** A waiter says that no worker serves its queue after this long without one (then gives up after `workerWaitMs`). */
const NO_WORKER_NOTICE_MS = 15_000;
/**
 * BullMQ's limiter, given to every worker only so that `rateLimit` (a 429's Retry-After) pauses the queue for all of
 * them: BullMQ honours that pause only on a queue with a limiter. The count never binds; pacing is PACE_SCRIPT's.
 */
const PAUSE_ONLY_LIMITER = { max: 2 ** 31, duration: 1000 };
/**
 * Reserves the next start on the queue's shared schedule (one start every ARGV[1] ms, on Redis' clock, across every
 * worker) and returns how many ms to wait for it. ARGV[2] > 0 pushes the schedule to now + ARGV[2] first (Retry-After).
 * BullMQ's own limiter at this spacing (max 1 per 17 ms for 3,600/min) leaves a worker's other slots empty until one of
 * its jobs ends whenever a fetch finds the window spent, which cost a third of the throughput (decision 0047).
 */
const PACE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local spacing = tonumber(ARGV[1])
local pause = tonumber(ARGV[2])
local nextAt = tonumber(redis.call('GET', KEYS[1]) or '0')
if pause > 0 then
  nextAt = math.max(nextAt, now + pause)
  redis.call('SET', KEYS[1], nextAt, 'PX', pause + 60000)
  return 0
end
local at = math.max(now, nextAt)
redis.call('SET', KEYS[1], at + spacing, 'PX', at + spacing - now + 60000)
return at - now
`;

/** Nano-dollars: budgets are whole numbers on Redis (INCRBY is exact where INCRBYFLOAT rounds). */
const NANO = 1e9;
/** Budgets live a week after their last use (a run's budget key is its own). */
const BUDGET_TTL_S = 7 * 24 * 3600;
/** Reserves ARGV[2] under the limit ARGV[1] (nano-dollars): 1 when it fits, else 0 and nothing reserved. */
const RESERVE_SCRIPT = `
local committed = tonumber(redis.call('GET', KEYS[1]) or '0')
local estimate = tonumber(ARGV[2])
if committed + estimate > tonumber(ARGV[1]) then return 0 end
redis.call('INCRBY', KEYS[1], estimate)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** Creates the BullMQ queue; nothing connects until it is used. Errors name the URL without its password. */
export function createBullmqQueue(options: BullmqQueueOptions): JobQueue {
  const prefix = options.prefix ?? 'xivdigest';
  const where = redactUrl(options.url);
  const connections: Redis[] = [];
  const queues = new Map<string, Queue>();
  const workers: Worker[] = [];
  const listeners: QueueEvents[] = [];

  const connect = (): Redis => {
    let redis: Redis;
    try {
      redis = new Redis(options.url, { maxRetriesPerRequest: null, lazyConnect: false });
    } catch (error) {
      throw new XivdigestError({
        code: 'CONFIG_INVALID',
        message: `queue.url ${where} is not a Redis URL: ${error instanceof Error ? error.message : String(error)}`,
        hint: 'Write it as redis://host:6379 (or rediss:// for TLS)',
      });
    }
    // ioredis reconnects by itself; its error events would otherwise crash the process. The message names no password.
    redis.on('error', () => undefined);
    connections.push(redis);
    return redis;
  };
  let shared: Redis | undefined;
  const queueOf = (name: string): Queue => {
    let queue = queues.get(name);
    if (!queue) {
      shared ??= connect();
      queue = new Queue(name, { connection: shared, prefix });
      queue.on('error', () => undefined);
      queues.set(name, queue);
    }
    return queue;
  };
  const unreachable = (error: unknown): XivdigestError =>
    XivdigestError.isInstance(error)
      ? error
      : new XivdigestError({
          code: 'QUEUE_UNAVAILABLE',
          message: `The job queue at ${where} failed: ${redactMessage(error, options.url)}`,
          hint: 'Check that Redis is running and that queue.url (or XIVDIGEST_QUEUE_URL) names it',
          isRetryable: true,
          cause: error,
        });

  /**
   * A waiter's watch on the queue's workers (BullMQ names their connections, CLIENT LIST counts them): it tells
   * `onProgress` once after NO_WORKER_NOTICE_MS without any, and gives up after `workerWaitMs` without any, so that a
   * `run` with no worker started says so instead of waiting forever. The queue counts as served while a worker is
   * connected, a job of it is active, or one of the waiter's jobs settled since the last look (a Redis that refuses
   * CLIENT SETNAME leaves workers unnamed, and one that refuses CLIENT LIST counts as served).
   */
  const watchWorkers = (queue: Queue, name: string, onProgress?: (message: string) => void) => {
    const giveUpMs = options.workerWaitMs ?? 0;
    let since: number | undefined;
    let told = false;
    // Unknown before the first look, which therefore sees no job settle (with +∞ here it counted as served, and the
    // first notice came a whole RECONCILE_MS late).
    let lastPending: number | undefined;
    const kind = name === 'publish' || name === 'deliver' ? name : 'enrich';
    const start =
      `\`xivdigest worker\` with the same queue.url and queue.prefix (its --jobs, if given, must include ${kind}` +
      `${kind === 'enrich' ? ', and it needs the same LLM provider account' : ''})`;
    return {
      async check(pending: number): Promise<void> {
        const settled = lastPending !== undefined && pending < lastPending;
        lastPending = pending;
        const served = settled || (await queue.getWorkersCount().catch(() => 1)) > 0 || (await queue.getActiveCount()) > 0;
        if (served) {
          since = undefined;
          return;
        }
        const now = Date.now();
        since ??= now;
        const idleMs = now - since;
        if (!told && idleMs >= Math.min(NO_WORKER_NOTICE_MS, giveUpMs || NO_WORKER_NOTICE_MS)) {
          told = true;
          const limit = giveUpMs > 0 ? `; waiting up to ${formatSeconds(giveUpMs)} (queue.workerWaitSeconds)` : '';
          onProgress?.(`no worker is serving queue ${name} (${pending} job(s) waiting): start ${start}${limit}`);
        }
        if (giveUpMs > 0 && idleMs >= giveUpMs)
          throw new XivdigestError({
            code: 'QUEUE_NO_WORKER',
            message: `No worker served queue ${name} for ${formatSeconds(giveUpMs)}; its ${pending} job(s) stay queued at ${where} and run once a worker starts`,
            hint: `Start ${start}, then run again to collect what they did (or raise queue.workerWaitSeconds; 0 waits forever)`,
            isRetryable: true,
            details: { queue: name, pending, start },
          });
      },
      /** The next look: sooner than RECONCILE_MS when the limit ends first. */
      nextLookMs(): number {
        if (since === undefined || giveUpMs === 0) return RECONCILE_MS;
        return Math.max(50, Math.min(RECONCILE_MS, since + giveUpMs - Date.now()));
      },
    };
  };

  /** Every queue under the prefix (each has a `meta` hash), found with SCAN. */
  const queueNames = async (): Promise<string[]> => {
    shared ??= connect();
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await shared.scan(cursor, 'MATCH', `${prefix}:*:meta`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) found.add(key.slice(prefix.length + 1, -':meta'.length));
    } while (cursor !== '0');
    return [...found].sort();
  };

  const budgetKey = (key: string): string => `${prefix}:budget:${key}`;
  const nano = (usd: number): number => Math.round(usd * NANO);
  return {
    kind: 'bullmq',

    budget: {
      async reserve(key, limit, estimate) {
        shared ??= connect();
        try {
          return Number(await shared.eval(RESERVE_SCRIPT, 1, budgetKey(key), nano(limit), nano(estimate), BUDGET_TTL_S)) === 1;
        } catch (error) {
          throw unreachable(error);
        }
      },
      async settle(key, estimate, cost) {
        shared ??= connect();
        const change = nano(cost) - nano(estimate);
        try {
          if (change !== 0) await shared.incrby(budgetKey(key), change);
        } catch (error) {
          throw unreachable(error);
        }
      },
      async committed(key) {
        shared ??= connect();
        try {
          return Number((await shared.get(budgetKey(key))) ?? 0) / NANO;
        } catch (error) {
          throw unreachable(error);
        }
      },
    },

    async add(name, jobs) {
      if (jobs.length === 0) return 0;
      const queue = queueOf(name);
      try {
        const client = shared!;
        // A job that finished before (completed or failed) keeps its id; remove it, so that adding runs it again.
        const finished: string[] = [];
        // Jobs waiting or running already: adding them again is a no-op, and they are not counted as added.
        const queued = new Set<string>();
        for (let start = 0; start < jobs.length; start += 5000) {
          const chunk = jobs.slice(start, start + 5000);
          const pipeline = client.pipeline();
          for (const job of chunk) {
            pipeline.zscore(queue.keys.completed!, job.id);
            pipeline.zscore(queue.keys.failed!, job.id);
            pipeline.exists(queue.toKey(job.id));
          }
          const answers = (await pipeline.exec()) ?? [];
          chunk.forEach((job, index) => {
            if (answers[3 * index]?.[1] !== null || answers[3 * index + 1]?.[1] !== null) finished.push(job.id);
            else if (answers[3 * index + 2]?.[1] === 1) queued.add(job.id);
          });
        }
        for (const id of finished) await queue.remove(id);
        let added = 0;
        for (let start = 0; start < jobs.length; start += 1000) {
          const chunk = jobs.slice(start, start + 1000);
          const made = await queue.addBulk(
            chunk.map((job: QueueJob<unknown>) => ({
              name: name,
              data: job.data,
              opts: {
                jobId: job.id,
                ...(job.priority === 'low' ? { priority: LOW_PRIORITY } : {}),
                attempts: 5,
                backoff: { type: 'exponential', delay: 2000 },
                removeOnComplete: KEEP_COMPLETED,
                removeOnFail: KEEP_FAILED,
              },
            })),
          );
          added += made.filter((job) => job.id !== undefined && !queued.has(job.id)).length;
        }
        return added;
      } catch (error) {
        throw unreachable(error);
      }
    },

    async wait<Result>(name: string, ids: readonly string[], waitOptions: WaitOptions<Result>) {
      const pending = new Set(ids);
      if (pending.size === 0) return;
      const queue = queueOf(name);
      // Events from the stream's present end on: none between this look and the listener's start is missed.
      let lastEventId: string;
      try {
        shared ??= connect();
        const tail = await shared.xrevrange(queue.keys.events!, '+', '-', 'COUNT', 1);
        lastEventId = tail[0]?.[0] ?? '0-0';
      } catch (error) {
        throw unreachable(error);
      }
      const events = new QueueEvents(name, { connection: connect(), prefix, autorun: false, lastEventId });
      events.on('error', () => undefined);
      listeners.push(events);
      let wake: (() => void) | undefined;
      const settle = (settlement: JobSettlement<Result>): void => {
        if (!pending.delete(settlement.id)) return;
        waitOptions.onSettled(settlement);
        if (pending.size === 0) wake?.();
      };
      events.on('completed', ({ jobId, returnvalue }) => settle({ id: jobId, ok: true, value: parseValue(returnvalue) as Result }));
      // `failed` comes for the last attempt only; earlier ones are `retries-exhausted`-free retries (delayed).
      events.on('failed', ({ jobId, failedReason }) => {
        void queue.getJobState(jobId).then((state) => {
          if (state === 'failed') settle({ id: jobId, ok: false, reason: failedReason });
        });
      });
      void events.run().catch(() => undefined);
      try {
        await events.waitUntilReady();
        // Jobs that settled before the listener started are found by looking at each.
        await reconcile(shared!, queue, pending, settle);
        const idle = watchWorkers(queue, name, waitOptions.onProgress);
        while (pending.size > 0) {
          if (waitOptions.signal?.aborted)
            throw new XivdigestError({ code: 'ABORTED', message: `Stopped waiting; ${pending.size} job(s) stay queued and run on the workers` });
          await idle.check(pending.size);
          // The next look, or sooner: the last job settling, or an abort. Whichever comes first clears the others, so
          // that no timer outlives the wait (a left one kept the process alive for RECONCILE_MS after a run ended).
          let timer: NodeJS.Timeout | undefined;
          let onAbort: (() => void) | undefined;
          await new Promise<void>((resolve) => {
            wake = resolve;
            timer = setTimeout(resolve, idle.nextLookMs());
            onAbort = () => resolve();
            waitOptions.signal?.addEventListener('abort', onAbort, { once: true });
          }).finally(() => {
            wake = undefined;
            clearTimeout(timer);
            if (onAbort) waitOptions.signal?.removeEventListener('abort', onAbort);
          });
          if (pending.size > 0) await reconcile(shared!, queue, pending, settle);
        }
      } catch (error) {
        throw unreachable(error);
      } finally {
        await events.close().catch(() => undefined);
      }
    },

    async process<Data, Result>(name: string, handler: JobHandler<Data, Result>, processOptions: ProcessOptions) {
      const queue = queueOf(name);
      try {
        if (processOptions.globalConcurrency !== undefined) await queue.setGlobalConcurrency(processOptions.globalConcurrency);
      } catch (error) {
        throw unreachable(error);
      }
      const lockDuration = processOptions.lockMs ?? 30_000;
      const paceKey = `${prefix}:${name}:pace`;
      const spacing = processOptions.limiter ? Math.max(1, Math.ceil(processOptions.limiter.durationMs / processOptions.limiter.max)) : 0;
      shared ??= connect();
      const pacer = shared;
      const worker: Worker = new Worker(
        name,
        async (job: Job) => {
          try {
            if (spacing > 0) {
              const waitMs = Number(await pacer.eval(PACE_SCRIPT, 1, paceKey, spacing, 0));
              if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
            }
            return await handler(job.data as Data, { id: job.id ?? '', attempt: job.attemptsMade + 1 });
          } catch (error) {
            if (XivdigestError.isInstance(error) && error.code === 'LLM_RATE_LIMITED') {
              // Retry-After speaks for the account: no worker of this queue takes a job before it passes (RFC 9110 §10.2.3).
              const ms = typeof error.details.retryAfterMs === 'number' ? error.details.retryAfterMs : 1000;
              await pacer.eval(PACE_SCRIPT, 1, paceKey, spacing, Math.max(1, Math.round(ms))).catch(() => undefined);
              await worker.rateLimit(Math.max(1, ms));
              throw new RateLimitError();
            }
            if (XivdigestError.isInstance(error) && !error.isRetryable) throw new UnrecoverableError(`${error.code}: ${error.message}`);
            throw error;
          }
        },
        {
          connection: connect(),
          prefix,
          concurrency: processOptions.concurrency,
          limiter: PAUSE_ONLY_LIMITER,
          lockDuration,
          // A dead worker's jobs go back to the queue after at most lockDuration + stalledInterval.
          stalledInterval: lockDuration,
          maxStalledCount: 5,
          autorun: false,
        },
      );
      worker.on('error', () => undefined);
      workers.push(worker);
      void worker.run().catch(() => undefined);
      try {
        await worker.waitUntilReady();
      } catch (error) {
        throw unreachable(error);
      }
    },

    async counts(names) {
      try {
        const list = names ?? (await queueNames());
        return await Promise.all(
          list.map(async (name): Promise<QueueCounts> => {
            const queue = queueOf(name);
            const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed');
            return {
              queue: name,
              waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
              active: counts.active ?? 0,
              delayed: counts.delayed ?? 0,
              failed: counts.failed ?? 0,
              completed: counts.completed ?? 0,
              workers: await queue.getWorkersCount(),
            };
          }),
        );
      } catch (error) {
        throw unreachable(error);
      }
    },

    async close() {
      await Promise.all(workers.map((worker) => worker.close().catch(() => undefined)));
      await Promise.all(listeners.map((events) => events.close().catch(() => undefined)));
      await Promise.all([...queues.values()].map((queue) => queue.close().catch(() => undefined)));
      for (const connection of connections) connection.disconnect();
    },
  };
}

/** Looks at each pending job (pipelined): finished ones are settled, removed ones count as completed without a value. */
async function reconcile<Result>(client: Redis, queue: Queue, pending: Set<string>, settle: (settlement: JobSettlement<Result>) => void): Promise<void> {
  const ids = [...pending];
  for (let start = 0; start < ids.length; start += 5000) {
    const chunk = ids.slice(start, start + 5000);
    const pipeline = client.pipeline();
    for (const id of chunk) pipeline.hmget(`${queue.toKey(id)}`, 'finishedOn', 'returnvalue', 'failedReason', 'timestamp');
    pipeline.zrange(queue.keys.failed!, 0, -1);
    const answers = (await pipeline.exec()) ?? [];
    const failed = new Set((answers[chunk.length]?.[1] as string[] | undefined) ?? []);
    chunk.forEach((id, index) => {
      const [finishedOn, returnvalue, failedReason, timestamp] = (answers[index]?.[1] as Array<string | null> | undefined) ?? [];
      if (timestamp === null && finishedOn === null) settle({ id, ok: true, value: undefined as Result });
      else if (finishedOn && failed.has(id)) settle({ id, ok: false, reason: failedReason ?? 'failed' });
      else if (finishedOn) settle({ id, ok: true, value: parseValue(returnvalue ?? 'null') as Result });
    });
  }
}

function parseValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function redactMessage(error: unknown, url: string): string {
  const text = error instanceof Error ? error.message : String(error);
  const password = (() => {
    try {
      return decodeURIComponent(new URL(url).password);
    } catch {
      return '';
    }
  })();
  return password ? text.split(password).join('***') : text;
}

/** 600000 ms as "10 min", 90000 as "90 s". */
function formatSeconds(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds >= 120 && seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}
