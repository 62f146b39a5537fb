/**
 * The search index's maintenance: each paper's document (its fields segmented by core/search-text.ts) written to
 * SQLite's FTS5 table `paper_fts` (through `paper_search_ids`, which gives each paper a stable integer rowid) or to
 * PostgreSQL's `paper_search.document` tsvector. Called by the store's writes inside their transaction, by
 * migration 0004 and by `reindex` (docs/decisions/0028-search.md).
 */
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { XivdigestError } from '../../../core/errors.js';
import { ASCII_ONLY } from '../../../core/fold.js';
import type { Paper } from '../../../core/paper.js';
import { categoryTokens, searchTokens, segmentForIndex } from '../../../core/search-text.js';
import { PAPER_WRITE_COLUMNS } from '../rows/papers.js';
import { FLUSH_AT, flushPending, FTS_INSERT_TARGET, pendingDocuments, rowsInsert } from './pending.js';
import { AUTHOR_PREFIX, quoteLexeme, TITLE_PREFIX, tsCategoryLexeme } from './query.js';

export type SearchDialect = 'sqlite' | 'postgres';

/** Ids per statement: the FTS5 insert takes 7 parameters a paper, well under SQLite's limit. */
const IDS_PER_CHUNK = 500;

/**
 * SQLite gives each paper's document a rowid in its sort day's block (docs/decisions/0049-search-ranking-window.md):
 * day number × DOCS_PER_DAY plus a count within the day, so that FTS5's rowid order is the archive's date order and
 * "the newest matches" is one rowid range. 2^22 papers a day; day numbers to the year 2500 stay far below 2^53.
 */
export const DOCS_PER_DAY = 2 ** 22;
const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a YYYY-MM-DD day (0 for anything earlier or malformed). */
export function dayNumber(day: string): number {
  const time = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)));
  return Number.isFinite(time) && time > 0 ? Math.floor(time / DAY_MS) : 0;
}

/** The day number a document's rowid was given in. */
export function dayOfDoc(doc: number): number {
  return Math.floor(doc / DOCS_PER_DAY);
}

/** What one paper's document is made of. */
export interface SearchSource {
  id: string;
  /** The paper's sort day (YYYY-MM-DD): where its document's rowid goes (SQLite), its row's `day` (PostgreSQL). */
  sortDay: string;
  title: string;
  abstract: string;
  authors: string[];
  categories: string[];
  /** The stored texts (ok ones), any language. */
  texts: Array<{ title: string; tldr: string; tldrEn: string; abstract: string }>;
  /**
   * Its FTS5 column values when the thread that parsed the record made them (recordFtsValues) and the paper has no
   * texts: SQLite writes them as they are (docs/decisions/0050-index-values-from-the-parsing-thread.md).
   */
  fts?: readonly string[];
}

/** The paper's fields as the index holds them: each a list of distinct texts. */
interface DocumentFields {
  title: string[];
  ttitle: string[];
  tldr: string[];
  abstract: string[];
  authors: string[];
  cats: string[];
}

function distinct(values: Iterable<string>): string[] {
  const seen = new Set<string>();
  for (const value of values) {
    const text = value.trim();
    if (text !== '') seen.add(text);
  }
  return [...seen];
}

function documentFields(source: SearchSource): DocumentFields {
  return {
    title: distinct([source.title]),
    ttitle: distinct(source.texts.map((text) => text.title)),
    tldr: distinct(source.texts.flatMap((text) => [text.tldr, text.tldrEn])),
    abstract: distinct([source.abstract, ...source.texts.map((text) => text.abstract)]),
    authors: distinct(source.authors),
    cats: categoryTokens(source.categories),
  };
}

/**
 * A field's texts as FTS5 is given them. Plain ASCII goes as it is: unicode61 takes the same words from it that
 * segmentForIndex would (letters and digits, lower-cased; everything else separates) at the same positions, and
 * the table is contentless, so only the words are kept; segmenting it first cost about 20 µs an abstract (ADR 0050).
 */
function segmented(values: readonly string[]): string {
  let text = '';
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index]!;
    if (index > 0) text += ' ';
    text += ASCII_ONLY.test(value) ? value : segmentForIndex(value);
  }
  return text;
}

/** The FTS5 column values of a paper, in FTS_COLUMNS order. */
export function ftsValues(source: SearchSource): string[] {
  const fields = documentFields(source);
  return [
    segmented(fields.title),
    segmented(fields.ttitle),
    segmented(fields.tldr),
    segmented(fields.abstract),
    segmented(fields.authors),
    fields.cats.join(' '),
  ];
}

/** How many values ftsValues gives a paper (FTS_COLUMNS). */
export const FTS_VALUE_COUNT = 6;

