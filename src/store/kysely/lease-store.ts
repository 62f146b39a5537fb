/** The LeaseStore on the store's own database connection (outside the writer thread), for SQLite and PostgreSQL. */
import type { Kysely, Selectable } from 'kysely';
import type { Lease, LeaseClaim, LeaseRequest, LeaseStore } from '../lease-store.js';
import type { LeasesTable, StoreDatabase } from '../schema.js';
import type { OpenedDatabase } from './dialect.js';
import { storeError } from './errors.js';
import { createOneStatement } from './one-statement.js';

function toLease(row: Selectable<LeasesTable>): Lease {
  return {
    key: row.key,
    owner: row.owner,
    ...(row.run_id !== null ? { runId: row.run_id } : {}),
    acquiredAt: row.acquired_at,
    heartbeatAt: row.heartbeat_at,
    expiresAt: row.expires_at,
  };
}

/**
 * Leases over an opened database. Every write is one statement, atomic on its own: taking a lease is a compare and
 * swap (insert when absent, or replace exactly the lease that was read), so it needs no lock held across awaits, which
 * on SQLite would block this thread while another connection of the same process waits for it. On SQLite the calls
 * share the store's connection, so they wait (without blocking the thread) while the writer thread holds a transaction
 * for this store.
 */
export function createKyselyLeaseStore(opened: Pick<OpenedDatabase, 'db' | 'location'>, isClosed: () => boolean): LeaseStore {
  const { db, location } = opened;

  const write = createOneStatement(opened, isClosed);

  async function read(executor: Kysely<StoreDatabase>, key: string): Promise<Lease | undefined> {
    const row = await executor.selectFrom('leases').selectAll().where('key', '=', key).executeTakeFirst();
    return row === undefined ? undefined : toLease(row);
  }

  return {
    async acquire(request: LeaseRequest): Promise<LeaseClaim> {
      const action = `claim ${request.key}`;
      const now = request.now ?? new Date();
      const at = now.toISOString();
      const row = {
        key: request.key,
        owner: request.owner,
        run_id: request.runId ?? null,
        acquired_at: at,
        heartbeat_at: at,
        expires_at: new Date(now.getTime() + request.ttlMs).toISOString(),
      };
      // Compare and swap, one statement at a time: read the holder, then insert if there was none or replace exactly
      // the lease that was read. A statement that finds the row changed meanwhile changes nothing, and we read again.
      for (let round = 0; round < 20; round += 1) {
        const current = await write(action, (executor) => read(executor, request.key));
        if (current === undefined) {
          const inserted = await write(action, (executor) =>
            executor
              .insertInto('leases')
              .values(row)
              .onConflict((conflict) => conflict.column('key').doNothing())
              .executeTakeFirst(),
          );
          if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return { acquired: true, lease: toLease(row) };
          continue;
        }
        const mine = current.owner === request.owner;
        const free = mine || current.expiresAt <= at || current.owner === request.takeOver;
        if (!free) return { acquired: false, lease: current };
        const next = { ...row, acquired_at: mine ? current.acquiredAt : at };
        const updated = await write(action, (executor) =>
          executor
            .updateTable('leases')
            .set(next)
            .where('key', '=', request.key)
            .where('owner', '=', current.owner)
            .where('expires_at', '=', current.expiresAt)
            .executeTakeFirst(),
        );
        if (Number(updated.numUpdatedRows) > 0) return { acquired: true, lease: toLease(next), ...(mine ? {} : { previous: current }) };
      }
      throw storeError({ action, location, cause: new Error('the claim kept changing hands while it was being taken') });
    },

    async renew(key, owner, ttlMs, now = new Date()) {
      const action = `renew the claim on ${key}`;
      const result = await write(action, (executor) =>
        executor
          .updateTable('leases')
          .set({ heartbeat_at: now.toISOString(), expires_at: new Date(now.getTime() + ttlMs).toISOString() })
          .where('key', '=', key)
          .where('owner', '=', owner)
          .executeTakeFirst(),
      );
      return Number(result.numUpdatedRows) > 0 ? write(action, (executor) => read(executor, key)) : undefined;
    },

    async release(key, owner) {
      const result = await write(`release the claim on ${key}`, (executor) =>
        executor.deleteFrom('leases').where('key', '=', key).where('owner', '=', owner).executeTakeFirst(),
      );
      return Number(result.numDeletedRows) > 0;
    },

    async get(key) {
      if (isClosed()) throw storeError({ action: `read the claim on ${key}`, location, cause: new Error('the store is closed') });
      try {
        return await read(db, key);
      } catch (cause) {
        throw storeError({ action: `read the claim on ${key}`, location, cause });
      }
    },
  };
}
