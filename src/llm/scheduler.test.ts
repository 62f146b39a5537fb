/** The call scheduler: bounded concurrency, RPM/TPM pacing, Retry-After pauses and AIMD against the fake server, retries and stopping. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XivdigestError, type XivdigestErrorCode } from '../core/errors.js';
import type { LlmProvider } from '../core/llm.js';
import { fakePaperRequest, startFakeLlmServer, type FakeLlmPaper, type FakeLlmServer } from '../../test/helpers/fake-llm-server.js';
import { syntheticPapers } from '../../test/helpers/synthetic-papers.js';
import { createOpenAiCompatibleProvider } from './openai-compatible/index.js';
import { createCallScheduler, estimateTokens, isRetryableError, type CallSchedulerEvent } from './scheduler.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function llmError(code: XivdigestErrorCode, isRetryable: boolean, details: Record<string, unknown> = {}): XivdigestError {
  return new XivdigestError({ code, message: `test ${code}`, isRetryable, details });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

const papers: FakeLlmPaper[] = syntheticPapers(40, 5000);
let server: FakeLlmServer;
let provider: LlmProvider;

beforeAll(async () => {
  server = await startFakeLlmServer({ papers });
  provider = createOpenAiCompatibleProvider({ baseUrl: server.url, model: 'gpt-4o-mini', timeoutMs: 10_000 });
});
afterAll(async () => {
  await server.close();
});

/** Calls the provider through the scheduler for papers `from`…`to`, returning what each call resolved or rejected with. */
function callAll(scheduler: ReturnType<typeof createCallScheduler>, from: number, to: number): Promise<PromiseSettledResult<unknown>[]> {
  return Promise.allSettled(
    papers.slice(from, to).map((paper) =>
      scheduler.run(({ signal }) => provider.generate({ ...fakePaperRequest(paper), ...(signal ? { signal } : {}) }), {
        label: paper.id,
        feedback: (result) => ({ totalTokens: result.usage.totalTokens, ...(result.rateLimit ? { rateLimit: result.rateLimit } : {}) }),
      }),
    ),
  );
}

describe('concurrency and pacing against the fake server', () => {
  it('never runs more calls at once than the limit', async () => {
    server.reset();
    server.setFaults(() => ({ kind: 'delay', delayMs: 40 }));
    const scheduler = createCallScheduler({ concurrency: 3 });
    const results = await callAll(scheduler, 0, 12);
    expect(results.every((result) => result.status === 'fulfilled')).toBe(true);
    expect(server.requests).toHaveLength(12);
    expect(server.maxInFlight).toBe(3);
    expect(scheduler.stats).toMatchObject({ started: 12, retries: 0, maxActive: 3, limit: 3, active: 0, queued: 0 });
  });

  it('on a 429 with Retry-After, pauses every call until it has passed and halves the concurrency', async () => {
    server.reset();
    // The first call is refused at once; three more are slow, so they are in flight while the pause runs.
    server.setFaults(({ n }) => (n === 1 ? { kind: 'rate-limit', retryAfterMs: 400 } : n <= 4 ? { kind: 'delay', delayMs: 100 } : null));
    const events: CallSchedulerEvent[] = [];
    const scheduler = createCallScheduler({ concurrency: 4, onEvent: (event) => events.push(event) });
    const results = await callAll(scheduler, 0, 10);
    expect(results.every((result) => result.status === 'fulfilled')).toBe(true);

    const refused = server.requests[0]!;
    expect(refused.status).toBe(429);
    const later = server.requests.slice(4);
    expect(later.length).toBe(7); // 6 new papers and the refused one again
    for (const request of later) expect(request.receivedAt).toBeGreaterThanOrEqual(refused.answeredAt! + 400);
    expect(later.some((request) => request.paperId === refused.paperId)).toBe(true);

    expect(events).toContainEqual(expect.objectContaining({ type: 'calls-paused', ms: 400, reason: 'retry-after' }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'concurrency-lowered', from: 4, to: 2 }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'call-retrying', attempt: 2, delayMs: 400 }));
    expect(scheduler.stats).toMatchObject({ rateLimited: 1, retries: 1, lowestLimit: 2 });
    // After the pause, no more than the lowered limit ran at once until successes raised it again.
    const inFlightAt = (at: number): number => server.requests.filter((request) => request.receivedAt <= at && (request.answeredAt ?? Infinity) > at).length;
    expect(inFlightAt(later[0]!.receivedAt)).toBeLessThanOrEqual(2);
    expect(inFlightAt(later[1]!.receivedAt)).toBeLessThanOrEqual(2);
    expect(Math.max(...later.map((request) => inFlightAt(request.receivedAt)))).toBeLessThan(4);
  });

  it('starts calls no closer together than the RPM allows', async () => {
    server.reset();
    server.setFaults(undefined);
    const scheduler = createCallScheduler({ concurrency: 10, rpm: 600 }); // one call per 100 ms
    const startedAt: number[] = [];
    await Promise.all(
      papers.slice(0, 6).map((paper) =>
        scheduler.run(() => {
          startedAt.push(performance.now());
          return provider.generate(fakePaperRequest(paper));
        }),
      ),
    );
    expect(server.requests).toHaveLength(6);
    // What the pacer decides, on its own clock (server arrival times also carry connection set-up): with 50 ms of
    // slack for late timers, the k-th call starts no earlier than k × 100 ms − 50 ms after the first. 5 ms more for
    // where the start is recorded: inside the task, a moment after the pacer's decision, longest for the first call.
    for (let k = 1; k < startedAt.length; k++) expect(startedAt[k]! - startedAt[0]!).toBeGreaterThanOrEqual(k * 100 - 55);
  });

  it('waits for the reset when the rate-limit headers say the window is spent', async () => {
    server.reset();
    server.setFaults(({ n }) =>
      n === 1 ? { kind: 'delay', delayMs: 1, headers: { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '0.3s' } } : null,
    );
    const events: CallSchedulerEvent[] = [];
    const scheduler = createCallScheduler({ concurrency: 1, onEvent: (event) => events.push(event) });
    await callAll(scheduler, 0, 2);
    expect(events).toContainEqual(expect.objectContaining({ type: 'calls-paused', reason: 'rate-limit-headers' }));
    expect(server.requests[1]!.receivedAt).toBeGreaterThanOrEqual(server.requests[0]!.answeredAt! + 250);
  });
});

