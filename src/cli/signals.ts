/** Ctrl-C and SIGTERM: an immediate stop by default; a long-running command (`serve`) can take the first one to stop gracefully. */
import { EXIT } from './exit.js';

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The exit code after each signal: 128 + its number, as shells report it. */
export const SIGNAL_EXIT: Record<StopSignal, number> = { SIGINT: EXIT.interrupted, SIGTERM: EXIT.terminated };

export interface GracefulStop {
  /** Called on the first SIGINT or SIGTERM: stop taking new work and let running work finish, then return. */
  onStop(signal: StopSignal): void;
  /** What a second signal, which stops the process at once, leaves behind (said in its last message). */
  keptOnForce(): string;
}

export interface SignalControl {
  /**
   * Lets a command handle the first SIGINT or SIGTERM itself (SIGTERM is caught only while taken over); a second
   * signal still stops the process at once. Returns a function that hands the signals back.
   */
  takeOver(stop: GracefulStop): () => void;
  /** The signal a graceful stop began with, if any: the CLI then exits 130 (SIGINT) or 143 (SIGTERM). */
  received(): StopSignal | undefined;
}

export interface SignalControlOptions {
  /** Stops the process at once (the CLI's index.ts, the only place that exits, passes process.exit). */
  exit(code: number): void;
  write(text: string): void;
}

/** Installs the SIGINT handler; until a command takes over, Ctrl-C exits 130 at once, keeping what was stored. */
export function installSignalControl(options: SignalControlOptions): SignalControl {
  let graceful: GracefulStop | undefined;
  let received: StopSignal | undefined;
  const handle = (signal: StopSignal) => {
    if (graceful && received === undefined) {
      received = signal;
      graceful.onStop(signal);
      return;
    }
    const what = graceful ? `stopped at once by a second signal (${signal}); ${graceful.keptOnForce()}` : 'interrupted; what was stored so far is kept';
    options.write(`\nxivdigest: ${what}\n`);
    options.exit(SIGNAL_EXIT[signal]);
  };
  process.on('SIGINT', handle);
  return {
    takeOver(stop) {
      graceful = stop;
      process.on('SIGTERM', handle);
      return () => {
        if (graceful === stop) graceful = undefined;
        process.off('SIGTERM', handle);
      };
    },
    received: () => received,
  };
}

export interface StopUntilSignal {
  /** Called on the first SIGINT or SIGTERM: stop taking new work; resolves once the running work has finished. */
  onStop(signal: StopSignal): Promise<void>;
  /** What a second signal, which stops the process at once, leaves behind (said in its last message). */
  keptOnForce(): string;
  /**
   * Called once the signals are taken over: where the command says it is ready ("serving …"), so that a service
   * manager or script that signals it on that line always reaches the graceful stop, never the default exit.
   */
  ready?(): void;
}

/**
 * What a long-running command (`serve`, `worker`) does until it is stopped: holds the process open (the scheduler's
 * and queue's timers may be unref'd), takes the first SIGINT or SIGTERM over, and resolves once `stop.onStop` has
 * finished; rejects when that fails or `running` (work started alongside, such as a scheduler) rejects. The signals
 * are handed back in either case.
 */
export async function runUntilStopped(signals: SignalControl, stop: StopUntilSignal, running?: () => Promise<unknown>): Promise<void> {
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  let release: () => void = () => undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      release = signals.takeOver({
        onStop(signal) {
          stop.onStop(signal).then(resolve, reject);
        },
        keptOnForce: () => stop.keptOnForce(),
      });
      stop.ready?.();
      running?.().catch(reject);
    });
  } finally {
    release();
    clearInterval(keepAlive);
  }
}
