/** The scheduler's circuit breaker: real connection failures (a closed port, a server that resets) open it; HTTP answers do not. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XivdigestError } from '../core/errors.js';
import { fakePaperRequest, startFakeLlmServer, type FakeLlmServer } from '../../test/helpers/fake-llm-server.js';
import { closedPort, startResettingServer } from '../../test/helpers/llm-sinks.js';
import { syntheticPapers } from '../../test/helpers/synthetic-papers.js';
import { createOpenAiCompatibleProvider } from './openai-compatible/index.js';
import { createCallScheduler, isConnectionFailure, type CallSchedulerEvent } from './scheduler.js';

const papers = syntheticPapers(30, 6000);
const KEY = 'sk-breaker-secret-0123456789';

function settleAll(baseUrl: string, events: CallSchedulerEvent[], count = papers.length) {
  const provider = createOpenAiCompatibleProvider({ baseUrl, model: 'gpt-4o-mini', apiKey: KEY, timeoutMs: 5_000 });
  const scheduler = createCallScheduler({
    concurrency: 4,
    maxAttempts: 4,
    baseDelayMs: 5,
    maxDelayMs: 20,
    connectionFailuresToStop: 5,
    onEvent: (event) => events.push(event),
  });
  return Promise.allSettled(
    papers
      .slice(0, count)
      .map((paper) => scheduler.run(({ signal }) => provider.generate({ ...fakePaperRequest(paper), ...(signal ? { signal } : {}) }), { label: paper.id })),
  );
}

describe('circuit breaker', () => {
  let server: FakeLlmServer;
  beforeAll(async () => {
    server = await startFakeLlmServer({ papers, apiKey: KEY });
  });
  afterAll(async () => {
    await server.close();
  });

  it('stops after 5 connection resets in a row: one error naming the URL and what to check, and few calls', async () => {
    const sink = await startResettingServer();
    try {
      const events: CallSchedulerEvent[] = [];
      const settled = await settleAll(sink.url, events);
      expect(settled.every((result) => result.status === 'rejected')).toBe(true);
      const opened = events.filter((event) => event.type === 'circuit-opened');
      expect(opened).toHaveLength(1);
      const error = (opened[0] as Extract<CallSchedulerEvent, { type: 'circuit-opened' }>).error;
      expect(error.code).toBe('LLM_UNAVAILABLE');
      expect(error.message).toContain(`${sink.url}/chat/completions`);
      expect(error.hint).toMatch(/OPENAI_API_BASE/);
      expect(`${error.message} ${error.hint}`).not.toContain(KEY);
      // Every queued call rejects with that one error: callers report it once.
      const reasons = new Set(settled.map((result) => (result as PromiseRejectedResult).reason));
      expect(reasons.size).toBe(1);
      expect(sink.connections).toBeLessThanOrEqual(8);
    } finally {
      await sink.close();
    }
  });

  it('opens on a closed port too, and counts it as a connection failure', async () => {
    const events: CallSchedulerEvent[] = [];
    const settled = await settleAll(`http://127.0.0.1:${await closedPort()}/v1`, events, 10);
    const reason = (settled[0] as PromiseRejectedResult).reason as XivdigestError;
    expect(reason.code).toBe('LLM_UNAVAILABLE');
    expect(isConnectionFailure(reason.cause)).toBe(true);
    expect(events.filter((event) => event.type === 'circuit-opened')).toHaveLength(1);
  });

  it('does not open on HTTP errors: 500s are retried and answered calls reset the count', async () => {
    // Every paper's first two attempts get 500: far more than 5 failures in all, never a connection failure.
    server.setFaults({ byPaper: Object.fromEntries(papers.map((paper) => [paper.id, ['server-error', 'server-error', null]])) });
    try {
      const events: CallSchedulerEvent[] = [];
      const settled = await settleAll(server.url, events, 12);
      expect(settled.every((result) => result.status === 'fulfilled')).toBe(true);
      expect(events.some((event) => event.type === 'circuit-opened')).toBe(false);
      expect(
        isConnectionFailure(new XivdigestError({ code: 'LLM_UNAVAILABLE', message: '500', isRetryable: true, details: { url: 'http://x', status: 500 } })),
      ).toBe(false);
    } finally {
      server.setFaults(undefined);
    }
  });
});
