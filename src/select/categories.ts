/** Category expressions such as `cs.CL+cs.AI-cs.CY`: which feeds to fetch, and which papers fall inside them. */
import { XivdigestError } from '../core/errors.js';
import type { Paper } from '../core/paper.js';
import { isReplacement, replacementLabel } from '../core/replacement.js';
import { pointAt } from './query/parse.js';
import { ARXIV_CATEGORY_NAMES, ARXIV_TAXONOMY } from '../core/taxonomy.js';

/** A parsed category expression. Archives (`cs`, `astro-ph`) stand for all of their categories. */
export interface CategoryExpression {
  /** The expression as written. */
  text: string;
  /** Categories and archives to include, in the order written, without duplicates. */
  include: string[];
  /** Categories and archives whose papers are left out even when they are also in an included one. */
  exclude: string[];
}

export interface CategoryMatchOptions {
  /** Count papers whose primary category lies elsewhere but which are cross-listed into an included one (default true). */
  crossLists?: boolean;
  /** Count re-announced new versions (`replace`, `replace-cross`, legacy `UPDATED`) (default true). */
  replacements?: boolean;
}

export interface CategoryMatch {
  matched: boolean;
  /** Why the paper is out, in one line, when it is. */
  reason?: string;
}

// Longest names first, so that `cs.CL` wins over `cs` and `cond-mat.str-el` over `cond-mat`.
const NAMES_LONGEST_FIRST = [...ARXIV_CATEGORY_NAMES].sort((a, b) => b.length - a.length);
const NAMES_BY_FOLDED = new Map([...ARXIV_CATEGORY_NAMES].map((name) => [name.toLowerCase().replace(/-/g, ''), name]));
const SEPARATOR = /[\s+\-,]/;

function categoryError(text: string, position: number, problem: string, hint: string, path?: string): XivdigestError {
  return new XivdigestError({
    code: 'CONFIG_INVALID',
    message: `category expression error at column ${position + 1}: ${problem}\n${pointAt(text, position)}`,
    hint,
    details: { expression: text, position, ...(path ? { path } : {}) },
  });
}

function nameAt(text: string, position: number, caseInsensitive: boolean): string | undefined {
  const haystack = caseInsensitive ? text.toLowerCase() : text;
  return NAMES_LONGEST_FIRST.find((name) => {
    if (!haystack.startsWith(caseInsensitive ? name.toLowerCase() : name, position)) return false;
    const after = text.charAt(position + name.length);
    return after === '' || SEPARATOR.test(after) || text.startsWith('.*', position + name.length);
  });
}

function unknownName(text: string, position: number, path: string | undefined): XivdigestError {
  const wrongCase = nameAt(text, position, true);
  if (wrongCase) {
    return categoryError(
      text,
      position,
      `${JSON.stringify(text.slice(position, position + wrongCase.length))} is not an arXiv category; did you mean ${wrongCase}?`,
      'arXiv category names are case-sensitive: the archive in lower case, then a dot and the subject class as arXiv writes it (cs.CL, math.AP, astro-ph.GA, cond-mat.str-el).',
      path,
    );
  }
  const word = /^[^\s+,]*/.exec(text.slice(position))?.[0] ?? '';
  const archive = /^[A-Za-z-]+/.exec(word)?.[0] ?? '';
  const folded = NAMES_BY_FOLDED.get(word.toLowerCase().replace(/-/g, ''));
  const subjects = ARXIV_TAXONOMY[archive];
  let hint: string;
  if (folded) hint = `Did you mean ${folded}?`;
  else if (subjects && subjects.length > 0)
    hint = `The categories of ${archive} are ${subjects.map((subject) => `${archive}.${subject}`).join(', ')}; ${archive} alone means all of them.`;
  else hint = `Use archives (${Object.keys(ARXIV_TAXONOMY).join(', ')}) or their categories such as cs.CL, joined with + to include and - to exclude.`;
  return categoryError(text, position, word === '' ? 'expected a category' : `${JSON.stringify(word)} is not an arXiv category or archive`, hint, path);
}