describe('retries', () => {
  it('retries rate limits, timeouts and unavailable APIs with full-jitter backoff, then succeeds', async () => {
    const events: CallSchedulerEvent[] = [];
    const scheduler = createCallScheduler({ concurrency: 2, baseDelayMs: 40, random: () => 0.5, onEvent: (event) => events.push(event) });
    const failures = [llmError('LLM_UNAVAILABLE', true), llmError('LLM_TIMEOUT', true)];
    const attempts: number[] = [];
    const value = await scheduler.run(
      async ({ attempt }) => {
        attempts.push(attempt);
        const failure = failures.shift();
        if (failure) throw failure;
        return 'ok';
      },
      { label: 'p1' },
    );
    expect(value).toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);
    // Full jitter: random() × min(max, base × 2^(n-1)); random is 0.5 here.
    expect(events.filter((event) => event.type === 'call-retrying')).toEqual([
      expect.objectContaining({ label: 'p1', attempt: 2, delayMs: 20 }),
      expect.objectContaining({ label: 'p1', attempt: 3, delayMs: 40 }),
    ]);
    expect(scheduler.stats.retries).toBe(2);
  });

  it('waits at least the Retry-After of a 503', async () => {
    const events: CallSchedulerEvent[] = [];
    const scheduler = createCallScheduler({ concurrency: 1, baseDelayMs: 1, random: () => 0, onEvent: (event) => events.push(event) });
    let first = true;
    await scheduler.run(async () => {
      if (first) {
        first = false;
        throw llmError('LLM_UNAVAILABLE', true, { retryAfterMs: 120 });
      }
      return 1;
    });
    expect(events).toContainEqual(expect.objectContaining({ type: 'call-retrying', delayMs: 120 }));
  });

  it('gives up after maxAttempts with the last error', async () => {
    const scheduler = createCallScheduler({ concurrency: 1, maxAttempts: 3, baseDelayMs: 1 });
    let attempts = 0;
    const error = await rejection(
      scheduler.run(async () => {
        attempts += 1;
        throw llmError('LLM_TIMEOUT', true);
      }),
    );
    expect(attempts).toBe(3);
    expect(XivdigestError.isInstance(error) && error.code).toBe('LLM_TIMEOUT');
  });

  it.each([
    ['an auth error', llmError('LLM_AUTH', false)],
    ['invalid output, even when marked retryable (the caller repairs it)', llmError('LLM_OUTPUT_INVALID', true)],
    ['a missing model', llmError('LLM_MODEL_MISSING', false)],
    ['a plain Error', new Error('bug')],
  ])('never retries %s', async (_name, thrown) => {
    const scheduler = createCallScheduler({ concurrency: 1, baseDelayMs: 1 });
    let attempts = 0;
    const error = await rejection(
      scheduler.run(async () => {
        attempts += 1;
        throw thrown;
      }),
    );
    expect(attempts).toBe(1);
    expect(error).toBe(thrown);
    expect(isRetryableError(thrown)).toBe(false);
  });

  it('lowers concurrency once per congestion event and raises it again after a window of successes', async () => {
    const events: CallSchedulerEvent[] = [];
    const scheduler = createCallScheduler({ concurrency: 4, onEvent: (event) => events.push(event) });
    let refused = 0;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        scheduler.run(async ({ attempt }) => {
          await sleep(5);
          // The four first calls are all refused: one congestion event, so one halving, not three.
          if (index < 4 && attempt === 1) {
            refused += 1;
            throw llmError('LLM_RATE_LIMITED', true, { retryAfterMs: 20 });
          }
          return index;
        }),
      ),
    );
    expect(results).toHaveLength(40);
    expect(refused).toBe(4);
    expect(events.filter((event) => event.type === 'concurrency-lowered')).toEqual([expect.objectContaining({ from: 4, to: 2 })]);
    expect(events.filter((event) => event.type === 'concurrency-raised')).toEqual([
      expect.objectContaining({ from: 2, to: 3 }),
      expect.objectContaining({ from: 3, to: 4 }),
    ]);
    expect(scheduler.stats).toMatchObject({ limit: 4, lowestLimit: 2, rateLimited: 4 });
  });
});

