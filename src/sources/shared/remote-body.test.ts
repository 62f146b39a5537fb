/** A downloaded body that is not the expected document (an HTML page, a body cut short) is a source error (exit 5), not bad local input (4). */
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../../core/errors.js';
import { exitCodeFor, EXIT } from '../../cli/exit.js';
import { useTestServers } from '../../../test/helpers/http-server.js';
import { createHttpClient } from './http.js';
import { createArxivRssSource } from '../arxiv-rss/index.js';
import { createArxivApiSource } from '../arxiv-api/index.js';

const serve = useTestServers();
const http = () => createHttpClient({ contact: 'remote-body@example.org', minIntervalMs: 0, retryBaseMs: 5, timeoutMs: 2000, maxRetries: 0 });

async function failure(iterable: AsyncIterable<unknown>): Promise<XivdigestError> {
  try {
    for await (const event of iterable) void event;
  } catch (error) {
    if (XivdigestError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('no error');
}

const HTML = '<!DOCTYPE html>\n<html><head><title>Service Unavailable</title></head><body><p>Back soon<br></body></html>';

describe('remote bodies that are not the document', () => {
  for (const [what, body] of [
    ['an HTML page', HTML],
    ['a feed cut short', '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>cs.CL updates</title><item><title>A paper'],
  ] as const) {
    it(`the feed source reports ${what} as SOURCE_HTTP (exit 5)`, async () => {
      const server = await serve({ '/rss/cs.CL': { headers: { 'content-type': 'application/rss+xml' }, body } });
      const source = createArxivRssSource({ baseUrl: server.url, http: http() });
      const error = await failure(source.fetch({ categories: ['cs.CL'] }));
      expect(error.code).toBe('SOURCE_HTTP');
      expect(exitCodeFor(error)).toBe(EXIT.source);
      expect(error.message).toMatch(/not the expected document for GET http:\/\/127\.0\.0\.1:\d+\/rss\/cs\.CL/);
      expect(error.isRetryable).toBe(true);
    });
  }

  it('the API source reports an HTML page as SOURCE_HTTP (exit 5)', async () => {
    const server = await serve({ '/api/query': { headers: { 'content-type': 'text/html' }, body: HTML } });
    const source = createArxivApiSource({ baseUrl: `${server.url}/api/query`, http: http() });
    const error = await failure(source.fetch({ categories: ['cs.CL'], from: '2024-01-01', until: '2024-01-02' }));
    expect(exitCodeFor(error)).toBe(EXIT.source);
  });
});
