/**
 * Migration 0015: PostgreSQL documents hold each title word a second time, prefixed `^`, at the same positions and
 * weights (title A, translated titles B), so that `ti:` is answered by the GIN index (docs/decisions/0068). The copies
 * are made in SQL from each document's own A and B entries (`ts_filter`), without reading the papers again. The GIN
 * index is dropped first and built once at the end (updating it row by row would cost several times the build): a
 * million papers took 5 min 36 s on two cores, with progress and an ETA; the store then vacuums the table (`vacuum`,
 * 9 s there). SQLite: nothing (FTS5 has a title column).
 */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';
import { DAY_DOCUMENT_INDEX, ensureBtreeGin, watchIndexBuild } from './0014-postgres-search-day-document.js';
import { TITLE_PREFIX } from '../kysely/search/query.js';

/** Every row is rewritten: the store vacuums the table once the migration has committed. */
export const vacuum = ['paper_search'];

/** Documents rewritten per statement. */
const PAPERS_PER_BATCH = 5_000;

/**
 * A document with its A and B entries (not the copies themselves) copied under TITLE_PREFIX, as tsvector text parsed
 * again, so that a copy already there merges with itself: the migration may run over documents the new code wrote
 * (after 0011, which writes them anew). The `||` operator would shift the copies' positions. Lexemes are quoted as
 * tsvector literals want: `'` doubled, `\` escaped.
 */
const MARKED = sql`cast(s.document::text || coalesce(' ' || (
    select string_agg(${sql.raw(`'''${TITLE_PREFIX}'`)} || replace(replace(entry.lexeme, '\\', '\\\\'), '''', '''''') || ''':' || (
        select string_agg(position::text || weight, ',') from unnest(entry.positions, entry.weights) as p(position, weight)
      ), ' ')
    from unnest(ts_filter(s.document, '{a,b}')) as entry where left(entry.lexeme, 1) <> ${sql.raw(`'${TITLE_PREFIX}'`)}
  ), '') as tsvector)`;

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  if (context.jsonType !== 'jsonb') return;
  const counted = await sql<{ rows: string; oid: number | null }>`select count(*) as rows, to_regclass('paper_search')::oid::int8 as oid
    from paper_search`.execute(db);
  const rows = Number(counted.rows[0]?.rows ?? 0);
  const table = Number(counted.rows[0]?.oid ?? 0);
  const { onProgress, observer } = context;
  // One bar in papers, two halves: the rewrite, then the index build (each about half of the time).
  const report = (steps: number) => onProgress?.(Math.min(rows - 1, Math.floor(steps / 2)), rows);
  if (rows > 0) onProgress?.(0, rows);
  const had = await sql<{ name: string }>`select indexname as name from pg_indexes
    where schemaname = current_schema() and tablename = 'paper_search' and indexname in (${DAY_DOCUMENT_INDEX}, 'paper_search_document')`.execute(db);
  for (const { name } of had.rows) await sql`drop index ${sql.id(name)}`.execute(db);

  let done = 0;
  let after: string | undefined;
  for (;;) {
    const from = after === undefined ? sql`` : sql`where paper_id > ${after}`;
    const batch = await sql<{ last: string | null; count: string }>`with batch as (
        select paper_id from paper_search ${from} order by paper_id limit ${PAPERS_PER_BATCH}
      ), updated as (
        update paper_search s set document = ${MARKED} from batch where s.paper_id = batch.paper_id returning s.paper_id
      )
      select max(paper_id) as last, count(*) as count from updated`.execute(db);
    const count = Number(batch.rows[0]?.count ?? 0);
    if (count === 0) break;
    done += count;
    after = batch.rows[0]!.last!;
    report(Math.min(done, rows));
  }

  // The index again: over (day, document) where btree_gin is there (0014 made it so, or an administrator since).
  const watching = rows > 0 && onProgress && observer && table > 0 ? watchIndexBuild(observer, table, rows, (built) => report(rows + built)) : undefined;
  try {
    await sql`set local maintenance_work_mem = '256MB'`.execute(db);
    if (await ensureBtreeGin(db)) await sql`create index ${sql.id(DAY_DOCUMENT_INDEX)} on paper_search using gin (day, document)`.execute(db);
    else await sql`create index paper_search_document on paper_search using gin (document)`.execute(db);
  } finally {
    await watching?.stop();
  }
  // The statistics the search sizes its first days by (ADR 0064) now know the new lexemes.
  await sql`analyze paper_search`.execute(db);
  if (rows > 0) onProgress?.(rows, rows);
}
