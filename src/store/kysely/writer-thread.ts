/**
 * The store's writer thread: runs the SQLite write transactions that stores in the main thread hand over, so that
 * an ingest parses in one thread while SQLite writes in the other (ADR 0009). It runs the same store code, on its own
 * connection to the same file.
 */
import { parentPort } from 'node:worker_threads';
import { sql } from 'kysely';
import type { Store } from '../store.js';
import { openSqlite, type OpenedDatabase } from './dialect.js';
import { invokeQuery } from './forwarding.js';
import { createKyselyStore, type KyselyStore } from './kysely-store.js';
import { feedPrefixes, papersFromFields } from './paper-fields.js';
import { isQueryName } from './queries.js';
import { preparePapers } from './rows/prepared.js';
import { holdTransaction, type OpenTransaction } from './remote-transaction.js';
import { serializeError } from '../../core/threads.js';
import type { WriterReply, WriterRequest } from './writer-protocol.js';

if (!parentPort) throw new Error('writer-thread.ts runs as a worker thread of the store');
const port = parentPort;

interface OpenStore {
  opened: OpenedDatabase;
  store: Store;
}

/** An open transaction or savepoint, and the store it checkpoints after its commit (top-level ones only). */
interface Handle {
  open: OpenTransaction;
  topLevel: OpenStore | undefined;
}

const stores = new Map<number, Promise<OpenStore>>();
const handles = new Map<number, Handle>();
let nextHandle = 1;

function storeFor(key: number, file: string): Promise<OpenStore> {
  let entry = stores.get(key);
  if (!entry) {
    entry = openSqlite(file, { autoCheckpoint: false }).then((opened) => {
      const store = createKyselyStore(opened, { writerThread: false });
      // The statements of a batch write, prepared while the main thread parses its first batch: after the reply to
      // `begin` is on its way (a macrotask later), not before it.
      setImmediate(() => {
        // Best effort: a statement that fails to prepare here fails, with its error, where it is used.
        try {
          (store as KyselyStore).warmUp();
        } catch {
          // (the store may already be closed again)
        }
      });
      return { opened, store };
    });
    // A failed open is not kept: the next transaction tries again.
    entry.catch(() => stores.delete(key));
    stores.set(key, entry);
  }
  return entry;
}

async function begin(request: Extract<WriterRequest, { op: 'begin' }>): Promise<number> {
  const parent = request.parent === undefined ? undefined : handles.get(request.parent);
  if (request.parent !== undefined && !parent) throw new Error(`internal: no open transaction ${request.parent}`);
  const topLevel = parent ? undefined : await storeFor(request.store, request.file);
  const owner = parent ? parent.open.tx : topLevel!.store;
  const open = await holdTransaction((work) => owner.transaction(work));
  const id = nextHandle;
  nextHandle += 1;
  handles.set(id, { open, topLevel });
  return id;
}

async function end(request: Extract<WriterRequest, { op: 'end' }>): Promise<void> {
  const handle = handles.get(request.handle);
  if (!handle) throw new Error(`internal: no open transaction ${request.handle}`);
  handles.delete(request.handle);
  await handle.open.end(request.commit);
  // The connection lets the WAL grow during a transaction and checkpoints after the commit has been reported: the
  // main thread parses on meanwhile, instead of waiting for the checkpoint inside the commit (ADR 0009).
  const topLevel = handle.topLevel;
  if (request.commit && topLevel) setImmediate(() => checkpoint(topLevel));
}

function checkpoint(entry: OpenStore): void {
  // PASSIVE: copies what it can without waiting for readers or writers; what is left waits for the next one.
  sql`pragma wal_checkpoint(passive)`.execute(entry.opened.db).catch(() => undefined);
}

async function call(request: Extract<WriterRequest, { op: 'call' }>): Promise<unknown> {
  const handle = handles.get(request.handle);
  if (!handle) throw new Error(`internal: no open transaction ${request.handle}`);
  // The transaction's store is this thread's KyselyStore, which also takes prepared records.
  const tx = handle.open.tx as Store & Pick<KyselyStore, 'upsertPrepared' | 'writeMissingDocuments'>;
  switch (request.method) {
    case 'upsertFields': {
      const [fields, now, fts, options] = request.args;
      const papers = papersFromFields(fields);
      // Prepared inside the write, so that a malformed record fails as a STORE_ERROR like any failed write.
      return tx.upsertPrepared(
        () => {
          const prepared = preparePapers(papers, now, feedPrefixes);
          if (fts !== undefined) prepared.fts = fts;
          return prepared;
        },
        papers.length,
        options,
      );
    }
    case 'writeMissingDocuments':
      return tx.writeMissingDocuments(request.args[0]);
    default:
      if (!isQueryName(request.method)) throw new Error(`internal: no store method ${String(request.method)}`);
      return invokeQuery(tx, request.method, request.args);
  }
}

async function close(request: Extract<WriterRequest, { op: 'close' }>): Promise<void> {
  const entry = stores.get(request.store);
  if (!entry) return;
  stores.delete(request.store);
  const opened = await entry.catch(() => undefined);
  await opened?.store.close();
}

function run(request: WriterRequest): Promise<unknown> {
  switch (request.op) {
    case 'begin':
      return begin(request);
    case 'call':
      return call(request);
    case 'end':
      return end(request);
    case 'close':
      return close(request);
    default:
      return Promise.reject(new Error(`internal: unknown request ${JSON.stringify(request)}`));
  }
}

port.on('message', (request: WriterRequest) => {
  // Started at once, in arrival order: calls on a transaction queue in the order the main thread made them.
  run(request).then(
    (value) => port.postMessage({ id: request.id, ok: true, value } satisfies WriterReply),
    (error: unknown) => port.postMessage({ id: request.id, ok: false, error: serializeError(error) } satisfies WriterReply),
  );
});
port.postMessage({ ready: true } satisfies WriterReply);
