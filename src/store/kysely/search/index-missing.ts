/**
 * Papers stored without a search document (upsertPapers with `searchIndex: 'later'`, a backfill's load) and the pass
 * that writes their documents afterwards, in the index's own order (docs/decisions/0069-backfill-index-after-load.md).
 * A paper is missing from the index when it has no `paper_search_ids` row (SQLite) or `paper_search` row (PostgreSQL);
 * the state key MISSING_KEY says that some may be, so that `status` and a rerun of `backfill` need not look.
 */
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { allocateDocs, dayNumber, ftsValues, readTexts, tsVectorLiteral, type SearchDialect, type SearchSource } from './index-docs.js';
import { FLUSH_AT, FTS_INSERT_TARGET, pendingDocuments, rowsInsert } from './pending.js';

/** Set (in the write's transaction) when papers were stored without their documents; cleared once none is missing. */
export const MISSING_KEY = 'search:missing-documents';

/** One paper's document, made from its row and texts by the thread that reads them, for the thread that writes it. */
export interface MissingDocument {
  id: string;
  sortDay: string;
  /** SQLite: its FTS5 column values (ftsValues). */
  fts?: string[];
  /** PostgreSQL: its tsvector literal (tsVectorLiteral). */
  tsvector?: string;
}

/** Where a pass over the missing papers stands: the last paper handed over, in (sort day, id) order. */
export interface MissingCursor {
  sortDay: string;
  id: string;
}

/** Notes that papers of this write have no document yet (a no-op when the note is there). */
export async function markDocumentsMissing(db: Kysely<any>): Promise<void> {
  const now = new Date().toISOString();
  await sql`insert into state (key, value, updated_at) values (${MISSING_KEY}, ${JSON.stringify({ since: now })}, ${now})
    on conflict (key) do nothing`.execute(db);
}

/** Whether the note of MISSING_KEY is there (cheap: one row by key). */
export async function documentsMaybeMissing(db: Kysely<any>): Promise<boolean> {
  const row = await db.selectFrom('state').select('key').where('key', '=', MISSING_KEY).executeTakeFirst();
  return row !== undefined;
}

function withoutDocument(dialect: SearchDialect) {
  return dialect === 'postgres'
    ? sql`not exists (select 1 from paper_search s where s.paper_id = papers.id)`
    : sql`not exists (select 1 from paper_search_ids s where s.paper_id = papers.id)`;
}

/** How many stored papers have no search document (reads every paper's key: about a second a million). */
export async function countMissing(db: Kysely<any>, dialect: SearchDialect): Promise<number> {
  const { rows } = await sql<{ count: number | string }>`select count(*) as count from papers where ${withoutDocument(dialect)}`.execute(db);
  return Number(rows[0]?.count ?? 0);
}

/** A page of readMissing: the documents of the papers in it that have none, and where the next page starts. */
export interface MissingPage {
  docs: MissingDocument[];
  /** The last paper of the page, whether it had a document or not; undefined at the end. */
  next: MissingCursor | undefined;
}

/**
 * The next `limit` papers after `after` in (sort day, id) order, the order of the index's rowids (ADR 0049), so that
 * FTS5 receives one rising run; the documents of those without one are made here (the calling thread). Two steps:
 * the page's keys in the (sort day, id) index, each with whether it has a document (one index probe a paper), then
 * the rows of those without. A query that filtered on "without a document" itself would be planned on PostgreSQL as
 * a hash anti-join over both tables for every page, a pass quadratic in the archive's size.
 */
export async function readMissing(db: Kysely<any>, dialect: SearchDialect, after: MissingCursor | undefined, limit: number): Promise<MissingPage> {
  const from = after ? sql`where (sort_day, id) > (${after.sortDay}, ${after.id})` : sql``;
  const indexed =
    dialect === 'postgres'
      ? sql`exists (select 1 from paper_search s where s.paper_id = papers.id)`
      : sql`exists (select 1 from paper_search_ids s where s.paper_id = papers.id)`;
  const { rows: keys } = await sql<{ id: string; sort_day: string; indexed: boolean | number }>`
    select id, sort_day, ${indexed} as indexed from papers ${from} order by sort_day, id limit ${limit}`.execute(db);
  const last = keys.at(-1);
  if (!last) return { docs: [], next: undefined };
  const next = { sortDay: last.sort_day, id: last.id };
  const missing = keys.filter((key) => !key.indexed).map((key) => key.id);
  if (missing.length === 0) return { docs: [], next };
  const rows = new Map<string, { id: string; sort_day: string; title: string; abstract: string; authors: unknown; categories: unknown }>();
  for (let start = 0; start < missing.length; start += IDS_PER_STATEMENT) {
    const ids = missing.slice(start, start + IDS_PER_STATEMENT);
    const { rows: found } = await sql<{ id: string; sort_day: string; title: string; abstract: string; authors: unknown; categories: unknown }>`
      select id, sort_day, title, abstract, authors, categories from papers where id in (${sql.join(ids)})`.execute(db);
    for (const row of found) rows.set(row.id, row);
  }
  const texts = await readTexts(db, missing);
  const docs: MissingDocument[] = [];
  for (const id of missing) {
    const row = rows.get(id);
    if (!row) continue;
    const source: SearchSource = {
      id: row.id,
      sortDay: row.sort_day,
      title: row.title,
      abstract: row.abstract,
      authors: json<Array<{ name: string }>>(row.authors).map((author) => author.name),
      categories: json<string[]>(row.categories),
      texts: texts.get(row.id) ?? [],
    };
    docs.push(
      dialect === 'postgres'
        ? { id: row.id, sortDay: row.sort_day, tsvector: tsVectorLiteral(source) }
        : { id: row.id, sortDay: row.sort_day, fts: ftsValues(source) },
    );
  }
  return { docs, next };
}

