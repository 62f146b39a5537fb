/**
 * The main thread's side of the store's writer thread: starts it, sends it requests, and gives a transaction's work a
 * Store whose calls run there (ADR 0009).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Digest } from '../../core/digest.js';
import { XivdigestError } from '../../core/errors.js';
import type { Paper, StoredPaper } from '../../core/paper.js';
import type { ArchiveCategory, ArchiveDay, DayQuery, SearchRequest, SearchResponse } from '../../core/search.js';
import type { StoredTexts } from '../../core/texts.js';
import type { Feedback, PaperDecision, PaperQuery, RunRecord, Store, StoredVersion, UpsertResult } from '../store.js';
import { storeError } from './errors.js';
import { paperFields } from './paper-fields.js';
import { preparePapers, type PreparedPapers } from './rows/prepared.js';
import { deserializeError, type ForwardedMethod, type WriterReply, type WriterRequest } from './writer-protocol.js';

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

/**
 * The worker, from the built JavaScript, or from the TypeScript source through tsx (tests, `tsx` scripts): a worker
 * does not inherit the loader that the main thread got its TypeScript through.
 */
function startWorker(): Worker {
  const source = import.meta.url.endsWith('.ts');
  const entry = new URL(source ? './writer-thread.ts' : './writer-thread.js', import.meta.url);
  // A young generation larger than a worker's default: a batch in flight survives fewer scavenges (ADR 0009).
  const resourceLimits = { maxYoungGenerationSizeMb: 48 };
  if (!source) return new Worker(entry, { resourceLimits });
  // tsx's ESM API entry (its `import` export), found from its CommonJS one.
  const tsxApi = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, resourceLimits, execArgv: [] });
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

const NOTHING_WRITTEN: UpsertResult = { inserted: 0, updated: 0, unchanged: 0, versionsAdded: 0 };

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
class RemoteTransactionStore implements Store {
  readonly location: string;
  readonly #context: RemoteContext;
  readonly #handle: number;

  constructor(context: RemoteContext, handle: number) {
    this.#context = context;
    this.location = context.location;
    this.#handle = handle;
  }

