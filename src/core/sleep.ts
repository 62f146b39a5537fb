/**
 * Waits `ms`, or rejects as soon as `signal` fires (at once when it already has) with the error `aborted` makes from
 * the signal's reason, so each caller keeps its own ABORTED message. The timer and the listener are always cleared.
 */
export function abortableSleep(ms: number, signal: AbortSignal | undefined, aborted: (reason: unknown) => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(aborted(signal.reason));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(aborted(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
