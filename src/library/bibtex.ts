/** BibTeX and BibLaTeX importer: entries with braces or quotes, `@string` macros, `#` joins, comments, LaTeX accents. */
import type { LibraryItem, LibraryParseResult, LibraryProblem } from '../core/library.js';
import { arxivIdFrom, isoDateFrom, latexToText, lineLocator, normalizeDoi, personName, withoutBom, yearFrom } from './fields.js';

// BibTeX predefines the month macros (btxdoc §4); other macros come from @string.
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// Fields that record when the reader added an entry, by tool: JabRef, BibSonomy, BibDesk, Mendeley/others, JabRef 5,
// and last biblatex's `urldate` (the access date, which tools set when the entry is saved).
const ADDED_FIELDS = ['timestamp', 'added-at', 'date-added', 'dateadded', 'creationdate', 'urldate'];

class EntryError extends Error {}

/** A raw entry: its type, key, fields (names lower-cased, values with macros expanded, LaTeX kept) and start line. */
export interface BibtexEntry {
  type: string;
  key: string;
  fields: Record<string, string>;
  line: number;
}

/**
 * Parses a .bib file. Text outside entries is a comment (as in BibTeX itself), as are `@comment` and `%` lines; an entry
 * that cannot be read (unbalanced braces, a missing `=`, an unknown macro) is reported with its line and skipped.
 */
export function parseBibtex(text: string, origin: string): LibraryParseResult {
  const { entries, problems } = readBibtexEntries(text);
  const items: LibraryItem[] = [];
  for (const entry of entries) {
    const item = itemFromEntry(entry, origin);
    if (typeof item === 'string') problems.push({ line: entry.line, message: item });
    else items.push(item);
  }
  problems.sort((a, b) => a.line - b.line);
  return { items, problems };
}

/** Reads the entries of a .bib text without interpreting them. */
export function readBibtexEntries(input: string): { entries: BibtexEntry[]; problems: LibraryProblem[] } {
  const text = withoutBom(input);
  const lineOf = lineLocator(text);
  const macros = new Map<string, string>();
  const entries: BibtexEntry[] = [];
  const problems: LibraryProblem[] = [];
  let position = 0;

  while (true) {
    const at = nextEntryStart(text, position);
    if (at < 0) break;
    const line = lineOf(at);
    const reader = new Reader(text, at + 1, macros);
    try {
      const type = reader.identifier().toLowerCase();
      if (!type) throw new EntryError('has no entry type after "@"');
      reader.skipSpace();
      const open = reader.peek();
      if (open !== '{' && open !== '(') throw new EntryError(`@${type} is not followed by "{" or "("`);
      if (type === 'comment') {
        reader.balanced();
        position = reader.position;
        continue;
      }
      const close = open === '{' ? '}' : ')';
      reader.position += 1;
      if (type === 'preamble') {
        reader.value(close);
        reader.expect(close);
      } else if (type === 'string') {
        reader.skipSpace();
        const name = reader.fieldName().toLowerCase();
        reader.skipSpace();
        reader.expect('=');
        const value = reader.value(close);
        reader.skipSpace();
        reader.expect(close);
        macros.set(name, value);
      } else {
        const key = reader.until(',', close).trim();
        const fields: Record<string, string> = {};
        while (true) {
          reader.skipSpace();
          if (reader.peek() === ',') {
            reader.position += 1;
            continue;
          }
          if (reader.peek() === close) {
            reader.position += 1;
            break;
          }
          if (reader.atEnd()) throw new EntryError(`@${type}{${key}: missing "${close}" at the end of the entry`);
          const name = reader.fieldName().toLowerCase();
          if (!name)
            throw new EntryError(`@${type}{${key}: unexpected ${JSON.stringify(reader.peek())} where a field name should be (line ${lineOf(reader.position)})`);
          reader.skipSpace();
          if (reader.peek() !== '=') throw new EntryError(`@${type}{${key}: field "${name}" has no "=" (line ${lineOf(reader.position)})`);
          reader.position += 1;
          fields[name] = reader.value(close);
        }
        entries.push({ type, key, fields, line });
      }
      position = reader.position;
    } catch (error) {
      if (!(error instanceof EntryError)) throw error;
      problems.push({ line, message: error.message });
      // Resume at the next "@" that opens a line, so that a broken entry does not take the rest of the file with it.
      const next = /\n[ \t]*@/g;
      next.lastIndex = at + 1;
      const found = next.exec(text);
      position = found ? found.index + 1 : text.length;
    }
  }
  return { entries, problems };
}

