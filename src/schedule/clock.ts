/** Time for the scheduler: the system clock, or a manual one that tests move forward without waiting. */

export interface SchedulerClock {
  now(): Date;
  /** Calls `callback` after `ms` milliseconds; returns a handle for `clearTimer`. */
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** The real clock. Timers are unref'd: a scheduler alone does not keep the process alive (`serve` holds it open). */
export const systemClock: SchedulerClock = {
  now: () => new Date(),
  setTimer(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref?.();
    return timer;
  },
  clearTimer(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export interface ManualClock extends SchedulerClock {
  /** Moves time forward to `target`, firing each due timer at its own time, in order, letting promises settle between. */
  advanceTo(target: Date | string): Promise<void>;
  advance(ms: number): Promise<void>;
  /** Timers armed and not yet fired. */
  pendingTimers(): number;
}

interface ManualTimer {
  id: number;
  due: number;
  callback: () => void;
}

/** A clock that stands still until told to move: for tests and for dry runs of a schedule. */
export function createManualClock(start: Date | string): ManualClock {
  let now = new Date(start).getTime();
  let nextId = 1;
  const timers = new Map<number, ManualTimer>();
  const settle = async () => {
    // A few turns of the event loop so that async work started by a timer (store writes, job bodies) can proceed.
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  };
  const clock: ManualClock = {
    now: () => new Date(now),
    setTimer(callback, ms) {
      const id = nextId++;
      timers.set(id, { id, due: now + Math.max(0, ms), callback });
      return id;
    },
    clearTimer(handle) {
      timers.delete(handle as number);
    },
    async advanceTo(target) {
      const end = new Date(target).getTime();
      for (;;) {
        let first: ManualTimer | undefined;
        for (const timer of timers.values()) {
          if (timer.due <= end && (!first || timer.due < first.due || (timer.due === first.due && timer.id < first.id))) first = timer;
        }
        if (!first) break;
        timers.delete(first.id);
        now = Math.max(now, first.due);
        first.callback();
        await settle();
      }
      now = Math.max(now, end);
      await settle();
    },
    advance(ms) {
      return clock.advanceTo(new Date(now + ms));
    },
    pendingTimers: () => timers.size,
  };
  return clock;
}
