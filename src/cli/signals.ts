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
