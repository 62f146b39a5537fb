/** The one Store implementation: Kysely queries written once, run on SQLite or PostgreSQL through a StoreDialect. */
import { AsyncLocalStorage } from 'node:async_hooks';
import { sql, type CompiledQuery, type Compilable, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { Digest } from '../../core/digest.js';
import { XivdigestError } from '../../core/errors.js';
import type { Paper, StoredPaper } from '../../core/paper.js';
import type { StoredTexts } from '../../core/texts.js';
import type { PapersTable, PaperVersionsTable, StoreDatabase } from '../schema.js';
import type { PaperQuery, Store, StoredVersion, UpsertResult } from '../store.js';
import type { OpenedDatabase, StoreDialect } from './dialect.js';
import { storeError } from './errors.js';
import {
  fillVersion,
  mergePaperRow,
  newVersionState,
  storedVersionState,
  VERSION_FILL_COLUMNS,
  type VersionState,
} from './merge.js';
import {
  entryToRow,
  PAPER_COLUMNS,
  paperRowFromDb,
  paperToRow,
  textsKey,
  textsToRow,
  toDigest,
  toStoredPaper,
  toStoredTexts,
  toStoredVersion,
  VERSION_COLUMNS,
  versionRowsOf,
  type PaperRow,
  type VersionRow,
} from './rows.js';

/** Ids per `WHERE … IN (…)`: well under both parameter limits, and short enough for the planners. */
const IDS_PER_QUERY = 5_000;
const TEXTS_KEY_COLUMNS = ['paper_id', 'version', 'lang', 'provider', 'model', 'prompt_version', 'abstract_hash'] as const;
const TEXTS_COLUMN_COUNT = 16;
const DIGEST_ENTRY_COLUMN_COUNT = 15;

/**
 * Rows per templated statement (a batch's SELECT … IN and multi-row INSERTs), at most. Statements are cut into powers
 * of two up to this size, so that a process compiles and prepares a handful of shapes, whatever its batch sizes,
 * and each compile stays cheap: compiling one 1,000-row INSERT takes Kysely longer than SQLite takes to run it.
 */
const TEMPLATE_MAX_ROWS = 128;

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
const PAPER_PLACEHOLDER = Object.fromEntries(PAPER_COLUMNS.map((column) => [column, 0])) as never;
const VERSION_PLACEHOLDER = Object.fromEntries(VERSION_COLUMNS.map((column) => [column, 0])) as never;

function versionKey(paperId: string, version: number): string {
  return `${paperId}\u0000${version}`;
}

/**
 * The engine whose transaction the current async context runs in. A call on the outer store from inside that
 * transaction's work would wait for the transaction to end, which waits for the call: it fails at once instead.
 */
const activeTransaction = new AsyncLocalStorage<Engine>();

/** Builds the Store over an opened database whose migrations have run. */
export function createKyselyStore(opened: OpenedDatabase): Store {
  return new KyselyStore({ ...opened, closed: false }, undefined);
}

/** What a store and the transactions opened on it share. */
interface Engine extends OpenedDatabase {
  closed: boolean;
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

  /** `SELECT * FROM papers WHERE id IN (…)` for one chunk of ids. */
  #selectPapers(executor: Kysely<StoreDatabase>, ids: string[]): Promise<Array<Selectable<PapersTable>>> {
    const template = this.#template(
      `papers-by-id:${ids.length}`,
      () => this.#db.selectFrom('papers').selectAll().where('id', 'in', ids),
      ids.length,
    );
    return this.#runTemplate(executor, template, ids);
  }

  /**
   * The version records of one chunk of papers, each as its key and a bit mask of its empty
   * columns (bit i: VERSION_FILL_COLUMNS[i]): all a batch needs to merge, at a fraction of reading the texts.
   */
  #selectVersionMasks(
    executor: Kysely<StoreDatabase>,
    ids: string[],
  ): Promise<Array<{ paper_id: string; version: number; missing: number }>> {
    const template = this.#template(
      `version-masks-by-paper:${ids.length}`,
      () =>
        this.#db
          .selectFrom('paper_versions')
          .select((eb) => {
            const bits = VERSION_FILL_COLUMNS.map((column, index) =>
              eb.case().when(column, 'is', null).then(eb.lit(1 << index)).else(eb.lit(0)).end(),
            );
            const missing = bits.slice(1).reduce((sum, bit) => eb(sum, '+', bit), bits[0]!);
            return ['paper_id', 'version', missing.as('missing')];
          })
          .where('paper_id', 'in', ids),
      ids.length,
    );
    return this.#runTemplate(executor, template, ids);
  }

  /** Multi-row `INSERT … ON CONFLICT (id) DO UPDATE` of whole paper rows; first_seen_at is never rewritten. */
  async #writePapers(executor: Kysely<StoreDatabase>, rows: PaperRow[]): Promise<void> {
    for (const chunk of templateChunks(rows, this.#rowsPerInsert(PAPER_COLUMNS.length))) {
      const template = this.#template(
        `papers-upsert:${chunk.length}`,
        () =>
          this.#db
            .insertInto('papers')
            .values(chunk.map(() => PAPER_PLACEHOLDER))
            .onConflict((conflict) =>
              conflict.column('id').doUpdateSet((eb) => {
                const set: Record<string, unknown> = {};
                for (const column of PAPER_COLUMNS) {
                  if (column !== 'id' && column !== 'first_seen_at') set[column] = eb.ref(`excluded.${column}`);
                }
                return set as never;
              }),
            ),
        chunk.length * PAPER_COLUMNS.length,
      );
      const parameters: unknown[] = [];
      for (const row of chunk) for (const column of PAPER_COLUMNS) parameters.push(row[column]);
      await this.#runTemplate(executor, template, parameters);
    }
  }

  /** Multi-row `INSERT … ON CONFLICT (paper_id, version) DO UPDATE` that fills empty columns, keeping stored ones. */
  async #writeVersions(executor: Kysely<StoreDatabase>, rows: VersionRow[]): Promise<void> {
    for (const chunk of templateChunks(rows, this.#rowsPerInsert(VERSION_COLUMNS.length))) {
      const template = this.#template(
        `versions-upsert:${chunk.length}`,
        () =>
          this.#db
            .insertInto('paper_versions')
            .values(chunk.map(() => VERSION_PLACEHOLDER))
            .onConflict((conflict) =>
              conflict.columns(['paper_id', 'version']).doUpdateSet((eb) => {
                const set: Record<string, unknown> = {};
                for (const column of VERSION_FILL_COLUMNS) {
                  set[column] = eb.fn.coalesce(`paper_versions.${column}`, `excluded.${column}`);
                }
                return set as never;
              }),
            ),
        chunk.length * VERSION_COLUMNS.length,
      );
      const parameters: unknown[] = [];
      for (const row of chunk) for (const column of VERSION_COLUMNS) parameters.push(row[column]);
      await this.#runTemplate(executor, template, parameters);
    }
  }

  /** Rows per multi-row INSERT for a table of `columns` columns, under the dialect's bound-parameter limit. */
  #rowsPerInsert(columns: number): number {
    return powerOfTwoAtMost(Math.min(TEMPLATE_MAX_ROWS, Math.floor(this.#dialect.maxParameters / columns)));
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
    return this.#queued(async () => {
      this.#checkOpen(action);
      try {
        const scope = this.#scope;
        return scope ? await this.#inSavepoint(scope, work) : await this.#dialect.writeTransaction(this.#db, work);
      } catch (cause) {
        throw storeError({ action, location: this.location, cause, outcome });
      }
    });
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

  upsertPapers(papers: Paper[]): Promise<UpsertResult> {
    const result: UpsertResult = { inserted: 0, updated: 0, unchanged: 0, versionsAdded: 0 };
    if (papers.length === 0) return Promise.resolve(result);
    const action = `store ${papers.length} paper${papers.length === 1 ? '' : 's'}`;
    return this.#write(action, 'the batch was rolled back, nothing of it was written', async (trx) => {
      const ids = [...new Set(papers.map((paper) => paper.id))];
      const rows = new Map<string, PaperRow>();
      const versions = new Map<string, VersionState>();
      for (const chunk of templateChunks(ids, TEMPLATE_MAX_ROWS * 2)) {
        for (const row of await this.#selectPapers(trx, chunk)) rows.set(row.id, paperRowFromDb(row));
      }
      // Only stored papers have version records (a foreign key says so): a batch of new papers skips this read.
      for (const chunk of templateChunks([...rows.keys()], TEMPLATE_MAX_ROWS * 2)) {
        for (const row of await this.#selectVersionMasks(trx, chunk)) {
          // The sum of CASEs is an integer on both databases; Number() in case a driver returns it as text.
          versions.set(versionKey(row.paper_id, row.version), storedVersionState(row.paper_id, row.version, Number(row.missing)));
        }
      }
      const originalRows = new Map(rows);

      // Diff in memory, record by record, so that a batch holding one paper twice merges both in order.
      const now = new Date().toISOString();
      for (const paper of papers) {
        const incoming = paperToRow(paper, now);
        const current = rows.get(paper.id);
        let changed = false;
        if (current === undefined) {
          rows.set(paper.id, incoming);
        } else {
          const merged = mergePaperRow(current, incoming);
          if (merged !== current) {
            rows.set(paper.id, merged);
            changed = true;
          }
        }
        for (const versionRow of versionRowsOf(paper)) {
          const key = versionKey(versionRow.paper_id, versionRow.version);
          const state = versions.get(key);
          if (state === undefined) {
            versions.set(key, newVersionState(versionRow));
            result.versionsAdded += 1;
            changed = true;
          } else if (fillVersion(state, versionRow)) {
            changed = true;
          }
        }
        if (current === undefined) result.inserted += 1;
        else if (changed) result.updated += 1;
        else result.unchanged += 1;
      }

      // Write only rows that differ from what was read: the multi-row upserts insert the new ones and rewrite the
      // changed ones.
      await this.#writePapers(
        trx,
        [...rows.values()].filter((row) => originalRows.get(row.id) !== row),
      );
      await this.#writeVersions(
        trx,
        [...versions.values()].filter((state) => state.dirty).map((state) => state.pending),
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
      const versions = await versionsOf(executor, rows.map((row) => row.id));
      return rows.map((row) => toStoredPaper(row, versions.get(row.id) ?? []));
    });
  }

  getVersions(paperId: string): Promise<StoredVersion[]> {
    return this.#read(`read the versions of ${paperId}`, async (executor) => {
      const rows = await executor
        .selectFrom('paper_versions')
        .selectAll()
        .where('paper_id', '=', paperId)
        .orderBy('version')
        .execute();
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
            })),
          )
          .execute();
      }
      return counts;
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
      await trx
        .insertInto('digests')
        .values({ name: digest.name, style: digest.style, lang: digest.lang, created_at: digest.createdAt })
        .execute();
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
      const entries = await executor
        .selectFrom('digest_entries')
        .selectAll()
        .where('digest_name', '=', name)
        .orderBy('position')
        .execute();
      return toDigest(digest, entries);
    });
  }

  listDigests(): Promise<Array<{ name: string; style: string; entries: number; createdAt: string }>> {
    return this.#read('list digests', async (executor) => {
      const rows = await executor
        .selectFrom('digests')
        .leftJoin('digest_entries', 'digest_entries.digest_name', 'digests.name')
        .select((eb) => [
          'digests.name',
          'digests.style',
          'digests.created_at',
          eb.fn.count<number | string | bigint>('digest_entries.position').as('entries'),
        ])
        .groupBy(['digests.name', 'digests.style', 'digests.created_at'])
        .orderBy('digests.created_at', 'desc')
        .orderBy('digests.name')
        .execute();
      // PostgreSQL's count() is a bigint, which pg returns as a string.
      return rows.map((row) => ({ name: row.name, style: row.style, entries: Number(row.entries), createdAt: row.created_at }));
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
      await this.#db.destroy();
    } catch (cause) {
      throw storeError({ action: 'close the store', location: this.location, cause });
    }
  }
}

/** The version records of these papers, oldest first, by paper. */
async function versionsOf(
executor: Kysely<StoreDatabase>,
ids: string[],
): Promise<Map<string, Array<Selectable<PaperVersionsTable>>>> {
  const byPaper = new Map<string, Array<Selectable<PaperVersionsTable>>>();
  for (const chunk of chunks(ids, IDS_PER_QUERY)) {
    const rows = await executor
      .selectFrom('paper_versions')
      .selectAll()
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
  return byPaper;
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
