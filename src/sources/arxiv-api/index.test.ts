/** The arXiv API source against a local server that plays export.arxiv.org: queries, paging, the empty-page lag, faults. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../../core/errors.js';
import type { Paper } from '../../core/paper.js';
import type { FeedInfo, PageInfo, SourceEvent, SourceQuery } from '../../core/source.js';
import { useTestServers, type TestServer } from '../../../test/helpers/http-server.js';
import { hasSharedFixtures, ownFixture, sharedFixture } from '../../../test/helpers/shared-fixtures.js';
import { createHttpClient, type HttpClientOptions, type HttpEvent } from '../shared/http.js';
import { buildSearchQuery, createArxivApiSource, type ArxivApiSourceOptions } from './index.js';

const own = (name: string): string => ownFixture('http', name);
const shared = (name: string): string => sharedFixture('arxiv', name);
/** The XML inside one of arxiv.py's recorded responses `{url, status_code, body}`. */
const recordedBody = (name: string): string => (JSON.parse(readFileSync(shared(name), 'utf8')) as { body: string }).body;

const serve = useTestServers();

function setup(server: TestServer, options: Partial<ArxivApiSourceOptions> = {}, http: HttpClientOptions = {}) {
  const events: HttpEvent[] = [];
  const client = createHttpClient({
    contact: 'api-tests@example.org',
    minIntervalMs: 0,
    retryBaseMs: 5,
    timeoutMs: 2000,
    onEvent: (event) => events.push(event),
    ...http,
  });
  return { source: createArxivApiSource({ baseUrl: `${server.url}/api/query`, http: client, ...options }), events };
}

