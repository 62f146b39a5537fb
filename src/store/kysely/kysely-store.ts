/** The one Store implementation: Kysely queries written once, run on SQLite or PostgreSQL through a StoreDialect. */
import { redactDeep } from '../../core/redact.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import { sql, type CompiledQuery, type Compilable, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { Digest } from '../../core/digest.js';
import { XivdigestError } from '../../core/errors.js';
import type { Paper, StoredPaper } from '../../core/paper.js';
import type { ArchiveCategory, ArchiveDay, DayQuery, SearchRequest, SearchResponse } from '../../core/search.js';
import { clearIndex, indexAll, indexPapers, indexRows, preparedIndexedRow } from './search/index-docs.js';
import { announcementDays, archiveCategories, searchPapers } from './search/search.js';
import type { StoredTexts } from '../../core/texts.js';
import type { DecisionsTable, PapersTable, RunsTable, StoreDatabase } from '../schema.js';
import type { LeaseStore } from '../lease-store.js';
import { createKyselyLeaseStore } from './lease-store.js';
import type { ReaderStore } from '../reader-store.js';
import { createKyselyReaderStore } from './reader-store.js';
import type { Feedback, PaperDecision, PaperQuery, RunRecord, Store, StoredVersion, UpsertResult } from '../store.js';
import type { OpenedDatabase, StoreDialect } from './dialect.js';
import { storeError } from './errors.js';
import { beginRemote, holdTransaction, TransactionFacade, writerThread, WriterThreadUnavailable, type OpenTransaction } from './writer-client.js';
import {
  fillVersion,
  livesInRow,
  mergePaperRow,
  newVersionState,
  rowVersionState,
  storedVersionState,
  VERSION_FILL_COLUMNS,
  writesVersionRow,
  type VersionState,
} from './merge.js';
import {
  canonicalJson,
  digestToRow,
  entryToRow,
  nonEmpty,
  readJsonValue,
  PAPER_WRITE_COLUMNS,
  paperRowFromDb,
  preparedListedVersion,
  preparedOwnVersion,
  preparedRow,
  preparePapers,
  PREPARED_PAPER_WIDTH,
  PREPARED_VERSION_WIDTH,
  pushPaperValues,
  pushVersionValues,
  rowVersionFactsFromDb,
  rowVersionRecord,
  textsKey,
  textsToRow,
  toDigest,
  toStoredPaper,
  toStoredTexts,
  toStoredVersion,
  VERSION_COLUMNS,
  type PaperRow,
  type PreparedPapers,
  type RowVersionFacts,
  type VersionFacts,
  type VersionRow,
} from './rows.js';

/** Ids per `WHERE … IN (…)`: well under both parameter limits, and short enough for the planners. */
const IDS_PER_QUERY = 5_000;
const TEXTS_KEY_COLUMNS = ['paper_id', 'version', 'lang', 'provider', 'model', 'prompt_version', 'abstract_hash'] as const;
const TEXTS_COLUMN_COUNT = 17;
const DIGEST_ENTRY_COLUMN_COUNT = 16;

/**
 * Ids per templated `SELECT … WHERE id IN (…)` of a batch (storeEvents' batch size). Every such statement has exactly
 * this many parameters (the last chunk is padded with nulls, which match nothing), so that a connection prepares one
 * shape only.
 */
const SELECT_IDS = 128;

/** `items` in chunks of `max` (a power of two), the rest in falling powers of two: 1,000 by 256 is 256×3, 128, 64, 32, 8. */
function templateChunks<T>(items: readonly T[], max: number): T[][] {
  const result: T[][] = [];
  let start = 0;
  for (let size = max; size >= 1; size = Math.floor(size / 2)) {
    while (items.length - start >= size) {
      result.push(items.slice(start, start + size));
      start += size;
      if (size < max) break;
    }
  }
  return result;
}

/** `ids` padded with nulls to SELECT_IDS parameters (`IN (…, null)` matches nothing more). */
function padded(ids: readonly string[]): Array<string | null> {
  const values: Array<string | null> = ids.slice();
  while (values.length < SELECT_IDS) values.push(null);
  return values;
}

/** The largest power of two not above `value`. */
function powerOfTwoAtMost(value: number): number {
  return 2 ** Math.floor(Math.log2(Math.max(1, value)));
}

/**
 * Compiled templated statements, by dialect and shape, for every store of the process: the SQL depends only on the
 * dialect (tables are never schema-qualified; PostgreSQL's schema comes from the search_path).
 */
const templates = new Map<string, CompiledQuery>();
const TEMPLATE_CACHE_SIZE = 256;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/** Stand-in rows for compiling an INSERT template: every column, in the order the parameters are pushed. */
const PAPER_PLACEHOLDER = Object.fromEntries(PAPER_WRITE_COLUMNS.map((column) => [column, 0])) as never;
const VERSION_PLACEHOLDER = Object.fromEntries(VERSION_COLUMNS.map((column) => [column, 0])) as never;

function nothingWritten(): UpsertResult {
  return { inserted: 0, updated: 0, unchanged: 0, versionsAdded: 0 };
}

/**
 * The own version record of the prepared record at `offset`, whose facts are `own`: what its own row gives (see
 * rows.ts `rowVersionRecord`), read from the prepared values without building the row.
 */
function preparedOwnRecord(values: readonly unknown[], offset: number, own: RowVersionFacts): VersionRow {
  return {
    paper_id: values[offset] as string,
    version: values[offset + 1] as number,
    submitted_at: own.submitted_at,
    size: own.size,
    source_type: own.source_type,
    title: nonEmpty(values[offset + 2] as string),
    abstract: values[offset + 5] ? null : nonEmpty(values[offset + 4] as string),
    announce_type: values[offset + 18] as string | null,
    announced_on: values[offset + 17] as string | null,
    source: values[offset + 23] as string,
  };
}

function versionFacts(record: VersionRow): RowVersionFacts {
  return { submitted_at: record.submitted_at, size: record.size, source_type: record.source_type };
}

function sameFacts(a: RowVersionFacts | undefined, b: RowVersionFacts | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.submitted_at === b.submitted_at && a.size === b.size && a.source_type === b.source_type;
}

