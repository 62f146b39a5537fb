/**
 * An empty, migrated store for each test of a `describe` block, without migrating a new database per test: the
 * database is migrated once, then SQLite gets a copy of that migrated file and PostgreSQL has its tables emptied
 * before each test. Each test still gets a store opened for it alone (ADR 0066).
 */
import { copyFileSync, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createStore } from '../../src/store/index.js';
import { createTempDatabase, createTempSqliteDatabase, type TempDatabase, type TempStore, type TestDatabaseKind } from './temp-store.js';

/** The migration tables: kept, and compared with their first contents to tell whether a test changed them. */
const MIGRATION_TABLES = ['kysely_migration', 'kysely_migration_lock'];

/** A migrated database that `fresh()` turns into an empty one, as a new database would be after its migrations. */
interface ResettableDatabase {
  fresh(): Promise<TempDatabase>;
  cleanup(): Promise<void>;
}

async function migrate(database: TempDatabase): Promise<void> {
  const store = await createStore({ url: database.url });
  await store.close();
}

/** SQLite: each test gets its own copy of a migrated file (a new file, as a new database would be). */
async function createSqliteTemplate(): Promise<ResettableDatabase> {
  const template = await createTempSqliteDatabase();
  await migrate(template);
  // The store checkpoints its write-ahead log on close: the main file alone is the whole database.
  if (existsSync(`${template.url}-wal`)) throw new Error(`the migrated template ${template.url} still has a write-ahead log`);
  let current: TempDatabase | undefined;
  return {
    async fresh() {
      await current?.cleanup();
      const dir = await mkdtemp(join(tmpdir(), 'xivdigest-store-'));
      const path = join(dir, 'xivdigest.db');
      copyFileSync(template.url, path);
      let inspector: Database.Database | undefined;
      current = {
        kind: 'sqlite',
        url: path,
        async query<Row>(sqlText: string, parameters: unknown[] = []) {
          inspector ??= new Database(path, { timeout: 5_000 });
          const statement = inspector.prepare(sqlText);
          return (statement.reader ? statement.all(parameters) : (statement.run(parameters), [])) as Row[];
        },
        async cleanup() {
          inspector?.close();
          inspector = undefined;
          await rm(dir, { recursive: true, force: true });
        },
      };
      return current;
    },
    async cleanup() {
      await current?.cleanup();
      await template.cleanup();
    },
  };
}

/**
 * PostgreSQL: one schema, migrated once; before each test every table but the migrations' is truncated (sequences
 * restarted). Should a test have changed the migration tables, or the truncation not get its locks within seconds (a
 * connection a test left open), the schema is dropped and a new one migrated instead.
 */
async function createPostgresTemplate(): Promise<ResettableDatabase> {
  let database = await createTempDatabase('postgres');
  await migrate(database);
  const snapshot = async () => JSON.stringify(await Promise.all(MIGRATION_TABLES.map((table) => database.query(`select * from ${table} order by 1`))));
  let migrated = await snapshot();
  let used = false;
  const recreate = async () => {
    await database.cleanup();
    database = await createTempDatabase('postgres');
    await migrate(database);
    migrated = await snapshot();
  };
  return {
    async fresh() {
      if (!used) {
        used = true;
        return database;
      }
      try {
        if ((await snapshot()) !== migrated) throw new Error('a test changed the migration tables');
        const tables = await database.query<{ tablename: string }>(
          `select tablename from pg_tables where schemaname = current_schema() and tablename <> all($1)`,
          [MIGRATION_TABLES],
        );
        await database.query('begin');
        try {
          await database.query(`set local lock_timeout = '5s'`);
          await database.query(`truncate ${tables.map((row) => `"${row.tablename}"`).join(', ')} restart identity cascade`);
          await database.query('commit');
        } catch (error) {
          await database.query('rollback');
          throw error;
        }
      } catch {
        await recreate();
      }
      return database;
    },
    async cleanup() {
      await database.cleanup();
    },
  };
}

/**
 * Like useTempStorePerTest: a store on an empty, migrated `kind` database for each test of the calling `describe`
 * (none when `skipReason` says the database is not available); the returned function gives the current test's store,
 * closed after its test. The database is migrated once per `describe`, not once per test.
 */
export function useResetStorePerTest(kind: TestDatabaseKind, skipReason?: string): () => TempStore {
  let databases: ResettableDatabase | undefined;
  let temp: TempStore | undefined;
  beforeAll(async () => {
    if (skipReason) return;
    databases = kind === 'sqlite' ? await createSqliteTemplate() : await createPostgresTemplate();
  });
  afterAll(async () => {
    await databases?.cleanup();
    databases = undefined;
  });
  beforeEach(async () => {
    if (!databases) return;
    const database = await databases.fresh();
    const store = await createStore({ url: database.url });
    let closed: Promise<void> | undefined;
    // The database outlives the test: cleaning up closes the test's store only (once, however often it is called).
    temp = { ...database, store, cleanup: () => (closed ??= store.close()) };
  });
  afterEach(async () => {
    await temp?.cleanup();
    temp = undefined;
  });
  return () => {
    if (!temp) throw new Error(`no temp store: ${skipReason ?? 'read it inside a test'}`);
    return temp;
  };
}
