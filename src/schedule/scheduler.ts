/** The built-in scheduler: cron jobs in stated time zones that survive restarts without running a slot twice. */
import type { Cron } from 'croner';
import { XivdigestError } from '../core/errors.js';
import type { ScheduleStateStore } from '../core/schedule-state.js';
import { systemClock, type SchedulerClock } from './clock.js';
import { parseCron } from './cron.js';

export interface ScheduledRunContext {
  /** The slot's key in the state store (its instant, ISO 8601 UTC). */
  slot: string;
  /** True when the run makes up for a slot missed while the scheduler was not running. */
  catchUp: boolean;
  /** Aborted by `stop({ abort: true })`; a job may stop early when it fires. */
  signal: AbortSignal;
}

export interface ScheduledJob {
  /** Unique; the key under which the state store remembers the job's runs (e.g. the subscription's name). */
  name: string;
  /** Cron expression (croner syntax), read in `timezone`. */
  cron: string;
  /** IANA time zone the expression is read in, e.g. America/New_York. */
  timezone: string;
  /** Config paths named in errors, e.g. `subscriptions.0.schedule.cron`. Default `jobs.<i>.cron` / `.timezone`. */
  paths?: { cron?: string; timezone?: string };
  /** The work; `at` is the scheduled instant (not the time it actually started). */
  run(at: Date, context: ScheduledRunContext): Promise<void>;
}

export type SchedulerEvent =
  | { type: 'job-scheduled'; job: string; next: Date }
  | { type: 'run-started'; job: string; slot: string; catchUp: boolean }
  | { type: 'run-finished'; job: string; slot: string }
  | { type: 'run-failed'; job: string; slot: string; error: unknown }
  | {
      type: 'run-skipped';
      job: string;
      slot: string;
      /** `already-run`: the store has this slot or a later one; `overlap`: the job's previous run is still going;
       *  `interrupted`: the slot's run was cut off (status `running` at start) and is not repeated; `stopping`. */
      reason: 'already-run' | 'overlap' | 'interrupted' | 'stopping';
    }
  | { type: 'scheduler-stopped' };

export interface SchedulerOptions {
  jobs: readonly ScheduledJob[];
  store: ScheduleStateStore;
  clock?: SchedulerClock;
  /** Progress and problems, for the log. Errors of jobs arrive here as `run-failed`; they never stop the scheduler. */
  onEvent?(event: SchedulerEvent): void;
  /** On start, run the latest slot once when it was missed (the store's last slot is older). Default true. */
  catchUp?: boolean;
  /** Also when the store has no record of the job at all (a first start). Default false: wait for the next slot. */
  catchUpOnFirstStart?: boolean;
  /** Longest single timer; longer waits re-check the clock (sleep, clock changes). Default one hour. */
  maxTimerMs?: number;
}

export interface Scheduler {
  /** Catches up missed slots (when enabled) and arms the timers. Resolves once catch-up runs have started. */
  start(): Promise<void>;
  /** Stops firing, then waits for running jobs; with `abort`, first aborts their signals. Safe to call twice. */
  stop(options?: { abort?: boolean }): Promise<void>;
  /** Resolves when no run and no slot check is in flight (for tests and orderly shutdown). */
  idle(): Promise<void>;
  /** The next slot of each job, as armed. */
  upcoming(): Array<{ job: string; next: Date | undefined }>;
  /** Names of jobs running now. */
  running(): string[];
  /**
   * Replaces the jobs while running (subscriptions created, edited or deleted): a new job is armed for its next slot
   * (no catch-up, as on a first start), a removed one is disarmed (a run under way finishes), a job whose cron or time
   * zone changed is re-armed, and every kept job runs its new `run` from now on. Throws, changing nothing, when a name
   * repeats or a cron is invalid. Returns the names added, removed and re-armed.
   */
  replaceJobs(jobs: readonly ScheduledJob[]): { added: string[]; removed: string[]; rescheduled: string[] };
}

