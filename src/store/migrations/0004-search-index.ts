/**
 * Migration 0004: the full-text search index (docs/decisions/0028-search.md). SQLite: the contentless FTS5 table
 * `paper_fts` (unicode61 over text the application segmented; BM25 with column weights as its rank) and
 * `paper_search_ids`, which gives each paper the stable integer rowid FTS5 needs. PostgreSQL: `paper_search`, one
 * `tsvector` per paper (the `simple` configuration's kind of lexemes, made by the application) with a GIN index.
 * An existing archive is indexed here, in the migration's transaction, so that the index is never silently partial
 * (PostgreSQL's by migration 0009, in the same transaction as the migrations run in).
 */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';
import { indexAll } from '../kysely/search/index-docs.js';

type AnyDatabase = Kysely<any>;

/** BM25 column weights: title > translated title > TL;DR > abstract; authors between; category tokens count nothing. */
export const FTS_RANK = 'bm25(10.0, 6.0, 4.0, 1.0, 3.0, 0.0)';

export async function up(db: AnyDatabase, context: MigrationContext): Promise<void> {
  if (context.jsonType === 'jsonb') {
    await db.schema
      .createTable('paper_search')
      .addColumn('paper_id', 'text', (column) => column.primaryKey().notNull().references('papers.id').onDelete('cascade'))
      .addColumn('document', sql`tsvector`, (column) => column.notNull())
      .execute();
    await sql`create index paper_search_document on paper_search using gin (document)`.execute(db);
    // Indexed by migration 0009, which adds the column `day` the documents are written with today.
    return;
  }
  await db.schema
    .createTable('paper_search_ids')
    .addColumn('doc', 'integer', (column) => column.primaryKey())
    .addColumn('paper_id', 'text', (column) => column.notNull().unique())
    .execute();
  await sql`create virtual table paper_fts using fts5(
    title, ttitle, tldr, abstract, authors, cats,
    content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
  )`.execute(db);
  await sql`insert into paper_fts (paper_fts, rank) values ('rank', ${sql.lit(FTS_RANK)})`.execute(db);
  await indexAll(db, 'sqlite', context.onProgress ? { onProgress: context.onProgress } : {});
}

export async function down(db: AnyDatabase, context: MigrationContext): Promise<void> {
  if (context.jsonType === 'jsonb') {
    await db.schema.dropTable('paper_search').ifExists().execute();
    return;
  }
  await sql`drop table if exists paper_fts`.execute(db);
  await db.schema.dropTable('paper_search_ids').ifExists().execute();
}
