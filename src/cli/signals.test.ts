import { describe, expect, it } from 'vitest';
import { runUntilStopped, type GracefulStop, type SignalControl } from './signals.js';

/** A SignalControl that records the order of events and lets the test deliver the first signal. */
function recordingSignals(events: string[]): SignalControl & { deliver(signal: 'SIGINT' | 'SIGTERM'): void } {
  let taken: GracefulStop | undefined;
  return {
    takeOver(stop) {
      events.push('takeOver');
      taken = stop;
      return () => {
        events.push('handBack');
        taken = undefined;
      };
    },
    received: () => undefined,
    deliver(signal) {
      taken?.onStop(signal);
    },
  };
}

describe('runUntilStopped', () => {
  it('says it is ready only once the signals are taken over, so a signal sent on that line stops it gracefully', async () => {
    const events: string[] = [];
    const signals = recordingSignals(events);
    const done = runUntilStopped(signals, {
      ready() {
        events.push('ready');
        // A script that signals the process as soon as it reads the ready line.
        signals.deliver('SIGTERM');
      },
      async onStop(signal) {
        events.push(`stop ${signal}`);
      },
      keptOnForce: () => 'nothing',
    });
    await done;
    expect(events).toEqual(['takeOver', 'ready', 'stop SIGTERM', 'handBack']);
  });
});
