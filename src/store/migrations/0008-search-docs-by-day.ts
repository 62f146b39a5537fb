/**
 * Migration 0008: SQLite's search documents get their rowids by sort day (docs/decisions/0049-search-ranking-window.md),
 * so the index is rebuilt in the migration's transaction: every document is written again in its day's block.
 * PostgreSQL's index has no rowids; nothing changes there.
 */
import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';
import { clearIndex, indexAll } from '../kysely/search/index-docs.js';

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  if (context.jsonType === 'jsonb') return;
  await clearIndex(db, 'sqlite');
  await indexAll(db, 'sqlite', context.onProgress ? { onProgress: context.onProgress } : {});
}
