/**
 * The one Store implementation: the queries of queries.ts, run on SQLite or PostgreSQL through a StoreDialect, each
 * read on the pool (or the transaction's connection) and each write all or nothing (docs/decisions/0043).
 */
import type { Kysely } from 'kysely';
import { XivdigestError } from '../../core/errors.js';
import type { LeaseStore } from '../lease-store.js';
import type { ReaderStore } from '../reader-store.js';
import type { StoreDatabase } from '../schema.js';
import type { Store, UpsertOptions, UpsertResult } from '../store.js';
import { openSqlite, type OpenedDatabase } from './dialect.js';
import { activeTransaction, queryContext, type Engine } from './engine.js';
import { storeError } from './errors.js';
import { QueryForwarder } from './forwarding.js';
import { createKyselyLeaseStore } from './lease-store.js';
import { nothingWritten, storeAction, UPSERT_OUTCOME, upsertPrepared, warmUpUpsert } from './paper-upsert.js';
import { queryOf, type QueryName } from './queries.js';
import type { QueryContext } from './query.js';
import { createKyselyReaderStore } from './reader-store.js';
import type { PreparedPapers } from './rows/prepared.js';
import { inSavepoint, openScope, queued, type Scope } from './savepoints.js';
import { clearIndex, indexAll } from './search/index-docs.js';
import {
  documentsMaybeMissing,
  MISSING_KEY,
  runIndexPass,
  setAutomerge,
  USUAL_AUTOMERGE,
  writeMissingDocuments,
  type IndexMissingOptions,
  type IndexMissingResult,
  type MissingDocument,
  type MissingDocumentsWriter,
} from './search/index-missing.js';
import { useDayDocumentIndex } from '../migrations/0014-postgres-search-day-document.js';
import { closeInWriterThread, threadTransaction } from './thread-transaction.js';

export interface KyselyStoreOptions {
  /**
   * Run SQLite transactions in the store's writer thread (default: true for a SQLite file), so that the work that
   * feeds a transaction (parsing) and SQLite's writing run at once on two cores (ADR 0009). The writer thread's own
   * store sets it to false.
   */
  writerThread?: boolean;
}

export type { IndexMissingOptions, IndexMissingResult };

let nextStoreKey = 1;

/** Builds the Store over an opened database whose migrations have run. */
export function createKyselyStore(opened: OpenedDatabase, options: KyselyStoreOptions = {}): Store {
  const threaded = opened.dialect.kind === 'sqlite' && opened.file !== undefined && options.writerThread !== false;
  const key = nextStoreKey;
  nextStoreKey += 1;
  const engine: Engine = { ...opened, closed: false, threaded, key, usedThread: false, writes: Promise.resolve() };
  const store = new KyselyStore(engine, undefined);
  leaseStores.set(
    store,
    createKyselyLeaseStore(opened, () => engine.closed),
  );
  readerStores.set(
    store,
    createKyselyReaderStore(opened, () => engine.closed),
  );
  connections.set(store, { opened, isClosed: () => engine.closed });
  return store;
}

/** The connection of each store createKyselyStore made, for the small stores beside it (e.g. readers' subscriptions). */
const connections = new WeakMap<Store, { opened: OpenedDatabase; isClosed: () => boolean }>();

/** A store's own database connection and whether the store is closed; undefined for a store that createKyselyStore did not make. */
export function kyselyConnectionOf(store: Store): { opened: OpenedDatabase; isClosed: () => boolean } | undefined {
  return connections.get(store);
}

/** The reader store of each store createKyselyStore made (docs/decisions/0038): same database, same connection. */
const readerStores = new WeakMap<Store, ReaderStore>();

/** The readers kept in a store's database; undefined for a store that createKyselyStore did not make. */
export function kyselyReaderStore(store: Store): ReaderStore | undefined {
  return readerStores.get(store);
}

/** The lease store of each store createKyselyStore made: same database, same connection. */
const leaseStores = new WeakMap<Store, LeaseStore>();

/** The leases kept in a store's database; undefined for a store that createKyselyStore did not make. */
export function kyselyLeaseStore(store: Store): LeaseStore | undefined {
  return leaseStores.get(store);
}

export class KyselyStore extends QueryForwarder implements Store, MissingDocumentsWriter {
  readonly location: string;
  readonly papersPerWrite: number;
  readonly takesCopyRows: boolean;
  readonly writesInThread: boolean;
  readonly #engine: Engine;
  readonly #db: Kysely<StoreDatabase>;
  readonly #context: QueryContext;
  /** Set on the store a transaction hands to its work; undefined on the store createStore returns. */
  readonly #scope: Scope | undefined;

