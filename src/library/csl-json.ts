/** CSL-JSON importer (the citation-style-language data schema Zotero, Mendeley and pandoc export): an array of items. */
import type { LibraryItem, LibraryParseResult, LibraryProblem } from '../core/library.js';
import { arxivIdFrom, collapse, isoDateFrom, joinName, lineLocator, normalizeDoi, withoutBom, yearFrom } from './fields.js';

/**
 * Parses CSL-JSON: an array of items (a single item object, or `{ "items": [...] }`, is accepted too). An item that is
 * not an object or has no title, arXiv id or DOI is reported with the line where it starts and skipped; text that is not
 * JSON at all is one problem at the line JSON.parse stopped on.
 */
export function parseCslJson(input: string, origin: string): LibraryParseResult {
  const text = withoutBom(input);
  const lineOf = lineLocator(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    return { items: [], problems: [{ line: jsonErrorLine(text, message, lineOf), message: `not valid JSON: ${message}` }] };
  }
  const starts = topLevelItemStarts(text);
  let list: unknown[];
  let lineOfIndex: (index: number) => number;
  if (Array.isArray(value)) {
    list = value;
    lineOfIndex = (index) => lineOf(starts[index] ?? 0);
  } else if (isObject(value) && Array.isArray(value.items)) {
    list = value.items;
    const nested = nestedItemStarts(text);
    lineOfIndex = (index) => lineOf(nested[index] ?? 0);
  } else if (isObject(value)) {
    list = [value];
    lineOfIndex = () => lineOf(text.search(/\{/));
  } else {
    return { items: [], problems: [{ line: 1, message: 'CSL-JSON must be an array of items' }] };
  }

  const items: LibraryItem[] = [];
  const problems: LibraryProblem[] = [];
  list.forEach((entry, index) => {
    const line = lineOfIndex(index);
    const item = itemFromCsl(entry, `${origin}:${line}`);
    if (typeof item === 'string') problems.push({ line, message: `item ${index + 1}: ${item}` });
    else items.push(item);
  });
  return { items, problems };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return collapse(value) || undefined;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** A CSL date: `{ "date-parts": [[2017, 6, 12]] }`, `{ "raw": "2017-06-12" }`, `{ "literal": "June 2017" }`, or a string. */
function cslDate(value: unknown): { year?: number; iso?: string } {
  if (typeof value === 'string') return { year: yearFrom(value), iso: isoDateFrom(value) };
  if (!isObject(value)) return {};
  const parts = value['date-parts'];
  if (Array.isArray(parts) && Array.isArray(parts[0])) {
    const [year, month, day] = (parts[0] as unknown[]).map((part) => Number(part));
    if (year === undefined || !Number.isInteger(year)) return {};
    const iso = month && day ? `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}` : undefined;
    return { year, ...(iso ? { iso } : {}) };
  }
  const raw = text(value.raw) ?? text(value.literal);
  return raw ? { year: yearFrom(raw), iso: isoDateFrom(raw) } : {};
}

function itemFromCsl(value: unknown, source: string): LibraryItem | string {
  if (!isObject(value)) return 'is not a JSON object';
  const title = text(value.title) ?? '';
  const doi = normalizeDoi(text(value.DOI));
  // Zotero writes arXiv preprints as `"number": "arXiv:1706.03762"`, `"publisher": "arXiv"` and the arXiv DOI.
  const arxivId =
    arxivIdFrom(text(value.number)) ??
    arxivIdFrom(text(value.URL)) ??
    arxivIdFrom(text(value.DOI)) ??
    arxivIdFrom(text(value['archive_location'])) ??
    arxivIdFrom(text(value.note)) ??
    (typeof value.id === 'string' ? arxivIdFrom(value.id) : undefined);
  if (!title && !arxivId && !doi) return 'has no title, arXiv id or DOI';
  const authors: string[] = [];
  if (value.author !== undefined && !Array.isArray(value.author)) return '"author" is not an array';
  for (const person of (value.author as unknown[] | undefined) ?? []) {
    if (!isObject(person)) continue;
    const name = text(person.literal) ?? joinName(text(person.given), [text(person['non-dropping-particle']), text(person.family)].filter(Boolean).join(' '));
    if (name) authors.push(name);
  }
  const item: LibraryItem = { title, authors, source };
  const abstract = text(value.abstract);
  if (abstract) item.abstract = abstract;
  if (arxivId) item.arxivId = arxivId;
  if (doi) item.doi = doi;
  const issued = cslDate(value.issued);
  if (issued.year !== undefined) item.year = issued.year;
  // CSL has no "date added"; `accessed` is what Zotero and Mendeley set when the item is saved.
  const accessed = cslDate(value.accessed);
  if (accessed.iso) item.added = accessed.iso;
  return item;
}

/** Offsets of the values of the top-level array, found by a scan that skips strings. */
function topLevelItemStarts(text: string): number[] {
  return valueStartsAtDepth(text, 1, '[');
}

/** Offsets of the values of the array under `"items"` in `{ "items": [...] }`. */
function nestedItemStarts(text: string): number[] {
  return valueStartsAtDepth(text, 2, '[');
}

function valueStartsAtDepth(text: string, targetDepth: number, container: '['): number[] {
  const starts: number[] = [];
  const stack: string[] = [];
  let expectValue = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (char === '"') {
      if (expectValue && stack.length === targetDepth && stack[stack.length - 1] === container) starts.push(index);
      expectValue = false;
      for (index += 1; index < text.length && text[index] !== '"'; index += 1) if (text[index] === '\\') index += 1;
      continue;
    }
    if (/\s/.test(char)) continue;
    if (char === '[' || char === '{') {
      if (stack.length === targetDepth && stack[stack.length - 1] === container && expectValue) starts.push(index);
      stack.push(char);
      expectValue = char === '[';
      continue;
    }
    if (char === ']' || char === '}') {
      stack.pop();
      expectValue = false;
      continue;
    }
    if (char === ',') {
      expectValue = stack[stack.length - 1] === '[';
      continue;
    }
    if (char === ':') continue;
    if (expectValue && stack.length === targetDepth && stack[stack.length - 1] === container) starts.push(index);
    expectValue = false;
  }
  return starts;
}

/**
 * The line of a JSON.parse error. V8 names a position for most errors but, for an unexpected token, quotes only the
 * text around it (`Unexpected token '}', ..."{"title": }\n]" is not valid JSON`): that excerpt is looked up instead.
 */
function jsonErrorLine(text: string, message: string, lineOf: (offset: number) => number): number {
  const line = /line (\d+)/.exec(message);
  if (line) return Number(line[1]);
  const position = /position (\d+)/.exec(message);
  if (position) return lineOf(Number(position[1]));
  const quoted = /token '(.+?)', (?:\.\.\.)?"([\s\S]*?)(?:\.\.\.)?" is not valid JSON/.exec(message);
  if (quoted) {
    const at = text.indexOf(quoted[2]!);
    if (at >= 0) return lineOf(at + Math.max(0, quoted[2]!.indexOf(quoted[1]!)));
  }
  return 1;
}
