/** Reads a library from the Zotero web API v3 (api.zotero.org): paged item lists, rate-limit backoff, typed errors. */
import { XivdigestError, excerpt } from '../core/errors.js';
import { parseRetryAfter } from '../core/retry-after.js';
import { abortableSleep } from '../core/sleep.js';
import type { LibraryItem, LibraryParseResult, LibraryProblem } from '../core/library.js';
import { arxivIdFrom, collapse, isoDateFrom, joinName, normalizeDoi, yearFrom } from './fields.js';

export interface ZoteroLibraryOptions {
  /** The numeric user id (zotero.org/settings/keys shows it), or the group id when `libraryType` is `group`. */
  userId: string;
  /** A key with read access; sent as `Zotero-API-Key`, never logged. Public libraries need none. */
  apiKey?: string;
  /** Default `user`. */
  libraryType?: 'user' | 'group';
  /** Default `https://api.zotero.org`. */
  baseUrl?: string;
  /** A collection key (8 characters): only its items. */
  collection?: string;
  signal?: AbortSignal;
  /** Items per page, at most 100 (the API's cap; default 100). */
  limit?: number;
  /** Retries of one page after 429/5xx or a dropped connection (default 4). */
  maxRetries?: number;
  /** Longest wait the client accepts from `Retry-After`/`Backoff` (default 60 000 ms); a longer one fails at once. */
  maxWaitMs?: number;
  fetch?: typeof globalThis.fetch;
  /** Called before each wait, for progress output. */
  onWait?: (waitMs: number, reason: string) => void;
}

/** One item as the API's `format=json` returns it; only the fields used here. */
interface ZoteroApiItem {
  key?: string;
  data?: {
    key?: string;
    itemType?: string;
    title?: string;
    creators?: Array<{ creatorType?: string; firstName?: string; lastName?: string; name?: string }>;
    abstractNote?: string;
    DOI?: string;
    url?: string;
    extra?: string;
    archiveID?: string;
    number?: string;
    date?: string;
    dateAdded?: string;
  };
}

const SKIPPED_TYPES = new Set(['attachment', 'note', 'annotation']);
const RETRYABLE = new Set([429, 500, 502, 503, 504]);

/**
 * Fetches every top-level item of a Zotero library (or collection), following `Link: rel="next"` (else `start` up to
 * `Total-Results`). It waits out `Backoff` (sent with successful responses when the API is loaded) and `Retry-After`
 * (429/503), retries 5xx with exponential backoff, and throws SOURCE_HTTP (SOURCE_NETWORK when unreachable) or INPUT_MALFORMED for a
 * body that is not an item list. The API key never appears in an error. Items that are not papers (notes, attachments)
 * are left out; items without a title, arXiv id or DOI come back as problems (line 0).
 */
