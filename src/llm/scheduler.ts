/** Runs LLM calls with bounded, adaptive concurrency: RPM and TPM pacing, AIMD and a pause for everyone on rate limits, retries with backoff and full jitter. */
import { XivdigestError, type XivdigestErrorCode } from '../core/errors.js';
import type { LlmResult } from '../core/llm.js';

export interface CallSchedulerOptions {
  /** Calls at once at the start, and the most there will ever be. */
  concurrency: number;
  /** The floor that rate limits may lower concurrency to. Default 1. */
  minConcurrency?: number;
  /** Requests per minute: calls start evenly spaced, 60 000 / rpm ms apart. */
  rpm?: number;
  /** Calls that may start back to back after a quiet spell. Default 1. */
  rpmBurst?: number;
  /** Tokens (input plus output) per minute, paced by each call's estimate and corrected by the usage it reports. */
  tpm?: number;
  /** Tokens that may go at once after a quiet spell. Default one second's worth (tpm / 60). */
  tpmBurst?: number;
  /** Attempts per call, the first one included. Default 4. */
  maxAttempts?: number;
  /** Retry n waits a random time in [0, min(maxDelayMs, baseDelayMs × 2^(n-1))]: exponential backoff with full jitter. Default 1000. */
  baseDelayMs?: number;
  /** Default 60 000. */
  maxDelayMs?: number;
  /** Stops the scheduler: queued calls reject with ABORTED, running ones get the signal. */
  signal?: AbortSignal;
  /** Uniform in [0, 1), for the jitter. Default Math.random. */
  random?: () => number;
  /**
   * The circuit breaker: after this many connection failures in a row (see {@link isConnectionFailure}; any other
   * outcome resets the count), the scheduler stops itself with LLM_UNAVAILABLE instead of retrying every call against
   * an API that is not there. Default: no breaker.
   */
  connectionFailuresToStop?: number;
  onEvent?(event: CallSchedulerEvent): void;
}

/** What the scheduler did, for progress output. */
export type CallSchedulerEvent =
  | { type: 'call-retrying'; label: string | undefined; attempt: number; delayMs: number; error: XivdigestError }
  | { type: 'concurrency-lowered'; from: number; to: number; label: string | undefined }
  | { type: 'concurrency-raised'; from: number; to: number }
  | { type: 'calls-paused'; ms: number; reason: 'retry-after' | 'rate-limit-backoff' | 'rate-limit-headers'; label: string | undefined }
  /** The breaker opened: `error` is what the scheduler stops with (and what its queued calls reject with). */
  | { type: 'circuit-opened'; failures: number; error: XivdigestError };

/** What a call's result says about the API's limits, read by `feedback`. */
export interface CallFeedback {
  /** Tokens the call used: corrects the TPM estimate. */
  totalTokens?: number;
  /** The API's remaining headroom (x-ratelimit-* headers). */
  rateLimit?: LlmResult['rateLimit'];
}

export interface CallOptions<T> {
  /** Names the call in events, e.g. the paper id. */
  label?: string;
  /** Estimated tokens (input plus output) for TPM pacing. Default 0. */
  tokens?: number;
  /** Reads the facts the scheduler adapts to from a result. */
  feedback?(result: T): CallFeedback;
}

/** What a task is told: which attempt this is (1-based) and the signal to abort on. */
export interface TaskContext {
  attempt: number;
  signal: AbortSignal | undefined;
}

export interface CallSchedulerStats {
  /** Attempts started (retries included). */
  started: number;
  retries: number;
  /** Attempts that met LLM_RATE_LIMITED. */
  rateLimited: number;
  /** The concurrency limit now. */
  limit: number;
  /** The lowest the limit went. */
  lowestLimit: number;
  active: number;
  /** The most calls that ran at once. */
  maxActive: number;
  queued: number;
}

export interface CallScheduler {
  /** Runs `task` when a slot, the pacing and any pause allow; retries it on retryable errors. Rejects with the last error. */
  run<T>(task: (context: TaskContext) => Promise<T>, options?: CallOptions<T>): Promise<T>;
  /**
   * Starts nothing more: queued calls and calls waiting to retry reject with `reason`, and so do later `run`s. Calls
   * already running finish; if one of them fails in a way that would be retried, it rejects with `reason` too. Also
   * the way to release a finished scheduler: it stops listening to `signal`.
   */
  stop(reason: XivdigestError): void;
  readonly stats: CallSchedulerStats;
}

