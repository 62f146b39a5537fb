/** A per-host rate limiter: first-come, first-served turns spaced by an interval, held back by Retry-After. */
import { abortedError } from './http-errors.js';

interface Waiter {
  resolve: () => void;
}

interface HostState {
  /** When the last request to this host started, got its headers or finished its body (performance.now()). */
  lastActivity: number;
  /** No request may start before this (a `Retry-After`). */
  blockedUntil: number;
  waiters: Waiter[];
  timer: NodeJS.Timeout | undefined;
}

/**
 * First-come, first-served turns per host. A turn comes `interval` after the last activity on the host: the previous
 * request's start, its response headers, or the end of its body, whichever was last. Counting from the answer rather
 * than the start alone keeps the gap that the server sees at least `interval`, however long connecting took.
 */
export class HostLimiter {
  private readonly hosts = new Map<string, HostState>();

  constructor(private readonly interval: number) {}

  /** Resolves when it is this caller's turn; `onDelay` is told how long the wait will be when there is one. */
  acquire(host: string, signal: AbortSignal | undefined, url: string, onDelay: (delayMs: number, cause: 'interval' | 'retry-after') => void): Promise<void> {
    const state = this.state(host);
    const wait = Math.max(0, this.dueTime(state) - performance.now()) + state.waiters.length * this.interval;
    if (wait > 0) onDelay(Math.round(wait), state.blockedUntil > state.lastActivity + this.interval ? 'retry-after' : 'interval');
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortedError(url, signal.reason));
        return;
      }
      const onAbort = (): void => {
        const index = state.waiters.indexOf(waiter);
        if (index >= 0) state.waiters.splice(index, 1);
        reject(abortedError(url, signal?.reason));
      };
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      state.waiters.push(waiter);
      this.pump(state);
    });
  }

  /** Records activity on the host (headers arrived, a body ended): the next turn is `interval` from now. */
  touch(host: string): void {
    const state = this.state(host);
    state.lastActivity = Math.max(state.lastActivity, performance.now());
  }

  /** Holds every request to the host until `time` (performance.now() scale). */
  deferUntil(host: string, time: number): void {
    const state = this.state(host);
    if (time <= state.blockedUntil) return;
    state.blockedUntil = time;
    if (state.timer !== undefined) {
      clearTimeout(state.timer);
      state.timer = undefined;
    }
    this.pump(state);
  }

  private state(host: string): HostState {
    let state = this.hosts.get(host);
    if (!state) {
      state = { lastActivity: Number.NEGATIVE_INFINITY, blockedUntil: 0, waiters: [], timer: undefined };
      this.hosts.set(host, state);
    }
    return state;
  }

  private dueTime(state: HostState): number {
    return Math.max(state.lastActivity + this.interval, state.blockedUntil);
  }

  private pump(state: HostState): void {
    if (state.timer !== undefined || state.waiters.length === 0) return;
    const now = performance.now();
    const due = this.dueTime(state);
    if (due <= now) {
      state.lastActivity = now;
      state.waiters.shift()!.resolve();
      this.pump(state);
      return;
    }
    // Timers may fire a little early against performance.now(), and touch() may have moved the turn: check again.
    state.timer = setTimeout(
      () => {
        state.timer = undefined;
        this.pump(state);
      },
      Math.max(1, Math.ceil(due - now)),
    );
  }
}
