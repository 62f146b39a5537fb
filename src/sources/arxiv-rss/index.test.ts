/** The feed source against a local server that plays rss.arxiv.org: URLs, formats, feed errors, limits and HTTP faults. */
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../../core/errors.js';
import type { Paper } from '../../core/paper.js';
import type { FeedInfo, SourceEvent, SourceQuery } from '../../core/source.js';
import { useTestServers, type TestServer } from '../../../test/helpers/http-server.js';
import { hasSharedFixtures, ownFixture, sharedFixture } from '../../../test/helpers/shared-fixtures.js';
import { createHttpClient, type HttpClientOptions, type HttpEvent } from '../shared/http.js';
import { arxivFeedUrl, createArxivRssSource, type ArxivRssSourceOptions } from './index.js';

const own = (name: string): string => ownFixture('http', name);
const shared = (name: string): string => sharedFixture('arxiv', name);

const serve = useTestServers();

function setup(server: TestServer, options: Partial<ArxivRssSourceOptions> = {}, http: HttpClientOptions = {}) {
  const events: HttpEvent[] = [];
  const client = createHttpClient({
    contact: 'rss-tests@example.org',
    minIntervalMs: 0,
    retryBaseMs: 5,
    timeoutMs: 2000,
    onEvent: (event) => events.push(event),
    ...http,
  });
  return { source: createArxivRssSource({ baseUrl: server.url, http: client, ...options }), events };
}

async function collect(iterable: AsyncIterable<SourceEvent>): Promise<{ feeds: FeedInfo[]; papers: Paper[]; events: SourceEvent[] }> {
  const events: SourceEvent[] = [];
  for await (const event of iterable) events.push(event);
  return {
    events,
    feeds: events.flatMap((event) => (event.type === 'feed' ? [event.feed] : [])),
    papers: events.flatMap((event) => (event.type === 'paper' ? [event.paper] : [])),
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

const query: SourceQuery = { categories: ['cs.CL', 'cs.AI'] };
const feedPath = '/rss/cs.CL+cs.AI';

describe('arxivFeedUrl', () => {
  it('joins categories with + under the format path', () => {
    expect(arxivFeedUrl('https://rss.arxiv.org', 'rss', ['cs.CL', 'cs.AI'])).toBe('https://rss.arxiv.org/rss/cs.CL+cs.AI');
    expect(arxivFeedUrl('https://rss.arxiv.org/', 'atom', ['astro-ph.CO'])).toBe('https://rss.arxiv.org/atom/astro-ph.CO');
  });

  it('refuses an empty list and text that is not a category', () => {
    expect(() => arxivFeedUrl('https://rss.arxiv.org', 'rss', [])).toThrow(/at least one category/);
    expect(() => arxivFeedUrl('https://rss.arxiv.org', 'rss', ['cs.CL/../x'])).toThrow(/not an arXiv category/);
  });
});

describe('createArxivRssSource with own fixtures', () => {
  it('GETs /rss/<categories joined by +> with the User-Agent and yields the feed, then its papers', async () => {
    const server = await serve({ [feedPath]: { file: own('rss-cs.CL+cs.AI.xml'), headers: { 'content-type': 'application/rss+xml' } } });
    const { source } = setup(server);
    const { events, feeds, papers } = await collect(source.fetch(query));
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.path).toBe(feedPath);
    expect(server.requests[0]!.headers['user-agent']).toMatch(/^xivdigest\/.*mailto:rss-tests@example\.org\)$/);
    expect(server.requests[0]!.headers.accept).toContain('application/rss+xml');
    expect(events[0]!.type).toBe('feed');
    expect(feeds).toHaveLength(1);
    expect(feeds[0]).toMatchObject({ format: 'arxiv-rss', title: 'cs.CL, cs.AI updates on arXiv.org', announced: '2025-04-28' });
    expect(papers.map((paper) => paper.id)).toEqual(['2504.10001', '2504.10002', '2504.10003']);
    expect(papers[2]!.announceType).toBe('cross');
  });

  it('GETs /atom/<categories> for the Atom format', async () => {
    const server = await serve({ '/atom/cs.CL': { file: own('atom-cs.CL.xml') } });
    const { source } = setup(server, { format: 'atom' });
    const { feeds, papers } = await collect(source.fetch({ categories: ['cs.CL'] }));
    expect(feeds[0]!.format).toBe('arxiv-atom');
    expect(papers.map((paper) => `${paper.id}v${paper.version}`)).toEqual(['2504.10001v1', '2504.10004v2']);
    expect(server.requests[0]!.headers.accept).toContain('application/atom+xml');
  });

  it("surfaces arXiv's feed error document as ARXIV_FEED_ERROR", async () => {
    const server = await serve({ '/rss/cs.XX': { file: own('rss-feed-error.xml') } });
    const { source } = setup(server);
    const error = await caught(collect(source.fetch({ categories: ['cs.XX'] })));
    expect(error.code).toBe('ARXIV_FEED_ERROR');
    expect(error.message).toContain("Bad category 'cs.XX'");
  });

  it('stops reading at the limit', async () => {
    const server = await serve({ [feedPath]: { file: own('rss-cs.CL+cs.AI.xml') } });
    const { source } = setup(server);
    const { papers } = await collect(source.fetch({ ...query, limit: 2 }));
    expect(papers).toHaveLength(2);
  });

  it('refuses a query without categories before any request', async () => {
    const server = await serve({});
    const { source } = setup(server);
    expect(await caught(collect(source.fetch({})))).toMatchObject({ code: 'USAGE' });
    expect(server.requests).toHaveLength(0);
  });

  it('waits out a 429 with Retry-After: 1, then reads the feed', async () => {
    const server = await serve({
      [feedPath]: [{ status: 429, headers: { 'retry-after': '1' }, body: 'Too Many Requests' }, { file: own('rss-cs.CL+cs.AI.xml') }],
    });
    const { source, events } = setup(server);
    const { papers } = await collect(source.fetch(query));
    expect(papers).toHaveLength(3);
    expect(server.requests[1]!.time - server.requests[0]!.time).toBeGreaterThanOrEqual(1000);
    const retry = events.find((event) => event.type === 'request-retrying');
    expect(retry?.message).toBe(`arXiv RSS returned 429 for GET ${server.url}${feedPath}: Too Many Requests; retrying in 1 s (Retry-After) (attempt 2 of 5)`);
  });

  it('retries a 503 and a response slower than the timeout', async () => {
    const server = await serve({
      [feedPath]: [{ status: 503 }, { delayMs: 5000, file: own('rss-cs.CL+cs.AI.xml') }, { file: own('rss-cs.CL+cs.AI.xml') }],
    });
    const { source, events } = setup(server, {}, { timeoutMs: 400 });
    const { papers } = await collect(source.fetch(query));
    expect(papers).toHaveLength(3);
    expect(events.flatMap((event) => (event.type === 'request-retrying' ? [event.reason] : []))).toEqual(['status 503', 'timeout']);
  });

  it('resumes after a connection reset mid-body without repeating papers', async () => {
    const server = await serve({
      [feedPath]: [{ file: own('rss-cs.CL+cs.AI.xml'), reset: 'mid-body', resetAfterBytes: 2600, chunkSize: 512 }, { file: own('rss-cs.CL+cs.AI.xml') }],
    });
    const { source, events } = setup(server);
    const { feeds, papers } = await collect(source.fetch(query));
    expect(feeds).toHaveLength(1);
    expect(papers.map((paper) => paper.id)).toEqual(['2504.10001', '2504.10002', '2504.10003']);
    expect(events.some((event) => event.type === 'response-resumed')).toBe(true);
  });

  it('gives up on a server that hangs', async () => {
    const server = await serve({ [feedPath]: { hang: true } });
    const { source } = setup(server, {}, { timeoutMs: 50, maxRetries: 1 });
    const error = await caught(collect(source.fetch(query)));
    expect(error).toMatchObject({ code: 'SOURCE_TIMEOUT' });
    expect(error.message).toContain('gave up after 2 attempts');
  });

  it('spaces two fetches from the same host by the interval', async () => {
    const server = await serve({ [feedPath]: { file: own('rss-cs.CL+cs.AI.xml') }, '/rss/cs.CL': { file: own('rss-cs.CL+cs.AI.xml') } });
    const { source } = setup(server, {}, { minIntervalMs: 200 });
    await collect(source.fetch(query));
    await collect(source.fetch({ categories: ['cs.CL'] }));
    expect(server.requests.map((request) => request.path)).toEqual([feedPath, '/rss/cs.CL']);
    expect(server.requests[1]!.time - server.requests[0]!.time).toBeGreaterThanOrEqual(200);
  });
});

