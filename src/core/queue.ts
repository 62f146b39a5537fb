/** The job queue seam: the same job code runs in this process (the embedded default) or on `xivdigest worker` processes through Redis. */

/** One job to add: its id is deterministic (e.g. the text key), so adding it twice runs it once. */
export interface QueueJob<Data> {
  id: string;
  data: Data;
  /** `low`: after every `normal` job of the queue (backfill behind today's digests). Default `normal`. */
  priority?: 'normal' | 'low';
}

/** How a job ended, for the one waiting on it. */
export type JobSettlement<Result> = { id: string; ok: true; value: Result } | { id: string; ok: false; reason: string };

/** What a handler is told about the job it runs. */
export interface JobContext {
  id: string;
  /** 1-based. */
  attempt: number;
}

/**
 * Runs one job. Throwing an XivdigestError with code LLM_RATE_LIMITED (and `details.retryAfterMs`) pauses the whole
 * queue for everyone and puts the job back without using an attempt; a non-retryable XivdigestError fails the job at
 * once; any other error is retried with backoff.
 */
export type JobHandler<Data, Result> = (data: Data, context: JobContext) => Promise<Result>;

export interface ProcessOptions {
  /** Jobs at once in this process. */
  concurrency: number;
  /** Jobs started per window, across every process serving the queue. */
  limiter?: { max: number; durationMs: number };
  /** Jobs at once across every process serving the queue. */
  globalConcurrency?: number;
  /** How long a job's lock lasts without renewal: a dead worker's jobs are taken again after about this long. */
  lockMs?: number;
  /** Attempts per job for errors that may pass (the first included). */
  attempts?: number;
}

/** Counts of one queue, for `status`. */
export interface QueueCounts {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  /** Processes connected to the queue now. */
  workers: number;
  /** True while the queue is paused (a provider's Retry-After, or by hand). */
  paused?: boolean;
}

/** Reads every queue's counts for `status` and /metrics; injected by the composition root, absent when no queue is configured. */
export type QueueCountsReader = () => Promise<QueueCounts[]>;

/**
 * A spending limit shared by every process of the queue (US dollars, counted in nano-dollars): a call reserves its
 * estimated cost before it starts and settles to what it cost after. Reservations of a killed process are never given
 * back, so a crash can only leave money unspent, never overspend.
 */
export interface SharedBudget {
  /** Reserves `estimate` under `key`'s `limit`; false (nothing reserved) when spent plus reserved plus it would pass the limit. */
  reserve(key: string, limit: number, estimate: number): Promise<boolean>;
  /** Replaces a reservation of `estimate` with the `cost` the call had (0 when it made none). */
  settle(key: string, estimate: number, cost: number): Promise<void>;
  /** Spent plus reserved under `key`. */
  committed(key: string): Promise<number>;
}

export interface WaitOptions<Result> {
  onSettled(settlement: JobSettlement<Result>): void;
  signal?: AbortSignal;
  /** Told when no worker serves the queue (with what to start). */
  onProgress?(message: string): void;
}

export interface JobQueue {
  readonly kind: 'in-process' | 'bullmq';
  /** Budgets shared by every process of this queue (llm.budget in queued mode). */
  readonly budget: SharedBudget;
  /** Adds jobs; one whose id is waiting or running is not added twice, one that finished before runs again. Returns how many were added. */
  add<Data>(queue: string, jobs: ReadonlyArray<QueueJob<Data>>): Promise<number>;
  /**
   * Resolves once every job of `ids` has settled, calling `onSettled` for each as it does (or for ones that settled
   * already). On a shared queue it rejects with QUEUE_NO_WORKER when no process has served `queue` for the queue's
   * worker wait (the jobs stay queued), and tells `onProgress` when none has for a while before that.
   */
  wait<Result>(queue: string, ids: readonly string[], options: WaitOptions<Result>): Promise<void>;
  /** Takes jobs of `queue` and runs `handler` on them until `close`. */
  process<Data, Result>(queue: string, handler: JobHandler<Data, Result>, options: ProcessOptions): Promise<void>;
  /** Counts per queue (those named, or every queue this instance knows). */
  counts(queues?: readonly string[]): Promise<QueueCounts[]>;
  /** Stops processing (jobs in hand finish) and closes connections. */
  close(): Promise<void>;
}
