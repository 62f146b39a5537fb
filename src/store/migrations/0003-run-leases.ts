/**
 * Migration 0003: run leases. One row per claimed key (a subscription's daily run): who holds it, since when, its
 * last heartbeat and when it expires, so that one run at a time does a subscription's day, on one machine or many.
 */
import type { Kysely } from 'kysely';

type AnyDatabase = Kysely<any>;

export async function up(db: AnyDatabase): Promise<void> {
  // Times are ISO 8601 UTC strings (`toISOString()`), which sort as they compare; the holder's clock writes them.
  await db.schema
    .createTable('leases')
    .addColumn('key', 'text', (column) => column.primaryKey().notNull())
    .addColumn('owner', 'text', (column) => column.notNull())
    .addColumn('run_id', 'text')
    .addColumn('acquired_at', 'text', (column) => column.notNull())
    .addColumn('heartbeat_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.dropTable('leases').ifExists().execute();
}