  constructor(engine: Engine, scope: Scope | undefined) {
    super();
    this.#engine = engine;
    this.#db = engine.db;
    this.#context = queryContext(engine);
    this.location = engine.location;
    this.papersPerWrite = engine.dialect.papersPerWrite;
    this.takesCopyRows = engine.dialect.kind === 'postgres';
    this.writesInThread = engine.threaded;
    this.#scope = scope;
  }

  /** Every query of queries.ts: a read, or a write that is all or nothing. */
  protected forward(name: QueryName, args: unknown[]): Promise<unknown> {
    const query = queryOf(name);
    const action = query.action(...args);
    if (query.kind === 'read') return this.#read(action, (executor) => query.run(executor, this.#context, ...args));
    return this.#write(action, query.outcome, (trx) => query.run(trx, this.#context, ...args));
  }

  /**
   * upsertPapers for `count` records that `prepare` prepares within the write (so that a malformed record fails as a
   * STORE_ERROR like any failed write): how the writer thread writes the paper fields that the thread which parsed
   * them hands over (ADR 0009). Not part of the Store contract.
   */
  upsertPrepared(prepare: () => PreparedPapers, count: number, options?: UpsertOptions): Promise<UpsertResult> {
    if (count === 0) return Promise.resolve(nothingWritten());
    return this.#write(storeAction(count), UPSERT_OUTCOME, (trx) => upsertPrepared(trx, this.#context, count, prepare, options));
  }

  /**
   * Compiles the statements a batch write uses and has SQLite prepare them on this store's connection, so that a
   * connection's first batch does not wait for it (the writer thread does this while the first batch is parsed).
   */
  warmUp(): void {
    const prepare = this.#engine.prepare;
    if (prepare) warmUpUpsert(this.#context, prepare);
  }

  /**
   * Rebuilds the search index from the stored papers and texts in one write transaction (readers see the old index
   * until it commits): `xivdigest reindex`. Not part of the Store contract; see rebuildSearchIndex().
   */
  rebuildSearchIndex(onProgress?: (done: number, total: number) => void): Promise<{ papers: number }> {
    return this.#write('rebuild the search index', 'the index is as it was', async (trx) => {
      // FTS5's usual merge width, should a pass have been killed with its own (ADR 0069).
      if (this.#engine.dialect.kind === 'sqlite') await setAutomerge(trx, USUAL_AUTOMERGE);
      await clearIndex(trx, this.#engine.dialect.kind);
      // PostgreSQL: the GIN index over (day, document) where btree_gin can now be had (ADR 0067), built on the empty table.
      if (this.#engine.dialect.kind === 'postgres') await useDayDocumentIndex(trx);
      const papers = await indexAll(trx, this.#engine.dialect.kind, onProgress ? { onProgress } : {});
      // Every paper has its document now, those a backfill left for later included (ADR 0069).
      await trx.deleteFrom('state').where('key', '=', MISSING_KEY).execute();
      return { papers };
    });
  }

  /**
   * Writes the documents of papers stored without one (ADR 0069), which the calling thread made from their rows: in
   * a transaction, the writer thread's half of indexMissing. Not part of the Store contract.
   */
  writeMissingDocuments(docs: MissingDocument[]): Promise<number> {
    if (docs.length === 0) return Promise.resolve(0);
    return this.#write('write search documents', 'the index is as it was', (trx) => writeMissingDocuments(trx, this.#engine.dialect.kind, docs));
  }

  /**
   * Writes the search documents of every paper stored without one (upsertPapers with `searchIndex: 'later'`), in the
   * index's order, a transaction at a time, so that a stop or a crash keeps what was committed and a later call goes on
   * (ADR 0069). With the writer thread this thread reads the papers and makes their documents while that one writes
   * the documents before. Not part of the Store contract; see indexMissing() in store/index.ts.
   */
  async indexMissing(options: IndexMissingOptions = {}): Promise<IndexMissingResult> {
    this.#checkOpen('index the papers missing from the search index');
    const kind = this.#engine.dialect.kind;
    // Nothing noted (most runs): one row read on the store's own connection, no other opened.
    const noted = await documentsMaybeMissing(this.#db).catch((cause: unknown) => {
      throw storeError({ action: 'read the search index state', location: this.location, cause });
    });
    if (!noted) return { indexed: 0, remaining: 0, stopped: false, seconds: 0 };
    // The pages ahead are read, and their documents made, while the transaction writes the ones before: a SQLite file
    // on a connection of its own (the store's own waits for the transaction), PostgreSQL on another of the pool's. A
    // SQLite database in memory has one connection: a page at a time.
    const reader = kind === 'sqlite' && this.#engine.file !== undefined ? await openSqlite(this.#engine.file) : undefined;
    const db = reader?.db ?? this.#db;
    try {
      return await runIndexPass(
        {
          kind,
          overlap: reader !== undefined || kind === 'postgres',
          read: (action, work) =>
            work(db).catch((cause: unknown) => {
              throw storeError({ action, location: this.location, cause });
            }),
          write: (action, outcome, work) => this.#write(action, outcome, work),
          writeDocuments: (work) => this.transaction((tx) => work((docs) => (tx as Store & MissingDocumentsWriter).writeMissingDocuments(docs))),
        },
        options,
      );
    } finally {
      await reader?.db.destroy();
    }
  }

  /** Fails unless this store (or its transaction) can still be used. */
  #checkOpen(action: string): void {
    if (this.#engine.closed) {
      throw new XivdigestError({
        code: 'STORE_ERROR',
        message: `Could not ${action} in ${this.location}: the store is closed`,
        hint: 'Open the store again with createStore() before using it',
      });
    }
    if (!this.#scope && activeTransaction.getStore() === this.#engine) {
      throw new XivdigestError({
        code: 'STORE_ERROR',
        message: `Could not ${action} in ${this.location}: it was called on the store inside one of its own transactions, and would wait for that transaction forever`,
        hint: 'Inside transaction(), call the methods of the `tx` store it passes to your function',
      });
    }
    if (this.#scope && !this.#scope.open) {
      throw new XivdigestError({
        code: 'STORE_ERROR',
        message: `Could not ${action} in ${this.location}: its transaction has already ended`,
        hint: 'Use the transaction store only inside the function given to transaction(), and await every call in it',
      });
    }
  }

  /** A read: on the transaction's connection inside one (it sees the transaction's own writes), else on the pool. */
  #read<T>(action: string, work: (executor: Kysely<StoreDatabase>) => Promise<T>): Promise<T> {
    return queued(this.#scope, async () => {
      this.#checkOpen(action);
      try {
        return await work(this.#scope?.executor ?? this.#db);
      } catch (cause) {
        throw storeError({ action, location: this.location, cause });
      }
    });
  }

