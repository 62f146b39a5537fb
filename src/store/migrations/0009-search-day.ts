/**
 * Migration 0009: PostgreSQL's search rows carry their paper's sort day as a day number (`day`, the same number as
 * SQLite's rowid blocks, migration 0008), so that the newest matches of a very common query are found from the rows'
 * heap tuples without reading their documents (docs/decisions/0052-postgres-search-window.md). Existing rows get the
 * day from their paper; an empty index (an archive from before 0004, whose migration now leaves the indexing to this
 * one) is filled. SQLite's rowids already follow the sort day; nothing changes there.
 */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';
import { indexAll } from '../kysely/search/index-docs.js';

/** Days since 1970-01-01 of a `sort_day` (YYYY-MM-DD) as SQL, 0 for anything else: index-docs.ts's dayNumber. */
const DAY_NUMBER = sql`case when p.sort_day ~ '^\\d{4}-\\d{2}-\\d{2}$' then greatest(0, cast(p.sort_day as date) - date '1970-01-01') else 0 end`;

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  if (context.jsonType !== 'jsonb') return;
  await sql`alter table paper_search add column day integer`.execute(db);
  // Documents go to TOAST (compressed) unless tiny, so that the rows' heap, which a common word's bitmap scan and the
  // window's ordering read, stays narrow: 100,000 rows in about 5,600 pages rather than 10,000 or more.
  await sql`alter table paper_search set (toast_tuple_target = 128)`.execute(db);
  const rows = await fillDays(db, context.onProgress);
  await sql`alter table paper_search alter column day set not null`.execute(db);
  if (rows === 0) await indexAll(db, 'postgres', context.onProgress ? { onProgress: context.onProgress } : {});
}

/** Rows given their day per statement (as many as indexAll's batch): about a second at 56 s per 100,000 rows. */
const ROWS_PER_BATCH = 2_000;

/**
 * Gives every row its paper's day, ROWS_PER_BATCH rows at a time in paper_id order (ranges of the primary key), so
 * that `onProgress` can say how far it has got; returns how many rows there were.
 */
async function fillDays(db: Kysely<any>, onProgress: ((done: number, total: number) => void) | undefined): Promise<number> {
  const counted = await sql<{ count: string }>`select count(*) as count from paper_search`.execute(db);
  const total = Number(counted.rows[0]?.count ?? 0);
  let done = 0;
  let after: string | undefined;
  for (;;) {
    const from = after === undefined ? sql`` : sql`where paper_id > ${after}`;
    const last = await sql<{ paper_id: string }>`select paper_id from paper_search ${from} order by paper_id offset ${ROWS_PER_BATCH - 1} limit 1`.execute(db);
    const upTo = last.rows[0]?.paper_id;
    const range = [after === undefined ? sql`true` : sql`s.paper_id > ${after}`, upTo === undefined ? sql`true` : sql`s.paper_id <= ${upTo}`];
    const updated = await sql`update paper_search s set day = ${DAY_NUMBER} from papers p where p.id = s.paper_id and ${sql.join(range, sql` and `)}`.execute(
      db,
    );
    done += Number(updated.numAffectedRows ?? 0);
    if (done > 0) onProgress?.(done, total);
    if (upTo === undefined) return total;
    after = upTo;
  }
}

export async function down(db: Kysely<any>, context: MigrationContext): Promise<void> {
  if (context.jsonType !== 'jsonb') return;
  await sql`alter table paper_search drop column if exists day`.execute(db);
}
