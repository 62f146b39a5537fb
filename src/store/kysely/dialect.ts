/** Everything that differs between SQLite and PostgreSQL, in one place: opening, write locking, JSON and migrations. */
import { redact as redactText, redactUrl, rememberSecrets } from '../../core/redact.js';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type DatabaseIntrospector,
  type RawBuilder,
  type SchemaMetadata,
  type SqlBool,
  type SqliteDatabase,
  type SqliteStatement,
  type TableMetadata,
} from 'kysely';
import { XivdigestError } from '../../core/errors.js';
import { createMigrationProvider, type MigrationContext, type MigrationProgressListener } from '../migrations/index.js';
import type { StoreDatabase } from '../schema.js';
import { storeError } from './errors.js';
import { copyingClient } from './copy.js';
import { loadNativeRank } from './search/native-rank.js';
import { dropDocuments, flushPending, holdDocuments } from './search/pending.js';

export type DialectKind = 'sqlite' | 'postgres';

export interface StoreDialect {
  readonly kind: DialectKind;
  /** Bound parameters one statement may carry (SQLite's SQLITE_MAX_VARIABLE_NUMBER, PostgreSQL's protocol limit). */
  readonly maxParameters: number;
  /**
   * Rows per multi-row INSERT, at most (a power of two; statements are cut into powers of two up to it, so that a
   * connection prepares a handful of shapes). SQLite runs a statement in-process, so small ones cost nothing more to
   * run, and every shape is prepared anew on each connection (a 128-row one takes about a millisecond); PostgreSQL
   * pays a round trip per statement.
   */
  readonly maxRowsPerInsert: number;
  /**
   * Papers per upsertPapers call that a stream of records is cut into (store.ts `papersPerWrite`). SQLite's writer
   * thread takes a write in one message, so small writes let the parsing of the next overlap it early; a PostgreSQL
   * write is several round trips (its read, the COPY of its new papers: ADR 0070), which larger writes share.
   */
  readonly papersPerWrite: number;
  /** True when `papers.categories` holds `category` (any position, not only primary). */
  hasCategory(category: string): RawBuilder<SqlBool>;
  /**
   * Runs `work` in a transaction that holds the store's write lock from its first read, so that what a writer reads
   * and diffs is still true when it writes. Readers are never blocked.
   */
  writeTransaction<T>(db: Kysely<StoreDatabase>, work: (trx: Kysely<StoreDatabase>) => Promise<T>): Promise<T>;
  /** Runs pending migrations; `onProgress` hears the long ones. */
  migrate(db: Kysely<StoreDatabase>, onProgress?: MigrationProgressListener): Promise<void>;
}

export interface OpenedDatabase {
  db: Kysely<StoreDatabase>;
  dialect: StoreDialect;
  /** A file path, `:memory:`, or the PostgreSQL URL without its password. */
  location: string;
  /** The SQLite file, when the database is one: another connection (the writer thread's) can open it too. */
  file?: string;
  /** SQLite: prepares a statement on the connection ahead of its first use (it stays in the statement cache). */
  prepare?: (sqlText: string) => void;
}

