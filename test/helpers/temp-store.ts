/** Temporary databases for tests: SQLite in a temp dir, and a fresh PostgreSQL schema when XIVDIGEST_TEST_PG_URL is set. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/store.js';

export type TestDatabaseKind = 'sqlite' | 'postgres';

/** The PostgreSQL server tests may use, e.g. `postgres://postgres@127.0.0.1:5432/test`; undefined skips them. */
export const postgresTestUrl: string | undefined = process.env.XIVDIGEST_TEST_PG_URL || undefined;

/** Printed by test files that skip PostgreSQL, so a skipped database is never silent. */
export const postgresSkipReason =
  'PostgreSQL tests skipped: XIVDIGEST_TEST_PG_URL is not set (set it to e.g. postgres://postgres@127.0.0.1:5432/test to run them)';

/** The Redis server the queue tests may use, e.g. `redis://127.0.0.1:6379`; undefined skips them. */
export const redisTestUrl: string | undefined = process.env.XIVDIGEST_TEST_REDIS_URL || undefined;

/**
 * Why the tests that need both PostgreSQL and Redis skip (`what` names them, e.g. "worker"), printed once; undefined
 * when both URLs are set.
 */
/** Deletes every key under `prefix:` on the test Redis: a test's queues go with it. */
export async function deleteRedisPrefix(prefix: string): Promise<void> {
  if (!redisTestUrl) return;
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisTestUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export function postgresAndRedisSkipReason(what: string): string | undefined {
  const reason = !postgresTestUrl
    ? `${what} tests skipped: XIVDIGEST_TEST_PG_URL is unset (a PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/test)`
    : !redisTestUrl
      ? `${what} tests skipped: XIVDIGEST_TEST_REDIS_URL is unset (a Redis URL, e.g. redis://127.0.0.1:6379)`
      : undefined;
  if (reason) console.info(reason);
  return reason;
}

/** The databases a contract test runs on, for `describe.each`; PostgreSQL says why when it is not available. */
export function testDatabases(): Array<{ kind: TestDatabaseKind; skipReason: string | undefined }> {
  if (!postgresTestUrl) console.warn(postgresSkipReason);
  return [
    { kind: 'sqlite', skipReason: undefined },
    { kind: 'postgres', skipReason: postgresTestUrl ? undefined : postgresSkipReason },
  ];
}

/** A database made for one test (or one test file) and removed by `cleanup`. */
export interface TempDatabase {
  kind: TestDatabaseKind;
  /** The URL to give createStore (a file path, or a postgres URL with `?schema=`). */
  url: string;
  /** Runs SQL on a separate connection, to inspect what the store wrote. */
  query<Row = Record<string, unknown>>(sqlText: string, parameters?: unknown[]): Promise<Row[]>;
  /** Closes what the helper opened and deletes the file or drops the schema. Safe to call twice. */
  cleanup(): Promise<void>;
}

export interface TempStore extends TempDatabase {
  store: Store;
}

/** An empty SQLite file in a new temp dir (the store creates its tables on open). */
export async function createTempSqliteDatabase(): Promise<TempDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'xivdigest-store-'));
  const path = join(dir, 'xivdigest.db');
  let inspector: Database.Database | undefined;
  return {
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
}

// Schema names carry their creation time, so that schemas left by a crashed run can be told apart and swept.
const SCHEMA_PREFIX = 'xivdigest_test_';
const STALE_AFTER_SECONDS = 6 * 3600;
let schemaCounter = 0;
let swept = false;

/** Drops test schemas older than six hours, left behind by runs that crashed before their cleanup. */
async function sweepStaleSchemas(client: pg.Client): Promise<void> {
  if (swept) return;
  swept = true;
  const { rows } = await client.query<{ nspname: string }>(`select nspname from pg_namespace where nspname like '${SCHEMA_PREFIX}%'`);
  const now = Math.floor(Date.now() / 1000);
  for (const { nspname } of rows) {
    const created = Number(nspname.slice(SCHEMA_PREFIX.length).split('_')[0]);
    if (Number.isFinite(created) && now - created > STALE_AFTER_SECONDS) {
      await client.query(`drop schema if exists "${nspname}" cascade`).catch(() => undefined);
    }
  }
}

/** A new, empty PostgreSQL schema on XIVDIGEST_TEST_PG_URL; the URL names it with `?schema=`. */
export async function createTempPostgresDatabase(): Promise<TempDatabase> {
  if (!postgresTestUrl) throw new Error(postgresSkipReason);
  schemaCounter += 1;
  const schema = `${SCHEMA_PREFIX}${Math.floor(Date.now() / 1000)}_${process.pid}_${schemaCounter}`;
  const admin = new pg.Client({ connectionString: postgresTestUrl });
  await admin.connect();
  try {
    await sweepStaleSchemas(admin);
    await admin.query(`create schema "${schema}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgresTestUrl);
  url.searchParams.set('schema', schema);
  let inspector: pg.Client | undefined;
  let cleaned = false;
  return {
    kind: 'postgres',
    url: url.toString(),
    async query<Row>(sqlText: string, parameters: unknown[] = []) {
      if (!inspector) {
        inspector = new pg.Client({ connectionString: postgresTestUrl, options: `-c search_path=${schema}` });
        await inspector.connect();
      }
      return (await inspector.query(sqlText, parameters)).rows as Row[];
    },
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      await inspector?.end();
      inspector = undefined;
      const client = new pg.Client({ connectionString: postgresTestUrl });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

export function createTempDatabase(kind: TestDatabaseKind): Promise<TempDatabase> {
  return kind === 'sqlite' ? createTempSqliteDatabase() : createTempPostgresDatabase();
}

/** A store on a fresh temp database; `cleanup` closes the store, then removes the database. */
export async function createTempStore(kind: TestDatabaseKind = 'sqlite'): Promise<TempStore> {
  const database = await createTempDatabase(kind);
  let store: Store;
  try {
    store = await createStore({ url: database.url });
  } catch (error) {
    await database.cleanup();
    throw error;
  }
  return {
    ...database,
    store,
    async cleanup() {
      await store.close();
      await database.cleanup();
    },
  };
}
