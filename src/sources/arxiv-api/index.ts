/** The arXiv API source: builds search_query or id_list, pages with start/max_results, and rides out the API's empty-page lag. */
import { XivdigestError } from '../../core/errors.js';
import type { FeedInfo, Source, SourceEvent, SourceQuery } from '../../core/source.js';
import { fetchDocumentEvents, type HttpClient } from '../shared/http.js';
import { parseArxivApi } from './parse.js';

/** Static facts about this adapter. */
export const metadata = {
  id: 'arxiv-api',
  /** Nothing: the API is open. */
  requires: [] as string[],
} as const;

export const DEFAULT_API_BASE_URL = 'https://export.arxiv.org/api/query';
const LABEL = 'arXiv API';
/** The arXiv API manual allows at most 2000 results per call. */
export const API_MAX_PAGE_SIZE = 2000;
/** …and at most 30 000 results of one query, in slices of up to 2000. */
export const API_MAX_RESULTS = 30_000;

export type ArxivApiSortBy = 'relevance' | 'lastUpdatedDate' | 'submittedDate';
export type ArxivApiSortOrder = 'ascending' | 'descending';

export interface ArxivApiSourceOptions {
  /** Default `https://export.arxiv.org/api/query`. */
  baseUrl?: string;
  /** Results per call (`max_results`), 1 to 2000; default 100. */
  pageSize?: number;
  /** Default `submittedDate` for searches; an `id_list`-only query keeps the order of its ids unless this is set. */
  sortBy?: ArxivApiSortBy;
  /** Default `descending`. */
  sortOrder?: ArxivApiSortOrder;
  /** How often a page that comes back empty, although totalResults says more remain, is asked for again (default 3). */
  emptyPageRetries?: number;
  /** The shared client: its per-host spacing gives the 3 s between calls that the API manual asks for. */
  http: HttpClient;
}