async function migrateWith(migrator: Migrator): Promise<void> {
  const { error, results } = await migrator.migrateToLatest();
  if (error === undefined) return;
  const failed = results?.find((result) => result.status === 'Error')?.migrationName;
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith('corrupted migrations')) {
    throw new XivdigestError({
      code: 'STORE_ERROR',
      message: `The database's migrations do not match this version of xivdigest: ${message}`,
      hint: 'It was probably written by a newer xivdigest; upgrade xivdigest or point the store URL at another database',
      cause: error,
    });
  }
  throw Object.assign(new Error(failed ? `migration ${failed} failed: ${message}` : message, { cause: error }), {
    code: (error as { code?: unknown }).code,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// SQLite

const sqliteContext: MigrationContext = { jsonType: 'text' };

const sqliteDialect: StoreDialect = {
  kind: 'sqlite',
  // SQLITE_MAX_VARIABLE_NUMBER defaults to 32,766 since SQLite 3.32 (better-sqlite3 bundles a newer SQLite).
  maxParameters: 32_766,
  maxRowsPerInsert: 32,
  papersPerWrite: 128,
  hasCategory: (category) => sql<SqlBool>`exists (select 1 from json_each(${sql.ref('papers.categories')}) where json_each.value = ${category})`,
  writeTransaction(db, work) {
    return sqliteWriteTransaction(db, work, true);
  },
  async migrate(db, onProgress) {
    // Kysely's SQLite migration lock covers one connection only; BEGIN IMMEDIATE makes two processes that open a
    // fresh file at once migrate one after the other. Migrations write the search index as they go (one may drop it).
    await sqliteWriteTransaction(
      db,
      (connection) => migrateWith(new Migrator({ db: connection, provider: createMigrationProvider(sqliteContext, onProgress), disableTransactions: true })),
      false,
    );
  },
};

/** A SQLite write transaction; with `holdIndex`, the search index's documents are held until its commit (ADR 0055). */
function sqliteWriteTransaction<T>(db: Kysely<StoreDatabase>, work: (trx: Kysely<StoreDatabase>) => Promise<T>, holdIndex: boolean): Promise<T> {
  // BEGIN IMMEDIATE takes the write lock up front. A deferred BEGIN would read first and then fail with
  // SQLITE_BUSY_SNAPSHOT, without waiting, if another process committed in between.
  return db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    const held = holdIndex ? holdDocuments(connection) : undefined;
    try {
      const result = await work(connection);
      await flushPending(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => undefined);
      throw error;
    } finally {
      if (held) dropDocuments(connection);
    }
  });
}

type RowBuilder = (values: unknown[]) => Record<string, unknown>;
const rowBuilders = new Map<string, RowBuilder>();

/** A function that turns a row's values into an object literal of these columns (compiled once per column list). */
function rowBuilder(names: string[]): RowBuilder {
  const key = names.join('\u0000');
  let build = rowBuilders.get(key);
  if (!build && names.includes('__proto__')) {
    // A literal `"__proto__": …` would set the prototype; build such rows as plain records instead.
    build = (values) => {
      const row: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      names.forEach((name, index) => (row[name] = values[index]));
      return row;
    };
  }
  if (!build) {
    // An object literal of a fixed shape is built far faster than one grown property by property. The names come
    // from SQLite's column list and are quoted by JSON.stringify, so no text of ours or of a paper is compiled.
    const body = `return {${names.map((name, index) => `${JSON.stringify(name)}: values[${index}]`).join(', ')}};`;
    build = new Function('values', body) as RowBuilder;
    rowBuilders.set(key, build);
  }
  return build;
}

/**
 * A reading statement that returns rows as arrays and builds the row objects in JavaScript: better-sqlite3 builds
 * them through the V8 C++ API one property at a time, which made reading 1,000 paper rows twice as slow.
 */
function withRowObjects(statement: Database.Statement): SqliteStatement {
  if (!statement.reader) return statement;
  statement.raw(true);
  // Asked on every call: `SELECT *` gains columns if another process migrates the schema meanwhile.
  const builder = (): RowBuilder => rowBuilder(statement.columns().map((column) => column.name));
  return {
    reader: true,
    all: (parameters) => (statement.all(parameters) as unknown[][]).map(builder()),
    run: (parameters) => statement.run(parameters),
    *iterate(parameters) {
      const build = builder();
      for (const values of statement.iterate(parameters) as IterableIterator<unknown[]>) yield build(values);
    },
  };
}

/**
 * better-sqlite3 behind a small cache of prepared statements: Kysely's driver prepares every query anew, and a
 * 1,000-row INSERT takes about a millisecond to prepare. Safe because the store never streams (a statement is
 * busy only while `iterate` runs) and SQLite re-prepares cached statements itself after a schema change.
 */