function json<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** Ids per statement (SQLite's FTS5 insert: 7 values a document). */
const IDS_PER_STATEMENT = 500;

/**
 * Writes the documents of papers that still have none, in the transaction `db`; a paper indexed since it was read (a
 * write that changed it, or its texts) keeps the document that write gave it. Returns how many were written.
 */
export async function writeMissingDocuments(db: Kysely<any>, dialect: SearchDialect, docs: readonly MissingDocument[]): Promise<number> {
  let written = 0;
  for (let start = 0; start < docs.length; start += IDS_PER_STATEMENT) {
    const chunk = docs.slice(start, start + IDS_PER_STATEMENT);
    if (dialect === 'postgres') {
      const rows = chunk.map((doc) => sql`(${doc.id}, cast(${dayNumber(doc.sortDay)} as integer), cast(${doc.tsvector ?? ''} as tsvector))`);
      // Papers that are gone (a foreign key would refuse them) or were indexed meanwhile are left out.
      const result = await sql`insert into paper_search (paper_id, day, document)
        select v.paper_id, v.day, v.document from (values ${sql.join(rows)}) as v (paper_id, day, document)
        where exists (select 1 from papers p where p.id = v.paper_id)
        on conflict (paper_id) do nothing`.execute(db);
      written += Number(result.numAffectedRows ?? 0);
      continue;
    }
    const ids = chunk.map((doc) => doc.id);
    const { rows: present } = await sql<{ paper_id: string }>`select paper_id from paper_search_ids where paper_id in (${sql.join(ids)})`.execute(db);
    const indexed = new Set(present.map((row) => row.paper_id));
    const fresh = indexed.size === 0 ? chunk : chunk.filter((doc) => !indexed.has(doc.id));
    if (fresh.length === 0) continue;
    const docOf = new Map<string, number>();
    await allocateDocs(db, fresh, docOf);
    const pending = pendingDocuments(db);
    if (pending) {
      for (const doc of fresh) pending.add([docOf.get(doc.id)!, ...doc.fts!]);
      if (pending.unwritten >= FLUSH_AT) await pending.flush(db);
    } else {
      const parameters: unknown[] = [];
      for (const doc of fresh) parameters.push(docOf.get(doc.id)!, ...doc.fts!);
      await db.executeQuery(CompiledQuery.raw(rowsInsert(FTS_INSERT_TARGET, 7, fresh.length), parameters));
    }
    written += fresh.length;
  }
  return written;
}

/** Removes the note of MISSING_KEY when no paper is missing (in the write transaction `db`); true when it did. */
export async function clearMissingNote(db: Kysely<any>, dialect: SearchDialect): Promise<boolean> {
  if ((await countMissing(db, dialect)) > 0) return false;
  await db.deleteFrom('state').where('key', '=', MISSING_KEY).execute();
  return true;
}

/**
 * FTS5's `automerge` during a pass: segments merge 16 at a time instead of 4, so that each document is rewritten
 * about log16 rather than log4 times while the pass writes (a quarter less work at 1,000,000 papers: ADR 0069), and
 * mergeStep brings the index to its usual shape afterwards. 4 is FTS5's default, which the store otherwise keeps.
 */
export const PASS_AUTOMERGE = 16;
export const USUAL_AUTOMERGE = 4;

/** Sets FTS5's `automerge` (SQLite; stored in the index's config table, so every connection merges so). */
export async function setAutomerge(db: Kysely<any>, value: number): Promise<void> {
  // FTS5 takes only integer values (a bound JavaScript number would be a REAL): a literal.
  await sql`insert into paper_fts (paper_fts, rank) values ('automerge', ${sql.lit(Math.trunc(value))})`.execute(db);
}

/**
 * One step of FTS5's incremental merge: up to `pages` pages of merge work on levels holding `automerge` segments or
 * more. True while there was work to do (FTS5 changes rows when it merges: https://sqlite.org/fts5.html#the_merge_command).
 */
export async function mergeStep(db: Kysely<any>, pages: number): Promise<boolean> {
  const changes = async () => Number((await sql<{ changes: number }>`select total_changes() as changes`.execute(db)).rows[0]?.changes ?? 0);
  const before = await changes();
  await sql`insert into paper_fts (paper_fts, rank) values ('merge', ${sql.lit(Math.trunc(pages))})`.execute(db);
  return (await changes()) - before >= 2;
}
