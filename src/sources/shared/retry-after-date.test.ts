/** An HTTP-date Retry-After counts from the server's Date header, so a server clock behind ours still gets its pause. */
import { describe, expect, it } from 'vitest';
import { useTestServers } from '../../../test/helpers/http-server.js';
import { createHttpClient, type HttpEvent } from './http.js';

const serve = useTestServers();

describe('Retry-After as an HTTP-date', () => {
  it("waits the gap between the response's Date and the Retry-After date, whatever our clock says", async () => {
    // The server's clock is an hour behind: measured from our clock the date is long past (no wait at all).
    const serverNow = new Date(Math.floor((Date.now() - 3_600_000) / 1000) * 1000);
    const retryAt = new Date(serverNow.getTime() + 1000);
    const server = await serve({
      '/later': [{ status: 503, headers: { date: serverNow.toUTCString(), 'retry-after': retryAt.toUTCString() } }, { body: 'fine' }],
    });
    const events: HttpEvent[] = [];
    const http = createHttpClient({
      contact: 'tests@example.org',
      minIntervalMs: 0,
      retryBaseMs: 5,
      maxRetryDelayMs: 2000,
      onEvent: (event) => events.push(event),
    });
    expect(await (await http.get(`${server.url}/later`)).text()).toBe('fine');
    expect(events.find((event) => event.type === 'request-retrying')).toMatchObject({ delayMs: 1000, retryAfter: true, status: 503 });
  });

  it('ignores a Retry-After that is not delay-seconds or an HTTP-date, and backs off on its own schedule', async () => {
    const server = await serve({ '/later': [{ status: 503, headers: { 'retry-after': '2025-04-28T12:01:00Z' } }, { body: 'fine' }] });
    const events: HttpEvent[] = [];
    const http = createHttpClient({
      contact: 'tests@example.org',
      minIntervalMs: 0,
      retryBaseMs: 5,
      maxRetryDelayMs: 2000,
      onEvent: (event) => events.push(event),
    });
    expect(await (await http.get(`${server.url}/later`)).text()).toBe('fine');
    expect(events.find((event) => event.type === 'request-retrying')).toMatchObject({ retryAfter: false, status: 503 });
  });
});
