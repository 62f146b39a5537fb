/** Tests of the Zotero web API reader against a local server that speaks the API's shape (paging, Backoff, 429, errors). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../core/errors.js';
import { ownFixture } from '../../test/helpers/shared-fixtures.js';
import { useTestServers, type RecordedRequest } from '../../test/helpers/http-server.js';
import { fetchZoteroLibrary } from './zotero-api.js';

const serve = useTestServers();
const page1 = readFileSync(ownFixture('library', 'zotero-api-page1.json'), 'utf8');
const page2 = readFileSync(ownFixture('library', 'zotero-api-page2.json'), 'utf8');
const apiKey = 'P9NiFoyLeZu2bZNvvuQPDWsd';

const expected = [
  {
    title: 'Attention Is All You Need',
    abstract: 'The dominant sequence transduction models are based on complex recurrent or convolutional neural networks.',
    authors: ['Ashish Vaswani', 'Noam Shazeer'],
    arxivId: '1706.03762',
    doi: '10.48550/arxiv.1706.03762',
    year: 2017,
    added: '2023-05-01T10:00:00Z',
    source: 'zotero:users/123/items/ATTN0001',
  },
  {
    title: 'Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks',
    authors: ['Patrick Lewis'],
    arxivId: '2005.11401',
    year: 2020,
    added: '2024-01-15T12:30:00Z',
    source: 'zotero:users/123/items/RAG00001',
  },
];

describe('fetchZoteroLibrary', () => {
  it('pages by Link rel="next", waits out Backoff and a 429 Retry-After, and sends the API headers', async () => {
    const nextLink = (request: RecordedRequest): string =>
      `<http://${request.headers.host}/users/123/items/top?format=json&limit=2&start=2>; rel="next", <http://${request.headers.host}/users/123/items/top?format=json&limit=2&start=2>; rel="last"`;
    const server = await serve([
      {
        path: '/users/123/items/top',
        query: { start: '0' },
        reply: (request) => ({
          headers: { 'content-type': 'application/json', 'total-results': '4', link: nextLink(request), backoff: '1' },
          body: page1,
        }),
      },
      {
        path: '/users/123/items/top',
        query: { start: '2' },
        reply: [
          { status: 429, headers: { 'retry-after': '1' }, body: 'Too many requests' },
          { headers: { 'content-type': 'application/json', 'total-results': '4' }, body: page2 },
        ],
      },
    ]);
    const waits: string[] = [];
    const result = await fetchZoteroLibrary({ userId: '123', apiKey, baseUrl: server.url, limit: 2, onWait: (ms, reason) => waits.push(`${reason}:${ms}`) });
    expect(result.items).toEqual(expected);
    expect(result.problems).toEqual([{ line: 0, message: 'webpage EMPTY001 has no title, arXiv id or DOI; skipped' }]);
    expect(result.totalResults).toBe(4);
    expect(waits).toEqual(['Backoff:1000', '429:1000']);
    expect(server.requests.map((request) => request.query.start)).toEqual(['0', '2', '2']);
    for (const request of server.requests) {
      expect(request.headers['zotero-api-key']).toBe(apiKey);
      expect(request.headers['zotero-api-version']).toBe('3');
      expect(request.query).toMatchObject({ format: 'json', limit: '2' });
    }
    // The backoff and the retry really waited: the requests are at least a second apart.
    expect(server.requests[1]!.time - server.requests[0]!.time).toBeGreaterThanOrEqual(900);
  });

  it('pages by Total-Results when there is no Link header, and reads one collection', async () => {
    const server = await serve([
      { path: '/users/123/collections/READLIST/items/top', query: { start: '0' }, reply: { headers: { 'total-results': '4' }, body: page1 } },
      { path: '/users/123/collections/READLIST/items/top', query: { start: '2' }, reply: { headers: { 'total-results': '4' }, body: page2 } },
    ]);
    const result = await fetchZoteroLibrary({ userId: '123', baseUrl: `${server.url}/`, collection: 'READLIST', limit: 2 });
    expect(result.items).toEqual(expected);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]!.headers['zotero-api-key']).toBeUndefined();
  });

  it('fails with SOURCE_HTTP and a hint on 403, without the API key anywhere', async () => {
    const server = await serve({ '/users/123/items/top': { status: 403, body: `Invalid key ${apiKey}` } });
    const error = await fetchZoteroLibrary({ userId: '123', apiKey, baseUrl: server.url }).catch((caught: unknown) => caught);
    expect(XivdigestError.isInstance(error)).toBe(true);
    const failure = error as XivdigestError;
    expect(failure.code).toBe('SOURCE_HTTP');
    expect(failure.message).toMatch(/Zotero API returned 403 for GET http:\/\/127\.0\.0\.1:\d+\/users\/123\/items\/top/);
    expect(failure.hint).toMatch(/API key/);
    expect(JSON.stringify({ message: failure.message, hint: failure.hint, details: failure.details })).not.toContain(apiKey);
    expect(failure.message).toContain('Invalid key ***');
  });

  it('refuses a Retry-After longer than it may wait, saying when to try again', async () => {
    const server = await serve({ '/users/123/items/top': { status: 503, headers: { 'retry-after': '3600' } } });
    const error = await fetchZoteroLibrary({ userId: '123', baseUrl: server.url, maxWaitMs: 10_000 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SOURCE_HTTP', isRetryable: true, details: { waitMs: 3_600_000 } });
    expect((error as XivdigestError).message).toMatch(/asked to wait 3600 s/);
    expect(server.requests).toHaveLength(1);
  });

  it('fails with INPUT_MALFORMED when the body is not an item list', async () => {
    const server = await serve({ '/users/123/items/top': { body: '<html>login</html>' } });
    await expect(fetchZoteroLibrary({ userId: '123', baseUrl: server.url })).rejects.toMatchObject({ code: 'INPUT_MALFORMED' });
    const objectServer = await serve({ '/groups/9/items/top': { body: '{"message":"x"}' } });
    await expect(fetchZoteroLibrary({ userId: '9', libraryType: 'group', baseUrl: objectServer.url })).rejects.toMatchObject({
      code: 'INPUT_MALFORMED',
      message: expect.stringMatching(/an object instead of an item list/),
    });
  });

  it('fails with SOURCE_NETWORK when nothing listens, after its retries', async () => {
    const server = await serve({});
    const url = server.url;
    await server.close();
    await expect(fetchZoteroLibrary({ userId: '1', baseUrl: url, maxRetries: 0 })).rejects.toMatchObject({ code: 'SOURCE_NETWORK' });
  });
});