export async function fetchZoteroLibrary(options: ZoteroLibraryOptions): Promise<LibraryParseResult & { totalResults?: number }> {
  const base = (options.baseUrl ?? 'https://api.zotero.org').replace(/\/+$/, '');
  const prefix = `${options.libraryType === 'group' ? 'groups' : 'users'}/${encodeURIComponent(options.userId)}`;
  const scope = options.collection ? `collections/${encodeURIComponent(options.collection)}/items/top` : 'items/top';
  const limit = Math.min(Math.max(options.limit ?? 100, 1), 100);
  const fetcher = options.fetch ?? globalThis.fetch;
  const maxRetries = options.maxRetries ?? 4;
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const headers: Record<string, string> = { 'Zotero-API-Version': '3', Accept: 'application/json' };
  if (options.apiKey) headers['Zotero-API-Key'] = options.apiKey;
  const hide = (text: string): string => (options.apiKey ? text.split(options.apiKey).join('***') : text);

  const items: LibraryItem[] = [];
  const problems: LibraryProblem[] = [];
  let totalResults: number | undefined;
  let start = 0;
  let next: string | undefined = `${base}/${prefix}/${scope}?format=json&limit=${limit}&start=0`;
  let backoffMs = 0;

  while (next) {
    const url: string = next;
    if (backoffMs > 0) {
      options.onWait?.(backoffMs, 'Backoff');
      await sleep(backoffMs, options.signal);
      backoffMs = 0;
    }
    const response = await requestPage(url);
    const backoff = seconds(response.headers.get('backoff'), response.headers.get('date'));
    if (backoff !== undefined) backoffMs = checkWait(backoff, url, 'Backoff');
    const total = Number(response.headers.get('total-results'));
    if (Number.isFinite(total) && response.headers.has('total-results')) totalResults = total;
    const body = await response.text();
    let page: unknown;
    try {
      page = JSON.parse(body);
    } catch (cause) {
      throw new XivdigestError({
        code: 'INPUT_MALFORMED',
        message: `Zotero API returned a body that is not JSON for GET ${url}: ${hide(excerpt(body))}`,
        hint: 'Check the base URL: it must point at the Zotero web API (https://api.zotero.org)',
        cause,
        details: { url, status: response.status, body: hide(excerpt(body)) },
      });
    }
    if (!Array.isArray(page)) {
      throw new XivdigestError({
        code: 'INPUT_MALFORMED',
        message: `Zotero API returned ${typeof page === 'object' ? 'an object' : typeof page} instead of an item list for GET ${url}`,
        hint: 'Check the base URL and that the request asks for format=json',
        details: { url, status: response.status, body: hide(excerpt(body)) },
      });
    }
    for (const entry of page as ZoteroApiItem[]) {
      const result = itemFromApi(entry, prefix);
      if (result === undefined) continue;
      if (typeof result === 'string') problems.push({ line: 0, message: result });
      else items.push(result);
    }
    start += page.length;
    const link = nextLink(response.headers.get('link'));
    if (link) next = new URL(link, url).toString();
    else if (totalResults !== undefined && start < totalResults && page.length > 0) {
      next = `${base}/${prefix}/${scope}?format=json&limit=${limit}&start=${start}`;
    } else next = undefined;
  }
  return { items, problems, ...(totalResults !== undefined ? { totalResults } : {}) };

  function checkWait(waitSeconds: number, url: string, header: string): number {
    const waitMs = waitSeconds * 1000;
    if (waitMs > maxWaitMs) {
      throw new XivdigestError({
        code: 'SOURCE_HTTP',
        message: `Zotero API asked to wait ${waitSeconds} s (${header}) for GET ${url}, longer than the ${Math.round(maxWaitMs / 1000)} s allowed`,
        hint: `Try again after ${new Date(Date.now() + waitMs).toISOString()}`,
        isRetryable: true,
        details: { url, waitMs },
      });
    }
    return waitMs;
  }

  async function requestPage(url: string): Promise<Response> {
    for (let attempt = 0; ; attempt += 1) {
      let response: Response;
      try {
        response = await fetcher(url, { headers, ...(options.signal ? { signal: options.signal } : {}) });
      } catch (cause) {
        if (options.signal?.aborted) {
          throw new XivdigestError({ code: 'ABORTED', message: `Zotero import aborted during GET ${url}`, cause, details: { url } });
        }
        if (attempt < maxRetries) {
          const waitMs = 1000 * 2 ** attempt;
          options.onWait?.(waitMs, 'network error');
          await sleep(waitMs, options.signal);
          continue;
        }
        throw new XivdigestError({
          code: 'SOURCE_NETWORK',
          message: `Zotero API could not be reached for GET ${url}: ${hide((cause as Error).message)}`,
          hint: 'Check the network and the base URL',
          isRetryable: true,
          cause,
          details: { url, attempts: attempt + 1 },
        });
      }
      if (response.ok) return response;
      const body = hide(excerpt(await response.text().catch(() => '')));
      const date = response.headers.get('date');
      const retryAfter = seconds(response.headers.get('retry-after'), date) ?? seconds(response.headers.get('backoff'), date);
      if (RETRYABLE.has(response.status) && attempt < maxRetries) {
        const waitMs = retryAfter !== undefined ? checkWait(retryAfter, url, 'Retry-After') : 1000 * 2 ** attempt;
        options.onWait?.(waitMs, `${response.status}`);
        await sleep(waitMs, options.signal);
        continue;
      }
      throw new XivdigestError({
        code: 'SOURCE_HTTP',
        message: `Zotero API returned ${response.status} for GET ${url}${body ? `: ${body}` : ''}`,
        hint: hintFor(response.status),
        isRetryable: RETRYABLE.has(response.status),
        details: { url, status: response.status, body, attempts: attempt + 1 },
      });
    }
  }
}

