/**
 * The query language's AST (select/query/parse.ts) as an SQLite FTS5 MATCH expression and as a PostgreSQL tsquery,
 * both over the tokens of core/search-text.ts. The expressions are bound as parameters, never spliced into SQL; the
 * tokens in them are quoted (PostgreSQL's category and author lexemes start with a mark that no word has, ADR 0059).
 */
import { ALL_PAPERS_TOKEN, categoryToken, hasCjk, queryTokens, type HighlightTerm } from '../../../core/search-text.js';
import type { QueryNode, QueryTerm } from '../../../select/query/parse.js';

/** A token that no paper has: what a term without any word to look for matches. */
const NOTHING_TOKEN = 'c0none';

/**
 * PostgreSQL lexemes of author words carry this prefix, so that `au:` and `ti:` never see each other's words. Words
 * are letters and digits only (core/search-text.ts), so no word, and no prefix of one, reaches a lexeme that starts
 * with a mark (docs/decisions/0059-postgres-marked-lexemes.md).
 */
export const AUTHOR_PREFIX = '@';

/**
 * PostgreSQL documents hold each word of the title and the translated titles a second time with this prefix, at the
 * same positions and weights, so that `ti:` is answered by the GIN index alone: a weight (`:AB`) is something the
 * index cannot check, and it read the documents of every paper with the word anywhere (ADR 0068).
 */
export const TITLE_PREFIX = '^';

/**
 * PostgreSQL's lexeme of a category token (`c0cs0cl` → `#cs0cl`, `c0all` → `#all`). Category lexemes have no
 * positions, which every weight filter lets through: the mark keeps a typed word (`c0all`, `c*`) away from them (ADR
 * 0059). SQLite keeps the tokens as they are, in their own column.
 */
export function tsCategoryLexeme(token: string): string {
  return `#${token.startsWith('c0') ? token.slice(2) : token}`;
}

/** The FTS5 columns, in the table's order. */
export const FTS_COLUMNS = ['title', 'ttitle', 'tldr', 'abstract', 'authors', 'cats'] as const;

interface Leaf {
  tokens: string[];
  prefix: boolean;
  field: QueryTerm['field'];
}

function leaf(term: QueryTerm): Leaf {
  if (term.field === 'cat') {
    const archive = term.text.endsWith('.*') ? term.text.slice(0, -2) : term.text;
    return { tokens: [categoryToken(archive)], prefix: term.prefix, field: 'cat' };
  }
  const tokens = queryTokens(term.text);
  if (tokens.length === 0) return { tokens: [NOTHING_TOKEN], prefix: false, field: term.field };
  // A lone CJK character is indexed inside bigrams: it matches as their prefix (and as itself).
  const lone = tokens.length === 1 && Array.from(tokens[0]!).length === 1 && hasCjk(tokens[0]!);
  return { tokens, prefix: term.prefix || lone, field: term.field };
}

const FTS_FILTER: Record<QueryTerm['field'], string> = {
  text: '- {cats}',
  ti: '{title ttitle}',
  abs: '{tldr abstract}',
  au: '{authors}',
  cat: '{cats}',
};

/**
 * Whether a word term could match a category token (`c0…`) of the cats column: only then does it need the column
 * filter `- {cats}`, which makes FTS5 read every match's positions (a quarter slower on a common word).
 */
function reachesCategories(tokens: readonly string[], prefix: boolean): boolean {
  return tokens.some((token) => token.startsWith('c0')) || (prefix && 'c0'.startsWith(tokens[tokens.length - 1]!));
}

function ftsLeaf(term: QueryTerm): string {
  const { tokens, prefix, field } = leaf(term);
  const phrase = `"${tokens.join(' ')}"${prefix ? ' *' : ''}`;
  if (field === 'text' && !reachesCategories(tokens, prefix)) return `(${phrase})`;
  return `(${FTS_FILTER[field]} : ${phrase})`;
}

const ALL_FTS = `({cats} : "${ALL_PAPERS_TOKEN}")`;

/**
 * One phrase of an FTS5 expression, as an expression of its own (with its column filter), and whether it can score:
 * phrases under a NOT and category tokens (a column of weight 0) never add to BM25.
 */
export interface FtsPhrase {
  match: string;
  scoring: boolean;
}

/**
 * An FTS5 expression with its phrases in FTS5's order, which is their order in the expression's text: an auxiliary
 * function's phrase i (ADR 0054). Both come from one walk, so they cannot disagree.
 */
