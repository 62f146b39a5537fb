/**
 * Migration 0006: readers' own subscriptions, made on the web (docs/decisions/0039). The subscription is the config
 * file's fields as JSON text (secrets left out), the secrets one AES-256-GCM ciphertext, the uploaded library files
 * JSON text; the name is unique (config names are refused by the web before they reach it). Deleting the reader
 * deletes them (and the reader store deletes them explicitly too, as it does sessions).
 */
import type { Kysely } from 'kysely';

type AnyDatabase = Kysely<any>;

export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('reader_subscriptions')
    .addColumn('id', 'text', (column) => column.primaryKey().notNull())
    .addColumn('reader_id', 'text', (column) => column.notNull().references('readers.id').onDelete('cascade'))
    .addColumn('name', 'text', (column) => column.notNull().unique())
    .addColumn('subscription', 'text', (column) => column.notNull())
    .addColumn('secrets', 'text')
    .addColumn('library_files', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('reader_subscriptions_reader').on('reader_subscriptions').column('reader_id').execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.dropTable('reader_subscriptions').ifExists().execute();
}
