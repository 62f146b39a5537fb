/**
 * Migration 0011: PostgreSQL's category and author lexemes start with a mark that no word has (`#cs0cl`, `#all`,
 * `@bengio`; they were `c0cs0cl`, `c0all`, `a0bengio`), so that a typed word never reaches them
 * (docs/decisions/0059-postgres-marked-lexemes.md). Every document written the old way (each has `c0all`) is written
 * again from its paper, 2,000 papers at a time, reporting progress (ADR 0057). SQLite keeps its category tokens in
 * their own FTS5 column; nothing changes there.
 */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';
import { indexPapers } from '../kysely/search/index-docs.js';

/** Documents rewritten per batch (as many as indexAll's). */
const PAPERS_PER_BATCH = 2_000;

/** What every document written before this migration holds: the old "all papers" category lexeme. */
const OLD_DOCUMENT = sql`cast('c0all' as tsquery)`;

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  if (context.jsonType !== 'jsonb') return;
  const counted = await sql<{ count: string }>`select count(*) as count from paper_search where document @@ ${OLD_DOCUMENT}`.execute(db);
  const total = Number(counted.rows[0]?.count ?? 0);
  let done = 0;
  let after: string | undefined;
  while (done < total) {
    const from = after === undefined ? sql`` : sql`and paper_id > ${after}`;
    const rows = await sql<{ paper_id: string }>`select paper_id from paper_search where document @@ ${OLD_DOCUMENT} ${from}
      order by paper_id limit ${PAPERS_PER_BATCH}`.execute(db);
    const ids = rows.rows.map((row) => row.paper_id);
    if (ids.length === 0) break;
    await indexPapers(db, 'postgres', ids);
    done += ids.length;
    after = ids[ids.length - 1];
    context.onProgress?.(done, total);
  }
}
