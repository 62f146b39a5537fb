/** The query language's parser: text → QueryNode, with errors that point at the offending character. */
import { XivdigestError } from '../../core/errors.js';
import { compileTextPattern } from '../normalize.js';

/** Field prefixes: `ti:` title, `abs:` abstract, `au:` authors, `cat:` categories. A bare term searches title and abstract. */
export type QueryField = 'ti' | 'abs' | 'au' | 'cat';
export const QUERY_FIELDS: readonly QueryField[] = ['ti', 'abs', 'au', 'cat'];

/** A leaf: one word or quoted phrase, in one field. */
export interface QueryTerm {
  kind: 'term';
  /** `text` for a bare term (title + abstract). */
  field: QueryField | 'text';
  /** The word or phrase as written, without quotes or the trailing `*`. */
  text: string;
  phrase: boolean;
  /** A trailing `*`: the last word matches as a prefix (`transform*`, `cat:cs.*`). */
  prefix: boolean;
  /** Where the term starts in the query (0-based). */
  position: number;
  /** How a match is shown to the reader: `diffusion`, `large language model`, `au:Hinton`, `cat:cs.CL`. */
  label: string;
}

export type QueryNode = { kind: 'and'; children: QueryNode[] } | { kind: 'or'; children: QueryNode[] } | { kind: 'not'; child: QueryNode } | QueryTerm;

type TokenType = 'lparen' | 'rparen' | 'and' | 'or' | 'not' | 'minus' | 'field' | 'word' | 'phrase' | 'end';

interface Token {
  type: TokenType;
  text: string;
  position: number;
}

const OPERATORS: Record<string, TokenType> = { AND: 'and', OR: 'or', NOT: 'not' };
const WORD_END = /[\s()"]/;

/** The query and a caret under the character at `position`, each line indented by two spaces. */
export function pointAt(text: string, position: number): string {
  const flat = text.replace(/[\r\n\t]/g, ' ');
  return `  ${flat}\n  ${' '.repeat(Math.max(0, Math.min(position, flat.length)))}^`;
}

function queryError(query: string, position: number, problem: string, hint: string): XivdigestError {
  return new XivdigestError({
    code: 'QUERY_INVALID',
    message: `query error at column ${position + 1}: ${problem}\n${pointAt(query, position)}`,
    hint,
    details: { query, position },
  });
}

const SYNTAX_HINT =
  'Queries combine words, "quoted phrases" and ti:/abs:/au:/cat: fields with AND, OR, NOT (or -word) and parentheses, e.g. ti:(llm OR "language model") -survey.';

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < query.length) {
    const char = query.charAt(index);
    if (/\s/.test(char)) {
      index += 1;
    } else if (char === '(' || char === ')') {
      tokens.push({ type: char === '(' ? 'lparen' : 'rparen', text: char, position: index });
      index += 1;
    } else if (char === '"') {
      const close = query.indexOf('"', index + 1);
      if (close < 0) throw queryError(query, index, 'this quote is never closed', 'Add the closing " after the phrase.');
      tokens.push({ type: 'phrase', text: query.slice(index + 1, close), position: index });
      index = close + 1;
    } else if (char === '-' && index + 1 < query.length && !/[\s)-]/.test(query.charAt(index + 1)) && (index === 0 || /[\s(]/.test(query.charAt(index - 1)))) {
      // `-word` at the start of a word means NOT; a hyphen inside a word (`state-of-the-art`) is part of it.
      tokens.push({ type: 'minus', text: '-', position: index });
      index += 1;
    } else {
      let end = index;
      while (end < query.length && !WORD_END.test(query.charAt(end))) end += 1;
      const raw = query.slice(index, end);
      const field = /^([A-Za-z]+):/.exec(raw);
      if (field?.[1]) {
        tokens.push({ type: 'field', text: field[1], position: index });
        const rest = raw.slice(field[0].length);
        if (rest !== '') tokens.push({ type: 'word', text: rest, position: index + field[0].length });
      } else {
        tokens.push({ type: OPERATORS[raw.toUpperCase()] ?? 'word', text: raw, position: index });
      }
      index = end;
    }
  }
  tokens.push({ type: 'end', text: '', position: query.length });
  return tokens;
}