  #call<T>(action: string, method: ForwardedMethod, args: unknown[], outcome?: string): Promise<T> {
    return this.#context.thread.request({ op: 'call', handle: this.#handle, method, args }).catch((cause: unknown) => {
      throw storeError({ action, location: this.location, cause, outcome });
    }) as Promise<T>;
  }

  upsertPapers(papers: Paper[]): Promise<UpsertResult> {
    if (papers.length === 0) return Promise.resolve({ ...NOTHING_WRITTEN });
    const action = `store ${papers.length} paper${papers.length === 1 ? '' : 's'}`;
    const outcome = 'the batch was rolled back, nothing of it was written';
    // The records cross as one flat array of their fields, which this thread (the one that parses) builds by copying
    // references; the writer thread prepares, merges and writes them. A record of an unusual shape makes this thread
    // prepare the batch (flat arrays of plain values too), so that it fails or succeeds as it would here.
    const now = new Date().toISOString();
    const fields = paperFields(papers);
    if (fields !== undefined) return this.#call(action, 'upsertFields', [fields, now], outcome);
    let prepared: PreparedPapers;
    try {
      prepared = preparePapers(papers, now);
    } catch (cause) {
      return Promise.reject(storeError({ action, location: this.location, cause, outcome }));
    }
    return this.#call(action, 'upsertPrepared', [prepared], outcome);
  }

  getPapers(query?: PaperQuery): Promise<StoredPaper[]> {
    return this.#call('read papers', 'getPapers', query === undefined ? [] : [query]);
  }

  getVersions(paperId: string): Promise<StoredVersion[]> {
    return this.#call(`read the versions of ${paperId}`, 'getVersions', [paperId]);
  }

  saveTexts(texts: StoredTexts[]): Promise<{ inserted: number; replaced: number }> {
    return this.#call(`save ${texts.length} generated texts`, 'saveTexts', [texts]);
  }

  getTexts(paperIds: string[]): Promise<StoredTexts[]> {
    return this.#call('read generated texts', 'getTexts', [paperIds]);
  }

  saveDigest(digest: Digest): Promise<void> {
    return this.#call(`save digest ${digest.name}`, 'saveDigest', [digest]);
  }

  getDigest(name: string): Promise<Digest | undefined> {
    return this.#call(`read digest ${name}`, 'getDigest', [name]);
  }

  listDigests(): Promise<Array<{ name: string; style: string; entries: number; createdAt: string }>> {
    return this.#call('list digests', 'listDigests', []);
  }

  getState<T = unknown>(key: string): Promise<T | undefined> {
    return this.#call(`read state ${key}`, 'getState', [key]);
  }

  setState(key: string, value: unknown): Promise<void> {
    return this.#call(`save state ${key}`, 'setState', [key, value]);
  }

  recordDecisions(decisions: PaperDecision[]): Promise<{ inserted: number; existing: number }> {
    return this.#call(`record ${decisions.length} decisions`, 'recordDecisions', [decisions]);
  }

  getDecisions(subscription: string, paperIds: string[]): Promise<PaperDecision[]> {
    return this.#call(`read the decisions of ${subscription}`, 'getDecisions', [subscription, paperIds]);
  }

  getRunDecisions(runId: string): Promise<PaperDecision[]> {
    return this.#call(`read the decisions of run ${runId}`, 'getRunDecisions', [runId]);
  }

  saveRun(run: RunRecord): Promise<void> {
    return this.#call(`save run ${run.id}`, 'saveRun', [run]);
  }

  getRun(id: string): Promise<RunRecord | undefined> {
    return this.#call(`read run ${id}`, 'getRun', [id]);
  }

  listRuns(query?: { subscription?: string; limit?: number }): Promise<RunRecord[]> {
    return this.#call('list runs', 'listRuns', query === undefined ? [] : [query]);
  }

  setFeedback(feedback: Omit<Feedback, 'kind'> & { kind: Feedback['kind'] | 'clear' }): Promise<void> {
    return this.#call(`save feedback on ${feedback.paperId}`, 'setFeedback', [feedback]);
  }

  getFeedback(subscription: string): Promise<Feedback[]> {
    return this.#call(`read the feedback of ${subscription}`, 'getFeedback', [subscription]);
  }

  search(request: SearchRequest): Promise<SearchResponse> {
    return this.#call('search the archive', 'search', [request]);
  }

  announcementDays(query?: DayQuery): Promise<ArchiveDay[]> {
    return this.#call('list announcement days', 'announcementDays', query === undefined ? [] : [query]);
  }

  archiveCategories(): Promise<ArchiveCategory[]> {
    return this.#call('list archive categories', 'archiveCategories', []);
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

function closeInTransaction(location: string): XivdigestError {
  return new XivdigestError({
    code: 'STORE_ERROR',
    message: `Could not close the store in ${location} from inside a transaction`,
    hint: 'Close the store that createStore() returned, after the transaction has ended',
  });
}

/**
 * The store that a transaction's work gets when the transaction is opened elsewhere (in the writer thread): the
 * work starts at once, and its calls wait for the transaction to have begun, in the order they were made. The work
 * must start at once: a source reading a file stream loses what the stream emits before the work reads it.
 */
export class TransactionFacade implements Store {
  readonly location: string;
  readonly #target: Promise<OpenTransaction>;
  readonly #isClosed: () => boolean;
  #open = true;
  /** Settles once every call made so far has: the transaction ends only after all of them (as a store's queue does). */
  #calls: Promise<unknown> = Promise.resolve();

  constructor(target: Promise<OpenTransaction>, location: string, isClosed: () => boolean) {
    this.#target = target;
    this.location = location;
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

  upsertPapers(papers: Paper[]): Promise<UpsertResult> {
    if (papers.length === 0) return Promise.resolve({ ...NOTHING_WRITTEN });
    return this.#call(`store ${papers.length} paper${papers.length === 1 ? '' : 's'}`, (tx) => tx.upsertPapers(papers));
  }

  getPapers(query?: PaperQuery): Promise<StoredPaper[]> {
    return this.#call('read papers', (tx) => tx.getPapers(query));
  }

  getVersions(paperId: string): Promise<StoredVersion[]> {
    return this.#call(`read the versions of ${paperId}`, (tx) => tx.getVersions(paperId));
  }

  saveTexts(texts: StoredTexts[]): Promise<{ inserted: number; replaced: number }> {
    return this.#call(`save ${texts.length} generated texts`, (tx) => tx.saveTexts(texts));
  }

  getTexts(paperIds: string[]): Promise<StoredTexts[]> {
    return this.#call('read generated texts', (tx) => tx.getTexts(paperIds));
  }

  saveDigest(digest: Digest): Promise<void> {
    return this.#call(`save digest ${digest.name}`, (tx) => tx.saveDigest(digest));
  }

  getDigest(name: string): Promise<Digest | undefined> {
    return this.#call(`read digest ${name}`, (tx) => tx.getDigest(name));
  }

  listDigests(): Promise<Array<{ name: string; style: string; entries: number; createdAt: string }>> {
    return this.#call('list digests', (tx) => tx.listDigests());
  }

  getState<T = unknown>(key: string): Promise<T | undefined> {
    return this.#call(`read state ${key}`, (tx) => tx.getState<T>(key));
  }

  setState(key: string, value: unknown): Promise<void> {
    return this.#call(`save state ${key}`, (tx) => tx.setState(key, value));
  }

  recordDecisions(decisions: PaperDecision[]): Promise<{ inserted: number; existing: number }> {
    return this.#call(`record ${decisions.length} decisions`, (tx) => tx.recordDecisions(decisions));
  }

  getDecisions(subscription: string, paperIds: string[]): Promise<PaperDecision[]> {
    return this.#call(`read the decisions of ${subscription}`, (tx) => tx.getDecisions(subscription, paperIds));
  }

  getRunDecisions(runId: string): Promise<PaperDecision[]> {
    return this.#call(`read the decisions of run ${runId}`, (tx) => tx.getRunDecisions(runId));
  }

  saveRun(run: RunRecord): Promise<void> {
    return this.#call(`save run ${run.id}`, (tx) => tx.saveRun(run));
  }

  getRun(id: string): Promise<RunRecord | undefined> {
    return this.#call(`read run ${id}`, (tx) => tx.getRun(id));
  }

  listRuns(query?: { subscription?: string; limit?: number }): Promise<RunRecord[]> {
    return this.#call('list runs', (tx) => tx.listRuns(query));
  }

  setFeedback(feedback: Omit<Feedback, 'kind'> & { kind: Feedback['kind'] | 'clear' }): Promise<void> {
    return this.#call(`save feedback on ${feedback.paperId}`, (tx) => tx.setFeedback(feedback));
  }

  getFeedback(subscription: string): Promise<Feedback[]> {
    return this.#call(`read the feedback of ${subscription}`, (tx) => tx.getFeedback(subscription));
  }

  search(request: SearchRequest): Promise<SearchResponse> {
    return this.#call('search the archive', (tx) => tx.search(request));
  }

  announcementDays(query?: DayQuery): Promise<ArchiveDay[]> {
    return this.#call('list announcement days', (tx) => tx.announcementDays(query));
  }

  archiveCategories(): Promise<ArchiveCategory[]> {
    return this.#call('list archive categories', (tx) => tx.archiveCategories());
  }

  /** A nested transaction (a savepoint), opened after the calls made before it; its work gets a facade of its own. */
  async transaction<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    this.#check('start a transaction');
    await this.settle();
    const target = await this.#target;
    return target.tx.transaction(async (inner) => {
      const facade = new TransactionFacade(Promise.resolve({ tx: inner, end: async () => undefined }), this.location, this.#isClosed);
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