  /**
   * A write that is all or nothing: its own write transaction, or a savepoint inside the caller's transaction, so
   * that a caller may catch one failed write and go on. `outcome` says what a failure left behind.
   */
  #write<T>(action: string, outcome: string, work: (executor: Kysely<StoreDatabase>) => Promise<T>): Promise<T> {
    const run = async () => {
      this.#checkOpen(action);
      try {
        const scope = this.#scope;
        return scope ? await inSavepoint(scope, work) : await this.#engine.dialect.writeTransaction(this.#db, work);
      } catch (cause) {
        throw storeError({ action, location: this.location, cause, outcome });
      }
    };
    if (this.#scope) return queued(this.#scope, run);
    // Outside a transaction each write is a transaction of its own; they run one at a time, in call order (on
    // PostgreSQL two could otherwise take the write lock in either order).
    const engine = this.#engine;
    const result = engine.writes.then(run, run);
    engine.writes = result.catch(() => undefined);
    return result;
  }

  async transaction<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    this.#checkOpen('start a transaction');
    const scope = this.#scope;
    if (scope) {
      // Nested: a savepoint in the open transaction. Not queued, since `work` queues its own operations.
      return inSavepoint(scope, () => work(this));
    }
    if (this.#engine.threaded) return threadTransaction(this.#engine, work, (local) => this.transaction(local));
    // Errors thrown by `work` pass through unchanged (a parse error stays a parse error); only failures to begin or
    // commit become STORE_ERRORs.
    let failedInWork = false;
    return this.#engine.dialect
      .writeTransaction(this.#db, async (executor) => {
        const inner = openScope(executor);
        try {
          return await activeTransaction.run(this.#engine, () => work(new KyselyStore(this.#engine, inner)));
        } catch (error) {
          failedInWork = true;
          throw error;
        } finally {
          // Wait for operations the work started but did not await, then refuse any later ones.
          await inner.queue;
          inner.open = false;
        }
      })
      .catch((cause: unknown) => {
        if (failedInWork) throw cause;
        throw storeError({
          action: 'run a transaction',
          location: this.location,
          cause,
          outcome: 'it was rolled back, nothing of it was written',
        });
      });
  }

  async close(): Promise<void> {
    if (this.#scope) {
      throw new XivdigestError({
        code: 'STORE_ERROR',
        message: `Could not close the store in ${this.location} from inside a transaction`,
        hint: 'Close the store that createStore() returned, after the transaction has ended',
      });
    }
    if (activeTransaction.getStore() === this.#engine) {
      throw new XivdigestError({
        code: 'STORE_ERROR',
        message: `Could not close the store in ${this.location} while one of its transactions runs`,
        hint: 'Close it after transaction() has returned',
      });
    }
    if (this.#engine.closed) return;
    this.#engine.closed = true;
    try {
      // The writer thread's connection first: it may still be checkpointing this store's last transaction.
      if (this.#engine.usedThread) await closeInWriterThread(this.#engine.key);
      await this.#db.destroy();
    } catch (cause) {
      throw storeError({ action: 'close the store', location: this.location, cause });
    }
  }
}