/**
 * The FTS5 column values of a new paper from its record alone (no texts): what ftsValues gives for the row the store
 * writes of it (rows/papers.ts `paperToRow`), computed in the thread that parsed the record so that the writer thread
 * only inserts them (ADR 0050). Undefined for a record whose authors or categories are not plain strings.
 */
export function recordFtsValues(paper: Paper): string[] | undefined {
  const authors = paper.authors ?? [];
  const categories = paper.categories ?? [];
  if (!Array.isArray(authors) || !Array.isArray(categories)) return undefined;
  const names: string[] = [];
  for (const author of authors) {
    if (typeof author?.name !== 'string') return undefined;
    names.push(author.name);
  }
  for (const category of categories) if (typeof category !== 'string') return undefined;
  const title = paper.title ?? '';
  const abstract = paper.abstract ?? '';
  if (typeof title !== 'string' || typeof abstract !== 'string') return undefined;
  return ftsValues({ id: paper.id, sortDay: '', title, abstract, authors: names, categories, texts: [] });
}

/** recordFtsValues of each record, one after the other, or undefined when one record has none. */
export function recordsFtsValues(papers: readonly Paper[]): string[] | undefined {
  const values: string[] = [];
  try {
    for (const paper of papers) {
      const record = recordFtsValues(paper);
      if (record === undefined) return undefined;
      for (const value of record) values.push(value);
    }
  } catch {
    // A record of an odd shape: the store makes the documents itself, and reports the record as it would.
    return undefined;
  }
  return values;
}

/** PostgreSQL keeps at most this many positions per lexeme and positions up to 16,383. */
const MAX_POSITIONS = 256;
const MAX_POSITION = 16_383;

/**
 * A paper's tsvector as a literal: title A, translated titles B, TL;DRs and authors (prefixed `@`) C, abstracts D,
 * category lexemes (`#cs0cl`, tsCategoryLexeme) without positions. Positions run on across the fields, with a gap
 * between texts so that a phrase never spans two of them. No word starts with `@`, `#` or `^`: a typed word never
 * reaches an author's or a category's lexeme (ADR 0059), nor the second copy of each title word, prefixed `^` at the
 * same positions and weights, that `ti:` asks for (ADR 0068).
 */