/** The next "@" outside a `%` comment line, from `from`. */
function nextEntryStart(text: string, from: number): number {
  let at = text.indexOf('@', from);
  while (at >= 0) {
    const lineStart = text.lastIndexOf('\n', at - 1) + 1;
    if (!/^\s*%/.test(text.slice(lineStart, at))) return at;
    at = text.indexOf('@', at + 1);
  }
  return -1;
}

class Reader {
  constructor(
    private readonly text: string,
    public position: number,
    private readonly macros: Map<string, string>,
  ) {}

  atEnd(): boolean {
    return this.position >= this.text.length;
  }

  peek(): string {
    return this.text[this.position] ?? '';
  }

  skipSpace(): void {
    while (this.position < this.text.length) {
      const char = this.text[this.position]!;
      if (/\s/.test(char)) this.position += 1;
      else if (char === '%' && this.atLineStart()) this.position = this.lineEnd();
      else break;
    }
  }

  expect(char: string): void {
    this.skipSpace();
    if (this.peek() !== char) {
      throw new EntryError(this.atEnd() ? `missing "${char}" before the end of the file` : `expected "${char}" but found ${JSON.stringify(this.peek())}`);
    }
    this.position += 1;
  }

  identifier(): string {
    const match = /^[A-Za-z]+/.exec(this.text.slice(this.position, this.position + 40));
    const name = match?.[0] ?? '';
    this.position += name.length;
    return name;
  }

