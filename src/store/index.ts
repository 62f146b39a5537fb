/** Opens the store named by a URL (SQLite file, `:memory:` or `postgres://…`), runs pending migrations, returns it. */
import { fileURLToPath } from 'node:url';
import { XivdigestError } from '../core/errors.js';
import { openPostgres, openSqlite, type OpenedDatabase } from './kysely/dialect.js';
import { storeError } from './kysely/errors.js';
import {
  createKyselyStore,
  kyselyConnectionOf,
  kyselyLeaseStore,
  kyselyReaderStore,
  type IndexMissingOptions,
  type IndexMissingResult,
  type KyselyStore,
} from './kysely/kysely-store.js';
import { createKyselySubscriptionStore } from './kysely/subscription-store.js';
import type { SubscriptionStore } from './subscription-store.js';
import { createKyselyOpsReader } from './kysely/ops-reader.js';
import type { OpsReader } from './ops-reader.js';
import type { ReaderStore } from './reader-store.js';
import { createKyselyMarksStore, kyselyMarksStore, registerMarksStore } from './kysely/marks-store.js';
import type { MarksStore } from './marks-store.js';
import type { LeaseStore } from './lease-store.js';
import type { MigrationProgressListener } from './migrations/index.js';
import type { Store } from './store.js';

export type { MigrationProgress, MigrationProgressListener } from './migrations/index.js';
export type { PaperQuery, Store, StoredVersion, UpsertOptions, UpsertResult } from './store.js';
export { nativeRankStatus } from './kysely/search/native-rank.js';
export type { OpsReader, SearchIndexState, StoreHealth, TextCount } from './ops-reader.js';
export type { Lease, LeaseClaim, LeaseRequest, LeaseStore } from './lease-store.js';
export type { LibraryUpload, ReaderSubscription, SubscriptionSave, SubscriptionStore } from './subscription-store.js';
export type { MarkKind, MarksStore, ReaderMark, Unsubscription } from './marks-store.js';
export type { Invitation, Reader, ReaderExport, ReaderRole, ReaderSession, ReaderStore, SignInToken, TokenUse } from './reader-store.js';

export interface StoreOptions {
  /**
   * Where the data lives:
   * - SQLite: a file path (`data/xivdigest.db`), `sqlite:PATH`, `sqlite:///absolute/path`, `file:///…`, or `:memory:`.
   *   The file and its directory are created when missing.
   * - PostgreSQL: `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (or `postgresql://`). The extra query parameter
   *   `schema=NAME` keeps every table in that schema, created when missing.
   */
  url: string;
  /**
   * Run a SQLite file's transactions in a worker thread (default true), so that parsing and writing overlap; see
   * docs/decisions/0009-ingest-throughput.md. Ignored for `:memory:` and PostgreSQL.
   */
  writerThread?: boolean;
  /**
   * Hears how far the long migrations have got while the store opens (a search reindex after an upgrade can take
   * minutes): after each batch of papers, and once more when each has run. Never called when nothing is migrated.
   */
  onMigrationProgress?: MigrationProgressListener;
}

type ParsedUrl = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

function parseStoreUrl(url: string): ParsedUrl {
  const text = url.trim();
  if (text === '') {
    throw new XivdigestError({
      code: 'STORE_ERROR',
      message: 'The store URL is empty',
      hint: 'Set it to a SQLite file path such as data/xivdigest.db, or to postgres://USER@HOST:PORT/DATABASE',
    });
  }
  if (/^postgres(?:ql)?:\/\//i.test(text)) return { kind: 'postgres', url: text };
  if (/^sqlite:/i.test(text)) {
    let path = text.slice('sqlite:'.length);
    // sqlite:///abs/path and sqlite://relative/path, as SQLAlchemy-style URLs write them.
    if (path.startsWith('//')) path = path.slice(2);
    return { kind: 'sqlite', path };
  }
  if (/^file:/i.test(text)) return { kind: 'sqlite', path: fileURLToPath(text) };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1];
  if (scheme) {
    throw new XivdigestError({
      code: 'STORE_ERROR',
      message: `The store URL scheme "${scheme}:" is not supported`,
      hint: 'Use a SQLite file path (or sqlite:PATH) or a postgres:// URL',
    });
  }
  return { kind: 'sqlite', path: text };
}

/** Opens the store and brings its schema up to date. Throws a STORE_ERROR XivdigestError when it cannot. */
export async function createStore(options: StoreOptions): Promise<Store> {
  const parsed = parseStoreUrl(options.url);
  const opened: OpenedDatabase = parsed.kind === 'sqlite' ? await openSqlite(parsed.path) : await openPostgres(parsed.url);
  try {
    await opened.dialect.migrate(opened.db, options.onMigrationProgress);
  } catch (cause) {
    await opened.db.destroy().catch(() => undefined);
    throw storeError({ action: 'open the store and bring its schema up to date', location: opened.location, cause });
  }
  const store = createKyselyStore(opened, { writerThread: options.writerThread ?? true });
  // The marks seam (docs/decisions/0040) on the same connection; a closed store's pool refuses its queries itself.
  registerMarksStore(
    store,
    createKyselyMarksStore(opened, () => false),
  );
  // After close() the connection is destroyed, so a late read fails as a STORE_ERROR on its own.
  opsReaders.set(
    store,
    createKyselyOpsReader(opened, () => false),
  );
  return store;
}

