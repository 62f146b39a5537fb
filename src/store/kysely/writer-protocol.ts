/** The messages between stores in the main thread and the store's writer thread, and how errors cross (ADR 0009). */
import { XivdigestError, type XivdigestErrorCode } from '../../core/errors.js';
import type { QueryArgs, QueryName } from './queries.js';
import type { UpsertOptions } from '../paper-store.js';
import type { PreparedPapers } from './rows/prepared.js';
import type { MissingDocument } from './search/index-missing.js';

/**
 * A call of a transaction's method, with the arguments that method takes: every query of the store (queries.ts), and
 * upsertPapers' two hand-overs (ADR 0009). `upsertFields` is upsertPapers with the records as paper-fields values and
 * the time to record as their first sight (and, when the caller made them, the records' FTS5 values: ADR 0050);
 * `upsertPrepared` with records the caller prepared. `writeMissingDocuments` is indexMissing's write (ADR 0069).
 */
export type CallRequest =
  | { [K in QueryName]: { method: K; args: QueryArgs<K> } }[QueryName]
  | { method: 'upsertFields'; args: [fields: unknown[], now: string, fts?: string[], options?: UpsertOptions] }
  | { method: 'upsertPrepared'; args: [prepared: PreparedPapers, options?: UpsertOptions] }
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

/** An error as it crosses threads: XivdigestError's fields survive, and so do a cause's message and code. */
export interface SerializedError {
  xivdigest: boolean;
  name: string;
  message: string;
  code?: string;
  hint?: string;
  isRetryable?: boolean;
  details?: Record<string, unknown>;
  cause?: { name: string; message: string; code?: string };
}

function codeOf(value: unknown): string | undefined {
  const code = (value as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function plainCause(cause: unknown): SerializedError['cause'] {
  if (cause === undefined) return undefined;
  const error = cause instanceof Error ? cause : new Error(String(cause));
  const code = codeOf(error);
  return { name: error.name, message: error.message, ...(code !== undefined ? { code } : {}) };
}

/** Details survive when they are plain data (they are: locations, codes, counts). */
function cloneableDetails(details: Record<string, unknown>): Record<string, unknown> {
  try {
    return structuredClone(details);
  } catch {
    return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
  }
}

export function serializeError(error: unknown): SerializedError {
  if (XivdigestError.isInstance(error)) {
    return {
      xivdigest: true,
      name: error.name,
      message: error.message,
      code: error.code,
      ...(error.hint !== undefined ? { hint: error.hint } : {}),
      isRetryable: error.isRetryable,
      details: cloneableDetails(error.details),
      cause: plainCause(error.cause),
    };
  }
  const plain = error instanceof Error ? error : new Error(String(error));
  const code = codeOf(plain);
  return { xivdigest: false, name: plain.name, message: plain.message, ...(code !== undefined ? { code } : {}), cause: plainCause(plain.cause) };
}

function restoreCause(cause: SerializedError['cause']): Error | undefined {
  if (cause === undefined) return undefined;
  const error = new Error(cause.message);
  error.name = cause.name;
  if (cause.code !== undefined) Object.assign(error, { code: cause.code });
  return error;
}

export function deserializeError(serialized: SerializedError): Error {
  const cause = restoreCause(serialized.cause);
  if (serialized.xivdigest) {
    return new XivdigestError({
      code: serialized.code as XivdigestErrorCode,
      message: serialized.message,
      ...(serialized.hint !== undefined ? { hint: serialized.hint } : {}),
      ...(cause !== undefined ? { cause } : {}),
      isRetryable: serialized.isRetryable ?? false,
      details: serialized.details ?? {},
    });
  }
  const error = new Error(serialized.message, cause !== undefined ? { cause } : undefined);
  error.name = serialized.name;
  if (serialized.code !== undefined) Object.assign(error, { code: serialized.code });
  return error;
}
