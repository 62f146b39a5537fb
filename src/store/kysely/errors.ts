/** Turns database failures into STORE_ERROR XivdigestErrors that say what failed, where, and what to do. */
import { XivdigestError } from '../../core/errors.js';

const RETRYABLE_CODES = new Set([
  // SQLite: another connection holds the write lock longer than busy_timeout.
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_LOCKED',
  // PostgreSQL SQLSTATEs: serialization failure, deadlock, lock not available, server shutting down.
  '40001',
  '40P01',
  '55P03',
  '57P01',
  '57P03',
  // Network.
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
]);

function codeOf(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isRetryableDatabaseError(cause: unknown): boolean {
  const code = codeOf(cause);
  // PostgreSQL class 08: connection exceptions.
  return code !== undefined && (RETRYABLE_CODES.has(code) || code.startsWith('08'));
}

function describe(cause: unknown): string {
  if (cause instanceof AggregateError && cause.errors.length > 0) return describe(cause.errors[0]);
  if (cause instanceof Error) {
    const code = codeOf(cause);
    const message = cause.message || cause.name;
    return code && !message.includes(code) ? `${message} (${code})` : message;
  }
  return String(cause);
}

function defaultHint(cause: unknown): string {
  const code = codeOf(cause);
  if (code?.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED') {
    return 'Another process is writing to the same database; retry when it has finished';
  }
  if (code === 'ECONNREFUSED' || code?.startsWith('08')) {
    return 'Check that the PostgreSQL server is running and that the store URL names the right host and port';
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'ENOTDIR' || code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return 'Check that the directory of the database file exists or can be created, and that it is writable';
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return 'The file is not an xivdigest SQLite database; point the store URL at another file';
  }
  if (code === '28P01' || code === '28000') return 'Check the user and password in the store URL';
  if (code === '3D000') return 'Create the database first (createdb NAME) or fix its name in the store URL';
  return 'Check the database and its disk space, then run the command again';
}

/**
 * A STORE_ERROR: "Could not <action> in <location>: <cause>; <outcome>", with a hint and the cause attached.
 * `outcome` says what the failure left behind, e.g. that a transaction was rolled back.
 */
export function storeError(options: { action: string; location: string; cause: unknown; outcome?: string | undefined; hint?: string }): XivdigestError {
  if (XivdigestError.isInstance(options.cause)) return options.cause;
  const outcome = options.outcome ? `; ${options.outcome}` : '';
  return new XivdigestError({
    code: 'STORE_ERROR',
    message: `Could not ${options.action} in ${options.location}: ${describe(options.cause)}${outcome}`,
    hint: options.hint ?? defaultHint(options.cause),
    cause: options.cause,
    isRetryable: isRetryableDatabaseError(options.cause),
    details: { location: options.location, databaseCode: codeOf(options.cause) },
  });
}
