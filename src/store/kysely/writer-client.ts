/**
 * The main thread's side of the store's writer thread: starts it and sends it requests (ADR 0009). The transaction
 * stores whose calls run there are remote-transaction.ts and transaction-facade.ts.
 */
import type { Worker } from 'node:worker_threads';
import { deserializeError, startModuleWorker } from '../../core/threads.js';
import type { WriterReply, WriterRequest } from './writer-protocol.js';

/** A request without its id (the thread assigns ids); TypeScript's Omit does not distribute over a union. */
type Request = WriterRequest extends infer R ? (R extends WriterRequest ? Omit<R, 'id'> : never) : never;

/** The writer thread could not start (a missing build file, no worker threads): transactions run in this thread. */
export class WriterThreadUnavailable extends Error {}

/** One worker thread, shared by every store of the process; it never keeps the process alive while idle. */
class WriterThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  readonly #ready: Promise<void>;
  #nextId = 1;
  #started = false;
  /** Set when the thread failed or exited: every pending and later request fails. */
  failure: Error | undefined;

  constructor() {
    try {
      this.#worker = startWorker();
    } catch (cause) {
      // No worker threads here (a sandbox, a flag they refuse): the stores run their transactions themselves.
      const error = cause instanceof Error ? cause : new Error(String(cause));
      throw new WriterThreadUnavailable(error.message, { cause: error });
    }
    this.#worker.unref();
    let markReady: () => void = () => undefined;
    let failStart: (error: Error) => void = () => undefined;
    this.#ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failStart = reject;
    });
    // Awaited by every request; a start failure must not also surface as an unhandled rejection.
    this.#ready.catch(() => undefined);
    this.#worker.on('message', (reply: WriterReply) => {
      if ('ready' in reply) {
        this.#started = true;
        markReady();
        return;
      }
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (reply.ok) pending.resolve(reply.value);
      else pending.reject(deserializeError(reply.error));
    });
    const fail = (error: Error) => {
      if (this.failure) return;
      this.failure = this.#started ? error : new WriterThreadUnavailable(error.message, { cause: error });
      failStart(this.failure);
      for (const pending of this.#pending.values()) pending.reject(this.failure);
      this.#pending.clear();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`the store's writer thread exited with code ${code}`)));
  }

  /** Sends a request (its values cloned) and waits for its reply. */
  async request(request: Request): Promise<unknown> {
    await this.#ready;
    if (this.failure) throw this.failure;
    const id = this.#nextId;
    this.#nextId += 1;
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      try {
        this.#worker.postMessage({ ...request, id });
      } catch (error) {
        // A value that cannot be cloned (a function in a record, say).
        this.#pending.delete(id);
        if (this.#pending.size === 0) this.#worker.unref();
        reject(error);
      }
    });
  }
}

/** The worker, with a young generation larger than a worker's default: a batch survives fewer scavenges (ADR 0009). */
function startWorker(): Worker {
  return startModuleWorker(import.meta.url, 'writer-thread', { resourceLimits: { maxYoungGenerationSizeMb: 48 } });
}

let shared: WriterThread | undefined;
/** Set once a writer thread could not start: the process does not try again (every transaction would wait for it). */
let unavailable: WriterThreadUnavailable | undefined;

/**
 * The process's writer thread, started on first use (and again if it died after starting). Throws
 * WriterThreadUnavailable when there is none to be had.
 */
export function writerThread(): WriterThread {
  if (unavailable) throw unavailable;
  if (shared?.failure instanceof WriterThreadUnavailable) unavailable = shared.failure;
  if (unavailable) throw unavailable;
  if (!shared || shared.failure) {
    try {
      shared = new WriterThread();
    } catch (error) {
      if (error instanceof WriterThreadUnavailable) unavailable = error;
      throw error;
    }
  }
  return shared;
}

export type { WriterThread };
