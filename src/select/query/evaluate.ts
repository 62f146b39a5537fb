/** The query language's evaluator: a parsed query compiled once into a matcher over papers. */
import type { Paper } from '../../core/paper.js';
import { compileAuthorPatterns } from '../authors.js';
import { compileTextPattern, matchesText } from '../normalize.js';
import { createPaperText, type PaperText } from '../paper-text.js';
import type { QueryNode, QueryTerm } from './parse.js';

/** Whether a paper matched, and the terms that made it match (labels, without duplicates, in query order). */
export interface QueryResult {
  matched: boolean;
  terms: string[];
}

/** A compiled query. */
export type CompiledQuery = (paper: PaperText) => QueryResult;

type Evaluate = (paper: PaperText, terms: Set<string>) => boolean;

function compileCategory(term: QueryTerm): (categories: readonly string[]) => boolean {
  const value = term.text.toLowerCase();
  if (term.prefix) return (categories) => categories.some((category) => category.startsWith(value));
  // `cat:cs`, `cat:cs.*` and `cat:astro-ph` name an archive: any of its categories (and the archive itself) match.
  const archive = value.endsWith('.*') ? value.slice(0, -2) : value.includes('.') ? undefined : value;
  if (archive !== undefined) {
    const dotted = `${archive}.`;
    return (categories) => categories.some((category) => category === archive || category.startsWith(dotted));
  }
  return (categories) => categories.includes(value);
}

function compileTerm(term: QueryTerm): Evaluate {
  const label = term.label;
  const hit = (matched: boolean, terms: Set<string>): boolean => {
    if (matched) terms.add(label);
    return matched;
  };
  switch (term.field) {
    case 'au': {
      const patterns = compileAuthorPatterns([term.text]);
      return (paper, terms) => hit(patterns.match(paper.authors).length > 0, terms);
    }
    case 'cat': {
      const matches = compileCategory(term);
      return (paper, terms) => hit(matches(paper.categories), terms);
    }
    default: {
      const pattern = compileTextPattern(term.text, term.prefix);
      if (pattern === null) return () => false;
      if (term.field === 'ti') return (paper, terms) => hit(matchesText(pattern, paper.title), terms);
      if (term.field === 'abs') return (paper, terms) => hit(matchesText(pattern, paper.abstract), terms);
      return (paper, terms) => hit(matchesText(pattern, paper.title) || matchesText(pattern, paper.abstract), terms);
    }
  }
}

function compileNode(node: QueryNode): Evaluate {
  switch (node.kind) {
    case 'term':
      return compileTerm(node);
    case 'not': {
      const child = compileNode(node.child);
      // Terms under NOT never explain a match: they are collected into a scratch set and dropped.
      return (paper) => !child(paper, new Set());
    }
    case 'and': {
      const children = node.children.map(compileNode);
      return (paper, terms) => {
        const local = new Set<string>();
        for (const child of children) if (!child(paper, local)) return false;
        for (const term of local) terms.add(term);
        return true;
      };
    }
    case 'or': {
      const children = node.children.map(compileNode);
      // Every branch is tried, so that all the reasons for a match are shown, not only the first.
      return (paper, terms) => {
        let matched = false;
        for (const child of children) if (child(paper, terms)) matched = true;
        return matched;
      };
    }
  }
}

/** Compiles a parsed query into a matcher; compile once, then call it for every paper. */
export function compileQuery(node: QueryNode): CompiledQuery {
  const evaluate = compileNode(node);
  return (paper) => {
    const terms = new Set<string>();
    if (!evaluate(paper, terms)) return { matched: false, terms: [] };
    return { matched: true, terms: [...terms] };
  };
}

const compiled = new WeakMap<QueryNode, CompiledQuery>();

/**
 * Evaluates a parsed query against a paper. The compiled form is cached per node, so calling this for many papers with
 * the same node compiles once. Pass a `PaperText` to share the normalized text with other matchers.
 */
export function evaluateQuery(node: QueryNode, paper: Paper | PaperText): QueryResult {
  let query = compiled.get(node);
  if (!query) {
    query = compileQuery(node);
    compiled.set(node, query);
  }
  return query('paper' in paper ? paper : createPaperText(paper));
}
