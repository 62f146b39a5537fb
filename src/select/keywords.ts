/** Include and exclude keyword lists: words or phrases looked for in a paper's title and abstract. */
import { XivdigestError } from '../core/errors.js';
import type { Paper } from '../core/paper.js';
import { compileTextPattern, matchesText, type TextPattern } from './normalize.js';
import { createPaperText, type PaperText } from './paper-text.js';

export interface KeywordLists {
  /** A paper passes when any of these occurs (all pass when the list is empty or absent). */
  include?: readonly string[];
  /** A paper is rejected when any of these occurs. */
  exclude?: readonly string[];
}

export interface KeywordResult {
  /** False when an exclude keyword occurs, or when include keywords are given and none occurs. */
  pass: boolean;
  /** The include keywords that occur, as configured. */
  included: string[];
  /** The exclude keywords that occur, as configured. */
  excluded: string[];
}

/** A compiled keyword list. */
export interface KeywordMatcher {
  /** The keywords (as configured) that occur in the paper's title or abstract. */
  (paper: PaperText): string[];
}

/**
 * Compiles keywords. A keyword matches whole words, case- and diacritics-insensitively, in the title or abstract; a
 * keyword of several words matches them as a phrase (`large language model`), punctuation counting as a space
 * (`GPT-4` ≈ `GPT 4`); a trailing `*` matches a prefix (`transform*`). Throws `CONFIG_INVALID` for a keyword with no
 * letter or digit; `path` (e.g. `subscriptions[0].filters.include`) goes into the error.
 */
export function compileKeywords(keywords: readonly string[], path?: string): KeywordMatcher {
  const patterns: { keyword: string; pattern: TextPattern }[] = keywords.map((keyword, index) => {
    const trimmed = keyword.trim();
    const prefix = trimmed.endsWith('*');
    const pattern = compileTextPattern(prefix ? trimmed.slice(0, -1) : trimmed, prefix);
    if (pattern === null) {
      throw new XivdigestError({
        code: 'CONFIG_INVALID',
        message: `keyword ${JSON.stringify(keyword)}${path ? ` at ${path}[${index}]` : ''} has no letters or digits to match`,
        hint: 'Keywords match words and phrases; punctuation is ignored. Remove the entry or write a word.',
        details: { keyword, index, ...(path ? { path: `${path}[${index}]` } : {}) },
      });
    }
    return { keyword, pattern };
  });
  return (paper) => {
    const hits: string[] = [];
    for (const { keyword, pattern } of patterns) {
      if (matchesText(pattern, paper.title) || matchesText(pattern, paper.abstract)) hits.push(keyword);
    }
    return hits;
  };
}

/** Compiles include and exclude lists into one check (compile once, call per paper). */
export function createKeywordFilter(lists: KeywordLists, path?: string): (paper: Paper | PaperText) => KeywordResult {
  const include = compileKeywords(lists.include ?? [], path ? `${path}.include` : undefined);
  const exclude = compileKeywords(lists.exclude ?? [], path ? `${path}.exclude` : undefined);
  const needsInclude = (lists.include?.length ?? 0) > 0;
  return (input) => {
    const paper = 'paper' in input ? input : createPaperText(input);
    const excluded = exclude(paper);
    const included = include(paper);
    return { pass: excluded.length === 0 && (!needsInclude || included.length > 0), included, excluded };
  };
}