export interface FtsExpression {
  match: string;
  phrases: FtsPhrase[];
}

const ALL_EXPRESSION: FtsExpression = { match: ALL_FTS, phrases: [{ match: ALL_FTS, scoring: false }] };

function silent(expression: FtsExpression): FtsExpression {
  return { match: expression.match, phrases: expression.phrases.map((phrase) => ({ ...phrase, scoring: false })) };
}

function joined(parts: readonly FtsExpression[], separator: string): FtsExpression {
  return { match: parts.map((part) => part.match).join(separator), phrases: parts.flatMap((part) => part.phrases) };
}

/** The node as an FTS5 expression. FTS5's NOT is binary (`a NOT b`), so a lone negation is "every paper NOT b". */
export function toFtsExpression(node: QueryNode): FtsExpression {
  switch (node.kind) {
    case 'term': {
      const match = ftsLeaf(node);
      return { match, phrases: [{ match, scoring: node.field !== 'cat' }] };
    }
    case 'not': {
      const child = silent(toFtsExpression(node.child));
      return { match: `(${ALL_FTS} NOT ${child.match})`, phrases: [...ALL_EXPRESSION.phrases, ...child.phrases] };
    }
    case 'or': {
      const children = joined(node.children.map(toFtsExpression), ' OR ');
      return { match: `(${children.match})`, phrases: children.phrases };
    }
    case 'and': {
      const positive = node.children.filter((child) => child.kind !== 'not').map(toFtsExpression);
      const negative = node.children.flatMap((child) => (child.kind === 'not' ? [silent(toFtsExpression(child.child))] : []));
      const both = joined(positive, ' AND ');
      const base = positive.length === 0 ? ALL_EXPRESSION : { match: `(${both.match})`, phrases: both.phrases };
      if (negative.length === 0) return base;
      const left = joined(negative, ' OR ');
      return { match: `(${base.match} NOT (${left.match}))`, phrases: [...base.phrases, ...left.phrases] };
    }
  }
}

/** Category filters as an FTS5 expression to AND with the query (undefined when there are none); none of its phrases scores. */
export function ftsCategoryFilter(categories: readonly string[] | undefined, exclude: readonly string[] | undefined): FtsExpression | undefined {
  const phrase = (category: string): FtsPhrase => ({ match: `"${categoryToken(category)}"`, scoring: false });
  const include = (categories ?? []).map(phrase);
  const leaveOut = (exclude ?? []).map(phrase);
  if (include.length === 0 && leaveOut.length === 0) return undefined;
  // Each phrase on its own carries the column filter, as FTS5 counts it.
  const own = (phrases: FtsPhrase[]): FtsPhrase[] => phrases.map((entry) => ({ ...entry, match: `({cats} : ${entry.match})` }));
  const base: FtsExpression =
    include.length > 0 ? { match: `({cats} : (${include.map((entry) => entry.match).join(' OR ')}))`, phrases: own(include) } : ALL_EXPRESSION;
  if (leaveOut.length === 0) return base;
  return {
    match: `(${base.match} NOT ({cats} : (${leaveOut.map((entry) => entry.match).join(' OR ')})))`,
    phrases: [...base.phrases, ...own(leaveOut)],
  };
}

/** A lexeme quoted for a tsvector or tsquery literal: any character may stand inside, with ' and \ doubled. */
export function quoteLexeme(lexeme: string): string {
  return `'${/['\\]/.test(lexeme) ? lexeme.replace(/['\\]/g, '$&$&') : lexeme}'`;
}

function tsLexeme(token: string, prefix: boolean, weights: string): string {
  const marks = `${prefix ? '*' : ''}${weights}`;
  return `${quoteLexeme(token)}${marks ? `:${marks}` : ''}`;
}

function tsPhrase(tokens: readonly string[], prefix: boolean, weights: string, lexemePrefix = ''): string {
  const parts = tokens.map((token, index) => tsLexeme(lexemePrefix + token, prefix && index === tokens.length - 1, weights));
  return parts.length === 1 ? parts[0]! : `(${parts.join(' <-> ')})`;
}

function tsLeaf(term: QueryTerm): string {
  const { tokens, prefix, field } = leaf(term);
  switch (field) {
    case 'ti':
      return tsPhrase(tokens, prefix, '', TITLE_PREFIX);
    case 'abs':
      return tsPhrase(tokens, prefix, 'CD');
    case 'au':
      return tsPhrase(tokens, prefix, '', AUTHOR_PREFIX);
    case 'cat':
      return tsPhrase(tokens.map(tsCategoryLexeme), prefix, '');
    case 'text':
      return `(${tsPhrase(tokens, prefix, '')} | ${tsPhrase(tokens, prefix, '', AUTHOR_PREFIX)})`;
  }
}