describe('TPM pacing', () => {
  it('spaces calls by their estimated tokens and corrects by the real use', async () => {
    // 60 000 tokens a minute = one token per ms; a burst of 100 tokens.
    const scheduler = createCallScheduler({ concurrency: 10, tpm: 60_000, tpmBurst: 100 });
    const startedAt: number[] = [];
    await Promise.all(
      Array.from({ length: 4 }, () =>
        scheduler.run(
          async () => {
            startedAt.push(performance.now());
            return 100;
          },
          { tokens: 100, feedback: (used) => ({ totalTokens: used }) },
        ),
      ),
    );
    for (let k = 1; k < startedAt.length; k++) expect(startedAt[k]! - startedAt[0]!).toBeGreaterThanOrEqual(k * 100 - 5);
    expect(estimateTokens('abcdefgh')).toBe(2);
    expect(estimateTokens('中文')).toBe(2);
  });
});

describe('stopping', () => {
  it('rejects queued calls with the reason, lets running ones finish, and refuses new ones', async () => {
    const scheduler = createCallScheduler({ concurrency: 2 });
    const reason = new XivdigestError({ code: 'BUDGET_EXCEEDED', message: 'budget reached' });
    const calls = Array.from({ length: 5 }, (_, index) =>
      scheduler.run(async () => {
        await sleep(30);
        return index;
      }),
    );
    await sleep(5);
    scheduler.stop(reason);
    const settled = await Promise.allSettled(calls);
    expect(settled.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected']);
    expect(settled.slice(2).every((result) => result.status === 'rejected' && result.reason === reason)).toBe(true);
    expect(await rejection(scheduler.run(async () => 1))).toBe(reason);
  });

  it('does not retry a running call that fails after the stop, and rejects calls sleeping before a retry', async () => {
    const scheduler = createCallScheduler({ concurrency: 2, baseDelayMs: 10_000, random: () => 1 });
    const reason = new XivdigestError({ code: 'BUDGET_EXCEEDED', message: 'budget reached' });
    const sleeper = scheduler.run(async () => {
      throw llmError('LLM_UNAVAILABLE', true);
    });
    const runner = scheduler.run(async () => {
      await sleep(30);
      throw llmError('LLM_TIMEOUT', true);
    });
    await sleep(5);
    scheduler.stop(reason);
    expect(await rejection(sleeper)).toBe(reason);
    expect(await rejection(runner)).toBe(reason);
    expect(scheduler.stats.queued).toBe(0);
  });

  it('stops on abort: queued calls reject with ABORTED and running ones see the signal', async () => {
    const controller = new AbortController();
    const scheduler = createCallScheduler({ concurrency: 1, signal: controller.signal });
    const running = scheduler.run(
      ({ signal }) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(new XivdigestError({ code: 'ABORTED', message: 'call aborted' })));
        }),
    );
    const queued = scheduler.run(async () => 1);
    controller.abort();
    const errors = await Promise.all([rejection(running), rejection(queued)]);
    for (const error of errors) expect(XivdigestError.isInstance(error) && error.code).toBe('ABORTED');
  });

  it('rejects limits that are not positive', () => {
    for (const options of [{ concurrency: 0 }, { concurrency: 1.5 }, { concurrency: 2, rpm: 0 }, { concurrency: 2, tpm: -1 }]) {
      let error: unknown;
      try {
        createCallScheduler(options);
      } catch (caught) {
        error = caught;
      }
      expect(XivdigestError.isInstance(error) && error.code).toBe('CONFIG_INVALID');
    }
  });
});
