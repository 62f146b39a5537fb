/**
 * A store's transaction run by the writer thread, on its own connection to the SQLite file (ADR 0009): the work runs
 * here, at once, and its calls are forwarded there as the transaction has begun.
 */
import type { Kysely } from 'kysely';
import type { StoreDatabase } from '../schema.js';
import type { Store } from '../store.js';
import { activeTransaction, type Engine } from './engine.js';
import { storeError } from './errors.js';
import { beginRemote, holdTransaction, type OpenTransaction } from './remote-transaction.js';
import { TransactionFacade } from './transaction-facade.js';
import { writerThread, WriterThreadUnavailable } from './writer-client.js';

/** How a store runs a transaction in this thread: where the writer thread cannot start, transactions run so. */
export type LocalTransaction = (work: (tx: Store) => Promise<void>) => Promise<void>;

/** Runs `work` in a transaction of the writer thread; `local` runs it here should there be no writer thread. */
export async function threadTransaction<T>(engine: Engine, work: (tx: Store) => Promise<T>, local: LocalTransaction): Promise<T> {
  const tx = new TransactionFacade(openThreadTransaction(engine, local), engine.location, engine.dialect.papersPerWrite, () => engine.closed);
  let result: T;
  try {
    result = await activeTransaction.run(engine, () => work(tx));
  } catch (error) {
    // Errors thrown by `work` pass through unchanged (a parse error stays a parse error).
    await tx.end(false).catch(() => undefined);
    throw error;
  }
  try {
    await tx.end(true);
  } catch (cause) {
    throw storeError({
      action: 'run a transaction',
      location: engine.location,
      cause,
      outcome: 'it was rolled back, nothing of it was written',
    });
  }
  return result;
}

/**
 * Begins a transaction in the writer thread. The store's connection stays held until it ends, so that the store's
 * other operations wait for it as they would for a transaction run here (and never block this thread on SQLite's
 * write lock). Without a writer thread to be had, the transaction runs here instead.
 */
async function openThreadTransaction(engine: Engine, local: LocalTransaction): Promise<OpenTransaction> {
  const held = await holdConnection(engine.db);
  try {
    const thread = writerThread();
    engine.usedThread = true;
    const open = await beginRemote({ thread, location: engine.location, papersPerWrite: engine.dialect.papersPerWrite, store: engine.key, file: engine.file! });
    return {
      tx: open.tx,
      async end(commit) {
        try {
          await open.end(commit);
        } finally {
          held.release();
        }
      },
    };
  } catch (cause) {
    held.release();
    if (cause instanceof WriterThreadUnavailable) {
      // This and later transactions run in this thread, as they would without the writer thread.
      engine.threaded = false;
      return holdTransaction(local);
    }
    throw storeError({ action: 'start a transaction', location: engine.location, cause });
  }
}

/** Closes the writer thread's connection to a store, if it has one; a thread that is gone has none. */
export async function closeInWriterThread(store: number): Promise<void> {
  try {
    await writerThread().request({ op: 'close', store });
  } catch {
    // No writer thread (any more): nothing of this store is open there.
  }
}

/** Holds the connection of a Kysely instance (its single SQLite connection) until `release`. */
function holdConnection(db: Kysely<StoreDatabase>): Promise<{ release(): void }> {
  return new Promise((resolveHeld, rejectHeld) => {
    db.connection()
      .execute(() => new Promise<void>((release) => resolveHeld({ release: () => release() })))
      .catch(rejectHeld);
  });
}
