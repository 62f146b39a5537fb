/**
 * The SubscriptionStore on the store's own database connection (outside the writer thread), for SQLite and PostgreSQL,
 * one statement per write as the reader store does (docs/decisions/0039).
 */
import type { Selectable } from 'kysely';
import type { LibraryUpload, ReaderSubscription, SubscriptionStore } from '../subscription-store.js';
import type { ReaderSubscriptionsTable } from '../schema.js';
import type { OpenedDatabase } from './dialect.js';
import { createOneStatement } from './one-statement.js';

function toSubscription(row: Selectable<ReaderSubscriptionsTable>): ReaderSubscription {
  return {
    id: row.id,
    readerId: row.reader_id,
    name: row.name,
    subscription: JSON.parse(row.subscription) as Record<string, unknown>,
    ...(row.secrets !== null ? { secrets: row.secrets } : {}),
    libraryFiles: JSON.parse(row.library_files) as LibraryUpload[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function createKyselySubscriptionStore(opened: Pick<OpenedDatabase, 'db' | 'location'>, isClosed: () => boolean): SubscriptionStore {
  const run = createOneStatement(opened, isClosed);
  return {
    async list(filter = {}) {
      const rows = await run('list the readers’ subscriptions', (executor) => {
        let query = executor.selectFrom('reader_subscriptions').selectAll();
        if (filter.readerId !== undefined) query = query.where('reader_id', '=', filter.readerId);
        return query.orderBy('name').execute();
      });
      return rows.map(toSubscription);
    },

    async get(by, owner) {
      const row = await run('read a reader’s subscription', (executor) => {
        let query = executor.selectFrom('reader_subscriptions').selectAll();
        query = 'id' in by ? query.where('id', '=', by.id) : query.where('name', '=', by.name);
        if (owner) query = query.where('reader_id', '=', owner.readerId);
        return query.executeTakeFirst();
      });
      return row ? toSubscription(row) : undefined;
    },

    async save(row, { create, now = new Date() }) {
      const at = now.toISOString();
      const values = {
        name: row.name,
        subscription: JSON.stringify(row.subscription),
        secrets: row.secrets ?? null,
        library_files: JSON.stringify(row.libraryFiles),
        updated_at: at,
      };
      return run(`save the subscription ${row.name}`, async (executor) => {
        const clash = await executor.selectFrom('reader_subscriptions').select('id').where('name', '=', row.name).where('id', '!=', row.id).executeTakeFirst();
        if (clash) return { ok: false, reason: 'name-taken' } as const;
        if (create) {
          await executor
            .insertInto('reader_subscriptions')
            .values({ id: row.id, reader_id: row.readerId, created_at: at, ...values })
            .execute();
        } else {
          const updated = await executor
            .updateTable('reader_subscriptions')
            .set(values)
            .where('id', '=', row.id)
            .where('reader_id', '=', row.readerId)
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) === 0) return { ok: false, reason: 'not-found' } as const;
        }
        const saved = await executor.selectFrom('reader_subscriptions').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
        return { ok: true, saved: toSubscription(saved) } as const;
      });
    },

    async remove(id, owner) {
      return run('remove a reader’s subscription', async (executor) => {
        let query = executor.deleteFrom('reader_subscriptions').where('id', '=', id);
        if (owner) query = query.where('reader_id', '=', owner.readerId);
        const deleted = await query.executeTakeFirst();
        return Number(deleted.numDeletedRows) > 0;
      });
    },
  };
}
