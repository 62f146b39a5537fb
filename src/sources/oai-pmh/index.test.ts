/** The OAI-PMH source against a local server that plays arXiv: sets, dates, resumption tokens, OAI errors and HTTP faults. */
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../../core/errors.js';
import type { Paper } from '../../core/paper.js';
import type { PageInfo, SourceEvent, SourceQuery } from '../../core/source.js';
import { useTestServers, type TestServer } from '../../../test/helpers/http-server.js';
import { hasSharedFixtures, ownFixture, sharedFixture } from '../../../test/helpers/shared-fixtures.js';
import { createHttpClient, type HttpClientOptions, type HttpEvent } from '../shared/http.js';
import { createOaiPmhSource, oaiSetForCategory, planOaiSets, type OaiPmhSourceOptions } from './index.js';

const own = (name: string): string => ownFixture('http', name);
const shared = (name: string): string => sharedFixture('arxiv', name);

const serve = useTestServers();

function setup(server: TestServer, options: Partial<OaiPmhSourceOptions> = {}, http: HttpClientOptions = {}) {
  const events: HttpEvent[] = [];
  const client = createHttpClient({
    contact: 'oai-tests@example.org',
    minIntervalMs: 0,
    retryBaseMs: 5,
    timeoutMs: 2000,
    onEvent: (event) => events.push(event),
    ...http,
  });
  const source = createOaiPmhSource({ baseUrl: `${server.url}/oai`, http: client, ...options });
  return { source, events };
}

