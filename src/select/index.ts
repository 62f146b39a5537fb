/** Selection: which papers a subscription keeps, and why. Pure functions over papers. */
export {
  compileAuthorPatterns,
  createAuthorMatcher,
  createAuthorsView,
  parseAuthorName,
  type AuthorPatterns,
  type AuthorsView,
  type ParsedName,
} from './authors.js';
export {
  compileCategoryMatcher,
  feedCategories,
  matchCategories,
  parseCategoryExpression,
  type CategoryExpression,
  type CategoryMatch,
  type CategoryMatchOptions,
} from './categories.js';
export { createPaperFilter, validateFilterSpec, type FilterDecision, type FilterSpec, type PaperFilter, type PaperFilterOptions } from './filter.js';
export { compileKeywords, createKeywordFilter, type KeywordLists, type KeywordResult } from './keywords.js';
export { createPaperText, type PaperText } from './paper-text.js';
export { compileTextPattern, foldCase, matchesText, toSearchText, type SearchText, type TextPattern } from './normalize.js';
export { compileQuery, evaluateQuery, parseQuery, type CompiledQuery, type QueryNode, type QueryResult, type QueryTerm } from './query/index.js';
export { filterSpecSchema, type FilterSpecInput } from './spec.js';