describe.skipIf(!hasSharedFixtures)('createArxivRssSource with real arXiv feeds', () => {
  it('reads the real quant-ph feed while it streams in small chunks', async () => {
    const server = await serve({ '/rss/quant-ph': { file: shared('rss-new-quant-ph-2025-04-28.xml'), chunkSize: 4096, chunkDelayMs: 1 } });
    const { source } = setup(server);
    const { feeds, papers } = await collect(source.fetch({ categories: ['quant-ph'] }));
    expect(feeds[0]).toMatchObject({ format: 'arxiv-rss', title: 'quant-ph updates on arXiv.org', announced: '2025-04-28' });
    expect(papers).toHaveLength(81);
  });

  it('resumes the real 1.9 MB all-archives feed after a reset mid-body', async () => {
    const file = shared('rss-new-all-archives-2024-11-28.TRUNCATED.xml');
    const path = '/rss/astro-ph+cond-mat';
    const server = await serve({ [path]: [{ file, reset: 'mid-body', resetAfterBytes: 1_000_000, chunkSize: 64 * 1024 }, { file }] });
    const { source, events } = setup(server);
    const { papers } = await collect(source.fetch({ categories: ['astro-ph', 'cond-mat'] }));
    expect(papers).toHaveLength(1062);
    expect(new Set(papers.map((paper) => paper.id)).size).toBe(1062);
    expect(events.filter((event) => event.type === 'response-resumed')).toHaveLength(1);
  });

  it('reads the real empty feed as a feed with no papers', async () => {
    const server = await serve({ '/rss/test': { file: shared('rss-new-empty-test-2024-11-28.xml') } });
    const { source } = setup(server);
    const { feeds, papers } = await collect(source.fetch({ categories: ['test'] }));
    expect(feeds).toHaveLength(1);
    expect(papers).toEqual([]);
  });

  it('raises ARXIV_FEED_ERROR for the real bad-archive answer', async () => {
    const server = await serve({ '/rss/astroph': { file: shared('rss-new-error-bad-archive-astroph-2024-11-28.xml') } });
    const { source } = setup(server);
    const error = await caught(collect(source.fetch({ categories: ['astroph'] })));
    expect(error.code).toBe('ARXIV_FEED_ERROR');
    expect(error.message).toContain("Bad archive 'astroph'");
  });

  it('detects the old RDF format from the document itself', async () => {
    const server = await serve({ '/rss/cs.PL': { file: shared('rss-old-rdf-cs.PL-2015-06-11.xml') } });
    const { source } = setup(server);
    const { feeds, papers } = await collect(source.fetch({ categories: ['cs.PL'] }));
    expect(feeds[0]!.format).toBe('arxiv-rdf');
    expect(papers).toHaveLength(2);
  });
});
