/**
 * Migration 0012: PostgreSQL's `paper_search` gets an index on `day`, so that a common word's newest matches are
 * looked for in its newest days only (the day index's bitmap ANDed with the GIN index's), and is analyzed, so that
 * the search can tell from the statistics where the newest N rows begin
 * (docs/decisions/0060-postgres-search-newest-days.md). Both take seconds at a million rows; no row is rewritten.
 * SQLite: nothing changes (its rowids follow the day, migration 0008).
 */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  if (context.jsonType !== 'jsonb') return;
  await sql`create index if not exists paper_search_day on paper_search (day)`.execute(db);
  await sql`analyze paper_search`.execute(db);
}

export async function down(db: Kysely<any>, context: MigrationContext): Promise<void> {
  if (context.jsonType !== 'jsonb') return;
  await sql`drop index if exists paper_search_day`.execute(db);
}
