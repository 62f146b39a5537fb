/** Reads the original cn-chat-arxiv per-paper cache (`papers/YY/MM/<id>.json`, or JSON lines of it) into papers and texts. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { XivdigestError } from '../../core/errors.js';
import type { Paper } from '../../core/paper.js';
import type { DocumentInput } from '../../core/source.js';
import type { GeneratedTexts } from '../../core/texts.js';
import { textLines } from '../shared/document-input.js';
import { paperFromLegacyItem } from '../../core/legacy-format/text.js';

/** One cache record of the original: the feed item plus what the LLM wrote for it. */
export interface SeedCacheRecord {
  /** The paper the record describes (source `seed-cache`); `feed` holds the raw title, stored abstract and link. */
  paper: Paper;
  /**
   * The generated texts, language `zh`. A field the record lacks is an empty string and is named in `missing`.
   * `tldrEn` comes from `en_tdlr` (the original's misspelt key) or else `en_tldr`.
   */
  texts: GeneratedTexts;
  /** `total_tokens` of the LLM call, or null when the record has none. */
  totalTokens: number | null;
  /** Generated fields the record lacks. The original printed a record only when `title` and `abstract` were present. */
  missing: Array<'title' | 'abstract' | 'tldrEn'>;
  /** The file the record came from. */
  origin: string;
  /** 1-based line, for JSON lines input. */
  line?: number;
}

/** What the readers yield: a record, or a malformed record reported so that the caller can go on with the rest. */
export type SeedCacheItem = ({ type: 'record' } & SeedCacheRecord) | { type: 'error'; error: XivdigestError };

export interface SeedCacheOptions {
  /** The file path or URL, named in every error. */
  origin: string;
  /** Language of the generated texts; the original always wrote Chinese. Default `zh`. */
  lang?: string;
}

/**
 * Reads JSON lines, one cache record per line (as in `cn-chat-arxiv-papers-3000.jsonl`). Blank lines are skipped. A
 * line that is not a valid record yields `{ type: 'error' }` (INPUT_MALFORMED, naming the origin and line) and
 * reading goes on. A single pretty-printed record (a `papers/…/<id>.json` file, whose first line is `{`) is accepted
 * too.
 */
export async function* parseSeedCache(input: DocumentInput, options: SeedCacheOptions): AsyncGenerator<SeedCacheItem> {
  const lang = options.lang ?? 'zh';
  let lineNumber = 0;
  let pretty: string[] | undefined;
  for await (const line of textLines(input)) {
    lineNumber++;
    if (pretty) {
      pretty.push(line);
      continue;
    }
    if (line.trim() === '') continue;
    if (line.trim() === '{') {
      pretty = [line];
      continue;
    }
    yield itemFrom(() => {
      const value = parseJson(line, { origin: options.origin, line: lineNumber });
      return { ...recordFromValue(value, { origin: options.origin, line: lineNumber }, lang), line: lineNumber };
    });
  }
  if (pretty) {
    const text = pretty.join('\n');
    const firstLine = lineNumber - pretty.length + 1;
    yield itemFrom(() => parseSeedCacheText(text, { ...options, lang }, firstLine));
  }
}

/** Parses one cache file, a pretty-printed JSON object; throws INPUT_MALFORMED naming the file and line. */
export async function parseSeedCacheFile(path: string, options: Omit<SeedCacheOptions, 'origin'> = {}): Promise<SeedCacheRecord> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new XivdigestError({
      code: 'INPUT_MALFORMED',
      message: `${path}: cannot read the cache file (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`,
      hint: 'Check that the file exists and is readable.',
      cause,
      details: { file: path },
    });
  }
  return parseSeedCacheText(text, { ...options, origin: path });
}

/** Parses the text of one cache file. `firstLine` is the file line the text starts on (for error messages). */
export function parseSeedCacheText(text: string, options: SeedCacheOptions, firstLine = 1): SeedCacheRecord {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const value = parseJson(source, { origin: options.origin, line: firstLine, multiline: true });
  return recordFromValue(value, { origin: options.origin, line: firstLine, text: source, multiline: true }, options.lang ?? 'zh');
}

/**
 * Walks a cache tree and yields every record: `<dir>/papers/YY/MM/*.json` when `<dir>/papers` exists, otherwise every
 * `*.json` below `<dir>` itself, in sorted path order. A file that cannot be read or parsed yields `{ type: 'error' }`
 * and the walk goes on; a missing `dir` throws NOT_FOUND.
 */
export async function* readSeedCacheDir(dir: string, options: Omit<SeedCacheOptions, 'origin'> = {}): AsyncGenerator<SeedCacheItem> {
  let root = dir;
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
    const papers = join(dir, 'papers');
    if (await isDirectory(papers)) root = papers;
  } catch (cause) {
    throw new XivdigestError({
      code: 'NOT_FOUND',
      message: `${dir}: no such cache folder`,
      hint: 'Give the root of a cn-chat-arxiv checkout (the folder that holds papers/) or a folder of <id>.json files.',
      cause,
      details: { file: dir },
    });
  }
  for await (const path of walkJsonFiles(root)) {
    try {
      yield { type: 'record', ...(await parseSeedCacheFile(path, options)) };
    } catch (error) {
      yield { type: 'error', error: asInputError(error, path) };
    }
  }
}

