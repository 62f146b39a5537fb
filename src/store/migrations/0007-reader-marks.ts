/**
 * Migration 0007: a reader's own marks (star, hide) on papers, shown at /starred and exported; and unsubscriptions
 * of email recipients from a subscription's digests (RFC 8058 one-click). See docs/decisions/0040.
 */
import type { Kysely } from 'kysely';

type AnyDatabase = Kysely<any>;

export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('reader_marks')
    .addColumn('reader_id', 'text', (column) => column.notNull().references('readers.id').onDelete('cascade'))
    .addColumn('paper_id', 'text', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('reader_marks_pk', ['reader_id', 'paper_id'])
    .execute();
  await db.schema
    .createTable('unsubscriptions')
    .addColumn('subscription', 'text', (column) => column.notNull())
    .addColumn('recipient', 'text', (column) => column.notNull())
    .addColumn('at', 'text', (column) => column.notNull())
    .addColumn('via', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('unsubscriptions_pk', ['subscription', 'recipient'])
    .execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.dropTable('unsubscriptions').ifExists().execute();
  await db.schema.dropTable('reader_marks').ifExists().execute();
}
