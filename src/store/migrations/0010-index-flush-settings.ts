/**
 * Migration 0010: FTS5 settings of SQLite's search index for writes held until their transaction's commit
 * (docs/decisions/0055-index-at-commit.md). `hashsize`: how many bytes of pending terms FTS5 gathers before writing
 * them out as a segment (1 MB by default, about 700 abstracts; a commit writes up to 8,192 documents in a row).
 * They are stored in the index's config table, so every connection uses them. PostgreSQL: nothing.
 */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/** FTS5 settings this migration stores, by name. */
export const FTS_SETTINGS: ReadonlyArray<readonly [name: string, value: number]> = [['hashsize', 16 * 1024 * 1024]];

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  if (context.jsonType === 'jsonb') return;
  // FTS5 takes only integer values (a bound JavaScript number would be a REAL): literals.
  for (const [name, value] of FTS_SETTINGS) {
    await sql`insert into paper_fts (paper_fts, rank) values (${sql.lit(name)}, ${sql.lit(value)})`.execute(db);
  }
}

export async function down(db: Kysely<any>, context: MigrationContext): Promise<void> {
  if (context.jsonType === 'jsonb') return;
  // FTS5's defaults: 1 MB of pending terms, automerge 4, crisismerge 16.
  await sql`delete from paper_fts_config where k in ('hashsize', 'automerge', 'crisismerge')`.execute(db);
}