export function tsVectorLiteral(source: SearchSource): string {
  const fields = documentFields(source);
  const lexemes = new Map<string, string[]>();
  let position = 1;
  const at = (lexeme: string, weight: string): void => {
    const positions = lexemes.get(lexeme) ?? [];
    if (positions.length < MAX_POSITIONS && position <= MAX_POSITION) positions.push(`${position}${weight}`);
    lexemes.set(lexeme, positions);
  };
  const add = (values: readonly string[], weight: string, prefix = '', title = false): void => {
    for (const value of values) {
      for (const token of searchTokens(value)) {
        at(prefix + token.token, weight);
        if (title) at(TITLE_PREFIX + token.token, weight);
        position += 1;
      }
      position += 8;
    }
  };
  add(fields.title, 'A', '', true);
  add(fields.ttitle, 'B', '', true);
  add(fields.tldr, 'C');
  add(fields.authors, 'C', AUTHOR_PREFIX);
  add(fields.abstract, 'D');
  for (const token of fields.cats) lexemes.set(tsCategoryLexeme(token), []);
  const parts: string[] = [];
  for (const [lexeme, positions] of lexemes) parts.push(positions.length > 0 ? `${quoteLexeme(lexeme)}:${positions.join(',')}` : quoteLexeme(lexeme));
  return parts.join(' ');
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

function jsonValue<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** The sources of these papers (those the store holds), read through `db` (a transaction's connection). */
export async function readSources(db: Kysely<any>, ids: readonly string[]): Promise<SearchSource[]> {
  if (ids.length === 0) return [];
  const rows = (await db
    .selectFrom('papers')
    .select(['id', 'sort_day', 'title', 'abstract', 'authors', 'categories'])
    .where('id', 'in', ids)
    .execute()) as IndexedRow[];
  const texts = await readTexts(db, ids);
  return rows.map((row) => sourceOf(row, texts.get(row.id) ?? []));
}

/** Writes the documents of these sources, replacing their earlier ones. */
export async function writeDocuments(db: Kysely<any>, dialect: SearchDialect, sources: readonly SearchSource[]): Promise<void> {
  for (const chunk of chunks(sources, IDS_PER_CHUNK)) {
    if (chunk.length === 0) continue;
    const ids = chunk.map((source) => source.id);
    if (dialect === 'postgres') {
      const rows = chunk.map((source) => sql`(${source.id}, ${dayNumber(source.sortDay)}, cast(${tsVectorLiteral(source)} as tsvector))`);
      await sql`insert into paper_search (paper_id, day, document) values ${sql.join(rows)}
        on conflict (paper_id) do update set day = excluded.day, document = excluded.document`.execute(db);
      continue;
    }
    // Papers indexed before lose their old document (deleting rowids FTS5 never had would leave tombstones behind);
    // one whose sort day moved gets a rowid in its new day's block.
    const docs = await sql<{ doc: number; paper_id: string }>`select doc, paper_id from paper_search_ids where paper_id in (${sql.join(ids)})`.execute(db);
    const docOf = new Map(docs.rows.map((row) => [row.paper_id, Number(row.doc)]));
    const pending = pendingDocuments(db);
    if (docOf.size > 0) {
      // A document this transaction still holds is written first, so that the delete finds it (ADR 0055).
      if (pending) await pending.flush(db);
      await sql`delete from paper_fts where rowid in (${sql.join([...docOf.values()])})`.execute(db);
    }
    const moved = chunk.filter((source) => docOf.has(source.id) && dayOfDoc(docOf.get(source.id)!) !== dayNumber(source.sortDay));
    if (moved.length > 0) {
      await sql`delete from paper_search_ids where paper_id in (${sql.join(moved.map((source) => source.id))})`.execute(db);
      for (const source of moved) docOf.delete(source.id);
    }
    const fresh = chunk.filter((source) => !docOf.has(source.id));
    if (fresh.length > 0) await allocateDocs(db, fresh, docOf);
    if (pending) {
      // Held until the transaction commits or reads the index: FTS5 would write a segment at each batch's savepoint.
      for (const source of chunk) pending.add([docOf.get(source.id)!, ...(source.fts ?? ftsValues(source))]);
      if (pending.unwritten >= FLUSH_AT) await pending.flush(db);
      continue;
    }
    const parameters: unknown[] = [];
    for (const source of chunk) {
      parameters.push(docOf.get(source.id)!);
      for (const value of source.fts ?? ftsValues(source)) parameters.push(value);
    }
    await db.executeQuery(CompiledQuery.raw(rowsInsert(FTS_INSERT_TARGET, 7, chunk.length), parameters));
  }
}

/** Gives each of these papers a rowid: the next free one in its sort day's block. */
export async function allocateDocs(db: Kysely<any>, sources: ReadonlyArray<Pick<SearchSource, 'id' | 'sortDay'>>, docOf: Map<string, number>): Promise<void> {
  const byDay = new Map<number, string[]>();
  for (const source of sources) {
    const day = dayNumber(source.sortDay);
    const list = byDay.get(day) ?? [];
    list.push(source.id);
    byDay.set(day, list);
  }
  // Each day's highest rowid, in one statement: a backfill's batch of 128 Kaggle records spans about as many days,
  // and a statement per day was 3% of its writer thread (ADR 0061).
  const tops = await sql<{ day: number; doc: number | null }>`select d.value as day, (select max(doc) from paper_search_ids
      where doc >= d.value * ${DOCS_PER_DAY} and doc < (d.value + 1) * ${DOCS_PER_DAY}) as doc
    from json_each(${JSON.stringify([...byDay.keys()])}) as d`.execute(db);
  const topOf = new Map(tops.rows.map((row) => [Number(row.day), row.doc]));
  const added: Array<{ doc: number; id: string }> = [];
  for (const [day, ids] of byDay) {
    const first = day * DOCS_PER_DAY;
    let next = Math.max(first, Number(topOf.get(day) ?? first - 1) + 1);
    for (const id of ids) {
      if (next >= first + DOCS_PER_DAY) {
        throw new XivdigestError({
          code: 'STORE_ERROR',
          message: `The search index holds more than ${DOCS_PER_DAY} papers on one day`,
          hint: 'Run `xivdigest reindex` to give every paper a fresh place in the index',
        });
      }
      added.push({ doc: next, id });
      docOf.set(id, next);
      next += 1;
    }
  }
  for (const chunk of chunks(added, IDS_PER_CHUNK)) {
    const parameters: unknown[] = [];
    for (const entry of chunk) parameters.push(entry.doc, entry.id);
    await db.executeQuery(CompiledQuery.raw(rowsInsert('paper_search_ids (doc, paper_id)', 2, chunk.length), parameters));
  }
}

/** A paper row's indexed columns as written (JSON columns as text or, from PostgreSQL, parsed). */
export interface IndexedRow {
  id: string;
  sort_day: string;
  title: string;
  abstract: string;
  authors: unknown;
  categories: unknown;
  /** Its FTS5 values from the record alone, made where the record was parsed (recordFtsValues), if they were. */
  fts?: readonly string[];
}

/** The texts of these papers, by paper (ok ones only). */
export async function readTexts(db: Kysely<any>, ids: readonly string[]): Promise<Map<string, SearchSource['texts']>> {
  const texts = await db
    .selectFrom('paper_texts')
    .select(['paper_id', 'title', 'tldr', 'tldr_en', 'abstract'])
    .where('paper_id', 'in', ids)
    .where('status', '=', 'ok')
    .execute();
  const byPaper = new Map<string, SearchSource['texts']>();
  for (const text of texts) {
    const list = byPaper.get(text.paper_id) ?? [];
    list.push({ title: text.title, tldr: text.tldr, tldrEn: text.tldr_en, abstract: text.abstract });
    byPaper.set(text.paper_id, list);
  }
  return byPaper;
}

const SORT_DAY_AT = PAPER_WRITE_COLUMNS.indexOf('sort_day');
const TITLE_AT = PAPER_WRITE_COLUMNS.indexOf('title');
const ABSTRACT_AT = PAPER_WRITE_COLUMNS.indexOf('abstract');
const AUTHORS_AT = PAPER_WRITE_COLUMNS.indexOf('authors');
const CATEGORIES_AT = PAPER_WRITE_COLUMNS.indexOf('categories');

/** The indexed columns of the prepared record at `offset` (what the search index needs of a new paper's row). */
export function preparedIndexedRow(values: readonly unknown[], offset: number, fts?: readonly string[]): IndexedRow {
  return {
    fts,
    id: values[offset] as string,
    sort_day: values[offset + SORT_DAY_AT] as string,
    title: values[offset + TITLE_AT] as string,
    abstract: values[offset + ABSTRACT_AT] as string,
    authors: values[offset + AUTHORS_AT],
    categories: values[offset + CATEGORIES_AT],
  };
}

/**
 * Writes the documents of rows just written (upsertPapers has them in memory: only their texts are read). The last
 * row of an id wins.
 */
export async function indexRows(db: Kysely<any>, dialect: SearchDialect, rows: readonly IndexedRow[]): Promise<void> {
  const byId = new Map<string, IndexedRow>();
  for (const row of rows) byId.set(row.id, row);
  for (const chunk of chunks([...byId.values()], IDS_PER_CHUNK)) {
    const texts = await readTexts(
      db,
      chunk.map((row) => row.id),
    );
    await writeDocuments(
      db,
      dialect,
      chunk.map((row) => sourceOf(row, texts.get(row.id) ?? [], dialect === 'sqlite')),
    );
  }
}

/** A paper's search source from its row's indexed columns and its texts (`useFts`: the record's FTS5 values, when it has them and no texts). */
export function sourceOf(row: IndexedRow, texts: SearchSource['texts'], useFts = false): SearchSource {
  // Values made from the record alone hold while the paper has no texts (imports may bring texts before papers).
  if (useFts && row.fts !== undefined && texts.length === 0) {
    return { id: row.id, sortDay: row.sort_day, title: row.title, abstract: row.abstract, authors: [], categories: [], texts, fts: row.fts };
  }
  return {
    id: row.id,
    sortDay: row.sort_day,
    title: row.title,
    abstract: row.abstract,
    authors: jsonValue<Array<{ name: string }>>(row.authors).map((author) => author.name),
    categories: jsonValue<string[]>(row.categories),
    texts,
  };
}

/** Brings the documents of these papers up to date (papers the store does not hold are left out). */
export async function indexPapers(db: Kysely<any>, dialect: SearchDialect, ids: Iterable<string>): Promise<void> {
  const unique = [...new Set(ids)];
  for (const chunk of chunks(unique, IDS_PER_CHUNK)) await writeDocuments(db, dialect, await readSources(db, chunk));
}

/** Empties the index (every paper's document is gone until written again). */
export async function clearIndex(db: Kysely<any>, dialect: SearchDialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`delete from paper_search`.execute(db);
    return;
  }
  await flushPending(db);
  await sql`delete from paper_fts`.execute(db);
  await sql`delete from paper_search_ids`.execute(db);
}

/**
 * Writes every paper's document, in id order, `batch` papers at a time; `onProgress` hears after each batch. The index
 * should be empty (clearIndex) first, or it is brought up to date paper by paper.
 */
export async function indexAll(
  db: Kysely<any>,
  dialect: SearchDialect,
  options: { batch?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<number> {
  const batch = options.batch ?? 2_000;
  const counted = await db
    .selectFrom('papers')
    .select((eb) => eb.fn.countAll().as('count'))
    .executeTakeFirst();
  const total = Number(counted?.count ?? 0);
  let done = 0;
  let after: string | undefined;
  for (;;) {
    let select = db.selectFrom('papers').select('id').orderBy('id').limit(batch);
    if (after !== undefined) select = select.where('id', '>', after);
    const ids = (await select.execute()).map((row) => row.id as string);
    if (ids.length === 0) break;
    await indexPapers(db, dialect, ids);
    done += ids.length;
    after = ids[ids.length - 1];
    options.onProgress?.(done, total);
  }
  return done;
}