/** The node as a tsquery literal (cast with `::tsquery`, which takes the lexemes as they are). */
export function toTsQuery(node: QueryNode): string {
  switch (node.kind) {
    case 'term':
      return tsLeaf(node);
    case 'not':
      return `!${toTsQuery(node.child)}`;
    case 'or':
      return `(${node.children.map(toTsQuery).join(' | ')})`;
    case 'and':
      return `(${node.children.map(toTsQuery).join(' & ')})`;
  }
}

/** Category filters as a tsquery to AND with the query (undefined when there are none). */
export function tsCategoryFilter(categories: readonly string[] | undefined, exclude: readonly string[] | undefined): string | undefined {
  const lexeme = (category: string) => quoteLexeme(tsCategoryLexeme(categoryToken(category)));
  const include = (categories ?? []).map(lexeme);
  const leaveOut = (exclude ?? []).map((category) => `!${lexeme(category)}`);
  if (include.length === 0 && leaveOut.length === 0) return undefined;
  const parts = [include.length > 0 ? `(${include.join(' | ')})` : quoteLexeme(tsCategoryLexeme(ALL_PAPERS_TOKEN)), ...leaveOut];
  return `(${parts.join(' & ')})`;
}

/** The terms a match shows: every word term not under a NOT (categories are not highlighted). */
export function highlightTerms(node: QueryNode): Array<HighlightTerm & { field: QueryTerm['field'] }> {
  const terms: Array<HighlightTerm & { field: QueryTerm['field'] }> = [];
  const visit = (current: QueryNode): void => {
    if (current.kind === 'not') return;
    if (current.kind === 'term') {
      if (current.field === 'cat') return;
      const tokens = queryTokens(current.text);
      if (tokens.length > 0) terms.push({ tokens, prefix: current.prefix, field: current.field });
      return;
    }
    for (const child of current.children) visit(child);
  };
  visit(node);
  return terms;
}

/**
 * Whether the GIN index answers the node's tsquery without reading documents: no phrase, no weights (ADR 0064; `ti:`
 * words are marked lexemes, ADR 0068).
 */
export function tsExact(node: QueryNode): boolean {
  switch (node.kind) {
    case 'term': {
      const { tokens, field } = leaf(node);
      return tokens.length === 1 && field !== 'abs';
    }
    case 'not':
      return tsExact(node.child);
    case 'or':
    case 'and':
      return node.children.every(tsExact);
  }
}

/** The share of the papers under which a phrase's rarest word alone gives its candidates (ADR 0064). */
const RAREST_ALONE = 0.05;

function looseLeaf(term: QueryTerm, share: ((lexeme: string) => number) | undefined): string {
  const { tokens, prefix, field } = leaf(term);
  if (share === undefined || tokens.length === 1) return looseNames(field, tokens, prefix);
  // A phrase's rarest whole word alone, when the shares are known and it is in under RAREST_ALONE of the papers: the
  // planner then estimates its candidates about as many as they are (the three bigrams of `强化学习` ANDed looked 130
  // times rarer, and it took the GIN bitmap alone, visiting every candidate of every day) and ANDs the day index's
  // bitmap with it. Commoner words stay ANDed: one list of a word in 18% of a million papers (`language`) cost the
  // GIN index more than the three of `large language models` ANDed.
  const whole = prefix ? tokens.slice(0, -1) : tokens;
  const lexeme = (token: string) => (field === 'au' ? AUTHOR_PREFIX : field === 'ti' ? TITLE_PREFIX : '') + token;
  const rarest = whole.reduce((best, token) => (share(lexeme(token)) < share(lexeme(best)) ? token : best));
  return share(lexeme(rarest)) < RAREST_ALONE ? looseNames(field, [rarest], false) : looseNames(field, tokens, prefix);
}

function looseNames(field: QueryTerm['field'], tokens: readonly string[], prefix: boolean): string {
  const all = (lexemePrefix: string, names: readonly string[]) => {
    const parts = names.map((token, index) => tsLexeme(lexemePrefix + token, prefix && index === names.length - 1, ''));
    return parts.length === 1 ? parts[0]! : `(${parts.join(' & ')})`;
  };
  switch (field) {
    case 'au':
      return all(AUTHOR_PREFIX, tokens);
    case 'ti':
      return all(TITLE_PREFIX, tokens);
    case 'cat':
      return all('', tokens.map(tsCategoryLexeme));
    case 'text':
      return `(${all('', tokens)} | ${all(AUTHOR_PREFIX, tokens)})`;
    default:
      return all('', tokens);
  }
}