/** A reader's marks and the unsubscriptions, kept in the database of a store that createStore opened (decision 0040). */
export function marksStoreOf(store: Store): MarksStore {
  const marks = kyselyMarksStore(store);
  if (!marks) {
    throw new XivdigestError({
      code: 'STORE_ERROR',
      message: `The store in ${store.location} keeps no marks`,
      hint: 'Use a store that createStore() opened, not a transaction store',
    });
  }
  return marks;
}

/** The ops reader of each store createStore opened: same database, same connection. */
const opsReaders = new WeakMap<Store, OpsReader>();

/** Counts and health of a store that createStore opened (`xivdigest status`, /metrics, /readyz). Throws for any other store. */
export function opsReaderOf(store: Store): OpsReader {
  const reader = opsReaders.get(store);
  if (!reader) {
    throw new XivdigestError({
      code: 'STORE_ERROR',
      message: `The store in ${store.location} cannot report counts or health`,
      hint: 'Use a store that createStore() opened, not a transaction store',
    });
  }
  return reader;
}

/**
 * The leases kept in the database of a store that createStore opened (a small seam of its own, so that the Store and
 * its forwarding layers do not grow). Throws for any other store.
 */
export function leaseStoreOf(store: Store): LeaseStore {
  const leases = kyselyLeaseStore(store);
  if (!leases) {
    throw new XivdigestError({
      code: 'STORE_ERROR',
      message: `The store in ${store.location} keeps no leases`,
      hint: 'Use a store that createStore() opened, not a transaction store',
    });
  }
  return leases;
}

/** The readers and their accounts kept in the database of a store that createStore opened (docs/decisions/0038). */
export function readerStoreOf(store: Store): ReaderStore {
  const readers = kyselyReaderStore(store);
  if (!readers) {
    throw new XivdigestError({
      code: 'STORE_ERROR',
      message: `The store in ${store.location} keeps no readers`,
      hint: 'Use a store that createStore() opened, not a transaction store',
    });
  }
  return readers;
}

const subscriptionStores = new WeakMap<Store, SubscriptionStore>();

/** Readers' own subscriptions kept in the database of a store that createStore opened (docs/decisions/0039). */
export function subscriptionStoreOf(store: Store): SubscriptionStore {
  const known = subscriptionStores.get(store);
  if (known) return known;
  const connection = kyselyConnectionOf(store);
  if (!connection) {
    throw new XivdigestError({
      code: 'STORE_ERROR',
      message: `The store in ${store.location} keeps no readers' subscriptions`,
      hint: 'Use a store that createStore() opened, not a transaction store',
    });
  }
  const made = createKyselySubscriptionStore(connection.opened, connection.isClosed);
  subscriptionStores.set(store, made);
  return made;
}

/** The method `name` of a store that createStore() opened, bound to it; a STORE_ERROR saying it cannot `what` for any other store. */
function openedStoreMethod<K extends 'rebuildSearchIndex' | 'indexMissing'>(store: Store, name: K, what: string): KyselyStore[K] {
  const method = (store as Store & Partial<Pick<KyselyStore, K>>)[name];
  if (typeof method !== 'function') {
    throw new XivdigestError({
      code: 'STORE_ERROR',
      message: `The store in ${store.location} cannot ${what}`,
      hint: 'Use a store that createStore() opened, not a transaction store',
    });
  }
  return (method as (...args: unknown[]) => unknown).bind(store) as KyselyStore[K];
}

/**
 * Rebuilds the full-text search index of a store that createStore opened, from its papers and texts, in one write
 * transaction (`xivdigest reindex`). `onProgress` hears after each batch of papers. Throws for any other store.
 */
export async function rebuildSearchIndex(store: Store, onProgress?: (done: number, total: number) => void): Promise<{ papers: number }> {
  return openedStoreMethod(store, 'rebuildSearchIndex', 'rebuild its search index')(onProgress);
}

export type { IndexMissingOptions, IndexMissingResult };

/**
 * Writes the search documents of the papers a store holds without one (stored with `searchIndex: 'later'`, as
 * `xivdigest backfill` loads the archive), a transaction at a time, in the index's order (docs/decisions/0069). Cheap
 * when none is missing. Throws for a store that createStore() did not open.
 */
export async function indexMissing(store: Store, options?: IndexMissingOptions): Promise<IndexMissingResult> {
  return openedStoreMethod(store, 'indexMissing', 'write missing search documents')(options);
}
