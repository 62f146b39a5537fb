/**
 * Every path of the web service, in one place, so that pages, feeds, the API, MCP and the static export link to each
 * other the same way. Paths are relative to the site's root; segments are percent-encoded here and nowhere else.
 */

const segments = (name: string): string => name.split('/').map(encodeURIComponent).join('/');

function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** Search parameters as they appear in page, feed and API URLs. */
export interface SearchParams {
  q?: string;
  from?: string;
  until?: string;
  /** A category or the category algebra, e.g. `cs.CL+cs.AI-cs.CY`. */
  category?: string;
  sort?: 'relevance' | 'date';
  page?: number;
}

export type FeedKind = 'atom' | 'json';

export const urls = {
  home: (): string => '/',
  /** A stored digest by name (`cs.CL/2026-11-24` or a legacy `cs.CL`). */
  digest: (name: string): string => `/digests/${segments(name)}`,
  digestFeed: (name: string, kind: FeedKind): string => `/feeds/digests/${segments(name)}.${kind}`,
  /** A reader's web subscription's private feed (docs/decisions/0063); its token travels in the query, never in logs' paths. */
  privateFeed: (name: string, kind: FeedKind, token: string): string => `/feeds/private/${encodeURIComponent(name)}.${kind}?token=${encodeURIComponent(token)}`,
  /** The list of categories with stored papers. */
  archive: (): string => '/archive',
  /** A calendar of days for a category expression (`cs.CL+cs.AI-cs.CY`). */
  archiveCalendar: (categories: string): string => `/archive/${encodeURIComponent(categories)}`,
  /** One day's papers for a category expression. */
  archiveDay: (categories: string, day: string): string => `/archive/${encodeURIComponent(categories)}/${day}`,
  archiveFeed: (categories: string, kind: FeedKind): string => `/feeds/archive/${encodeURIComponent(categories)}.${kind}`,
  /** A paper by arXiv id without version (old-style ids keep their slash: `hep-th/9901001`). */
  paper: (id: string): string => `/papers/${segments(id)}`,
  search: (params: SearchParams = {}): string => withQuery('/search', { ...params }),
  searchFeed: (params: SearchParams, kind: FeedKind): string => withQuery(`/feeds/search.${kind}`, { ...params, page: undefined }),
  api: {
    search: (params: SearchParams = {}): string => withQuery('/api/search', { ...params }),
    paper: (id: string): string => `/api/papers/${segments(id)}`,
    digests: (): string => '/api/digests',
    digest: (name: string): string => `/api/digests/${segments(name)}`,
    days: (categories?: string): string => withQuery('/api/archive/days', { category: categories }),
    categories: (): string => '/api/archive/categories',
    openapi: (): string => '/api/openapi.json',
  },
  mcp: (): string => '/mcp',
  /** Stylesheets, KaTeX's CSS and fonts, icons: served by the app itself (the CSP allows nothing else). */
  asset: (file: string): string => `/assets/${file}`,
} as const;

/** A category expression parsed: `cs.CL+cs.AI-cs.CY` → include cs.CL or cs.AI, exclude cs.CY. */
export interface CategoryAlgebra {
  include: string[];
  exclude: string[];
}

/**
 * Parses Cool Papers' category algebra: names joined by `+` (or a space, which is how `+` arrives unencoded in a
 * query string) to include and `-` to exclude. Names contain hyphens too (`hep-th`, `cond-mat.mes-hall`), so after each
 * operator the longest run that `isKnown` accepts is one name; a run nothing accepts yields its first piece, which the
 * caller reports as unknown (with the taxonomy's did-you-mean). Undefined for an empty or malformed expression.
 */
export function parseCategoryAlgebra(text: string, isKnown: (name: string) => boolean): CategoryAlgebra | undefined {
  const expression = text.trim().replace(/ +/g, '+');
  if (!/^[A-Za-z][\w.-]*(?:\+[A-Za-z][\w.-]*)*$/.test(expression)) return undefined;
  const include: string[] = [];
  const exclude: string[] = [];
  for (const part of expression.split('+')) {
    const pieces = part.split('-');
    if (pieces.some((piece) => piece === '')) return undefined;
    let index = 0;
    let sign: 'include' | 'exclude' = 'include';
    while (index < pieces.length) {
      let end = pieces.length;
      while (end > index + 1 && !isKnown(pieces.slice(index, end).join('-'))) end -= 1;
      (sign === 'include' ? include : exclude).push(pieces.slice(index, end).join('-'));
      index = end;
      sign = 'exclude';
    }
  }
  return include.length > 0 ? { include, exclude } : undefined;
}

/** The expression for a parsed algebra, the inverse of parseCategoryAlgebra. */
export function formatCategoryAlgebra(algebra: CategoryAlgebra): string {
  return [algebra.include.join('+'), ...algebra.exclude.map((category) => `-${category}`)].join('');
}