/**
 * A tsquery matching every paper the node's does (toTsQuery) and perhaps more, that the GIN index answers from its
 * posting lists alone: phrases become ANDs of their words (their rarest word alone, given each lexeme's `share`) and
 * weights are dropped (ADR 0064). Undefined when only
 * "every paper" would do (a NOT of a phrase alone): a NOT keeps its child only when that is exact, since loosening
 * what is left out narrows the whole.
 */
export function toLooseTsQuery(node: QueryNode, share?: (lexeme: string) => number): string | undefined {
  switch (node.kind) {
    case 'term':
      return tsExact(node) ? tsLeaf(node) : looseLeaf(node, share);
    case 'not':
      return tsExact(node.child) ? `!${toTsQuery(node.child)}` : undefined;
    case 'or': {
      const children = node.children.map((child) => toLooseTsQuery(child, share));
      return children.some((child) => child === undefined) ? undefined : `(${children.join(' | ')})`;
    }
    case 'and': {
      const children = node.children.map((child) => toLooseTsQuery(child, share)).filter((child) => child !== undefined);
      return children.length === 0 ? undefined : `(${children.join(' & ')})`;
    }
  }
}

/**
 * The estimated share of the papers a tsquery (as toTsQuery and tsCategoryFilter write them) matches, from the share
 * of each lexeme (`share`; `prefix` for `:*`). Words of one query tend to come together: an AND is the rarest of its
 * operands times the square root of each other's share (independence would multiply them: five times too few for
 * `large & language & models` in the bench's archive), and a phrase half its rarest word (0.47 of it for `large
 * language models`, about all of it for the overlapping bigrams of `强化学习`). Weights (`abs:`'s `:CD`) are not
 * counted: `ti:` words have lexemes of their own (ADR 0068), and the abstract's weight keeps most of a word. An estimate
 * sizes the days searched first (ADR 0064); no result depends on it.
 */
export function tsQueryShare(text: string, share: (lexeme: string, prefix: boolean) => number): number {
  let at = 0;
  const skip = () => {
    while (at < text.length && text[at] === ' ') at += 1;
  };
  const clamp = (value: number) => Math.min(1, Math.max(0, value));
  const and = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted.slice(1).reduce((product, value) => product * Math.sqrt(value), sorted[0]!);
  };
  const lexeme = (): number => {
    // 'text' with '' for a quote, then :marks (* for a prefix, A–D for weights).
    at += 1;
    let value = '';
    for (;;) {
      const char = text[at];
      if (char === undefined) break;
      if (char === "'") {
        if (text[at + 1] === "'") {
          value += "'";
          at += 2;
          continue;
        }
        at += 1;
        break;
      }
      if (char === '\\' && text[at + 1] !== undefined) {
        value += text[at + 1];
        at += 2;
        continue;
      }
      value += char;
      at += 1;
    }
    let marks = '';
    if (text[at] === ':') {
      at += 1;
      while (at < text.length && /[*A-Da-d]/.test(text[at]!)) marks += text[at++];
    }
    return share(value, marks.includes('*'));
  };
  const unary = (): number => {
    skip();
    if (text[at] === '!') {
      at += 1;
      return 1 - unary();
    }
    if (text[at] === '(') {
      at += 1;
      const value = or();
      skip();
      if (text[at] === ')') at += 1;
      return value;
    }
    return lexeme();
  };
  const phrase = (): number => {
    const values = [unary()];
    for (;;) {
      skip();
      if (!text.startsWith('<->', at)) break;
      at += 3;
      values.push(unary());
    }
    return values.length === 1 ? values[0]! : Math.min(...values) * 0.5;
  };
  const conjunction = (): number => {
    const values = [phrase()];
    for (;;) {
      skip();
      if (text[at] !== '&') break;
      at += 1;
      values.push(phrase());
    }
    return values.length === 1 ? values[0]! : and(values);
  };
  function or(): number {
    let value = conjunction();
    for (;;) {
      skip();
      if (text[at] !== '|') break;
      at += 1;
      const other = conjunction();
      value = value + other - value * other;
    }
    return clamp(value);
  }
  return or();
}