function versionKey(paperId: string, version: number): string {
  return `${paperId}\u0000${version}`;
}

/**
 * The engine whose transaction the current async context runs in. A call on the outer store from inside that
 * transaction's work would wait for the transaction to end, which waits for the call: it fails at once instead.
 */
const activeTransaction = new AsyncLocalStorage<Engine>();

export interface KyselyStoreOptions {
  /**
   * Run SQLite transactions in the store's writer thread (default: true for a SQLite file), so that the work that
   * feeds a transaction (parsing) and SQLite's writing run at once on two cores (ADR 0009). The writer thread's own
   * store sets it to false.
   */
  writerThread?: boolean;
}

let nextStoreKey = 1;

/** Builds the Store over an opened database whose migrations have run. */
export function createKyselyStore(opened: OpenedDatabase, options: KyselyStoreOptions = {}): Store {
  const threaded = opened.dialect.kind === 'sqlite' && opened.file !== undefined && options.writerThread !== false;
  const key = nextStoreKey;
  nextStoreKey += 1;
  const engine: Engine = { ...opened, closed: false, threaded, key, usedThread: false, writes: Promise.resolve() };
  const store = new KyselyStore(engine, undefined);
  leaseStores.set(
    store,
    createKyselyLeaseStore(opened, () => engine.closed),
  );
  readerStores.set(
    store,
    createKyselyReaderStore(opened, () => engine.closed),
  );
  connections.set(store, { opened, isClosed: () => engine.closed });
  return store;
}

/** The connection of each store createKyselyStore made, for the small stores beside it (e.g. readers' subscriptions). */
const connections = new WeakMap<Store, { opened: OpenedDatabase; isClosed: () => boolean }>();

/** A store's own database connection and whether the store is closed; undefined for a store that createKyselyStore did not make. */
export function kyselyConnectionOf(store: Store): { opened: OpenedDatabase; isClosed: () => boolean } | undefined {
  return connections.get(store);
}

/** The reader store of each store createKyselyStore made (docs/decisions/0038): same database, same connection. */
const readerStores = new WeakMap<Store, ReaderStore>();

/** The readers kept in a store's database; undefined for a store that createKyselyStore did not make. */
export function kyselyReaderStore(store: Store): ReaderStore | undefined {
  return readerStores.get(store);
}

/** The lease store of each store createKyselyStore made: same database, same connection. */
const leaseStores = new WeakMap<Store, LeaseStore>();

/** The leases kept in a store's database; undefined for a store that createKyselyStore did not make. */
export function kyselyLeaseStore(store: Store): LeaseStore | undefined {
  return leaseStores.get(store);
}

/** What a store and the transactions opened on it share. */
interface Engine extends OpenedDatabase {
  closed: boolean;
  /** Whether transactions run in the writer thread. */
  threaded: boolean;
  /** This store's key in the writer thread. */
  key: number;
  /** Whether the writer thread has opened a connection for this store (to close at close()). */
  usedThread: boolean;
  /** Settles when the last write made outside a transaction has (they run in call order). */
  writes: Promise<unknown>;
}

/** An open transaction: its connection, whether it is still open, and the queue that runs its operations in turn. */
interface Scope {
  executor: Kysely<StoreDatabase>;
  open: boolean;
  queue: Promise<unknown>;
  savepoints: number;
}

class KyselyStore implements Store {
  readonly location: string;
  readonly #engine: Engine;
  readonly #db: Kysely<StoreDatabase>;
  readonly #dialect: StoreDialect;
  /** Set on the store a transaction hands to its work; undefined on the store createStore returns. */
  readonly #scope: Scope | undefined;

  constructor(engine: Engine, scope: Scope | undefined) {
    this.#engine = engine;
    this.#db = engine.db;
    this.#dialect = engine.dialect;
    this.location = engine.location;
    this.#scope = scope;
  }