async function collect(iterable: AsyncIterable<SourceEvent>): Promise<{ events: SourceEvent[]; feeds: FeedInfo[]; papers: Paper[]; pages: PageInfo[] }> {
  const events: SourceEvent[] = [];
  for await (const event of iterable) events.push(event);
  return {
    events,
    feeds: events.flatMap((event) => (event.type === 'feed' ? [event.feed] : [])),
    papers: events.flatMap((event) => (event.type === 'paper' ? [event.paper] : [])),
    pages: events.flatMap((event) => (event.type === 'page' ? [event.page] : [])),
  };
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

const page = (start: number) => ({ path: '/api/query', query: { start: String(start) } });
const pages = [
  { ...page(0), reply: { file: own('api-page-1.xml') } },
  { ...page(2), reply: { file: own('api-page-2.xml') } },
  { ...page(4), reply: { file: own('api-page-3.xml') } },
];
const query: SourceQuery = { categories: ['cs.CL'], from: '2024-01-01', until: '2024-01-05' };

describe('buildSearchQuery', () => {
  it('joins categories with OR, and search, categories and dates with AND', () => {
    expect(buildSearchQuery({ categories: ['cs.CL', 'cs.AI'] })).toBe('cat:cs.CL OR cat:cs.AI');
    expect(buildSearchQuery({ categories: ['cs.CL'], from: '2024-01-01', until: '2024-01-05' })).toBe(
      'cat:cs.CL AND submittedDate:[202401010000 TO 202401052359]',
    );
    expect(buildSearchQuery({ searchQuery: 'ti:transformer AND au:smith', categories: ['cs.CL', 'cs.AI'], from: '2024-01-01' })).toBe(
      '(ti:transformer AND au:smith) AND (cat:cs.CL OR cat:cs.AI) AND submittedDate:[202401010000 TO 209912312359]',
    );
    expect(buildSearchQuery({ ids: ['2401.00001'] })).toBeUndefined();
  });

  it('refuses categories and days it cannot read', () => {
    expect(() => buildSearchQuery({ categories: ['cs CL'] })).toThrow(/not an arXiv category/);
    expect(() => buildSearchQuery({ from: '1 Jan 2024' })).toThrow(/not a day/);
  });
});

describe('createArxivApiSource with own fixtures', () => {
  it('pages with start and max_results until totalResults, one page event per page, spaced by the interval', async () => {
    const server = await serve(pages);
    const { source } = setup(server, { pageSize: 2 }, { minIntervalMs: 100 });
    const { events, feeds, papers, pages: ends } = await collect(source.fetch(query));

    expect(server.requests.map((request) => request.query)).toEqual(
      [0, 2, 4].map((start) => ({
        search_query: 'cat:cs.CL AND submittedDate:[202401010000 TO 202401052359]',
        sortBy: 'submittedDate',
        sortOrder: 'descending',
        start: String(start),
        max_results: start === 4 ? '1' : '2',
      })),
    );
    expect(events[0]!.type).toBe('feed');
    expect(feeds).toHaveLength(1);
    expect(feeds[0]!.totalResults).toBe(5);
    expect(papers.map((paper) => paper.id)).toEqual(['2401.00105', '2401.00104', '2401.00103', '2401.00102', '2401.00101']);
    expect(ends).toEqual([{ count: 2 }, { count: 2 }, { count: 1 }]);
    expect(server.requests[0]!.headers['user-agent']).toMatch(/^xivdigest\/.*mailto:api-tests@example\.org\)$/);
    for (let index = 1; index < server.requests.length; index += 1) {
      expect(server.requests[index]!.time - server.requests[index - 1]!.time).toBeGreaterThanOrEqual(100);
    }
  });

  it('asks again for a page that comes back empty although totalResults says more remain', async () => {
    const server = await serve([
      pages[0]!,
      { ...page(2), reply: [{ file: own('api-empty-page.xml') }, { file: own('api-empty-page.xml') }, { file: own('api-page-2.xml') }] },
      pages[2]!,
    ]);
    const { source, events } = setup(server, { pageSize: 2 }, { minIntervalMs: 50 });
    const { papers, pages: ends } = await collect(source.fetch(query));
    expect(papers).toHaveLength(5);
    expect(server.requests.map((request) => request.query.start)).toEqual(['0', '2', '2', '2', '4']);
    const lag = events.filter((event) => event.type === 'request-retrying');
    expect(lag.map((event) => event.type === 'request-retrying' && event.reason)).toEqual(['empty page', 'empty page']);
    expect(lag[0]!.message).toContain('although totalResults is 5');
    expect(ends).toEqual([{ count: 2 }, { count: 2 }, { count: 1 }]);
    // The retries keep the polite interval too.
    expect(server.requests[2]!.time - server.requests[1]!.time).toBeGreaterThanOrEqual(50);
  });

  it('gives up with ARXIV_API_ERROR when the page stays empty', async () => {
    const server = await serve([pages[0]!, { ...page(2), reply: { file: own('api-empty-page.xml') } }]);
    const { source } = setup(server, { pageSize: 2, emptyPageRetries: 2 });
    const ids: string[] = [];
    const consume = async (): Promise<void> => {
      for await (const event of source.fetch(query)) if (event.type === 'paper') ids.push(event.paper.id);
    };
    const error = await caught(consume());
    expect(error).toMatchObject({ code: 'ARXIV_API_ERROR', isRetryable: true, details: { start: 2, totalResults: 5, attempts: 3 } });
    expect(error.message).toContain('empty page');
    expect(error.hint).toMatch(/again in a few minutes/);
    expect(ids).toEqual(['2401.00105', '2401.00104']);
    expect(server.requestsTo('/api/query')).toHaveLength(4);
  });

  it('asks for no more than the limit', async () => {
    const server = await serve(pages);
    const { source } = setup(server, { pageSize: 2 });
    const { papers } = await collect(source.fetch({ ...query, limit: 3 }));
    expect(papers).toHaveLength(3);
    expect(server.requests.map((request) => request.query.max_results)).toEqual(['2', '1']);
  });

  it('sends id_list without a sort, keeping the order of the ids', async () => {
    const server = await serve({ '/api/query': { file: own('api-page-3.xml') } });
    const { source } = setup(server);
    const { papers } = await collect(source.fetch({ ids: ['2401.00101', 'hep-th/9901001'] }));
    expect(server.requests[0]!.query).toEqual({ id_list: '2401.00101,hep-th/9901001', start: '0', max_results: '100' });
    expect(papers).toHaveLength(1);
  });

  it("turns the API's 400 error feed into ARXIV_API_ERROR", async () => {
    const server = await serve({ '/api/query': { status: 400, file: own('api-error-bad-id.xml') } });
    const { source } = setup(server);
    const error = await caught(collect(source.fetch({ ids: ['xyz'] })));
    expect(error.code).toBe('ARXIV_API_ERROR');
    expect(error.message).toContain('incorrect id format for xyz');
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 503, a response slower than the timeout and a reset, and resumes a body cut short', async () => {
    const server = await serve([
      { ...page(0), reply: [{ status: 503, body: 'busy' }, { delayMs: 5000, file: own('api-page-1.xml') }, { file: own('api-page-1.xml') }] },
      {
        ...page(2),
        reply: [{ reset: true }, { file: own('api-page-2.xml'), reset: 'mid-body', resetAfterBytes: 1600, chunkSize: 256 }, { file: own('api-page-2.xml') }],
      },
      pages[2]!,
    ]);
    const { source, events } = setup(server, { pageSize: 2 }, { timeoutMs: 400 });
    const { papers } = await collect(source.fetch(query));
    expect(papers.map((paper) => paper.id)).toEqual(['2401.00105', '2401.00104', '2401.00103', '2401.00102', '2401.00101']);
    const reasons = events.flatMap((event) => (event.type === 'request-retrying' ? [event.reason] : []));
    expect(reasons.slice(0, 2)).toEqual(['status 503', 'timeout']);
    expect(reasons).toHaveLength(3);
    expect(events.filter((event) => event.type === 'response-resumed')).toHaveLength(1);
  });

  it('gives up on a server that hangs, saying how many attempts it made', async () => {
    const server = await serve({ '/api/query': { hang: true } });
    const { source } = setup(server, {}, { timeoutMs: 50, maxRetries: 2 });
    const error = await caught(collect(source.fetch(query)));
    expect(error).toMatchObject({ code: 'SOURCE_TIMEOUT' });
    expect(error.message).toMatch(/^arXiv API did not answer GET .* within 50 ms; gave up after 3 attempts$/);
  });

  it('refuses a query with nothing to search for, and a page size over 2000', async () => {
    const server = await serve({});
    const { source } = setup(server);
    expect(await caught(collect(source.fetch({})))).toMatchObject({ code: 'USAGE' });
    expect(() => setup(server, { pageSize: 2001 })).toThrow(/pageSize/);
    expect(server.requests).toHaveLength(0);
  });
});