interface JobState {
  job: ScheduledJob;
  cron: Cron;
  timer: unknown;
  next: Date | undefined;
  /** The last slot this process fired, so that a timer firing early or twice never repeats it. */
  lastFired: number;
  active: Promise<void> | undefined;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const clock = options.clock ?? systemClock;
  const maxTimerMs = options.maxTimerMs ?? 3_600_000;
  const emit = (event: SchedulerEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A failing listener must not break the schedule.
    }
  };
  /** Each job checked (unique non-empty names, valid crons) with its parsed cron; throws before anything changes. */
  const checked = (jobs: readonly ScheduledJob[]): Array<{ job: ScheduledJob; cron: Cron }> => {
    const names = new Set<string>();
    return jobs.map((job, index) => {
      if (!job.name || names.has(job.name)) {
        throw new XivdigestError({
          code: 'CONFIG_INVALID',
          message: `jobs.${index}.name: ${job.name ? `${JSON.stringify(job.name)} is used twice` : 'is empty'}`,
          hint: 'Give each scheduled job its own name; the scheduler remembers runs by name.',
          details: { path: `jobs.${index}.name`, value: job.name },
        });
      }
      names.add(job.name);
      return { job, cron: parseCron(job.cron, job.timezone, job.paths?.cron ?? `jobs.${index}.cron`, job.paths?.timezone ?? `jobs.${index}.timezone`) };
    });
  };
  const stateOf = ({ job, cron }: { job: ScheduledJob; cron: Cron }): JobState => ({
    job,
    cron,
    timer: undefined,
    next: undefined,
    lastFired: Number.NEGATIVE_INFINITY,
    active: undefined,
  });
  let states: JobState[] = checked(options.jobs).map(stateOf);

  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise)).catch(() => undefined);
    return promise;
  };
  const abort = new AbortController();
  let started = false;
  let stopping = false;

  /** Runs `slot` of a job unless it is running, stopping, or the store says the slot (or a later one) was started. */
  const runSlot = (state: JobState, slotTime: Date, catchUp: boolean): Promise<void> => {
    const { job } = state;
    const slot = slotTime.toISOString();
    if (stopping) {
      emit({ type: 'run-skipped', job: job.name, slot, reason: 'stopping' });
      return Promise.resolve();
    }
    if (state.active) {
      emit({ type: 'run-skipped', job: job.name, slot, reason: 'overlap' });
      return Promise.resolve();
    }
    // Claimed synchronously, before the first await, so that two timers can never both pass the check above.
    const run = (async () => {
      const last = await options.store.getLastRun(job.name);
      if (last && last.slot >= slot) {
        emit({ type: 'run-skipped', job: job.name, slot, reason: 'already-run' });
        return;
      }
      if (stopping) {
        emit({ type: 'run-skipped', job: job.name, slot, reason: 'stopping' });
        return;
      }
      // Recorded before the work starts: a crash during the run leaves `running`, and a restart will not repeat it.
      await options.store.recordRun(job.name, slot, 'running');
      emit({ type: 'run-started', job: job.name, slot, catchUp });
      try {
        await job.run(slotTime, { slot, catchUp, signal: abort.signal });
      } catch (error) {
        await options.store.recordRun(job.name, slot, 'failed');
        emit({ type: 'run-failed', job: job.name, slot, error });
        return;
      }
      await options.store.recordRun(job.name, slot, 'done');
      emit({ type: 'run-finished', job: job.name, slot });
    })().catch((error: unknown) => {
      // The store failed: report it against the slot; the next slot tries again.
      emit({ type: 'run-failed', job: job.name, slot, error });
    });
    state.active = run;
    void run.finally(() => {
      if (state.active === run) state.active = undefined;
    });
    return track(run);
  };

  const arm = (state: JobState) => {
    if (stopping) return;
    const now = clock.now().getTime();
    const from = new Date(Math.max(now, state.lastFired));
    const next = state.cron.nextRun(from);
    state.next = next ?? undefined;
    if (!next) return;
    const wait = Math.min(next.getTime() - now, maxTimerMs);
    state.timer = clock.setTimer(() => onTimer(state), Math.max(0, wait));
  };

  const onTimer = (state: JobState) => {
    state.timer = undefined;
    if (stopping || !state.next) return;
    const now = clock.now().getTime();
    if (now < state.next.getTime()) {
      arm(state);
      return;
    }
    // When the timer fired late (the machine slept through slots), the run is for the latest slot that has passed.
    const latest = state.cron.previousRuns(1, new Date(now + 1))[0] ?? state.next;
    state.lastFired = latest.getTime();
    void runSlot(state, latest, latest.getTime() > state.next.getTime());
    arm(state);
    emit({ type: 'job-scheduled', job: state.job.name, next: state.next! });
  };

  const catchUp = async (state: JobState) => {
    const now = clock.now();
    const latest = state.cron.previousRuns(1, new Date(now.getTime() + 1))[0];
    if (!latest) return;
    const slot = latest.toISOString();
    const last = await options.store.getLastRun(state.job.name);
    if (last && last.slot === slot && last.status === 'running') {
      // Cut off by a crash or a kill: not repeated, because the job may have done part of its work (sent mail).
      emit({ type: 'run-skipped', job: state.job.name, slot, reason: 'interrupted' });
      return;
    }
    if (last ? last.slot >= slot : !(options.catchUpOnFirstStart ?? false)) return;
    state.lastFired = Math.max(state.lastFired, latest.getTime());
    void runSlot(state, latest, true);
  };

  return {
    async start() {
      if (started) return;
      started = true;
      if (options.catchUp ?? true) {
        await Promise.all(states.map((state) => track(catchUp(state))));
      }
      for (const state of states) {
        arm(state);
        if (state.next) emit({ type: 'job-scheduled', job: state.job.name, next: state.next });
      }
    },
    async stop(stopOptions = {}) {
      const first = !stopping;
      stopping = true;
      for (const state of states) {
        if (state.timer !== undefined) clock.clearTimer(state.timer);
        state.timer = undefined;
      }
      if (stopOptions.abort) abort.abort(new XivdigestError({ code: 'ABORTED', message: 'the scheduler is stopping' }));
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      if (first) emit({ type: 'scheduler-stopped' });
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    replaceJobs(jobs) {
      const wanted = checked(jobs);
      const old = new Map(states.map((state) => [state.job.name, state]));
      const result = { added: [] as string[], removed: [] as string[], rescheduled: [] as string[] };
      const next: JobState[] = [];
      for (const entry of wanted) {
        const state = old.get(entry.job.name);
        old.delete(entry.job.name);
        if (!state) {
          const added = stateOf(entry);
          next.push(added);
          result.added.push(entry.job.name);
          continue;
        }
        const moved = state.job.cron !== entry.job.cron || state.job.timezone !== entry.job.timezone;
        state.job = entry.job;
        if (moved) {
          state.cron = entry.cron;
          if (state.timer !== undefined) clock.clearTimer(state.timer);
          state.timer = undefined;
          result.rescheduled.push(entry.job.name);
        }
        next.push(state);
      }
      for (const state of old.values()) {
        if (state.timer !== undefined) clock.clearTimer(state.timer);
        state.timer = undefined;
        state.next = undefined;
        result.removed.push(state.job.name);
      }
      states = next;
      if (started && !stopping) {
        for (const state of states) {
          if (!result.added.includes(state.job.name) && !result.rescheduled.includes(state.job.name)) continue;
          arm(state);
          if (state.next) emit({ type: 'job-scheduled', job: state.job.name, next: state.next });
        }
      }
      return result;
    },
    upcoming: () => states.map((state) => ({ job: state.job.name, next: state.next })),
    running: () => states.filter((state) => state.active !== undefined).map((state) => state.job.name),
  };
}

/**
 * Stops the scheduler on SIGINT or SIGTERM, waiting for running jobs, then calls `onStopped` (the CLI exits there; a
 * second signal is the CLI's business). Returns a function that removes the handlers.
 */
export function stopOnSignals(
  scheduler: Pick<Scheduler, 'stop'>,
  options: { signals?: readonly NodeJS.Signals[]; onStopped?: (signal: NodeJS.Signals) => void; abort?: boolean } = {},
): () => void {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    void scheduler.stop({ abort: options.abort ?? false }).finally(() => options.onStopped?.(signal));
  };
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}