  /** The compiled statement of this shape, built with the query builder once per process and dialect. */
  #template(shape: string, build: () => Compilable<unknown>, parameterCount: number): CompiledQuery {
    const key = `${this.#dialect.kind}:${shape}`;
    let template = templates.get(key);
    if (template) {
      templates.delete(key);
    } else {
      template = build().compile();
      // The parameters are bound by position, so the compiled shape must be exactly the one assumed.
      if (template.parameters.length !== parameterCount) {
        throw new Error(`internal: ${key} compiled to ${template.parameters.length} parameters, not ${parameterCount}`);
      }
      if (templates.size >= TEMPLATE_CACHE_SIZE) templates.delete(templates.keys().next().value as string);
    }
    templates.set(key, template);
    return template;
  }

  async #runTemplate<R>(executor: Kysely<StoreDatabase>, template: CompiledQuery, parameters: unknown[]): Promise<R[]> {
    const result = await executor.executeQuery<R>({ ...template, parameters } as CompiledQuery<R>);
    return result.rows;
  }

  /** `SELECT * FROM papers WHERE id IN (…)` for one chunk of at most SELECT_IDS ids. */
  #selectPapers(executor: Kysely<StoreDatabase>, ids: string[]): Promise<Array<Selectable<PapersTable>>> {
    return this.#runTemplate(executor, this.#papersByIdTemplate(), padded(ids));
  }

  #papersByIdTemplate(): CompiledQuery {
    return this.#template(`papers-by-id:${SELECT_IDS}`, () => this.#db.selectFrom('papers').selectAll().where('id', 'in', padded([])), SELECT_IDS);
  }

  /**
   * The version records of one chunk of papers, each as its key and a bit mask of its empty
   * columns (bit i: VERSION_FILL_COLUMNS[i]): all a batch needs to merge, at a fraction of reading the texts.
   */
  #selectVersionMasks(executor: Kysely<StoreDatabase>, ids: string[]): Promise<Array<{ paper_id: string; version: number; missing: number }>> {
    return this.#runTemplate(executor, this.#versionMasksTemplate(), padded(ids));
  }

  #versionMasksTemplate(): CompiledQuery {
    return this.#template(
      `version-masks-by-paper:${SELECT_IDS}`,
      () =>
        this.#db
          .selectFrom('paper_versions')
          .select((eb) => {
            const bits = VERSION_FILL_COLUMNS.map((column, index) =>
              eb
                .case()
                .when(column, 'is', null)
                .then(eb.lit(1 << index))
                .else(eb.lit(0))
                .end(),
            );
            const missing = bits.slice(1).reduce((sum, bit) => eb(sum, '+', bit), bits[0]!);
            return ['paper_id', 'version', missing.as('missing')];
          })
          .where('paper_id', 'in', padded([])),
      SELECT_IDS,
    );
  }

  /**
   * Multi-row `INSERT … ON CONFLICT (id) DO UPDATE` of whole paper rows; first_seen_at is never rewritten. Each
   * write is a row with the facts of the version record living in it, or the index of a prepared record in
   * `prepared` (written as prepared).
   */
  async #writePapers(
    executor: Kysely<StoreDatabase>,
    rows: Array<{ row: PaperRow; own: RowVersionFacts | undefined } | number>,
    prepared: readonly unknown[],
  ): Promise<void> {
    for (const chunk of templateChunks(rows, this.#rowsPerInsert(PAPER_WRITE_COLUMNS.length))) {
      const template = this.#papersUpsertTemplate(chunk.length);
      const parameters: unknown[] = [];
      for (const row of chunk) {
        if (typeof row !== 'number') {
          pushPaperValues(row.row, row.own, parameters);
          continue;
        }
        const offset = row * PREPARED_PAPER_WIDTH;
        for (let column = 0; column < PREPARED_PAPER_WIDTH; column += 1) parameters.push(prepared[offset + column]);
      }
      await this.#runTemplate(executor, template, parameters);
    }
  }

  #papersUpsertTemplate(rows: number): CompiledQuery {
    return this.#template(
      `papers-upsert:${rows}`,
      () =>
        this.#db
          .insertInto('papers')
          .values(Array.from({ length: rows }, () => PAPER_PLACEHOLDER))
          .onConflict((conflict) =>
            conflict.column('id').doUpdateSet((eb) => {
              const set: Record<string, unknown> = {};
              for (const column of PAPER_WRITE_COLUMNS) {
                if (column !== 'id' && column !== 'first_seen_at') set[column] = eb.ref(`excluded.${column}`);
              }
              return set as never;
            }),
          ),
      rows * PAPER_WRITE_COLUMNS.length,
    );
  }

  /**
   * Multi-row `INSERT … ON CONFLICT (paper_id, version) DO UPDATE` that fills empty columns, keeping stored ones. A
   * record leaving its paper's row is inserted whole.
   */
  async #writeVersions(executor: Kysely<StoreDatabase>, rows: VersionRow[]): Promise<void> {
    for (const chunk of templateChunks(rows, this.#rowsPerInsert(VERSION_COLUMNS.length))) {
      const parameters: unknown[] = [];
      for (const row of chunk) pushVersionValues(row, parameters);
      await this.#runTemplate(executor, this.#versionsUpsertTemplate(chunk.length), parameters);
    }
  }

  #versionsUpsertTemplate(rows: number): CompiledQuery {
    return this.#template(
      `versions-upsert:${rows}`,
      () =>
        this.#db
          .insertInto('paper_versions')
          .values(Array.from({ length: rows }, () => VERSION_PLACEHOLDER))
          .onConflict((conflict) =>
            conflict.columns(['paper_id', 'version']).doUpdateSet((eb) => {
              const set: Record<string, unknown> = {};
              for (const column of VERSION_FILL_COLUMNS) {
                set[column] = eb.fn.coalesce(`paper_versions.${column}`, `excluded.${column}`);
              }
              return set as never;
            }),
          ),
      rows * VERSION_COLUMNS.length,
    );
  }

  /**
   * Compiles the statements a batch write uses and has SQLite prepare them on this store's connection, so that a
   * connection's first batch does not wait for it (the writer thread does this while the first batch is parsed).
   */
  warmUp(): void {
    const prepare = this.#engine.prepare;
    if (!prepare) return;
    prepare(this.#papersByIdTemplate().sql);
    prepare(this.#versionMasksTemplate().sql);
    for (let rows = this.#rowsPerInsert(PAPER_WRITE_COLUMNS.length); rows >= 1; rows /= 2) prepare(this.#papersUpsertTemplate(rows).sql);
    for (let rows = this.#rowsPerInsert(VERSION_COLUMNS.length); rows >= 1; rows /= 2) prepare(this.#versionsUpsertTemplate(rows).sql);
  }

  /** Rows per multi-row INSERT for a table of `columns` columns, under the dialect's bound-parameter limit. */
  #rowsPerInsert(columns: number): number {
    return powerOfTwoAtMost(Math.min(this.#dialect.maxRowsPerInsert, Math.floor(this.#dialect.maxParameters / columns)));
  }

  /** Fails unless this store (or its transaction) can still be used. */
  #checkOpen(action: string): void {
    if (this.#engine.closed) {
      throw new XivdigestError({
        code: 'STORE_ERROR',
        message: `Could not ${action} in ${this.location}: the store is closed`,
        hint: 'Open the store again with createStore() before using it',
      });
    }
    if (!this.#scope && activeTransaction.getStore() === this.#engine) {
      throw new XivdigestError({
        code: 'STORE_ERROR',
        message: `Could not ${action} in ${this.location}: it was called on the store inside one of its own transactions, and would wait for that transaction forever`,
        hint: 'Inside transaction(), call the methods of the `tx` store it passes to your function',
      });
    }
    if (this.#scope && !this.#scope.open) {
      throw new XivdigestError({
        code: 'STORE_ERROR',
        message: `Could not ${action} in ${this.location}: its transaction has already ended`,
        hint: 'Use the transaction store only inside the function given to transaction(), and await every call in it',
      });
    }
  }

  /** Inside a transaction, runs operations one at a time, in call order (they share one connection and savepoints). */
  #queued<T>(work: () => Promise<T>): Promise<T> {
    const scope = this.#scope;
    if (!scope) return work();
    const result = scope.queue.then(work, work);
    scope.queue = result.catch(() => undefined);
    return result;
  }

  /** A read: on the transaction's connection inside one (it sees the transaction's own writes), else on the pool. */
  #read<T>(action: string, work: (executor: Kysely<StoreDatabase>) => Promise<T>): Promise<T> {
    return this.#queued(async () => {
      this.#checkOpen(action);
      try {
        return await work(this.#scope?.executor ?? this.#db);
      } catch (cause) {
        throw storeError({ action, location: this.location, cause });
      }
    });
  }

  /**
   * A write that is all or nothing: its own write transaction, or a savepoint inside the caller's transaction, so
   * that a caller may catch one failed write and go on. `outcome` says what a failure left behind.
   */
  #write<T>(action: string, outcome: string, work: (executor: Kysely<StoreDatabase>) => Promise<T>): Promise<T> {
    const run = async () => {
      this.#checkOpen(action);
      try {
        const scope = this.#scope;
        return scope ? await this.#inSavepoint(scope, work) : await this.#dialect.writeTransaction(this.#db, work);
      } catch (cause) {
        throw storeError({ action, location: this.location, cause, outcome });
      }
    };
    if (this.#scope) return this.#queued(run);
    // Outside a transaction each write is a transaction of its own; they run one at a time, in call order (on
    // PostgreSQL two could otherwise take the write lock in either order).
    const engine = this.#engine;
    const result = engine.writes.then(run, run);
    engine.writes = result.catch(() => undefined);
    return result;
  }

  async #inSavepoint<T>(scope: Scope, work: (executor: Kysely<StoreDatabase>) => Promise<T>): Promise<T> {
    scope.savepoints += 1;
    const name = sql.id(`xivdigest_${scope.savepoints}`);
    await sql`savepoint ${name}`.execute(scope.executor);
    try {
      const result = await work(scope.executor);
      await sql`release savepoint ${name}`.execute(scope.executor);
      return result;
    } catch (error) {
      // Should the rollback itself fail, the connection is broken and the outer transaction will fail too; the
      // first error is the one worth reporting.
      await sql`rollback to savepoint ${name}`.execute(scope.executor).catch(() => undefined);
      await sql`release savepoint ${name}`.execute(scope.executor).catch(() => undefined);
      throw error;
    } finally {
      scope.savepoints -= 1;
    }
  }

  async transaction<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    this.#checkOpen('start a transaction');
    const scope = this.#scope;
    if (scope) {
      // Nested: a savepoint in the open transaction. Not queued, since `work` queues its own operations.
      return this.#inSavepoint(scope, () => work(this));
    }
    if (this.#engine.threaded) return this.#threadTransaction(work);
    // Errors thrown by `work` pass through unchanged (a parse error stays a parse error); only failures to begin or
    // commit become STORE_ERRORs.
    let failedInWork = false;
    return this.#dialect
      .writeTransaction(this.#db, async (executor) => {
        const inner: Scope = { executor, open: true, queue: Promise.resolve(), savepoints: 0 };
        try {
          return await activeTransaction.run(this.#engine, () => work(new KyselyStore(this.#engine, inner)));
        } catch (error) {
          failedInWork = true;
          throw error;
        } finally {
          // Wait for operations the work started but did not await, then refuse any later ones.
          await inner.queue;
          inner.open = false;
        }
      })
      .catch((cause: unknown) => {
        if (failedInWork) throw cause;
        throw storeError({
          action: 'run a transaction',
          location: this.location,
          cause,
          outcome: 'it was rolled back, nothing of it was written',
        });
      });
  }

  /**
   * A transaction run by the writer thread, on its own connection to the file: `work` runs here, at once, and its
   * calls are forwarded there as the transaction has begun.
   */
  async #threadTransaction<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    const engine = this.#engine;
    const tx = new TransactionFacade(this.#openThreadTransaction(), this.location, () => engine.closed);
    let result: T;
    try {
      result = await activeTransaction.run(engine, () => work(tx));
    } catch (error) {
      // Errors thrown by `work` pass through unchanged (a parse error stays a parse error).
      await tx.end(false).catch(() => undefined);
      throw error;
    }
    try {
      await tx.end(true);
    } catch (cause) {
      throw storeError({
        action: 'run a transaction',
        location: this.location,
        cause,
        outcome: 'it was rolled back, nothing of it was written',
      });
    }
    return result;
  }

  /**
   * Begins a transaction in the writer thread. This store's connection stays held until it ends, so that this
   * store's other operations wait for it as they would for a transaction run here (and never block this thread on
   * SQLite's write lock). Without a writer thread to be had, the transaction runs here instead.
   */
  async #openThreadTransaction(): Promise<OpenTransaction> {
    const engine = this.#engine;
    const held = await holdConnection(this.#db);
    try {
      const thread = writerThread();
      engine.usedThread = true;
      const open = await beginRemote({ thread, location: this.location, store: engine.key, file: engine.file! });
      return {
        tx: open.tx,
        async end(commit) {
          try {
            await open.end(commit);
          } finally {
            held.release();
          }
        },
      };
    } catch (cause) {
      held.release();
      if (cause instanceof WriterThreadUnavailable) {
        // This and later transactions run in this thread, as they would without the writer thread.
        engine.threaded = false;
        return holdTransaction((work) => this.transaction(work));
      }
      throw storeError({ action: 'start a transaction', location: this.location, cause });
    }
  }

  upsertPapers(papers: Paper[]): Promise<UpsertResult> {
    if (papers.length === 0) return Promise.resolve(nothingWritten());
    // Prepared inside the write, so that a malformed record fails as a STORE_ERROR like any failed write.
    return this.#upsert(papers.length, () => preparePapers(papers, new Date().toISOString()));
  }

  /**
   * upsertPapers for records prepared with `preparePapers` (or `count` records a function prepares within the write):
   * how the writer thread writes what the thread that parsed them hands over (ADR 0009). Not part of the Store
   * contract.
   */
  upsertPrepared(prepared: PreparedPapers | (() => PreparedPapers), count?: number): Promise<UpsertResult> {
    const records = typeof prepared === 'function' ? count! : prepared.versionCounts.length;
    if (records === 0) return Promise.resolve(nothingWritten());
    return this.#upsert(records, typeof prepared === 'function' ? prepared : () => prepared);
  }

  #upsert(count: number, prepare: () => PreparedPapers): Promise<UpsertResult> {
    const action = `store ${count} paper${count === 1 ? '' : 's'}`;
    return this.#write(action, 'the batch was rolled back, nothing of it was written', async (trx) => {
      const result = nothingWritten();
      const prepared = prepare();
      const values = prepared.papers;
      const ids: string[] = [];
      const seen = new Set<string>();
      for (let index = 0; index < count; index += 1) {
        const id = values[index * PREPARED_PAPER_WIDTH] as string;
        if (!seen.has(id)) {
          seen.add(id);
          ids.push(id);
        }
      }
      const rows = new Map<string, PaperRow>();
      /** The facts of the version record living in each stored row, as stored: a change rewrites the row. */
      const storedOwn = new Map<string, RowVersionFacts | undefined>();
      const versions = new Map<string, VersionState>();
      for (const chunk of chunks(ids, SELECT_IDS)) {
        for (const stored of await this.#selectPapers(trx, chunk)) {
          const row = paperRowFromDb(stored);
          const own = rowVersionFactsFromDb(stored);
          rows.set(row.id, row);
          storedOwn.set(row.id, own);
          if (own) versions.set(versionKey(row.id, row.version!), rowVersionState(rowVersionRecord(row, own)));
        }
      }
      // Only stored papers have paper_versions rows (a foreign key says so): a batch of new papers skips this read.
      for (const chunk of chunks([...rows.keys()], SELECT_IDS)) {
        for (const row of await this.#selectVersionMasks(trx, chunk)) {
          // The sum of CASEs is an integer on both databases; Number() in case a driver returns it as text.
          versions.set(versionKey(row.paper_id, row.version), storedVersionState(row.paper_id, row.version, Number(row.missing)));
        }
      }
      const originalRows = new Map(rows);
      // Papers new to the store, by the index of their record: written from the prepared values as they are (the row
      // with its own version record in it, the listed records as paper_versions rows), unless the batch gives them
      // again: then they become a row and version states to merge into, as stored papers are.
      const fresh = new Map<string, number>();
      /** Where each record's listed versions start in prepared.versions. */
      const listedStarts: number[] = new Array(count);
      /** The version records of the record at `index`: its own (what its own row gives), then the others it lists. */
      const recordsOf = (index: number): VersionRow[] => {
        const offset = index * PREPARED_PAPER_WIDTH;
        const records: VersionRow[] = [];
        const own = preparedOwnVersion(values, offset);
        if (own !== undefined) records.push(preparedOwnRecord(values, offset, own));
        const start = listedStarts[index]!;
        for (let at = start; at < start + prepared.versionCounts[index]!; at += 1) {
          records.push(preparedListedVersion(prepared.versions, at * PREPARED_VERSION_WIDTH, values, offset));
        }
        return records;
      };

      // Diff in memory, record by record, so that a batch holding one paper twice merges both in order.
      let listedAt = 0;
      for (let index = 0; index < count; index += 1) {
        const offset = index * PREPARED_PAPER_WIDTH;
        const id = values[offset] as string;
        listedStarts[index] = listedAt;
        listedAt += prepared.versionCounts[index]!;
        let current = rows.get(id);
        if (current === undefined) {
          const first = fresh.get(id);
          if (first === undefined) {
            // A new paper: all its version records are new too.
            fresh.set(id, index);
            result.inserted += 1;
            result.versionsAdded += (preparedOwnVersion(values, offset) === undefined ? 0 : 1) + prepared.versionCounts[index]!;
            continue;
          }
          // The same new paper again: from here on it merges as a stored one would (its records were counted).
          current = preparedRow(values, first * PREPARED_PAPER_WIDTH);
          rows.set(id, current);
          fresh.delete(id);
          for (const record of recordsOf(first)) versions.set(versionKey(id, record.version), newVersionState(record));
        }
        let changed = false;
        const merged = mergePaperRow(current, preparedRow(values, offset));
        if (merged !== current) {
          rows.set(id, merged);
          changed = true;
        }
        for (const record of recordsOf(index)) {
          const key = versionKey(id, record.version);
          const state = versions.get(key);
          if (state === undefined) {
            versions.set(key, newVersionState(record));
            result.versionsAdded += 1;
            changed = true;
          } else if (fillVersion(state, record)) {
            changed = true;
          }
        }
        if (changed) result.updated += 1;
        else result.unchanged += 1;
      }

      // Each row's own version record lives in the row when the row gives it back whole (ADR 0009); the other records
      // are paper_versions rows. Write only what differs from what was read.
      const inRows = new Set<VersionState>();
      const paperWrites: Array<{ row: PaperRow; own: RowVersionFacts | undefined } | number> = [];
      const versionWrites: VersionRow[] = [];
      for (const index of fresh.values()) {
        // A new paper's own record is its record's own version record, which its row always gives back whole.
        paperWrites.push(index);
        const offset = index * PREPARED_PAPER_WIDTH;
        const start = listedStarts[index]!;
        for (let at = start; at < start + prepared.versionCounts[index]!; at += 1) {
          versionWrites.push(preparedListedVersion(prepared.versions, at * PREPARED_VERSION_WIDTH, values, offset));
        }
      }
      for (const [id, row] of rows) {
        const state = row.version === null ? undefined : versions.get(versionKey(id, row.version));
        const own = livesInRow(state, row) ? versionFacts(state!.pending) : undefined;
        if (own !== undefined) inRows.add(state!);
        if (originalRows.get(id) !== row || !sameFacts(storedOwn.get(id), own)) paperWrites.push({ row, own });
      }
      await this.#writePapers(trx, paperWrites, values);
      for (const state of versions.values()) if (!inRows.has(state) && writesVersionRow(state)) versionWrites.push(state.pending);
      await this.#writeVersions(trx, versionWrites);
      // The search index follows the rows written, in the same transaction (ADR 0028).
      await indexRows(
        trx,
        this.#dialect.kind,
        paperWrites.map((write) => (typeof write === 'number' ? preparedIndexedRow(values, write * PREPARED_PAPER_WIDTH) : write.row)),
      );
      return result;
    });
  }

  getPapers(query: PaperQuery = {}): Promise<StoredPaper[]> {
    return this.#read('read papers', async (executor) => {
      const limit = query.limit;
      const offset = query.offset ?? 0;
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw invalidQuery('limit', limit);
      if (!Number.isInteger(offset) || offset < 0) throw invalidQuery('offset', offset);
      let rows: Array<Selectable<PapersTable>>;
      if (query.ids) {
        const ids = [...new Set(query.ids)];
        const byId = new Map<string, Selectable<PapersTable>>();
        for (const chunk of chunks(ids, IDS_PER_QUERY)) {
          let select = executor.selectFrom('papers').selectAll().where('id', 'in', chunk);
          if (query.category !== undefined) select = select.where(this.#dialect.hasCategory(query.category));
          for (const row of await select.execute()) byId.set(row.id, row);
        }
        rows = ids.flatMap((id) => byId.get(id) ?? []);
        rows = rows.slice(offset, limit === undefined ? undefined : offset + limit);
      } else {
        let select = executor.selectFrom('papers').selectAll().orderBy('sort_day', 'desc').orderBy('id', 'desc');
        if (query.category !== undefined) select = select.where(this.#dialect.hasCategory(query.category));
        // SQLite accepts OFFSET only after a LIMIT; a limit beyond any table means "no limit" on both databases.
        if (limit !== undefined || offset > 0) select = select.limit(limit ?? Number.MAX_SAFE_INTEGER).offset(offset);
        rows = await select.execute();
      }
      const versions = await versionsOf(executor, rows);
      return rows.map((row) => toStoredPaper(row, versions.get(row.id) ?? []));
    });
  }

  getVersions(paperId: string): Promise<StoredVersion[]> {
    return this.#read(`read the versions of ${paperId}`, async (executor) => {
      const rows: VersionRow[] = await executor.selectFrom('paper_versions').selectAll().where('paper_id', '=', paperId).orderBy('version').execute();
      // The record of the paper row's version, when it lives in that row.
      const paper = await executor.selectFrom('papers').selectAll().where('id', '=', paperId).executeTakeFirst();
      const own = paper && rowVersionFactsFromDb(paper);
      if (paper && own) {
        rows.push(rowVersionRecord(paperRowFromDb(paper), own));
        rows.sort((a, b) => a.version - b.version);
      }
      return rows.map(toStoredVersion);
    });
  }

  saveTexts(texts: StoredTexts[]): Promise<{ inserted: number; replaced: number }> {
    const counts = { inserted: 0, replaced: 0 };
    if (texts.length === 0) return Promise.resolve(counts);
    return this.#write(`save ${texts.length} generated texts`, 'none of them was saved', async (trx) => {
      const existing = new Set<string>();
      const paperIds = [...new Set(texts.map((item) => item.paperId))];
      for (const chunk of chunks(paperIds, IDS_PER_QUERY)) {
        const keys = await trx.selectFrom('paper_texts').select(TEXTS_KEY_COLUMNS).where('paper_id', 'in', chunk).execute();
        for (const key of keys) existing.add(textsKey(key));
      }
      // The same key twice in one batch: the last one wins (one statement may not update a row twice).
      const rows = new Map<string, Insertable<StoreDatabase['paper_texts']>>();
      for (const item of texts) {
        const row = textsToRow(item);
        const key = textsKey(row);
        if (existing.has(key) || rows.has(key)) counts.replaced += 1;
        else counts.inserted += 1;
        rows.delete(key);
        rows.set(key, row);
      }
      for (const chunk of chunks([...rows.values()], this.#rowsPerInsert(TEXTS_COLUMN_COUNT))) {
        await trx
          .insertInto('paper_texts')
          .values(chunk)
          .onConflict((conflict) =>
            conflict.columns([...TEXTS_KEY_COLUMNS]).doUpdateSet((eb) => ({
              title: eb.ref('excluded.title'),
              tldr: eb.ref('excluded.tldr'),
              tldr_en: eb.ref('excluded.tldr_en'),
              abstract: eb.ref('excluded.abstract'),
              status: eb.ref('excluded.status'),
              reason: eb.ref('excluded.reason'),
              flags: eb.ref('excluded.flags'),
              total_tokens: eb.ref('excluded.total_tokens'),
              created_at: eb.ref('excluded.created_at'),
              summary: eb.ref('excluded.summary'),
            })),
          )
          .execute();
      }
      // The search index holds every ok translation: in step, in the same transaction (ADR 0028).
      await indexPapers(trx, this.#dialect.kind, paperIds);
      return counts;
    });
  }

  search(request: SearchRequest): Promise<SearchResponse> {
    return this.#read('search the archive', (executor) => searchPapers(executor, this.#dialect.kind, request));
  }

  announcementDays(query?: DayQuery): Promise<ArchiveDay[]> {
    return this.#read('list announcement days', (executor) => announcementDays(executor, this.#dialect.kind, query));
  }

  archiveCategories(): Promise<ArchiveCategory[]> {
    return this.#read('list archive categories', (executor) => archiveCategories(executor, this.#dialect.kind));
  }

  /**
   * Rebuilds the search index from the stored papers and texts in one write transaction (readers see the old index
   * until it commits): `xivdigest reindex`. Not part of the Store contract; see rebuildSearchIndex().
   */
  rebuildSearchIndex(onProgress?: (done: number, total: number) => void): Promise<{ papers: number }> {
    return this.#write('rebuild the search index', 'the index is as it was', async (trx) => {
      await clearIndex(trx, this.#dialect.kind);
      const papers = await indexAll(trx, this.#dialect.kind, onProgress ? { onProgress } : {});
      return { papers };
    });
  }

  getTexts(paperIds: string[]): Promise<StoredTexts[]> {
    return this.#read('read generated texts', async (executor) => {
      const result: StoredTexts[] = [];
      for (const chunk of chunks([...new Set(paperIds)], IDS_PER_QUERY)) {
        const rows = await executor.selectFrom('paper_texts').selectAll().where('paper_id', 'in', chunk).execute();
        for (const row of rows) result.push(toStoredTexts(row));
      }
      // Newest first; ties in a stable, meaningful order (paper, newer version, language, provider, model).
      return result.sort(
        (a, b) =>
          compare(b.createdAt, a.createdAt) ||
          compare(a.paperId, b.paperId) ||
          (b.version ?? 0) - (a.version ?? 0) ||
          compare(a.lang, b.lang) ||
          compare(a.provider, b.provider) ||
          compare(a.model, b.model) ||
          compare(a.promptVersion, b.promptVersion) ||
          compare(a.abstractHash, b.abstractHash),
      );
    });
  }

  saveDigest(digest: Digest): Promise<void> {
    const outcome = 'a digest of that name saved earlier, if any, is unchanged';
    return this.#write(`save digest ${digest.name}`, outcome, async (trx) => {
      await trx.deleteFrom('digest_entries').where('digest_name', '=', digest.name).execute();
      await trx.deleteFrom('digests').where('name', '=', digest.name).execute();
      await trx.insertInto('digests').values(digestToRow(digest)).execute();
      const entries = digest.entries.map((entry, index) => entryToRow(digest.name, index, entry));
      for (const chunk of chunks(entries, this.#rowsPerInsert(DIGEST_ENTRY_COLUMN_COUNT))) {
        await trx.insertInto('digest_entries').values(chunk).execute();
      }
    });
  }

  getDigest(name: string): Promise<Digest | undefined> {
    return this.#read(`read digest ${name}`, async (executor) => {
      const digest = await executor.selectFrom('digests').selectAll().where('name', '=', name).executeTakeFirst();
      if (!digest) return undefined;
      const entries = await executor.selectFrom('digest_entries').selectAll().where('digest_name', '=', name).orderBy('position').execute();
      return toDigest(digest, entries);
    });
  }

  listDigests(): Promise<Array<{ name: string; style: string; entries: number; createdAt: string }>> {
    return this.#read('list digests', async (executor) => {
      const rows = await executor
        .selectFrom('digests')
        .leftJoin('digest_entries', 'digest_entries.digest_name', 'digests.name')
        .select((eb) => ['digests.name', 'digests.style', 'digests.created_at', eb.fn.count<number | string | bigint>('digest_entries.position').as('entries')])
        .groupBy(['digests.name', 'digests.style', 'digests.created_at'])
        .orderBy('digests.created_at', 'desc')
        .orderBy('digests.name')
        .execute();
      // PostgreSQL's count() is a bigint, which pg returns as a string.
      return rows.map((row) => ({ name: row.name, style: row.style, entries: Number(row.entries), createdAt: row.created_at }));
    });
  }

  getState<T = unknown>(key: string): Promise<T | undefined> {
    return this.#read(`read state ${key}`, async (executor) => {
      const row = await executor.selectFrom('state').select('value').where('key', '=', key).executeTakeFirst();
      return row === undefined ? undefined : readJsonValue<T>(row.value);
    });
  }

  setState(key: string, value: unknown): Promise<void> {
    return this.#write(`save state ${key}`, 'the value saved earlier, if any, is unchanged', async (trx) => {
      if (value === undefined) {
        await trx.deleteFrom('state').where('key', '=', key).execute();
        return;
      }
      const row = { key, value: canonicalJson(value), updated_at: new Date().toISOString() };
      await trx
        .insertInto('state')
        .values(row)
        .onConflict((conflict) => conflict.column('key').doUpdateSet({ value: row.value, updated_at: row.updated_at }))
        .execute();
    });
  }

  recordDecisions(decisions: PaperDecision[]): Promise<{ inserted: number; existing: number }> {
    const action = `record ${decisions.length} decision${decisions.length === 1 ? '' : 's'}`;
    return this.#write(action, 'none of them was recorded', async (trx) => {
      let inserted = 0;
      for (const chunk of chunks(decisions.map(decisionToRow), this.#rowsPerInsert(DECISION_COLUMN_COUNT))) {
        const result = await trx
          .insertInto('decisions')
          .values(chunk)
          .onConflict((conflict) => conflict.columns(['subscription', 'paper_id', 'abstract_hash']).doNothing())
          .executeTakeFirst();
        inserted += Number(result.numInsertedOrUpdatedRows ?? 0n);
      }
      return { inserted, existing: decisions.length - inserted };
    });
  }

  getDecisions(subscription: string, paperIds: string[]): Promise<PaperDecision[]> {
    return this.#read(`read the decisions of ${subscription}`, async (executor) => {
      const result: PaperDecision[] = [];
      for (const chunk of chunks([...new Set(paperIds)], IDS_PER_QUERY)) {
        const rows = await executor.selectFrom('decisions').selectAll().where('subscription', '=', subscription).where('paper_id', 'in', chunk).execute();
        for (const row of rows) result.push(toDecision(row));
      }
      return result.sort((a, b) => compare(a.decidedAt, b.decidedAt) || compare(a.paperId, b.paperId));
    });
  }

  getRunDecisions(runId: string): Promise<PaperDecision[]> {
    return this.#read(`read the decisions of run ${runId}`, async (executor) => {
      const rows = await executor.selectFrom('decisions').selectAll().where('run_id', '=', runId).execute();
      return rows.map(toDecision).sort((a, b) => compare(a.decidedAt, b.decidedAt) || compare(a.paperId, b.paperId));
    });
  }

  saveRun(run: RunRecord): Promise<void> {
    return this.#write(`save run ${run.id}`, 'the run saved earlier, if any, is unchanged', async (trx) => {
      const row = {
        id: run.id,
        subscription: run.subscription ?? null,
        started_at: run.startedAt,
        finished_at: run.finishedAt ?? null,
        status: run.status,
        report: canonicalJson(redactDeep(run.report)),
      };
      await trx
        .insertInto('runs')
        .values(row)
        .onConflict((conflict) =>
          conflict.column('id').doUpdateSet({
            subscription: row.subscription,
            started_at: row.started_at,
            finished_at: row.finished_at,
            status: row.status,
            report: row.report,
          }),
        )
        .execute();
    });
  }

  getRun(id: string): Promise<RunRecord | undefined> {
    return this.#read(`read run ${id}`, async (executor) => {
      const row = await executor.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toRunRecord(row);
    });
  }

  listRuns(query: { subscription?: string; limit?: number } = {}): Promise<RunRecord[]> {
    return this.#read('list runs', async (executor) => {
      let select = executor.selectFrom('runs').selectAll();
      if (query.subscription !== undefined) select = select.where('subscription', '=', query.subscription);
      select = select.orderBy('started_at', 'desc').orderBy('id', 'desc');
      if (query.limit !== undefined) select = select.limit(query.limit);
      return (await select.execute()).map(toRunRecord);
    });
  }

  setFeedback(feedback: Omit<Feedback, 'kind'> & { kind: Feedback['kind'] | 'clear' }): Promise<void> {
    const action = `save feedback on ${feedback.paperId} for ${feedback.subscription}`;
    return this.#write(action, 'earlier feedback, if any, is unchanged', async (trx) => {
      await trx.deleteFrom('feedback').where('subscription', '=', feedback.subscription).where('paper_id', '=', feedback.paperId).execute();
      if (feedback.kind === 'clear') return;
      await trx
        .insertInto('feedback')
        .values({ subscription: feedback.subscription, paper_id: feedback.paperId, kind: feedback.kind, at: feedback.at })
        .execute();
    });
  }

  getFeedback(subscription: string): Promise<Feedback[]> {
    return this.#read(`read the feedback of ${subscription}`, async (executor) => {
      const rows = await executor.selectFrom('feedback').selectAll().where('subscription', '=', subscription).orderBy('at').orderBy('paper_id').execute();
      return rows.map((row) => ({ subscription: row.subscription, paperId: row.paper_id, kind: row.kind as Feedback['kind'], at: row.at }));
    });
  }

  async close(): Promise<void> {
    if (this.#scope) {
      throw new XivdigestError({
        code: 'STORE_ERROR',
        message: `Could not close the store in ${this.location} from inside a transaction`,
        hint: 'Close the store that createStore() returned, after the transaction has ended',
      });
    }
    if (activeTransaction.getStore() === this.#engine) {
      throw new XivdigestError({
        code: 'STORE_ERROR',
        message: `Could not close the store in ${this.location} while one of its transactions runs`,
        hint: 'Close it after transaction() has returned',
      });
    }
    if (this.#engine.closed) return;
    this.#engine.closed = true;
    try {
      // The writer thread's connection first: it may still be checkpointing this store's last transaction.
      if (this.#engine.usedThread) await closeInWriterThread(this.#engine.key);
      await this.#db.destroy();
    } catch (cause) {
      throw storeError({ action: 'close the store', location: this.location, cause });
    }
  }
}

/** Closes the writer thread's connection to a store, if it has one; a thread that is gone has none. */
async function closeInWriterThread(store: number): Promise<void> {
  try {
    await writerThread().request({ op: 'close', store });
  } catch {
    // No writer thread (any more): nothing of this store is open there.
  }
}

/** Holds the connection of a Kysely instance (its single SQLite connection) until `release`. */
function holdConnection(db: Kysely<StoreDatabase>): Promise<{ release(): void }> {
  return new Promise((resolveHeld, rejectHeld) => {
    db.connection()
      .execute(() => new Promise<void>((release) => resolveHeld({ release: () => release() })))
      .catch(rejectHeld);
  });
}

/** The version facts of these papers, oldest first, by paper: their paper_versions rows and the records in the rows. */
async function versionsOf(executor: Kysely<StoreDatabase>, papers: Array<Selectable<PapersTable>>): Promise<Map<string, VersionFacts[]>> {
  const byPaper = new Map<string, VersionFacts[]>();
  for (const chunk of chunks(
    papers.map((paper) => paper.id),
    IDS_PER_QUERY,
  )) {
    const rows = await executor
      .selectFrom('paper_versions')
      .select(['paper_id', 'version', 'submitted_at', 'size', 'source_type'])
      .where('paper_id', 'in', chunk)
      .orderBy('paper_id')
      .orderBy('version')
      .execute();
    for (const row of rows) {
      const list = byPaper.get(row.paper_id);
      if (list) list.push(row);
      else byPaper.set(row.paper_id, [row]);
    }
  }
  for (const paper of papers) {
    const own = rowVersionFactsFromDb(paper);
    if (!own) continue;
    const facts: VersionFacts = { paper_id: paper.id, version: paper.version!, ...own };
    const list = byPaper.get(paper.id);
    if (!list) byPaper.set(paper.id, [facts]);
    else {
      list.push(facts);
      list.sort((a, b) => a.version - b.version);
    }
  }
  return byPaper;
}

const DECISION_COLUMN_COUNT = 11;

function decisionToRow(decision: PaperDecision): Insertable<DecisionsTable> {
  return {
    subscription: decision.subscription,
    paper_id: decision.paperId,
    abstract_hash: decision.abstractHash,
    version: decision.version,
    day: decision.day ?? null,
    run_id: decision.runId,
    decision: decision.decision,
    reason: decision.reason,
    score: decision.score ?? null,
    updated_from: decision.updatedFrom ?? null,
    decided_at: decision.decidedAt,
  };
}

function toDecision(row: Selectable<DecisionsTable>): PaperDecision {
  const decision: PaperDecision = {
    subscription: row.subscription,
    paperId: row.paper_id,
    abstractHash: row.abstract_hash,
    version: row.version === null ? null : Number(row.version),
    runId: row.run_id,
    decision: row.decision as PaperDecision['decision'],
    reason: row.reason,
    decidedAt: row.decided_at,
  };
  if (row.day !== null) decision.day = row.day;
  if (row.score !== null) decision.score = Number(row.score);
  if (row.updated_from !== null) decision.updatedFrom = Number(row.updated_from);
  return decision;
}

function toRunRecord(row: Selectable<RunsTable>): RunRecord {
  const run: RunRecord = { id: row.id, startedAt: row.started_at, status: row.status, report: readJsonValue(row.report) };
  if (row.subscription !== null) run.subscription = row.subscription;
  if (row.finished_at !== null) run.finishedAt = row.finished_at;
  return run;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function invalidQuery(field: string, value: unknown): XivdigestError {
  return new XivdigestError({
    code: 'STORE_ERROR',
    message: `Could not read papers: ${field} must be a whole number of 0 or more, not ${String(value)}`,
    hint: `Pass a non-negative integer as ${field}`,
  });
}
