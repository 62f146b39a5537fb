/**
 * The store that a transaction's work gets when the transaction is opened elsewhere (in the writer thread, ADR 0009):
 * its queries (forwarding.ts) wait for the transaction to have begun, and run in the order they were called.
 */
import { XivdigestError } from '../../core/errors.js';
import type { Store } from '../store.js';
import { actionOf, invokeQuery, QueryForwarder } from './forwarding.js';
import type { QueryName } from './queries.js';
import type { MissingDocument, MissingDocumentsWriter } from './search/index-missing.js';
import { closeInTransaction, type OpenTransaction } from './remote-transaction.js';

/**
 * The store that a transaction's work gets when the transaction is opened elsewhere (in the writer thread): the
 * work starts at once, and its calls wait for the transaction to have begun, in the order they were made. The work
 * must start at once: a source reading a file stream loses what the stream emits before the work reads it.
 */
export class TransactionFacade extends QueryForwarder implements Store, MissingDocumentsWriter {
  readonly location: string;
  readonly papersPerWrite: number;
  /** A transaction in SQLite's writer thread: SQLite has no COPY. */
  readonly takesCopyRows = false;
  readonly writesInThread = true;
  readonly #target: Promise<OpenTransaction>;
  readonly #isClosed: () => boolean;
  #open = true;
  /** Settles once every call made so far has: the transaction ends only after all of them (as a store's queue does). */
  #calls: Promise<unknown> = Promise.resolve();

  constructor(target: Promise<OpenTransaction>, location: string, papersPerWrite: number, isClosed: () => boolean) {
    super();
    this.#target = target;
    this.location = location;
    this.papersPerWrite = papersPerWrite;
    this.#isClosed = isClosed;
    // A failure to begin is reported by the transaction, and by each call; not as an unhandled rejection.
    target.catch(() => undefined);
  }

  /** Waits for the calls made so far, then refuses new ones and commits (or rolls back). */
  async end(commit: boolean): Promise<void> {
    await this.settle();
    this.#open = false;
    const target = await this.#target;
    await target.end(commit);
  }

  /** Waits for every call made so far to settle. */
  async settle(): Promise<void> {
    let calls: Promise<unknown>;
    do {
      calls = this.#calls;
      await calls;
    } while (calls !== this.#calls);
  }

  #check(action: string): void {
    if (this.#isClosed()) {
      throw new XivdigestError({
        code: 'STORE_ERROR',
        message: `Could not ${action} in ${this.location}: the store is closed`,
        hint: 'Open the store again with createStore() before using it',
      });
    }
    if (!this.#open) {
      throw new XivdigestError({
        code: 'STORE_ERROR',
        message: `Could not ${action} in ${this.location}: its transaction has already ended`,
        hint: 'Use the transaction store only inside the function given to transaction(), and await every call in it',
      });
    }
  }

  #call<T>(action: string, call: (tx: Store) => Promise<T>): Promise<T> {
    let result: Promise<T>;
    try {
      this.#check(action);
      result = this.#target.then((target) => call(target.tx));
    } catch (error) {
      result = Promise.reject(error);
    }
    this.#calls = Promise.all([this.#calls, result.catch(() => undefined)]);
    return result;
  }

  protected forward(name: QueryName, args: unknown[]): Promise<unknown> {
    return this.#call(actionOf(name, args), (tx) => invokeQuery(tx, name, args));
  }

  /** indexMissing's write (ADR 0069), in call order with the rest. */
  writeMissingDocuments(docs: MissingDocument[]): Promise<number> {
    return this.#call('write search documents', (tx) => (tx as Store & MissingDocumentsWriter).writeMissingDocuments(docs));
  }

  /** A nested transaction (a savepoint), opened after the calls made before it; its work gets a facade of its own. */
  async transaction<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    this.#check('start a transaction');
    await this.settle();
    const target = await this.#target;
    return target.tx.transaction(async (inner) => {
      const facade = new TransactionFacade(Promise.resolve({ tx: inner, end: async () => undefined }), this.location, this.papersPerWrite, this.#isClosed);
      try {
        return await work(facade);
      } finally {
        await facade.settle();
        facade.#open = false;
      }
    });
  }

  async close(): Promise<void> {
    throw closeInTransaction(this.location);
  }
}