const RETRYABLE_CODES: ReadonlySet<XivdigestErrorCode> = new Set(['LLM_RATE_LIMITED', 'LLM_TIMEOUT', 'LLM_UNAVAILABLE']);

/**
 * Whether a retry may help: an XivdigestError marked retryable whose code is a rate limit, a timeout or an
 * unavailable API. Invalid output is not retried here even when marked retryable: the caller repairs it instead.
 */
export function isRetryableError(error: unknown): error is XivdigestError {
  return XivdigestError.isInstance(error) && error.isRetryable && RETRYABLE_CODES.has(error.code);
}

/**
 * Whether an error means the API could not be reached at all: connection refused or reset, DNS, TLS, a connect
 * timeout (the providers map these to a retryable LLM_UNAVAILABLE with the URL and no HTTP status). An HTTP answer of
 * any status, a slow answer (LLM_TIMEOUT) and a local model's failure are not.
 */
export function isConnectionFailure(error: unknown): error is XivdigestError {
  return (
    XivdigestError.isInstance(error) &&
    error.code === 'LLM_UNAVAILABLE' &&
    error.isRetryable &&
    typeof error.details.url === 'string' &&
    error.details.status === undefined
  );
}

/** A rough token count for pacing: one per CJK character, one per four other characters. */
export function estimateTokens(text: string): number {
  let wide = 0;
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) >= 0x2e80) wide++;
  return wide + Math.ceil((text.length - wide) / 4);
}

/**
 * GCRA, the virtual-scheduling form of a token bucket: `tat` is when the bucket would next be full of debt. A unit
 * costs `intervalMs`; a request of `units` may go once `tat + units × interval − now` fits in the burst.
 */
class Pacer {
  private tat = Number.NEGATIVE_INFINITY;
  private readonly capacityMs: number;

  /**
   * `slackMs` is added to the burst so that timers firing a millisecond or two late do not push the whole schedule
   * back: without it, 2,000 calls 20 ms apart would drift by seconds.
   */
  constructor(
    private readonly intervalMs: number,
    burstUnits: number,
    slackMs: number,
  ) {
    this.capacityMs = burstUnits * intervalMs + slackMs;
  }

  /** Milliseconds until `units` may go (0: now). A request larger than the burst waits for a full bucket, then goes. */
  delay(now: number, units: number): number {
    const start = Math.max(this.tat, now);
    const cost = Math.min(units * this.intervalMs, this.capacityMs);
    return Math.max(0, start + cost - this.capacityMs - now);
  }

  take(now: number, units: number): void {
    this.tat = Math.max(this.tat, now) + units * this.intervalMs;
  }

  /** Charges (or refunds) the difference between the estimate and the real use. */
  adjust(units: number): void {
    if (Number.isFinite(this.tat)) this.tat += units * this.intervalMs;
  }
}

interface Job {
  task: (context: TaskContext) => Promise<unknown>;
  options: CallOptions<unknown>;
  attempt: number;
  tokens: number;
  startedAt: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

function positive(name: string, value: number | undefined, integer: boolean): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `The LLM scheduler's ${name} must be a ${integer ? 'whole ' : ''}number above 0, got ${value}`,
      details: { option: name, value },
    });
  }
}

/** Creates the LLM call scheduler (not to be confused with schedule/'s cron scheduler); throws CONFIG_INVALID for limits that are not positive numbers. */
export function createCallScheduler(options: CallSchedulerOptions): CallScheduler {
  positive('concurrency', options.concurrency, true);
  positive('minConcurrency', options.minConcurrency, true);
  positive('rpm', options.rpm, false);
  positive('rpmBurst', options.rpmBurst, false);
  positive('tpm', options.tpm, false);
  positive('tpmBurst', options.tpmBurst, false);
  positive('maxAttempts', options.maxAttempts, true);
  positive('connectionFailuresToStop', options.connectionFailuresToStop, true);
  return new AdaptiveScheduler(options);
}

class AdaptiveScheduler implements CallScheduler {
  private readonly maxLimit: number;
  private readonly minLimit: number;
  private limit: number;
  private lowestLimit: number;
  private active = 0;
  private maxActive = 0;
  private started = 0;
  private retries = 0;
  private rateLimited = 0;
  /** Connection failures since the last call that reached the API (the breaker's count). */
  private connectionFailures = 0;
  private readonly queue: Job[] = [];
  /** Jobs sleeping before a retry, with their timers, so that `stop` can reject them at once. */
  private readonly sleeping = new Map<Job, NodeJS.Timeout>();
  private pausedUntil = 0;
  /** When concurrency was last lowered: a 429 of a call started before then is the same congestion, not a new one. */
  private lastDecreaseAt = Number.NEGATIVE_INFINITY;
  private successesSinceChange = 0;
  private readonly rpm: Pacer | undefined;
  private readonly tpm: Pacer | undefined;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;
  private stopped: XivdigestError | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private detach: (() => void) | undefined;