function withStatementCache(database: Database.Database, capacity = 64): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sqlText: string) {
      let statement = cache.get(sqlText);
      if (statement) {
        cache.delete(sqlText);
      } else {
        statement = withRowObjects(database.prepare(sqlText));
        if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sqlText, statement);
      return statement;
    },
  };
}

/** Opens (creating when missing) a SQLite file, or `:memory:`, with WAL, a busy timeout and foreign keys. */
export async function openSqlite(path: string, options: { autoCheckpoint?: boolean } = {}): Promise<OpenedDatabase> {
  const memory = path === ':memory:' || path === '';
  const location = memory ? ':memory:' : resolve(path);
  let database: Database.Database | undefined;
  try {
    if (!memory) mkdirSync(dirname(location), { recursive: true });
    database = new Database(memory ? ':memory:' : location, { timeout: 5_000 });
    // A paper row is 1.5 to 3 KB; 16 KB pages hold several, where 4 KB pages hold about one and spend their time
    // balancing the tree (inserts measured 2 to 3 times faster). It only takes effect on a new, empty file.
    database.pragma('page_size = 16384');
    // WAL: readers see the last commit while a writer writes, and never block it (https://sqlite.org/wal.html).
    database.pragma('journal_mode = WAL');
    // In WAL mode NORMAL is durable against application crashes and only loses the last commits on power loss;
    // FULL would fsync on every commit (https://sqlite.org/pragma.html#pragma_synchronous).
    database.pragma('synchronous = NORMAL');
    database.pragma('busy_timeout = 5000');
    database.pragma('foreign_keys = ON');
    // The writer thread checkpoints after each commit instead of inside it (ADR 0009).
    if (options.autoCheckpoint === false) database.pragma('wal_autocheckpoint = 0');
    // Search's ranking function, when `npm run build` could compile it (ADR 0054); bm25() otherwise.
    loadNativeRank(database);
  } catch (cause) {
    database?.close();
    throw storeError({ action: 'open the SQLite database', location, cause });
  }
  const cached = withStatementCache(database);
  const db = new Kysely<StoreDatabase>({ dialect: new SqliteDialect({ database: cached }) });
  const prepare = (sqlText: string) => void cached.prepare(sqlText);
  return { db, dialect: sqliteDialect, location, prepare, ...(memory ? {} : { file: location }) };
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL

const postgresContext: MigrationContext = { jsonType: 'jsonb' };

const postgresDialect: StoreDialect = {
  kind: 'postgres',
  // The wire protocol counts parameters in an unsigned 16-bit integer.
  maxParameters: 65_535,
  maxRowsPerInsert: 128,
  papersPerWrite: 1024,
  hasCategory: (category) => sql<SqlBool>`${sql.ref('papers.categories')} @> ${JSON.stringify([category])}::jsonb`,
  async writeTransaction(db, work) {
    return db.transaction().execute(async (trx) => {
      // One writer per schema at a time, as on SQLite: READ COMMITTED alone would let two writers that both saw a
      // paper as new overwrite each other's merge. The lock is released at commit or rollback.
      await sql`select pg_advisory_xact_lock(hashtext('xivdigest-store:' || current_schema()))`.execute(trx);
      return work(trx);
    });
  },
  async migrate(db, onProgress) {
    // Kysely's PostgreSQL migrator runs in a transaction under its own advisory lock. Its bookkeeping tables are named
    // with the store's schema: without one, Kysely takes another schema's kysely_migration_lock (another store in the
    // same database) for its own, skips creating it, and the migration fails with "relation does not exist".
    const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    const schema = rows[0]?.schema ?? undefined;
    await migrateWith(
      new Migrator({
        db,
        provider: createMigrationProvider({ ...postgresContext, observer: db }, onProgress),
        ...(schema ? { migrationTableSchema: schema } : {}),
      }),
    );
  },
};

/**
 * PostgreSQL with an introspector that lists only the tables of the connection's own schema, by name. Kysely's
 * Migrator asks it whether its bookkeeping tables exist; the stock one reads every column of every table of every
 * schema (with `pg_get_serial_sequence` per column), which grows with the other schemas of the database and fails
 * ("schema … does not exist") when another schema is dropped while it reads: another store's, or a test's.
 */
class StorePostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    const getTables = async (): Promise<TableMetadata[]> => {
      const { rows } = await sql<{ schema: string; name: string; kind: string }>`select n.nspname as schema, c.relname as name, c.relkind as kind
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = current_schema() and c.relkind in ('r', 'v', 'p')`.execute(db);
      return rows.map((row) => ({ schema: row.schema, name: row.name, isView: row.kind === 'v', columns: [] }));
    };
    return {
      getTables,
      async getSchemas(): Promise<SchemaMetadata[]> {
        const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace`.execute(db);
        return rows;
      },
      async getMetadata() {
        return { tables: await getTables() };
      },
    };
  }
}

/** `postgres://user:***@host/db`: the URL as it may be printed. */
function redact(url: URL): string {
  rememberSecrets(safeDecodePassword(url.password));
  return redactUrl(url.toString());
}

function safeDecodePassword(password: string): string {
  try {
    return decodeURIComponent(password);
  } catch {
    return password;
  }
}

/**
 * Connects a pool to `postgres://…`. The non-standard query parameter `schema=NAME` puts every table in that schema
 * (created when missing) through the connections' search_path; the test helpers give each test its own schema.
 */
export async function openPostgres(url: string): Promise<OpenedDatabase> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new XivdigestError({
      code: 'STORE_ERROR',
      message: `The PostgreSQL store URL is not a valid URL: ${redactText(url.replace(/:[^:@/]*@/, ':***@'))}`,
      hint: 'Write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE',
      cause,
    });
  }
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  const location = redact(parsed);
  if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new XivdigestError({
      code: 'STORE_ERROR',
      message: `The schema "${schema}" in the PostgreSQL store URL ${location} is not a plain identifier`,
      hint: 'Use letters, digits and underscores only, starting with a letter',
    });
  }
  // The driver loads only for a PostgreSQL store, not with every start of a command on SQLite (ADR 0062).
  const [{ default: pg }, { default: copyStreams }] = await Promise.all([import('pg'), import('pg-copy-streams')]);
  const pool = new pg.Pool({
    // Clients that can stream a COPY's rows on Kysely's connections (copy.ts, ADR 0070).
    Client: copyingClient(pg.Client, copyStreams.from),
    connectionString: parsed.toString(),
    application_name: 'xivdigest',
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client that loses its connection emits 'error' on the pool; unhandled, that would end the process.
  // The next query gets a fresh connection or fails with its own error.
  pool.on('error', () => undefined);
  const db = new Kysely<StoreDatabase>({ dialect: new StorePostgresDialect({ pool }) });
  if (schema) {
    try {
      // Made only when missing: PostgreSQL asks for the right to create schemas in the database even when the schema
      // exists, which a role given a schema of its own (a managed database's usual grant) does not have.
      // Two processes opening a new schema at once can both find it missing: `if not exists` does not stop the second
      // create from failing on the catalog's unique index then (seen as exit 6 when workers started together), so a
      // failure is looked at again, and only a schema still missing is an error.
      const found = async () =>
        (await sql<{ found: boolean }>`select exists (select 1 from pg_namespace where nspname = ${schema}) as found`.execute(db)).rows[0]?.found === true;
      if (!(await found())) {
        await sql`create schema if not exists ${sql.id(schema)}`.execute(db).catch(async (error: unknown) => {
          if (!(await found())) throw error;
        });
      }
    } catch (cause) {
      await db.destroy();
      throw storeError({ action: `create schema ${schema}`, location, cause });
    }
  }
  return { db, dialect: postgresDialect, location: schema ? `${location} (schema ${schema})` : location };
}
