/** Self-test of the local test server: routes, sequences, query matchers, files and each injected fault. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './http-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A raw GET with node:http, so that the server is tested without the client under test. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

describe('startTestServer', () => {
  it('serves a sequence of replies in order, repeating the last, and records each request', async () => {
    server = await startTestServer({ '/feed': [{ status: 503, body: 'busy' }, { body: 'ok' }] });
    expect((await get(`${server.url}/feed?x=1`, { 'user-agent': 'probe/1' })).status).toBe(503);
    expect(await get(`${server.url}/feed`)).toMatchObject({ status: 200, body: 'ok' });
    expect(await get(`${server.url}/feed`)).toMatchObject({ status: 200, body: 'ok' });
    expect(server.requests).toHaveLength(3);
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/feed', query: { x: '1' }, url: '/feed?x=1', route: 0 });
    expect(server.requests[0]!.headers['user-agent']).toBe('probe/1');
    expect(server.requests[1]!.time).toBeGreaterThanOrEqual(server.requests[0]!.time);
  });

  it('matches routes by query and answers 404 to the rest', async () => {
    server = await startTestServer([
      { path: '/oai', query: { verb: 'ListRecords', resumptionToken: null }, reply: { body: 'first' } },
      { path: '/oai', query: { resumptionToken: /^\d+\|\d+$/ }, reply: { body: 'next' } },
      { path: '/q', query: (query) => query.get('start') === '10', reply: { body: 'page 2' } },
    ]);
    expect((await get(`${server.url}/oai?verb=ListRecords&set=cs`)).body).toBe('first');
    expect((await get(`${server.url}/oai?verb=ListRecords&resumptionToken=12%7C1001`)).body).toBe('next');
    expect((await get(`${server.url}/q?start=10`)).body).toBe('page 2');
    const missing = await get(`${server.url}/q?start=0`);
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('no test route for GET /q?start=0');
    expect(server.requests.at(-1)!.route).toBe(-1);
    expect(server.requestsTo('/oai')).toHaveLength(2);
  });

  it('streams a file in chunks and accepts reply functions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xivdigest-server-'));
    const file = join(dir, 'big.txt');
    writeFileSync(file, 'abcdefghij'.repeat(1000));
    server = await startTestServer({
      '/file': { file, chunkSize: 1000, headers: { 'content-type': 'text/plain' } },
      '/echo': (request) => ({ body: `you asked for ${request.query.id}` }),
    });
    const file1 = await get(`${server.url}/file`);
    expect(file1.body).toHaveLength(10_000);
    expect(file1.headers['content-type']).toBe('text/plain');
    expect((await get(`${server.url}/echo?id=7`)).body).toBe('you asked for 7');
  });

  it('resets the connection before the headers or mid-body', async () => {
    server = await startTestServer({
      '/early': { reset: true },
      '/late': { body: 'x'.repeat(4000), reset: 'mid-body', resetAfterBytes: 1000 },
    });
    await expect(get(`${server.url}/early`)).rejects.toMatchObject({ code: 'ECONNRESET' });
    await expect(get(`${server.url}/late`)).rejects.toThrow(/aborted|ECONNRESET|socket hang up/);
  });

  it('delays headers, slows the body, and hangs until closed', async () => {
    server = await startTestServer({
      '/slow': { body: 'abcdef', chunkSize: 2, chunkDelayMs: 10, delayMs: 10 },
      '/hang': { hang: true },
    });
    expect((await get(`${server.url}/slow`)).body).toBe('abcdef');
    const hanging = get(`${server.url}/hang`);
    // The hang is only observable by its end: closing the server breaks it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.close();
    server = undefined;
    await expect(hanging).rejects.toThrow();
  });
});
