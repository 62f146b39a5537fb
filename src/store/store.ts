/**
 * The store contract: one small interface per aggregate (papers, texts, digests, runs, state, search), and `Store`,
 * all of them in one database (SQLite or PostgreSQL) with transactions over them (docs/decisions/0043).
 */
import type { PaperSearch } from '../core/search.js';
import type { DigestStore } from './digest-store.js';
import type { PaperStore } from './paper-store.js';
import type { RunStore } from './run-store.js';
import type { StateStore } from './state-store.js';
import type { TextStore } from './text-store.js';

export type { DigestStore, DigestSummary } from './digest-store.js';
export type { PaperQuery, PaperStore, StoredVersion, UpsertOptions, UpsertResult } from './paper-store.js';
export type { Feedback, FeedbackChange, PaperDecision, RunQuery, RunRecord, RunStore } from './run-store.js';
export type { StateStore } from './state-store.js';
export type { TextStore } from './text-store.js';
export type { PaperSearch } from '../core/search.js';

/**
 * Every query of the store, by aggregate: what a transaction forwards and what a new query is added to (its interface
 * line in its aggregate, its implementation in store/kysely/; docs/decisions/0043).
 */
export interface StoreQueries extends PaperStore, TextStore, DigestStore, RunStore, StateStore, PaperSearch {}

/**
 * Every write method is all or nothing: on failure it throws a STORE_ERROR XivdigestError and leaves the store as it
 * was. Reads never wait for writers. It is also the archive's full-text search (core/search.ts): the index is written in
 * the same transaction as the papers and texts it holds (docs/decisions/0028-search.md), except for new papers that
 * upsertPapers was told to index later, which store/index.ts `indexMissing` indexes afterwards (docs/decisions/0069).
 */
export interface Store extends StoreQueries {
  /** Where the data lives, for `--verbose` (a file path or a redacted URL). */
  readonly location: string;
  /**
   * How many papers one upsertPapers call should carry when a caller cuts a long stream of records into writes
   * (storeEvents does): what this database writes fastest.
   */
  readonly papersPerWrite: number;
  /**
   * Whether upsertPreparedPapers takes the records' rows in COPY's text format (`preparePapers` with `copyRows`):
   * PostgreSQL, which gets a write's many new papers with COPY (ADR 0070), so that the thread that prepares them also
   * makes those rows (ADR 0071).
   */
  readonly takesCopyRows: boolean;
  /**
   * Whether the store's writes run in a thread of their own (SQLite's writer thread, ADR 0009), so that a caller
   * parsing records in its thread already works beside them; a bulk loader otherwise parses in a thread of its own.
   */
  readonly writesInThread: boolean;
  /**
   * Runs `work` in one write transaction and returns its result: everything written through `tx` is committed
   * together, or nothing is when `work` throws (its error is rethrown as it was). Inside, each write method is still
   * all or nothing on its own (a savepoint), so `work` may catch one failed write and go on; reads through `tx` see
   * its own writes. Use `tx`, not this store, inside `work`, await every call, and do not keep `tx` afterwards. On
   * SQLite the write lock is held until `work` ends; readers are not blocked.
   */
  transaction<T>(work: (tx: Store) => Promise<T>): Promise<T>;
  /** Closes the connections. Calls after it fail with a STORE_ERROR; a second close does nothing. */
  close(): Promise<void>;
}
