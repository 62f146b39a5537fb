/** The combined filter of a subscription: categories, query, followed authors and keywords, with a reason for every skip. */
import { XivdigestError } from '../core/errors.js';
import type { Paper } from '../core/paper.js';
import { compileAuthorPatterns, type AuthorPatterns } from './authors.js';
import { compileCategoryMatcher, feedCategories, parseCategoryExpression, type CategoryExpression } from './categories.js';
import { compileKeywords, type KeywordMatcher } from './keywords.js';
import { createPaperText } from './paper-text.js';
import { compileQuery, parseQuery, type CompiledQuery, type QueryNode } from './query/index.js';

/** What a subscription selects. Only `categories` is required. */
export interface FilterSpec {
  /** Category expression, e.g. `cs.CL+cs.AI-cs.CY`. */
  categories: string;
  /** Keep papers cross-listed into the categories (default true); false keeps only those whose primary category is in them. */
  crossLists?: boolean;
  /** Keep re-announced new versions (`replace`, `replace-cross`, legacy `UPDATED`) (default true). */
  replacements?: boolean;
  /** Query that a paper must match, e.g. `ti:(llm OR "language model") -survey`. */
  query?: string;
  /** Followed authors: their papers pass even when the query or include keywords do not match. */
  authors?: string[];
  /** Keywords of which at least one must occur in the title or abstract. */
  include?: string[];
  /** Keywords of which none may occur in the title or abstract; they beat followed authors. */
  exclude?: string[];
}

/** The outcome for one paper. */
export interface FilterDecision {
  pass: boolean;
  /** Why the paper was left out, in one line a person understands, when it was. */
  skipReason?: string;
  /** Query terms and include keywords that matched (labels as written), for showing why a paper is there. */
  matchedTerms: string[];
  /** Followed authors (as configured) among the paper's authors. */
  matchedAuthors: string[];
}

/** A compiled filter: call it for each paper. */
export interface PaperFilter {
  (paper: Paper): FilterDecision;
  /** The parsed category expression. */
  readonly categories: CategoryExpression;
  /** What to fetch from rss.arxiv.org (`cs.CL+cs.AI`). */
  readonly feed: string;
  /** The parsed query, when there is one. */
  readonly query: QueryNode | undefined;
}

export interface PaperFilterOptions {
  /** Where the spec sits in the config, e.g. `subscriptions[0].filters`; errors carry `details.path` below it. */
  path?: string;
}

function withPath(error: unknown, path: string | undefined, field: string): unknown {
  if (!XivdigestError.isInstance(error)) return error;
  const index = error.details.index;
  const detailPath = `${path ? `${path}.` : ''}${field}${typeof index === 'number' ? `[${index}]` : ''}`;
  return new XivdigestError({
    code: error.code,
    message: `${detailPath}: ${error.message}`,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    cause: error,
    details: { ...error.details, path: detailPath },
  });
}

interface Compiled {
  categories: CategoryExpression;
  query: QueryNode | undefined;
  compiledQuery: CompiledQuery | undefined;
  authors: AuthorPatterns;
  include: KeywordMatcher;
  exclude: KeywordMatcher;
}

type Part = 'categories' | 'query' | 'authors' | 'include' | 'exclude';

function compileParts(spec: FilterSpec, path: string | undefined, onError: (part: Part, error: unknown) => void): Partial<Compiled> {
  const result: Partial<Compiled> = {};
  const attempt = (part: Part, run: () => void): void => {
    try {
      run();
    } catch (error) {
      onError(part, withPath(error, path, part));
    }
  };
  attempt('categories', () => {
    result.categories = parseCategoryExpression(spec.categories);
  });
  attempt('query', () => {
    if (spec.query === undefined) return;
    result.query = parseQuery(spec.query);
    result.compiledQuery = compileQuery(result.query);
  });
  attempt('authors', () => {
    result.authors = compileAuthorPatterns(spec.authors ?? []);
  });
  attempt('include', () => {
    result.include = compileKeywords(spec.include ?? []);
  });
  attempt('exclude', () => {
    result.exclude = compileKeywords(spec.exclude ?? []);
  });
  return result;
}

/**
 * Every problem of a filter spec, each an `XivdigestError` (`QUERY_INVALID` for the query, `CONFIG_INVALID` otherwise)
 * with `details.path` such as `subscriptions[0].filters.query`; empty when the spec is valid.
 */
export function validateFilterSpec(spec: FilterSpec, options: PaperFilterOptions = {}): XivdigestError[] {
  const errors: XivdigestError[] = [];
  compileParts(spec, options.path, (_part, error) => {
    if (XivdigestError.isInstance(error)) errors.push(error);
    else throw error;
  });
  return errors;
}

/**
 * Compiles a filter spec once (throwing its first problem, with `details.path`) into a per-paper decision:
 * 1. the category expression, cross-list and replacement rules decide whether the paper is in scope at all;
 * 2. an exclude keyword rejects it;
 * 3. a followed author passes it;
 * 4. otherwise the query (when given) and the include keywords (when given) must both match.
 */
export function createPaperFilter(spec: FilterSpec, options: PaperFilterOptions = {}): PaperFilter {
  const parts = compileParts(spec, options.path, (_part, error) => {
    throw error;
  }) as Compiled;
  const inScope = compileCategoryMatcher(parts.categories, {
    crossLists: spec.crossLists ?? true,
    replacements: spec.replacements ?? true,
  });
  const hasInclude = (spec.include?.length ?? 0) > 0;
  const hasAuthors = (spec.authors?.length ?? 0) > 0;
  const filter = (paper: Paper): FilterDecision => {
    const scope = inScope(paper);
    if (!scope.matched) return { pass: false, skipReason: scope.reason ?? 'outside the categories', matchedTerms: [], matchedAuthors: [] };
    const text = createPaperText(paper);
    const excluded = parts.exclude(text);
    const matchedAuthors = hasAuthors ? parts.authors.match(text.authors) : [];
    if (excluded.length > 0) {
      return { pass: false, skipReason: `excluded keyword ${JSON.stringify(excluded[0])}`, matchedTerms: [], matchedAuthors };
    }
    const query = parts.compiledQuery?.(text);
    const included = parts.include(text);
    const matchedTerms = [...new Set([...(query?.terms ?? []), ...included])];
    if (matchedAuthors.length > 0) return { pass: true, matchedTerms, matchedAuthors };
    if (query && !query.matched) return { pass: false, skipReason: 'query did not match', matchedTerms, matchedAuthors };
    if (hasInclude && included.length === 0) return { pass: false, skipReason: 'no include keyword matched', matchedTerms, matchedAuthors };
    return { pass: true, matchedTerms, matchedAuthors };
  };
  return Object.assign(filter, { categories: parts.categories, feed: feedCategories(parts.categories), query: parts.query });
}
