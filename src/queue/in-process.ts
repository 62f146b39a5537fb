/**
 * The job queue in this process (the embedded default): jobs run on handlers registered here, in memory, with the same
 * ids, priorities, retries, rate-limit pauses and limiter (starts spaced `durationMs / max` apart, a job holding its
 * slot until its start, as on Redis) as the BullMQ adapter.
 */
import { XivdigestError } from '../core/errors.js';
import type { JobHandler, JobQueue, JobSettlement, ProcessOptions, QueueCounts, QueueJob } from '../core/queue.js';

interface Entry {
  job: QueueJob<unknown>;
  attempt: number;
  state: 'waiting' | 'active' | 'delayed' | 'completed' | 'failed';
  settlement?: JobSettlement<unknown>;
}

interface Line {
  entries: Map<string, Entry>;
  handler?: JobHandler<unknown, unknown>;
  options?: ProcessOptions;
  active: number;
  pausedUntil: number;
  /** The limiter's next free start (ms since the epoch): each start takes it and moves it on by one spacing. */
  nextStart: number;
  timer?: NodeJS.Timeout;
  waiters: Set<(settlement: JobSettlement<unknown>) => void>;
}

/** Creates the in-process queue. Nothing persists: a killed process loses its queue (the store still skips finished work). */
export function createInProcessQueue(): JobQueue {
  const lines = new Map<string, Line>();
  let closed = false;
  const lineOf = (name: string): Line => {
    let line = lines.get(name);
    if (!line) {
      line = { entries: new Map(), active: 0, pausedUntil: 0, nextStart: 0, waiters: new Set() };
      lines.set(name, line);
    }
    return line;
  };

  const settle = (line: Line, entry: Entry, settlement: JobSettlement<unknown>): void => {
    entry.state = settlement.ok ? 'completed' : 'failed';
    entry.settlement = settlement;
    for (const waiter of line.waiters) waiter(settlement);
  };

  const pump = (line: Line): void => {
    if (closed || !line.handler || !line.options) return;
    const now = Date.now();
    if (now < line.pausedUntil) {
      line.timer ??= setTimeout(() => {
        line.timer = undefined;
        pump(line);
      }, line.pausedUntil - now);
      return;
    }
    const limit = Math.min(line.options.concurrency, line.options.globalConcurrency ?? Number.POSITIVE_INFINITY);
    while (line.active < limit) {
      // Normal jobs before low ones, each in the order added.
      let next: Entry | undefined;
      for (const entry of line.entries.values()) {
        if (entry.state !== 'waiting') continue;
        if (!next || (next.job.priority === 'low' && entry.job.priority !== 'low')) next = entry;
        if (next.job.priority !== 'low') break;
      }
      if (!next) return;
      run(line, next);
    }
  };

  const run = (line: Line, entry: Entry): void => {
    entry.state = 'active';
    entry.attempt += 1;
    line.active += 1;
    const attempts = line.options?.attempts ?? 5;
    // The limiter: the job takes the next start on the schedule and holds its slot until then.
    const limiter = line.options?.limiter;
    let delay = 0;
    if (limiter) {
      const spacing = Math.max(1, Math.ceil(limiter.durationMs / limiter.max));
      const now = Date.now();
      const start = Math.max(now, line.nextStart, line.pausedUntil);
      line.nextStart = start + spacing;
      delay = start - now;
    }
    const started = delay > 0 ? new Promise<void>((resolve) => setTimeout(resolve, delay)) : Promise.resolve();
    void started
      .then(() => line.handler!(entry.job.data, { id: entry.job.id, attempt: entry.attempt }))
      .then(
        (value) => {
          line.active -= 1;
          settle(line, entry, { id: entry.job.id, ok: true, value });
          pump(line);
        },
        (error: unknown) => {
          line.active -= 1;
          if (XivdigestError.isInstance(error) && error.code === 'LLM_RATE_LIMITED') {
            // The whole queue waits out Retry-After; the job goes back without using an attempt.
            const ms = typeof error.details.retryAfterMs === 'number' ? error.details.retryAfterMs : 1000;
            line.pausedUntil = Math.max(line.pausedUntil, Date.now() + ms);
            line.nextStart = Math.max(line.nextStart, line.pausedUntil);
            entry.attempt -= 1;
            entry.state = 'waiting';
          } else if ((XivdigestError.isInstance(error) && !error.isRetryable) || entry.attempt >= attempts) {
            settle(line, entry, { id: entry.job.id, ok: false, reason: error instanceof Error ? error.message : String(error) });
          } else {
            entry.state = 'delayed';
            setTimeout(
              () => {
                entry.state = 'waiting';
                pump(line);
              },
              2000 * 2 ** (entry.attempt - 1),
            ).unref();
          }
          pump(line);
        },
      );
  };

  const spent = new Map<string, number>();
  return {
    kind: 'in-process',
    budget: {
      async reserve(key, limit, estimate) {
        const now = spent.get(key) ?? 0;
        if (Math.round((now + estimate) * 1e9) > Math.round(limit * 1e9)) return false;
        spent.set(key, now + estimate);
        return true;
      },
      async settle(key, estimate, cost) {
        spent.set(key, (spent.get(key) ?? 0) - estimate + cost);
      },
      async committed(key) {
        return spent.get(key) ?? 0;
      },
    },
    async add(name, jobs) {
      const line = lineOf(name);
      let added = 0;
      for (const job of jobs) {
        const existing = line.entries.get(job.id);
        if (existing && existing.state !== 'completed' && existing.state !== 'failed') continue;
        line.entries.set(job.id, { job, attempt: 0, state: 'waiting' });
        added += 1;
      }
      pump(line);
      return added;
    },
    async wait(name, ids, options) {
      const line = lineOf(name);
      const pending = new Set(ids);
      await new Promise<void>((resolve, reject) => {
        const onSettled = (settlement: JobSettlement<unknown>): void => {
          if (!pending.delete(settlement.id)) return;
          options.onSettled(settlement as never);
          if (pending.size === 0) finish();
        };
        const onAbort = (): void => {
          line.waiters.delete(onSettled);
          reject(new XivdigestError({ code: 'ABORTED', message: `Stopped waiting; ${pending.size} job(s) left` }));
        };
        const finish = (): void => {
          line.waiters.delete(onSettled);
          options.signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        line.waiters.add(onSettled);
        options.signal?.addEventListener('abort', onAbort, { once: true });
        for (const id of ids) {
          const settlement = line.entries.get(id)?.settlement;
          if (settlement) onSettled(settlement);
        }
        if (pending.size === 0) finish();
      });
    },
    async process(name, handler, options) {
      const line = lineOf(name);
      line.handler = handler as JobHandler<unknown, unknown>;
      line.options = options;
      pump(line);
    },
    async counts(names) {
      return (names ?? [...lines.keys()]).map((name): QueueCounts => {
        const line = lineOf(name);
        const count = (state: Entry['state']) => [...line.entries.values()].filter((entry) => entry.state === state).length;
        return {
          queue: name,
          waiting: count('waiting'),
          active: count('active'),
          delayed: count('delayed'),
          failed: count('failed'),
          completed: count('completed'),
          workers: line.handler ? 1 : 0,
        };
      });
    },
    async close() {
      closed = true;
      for (const line of lines.values()) if (line.timer) clearTimeout(line.timer);
    },
  };
}