  constructor(private readonly options: CallSchedulerOptions) {
    this.maxLimit = options.concurrency;
    this.minLimit = Math.min(options.minConcurrency ?? 1, this.maxLimit);
    this.limit = this.maxLimit;
    this.lowestLimit = this.limit;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.random = options.random ?? Math.random;
    if (options.rpm !== undefined) {
      const interval = 60_000 / options.rpm;
      this.rpm = new Pacer(interval, options.rpmBurst ?? 1, Math.min(interval, 50));
    }
    if (options.tpm !== undefined) {
      this.tpm = new Pacer(60_000 / options.tpm, options.tpmBurst ?? options.tpm / 60, 0);
    }
    const signal = options.signal;
    if (signal) {
      const onAbort = (): void => this.stop(new XivdigestError({ code: 'ABORTED', message: 'The LLM calls were aborted', cause: signal.reason }));
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        // A long-lived signal (the CLI's Ctrl-C) must not keep every finished scheduler alive.
        this.detach = () => signal.removeEventListener('abort', onAbort);
      }
    }
  }

  get stats(): CallSchedulerStats {
    return {
      started: this.started,
      retries: this.retries,
      rateLimited: this.rateLimited,
      limit: this.limit,
      lowestLimit: this.lowestLimit,
      active: this.active,
      maxActive: this.maxActive,
      queued: this.queue.length + this.sleeping.size,
    };
  }

  run<T>(task: (context: TaskContext) => Promise<T>, options: CallOptions<T> = {}): Promise<T> {
    if (this.stopped) return Promise.reject(this.stopped);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        task,
        options: options as CallOptions<unknown>,
        attempt: 0,
        tokens: Math.max(0, options.tokens ?? 0),
        startedAt: 0,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.pump();
    });
  }

  stop(reason: XivdigestError): void {
    if (this.stopped) return;
    this.stopped = reason;
    this.detach?.();
    for (const job of this.queue.splice(0)) job.reject(reason);
    for (const [job, timer] of this.sleeping) {
      clearTimeout(timer);
      job.reject(reason);
    }
    this.sleeping.clear();
    this.disarm();
  }

  /** Starts every queued call that a slot, the pause and the pacers allow now; arms a timer for the next one. */
  private pump(): void {
    while (!this.stopped && this.queue.length > 0 && this.active < this.limit) {
      const now = performance.now();
      if (now < this.pausedUntil) return this.arm(this.pausedUntil);
      const job = this.queue[0]!;
      const wait = Math.max(this.rpm?.delay(now, 1) ?? 0, this.tpm?.delay(now, job.tokens) ?? 0);
      if (wait > 0) return this.arm(now + wait);
      this.queue.shift();
      this.rpm?.take(now, 1);
      this.tpm?.take(now, job.tokens);
      this.start(job, now);
    }
    if (this.queue.length === 0 || this.stopped) this.disarm();
  }

  private arm(at: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.disarm();
    this.timerAt = at;
    // Timers fire on whole milliseconds and sometimes a little early against performance.now(); pump() checks again.
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(1, Math.ceil(at - performance.now())),
    );
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private start(job: Job, now: number): void {
    job.attempt += 1;
    job.startedAt = now;
    this.active += 1;
    this.started += 1;
    if (this.active > this.maxActive) this.maxActive = this.active;
    let running: Promise<unknown>;
    try {
      running = job.task({ attempt: job.attempt, signal: this.options.signal });
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (value) => this.succeeded(job, value),
      (error: unknown) => this.failed(job, error),
    );
  }

  private succeeded(job: Job, value: unknown): void {
    this.active -= 1;
    this.connectionFailures = 0;
    let feedback: CallFeedback | undefined;
    try {
      feedback = job.options.feedback?.(value);
    } catch {
      feedback = undefined; // feedback only tunes the pacing; a bad reader must not fail a paid call
    }
    if (this.tpm && feedback?.totalTokens !== undefined) this.tpm.adjust(feedback.totalTokens - job.tokens);
    const headroom = feedback?.rateLimit;
    if (headroom?.resetMs !== undefined && headroom.resetMs > 0 && (headroom.remainingRequests === 0 || headroom.remainingTokens === 0)) {
      // The API says the window is spent: wait for its reset instead of collecting a 429 for every call in flight.
      this.pause(headroom.resetMs, 'rate-limit-headers', job.options.label);
    }
    if (this.limit < this.maxLimit && job.startedAt >= this.lastDecreaseAt) {
      // Additive increase: one more slot after a full window of successes at the current limit.
      this.successesSinceChange += 1;
      if (this.successesSinceChange >= this.limit) {
        const from = this.limit;
        this.limit += 1;
        this.successesSinceChange = 0;
        this.options.onEvent?.({ type: 'concurrency-raised', from, to: this.limit });
      }
    }
    job.resolve(value);
    this.pump();
  }

  private failed(job: Job, error: unknown): void {
    this.active -= 1;
    const label = job.options.label;
    if (this.tripsBreaker(error)) {
      job.reject(this.stopped);
      return;
    }
    const retryable = isRetryableError(error);
    if (retryable && error.code === 'LLM_RATE_LIMITED') {
      this.rateLimited += 1;
      if (job.startedAt >= this.lastDecreaseAt) {
        // Multiplicative decrease, once per congestion event: the other calls in flight saw the same limit.
        const from = this.limit;
        this.limit = Math.max(this.minLimit, Math.floor(this.limit / 2));
        this.lastDecreaseAt = performance.now();
        this.successesSinceChange = 0;
        this.lowestLimit = Math.min(this.lowestLimit, this.limit);
        if (this.limit !== from) this.options.onEvent?.({ type: 'concurrency-lowered', from, to: this.limit, label });
      }
    }
    if (!retryable || job.attempt >= this.maxAttempts || this.stopped) {
      job.reject(retryable && this.stopped ? this.stopped : error);
      this.pump();
      return;
    }
    this.retries += 1;
    const retryAfterMs = typeof error.details.retryAfterMs === 'number' ? error.details.retryAfterMs : undefined;
    if (error.code === 'LLM_RATE_LIMITED') {
      // Retry-After (RFC 9110 §10.2.3) speaks for the whole account: no call of ours may start before it passes.
      const ms = retryAfterMs ?? Math.ceil(this.ceiling(job.attempt) * (0.5 + this.random() / 2));
      this.pause(ms, retryAfterMs === undefined ? 'rate-limit-backoff' : 'retry-after', label);
      this.options.onEvent?.({ type: 'call-retrying', label, attempt: job.attempt + 1, delayMs: ms, error });
      this.queue.unshift(job);
      this.pump();
      return;
    }
    const delayMs = Math.max(retryAfterMs ?? 0, Math.floor(this.random() * this.ceiling(job.attempt)));
    this.options.onEvent?.({ type: 'call-retrying', label, attempt: job.attempt + 1, delayMs, error });
    const timer = setTimeout(() => {
      this.sleeping.delete(job);
      // A retry goes first in line: it has waited already, and finishing started papers first keeps progress steady.
      this.queue.unshift(job);
      this.pump();
    }, delayMs);
    this.sleeping.set(job, timer);
    this.pump();
  }

  /** Counts connection failures in a row; at the threshold, stops everything with one error that says what to check. */
  private tripsBreaker(error: unknown): boolean {
    const threshold = this.options.connectionFailuresToStop;
    if (threshold === undefined) return false;
    if (!isConnectionFailure(error)) {
      this.connectionFailures = 0;
      return false;
    }
    this.connectionFailures += 1;
    if (this.connectionFailures < threshold || this.stopped) return false;
    const url = String(error.details.url);
    const reason = typeof error.details.reason === 'string' ? error.details.reason : error.message;
    const opened = new XivdigestError({
      code: 'LLM_UNAVAILABLE',
      message: `The LLM API at ${url} could not be reached ${this.connectionFailures} times in a row (${reason}); no further calls were made`,
      hint: 'Check the base URL (OPENAI_API_BASE, OPENAI_AZURE_BASE or llm.baseUrl), the network, and that the server is running; papers not translated yet are left for the next run',
      cause: error,
      details: { url, failures: this.connectionFailures, reason },
    });
    this.options.onEvent?.({ type: 'circuit-opened', failures: this.connectionFailures, error: opened });
    this.stop(opened);
    return true;
  }

  private ceiling(attempt: number): number {
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
  }

  private pause(ms: number, reason: 'retry-after' | 'rate-limit-backoff' | 'rate-limit-headers', label: string | undefined): void {
    const until = performance.now() + ms;
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    this.options.onEvent?.({ type: 'calls-paused', ms, reason, label });
  }
}
