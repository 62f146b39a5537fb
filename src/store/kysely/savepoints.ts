/**
 * Inside a transaction: operations run one at a time, in call order (they share one connection), and each write is a
 * savepoint, so that a caller may catch one failed write and go on.
 */
import { sql, type Kysely } from 'kysely';
import type { StoreDatabase } from '../schema.js';
import { pendingDocuments } from './search/pending.js';

/** An open transaction: its connection, whether it is still open, and the queue that runs its operations in turn. */
export interface Scope {
  executor: Kysely<StoreDatabase>;
  open: boolean;
  queue: Promise<unknown>;
  savepoints: number;
}

export function openScope(executor: Kysely<StoreDatabase>): Scope {
  return { executor, open: true, queue: Promise.resolve(), savepoints: 0 };
}

/** Runs `work` after the operations queued before it in `scope` (or at once outside a transaction). */
export function queued<T>(scope: Scope | undefined, work: () => Promise<T>): Promise<T> {
  if (!scope) return work();
  const result = scope.queue.then(work, work);
  scope.queue = result.catch(() => undefined);
  return result;
}

/** Runs `work` in a savepoint of the scope's transaction: rolled back to it when `work` throws. */
export async function inSavepoint<T>(scope: Scope, work: (executor: Kysely<StoreDatabase>) => Promise<T>): Promise<T> {
  scope.savepoints += 1;
  const name = sql.id(`xivdigest_${scope.savepoints}`);
  await sql`savepoint ${name}`.execute(scope.executor);
  // The search documents the transaction holds back (ADR 0055) roll back with the savepoint.
  const documents = pendingDocuments(scope.executor);
  const mark = documents?.mark();
  try {
    const result = await work(scope.executor);
    await sql`release savepoint ${name}`.execute(scope.executor);
    documents?.release();
    return result;
  } catch (error) {
    // Should the rollback itself fail, the connection is broken and the outer transaction will fail too; the
    // first error is the one worth reporting.
    await sql`rollback to savepoint ${name}`.execute(scope.executor).catch(() => undefined);
    await sql`release savepoint ${name}`.execute(scope.executor).catch(() => undefined);
    documents?.rollbackTo(mark!);
    throw error;
  } finally {
    scope.savepoints -= 1;
  }
}
