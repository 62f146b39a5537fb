/**
 * Migration 0005: readers and their accounts (docs/decisions/0038). Readers identified by a normalised email;
 * invitations; emailed sign-in links kept only as SHA-256 hashes, with their expiry, use and the hash of the browser
 * that asked; sessions kept only as hashes; fixed-window rate-limit counters. Times are ISO 8601 UTC text.
 */
import type { Kysely } from 'kysely';

type AnyDatabase = Kysely<any>;

export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('readers')
    .addColumn('id', 'text', (column) => column.primaryKey().notNull())
    .addColumn('email', 'text', (column) => column.notNull().unique())
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('last_sign_in_at', 'text')
    .addColumn('invited_by', 'text')
    .execute();
  await db.schema
    .createTable('reader_invitations')
    .addColumn('email', 'text', (column) => column.primaryKey().notNull())
    .addColumn('invited_by', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createTable('reader_sign_in_tokens')
    .addColumn('token_hash', 'text', (column) => column.primaryKey().notNull())
    .addColumn('email', 'text', (column) => column.notNull())
    .addColumn('browser_hash', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('reader_sign_in_tokens_email').on('reader_sign_in_tokens').column('email').execute();
  await db.schema
    .createTable('reader_sessions')
    .addColumn('session_hash', 'text', (column) => column.primaryKey().notNull())
    .addColumn('reader_id', 'text', (column) => column.notNull().references('readers.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .addColumn('last_seen_at', 'text', (column) => column.notNull())
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('reader_sessions_reader').on('reader_sessions').column('reader_id').execute();
  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (column) => column.primaryKey().notNull())
    .addColumn('window_start', 'text', (column) => column.notNull())
    .addColumn('count', 'integer', (column) => column.notNull())
    .execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  for (const table of ['rate_limits', 'reader_sessions', 'reader_sign_in_tokens', 'reader_invitations', 'readers']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
