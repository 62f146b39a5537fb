/** The messages between stores in the main thread and the store's writer thread, and how errors cross (ADR 0009). */
import type { SerializedError } from '../../core/threads.js';
import type { QueryArgs, QueryName } from './queries.js';
import type { UpsertOptions } from '../paper-store.js';
import type { MissingDocument } from './search/index-missing.js';

/**
 * A call of a transaction's method, with the arguments that method takes: every query of the store (queries.ts), and
 * upsertPapers' two hand-overs (ADR 0009). `upsertFields` is upsertPapers with the records as paper-fields values and
 * the time to record as their first sight (and, when the caller made them, the records' FTS5 values: ADR 0050);
 * records the caller prepared go as the query `upsertPreparedPapers`. `writeMissingDocuments` is indexMissing's
 * write (ADR 0069).
 */
export type CallRequest =
  | { [K in QueryName]: { method: K; args: QueryArgs<K> } }[QueryName]
  | { method: 'upsertFields'; args: [fields: unknown[], now: string, fts?: string[], options?: UpsertOptions] }
  | { method: 'writeMissingDocuments'; args: [docs: MissingDocument[]] };

export type WriterRequest =
  /** Opens a transaction on the store `store` (a SQLite file), or a savepoint in the transaction `parent`. */
  | { id: number; op: 'begin'; store: number; file: string; parent?: number }
  /** Calls a method of the transaction `handle`. */
  | ({ id: number; op: 'call'; handle: number } & CallRequest)
  /** Commits (or rolls back) the transaction or savepoint `handle`, after the calls made on it. */
  | { id: number; op: 'end'; handle: number; commit: boolean }
  /** Closes the writer thread's connection to the store `store`. */
  | { id: number; op: 'close'; store: number };

export type WriterReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: SerializedError }
  /** Sent once, when the thread has loaded and listens. */
  | { ready: true };
