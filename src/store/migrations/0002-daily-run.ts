/**
 * Migration 0002: what the daily run remembers. Per-subscription decisions on each paper text (the ledger that makes
 * reruns deliver nothing twice), small JSON state (watermarks, the scheduler's slots, channel deliveries), run
 * reports, reader feedback, and optional extra fields on digests and their entries.
 */
import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

type AnyDatabase = Kysely<any>;

export async function up(db: AnyDatabase, context: MigrationContext): Promise<void> {
  const json = context.jsonType;

  await db.schema
    .createTable('state')
    .addColumn('key', 'text', (column) => column.primaryKey().notNull())
    .addColumn('value', json, (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();

  // One row per (subscription, paper, abstract): a new version with the same abstract is the same row, so it is never
  // delivered again; a changed abstract is a new row, decided again (and flagged as an update when the old was sent).
  await db.schema
    .createTable('decisions')
    .addColumn('subscription', 'text', (column) => column.notNull())
    .addColumn('paper_id', 'text', (column) => column.notNull())
    .addColumn('abstract_hash', 'text', (column) => column.notNull())
    .addColumn('version', 'integer')
    .addColumn('day', 'text')
    .addColumn('run_id', 'text', (column) => column.notNull())
    .addColumn('decision', 'text', (column) => column.notNull())
    .addColumn('reason', 'text', (column) => column.notNull())
    .addColumn('score', 'real')
    .addColumn('updated_from', 'integer')
    .addColumn('decided_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('decisions_pk', ['subscription', 'paper_id', 'abstract_hash'])
    .execute();
  await db.schema.createIndex('decisions_run').on('decisions').column('run_id').execute();

  await db.schema
    .createTable('runs')
    .addColumn('id', 'text', (column) => column.primaryKey().notNull())
    .addColumn('subscription', 'text')
    .addColumn('started_at', 'text', (column) => column.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('report', json, (column) => column.notNull())
    .execute();
  await db.schema.createIndex('runs_started').on('runs').columns(['started_at', 'id']).execute();

  await db.schema
    .createTable('feedback')
    .addColumn('subscription', 'text', (column) => column.notNull())
    .addColumn('paper_id', 'text', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('feedback_pk', ['subscription', 'paper_id'])
    .execute();

  // Fields renderers use beyond the original format (authors, categories, links, selection, …): one JSON value.
  await db.schema.alterTable('digests').addColumn('extra', json).execute();
  await db.schema.alterTable('digest_entries').addColumn('extra', json).execute();
  // The optional structured summary of generated texts (motivation, method, result, conclusion).
  await db.schema.alterTable('paper_texts').addColumn('summary', json).execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.alterTable('paper_texts').dropColumn('summary').execute();
  await db.schema.alterTable('digest_entries').dropColumn('extra').execute();
  await db.schema.alterTable('digests').dropColumn('extra').execute();
  for (const table of ['feedback', 'runs', 'decisions', 'state']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
