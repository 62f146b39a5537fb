/**
 * Migration 0014's progress: a GIN index build on a real PostgreSQL, watched from another connection while it runs
 * (at a million papers the build takes minutes and is one statement).
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresSkipReason, postgresTestUrl } from '../../../test/helpers/temp-store.js';
import { watchIndexBuild } from './0014-postgres-search-day-document.js';

if (!postgresTestUrl) console.warn(postgresSkipReason);

describe.skipIf(!postgresTestUrl)('watchIndexBuild (PostgreSQL)', () => {
  const schema = `xivdigest_watch_${process.pid}`;
  const rows = 30_000;
  let builder: pg.Client;
  let observer: Kysely<any>;
  let table: number;

  beforeAll(async () => {
    builder = new pg.Client({ connectionString: postgresTestUrl });
    await builder.connect();
    await builder.query(`create schema ${schema}`);
    await builder.query(`create table ${schema}.docs (id int, document tsvector)`);
    // Documents of 20 distinct words each, so that the build has blocks to scan for a while.
    await builder.query(`insert into ${schema}.docs select i, to_tsvector('simple', (select string_agg(md5((i * 31 + j)::text), ' ') from generate_series(1, 20) j))
      from generate_series(1, ${rows}) i`);
    table = Number((await builder.query<{ oid: string }>(`select '${schema}.docs'::regclass::oid::int8 as oid`)).rows[0]!.oid);
    observer = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: postgresTestUrl, max: 1 }) }) });
  }, 120_000);

  afterAll(async () => {
    await observer?.destroy();
    await builder?.query(`drop schema if exists ${schema} cascade`);
    await builder?.end();
  });

  it('reports the blocks scanned as rows done, below the total, and nothing after stop()', async () => {
    const events: Array<[done: number, total: number]> = [];
    await builder.query(`set maintenance_work_mem = '64MB'`);
    const watching = watchIndexBuild(observer, table, rows, (done, total) => events.push([done, total]), 10);
    await builder.query(`create index docs_document on ${schema}.docs using gin (document)`);
    await watching.stop();
    const seen = events.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toHaveLength(seen);
    const during = events.filter(([done]) => done > 0);
    expect(during.length, `readings: ${JSON.stringify(events)}`).toBeGreaterThan(0);
    for (const [done, total] of events) {
      expect(total).toBe(rows);
      expect(done).toBeLessThan(rows);
    }
    const dones = events.map(([done]) => done);
    expect(dones).toEqual([...dones].sort((a, b) => a - b));
  }, 120_000);
});