async function collect(iterable: AsyncIterable<SourceEvent>): Promise<{ events: SourceEvent[]; papers: Paper[]; pages: PageInfo[] }> {
  const events: SourceEvent[] = [];
  for await (const event of iterable) events.push(event);
  return {
    events,
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

const firstPage = { path: '/oai', query: { verb: 'ListRecords', resumptionToken: null } };
const nextPage = { path: '/oai', query: { verb: 'ListRecords', resumptionToken: '7654321|1001' } };

describe('oaiSetForCategory and planOaiSets', () => {
  it('maps categories to the sets of oaipmh.arxiv.org', () => {
    expect(oaiSetForCategory('cs.CL', 'category')).toEqual({ set: 'cs:cs:CL', exact: true });
    expect(oaiSetForCategory('math.AG', 'category')).toEqual({ set: 'math:math:AG', exact: true });
    expect(oaiSetForCategory('astro-ph.CO', 'category')).toEqual({ set: 'physics:astro-ph:CO', exact: true });
    expect(oaiSetForCategory('hep-th', 'category')).toEqual({ set: 'physics:hep-th', exact: true });
    expect(oaiSetForCategory('physics.optics', 'category')).toEqual({ set: 'physics:physics:optics', exact: true });
    expect(oaiSetForCategory('cond-mat.str-el', 'category')).toEqual({ set: 'physics:cond-mat:str-el', exact: true });
    expect(oaiSetForCategory('stat', 'category')).toEqual({ set: 'stat', exact: true });
  });

  it('maps categories to the archive sets of export.arxiv.org/oai2, marking the ones that need filtering', () => {
    expect(oaiSetForCategory('cs.CL', 'archive')).toEqual({ set: 'cs', exact: false });
    expect(oaiSetForCategory('hep-th', 'archive')).toEqual({ set: 'physics:hep-th', exact: true });
    expect(oaiSetForCategory('astro-ph.CO', 'archive')).toEqual({ set: 'physics:astro-ph', exact: false });
    expect(oaiSetForCategory('math', 'archive')).toEqual({ set: 'math', exact: true });
  });

  it('takes set specs as given and rejects what is not a category', () => {
    expect(oaiSetForCategory('physics:hep-ph', 'category')).toEqual({ set: 'physics:hep-ph', exact: true });
    expect(() => oaiSetForCategory('cs CL', 'category')).toThrow(/not an arXiv category/);
  });

  it('plans one harvest per distinct set', () => {
    expect(planOaiSets(undefined, 'category')).toEqual([{ set: undefined }]);
    expect(planOaiSets(['cs.CL', 'cs.AI'], 'category')).toEqual([
      { set: 'cs:cs:CL', keep: undefined },
      { set: 'cs:cs:AI', keep: undefined },
    ]);
    expect(planOaiSets(['cs.CL', 'cs.AI', 'hep-th'], 'archive')).toEqual([
      { set: 'cs', keep: ['cs.CL', 'cs.AI'] },
      { set: 'physics:hep-th', keep: undefined },
    ]);
  });
});

describe('createOaiPmhSource with own fixtures', () => {
  it('harvests a set and date range, then follows the resumption token with the verb and token only', async () => {
    const server = await serve([
      { ...firstPage, reply: { file: own('oai-arXivRaw-page-1.xml'), headers: { 'content-type': 'text/xml' } } },
      { ...nextPage, reply: { file: own('oai-arXivRaw-page-2.xml') } },
    ]);
    const { source } = setup(server, {}, { minIntervalMs: 100 });
    const query: SourceQuery = { categories: ['cs.CL'], from: '2024-01-01', until: '2024-01-04' };
    const { events, papers, pages } = await collect(source.fetch(query));

    expect(server.requests.map((request) => request.query)).toEqual([
      { verb: 'ListRecords', metadataPrefix: 'arXivRaw', set: 'cs:cs:CL', from: '2024-01-01', until: '2024-01-04' },
      { verb: 'ListRecords', resumptionToken: '7654321|1001' },
    ]);
    expect(server.requests[1]!.url).toContain('resumptionToken=7654321%7C1001');
    expect(events[0]!.type).toBe('feed');
    expect(events.filter((event) => event.type === 'feed')).toHaveLength(1);
    expect(papers.map((paper) => paper.id)).toEqual(['2401.00001', '2401.00002', '2401.00003']);
    expect(papers[0]!.source).toBe('oai-arXivRaw');
    expect(pages).toEqual([
      { count: 2, resumptionToken: '7654321|1001', completeListSize: 3, cursor: 0 },
      { count: 1, completeListSize: 3, cursor: 2 },
    ]);
    expect(server.requests[0]!.headers['user-agent']).toMatch(/^xivdigest\/.*mailto:oai-tests@example\.org\)$/);
    // arXiv's one request per interval, as the server saw it (a lower bound on spacing, not a speed).
    expect(server.requests[1]!.time - server.requests[0]!.time).toBeGreaterThanOrEqual(100);
  });

  it('treats noRecordsMatch as an empty result', async () => {
    const server = await serve({ '/oai': { file: own('oai-error-noRecordsMatch.xml') } });
    const { source } = setup(server);
    const { events, papers, pages } = await collect(source.fetch({ categories: ['cs.CL'], from: '2024-01-06', until: '2024-01-06' }));
    expect(papers).toEqual([]);
    expect(events[0]).toMatchObject({ type: 'feed', feed: { format: 'oai-arXivRaw' } });
    expect(pages).toEqual([{ count: 0 }]);
  });

  it('raises other OAI errors as OAI_PMH_ERROR, after the papers already read', async () => {
    const server = await serve([
      { ...firstPage, reply: { file: own('oai-arXivRaw-page-1.xml') } },
      { ...nextPage, reply: { file: own('oai-error-badResumptionToken.xml') } },
    ]);
    const { source } = setup(server);
    const papers: string[] = [];
    const consume = async (): Promise<void> => {
      for await (const event of source.fetch({ categories: ['cs.CL'] })) if (event.type === 'paper') papers.push(event.paper.id);
    };
    const error = await caught(consume());
    expect(error.code).toBe('OAI_PMH_ERROR');
    expect(error.details.oaiCode).toBe('badResumptionToken');
    expect(papers).toEqual(['2401.00001', '2401.00002']);
  });

  it('uses archive sets on an old /oai2 endpoint and keeps only the asked categories', async () => {
    const server = await serve({ '/oai2': { file: own('oai-arXivRaw-set-cs-archive.xml') } });
    const client = createHttpClient({ minIntervalMs: 0 });
    const source = createOaiPmhSource({ baseUrl: `${server.url}/oai2`, http: client });
    const { papers } = await collect(source.fetch({ categories: ['cs.CL'] }));
    expect(server.requests[0]!.query.set).toBe('cs');
    expect(papers.map((paper) => paper.id)).toEqual(['2401.00001', '2401.00002']);
  });

  it('harvests one set per category and drops papers seen in an earlier set', async () => {
    const server = await serve([
      { path: '/oai', query: { set: 'cs:cs:CL' }, reply: { file: own('oai-arXivRaw-page-1.xml') } },
      { ...nextPage, reply: { file: own('oai-arXivRaw-page-2.xml') } },
      { path: '/oai', query: { set: 'cs:cs:AI' }, reply: { file: own('oai-arXivRaw-set-cs-archive.xml') } },
    ]);
    const { source } = setup(server);
    const { papers } = await collect(source.fetch({ categories: ['cs.CL', 'cs.AI'] }));
    expect(server.requests.map((request) => request.query.set ?? 'token')).toEqual(['cs:cs:CL', 'token', 'cs:cs:AI']);
    expect(papers.map((paper) => paper.id)).toEqual(['2401.00001', '2401.00002', '2401.00003', '2401.00004']);
  });

  it('harvests given set specs as they are', async () => {
    const server = await serve({ '/oai': { file: own('oai-arXivRaw-set-cs-archive.xml') } });
    const { source } = setup(server, { sets: ['cs'], metadataPrefix: 'arXiv' });
    const { papers } = await collect(source.fetch({ categories: ['cs.CL'] }));
    expect(server.requests[0]!.query).toMatchObject({ set: 'cs', metadataPrefix: 'arXiv' });
    expect(papers).toHaveLength(3);
  });

  it('stops at the limit without asking for the next page', async () => {
    const server = await serve([{ ...firstPage, reply: { file: own('oai-arXivRaw-page-1.xml') } }]);
    const { source } = setup(server);
    const { papers, pages } = await collect(source.fetch({ categories: ['cs.CL'], limit: 1 }));
    expect(papers).toHaveLength(1);
    expect(pages).toEqual([{ count: 1 }]);
    expect(server.requests).toHaveLength(1);
  });

  it('refuses to loop on a resumption token that comes back', async () => {
    const server = await serve({ '/oai': { file: own('oai-arXivRaw-page-1.xml') } });
    const { source } = setup(server);
    const error = await caught(collect(source.fetch({ categories: ['cs.CL'] })));
    expect(error).toMatchObject({ code: 'OAI_PMH_ERROR' });
    expect(error.message).toContain('twice');
    expect(server.requests).toHaveLength(2);
  });

  it('honours 503 Retry-After (arXiv flow control) and retries a connection reset', async () => {
    const server = await serve([
      { ...firstPage, reply: [{ status: 503, headers: { 'retry-after': '1' }, body: 'Retry after 1 second' }, { file: own('oai-arXivRaw-page-1.xml') }] },
      { ...nextPage, reply: [{ reset: true }, { file: own('oai-arXivRaw-page-2.xml') }] },
    ]);
    const { source, events } = setup(server);
    const { papers } = await collect(source.fetch({ categories: ['cs.CL'] }));
    expect(papers).toHaveLength(3);
    expect(server.requests).toHaveLength(4);
    expect(server.requests[1]!.time - server.requests[0]!.time).toBeGreaterThanOrEqual(1000);
    const retries = events.filter((event) => event.type === 'request-retrying');
    expect(retries.map((event) => event.type === 'request-retrying' && event.retryAfter)).toEqual([true, false]);
    expect(retries[0]!.message).toContain('arXiv OAI-PMH returned 503 for GET');
  });

  it('looks up one record, and answers undefined for an id arXiv does not have', async () => {
    const server = await serve([
      { path: '/oai', query: { verb: 'GetRecord', identifier: 'oai:arXiv.org:2401.00001' }, reply: { file: own('oai-getrecord-arXivRaw.xml') } },
      { path: '/oai', query: { verb: 'GetRecord' }, reply: { file: own('oai-error-idDoesNotExist.xml') } },
    ]);
    const { source } = setup(server);
    const paper = await source.getRecord('2401.00001v2');
    expect(paper).toMatchObject({ id: '2401.00001', source: 'oai-arXivRaw' });
    expect(server.requests[0]!.query).toEqual({ verb: 'GetRecord', identifier: 'oai:arXiv.org:2401.00001', metadataPrefix: 'arXivRaw' });
    expect(await source.getRecord('2401.99999')).toBeUndefined();
    expect(await caught(source.getRecord('not an id'))).toMatchObject({ code: 'USAGE' });
  });

  it('rejects dates that are not days', async () => {
    const server = await serve({});
    const { source } = setup(server);
    expect(await caught(collect(source.fetch({ from: '2024-1-5' })))).toMatchObject({ code: 'USAGE' });
    expect(server.requests).toHaveLength(0);
  });
});

describe.skipIf(!hasSharedFixtures)('createOaiPmhSource with real arXiv responses', () => {
  it('pages from a real arXivRaw page with a resumption token to a real final page', async () => {
    const server = await serve([
      { ...firstPage, reply: { file: shared('oai-listrecords-arXivRaw-2014-10-01-resumptionToken-TRIMMED.xml') } },
      {
        path: '/oai',
        query: { resumptionToken: '726959|1001' },
        reply: { file: shared('oai-listrecords-arXiv-set-cs-2015-01-16to18.xml'), chunkSize: 8192, chunkDelayMs: 1 },
      },
    ]);
    const { source } = setup(server, { sets: ['physics'] });
    const { papers, pages } = await collect(source.fetch({ from: '2014-10-01' }));
    expect(server.requests[1]!.query).toEqual({ verb: 'ListRecords', resumptionToken: '726959|1001' });
    expect(pages[0]).toMatchObject({ count: 6, resumptionToken: '726959|1001', completeListSize: 58011, cursor: 0 });
    expect(pages[1]!.resumptionToken).toBeUndefined();
    expect(papers.length).toBe(6 + pages[1]!.count);
    expect(pages[1]!.count).toBeGreaterThan(40);
  });

  it('streams a real 1,000-record page, resuming once after the connection drops mid-body', async () => {
    const full = shared('oai-listrecords-arXivRaw-full-page-1000-records-2014-01-16.xml');
    const server = await serve([
      {
        ...firstPage,
        reply: [
          { file: full, reset: 'mid-body', resetAfterBytes: 700_000, chunkSize: 64 * 1024 },
          { file: full, chunkSize: 64 * 1024 },
        ],
      },
      { path: '/oai', query: { resumptionToken: '496549|47001' }, reply: { file: shared('oai-error-noRecordsMatch-hep-lat-2016.xml') } },
    ]);
    const { source, events } = setup(server);
    const { papers, pages } = await collect(source.fetch({}));
    expect(new Set(papers.map((paper) => paper.id)).size).toBe(papers.length);
    expect(pages[0]).toMatchObject({ resumptionToken: '496549|47001', completeListSize: 907096, cursor: 46000 });
    expect(pages[0]!.count).toBe(papers.length);
    expect(papers.length).toBeGreaterThan(990);
    expect(pages[1]).toEqual({ count: 0 });
    expect(events.some((event) => event.type === 'response-resumed')).toBe(true);
    expect(server.requests).toHaveLength(3);
  });

  it('reads real noRecordsMatch responses as empty and real badArgument as an error', async () => {
    for (const file of ['oai-error-noRecordsMatch-hep-lat-2016.xml', 'oai-error-noRecordsMatch-bad-set-arXivRaw-2015.xml']) {
      const server = await serve({ '/oai': { file: shared(file) } });
      const { source } = setup(server);
      const { papers, pages } = await collect(source.fetch({ categories: ['hep-lat'], from: '2015-01-17', until: '2015-01-17' }));
      expect(papers).toEqual([]);
      expect(pages).toEqual([{ count: 0 }]);
    }
    const server = await serve({ '/oai': { file: shared('oai-error-badArgument-2015.xml') } });
    const { source } = setup(server);
    const error = await caught(collect(source.fetch({})));
    expect(error).toMatchObject({ code: 'OAI_PMH_ERROR', details: { oaiCode: 'badArgument' } });
  });

  it('looks up a real record and a real idDoesNotExist', async () => {
    const server = await serve([
      { path: '/oai', query: { identifier: 'oai:arXiv.org:1302.2146' }, reply: { file: shared('oai-getrecord-arXivRaw-1302.2146-2015.xml') } },
      { path: '/oai', reply: { file: shared('oai-error-idDoesNotExist-arXivRaw-2015.xml') } },
    ]);
    const { source } = setup(server);
    expect(await source.getRecord('1302.2146')).toMatchObject({ id: '1302.2146', version: 2 });
    expect(await source.getRecord('1302.0000')).toBeUndefined();
  });

  it('gives up on a server that hangs, saying how many attempts it made', async () => {
    const server = await serve({ '/oai': { hang: true } });
    const { source } = setup(server, {}, { timeoutMs: 50, maxRetries: 1 });
    const error = await caught(collect(source.fetch({ categories: ['cs.CL'] })));
    expect(error).toMatchObject({ code: 'SOURCE_TIMEOUT', isRetryable: true });
    expect(error.message).toMatch(/^arXiv OAI-PMH did not answer GET .* within 50 ms; gave up after 2 attempts$/);
  });
});

describe('listRecords: one set and window, page by page, from a stored token', () => {
  it('yields each page after its papers, with the token of the next page', async () => {
    const server = await serve([
      { ...firstPage, reply: { file: own('oai-arXivRaw-page-1.xml') } },
      { ...nextPage, reply: { file: own('oai-arXivRaw-page-2.xml') } },
    ]);
    const { source } = setup(server);
    const { events } = await collect(source.listRecords({ set: 'cs', from: '2024-01-01', until: '2024-01-31' }));
    expect(
      events
        .filter((event) => event.type !== 'feed')
        .map((event) => (event.type === 'paper' ? event.paper.id : event.type === 'page' ? `page ${event.page.resumptionToken ?? 'end'}` : '')),
    ).toEqual(['2401.00001', '2401.00002', 'page 7654321|1001', '2401.00003', 'page end']);
    expect(server.requests.map((request) => request.query)).toEqual([
      { verb: 'ListRecords', metadataPrefix: 'arXivRaw', set: 'cs', from: '2024-01-01', until: '2024-01-31' },
      { verb: 'ListRecords', resumptionToken: '7654321|1001' },
    ]);
  });

  it('starts from a token with the verb and token only, and treats noRecordsMatch as one empty page', async () => {
    const server = await serve([
      { ...nextPage, reply: { file: own('oai-arXivRaw-page-2.xml') } },
      { path: '/oai', query: { set: 'empty' }, reply: { file: own('oai-error-noRecordsMatch.xml') } },
    ]);
    const { source } = setup(server);
    const resumed = await collect(source.listRecords({ set: 'cs', from: '2024-01-01', resumptionToken: '7654321|1001' }));
    expect(resumed.papers.map((paper) => paper.id)).toEqual(['2401.00003']);
    expect(server.requests[0]!.query).toEqual({ verb: 'ListRecords', resumptionToken: '7654321|1001' });
    const empty = await collect(source.listRecords({ set: 'empty', from: '2024-01-06', until: '2024-01-06' }));
    expect(empty.pages).toEqual([{ count: 0 }]);
  });
});
