/**
 * Writes of the small stores beside the main one (leases, readers): one statement each, atomic on its own, on the
 * store's own connection, retried while SQLite reports the database busy or locked.
 */
import type { Kysely } from 'kysely';
import type { OpenedDatabase } from './dialect.js';
import { storeError } from './errors.js';
import type { StoreDatabase } from '../schema.js';

function isBusy(cause: unknown): boolean {
  const code = (cause as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** Runs `work` on the store's connection; its failure becomes a STORE_ERROR naming `action` and the database. */
export type OneStatement = <T>(action: string, work: (executor: Kysely<StoreDatabase>) => Promise<T>) => Promise<T>;

export function createOneStatement(opened: Pick<OpenedDatabase, 'db' | 'location'>, isClosed: () => boolean): OneStatement {
  const { db, location } = opened;
  return async (action, work) => {
    for (let attempt = 1; ; attempt += 1) {
      if (isClosed()) throw storeError({ action, location, cause: new Error('the store is closed') });
      try {
        return await work(db);
      } catch (cause) {
        // SQLite waits 5 s for the write lock (busy_timeout); a long ingest in another process may hold it longer.
        if (isBusy(cause) && attempt < 4) continue;
        throw storeError({ action, location, cause });
      }
    }
  };
}
