/** Migration 0001: papers, their versions, the generated-texts cache, and digests with their printed entries. */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

// Migrations see the database as it was when they were written, not as schema.ts describes it today.
type AnyDatabase = Kysely<any>;

export async function up(db: AnyDatabase, context: MigrationContext): Promise<void> {
  const json = context.jsonType;

  await db.schema
    .createTable('papers')
    .addColumn('id', 'text', (column) => column.primaryKey().notNull())
    .addColumn('version', 'integer', (column) => column.check(sql`version is null or version > 0`))
    .addColumn('title', 'text', (column) => column.notNull())
    .addColumn('authors', json, (column) => column.notNull())
    .addColumn('abstract', 'text', (column) => column.notNull())
    .addColumn('abstract_truncated', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('categories', json, (column) => column.notNull())
    .addColumn('primary_category', 'text')
    .addColumn('doi', 'text')
    .addColumn('journal_ref', 'text')
    .addColumn('comments', 'text')
    .addColumn('license', 'text')
    .addColumn('report_no', 'text')
    .addColumn('submitter', 'text')
    .addColumn('links', json, (column) => column.notNull())
    .addColumn('submitted_at', 'text')
    .addColumn('updated_at', 'text')
    .addColumn('announced_on', 'text')
    .addColumn('announce_type', 'text')
    .addColumn('legacy_flags', json)
    .addColumn('feed_title', 'text')
    .addColumn('feed_description', 'text')
    // 1 when feed_description holds only the feed text before the abstract, and the abstract column is the rest
    // (RSS 2.0 descriptions are `arXiv:ID vN Announce Type: T \nAbstract: ` + the abstract): ADR 0009.
    .addColumn('feed_description_is_prefix', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('feed_link', 'text')
    // The version record of the row's version, while it lives in this row (ADR 0009): 1, and its facts below; its
    // title, abstract, announcement and source are the row's. 0 when it is a paper_versions row (or there is none).
    .addColumn('version_in_row', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('version_submitted_at', 'text')
    .addColumn('version_size', 'text')
    .addColumn('version_source_type', 'text')
    .addColumn('source', 'text', (column) => column.notNull())
    .addColumn('first_seen_at', 'text', (column) => column.notNull())
    .addColumn('sort_day', 'text', (column) => column.notNull())
    .execute();
  // Serves `ORDER BY sort_day DESC, id DESC LIMIT n` without sorting the whole table.
  await db.schema.createIndex('papers_sort_day_id').on('papers').columns(['sort_day', 'id']).execute();

  await db.schema
    .createTable('paper_versions')
    .addColumn('paper_id', 'text', (column) => column.notNull().references('papers.id').onDelete('cascade'))
    .addColumn('version', 'integer', (column) => column.notNull().check(sql`version > 0`))
    .addColumn('submitted_at', 'text')
    .addColumn('size', 'text')
    .addColumn('source_type', 'text')
    .addColumn('title', 'text')
    .addColumn('abstract', 'text')
    .addColumn('announce_type', 'text')
    .addColumn('announced_on', 'text')
    .addColumn('source', 'text')
    .addPrimaryKeyConstraint('paper_versions_pk', ['paper_id', 'version'])
    .execute();

  // No foreign key to papers: texts are a cache keyed by content, and imports may bring texts before their papers.
  await db.schema
    .createTable('paper_texts')
    .addColumn('paper_id', 'text', (column) => column.notNull())
    // 0 stands for "version unknown", so that the key is a plain primary key on both databases (see ADR 0002).
    .addColumn('version', 'integer', (column) => column.notNull().check(sql`version >= 0`))
    .addColumn('lang', 'text', (column) => column.notNull())
    .addColumn('abstract_hash', 'text', (column) => column.notNull())
    .addColumn('provider', 'text', (column) => column.notNull())
    .addColumn('model', 'text', (column) => column.notNull())
    .addColumn('prompt_version', 'text', (column) => column.notNull())
    .addColumn('title', 'text', (column) => column.notNull())
    .addColumn('tldr', 'text', (column) => column.notNull())
    .addColumn('tldr_en', 'text', (column) => column.notNull())
    .addColumn('abstract', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull().check(sql`status in ('ok', 'failed', 'pending')`))
    .addColumn('reason', 'text')
    .addColumn('flags', json)
    .addColumn('total_tokens', 'integer')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('paper_texts_pk', ['paper_id', 'version', 'lang', 'provider', 'model', 'prompt_version', 'abstract_hash'])
    .execute();

  await db.schema
    .createTable('digests')
    .addColumn('name', 'text', (column) => column.primaryKey().notNull())
    .addColumn('style', 'text', (column) => column.notNull())
    .addColumn('lang', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();

  // Entries are a snapshot of what was printed: no foreign key to papers, so a digest renders back as it was.
  await db.schema
    .createTable('digest_entries')
    .addColumn('digest_name', 'text', (column) => column.notNull().references('digests.name').onDelete('cascade'))
    .addColumn('position', 'integer', (column) => column.notNull())
    .addColumn('paper_id', 'text', (column) => column.notNull())
    .addColumn('version', 'integer')
    .addColumn('link', 'text', (column) => column.notNull())
    .addColumn('title', 'text', (column) => column.notNull())
    .addColumn('abstract', 'text', (column) => column.notNull())
    .addColumn('texts_lang', 'text', (column) => column.notNull())
    .addColumn('texts_title', 'text', (column) => column.notNull())
    .addColumn('texts_tldr', 'text', (column) => column.notNull())
    .addColumn('texts_tldr_en', 'text', (column) => column.notNull())
    .addColumn('texts_abstract', 'text', (column) => column.notNull())
    .addColumn('text_status', 'text')
    .addColumn('text_reason', 'text')
    .addColumn('updated_from', 'integer')
    .addPrimaryKeyConstraint('digest_entries_pk', ['digest_name', 'position'])
    .execute();
  // "Has this reader already received paper X?" looks entries up by paper.
  await db.schema.createIndex('digest_entries_paper_id').on('digest_entries').column('paper_id').execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  for (const table of ['digest_entries', 'digests', 'paper_texts', 'paper_versions', 'papers']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
