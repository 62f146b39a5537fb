/**
 * Migration 0013: PostgreSQL keeps ten times the default statistics of `paper_search.document` (10,000 most common
 * lexemes, down to about 0.3% of the documents rather than 3%), from which a search estimates the share of the
 * papers a query matches and so how many of the newest days to search first; and analyzes `papers` and
 * `paper_texts`, which a search reads its page's hits from (docs/decisions/0064-postgres-search-estimates.md). A bulk
 * load where autovacuum is off left those two never analyzed, and the planner took 5,676 texts per paper id: 36–45 ms
 * of a search at a million papers for 20 ids. ANALYZE samples (300,000 documents at this target): seconds to a
 * minute at a million papers; no row is rewritten. SQLite: nothing.
 */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/** The statistics target of paper_search.document (PostgreSQL's default_statistics_target is 100). */
export const DOCUMENT_STATISTICS = 1_000;

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  if (context.jsonType !== 'jsonb') return;
  await sql`alter table paper_search alter column document set statistics ${sql.raw(String(DOCUMENT_STATISTICS))}`.execute(db);
  await sql`analyze paper_search`.execute(db);
  await sql`analyze papers`.execute(db);
  await sql`analyze paper_texts`.execute(db);
}

export async function down(db: Kysely<any>, context: MigrationContext): Promise<void> {
  if (context.jsonType !== 'jsonb') return;
  await sql`alter table paper_search alter column document set statistics -1`.execute(db);
}