  fieldName(): string {
    const start = this.position;
    while (this.position < this.text.length && !/[\s=,{}()"#%]/.test(this.text[this.position]!)) this.position += 1;
    return this.text.slice(start, this.position);
  }

  /** Text up to (not including) the first of the stop characters; the stop character is consumed when it is `,`. */
  until(...stops: string[]): string {
    const start = this.position;
    while (this.position < this.text.length && !stops.includes(this.text[this.position]!)) {
      if (this.text[this.position] === '\n' && /^\s*\w+\s*=/.test(this.text.slice(this.position, this.position + 60))) {
        throw new EntryError(`the entry key is not followed by ","`);
      }
      this.position += 1;
    }
    if (this.atEnd()) throw new EntryError('the entry is not closed before the end of the file');
    const key = this.text.slice(start, this.position);
    if (this.text[this.position] === ',') this.position += 1;
    return key;
  }

  /** A `{…}` group, from its opening brace; returns the text inside it. */
  balanced(): string {
    const start = this.position + 1;
    let depth = 0;
    for (let index = this.position; index < this.text.length; index += 1) {
      const char = this.text[index];
      if (char === '\\') {
        index += 1;
        continue;
      }
      if (char === '{') depth += 1;
      else if (char === '}') {
        depth -= 1;
        if (depth === 0) {
          this.position = index + 1;
          return this.text.slice(start, index);
        }
      }
    }
    throw new EntryError('a "{" is never closed (unbalanced braces)');
  }

  /** A `"…"` string, from its opening quote; braces inside it protect quotes. */
  quoted(): string {
    const start = this.position + 1;
    let depth = 0;
    for (let index = start; index < this.text.length; index += 1) {
      const char = this.text[index];
      if (char === '\\') {
        index += 1;
        continue;
      }
      if (char === '{') depth += 1;
      else if (char === '}') depth -= 1;
      else if (char === '"' && depth === 0) {
        this.position = index + 1;
        return this.text.slice(start, index);
      }
    }
    throw new EntryError('a quoted value is never closed');
  }

  /** A field value: pieces joined with `#`, each `{…}`, `"…"`, a number or a macro name. */
  value(close: string): string {
    let result = '';
    while (true) {
      this.skipSpace();
      const char = this.peek();
      if (char === '{') result += this.balanced();
      else if (char === '"') result += this.quoted();
      else if (/\d/.test(char)) result += /^\d+/.exec(this.text.slice(this.position))![0];
      else if (/[A-Za-z_]/.test(char)) {
        const name = /^[^\s=,{}()"#%]+/.exec(this.text.slice(this.position))![0];
        this.position += name.length;
        const key = name.toLowerCase();
        const expanded = this.macros.get(key) ?? (MONTHS.includes(key) ? String(MONTHS.indexOf(key) + 1) : undefined);
        if (expanded === undefined) throw new EntryError(`unknown @string macro "${name}"`);
        result += expanded;
        this.skipSpace();
        if (this.peek() === '#') {
          this.position += 1;
          continue;
        }
        return result;
      } else if (char === close || char === ',') throw new EntryError('a field has an empty value');
      else throw new EntryError(this.atEnd() ? 'the entry is not closed before the end of the file' : `unexpected ${JSON.stringify(char)} in a field value`);
      if (/\d/.test(char)) this.position += /^\d+/.exec(this.text.slice(this.position))![0].length;
      this.skipSpace();
      if (this.peek() === '#') {
        this.position += 1;
        continue;
      }
      return result;
    }
  }

  private atLineStart(): boolean {
    const lineStart = this.text.lastIndexOf('\n', this.position - 1) + 1;
    return /^\s*$/.test(this.text.slice(lineStart, this.position));
  }

  private lineEnd(): number {
    const end = this.text.indexOf('\n', this.position);
    return end < 0 ? this.text.length : end + 1;
  }
}

/** Splits a BibTeX name list at ` and ` outside braces. */
export function splitBibtexNames(value: string): string[] {
  const names: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < value.length; index += 1) {
    const char = value[index];
    if (char === '{') depth += 1;
    else if (char === '}') depth -= 1;
    else if (depth === 0 && /\s/.test(char!)) {
      const match = /^\s+and\s+/i.exec(value.slice(index));
      if (match) {
        names.push(value.slice(start, index));
        index += match[0].length - 1;
        start = index + 1;
      }
    }
  }
  names.push(value.slice(start));
  return names.map((name) => name.trim()).filter((name) => name !== '' && name.toLowerCase() !== 'others');
}

function itemFromEntry(entry: BibtexEntry, origin: string): LibraryItem | string {
  const { fields } = entry;
  const title = latexToText(fields.title ?? '');
  const archive = (fields.archiveprefix ?? fields.eprinttype ?? '').toLowerCase();
  const eprintIsArxiv = archive === '' || archive === 'arxiv';
  const arxivId =
    (eprintIsArxiv ? arxivIdFrom(fields.eprint) : undefined) ??
    arxivIdFrom(fields.arxivid) ??
    arxivIdFrom(fields.url) ??
    arxivIdFrom(fields.doi) ??
    arxivIdFrom(fields.journal) ??
    arxivIdFrom(fields.journaltitle) ??
    arxivIdFrom(fields.note) ??
    arxivIdFrom(fields.howpublished);
  const doi = normalizeDoi(fields.doi);
  if (!title && !arxivId && !doi) return `@${entry.type}{${entry.key}} has no title, arXiv id or DOI`;
  const item: LibraryItem = {
    title,
    authors: splitBibtexNames(fields.author ?? '')
      .map((name) => personName(latexToText(name)))
      .filter((name) => name !== ''),
    source: `${origin}:${entry.line}`,
  };
  const abstract = latexToText(fields.abstract ?? '');
  if (abstract) item.abstract = abstract;
  if (arxivId) item.arxivId = arxivId;
  if (doi) item.doi = doi;
  const year = yearFrom(fields.year) ?? yearFrom(fields.date);
  if (year !== undefined) item.year = year;
  for (const name of ADDED_FIELDS) {
    const added = isoDateFrom(fields[name]);
    if (added) {
      item.added = added;
      break;
    }
  }
  return item;
}
