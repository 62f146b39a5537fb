/** The OpsReader over an opened database (SQLite or PostgreSQL): grouped counts and the migration table, read only. */
import { sql } from 'kysely';
import { migrations } from '../migrations/index.js';
import type { OpsReader, StoreHealth, TextCount } from '../ops-reader.js';
import type { OpenedDatabase } from './dialect.js';
import { createOneStatement } from './one-statement.js';

export function createKyselyOpsReader(opened: Pick<OpenedDatabase, 'db' | 'location'>, isClosed: () => boolean): OpsReader {
  const run = createOneStatement(opened, isClosed);
  return {
    textCounts: () =>
      run('count the stored texts', async (executor) => {
        const rows = await executor
          .selectFrom('paper_texts')
          .select(['lang', 'status', (eb) => eb.fn.countAll<number | string | bigint>().as('count')])
          .groupBy(['lang', 'status'])
          .orderBy('lang')
          .orderBy('status')
          .execute();
        return rows.map((row): TextCount => ({ lang: row.lang, status: row.status, count: Number(row.count) }));
      }),
    health: () =>
      run('read the applied migrations', async (executor) => {
        // Kysely's Migrator keeps its table in the store's schema (PostgreSQL) or file (SQLite): see dialect.ts.
        const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(executor);
        const applied = new Set(rows.map((row) => row.name));
        const known = new Set(migrations.map(([name]) => name));
        return {
          applied: [...known].filter((name) => applied.has(name)).length,
          pending: [...known].filter((name) => !applied.has(name)),
          unknown: [...applied].filter((name) => !known.has(name)).sort(),
        } satisfies StoreHealth;
      }),
  };
}
