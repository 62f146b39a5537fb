/** The polite HTTP client against a real local server: spacing, retries, Retry-After, timeouts, resets, aborts, resume. */
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../../core/errors.js';
import type { DocumentParser, SourceEvent } from '../../core/source.js';
import type { Paper } from '../../core/paper.js';
import { startTestServer, useTestServers, type TestServer } from '../../../test/helpers/http-server.js';
import { textLines } from './document-input.js';
import { createHttpClient, defaultUserAgent, fetchDocumentEvents, parseRetryAfter, type HttpClientOptions, type HttpEvent } from './http.js';

const serve = useTestServers();

/** Small intervals keep the suite quick on two cores; nothing below asserts how fast anything is. */
function client(options: HttpClientOptions = {}) {
  const events: HttpEvent[] = [];
  const http = createHttpClient({
    contact: 'tests@example.org',
    minIntervalMs: 0,
    retryBaseMs: 5,
    maxRetryDelayMs: 2000,
    timeoutMs: 2000,
    onEvent: (event) => events.push(event),
    ...options,
  });
  return { http, events };
}

async function caught(promise: Promise<unknown>): Promise<XivdigestError> {
  try {
    await promise;
  } catch (error) {
    if (XivdigestError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

/**
 * Gaps between arrivals at the server. The client counts its interval from the previous answer, which reaches it after
 * the server logged that request, so these gaps are at least the interval: a lower bound, never a speed.
 */
function gaps(server: TestServer): number[] {
  return server.requests.slice(1).map((request, index) => request.time - server.requests[index]!.time);
}

describe('createHttpClient', () => {
  it('sends a User-Agent that names xivdigest and the contact, plus the caller headers', async () => {
    const server = await serve({ '/a': { body: 'hello', headers: { 'content-type': 'text/plain' } } });
    const { http } = client();
    const response = await http.get(`${server.url}/a`, { headers: { accept: 'application/xml' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('hello');
    const agent = server.requests[0]!.headers['user-agent'];
    expect(agent).toMatch(/^xivdigest\/\d+\.\d+\.\d+ \(\+https:\/\/github\.com\/xivdigest\/xivdigest; mailto:tests@example\.org\)$/);
    expect(agent).toBe(http.userAgent);
    expect(server.requests[0]!.headers.accept).toBe('application/xml');
  });

  it('builds the default User-Agent with or without a contact, and refuses a contact that would break the header', () => {
    expect(defaultUserAgent()).toMatch(/^xivdigest\/\S+ \(\+https:\/\/github\.com\/xivdigest\/xivdigest\)$/);
    expect(defaultUserAgent('https://example.org/contact')).toContain('; https://example.org/contact)');
    expect(() => defaultUserAgent('me@example.org\r\nX-Evil: 1')).toThrow(/User-Agent/);
    expect(createHttpClient({ userAgent: 'custom/1' }).userAgent).toBe('custom/1');
  });

  it('streams the body in chunks as they arrive', async () => {
    const server = await serve({ '/big': { body: 'x'.repeat(100_000), chunkSize: 10_000, chunkDelayMs: 1 } });
    const { http } = client();
    const response = await http.get(`${server.url}/big`);
    let bytes = 0;
    let chunks = 0;
    for await (const chunk of response.body) {
      bytes += chunk.byteLength;
      chunks += 1;
    }
    expect(bytes).toBe(100_000);
    expect(chunks).toBeGreaterThan(1);
  });

  it('spaces requests to one host by minIntervalMs and queues concurrent callers in order', async () => {
    const server = await serve({ '/p': (request) => ({ body: request.query.n ?? '' }) });
    const { http, events } = client({ minIntervalMs: 150 });
    const bodies = await Promise.all([1, 2, 3].map(async (n) => (await http.get(`${server.url}/p?n=${n}`)).text()));
    expect(bodies).toEqual(['1', '2', '3']);
    expect(server.requests.map((request) => request.query.n)).toEqual(['1', '2', '3']);
    for (const gap of gaps(server)) expect(gap).toBeGreaterThanOrEqual(150);
    expect(events.filter((event) => event.type === 'request-delayed')).toHaveLength(2);
  });

  it('counts the interval from the end of the previous body', async () => {
    const server = await serve({ '/slow-body': { body: 'abc', chunkSize: 1, chunkDelayMs: 100 }, '/next': { body: 'n' } });
    const { http } = client({ minIntervalMs: 100 });
    expect(await (await http.get(`${server.url}/slow-body`)).text()).toBe('abc');
    await (await http.get(`${server.url}/next`)).text();
    // Two pauses of 100 ms inside the first body, then the interval.
    expect(gaps(server)[0]).toBeGreaterThanOrEqual(300);
  });

  it('keeps separate turns per host', async () => {
    const first = await serve({ '/x': { body: '1' } });
    const second = await serve({ '/x': { body: '2' } });
    const { http, events } = client({ minIntervalMs: 60_000 });
    await (await http.get(`${first.url}/x`)).text();
    await (await http.get(`${second.url}/x`)).text();
    // A second host gets its first request without a turn to wait for.
    expect(events.filter((event) => event.type === 'request-delayed')).toHaveLength(0);
  });

  it('honours Retry-After on 429, then succeeds', async () => {
    const server = await serve({
      '/limited': [{ status: 429, headers: { 'retry-after': '1' }, body: 'Rate exceeded.' }, { body: 'fine' }],
    });
    const { http, events } = client();
    const response = await http.get(`${server.url}/limited`, { label: 'arXiv API' });
    expect(await response.text()).toBe('fine');
    expect(server.requests).toHaveLength(2);
    expect(gaps(server)[0]).toBeGreaterThanOrEqual(1000);
    const retrying = events.find((event) => event.type === 'request-retrying');
    expect(retrying).toMatchObject({ reason: 'status 429', delayMs: 1000, retryAfter: true, status: 429, attempt: 1 });
    expect(retrying!.message).toBe(`arXiv API returned 429 for GET ${server.url}/limited: Rate exceeded.; retrying in 1 s (Retry-After) (attempt 2 of 5)`);
    expect(events.find((event) => event.type === 'request-delayed')).toMatchObject({ cause: 'retry-after' });
  });

  it('holds other requests to the host during a Retry-After', async () => {
    const server = await serve({
      '/first': [{ status: 503, headers: { 'retry-after': '1' } }, { body: 'a' }],
      '/second': { body: 'b' },
    });
    const { http } = client({ minIntervalMs: 10 });
    const first = http.get(`${server.url}/first`);
    // Queued behind the first request; it must not slip in while the server asked for a pause.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = http.get(`${server.url}/second`);
    await Promise.all([(await first).text(), (await second).text()]);
    const firstFailure = server.requests[0]!;
    const secondRequest = server.requestsTo('/second')[0]!;
    expect(secondRequest.time - firstFailure.time).toBeGreaterThanOrEqual(1000);
  });

  it('fails at once, saying when to retry, when Retry-After is longer than maxRetryDelayMs', async () => {
    const server = await serve({ '/later': { status: 503, headers: { 'retry-after': '3600' }, body: 'Maintenance' } });
    const { http, events } = client({ maxRetryDelayMs: 1000 });
    const error = await caught(http.get(`${server.url}/later`, { label: 'arXiv OAI-PMH' }));
    expect(server.requests).toHaveLength(1);
    expect(error.code).toBe('SOURCE_HTTP');
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain(`arXiv OAI-PMH returned 503 for GET ${server.url}/later: Maintenance`);
    expect(error.message).toContain('asks to retry in 3600 s (Retry-After)');
    expect(error.hint).toMatch(/^Try again after \d{4}-\d{2}-\d{2}T/);
    expect(error.details).toMatchObject({ status: 503, attempts: 1, retryAfterMs: 3_600_000 });
    expect(events.at(-1)).toMatchObject({ type: 'request-failed', attempts: 1 });
  });

  it('retries 500, 502, 503 and 504 with backoff and says how many attempts it made', async () => {
    const server = await serve({
      '/flaky': [{ status: 500 }, { status: 502 }, { status: 504 }, { status: 503, body: '<html>Service Unavailable</html>' }],
    });
    const { http, events } = client({ maxRetries: 3 });
    const error = await caught(http.get(`${server.url}/flaky`));
    expect(server.requests).toHaveLength(4);
    expect(error).toMatchObject({ code: 'SOURCE_HTTP', isRetryable: true });
    expect(error.message).toBe(
      `127.0.0.1:${new URL(server.url).port} returned 503 for GET ${server.url}/flaky: <html>Service Unavailable</html>; gave up after 4 attempts`,
    );
    expect(error.details).toMatchObject({ url: `${server.url}/flaky`, status: 503, bodyExcerpt: '<html>Service Unavailable</html>', attempts: 4 });
    const delays = events.flatMap((event) => (event.type === 'request-retrying' ? [event.delayMs] : []));
    expect(delays).toHaveLength(3);
    // Equal jitter: each delay lies in [backoff / 2, backoff] with backoff = 5, 10, 20 ms.
    [5, 10, 20].forEach((backoff, index) => {
      expect(delays[index]).toBeGreaterThanOrEqual(Math.floor(backoff / 2));
      expect(delays[index]).toBeLessThanOrEqual(backoff);
    });
  });

  it('fails at once on other 4xx, with the body excerpt and a hint', async () => {
    const server = await serve({ '/nope': { status: 404, body: `Not Found: ${'x'.repeat(500)}` } });
    const { http } = client();
    const error = await caught(http.get(`${server.url}/nope`));
    expect(server.requests).toHaveLength(1);
    expect(error).toMatchObject({ code: 'SOURCE_HTTP', isRetryable: false });
    expect(error.details).toMatchObject({ status: 404, attempts: 1 });
    expect(error.message).toMatch(
      /^127\.0\.0\.1:\d+ returned 404 for GET .*\/nope: Not Found: x+… \(1 attempt; not retried, as another try would fail the same way\)$/,
    );
    expect(String(error.details.bodyExcerpt).length).toBeLessThanOrEqual(201);
    expect(error.hint).toMatch(/base URL/);
  });

  it('hands back statuses listed in acceptStatus instead of throwing', async () => {
    const server = await serve({ '/bad': { status: 400, body: '<feed><entry><title>Error</title></entry></feed>' } });
    const { http } = client();
    const response = await http.get(`${server.url}/bad`, { acceptStatus: [400] });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Error');
  });

  it('times out a server that is slow to answer, then retries', async () => {
    const server = await serve({ '/slow': [{ delayMs: 5000, body: 'late' }, { body: 'quick' }] });
    const { http, events } = client({ timeoutMs: 400 });
    expect(await (await http.get(`${server.url}/slow`)).text()).toBe('quick');
    expect(events.find((event) => event.type === 'request-retrying')).toMatchObject({ reason: 'timeout' });
  });

  it('gives up on a server that hangs, with SOURCE_TIMEOUT and the attempt count', async () => {
    const server = await serve({ '/hang': { hang: true } });
    const { http } = client({ timeoutMs: 50, maxRetries: 2 });
    const error = await caught(http.get(`${server.url}/hang`, { label: 'arXiv RSS' }));
    expect(server.requests).toHaveLength(3);
    expect(error).toMatchObject({ code: 'SOURCE_TIMEOUT', isRetryable: true });
    expect(error.message).toBe(`arXiv RSS did not answer GET ${server.url}/hang within 50 ms; gave up after 3 attempts`);
  });

  it('raises SOURCE_TIMEOUT when the body stalls longer than the idle timeout', async () => {
    const server = await serve({ '/stall': { body: 'a'.repeat(30), chunkSize: 10, chunkDelayMs: 500 } });
    const { http } = client({ timeoutMs: 2000, bodyIdleTimeoutMs: 100 });
    const response = await http.get(`${server.url}/stall`);
    const error = await caught(response.text());
    expect(error).toMatchObject({ code: 'SOURCE_TIMEOUT', isRetryable: true });
    expect(error.details.phase).toBe('body');
    expect(error.message).toContain('stalled for 100 ms in the middle of the response');
  });

  it('retries a connection reset before the headers', async () => {
    const server = await serve({ '/reset': [{ reset: true }, { body: 'second time lucky' }] });
    const { http, events } = client();
    expect(await (await http.get(`${server.url}/reset`)).text()).toBe('second time lucky');
    const retrying = events.find((event) => event.type === 'request-retrying');
    expect(retrying?.type === 'request-retrying' && /ECONNRESET|UND_ERR_SOCKET/.test(retrying.reason)).toBe(true);
  });

  it('raises a retryable SOURCE_NETWORK when the connection drops mid-body', async () => {
    const server = await serve({ '/cut': { body: 'y'.repeat(50_000), reset: 'mid-body', resetAfterBytes: 20_000 } });
    const { http } = client();
    const response = await http.get(`${server.url}/cut`);
    const error = await caught(response.text());
    expect(error).toMatchObject({ code: 'SOURCE_NETWORK', isRetryable: true });
    expect(error.details.phase).toBe('body');
  });

  it('fails with SOURCE_NETWORK after its retries when nothing listens', async () => {
    // Started directly, not through serve(): it is closed here, before the request.
    const server = await startTestServer({});
    const url = `${server.url}/gone`;
    await server.close();
    const { http } = client({ maxRetries: 1 });
    const error = await caught(http.get(url));
    expect(error).toMatchObject({ code: 'SOURCE_NETWORK', isRetryable: true });
    expect(error.message).toMatch(/ECONNREFUSED\); gave up after 2 attempts$/);
  });

  it('rejects a URL that is not http(s)', async () => {
    const { http } = client();
    expect(await caught(http.get('ftp://example.org/x'))).toMatchObject({ code: 'USAGE' });
  });
});

describe('AbortSignal', () => {
  it('aborts while queued for the host, and the queue moves on', async () => {
    const server = await serve({ '/q': { body: 'ok' } });
    const { http } = client({ minIntervalMs: 300 });
    await (await http.get(`${server.url}/q?n=1`)).text();
    const controller = new AbortController();
    const queued = http.get(`${server.url}/q?n=2`, { signal: controller.signal });
    const next = http.get(`${server.url}/q?n=3`);
    controller.abort();
    expect(await caught(queued)).toMatchObject({ code: 'ABORTED' });
    expect(await (await next).text()).toBe('ok');
    expect(server.requests.map((request) => request.query.n)).toEqual(['1', '3']);
  });

  it('aborts during a retry wait', async () => {
    const server = await serve({ '/wait': { status: 503, headers: { 'retry-after': '2' } } });
    const controller = new AbortController();
    const { http } = client({ onEvent: (event) => event.type === 'request-retrying' && controller.abort() });
    const error = await caught(http.get(`${server.url}/wait`, { signal: controller.signal }));
    expect(error.code).toBe('ABORTED');
    expect(server.requests).toHaveLength(1);
  });

  it('aborts a request waiting for headers, and one reading the body', async () => {
    const server = await serve({ '/hang': { hang: true }, '/trickle': { body: 'z'.repeat(100), chunkSize: 10, chunkDelayMs: 200 } });
    const { http } = client({ timeoutMs: 10_000 });
    const controller = new AbortController();
    const hanging = http.get(`${server.url}/hang`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await caught(hanging)).toMatchObject({ code: 'ABORTED' });

    const second = new AbortController();
    const response = await http.get(`${server.url}/trickle`, { signal: second.signal });
    const reading = response.text();
    setTimeout(() => second.abort(), 50);
    expect(await caught(reading)).toMatchObject({ code: 'ABORTED' });
  });

  it('fails at once with an already aborted signal', async () => {
    const server = await serve({ '/x': { body: 'x' } });
    const { http } = client();
    expect(await caught(http.get(`${server.url}/x`, { signal: AbortSignal.abort() }))).toMatchObject({ code: 'ABORTED' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP-dates', () => {
    const now = Date.parse('2025-04-28T12:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Mon, 28 Apr 2025 12:01:30 GMT', now)).toBe(90_000);
    expect(parseRetryAfter('Mon, 28 Apr 2025 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

/** A deliberately tiny parser for the resume test: each line `ID` is one paper. */
const lineParser: DocumentParser = async function* (input) {
  yield { type: 'feed', feed: { format: 'arxiv-rss', origin: 'test' } };
  for await (const line of textLines(input)) {
    if (!line) continue;
    const paper = { id: line, version: 1 } as Paper;
    yield { type: 'paper', paper };
  }
};

describe('fetchDocumentEvents', () => {
  const lines = Array.from({ length: 2000 }, (_, index) => `2401.${String(index).padStart(5, '0')}`).join('\n') + '\n';

  it('fetches a document again after it broke off, skipping what was already yielded', async () => {
    const server = await serve({ '/doc': [{ body: lines, reset: 'mid-body', resetAfterBytes: 9000, chunkSize: 4096 }, { body: lines }] });
    const { http, events } = client();
    const got: SourceEvent[] = [];
    for await (const event of fetchDocumentEvents(http, `${server.url}/doc`, lineParser)) got.push(event);
    expect(server.requests).toHaveLength(2);
    expect(got.filter((event) => event.type === 'feed')).toHaveLength(1);
    const ids = got.flatMap((event) => (event.type === 'paper' ? [event.paper.id] : []));
    expect(ids).toHaveLength(2000);
    expect(new Set(ids).size).toBe(2000);
    expect(events.find((event) => event.type === 'response-resumed')).toMatchObject({ attempt: 1 });
  });

  it('refuses to mix two different documents', async () => {
    const other = lines.replace('2401.00001', '2401.99999');
    const server = await serve({ '/doc': [{ body: lines, reset: 'mid-body', resetAfterBytes: 9000, chunkSize: 4096 }, { body: other }] });
    const { http } = client();
    const consume = async (): Promise<void> => {
      for await (const event of fetchDocumentEvents(http, `${server.url}/doc`, lineParser)) void event;
    };
    const error = await caught(consume());
    expect(error.code).toBe('SOURCE_NETWORK');
    expect(error.message).toContain('had changed');
  });

  it('gives up after maxResumes', async () => {
    const server = await serve({ '/doc': { body: lines, reset: 'mid-body', resetAfterBytes: 9000, chunkSize: 4096 } });
    const { http } = client();
    const consume = async (): Promise<void> => {
      for await (const event of fetchDocumentEvents(http, `${server.url}/doc`, lineParser, { maxResumes: 1 })) void event;
    };
    expect(await caught(consume())).toMatchObject({ code: 'SOURCE_NETWORK' });
    expect(server.requests).toHaveLength(2);
  });
});
