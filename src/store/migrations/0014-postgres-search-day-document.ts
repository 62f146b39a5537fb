/**
 * Migration 0014: PostgreSQL's search index becomes one GIN index over `(day, document)`, so that a search for the
 * newest matches of a word reads only the entries of the days it asks for: GIN intersects the day's posting lists
 * with the word's, skipping through the word's (docs/decisions/0067-postgres-search-day-document.md). Before, the
 * word's whole bitmap (52,000 entries for `quantum`, 400,000 for `model` at a million papers) was built and ANDed with
 * the day index's. The day column's GIN operator class comes from the `btree_gin` extension (in PostgreSQL's contrib,
 * trusted: a database owner may create it). Where it cannot be had (not installed on the server, or no right to create
 * it in `public`), the document's own GIN index stays and searches are as before. Building the index reads every
 * document: about 5 minutes a million papers on two cores. SQLite: nothing (FTS5's rowids already follow the day).
 */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/** The index this migration makes, and the one it replaces. */
export const DAY_DOCUMENT_INDEX = 'paper_search_day_document';
const DOCUMENT_INDEX = 'paper_search_document';

/**
 * Whether btree_gin is installed in the database, creating it in `public` if not. Inside a savepoint: a failure (no
 * such extension on the server, no right to create it) leaves the migration's transaction as it was. Another store's
 * migration creating it at the same moment is a failure here but leaves it installed, so it is looked up again.
 */
export async function ensureBtreeGin(db: Kysely<any>): Promise<boolean> {
  await sql`savepoint xivdigest_btree_gin`.execute(db);
  try {
    await sql`create extension if not exists btree_gin schema public`.execute(db);
    await sql`release savepoint xivdigest_btree_gin`.execute(db);
    return true;
  } catch {
    await sql`rollback to savepoint xivdigest_btree_gin`.execute(db);
    await sql`release savepoint xivdigest_btree_gin`.execute(db);
    const installed = await sql<{ installed: boolean }>`select exists (select 1 from pg_extension where extname = 'btree_gin') as installed`.execute(db);
    return installed.rows[0]?.installed === true;
  }
}

/**
 * Replaces the document's GIN index by the one over (day, document) when btree_gin can be had; otherwise leaves it.
 * Also run by `xivdigest reindex` (on the emptied table, before refilling it), so that
 * an archive migrated where btree_gin was missing gets the index once it is installed.
 */
export async function useDayDocumentIndex(db: Kysely<any>): Promise<void> {
  if (!(await ensureBtreeGin(db))) return;
  await sql`set local maintenance_work_mem = '256MB'`.execute(db);
  await sql`create index if not exists ${sql.raw(DAY_DOCUMENT_INDEX)} on paper_search using gin (day, document)`.execute(db);
  await sql`drop index if exists ${sql.raw(DOCUMENT_INDEX)}`.execute(db);
}

/**
 * Builds `paper_search`'s GIN index on a table that has none (migration 0015's new table): over (day, document) where
 * btree_gin can be had, else the document's own.
 */
export async function createSearchIndex(db: Kysely<any>): Promise<void> {
  await sql`set local maintenance_work_mem = '256MB'`.execute(db);
  if (await ensureBtreeGin(db)) await sql`create index ${sql.raw(DAY_DOCUMENT_INDEX)} on paper_search using gin (day, document)`.execute(db);
  else await sql`create index ${sql.raw(DOCUMENT_INDEX)} on paper_search using gin (document)`.execute(db);
}

/**
 * Reports a running CREATE INDEX on the table `table` (an oid) as `done` of `total` rows, from the heap blocks it has
 * scanned (`pg_stat_progress_create_index`, read through `observer`, another connection) every `everyMs`: the scan is
 * most of a GIN build (about 4 of its 5 minutes at a million papers). Never says `total` itself: the build's end does.
 * `stop()` waits for a reading in flight, so that nothing is reported after it.
 */
export function watchIndexBuild(
  observer: Kysely<any>,
  table: number,
  total: number,
  onProgress: (done: number, total: number) => void,
  everyMs = 2_000,
): { stop(): Promise<void> } {
  let stopped = false;
  let reading: Promise<void> = Promise.resolve();
  const read = async () => {
    const result = await sql<{ done: string; blocks: string }>`select blocks_done as done, blocks_total as blocks
      from pg_stat_progress_create_index where relid = ${table}`.execute(observer);
    const row = result.rows[0];
    const blocks = Number(row?.blocks ?? 0);
    if (stopped || blocks <= 0) return;
    onProgress(Math.min(total - 1, Math.floor((total * Number(row!.done)) / blocks)), total);
  };
  const timer = setInterval(() => {
    // A reading that fails (the connection, the view) only leaves this one unsaid.
    reading = reading.then(read).catch(() => undefined);
  }, everyMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await reading;
    },
  };
}

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  if (context.jsonType !== 'jsonb') return;
  const counted = await sql<{ rows: number; oid: number | null }>`select greatest(reltuples, 0)::bigint as rows, oid::int8 as oid
    from pg_class where oid = to_regclass('paper_search')`.execute(db);
  const rows = Number(counted.rows[0]?.rows ?? 0);
  const table = Number(counted.rows[0]?.oid ?? 0);
  const { onProgress, observer } = context;
  // One statement reads every document (minutes at a million papers): its progress comes from another connection.
  if (rows > 0) onProgress?.(0, rows);
  const watching = rows > 0 && onProgress && observer && table > 0 ? watchIndexBuild(observer, table, rows, onProgress) : undefined;
  try {
    await useDayDocumentIndex(db);
  } finally {
    await watching?.stop();
  }
  if (rows > 0) onProgress?.(rows, rows);
}

export async function down(db: Kysely<any>, context: MigrationContext): Promise<void> {
  if (context.jsonType !== 'jsonb') return;
  await sql`create index if not exists ${sql.raw(DOCUMENT_INDEX)} on paper_search using gin (document)`.execute(db);
  await sql`drop index if exists ${sql.raw(DAY_DOCUMENT_INDEX)}`.execute(db);
}