const OPERAND_START = new Set<TokenType>(['lparen', 'not', 'minus', 'field', 'word', 'phrase']);
const CATEGORY_FORM = /^[A-Za-z][A-Za-z-]*(?:\.[A-Za-z][A-Za-z-]*)?(?:\.\*|\*)?$/;

class Parser {
  private index = 0;

  constructor(
    private readonly query: string,
    private readonly tokens: Token[],
  ) {}

  parse(): QueryNode {
    const node = this.parseOr(undefined);
    const next = this.peek();
    if (next.type === 'rparen') throw queryError(this.query, next.position, 'this ) has no matching (', 'Remove it, or add the ( it closes.');
    if (next.type !== 'end') throw queryError(this.query, next.position, `unexpected ${JSON.stringify(next.text)}`, SYNTAX_HINT);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.index] ?? { type: 'end', text: '', position: this.query.length };
  }

  private next(): Token {
    const token = this.peek();
    this.index += 1;
    return token;
  }

  private expectOperand(after: Token): void {
    const next = this.peek();
    if (OPERAND_START.has(next.type)) return;
    const what = after.type === 'minus' ? '-' : after.text.toUpperCase();
    const found = next.type === 'end' ? 'the query ends' : `found ${JSON.stringify(next.text)}`;
    throw queryError(
      this.query,
      next.position,
      `expected a term after ${what}, but ${found}`,
      `Put a word, "phrase" or (group) after ${what}, or remove ${what}.`,
    );
  }

  private parseOr(field: QueryField | undefined): QueryNode {
    const children = [this.parseAnd(field)];
    while (this.peek().type === 'or') {
      this.expectOperand(this.next());
      children.push(this.parseAnd(field));
    }
    return children.length === 1 ? (children[0] as QueryNode) : { kind: 'or', children };
  }

  private parseAnd(field: QueryField | undefined): QueryNode {
    const children = [this.parseUnary(field)];
    for (;;) {
      const next = this.peek();
      if (next.type === 'and') {
        this.expectOperand(this.next());
        children.push(this.parseUnary(field));
      } else if (OPERAND_START.has(next.type)) {
        // Adjacent terms: an implicit AND.
        children.push(this.parseUnary(field));
      } else {
        break;
      }
    }
    return children.length === 1 ? (children[0] as QueryNode) : { kind: 'and', children };
  }

  private parseUnary(field: QueryField | undefined): QueryNode {
    const next = this.peek();
    if (next.type === 'not' || next.type === 'minus') {
      this.expectOperand(this.next());
      return { kind: 'not', child: this.parseUnary(field) };
    }
    return this.parsePrimary(field);
  }

  private parsePrimary(field: QueryField | undefined): QueryNode {
    const token = this.next();
    switch (token.type) {
      case 'lparen': {
        if (this.peek().type === 'rparen')
          throw queryError(this.query, this.peek().position, 'empty parentheses', 'Put a term between ( and ), or remove them.');
        const inner = this.parseOr(field);
        const close = this.peek();
        if (close.type !== 'rparen') {
          throw queryError(this.query, token.position, `this ( is never closed (expected ")" at column ${close.position + 1})`, 'Add the ) that closes it.');
        }
        this.next();
        return inner;
      }
      case 'field': {
        const name = token.text.toLowerCase();
        if (!(QUERY_FIELDS as readonly string[]).includes(name)) {
          throw queryError(
            this.query,
            token.position,
            `unknown field ${JSON.stringify(`${token.text}:`)}; the fields are ti:, abs:, au: and cat:`,
            'Use one of those, or put the text in quotes to search for it literally.',
          );
        }
        if (field !== undefined) {
          throw queryError(this.query, token.position, `field ${name}: inside ${field}:(…)`, `Fields do not nest: write ${name}: outside the parentheses.`);
        }
        const next = this.peek();
        if (next.type !== 'word' && next.type !== 'phrase' && next.type !== 'lparen') {
          const found = next.type === 'end' ? 'the query ends' : `found ${JSON.stringify(next.text)}`;
          throw queryError(
            this.query,
            next.position,
            `expected a word, "phrase" or ( right after ${name}:, but ${found}`,
            `Write e.g. ${name}:word or ${name}:"two words".`,
          );
        }
        const node = this.parsePrimary(name as QueryField);
        // A fielded term starts at its field prefix.
        if (node.kind === 'term') node.position = token.position;
        return node;
      }
      case 'word':
      case 'phrase':
        return this.term(token, field);
      case 'rparen':
        throw queryError(this.query, token.position, 'this ) has no matching (', 'Remove it, or add the ( it closes.');
      case 'and':
      case 'or':
        throw queryError(
          this.query,
          token.position,
          `${token.text.toUpperCase()} needs a term before it`,
          `Put a term before ${token.text.toUpperCase()}, or remove it; to search for the word itself, write "${token.text}".`,
        );
      default:
        throw queryError(this.query, token.position, this.query.trim() === '' ? 'the query is empty' : 'expected a term, but the query ends', SYNTAX_HINT);
    }
  }

  private term(token: Token, field: QueryField | undefined): QueryTerm {
    const phrase = token.type === 'phrase';
    let text = phrase ? token.text.trim() : token.text;
    let prefix = false;
    if (text.endsWith('*') && !text.endsWith('.*')) {
      prefix = true;
      text = text.slice(0, -1);
    }
    const star = field === 'cat' ? text.replace(/\.\*$/, '').indexOf('*') : text.indexOf('*');
    if (star >= 0) {
      throw queryError(
        this.query,
        token.position + (phrase ? 1 : 0) + star,
        '* is allowed only at the end of a word (prefix match)',
        'Move the * to the end, or remove it.',
      );
    }
    const at = token.position + (phrase ? 1 : 0);
    if (field === 'cat') {
      const value = text + (prefix ? '*' : '');
      if (!CATEGORY_FORM.test(value)) {
        throw queryError(
          this.query,
          at,
          `${JSON.stringify(value)} is not a category`,
          'Write cat:cs.CL for one category, or cat:cs (or cat:cs.*) for a whole archive.',
        );
      }
    } else if (field === 'au') {
      if (prefix)
        throw queryError(this.query, at + text.length, 'au: does not take a prefix *', 'Write the name, e.g. au:"Yoshua Bengio", au:Bengio_Y or au:Bengio.');
      if (!/[\p{L}\p{N}]/u.test(text)) throw queryError(this.query, at, 'au: needs a name', 'Write e.g. au:"Yoshua Bengio" or au:Bengio.');
    } else if (compileTextPattern(text, prefix) === null) {
      const problem = text === '' ? (phrase ? 'empty phrase' : 'a lone * matches nothing') : `${JSON.stringify(text)} has no letters or digits to match`;
      throw queryError(this.query, token.position, problem, 'Search for words: punctuation is ignored when matching.');
    }
    const shown = `${text}${prefix ? '*' : ''}`;
    return {
      kind: 'term',
      field: field ?? 'text',
      text,
      phrase,
      prefix,
      position: token.position,
      label: field ? `${field}:${shown}` : shown,
    };
  }
}

/**
 * Parses a query: words and "quoted phrases" (adjacent ones are ANDed), AND, OR, NOT or -word, parentheses, field
 * prefixes ti:, abs:, au:, cat: (also on a group: `ti:(a OR b)`), a trailing * for a prefix. Operators are
 * case-insensitive; to search for the word "and", quote it. Throws `QUERY_INVALID` with `details: { query, position }`.
 */
export function parseQuery(text: string): QueryNode {
  if (text.trim() === '') throw queryError(text, 0, 'the query is empty', SYNTAX_HINT);
  return new Parser(text, tokenize(text)).parse();
}
