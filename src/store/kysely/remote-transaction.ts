/**
 * A transaction's store in the writer thread, seen from the main thread (ADR 0009): each query is forwarded as it is
 * called (forwarding.ts), and the writer thread runs them in that order on the transaction's connection.
 */
import { XivdigestError } from '../../core/errors.js';
import type { Paper } from '../../core/paper.js';
import type { Store, UpsertOptions, UpsertResult } from '../store.js';
import { storeError } from './errors.js';
import { actionOf, QueryForwarder } from './forwarding.js';
import { nothingWritten, storeAction, UPSERT_OUTCOME } from './paper-upsert.js';
import { paperFields } from './paper-fields.js';
import type { QueryName } from './queries.js';
import { recordsFtsValues } from './search/index-docs.js';
import type { MissingDocument, MissingDocumentsWriter } from './search/index-missing.js';
import { preparePapers, type PreparedPapers } from './rows/prepared.js';
import type { WriterThread } from './writer-client.js';
import type { CallRequest } from './writer-protocol.js';

/** A transaction held open until `end`: its store, and how to commit or roll it back. */
export interface OpenTransaction {
  tx: Store;
  /** Commits (or rolls back) after the calls made on `tx`; rejects with the failure to commit. */
  end(commit: boolean): Promise<void>;
}

/** Ends a held transaction's work on purpose, to roll it back. */
const ROLLBACK = Symbol('rollback');

/**
 * Opens a transaction with `run` (a Store's `transaction`) and holds it open until `end`: for a transaction whose
 * work is driven from outside, message by message. Resolves once the transaction has begun, or rejects with the
 * failure to begin.
 */
export function holdTransaction(run: (work: (tx: Store) => Promise<void>) => Promise<void>): Promise<OpenTransaction> {
  return new Promise((resolveOpen, rejectOpen) => {
    let started = false;
    let finish: (commit: boolean) => void = () => undefined;
    const done = run(
      (tx) =>
        new Promise<void>((resolve, reject) => {
          started = true;
          finish = (commit) => (commit ? resolve() : reject(ROLLBACK));
          resolveOpen({
            tx,
            async end(commit) {
              finish(commit);
              try {
                await done;
              } catch (error) {
                if (error !== ROLLBACK) throw error;
              }
            },
          });
        }),
    );
    // Until `end`, a failure to begin is the only outcome to report.
    done.catch((error: unknown) => {
      if (!started) rejectOpen(error);
    });
  });
}

/** What a transaction store in this thread needs to know about the store that opened it. */
export interface RemoteContext {
  thread: WriterThread;
  location: string;
  papersPerWrite: number;
  /** The store's key in the writer thread. */
  store: number;
  file: string;
}

/** Opens a transaction in the writer thread (or a savepoint in the transaction `parent`). */
export async function beginRemote(context: RemoteContext, parent?: number): Promise<OpenTransaction> {
  const handle = (await context.thread.request({
    op: 'begin',
    store: context.store,
    file: context.file,
    ...(parent !== undefined ? { parent } : {}),
  })) as number;
  const tx = new RemoteTransactionStore(context, handle);
  return {
    tx,
    async end(commit) {
      await context.thread.request({ op: 'end', handle, commit });
    },
  };
}

/**
 * A transaction's store in the writer thread, seen from here: each call is forwarded as it is made, and the writer
 * thread runs them in that order on the transaction's connection. Errors are the ones the store there raised
 * (STORE_ERRORs with the same messages). The checks on use live in TransactionFacade.
 */
class RemoteTransactionStore extends QueryForwarder implements Store, MissingDocumentsWriter {
  readonly location: string;
  readonly papersPerWrite: number;
  /** A transaction in SQLite's writer thread: SQLite has no COPY. */
  readonly takesCopyRows = false;
  readonly writesInThread = true;
  readonly #context: RemoteContext;
  readonly #handle: number;

  constructor(context: RemoteContext, handle: number) {
    super();
    this.#context = context;
    this.location = context.location;
    this.papersPerWrite = context.papersPerWrite;
    this.#handle = handle;
  }

  #call(action: string, call: CallRequest, outcome?: string): Promise<unknown> {
    return this.#context.thread.request({ op: 'call', handle: this.#handle, ...call }).catch((cause: unknown) => {
      throw storeError({ action, location: this.location, cause, outcome });
    });
  }

  protected forward(name: QueryName, args: unknown[]): Promise<unknown> {
    // The arguments are the ones a call of `name` was given, which is what CallRequest pairs with it.
    return this.#call(actionOf(name, args), { method: name, args } as CallRequest);
  }

  /** The hand-over that ADR 0009 measured: the records cross as one flat array of their fields. */
  override upsertPapers(papers: Paper[], options?: UpsertOptions): Promise<UpsertResult> {
    if (papers.length === 0) return Promise.resolve(nothingWritten());
    const action = storeAction(papers.length);
    // The records cross as one flat array of their fields, which this thread (the one that parses) builds by copying
    // references; the writer thread prepares, merges and writes them. A record of an unusual shape makes this thread
    // prepare the batch (flat arrays of plain values too), so that it fails or succeeds as it would here.
    const now = new Date().toISOString();
    const fields = paperFields(papers);
    // The search documents of new papers are segmented here too, beside the parser: the writer thread, which also
    // runs FTS5, is the slower of the two (ADR 0050). Papers the store holds, or with texts, are indexed there anew.
    // New papers whose documents come later (ADR 0069) need none now.
    const fts = options?.searchIndex === 'later' ? undefined : recordsFtsValues(papers);
    if (fields !== undefined) {
      return this.#call(action, { method: 'upsertFields', args: [fields, now, fts, options] }, UPSERT_OUTCOME) as Promise<UpsertResult>;
    }
    let prepared: PreparedPapers;
    try {
      prepared = preparePapers(papers, now);
      if (fts !== undefined) prepared.fts = fts;
    } catch (cause) {
      return Promise.reject(storeError({ action, location: this.location, cause, outcome: UPSERT_OUTCOME }));
    }
    return this.#call(action, { method: 'upsertPreparedPapers', args: [prepared, options] }, UPSERT_OUTCOME) as Promise<UpsertResult>;
  }

  /** indexMissing's documents (ADR 0069), written in the writer thread's transaction. */
  writeMissingDocuments(docs: MissingDocument[]): Promise<number> {
    if (docs.length === 0) return Promise.resolve(0);
    return this.#call('write search documents', { method: 'writeMissingDocuments', args: [docs] }, 'the index is as it was') as Promise<number>;
  }

  /** A nested transaction: a savepoint in the writer thread. */
  async transaction<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    const inner = await beginRemote(this.#context, this.#handle).catch((cause: unknown) => {
      throw storeError({ action: 'start a transaction', location: this.location, cause });
    });
    let result: T;
    try {
      result = await work(inner.tx);
    } catch (error) {
      await inner.end(false).catch(() => undefined);
      throw error;
    }
    await inner.end(true).catch((cause: unknown) => {
      throw storeError({ action: 'run a transaction', location: this.location, cause });
    });
    return result;
  }

  async close(): Promise<void> {
    throw closeInTransaction(this.location);
  }
}

/** A transaction store cannot close its store. */
export function closeInTransaction(location: string): XivdigestError {
  return new XivdigestError({
    code: 'STORE_ERROR',
    message: `Could not close the store in ${location} from inside a transaction`,
    hint: 'Close the store that createStore() returned, after the transaction has ended',
  });
}
