/**
 * Migration 0015: PostgreSQL documents hold each title word a second time, prefixed `^`, at the same positions and
 * weights (title A, translated titles B), so that `ti:` is answered by the GIN index (docs/decisions/0068). The table
 * is copied into a new one in day order, the copies made in SQL from each document's own A and B entries
 * (`ts_filter`), without reading the papers again; the new table then takes the old one's name, key, tie to `papers`
 * and indexes. A copy, not an update in place: an update left a dead row per paper (VACUUM cannot run in the
 * migration's transaction) and scattered the new rows over the table's free space, both slower to search; the copy
 * gives the space back and lays the rows out in the order searches read them. A million papers took 5 min 27 s on two
 * cores, with progress and an ETA. SQLite: nothing (FTS5 has a title column).
 */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';
import { createSearchIndex, watchIndexBuild } from './0014-postgres-search-day-document.js';
import { TITLE_PREFIX } from '../kysely/search/query.js';

/** Documents copied per statement (whole days). */
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
  const { onProgress, observer } = context;
  const days = await sql<{ day: number; rows: string }>`select day, count(*) as rows from paper_search group by day order by day`.execute(db);
  const rows = days.rows.reduce((sum, row) => sum + Number(row.rows), 0);
  // One bar in papers, two halves: the copy, then the index build (each about half of the time).
  const report = (steps: number) => onProgress?.(Math.min(rows - 1, Math.floor(steps / 2)), rows);
  if (rows > 0) onProgress?.(0, rows);

  // The copy, in day order, a run of days of at least PAPERS_PER_BATCH rows at a time.
  await sql`create table paper_search_marked (paper_id text not null, document tsvector not null, day integer not null)`.execute(db);
  let done = 0;
  for (let first = 0; first < days.rows.length;) {
    let last = first;
    let batch = Number(days.rows[first]!.rows);
    while (batch < PAPERS_PER_BATCH && last + 1 < days.rows.length) batch += Number(days.rows[++last]!.rows);
    await sql`insert into paper_search_marked (paper_id, document, day)
      select s.paper_id, ${MARKED}, s.day from paper_search s where s.day between ${days.rows[first]!.day} and ${days.rows[last]!.day}
      order by s.day, s.paper_id`.execute(db);
    done += batch;
    report(done);
    first = last + 1;
  }
  await sql`drop table paper_search`.execute(db);
  await sql`alter table paper_search_marked rename to paper_search`.execute(db);
  await sql`alter table paper_search add constraint paper_search_pkey primary key (paper_id)`.execute(db);
  await sql`alter table paper_search add constraint paper_search_paper_id_fkey foreign key (paper_id) references papers (id) on delete cascade`.execute(db);
  await sql`create index paper_search_day on paper_search (day)`.execute(db);

  // The GIN index: over (day, document) where btree_gin is there (0014 made it so, or an administrator since).
  const oid = await sql<{ oid: string }>`select to_regclass('paper_search')::oid::int8 as oid`.execute(db);
  const table = Number(oid.rows[0]?.oid ?? 0);
  const watching = rows > 0 && onProgress && observer && table > 0 ? watchIndexBuild(observer, table, rows, (built) => report(rows + built)) : undefined;
  try {
    await createSearchIndex(db);
  } finally {
    await watching?.stop();
  }
  // The statistics the search sizes its first days by (ADR 0064).
  await sql`analyze paper_search`.execute(db);
  if (rows > 0) onProgress?.(rows, rows);
}
