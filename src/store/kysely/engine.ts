/** What a store and the transactions opened on it share: the database, whether it is closed, and the write order. */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { OpenedDatabase } from './dialect.js';
import type { QueryContext } from './query.js';
import { powerOfTwoAtMost } from './statement-cache.js';

export interface Engine extends OpenedDatabase {
  closed: boolean;
  /** Whether transactions run in the writer thread. */
  threaded: boolean;
  /** This store's key in the writer thread. */
  key: number;
  /** Whether the writer thread has opened a connection for this store (to close at close()). */
  usedThread: boolean;
  /** Settles when the last write made outside a transaction has (they run in call order). */
  writes: Promise<unknown>;
}

/**
 * The engine whose transaction the current async context runs in. A call on the outer store from inside that
 * transaction's work would wait for the transaction to end, which waits for the call: it fails at once instead.
 */
export const activeTransaction = new AsyncLocalStorage<Engine>();

/** What the queries of a store over this database are given besides their connection. */
export function queryContext(opened: OpenedDatabase): QueryContext {
  const dialect = opened.dialect;
  return {
    db: opened.db,
    dialect,
    rowsPerInsert: (columns) => powerOfTwoAtMost(Math.min(dialect.maxRowsPerInsert, Math.floor(dialect.maxParameters / columns))),
  };
}
