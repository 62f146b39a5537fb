/** The query language: `ti:(llm OR "language model") AND NOT cat:cs.CY -survey`. */
export { parseQuery, pointAt, QUERY_FIELDS, type QueryField, type QueryNode, type QueryTerm } from './parse.js';
export { compileQuery, evaluateQuery, type CompiledQuery, type QueryResult } from './evaluate.js';
