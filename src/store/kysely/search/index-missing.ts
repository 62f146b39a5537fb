/**
 * Papers stored without a search document (upsertPapers with `searchIndex: 'later'`, a backfill's load) and the pass
 * that writes their documents afterwards, in the index's own order (docs/decisions/0069-backfill-index-after-load.md).
 * A paper is missing from the index when it has no `paper_search_ids` row (SQLite) or `paper_search` row (PostgreSQL);
 * the state key MISSING_KEY says that some may be, so that `status` and a rerun of `backfill` need not look.
 */
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { allocateDocs, dayNumber, ftsValues, readTexts, sourceOf, tsVectorLiteral, type IndexedRow, type SearchDialect } from './index-docs.js';
import { FLUSH_AT, FTS_INSERT_TARGET, pendingDocuments, rowsInsert } from './pending.js';

/** Ids per statement (SQLite's FTS5 insert: 7 values a document). */
const IDS_PER_STATEMENT = 500;

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

/** A transaction store that takes indexMissing's writes (KyselyStore, and the writer thread's through TransactionFacade). */
export interface MissingDocumentsWriter {
  writeMissingDocuments(docs: MissingDocument[]): Promise<number>;
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

/** True for a row of `papers` that has its search document (one index probe). */
function hasDocument(dialect: SearchDialect) {
  return dialect === 'postgres'
    ? sql`exists (select 1 from paper_search s where s.paper_id = papers.id)`
    : sql`exists (select 1 from paper_search_ids s where s.paper_id = papers.id)`;
}

/** How many stored papers have no search document (reads every paper's key: about a second a million). */
export async function countMissing(db: Kysely<any>, dialect: SearchDialect): Promise<number> {
  const { rows } = await sql<{ count: number | string }>`select count(*) as count from papers where not ${hasDocument(dialect)}`.execute(db);
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
  const { rows: keys } = await sql<{ id: string; sort_day: string; indexed: boolean | number }>`
    select id, sort_day, ${hasDocument(dialect)} as indexed from papers ${from} order by sort_day, id limit ${limit}`.execute(db);
  const last = keys.at(-1);
  if (!last) return { docs: [], next: undefined };
  const next = { sortDay: last.sort_day, id: last.id };
  const missing = keys.filter((key) => !key.indexed).map((key) => key.id);
  if (missing.length === 0) return { docs: [], next };
  const rows = new Map<string, IndexedRow>();
  for (let start = 0; start < missing.length; start += IDS_PER_STATEMENT) {
    const ids = missing.slice(start, start + IDS_PER_STATEMENT);
    const { rows: found } = await sql<IndexedRow>`
      select id, sort_day, title, abstract, authors, categories from papers where id in (${sql.join(ids)})`.execute(db);
    for (const row of found) rows.set(row.id, row);
  }
  const texts = await readTexts(db, missing);
  const docs: MissingDocument[] = [];
  for (const id of missing) {
    const row = rows.get(id);
    if (!row) continue;
    const source = sourceOf(row, texts.get(row.id) ?? []);
    docs.push(
      dialect === 'postgres'
        ? { id: row.id, sortDay: row.sort_day, tsvector: tsVectorLiteral(source) }
        : { id: row.id, sortDay: row.sort_day, fts: ftsValues(source) },
    );
  }
  return { docs, next };
}

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

/** Papers read (and their documents made) at a time by a pass. */
const PAGE = 2_048;
/** Papers per transaction of a pass that reads beside its writes: what a crash can lose, and the segment FTS5 writes. */
const PER_TRANSACTION = 16_384;
/** Pages of FTS5 merge work per transaction after a pass (a few hundred ms each, so that other writers get turns). */
const MERGE_PAGES = 2_000;

export interface IndexMissingOptions {
  /** After each committed transaction: papers handled so far and how many were missing at the start. */
  onProgress?: (done: number, total: number) => void;
  /** Asked between transactions: true stops after the one just committed. */
  shouldStop?: () => boolean;
  /** When every document is written and the index's segments begin to merge (SQLite; a few seconds a million papers). */
  onMerge?: () => void;
  /** Papers per transaction, about (default 16,384 where pages are read beside the writes, else 2,048): what a stop or a crash loses at most. */
  transactionSize?: number;
}

export interface IndexMissingResult {
  /** Documents written. */
  indexed: number;
  /** Papers still without one (after a stop, or stored without one by another write during the pass). */
  remaining: number;
  stopped: boolean;
  seconds: number;
}

/** What a pass needs of the store that runs it (kysely-store.ts). */
export interface IndexPassStore {
  kind: SearchDialect;
  /** Whether `read` may run while a transaction of `writeDocuments` is open (another connection). */
  overlap: boolean;
  /** A read outside the pass's transactions, failures as STORE_ERRORs. */
  read<T>(action: string, work: (db: Kysely<any>) => Promise<T>): Promise<T>;
  /** A write transaction of its own. */
  write<T>(action: string, outcome: string, work: (db: Kysely<any>) => Promise<T>): Promise<T>;
  /** A transaction whose `write` calls writeMissingDocuments in it (in the writer thread, for a SQLite file). */
  writeDocuments(work: (write: (docs: MissingDocument[]) => Promise<number>) => Promise<void>): Promise<void>;
}

/**
 * Writes the documents of every paper stored without one, in the index's order, a transaction at a time, so that a
 * stop or a crash keeps what was committed and the next pass goes on (ADR 0069); the caller has found MISSING_KEY's
 * note. Where `overlap` allows, the next pages are read and their documents made in this thread while the
 * transaction writes the ones before.
 */
export async function runIndexPass(store: IndexPassStore, options: IndexMissingOptions = {}): Promise<IndexMissingResult> {
  const started = Date.now();
  const { kind } = store;
  const result: IndexMissingResult = { indexed: 0, remaining: 0, stopped: false, seconds: 0 };
  const finish = () => ({ ...result, seconds: (Date.now() - started) / 1000 });
  const total = await store.read('count papers missing from the search index', (db) => countMissing(db, kind));
  const wider = kind === 'sqlite' && total > 0;
  const width = (value: number) => store.write('set the search index merge width', 'the setting is as it was', (db) => setAutomerge(db, value));
  if (wider) await width(PASS_AUTOMERGE);
  try {
    if (total > 0) await writePages(store, options, total, result);
  } catch (error) {
    // After a failure too (a kill leaves the wider setting, which the next pass puts back; it only merges differently).
    if (wider) await width(USUAL_AUTOMERGE).catch(() => undefined);
    throw error;
  }
  if (wider) await width(USUAL_AUTOMERGE);
  if (wider && !result.stopped) {
    // The pass's segments merged to the shape FTS5 keeps at its usual width, a step (a transaction) at a time.
    options.onMerge?.();
    let more = true;
    while (more) more = await store.write('merge the search index', 'the index is as it was', (db) => mergeStep(db, MERGE_PAGES));
  }
  // Papers that another write left without a document during the pass, before where it had come to, wait for the next.
  const cleared = !result.stopped && (await store.write('update the search index state', 'the note stays', (db) => clearMissingNote(db, kind)));
  if (!cleared) result.remaining = await store.read('count papers missing from the search index', (db) => countMissing(db, kind));
  return finish();
}

async function writePages(store: IndexPassStore, options: IndexMissingOptions, total: number, result: IndexMissingResult): Promise<void> {
  const perTransaction = Math.max(1, options.transactionSize ?? (store.overlap ? PER_TRANSACTION : PAGE));
  const pageSize = Math.min(PAGE, perTransaction);
  let seen = 0;
  let after: MissingCursor | undefined;
  let end = false;
  /** The next documents to write; none at the end. Pages of papers that all have theirs are passed over. */
  const page = async (): Promise<MissingDocument[]> => {
    while (!end) {
      const { docs, next } = await store.read('read papers missing from the search index', (db) => readMissing(db, store.kind, after, pageSize));
      if (next === undefined) end = true;
      else after = next;
      if (docs.length > 0) return docs;
    }
    return [];
  };
  options.onProgress?.(0, total);
  let docs = await page();
  while (docs.length > 0) {
    if (options.shouldStop?.()) {
      result.stopped = true;
      return;
    }
    await store.writeDocuments(async (write) => {
      if (!store.overlap) {
        result.indexed += await write(docs);
        seen += docs.length;
        return;
      }
      // Two writes at most in flight, so that the writer finds the next waiting when it finishes one.
      const inFlight: Array<Promise<void>> = [];
      try {
        for (let inTransaction = 0; docs.length > 0 && inTransaction < perTransaction;) {
          const handed = docs;
          inTransaction += handed.length;
          inFlight.push(
            write(handed).then((written) => {
              result.indexed += written;
              seen += handed.length;
            }),
          );
          if (inFlight.length >= 2) await inFlight.shift();
          docs = await page();
        }
      } catch (error) {
        // The transaction rolls back; the writes still in flight settle first (none is left to reject unheard).
        await Promise.allSettled(inFlight);
        throw error;
      }
      await Promise.all(inFlight);
    });
    if (!store.overlap) docs = await page();
    options.onProgress?.(Math.min(seen, total), total);
  }
}