const CATEGORY = /^[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The `search_query` for a query (arXiv API manual, "query interface"): the caller's search, the categories as
 * `cat:cs.CL OR cat:cs.AI`, and the date range as `submittedDate:[YYYYMMDD0000 TO YYYYMMDD2359]` (GMT), joined by
 * AND. Undefined when the query has none of them.
 */
export function buildSearchQuery(query: SourceQuery): string | undefined {
  const parts: string[] = [];
  const search = query.searchQuery?.trim();
  if (search) parts.push(search);
  if (query.categories && query.categories.length > 0) {
    parts.push(query.categories.map((category) => `cat:${checkCategory(category)}`).join(' OR '));
  }
  if (query.from !== undefined || query.until !== undefined) {
    const from = query.from !== undefined ? `${compactDay(query.from, 'from')}0000` : '199101010000';
    const until = query.until !== undefined ? `${compactDay(query.until, 'until')}2359` : '209912312359';
    parts.push(`submittedDate:[${from} TO ${until}]`);
  }
  if (parts.length <= 1) return parts[0];
  return parts.map((part) => (/\s(?:OR|AND|ANDNOT)\s/.test(part) ? `(${part})` : part)).join(' AND ');
}

export function createArxivApiSource(options: ArxivApiSourceOptions): Source {
  const baseUrl = options.baseUrl ?? DEFAULT_API_BASE_URL;
  const pageSize = options.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > API_MAX_PAGE_SIZE) {
    throw new XivdigestError({
      code: 'USAGE',
      message: `arXiv API pageSize must be a whole number from 1 to ${API_MAX_PAGE_SIZE}, got ${pageSize}`,
      hint: 'The arXiv API manual allows at most 2000 results per call',
    });
  }
  const emptyPageRetries = options.emptyPageRetries ?? 3;
  const { http } = options;

  function pageUrl(search: string | undefined, ids: string | undefined, start: number, maxResults: number): string {
    const url = new URL(baseUrl);
    if (search !== undefined) url.searchParams.set('search_query', search);
    if (ids !== undefined) url.searchParams.set('id_list', ids);
    if (search !== undefined || options.sortBy !== undefined) {
      url.searchParams.set('sortBy', options.sortBy ?? 'submittedDate');
      url.searchParams.set('sortOrder', options.sortOrder ?? 'descending');
    }
    url.searchParams.set('start', String(start));
    url.searchParams.set('max_results', String(maxResults));
    return url.href;
  }

  async function* fetch(query: SourceQuery, signal?: AbortSignal): AsyncGenerator<SourceEvent> {
    const search = buildSearchQuery(query);
    const ids = query.ids && query.ids.length > 0 ? query.ids.map((id) => id.trim()).join(',') : undefined;
    if (search === undefined && ids === undefined) {
      throw new XivdigestError({
        code: 'USAGE',
        message: 'The arXiv API source needs categories, a search query, a date range or ids',
        hint: 'For example categories: [cs.CL], or searchQuery: "ti:transformer"',
      });
    }
    const limit = query.limit ?? Number.POSITIVE_INFINITY;
    if (limit <= 0) return;
    const seen = new Set<string>();
    let feedSent = false;
    let yielded = 0;
    let start = 0;
    /** totalResults as the last page with entries reported it; an empty page's own count is not trusted. */
    let total: number | undefined;

    for (;;) {
      let maxResults = Math.min(pageSize, limit - yielded);
      if (total !== undefined) maxResults = Math.min(maxResults, total - start);
      if (start >= API_MAX_RESULTS) {
        throw new XivdigestError({
          code: 'ARXIV_API_ERROR',
          message: `The arXiv API serves at most ${API_MAX_RESULTS} results of one query, and this one has ${total ?? 'more'}`,
          hint: 'Narrow the date range or the categories, or harvest with the OAI-PMH source',
          details: { totalResults: total, start },
        });
      }
      const url = pageUrl(search, ids, start, maxResults);

      let raw: number;
      let count = 0;
      let pageTotal: number | undefined;
      let stopped = false;
      for (let attempt = 1; ; attempt += 1) {
        let pendingFeed: FeedInfo | undefined;
        raw = 0;
        pageTotal = undefined;
        // The API answers a malformed query with 400 and an Atom error entry; the parser turns it into ARXIV_API_ERROR.
        for await (const event of fetchDocumentEvents(http, url, parseArxivApi, { signal, label: LABEL, acceptStatus: [400] })) {
          if (event.type === 'feed') {
            pageTotal = event.feed.totalResults;
            // Held back until the page proves non-empty, so that a lagging page can be asked for again unseen.
            if (!feedSent) pendingFeed = event.feed;
            continue;
          }
          if (event.type === 'page') continue;
          raw += 1;
          if (pendingFeed) {
            feedSent = true;
            yield { type: 'feed', feed: pendingFeed };
            pendingFeed = undefined;
          }
          // Paging while arXiv announces can shift a paper onto the next page too.
          if (seen.has(event.paper.id)) continue;
          seen.add(event.paper.id);
          yield event;
          count += 1;
          yielded += 1;
          if (yielded >= limit) {
            stopped = true;
            break;
          }
        }
        const expected = total ?? pageTotal;
        const lagging = raw === 0 && expected !== undefined && start < expected;
        if (!lagging) {
          if (pendingFeed) {
            feedSent = true;
            yield { type: 'feed', feed: pendingFeed };
          }
          break;
        }
        // Known API behaviour: a page comes back empty although totalResults says more remain; asking again helps.
        if (attempt > emptyPageRetries) {
          throw new XivdigestError({
            code: 'ARXIV_API_ERROR',
            message: `arXiv API returned an empty page for GET ${url} although totalResults is ${expected} (start ${start}); asked ${attempt} times`,
            hint: 'The API lags behind its own index at times; run the fetch again in a few minutes',
            isRetryable: true,
            details: { url, start, totalResults: expected, attempts: attempt },
          });
        }
        http.emit({
          type: 'request-retrying',
          url,
          attempt,
          reason: 'empty page',
          delayMs: 0,
          retryAfter: false,
          message: `arXiv API returned an empty page for GET ${url} although totalResults is ${expected}; asking again (attempt ${attempt + 1} of ${emptyPageRetries + 1})`,
        });
      }

      yield { type: 'page', page: { count } };
      if (stopped || raw === 0) return;
      if (pageTotal !== undefined) total = pageTotal;
      start += raw;
      if (total !== undefined ? start >= total : raw < maxResults) return;
    }
  }

  return { id: metadata.id, fetch };
}

function checkCategory(category: string): string {
  if (!CATEGORY.test(category)) {
    throw new XivdigestError({
      code: 'USAGE',
      message: `"${category}" is not an arXiv category`,
      hint: 'Write categories as arXiv does, e.g. cs.CL, math.AG, hep-th, astro-ph.CO',
    });
  }
  return category;
}

function compactDay(value: string, name: string): string {
  const match = DAY.exec(value);
  if (!match) {
    throw new XivdigestError({
      code: 'USAGE',
      message: `arXiv API ${name} "${value}" is not a day`,
      hint: 'Write it as YYYY-MM-DD',
    });
  }
  return `${match[1]}${match[2]}${match[3]}`;
}