describe.skipIf(!hasSharedFixtures)('createArxivApiSource with real arXiv responses', () => {
  it('pages through a real search, riding out a real empty page', async () => {
    const server = await serve([
      { ...page(0), reply: { file: shared('api-legacy-search-au-del_maestro-2016-10-09.xml') } },
      {
        ...page(10),
        reply: [
          { body: recordedBody('api-2026-golden-id_0000.0000_s0_m100_8b51d9633a68.json') },
          { body: recordedBody('api-2026-golden-id_astro-ph_0601001_s0_m100_3150dca9dc76.json') },
        ],
      },
    ]);
    const { source, events } = setup(server, { pageSize: 10 });
    const { feeds, papers, pages: ends } = await collect(source.fetch({ searchQuery: 'au:del_maestro', limit: 12 }));
    expect(server.requests.map((request) => [request.query.start, request.query.max_results])).toEqual([
      ['0', '10'],
      ['10', '2'],
      ['10', '2'],
    ]);
    expect(server.requests[0]!.query.search_query).toBe('au:del_maestro');
    expect(feeds).toHaveLength(1);
    expect(feeds[0]!.totalResults).toBe(31);
    expect(papers).toHaveLength(11);
    expect(papers[10]!.id).toBe('astro-ph/0601001');
    expect(ends.map((end) => end.count)).toEqual([10, 1]);
    expect(events.filter((event) => event.type === 'request-retrying')).toHaveLength(1);
  });

  it('reads a real empty result as empty, without asking again', async () => {
    const server = await serve({ '/api/query': { body: recordedBody('api-2026-golden-id_0000.0000_s0_m100_8b51d9633a68.json') } });
    const { source } = setup(server);
    const { feeds, papers, pages: ends } = await collect(source.fetch({ ids: ['0000.0000'] }));
    expect(feeds).toHaveLength(1);
    expect(papers).toEqual([]);
    expect(ends).toEqual([{ count: 0 }]);
    expect(server.requests).toHaveLength(1);
  });

  it("raises ARXIV_API_ERROR for the real 400 'incorrect id format' answer", async () => {
    const server = await serve({ '/api/query': { status: 400, body: recordedBody('api-2026-golden-id_abc_s0_m100_b79c8dcf6bc3.json') } });
    const { source } = setup(server);
    const error = await caught(collect(source.fetch({ ids: ['abc'] })));
    expect(error.code).toBe('ARXIV_API_ERROR');
    expect(error.message).toContain('incorrect id format for abc');
  });

  it('reads a real id_list answer that dropped an invalid id', async () => {
    const server = await serve({ '/api/query': { body: recordedBody('api-2026-golden-id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.json') } });
    const { source } = setup(server);
    const { papers } = await collect(source.fetch({ ids: ['0808.05394', '1707.08567'] }));
    expect(papers.map((paper) => paper.id)).toEqual(['1707.08567']);
  });

  it('waits out a 429 with Retry-After: 1 before a real page', async () => {
    const server = await serve({
      '/api/query': [{ status: 429, headers: { 'retry-after': '1' } }, { body: recordedBody('api-2026-golden-q_testing_s0_m10_bc5a6c384fe9.json') }],
    });
    const { source } = setup(server, { pageSize: 10 });
    const { papers } = await collect(source.fetch({ searchQuery: 'all:testing', limit: 10 }));
    expect(papers).toHaveLength(10);
    expect(server.requests[1]!.time - server.requests[0]!.time).toBeGreaterThanOrEqual(1000);
  });
});