async function* walkJsonFiles(dir: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walkJsonFiles(path);
    else if (entry.isFile() && entry.name.endsWith('.json')) yield path;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

interface Where {
  origin: string;
  line: number;
  /** The whole text of a pretty-printed file, to find the line of a field. */
  text?: string;
  multiline?: boolean;
}

function itemFrom(read: () => SeedCacheRecord): SeedCacheItem {
  try {
    return { type: 'record', ...read() };
  } catch (error) {
    return { type: 'error', error: asInputError(error, undefined) };
  }
}

function asInputError(error: unknown, file: string | undefined): XivdigestError {
  if (XivdigestError.isInstance(error)) return error;
  return new XivdigestError({
    code: 'INPUT_MALFORMED',
    message: `${file ?? 'seed cache'}: ${error instanceof Error ? error.message : String(error)}`,
    cause: error,
    details: { file },
  });
}

function parseJson(text: string, where: Where): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    // V8 says "… at position N" (Node 20) or "… (line L column C)" (newer).
    const position = /position (\d+)/.exec(message);
    let line = where.line;
    let column: number | undefined;
    if (position) {
      const offset = Number(position[1]);
      const before = text.slice(0, offset);
      const newlines = before.split('\n').length - 1;
      line = where.line + newlines;
      column = offset - (before.lastIndexOf('\n') + 1) + 1;
    } else {
      const lineColumn = /\(line (\d+) column (\d+)\)/.exec(message);
      if (lineColumn) {
        line = where.line + Number(lineColumn[1]) - 1;
        column = Number(lineColumn[2]);
      }
    }
    throw malformed(where, line, `invalid JSON${column === undefined ? '' : ` at column ${column}`}: ${message}`, cause, column);
  }
}

const REQUIRED = ['title', 'abstract', 'link', 'tldr'] as const;
const OPTIONAL_TEXT = ['translated_title', 'translated_abstract', 'en_tdlr', 'en_tldr'] as const;

/** Checks one decoded record and turns it into a SeedCacheRecord; throws INPUT_MALFORMED naming the field. */
function recordFromValue(value: unknown, where: Where, lang: string): SeedCacheRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(
      where,
      where.line,
      `a cache record must be a JSON object, found ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    );
  }
  const record = value as Record<string, unknown>;
  for (const key of REQUIRED) {
    if (typeof record[key] !== 'string') {
      const found = record[key] === undefined ? 'it is missing' : `found ${JSON.stringify(record[key])?.slice(0, 60)}`;
      throw malformed(where, fieldLine(where, key), `field "${key}" must be a string; ${found}`);
    }
  }
  for (const key of OPTIONAL_TEXT) {
    if (record[key] !== undefined && typeof record[key] !== 'string') {
      throw malformed(where, fieldLine(where, key), `field "${key}" must be a string when present; found ${JSON.stringify(record[key])?.slice(0, 60)}`);
    }
  }
  const tokens = record.total_tokens;
  if (tokens !== undefined && tokens !== null && !(typeof tokens === 'number' && Number.isInteger(tokens) && tokens >= 0)) {
    throw malformed(where, fieldLine(where, 'total_tokens'), `field "total_tokens" must be a whole number; found ${JSON.stringify(tokens)?.slice(0, 60)}`);
  }
  const title = record.title as string;
  const link = record.link as string;
  const abstract = record.abstract as string;
  const paper = paperFromLegacyItem({ title, link, abstract }, 'seed-cache');
  if (!paper) throw malformed(where, fieldLine(where, 'link'), `field "link" holds no arXiv id: ${JSON.stringify(link).slice(0, 80)}`);

  const translatedTitle = record.translated_title as string | undefined;
  const translatedAbstract = record.translated_abstract as string | undefined;
  // The original's prompt asked for `en_tdlr` (sic) and stored that key; a few records carry `en_tldr` instead.
  const tldrEn = (record.en_tdlr ?? record.en_tldr) as string | undefined;
  const missing: SeedCacheRecord['missing'] = [];
  if (translatedTitle === undefined) missing.push('title');
  if (translatedAbstract === undefined) missing.push('abstract');
  if (tldrEn === undefined) missing.push('tldrEn');
  return {
    paper,
    texts: { lang, title: translatedTitle ?? '', tldr: record.tldr as string, tldrEn: tldrEn ?? '', abstract: translatedAbstract ?? '' },
    totalTokens: typeof tokens === 'number' ? tokens : null,
    missing,
    origin: where.origin,
  };
}

/** The line of `"key":` in a pretty-printed file, else the record's line. */
function fieldLine(where: Where, key: string): number {
  if (!where.text) return where.line;
  const match = new RegExp(`^[ \\t]*"${key}"[ \\t]*:`, 'm').exec(where.text);
  if (!match) return where.line;
  return where.line + where.text.slice(0, match.index).split('\n').length - 1;
}

function malformed(where: Where, line: number, what: string, cause?: unknown, column?: number): XivdigestError {
  return new XivdigestError({
    code: 'INPUT_MALFORMED',
    message: `${where.origin}, line ${line}: ${what}`,
    hint: where.multiline
      ? 'Fix the cache file or leave it out; the other files are still imported.'
      : 'Fix or delete this record; the other records are still imported.',
    cause,
    details: column === undefined ? { file: where.origin, line } : { file: where.origin, line, column },
  });
}
