/**
 * Worker threads (ADR 0009, ADR 0071): starting one from the built JavaScript or, under tsx, from the TypeScript
 * source, and errors as they cross between threads.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { XivdigestError, type XivdigestErrorCode } from './errors.js';

/**
 * Starts the worker `name` (a module beside `from`, the caller's `import.meta.url`): its built `.js`, or its `.ts`
 * through tsx when the caller runs from source (tests, `tsx` scripts), since a worker does not inherit the loader
 * that the main thread got its TypeScript through.
 */
export function startModuleWorker(from: string, name: string, options: { resourceLimits?: ResourceLimits; workerData?: unknown } = {}): Worker {
  const source = from.endsWith('.ts');
  const entry = new URL(`./${name}${source ? '.ts' : '.js'}`, from);
  if (!source) return new Worker(entry, options);
  // tsx's ESM API entry (its `import` export), found from its CommonJS one.
  const tsxApi = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true, execArgv: [] });
}

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
