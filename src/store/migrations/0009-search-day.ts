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
  await sql`update paper_search s set day = ${DAY_NUMBER} from papers p where p.id = s.paper_id`.execute(db);
  await sql`alter table paper_search alter column day set not null`.execute(db);
  const indexed = await sql<{ any: boolean }>`select exists (select 1 from paper_search) as any`.execute(db);
  if (!indexed.rows[0]?.any) await indexAll(db, 'postgres');
}

export async function down(db: Kysely<any>, context: MigrationContext): Promise<void> {
  if (context.jsonType !== 'jsonb') return;
  await sql`alter table paper_search drop column if exists day`.execute(db);
}