function hintFor(status: number): string {
  if (status === 403) return 'Check the API key: it must exist and allow reading this library (zotero.org/settings/keys)';
  if (status === 404) return 'Check the user or group id (the number on zotero.org/settings/keys, not the user name) and the collection key';
  if (status === 429) return 'The Zotero API is rate limiting this key; try again in a few minutes';
  return 'Try again later; the Zotero API may be down';
}

/** `Retry-After`/`Backoff` in seconds (an HTTP date counts from the response's `Date`, else from now). */
function seconds(value: string | null, date: string | null): number | undefined {
  const ms = parseRetryAfter(value, Date.now(), date);
  return ms === undefined ? undefined : ms / 1000;
}

/** The `rel="next"` target of an RFC 8288 Link header. */
function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (match && /\brel\s*=\s*"?(?:[^"]*\s)?next(?:\s[^"]*)?"?/i.test(match[2]!)) return match[1];
  }
  return undefined;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return abortableSleep(ms, signal, () => new XivdigestError({ code: 'ABORTED', message: 'Zotero import aborted' }));
}

/** An API item to a library item; undefined for notes and attachments, a message for an unusable item. */
function itemFromApi(entry: ZoteroApiItem, prefix: string): LibraryItem | string | undefined {
  const data = entry?.data;
  const key = entry?.key ?? data?.key ?? '?';
  if (!data || typeof data !== 'object') return `item ${key} has no "data" object; skipped`;
  if (data.itemType && SKIPPED_TYPES.has(data.itemType)) return undefined;
  const str = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? collapse(value) : undefined);
  const title = str(data.title) ?? '';
  const doi = normalizeDoi(str(data.DOI));
  // Zotero 7 writes `archiveID: arXiv:…` for preprints; older items keep `arXiv: …` in Extra or only the URL.
  const arxivId = [str(data.archiveID), ...(str(data.extra) ?? '').split(/\n/), str(data.url), str(data.DOI), str(data.number)]
    .map((value) => (value && /arxiv|^\d{4}\.\d{4,5}/i.test(value) ? arxivIdFrom(value) : undefined))
    .find(Boolean);
  if (!title && !arxivId && !doi) return `${data.itemType ?? 'item'} ${key} has no title, arXiv id or DOI; skipped`;
  const creators = Array.isArray(data.creators) ? data.creators : [];
  const authorsOnly = creators.filter((creator) => creator.creatorType === 'author');
  const authors = (authorsOnly.length > 0 ? authorsOnly : creators)
    .map((creator) => str(creator.name) ?? joinName(str(creator.firstName), str(creator.lastName)))
    .filter((name) => name !== '');
  const item: LibraryItem = { title, authors, source: `zotero:${prefix}/items/${key}` };
  const abstract = str(data.abstractNote);
  if (abstract) item.abstract = abstract;
  if (arxivId) item.arxivId = arxivId;
  if (doi) item.doi = doi;
  const year = yearFrom(str(data.date));
  if (year !== undefined) item.year = year;
  const added = isoDateFrom(str(data.dateAdded));
  if (added) item.added = added;
  return item;
}
