/** The OpsReader over an opened database (SQLite or PostgreSQL): grouped counts and the migration table, read only. */
import { sql } from 'kysely';
import { migrations } from '../migrations/index.js';
import { DAY_DOCUMENT_INDEX } from '../migrations/0014-postgres-search-day-document.js';
import type { OpsReader, SearchIndexState, StoreHealth, TextCount } from '../ops-reader.js';
import type { OpenedDatabase } from './dialect.js';
import { createOneStatement } from './one-statement.js';
import { countMissing, documentsMaybeMissing } from './search/index-missing.js';

export function createKyselyOpsReader(opened: Pick<OpenedDatabase, 'db' | 'location' | 'dialect'>, isClosed: () => boolean): OpsReader {
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
    missingDocuments: () =>
      run('count the papers missing from the search index', async (executor) =>
        (await documentsMaybeMissing(executor)) ? countMissing(executor, opened.dialect.kind) : 0,
      ),
    searchIndex: async () => {
      if (opened.dialect.kind !== 'postgres') return { index: 'fts5' };
      return run('read which search index the database has', async (executor) => {
        const { rows } = await sql<{ day_document: boolean; installed: boolean; available: boolean }>`select
            exists (select 1 from pg_indexes where schemaname = current_schema() and indexname = ${DAY_DOCUMENT_INDEX}) as day_document,
            exists (select 1 from pg_extension where extname = 'btree_gin') as installed,
            exists (select 1 from pg_available_extensions where name = 'btree_gin') as available`.execute(executor);
        const row = rows[0];
        if (row?.day_document) return { index: 'day-document' };
        // The three cases of ADR 0067: no contrib on the server, not created (no right to), created after migration 0014.
        const reason = row?.installed
          ? 'btree_gin is installed now: run `xivdigest reindex` to build the index over (day, document)'
          : row?.available
            ? 'the btree_gin extension is not installed and this role may not create it: run `create extension btree_gin` as the database owner or a superuser, then `xivdigest reindex`'
            : "the PostgreSQL server lacks the btree_gin extension (PostgreSQL's contrib): install it on the server, then `create extension btree_gin` and `xivdigest reindex`";
        return { index: 'document', reason } satisfies SearchIndexState;
      });
    },
  };
}
