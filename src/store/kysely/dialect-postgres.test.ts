/**
 * The PostgreSQL store's migrations look only at their own schema (StorePostgresDialect's introspector): opening a
 * store in a database where another schema is being created and dropped at the same time (another store, or a
 * test's) succeeds. Kysely's stock introspector read every column of every schema and failed now and then with
 * "schema … does not exist" or "relation … does not exist" when one vanished under it. And a new schema opened by
 * several stores at once is made by one of them, the others going on (they failed on the catalog's unique index).
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createStore } from '../index.js';
import { createTempPostgresDatabase, postgresSkipReason, postgresTestUrl } from '../../../test/helpers/temp-store.js';

describe.skipIf(!postgresTestUrl)('PostgreSQL store: migrations beside schemas that come and go', () => {
  it('opens stores while another connection creates and drops schemas with tables', async () => {
    const churn = new pg.Client({ connectionString: postgresTestUrl });
    await churn.connect();
    let stop = false;
    let cycles = 0;
    const name = `churn_${process.pid}`;
    // Schemas with many tables and serial columns, dropped as soon as made: the window a whole-database scan can hit.
    const tables = Array.from({ length: 20 }, (_, index) => `create table "${name}".t${index} (id serial primary key, a text, b int)`).join(';');
    const churning = (async () => {
      while (!stop) {
        await churn.query(`create schema "${name}"; ${tables}`);
        await churn.query(`drop schema "${name}" cascade`);
        cycles += 1;
      }
    })();
    const opened: string[] = [];
    try {
      // Two at a time, as two stores of two processes would: the migrations wait on PostgreSQL more than on this thread.
      const open = async () => {
        const database = await createTempPostgresDatabase();
        try {
          const store = await createStore({ url: database.url });
          opened.push(database.url);
          await store.close();
        } finally {
          await database.cleanup();
        }
      };
      for (let index = 0; index < 10; index += 2) await Promise.all([open(), open()]);
    } finally {
      stop = true;
      await churning;
      await churn.query(`drop schema if exists "${name}" cascade`);
      await churn.end();
    }
    expect(opened).toHaveLength(10);
    expect(cycles).toBeGreaterThan(0);
  }, 120_000);
});

describe.skipIf(!postgresTestUrl)('PostgreSQL store: a new schema opened by several processes at once', () => {
  it('opens every store, however the creations of the schema race (workers starting together on a new schema)', async () => {
    const admin = new pg.Client({ connectionString: postgresTestUrl });
    await admin.connect();
    try {
      for (let round = 0; round < 4; round += 1) {
        const schema = `race_${process.pid}_${round}`;
        const url = new URL(postgresTestUrl!);
        url.searchParams.set('schema', schema);
        try {
          // Each store on its own pool, as each process has: all find the schema missing, all try to create it.
          const stores = await Promise.all(Array.from({ length: 6 }, () => createStore({ url: url.toString() })));
          await Promise.all(stores.map((store) => store.close()));
        } finally {
          await admin.query(`drop schema if exists "${schema}" cascade`);
        }
      }
    } finally {
      await admin.end();
    }
  }, 120_000);
});

if (!postgresTestUrl) console.warn(`dialect-postgres.test.ts skipped: ${postgresSkipReason}`);