/**
 * Parses `cs.CL+cs.AI-cs.CY`: `+` includes, `-` excludes; an archive alone (`math`, `astro-ph`, also `cs.*`) means every
 * category in it. Names are checked against arXiv's taxonomy and are case-sensitive (`cs.cl` is an error that suggests
 * `cs.CL`). Throws `CONFIG_INVALID` with `details: { expression, position, path? }`.
 */
export function parseCategoryExpression(text: string, options: { path?: string } = {}): CategoryExpression {
  const include: string[] = [];
  const exclude: string[] = [];
  let position = 0;
  const skipSpace = (): void => {
    while (position < text.length && /\s/.test(text.charAt(position))) position += 1;
  };
  skipSpace();
  if (position >= text.length) {
    throw categoryError(text, 0, 'the category expression is empty', 'Name at least one category or archive, e.g. cs.CL or cs.CL+cs.AI.', options.path);
  }
  let first = true;
  while (position < text.length) {
    let operator: '+' | '-' = '+';
    const char = text.charAt(position);
    if (char === '+' || char === '-' || char === ',') {
      operator = char === '-' ? '-' : '+';
      position += 1;
      skipSpace();
    } else if (!first) {
      throw categoryError(
        text,
        position,
        'expected + or - between categories',
        'Join categories with + (include) or - (exclude), e.g. cs.CL+cs.AI-cs.CY.',
        options.path,
      );
    }
    const start = position;
    const name = nameAt(text, position, false);
    if (!name) throw unknownName(text, position, options.path);
    position += name.length;
    if (text.startsWith('.*', position)) position += 2;
    const list = operator === '+' ? include : exclude;
    const other = operator === '+' ? exclude : include;
    if (other.includes(name)) {
      throw categoryError(text, start, `${name} is both included and excluded`, `Keep either +${name} or -${name}.`, options.path);
    }
    if (!list.includes(name)) list.push(name);
    first = false;
    skipSpace();
  }
  if (include.length === 0) {
    throw categoryError(
      text,
      0,
      'nothing is included: the expression only excludes',
      'Start with the categories to include, e.g. cs-cs.CY for all of cs but cs.CY.',
      options.path,
    );
  }
  return { text, include, exclude };
}

function covers(name: string, category: string): boolean {
  return category === name || (category.startsWith(name) && category.charAt(name.length) === '.' && !name.includes('.'));
}

/** The feed path for rss.arxiv.org: the included names joined with `+`, leaving out those an included archive covers. */
export function feedCategories(expression: CategoryExpression): string {
  return expression.include.filter((name) => !expression.include.some((other) => other !== name && covers(other, name))).join('+');
}

/** Compiles a category expression with its options into a per-paper check. */
export function compileCategoryMatcher(expression: CategoryExpression, options: CategoryMatchOptions = {}): (paper: Paper) => CategoryMatch {
  const crossLists = options.crossLists ?? true;
  const replacements = options.replacements ?? true;
  const included = (category: string): boolean => expression.include.some((name) => covers(name, category));
  const shown = expression.include.join('+');
  return (paper) => {
    const excluded = paper.categories.find((category) => expression.exclude.some((name) => covers(name, category)));
    if (excluded !== undefined) return { matched: false, reason: `excluded category ${excluded}` };
    if (!replacements && isReplacement(paper)) {
      return { matched: false, reason: `replaced version (${replacementLabel(paper)}); replacements are off` };
    }
    const primary = paper.categories[0];
    if (primary === undefined) return { matched: false, reason: 'the paper lists no categories' };
    if (!crossLists) {
      return included(primary) ? { matched: true } : { matched: false, reason: `cross-list: primary category ${primary} is not in ${shown}` };
    }
    return paper.categories.some(included) ? { matched: true } : { matched: false, reason: `no category in ${shown} (has ${paper.categories.join(', ')})` };
  };
}

/** Whether a paper falls inside a category expression, and why not when it does not. */
export function matchCategories(expression: CategoryExpression, paper: Paper, options: CategoryMatchOptions): CategoryMatch {
  return compileCategoryMatcher(expression, options)(paper);
}
