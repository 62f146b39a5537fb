/** The one abortable wait: resolves after the delay, or rejects with the caller's error when aborted before or during. */
import { describe, expect, it } from 'vitest';
import { XivdigestError } from './errors.js';
import { abortableSleep } from './sleep.js';

const aborted = (reason: unknown): XivdigestError => new XivdigestError({ code: 'ABORTED', message: `stopped: ${String(reason)}` });

describe('abortableSleep', () => {
  it('resolves after the delay when nothing aborts it, and leaves no listener behind', async () => {
    const controller = new AbortController();
    let listeners = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => ((listeners += 1), add(...args))) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => ((listeners -= 1), remove(...args))) as typeof remove;
    await expect(abortableSleep(5, signal, aborted)).resolves.toBeUndefined();
    expect(listeners).toBe(0);
    await expect(abortableSleep(0, undefined, aborted)).resolves.toBeUndefined();
  });

  it('rejects at once with the caller’s error when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort('before');
    const error = await abortableSleep(60_000, controller.signal, aborted).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(XivdigestError);
    expect(error).toMatchObject({ code: 'ABORTED', message: 'stopped: before' });
  });

  it('rejects as soon as the signal fires during the wait, without waiting the delay out', async () => {
    const controller = new AbortController();
    const waiting = abortableSleep(60_000, controller.signal, aborted);
    setTimeout(() => controller.abort('during'), 5);
    const error = await waiting.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ABORTED', message: 'stopped: during' });
    // The 60 s timer was cleared: this test finishing within vitest's default timeout proves it did not wait.
  });
});
