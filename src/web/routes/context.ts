/** What every route gets: the dependencies, the page cache, the digest index; and the helpers that send pages. */
import type { Context } from 'hono';
import { XivdigestError } from '../../core/errors.js';
import { ARXIV_CATEGORY_NAMES, suggestCategory } from '../../core/taxonomy.js';
import { gzipOf, type PageCache } from '../cache.js';
import type { WebDeps } from '../deps.js';
import type { UiLang } from '../i18n.js';
import { formatCategoryAlgebra, parseCategoryAlgebra, urls, type CategoryAlgebra } from '../urls.js';
import type { DigestSummary } from '../views/pages.js';

export interface WebEnv {
  Variables: { ui: UiLang };
}

export interface RouteContext {
  deps: WebDeps;
  cache: PageCache;
  /** Every stored digest, newest first; re-read at most every `freshMs`. */
  digests(): Promise<DigestSummary[]>;
  /** How long a page without a full dependency key is reused (home, archive, search). */
  briefMs: number;
}

/** The request's path and query, for the language switch. */
export const pathOf = (c: Context): string => {
  // c.req.url is absolute (`http://host/path?query`); slicing it spares a URL parse per request.
  const url = c.req.url;
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return start < 0 ? '/' : url.slice(start).replace(/#.*$/, '');
};

/** Sends a cached page: 304 when If-None-Match matches its ETag, else the HTML. */
export async function sendPage(
  c: Context<WebEnv>,
  route: RouteContext,
  key: string,
  render: () => Promise<string> | string,
  ttlMs?: number,
): Promise<Response> {
  const cached = await route.cache.get(`${c.get('ui')}\u0000${key}`, async () => render(), ttlMs);
  const gzip = cached.bytes > 1024 && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
  // Each encoding is its own representation, with its own strong ETag.
  const etag = gzip ? `${cached.etag.slice(0, -1)}-gz"` : cached.etag;
  c.header('ETag', etag);
  c.header('Cache-Control', ttlMs === undefined ? 'no-cache' : `max-age=${Math.floor(ttlMs / 1000)}`);
  const match = c.req.header('if-none-match');
  if (match && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) return c.body(null, 304);
  c.header('Content-Type', 'text/html; charset=utf-8');
  if (!gzip) return c.body(cached.encoded as Uint8Array<ArrayBuffer>);
  c.header('Content-Encoding', 'gzip');
  return c.body(gzipOf(cached) as Uint8Array<ArrayBuffer>);
}

export const isKnownCategory = (name: string): boolean => ARXIV_CATEGORY_NAMES.has(name);

/**
 * A category expression from a URL, checked against the taxonomy: NOT_FOUND for a malformed one, and for an unknown
 * name with the closest known one in `details.suggestion` and the corrected expression's URL in `details.href`.
 */
export function categoryExpression(
  text: string,
  hrefOf: (expression: string) => string = urls.archiveCalendar,
): { algebra: CategoryAlgebra; expression: string } {
  const algebra = parseCategoryAlgebra(text, isKnownCategory);
  if (!algebra) {
    throw new XivdigestError({
      code: 'NOT_FOUND',
      message: `"${text}" is not a category expression`,
      hint: 'Write categories joined by + and excluded with -, e.g. cs.CL+cs.AI-cs.CY',
    });
  }
  for (const name of [...algebra.include, ...algebra.exclude]) {
    if (isKnownCategory(name)) continue;
    const suggestion = suggestCategory(name);
    const fixed = suggestion
      ? formatCategoryAlgebra({
          include: algebra.include.map((n) => (n === name ? suggestion : n)),
          exclude: algebra.exclude.map((n) => (n === name ? suggestion : n)),
        })
      : undefined;
    throw new XivdigestError({
      code: 'NOT_FOUND',
      message: `unknown category "${name}"${suggestion ? `; did you mean ${suggestion}?` : ''}`,
      hint: 'arXiv category names are case-sensitive, e.g. cs.CL, math.AP, astro-ph.GA',
      details: { category: name, ...(suggestion && fixed ? { suggestion: fixed, href: hrefOf(fixed) } : {}) },
    });
  }
  return { algebra, expression: formatCategoryAlgebra(algebra) };
}

/** A YYYY-MM-DD day that exists, or undefined. */
export function validDay(text: string | undefined): string | undefined {
  if (!text || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text ? text : undefined;
}

/** The path after a prefix, each segment percent-decoded (NOT_FOUND for a malformed escape). */
export function restOfPath(c: Context, prefix: string): string {
  const raw = new URL(c.req.url).pathname.slice(prefix.length);
  try {
    return raw.split('/').map(decodeURIComponent).join('/');
  } catch {
    throw new XivdigestError({ code: 'NOT_FOUND', message: `No page at ${raw}`, hint: 'Check the link' });
  }
}
