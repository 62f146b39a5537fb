/** The store's migrations: an explicit, ordered map (never a directory scan), adapted to Kysely's Migrator. */
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import * as initial from './0001-initial.js';
import * as dailyRun from './0002-daily-run.js';
import * as runLeases from './0003-run-leases.js';
import * as searchIndex from './0004-search-index.js';
import * as readers from './0005-readers.js';
import * as readerSubscriptions from './0006-reader-subscriptions.js';
import * as readerMarks from './0007-reader-marks.js';
import * as searchDocsByDay from './0008-search-docs-by-day.js';
import * as searchDay from './0009-search-day.js';
import * as indexFlushSettings from './0010-index-flush-settings.js';
import * as postgresMarkedLexemes from './0011-postgres-marked-lexemes.js';
import * as postgresSearchByDay from './0012-postgres-search-by-day.js';
import * as postgresSearchStatistics from './0013-postgres-search-statistics.js';
import * as postgresSearchDayDocument from './0014-postgres-search-day-document.js';
import * as postgresTitleLexemes from './0015-postgres-title-lexemes.js';

/** What a migration may need to know about the database it runs on; the one dialect difference in DDL. */
export interface MigrationContext {
  /** Column type of JSON values: `text` on SQLite, `jsonb` on PostgreSQL. */
  jsonType: 'text' | 'jsonb';
  /**
   * Hears how far a long migration has got (one that rewrites every paper's row or document), after each batch:
   * `done` of `total`. Quick migrations say nothing.
   */
  onProgress?: (done: number, total: number) => void;
  /**
   * PostgreSQL: the store's pool, outside the migration's transaction, to read how far one long statement of the
   * migration has got while it runs (`pg_stat_progress_create_index`). Only for reading the progress views.
   */
  observer?: Kysely<any>;
}

/** How far the migration `migration` (e.g. `0008-search-docs-by-day`) has got; `finished` once it has run. */
export interface MigrationProgress {
  migration: string;
  done: number;
  total: number;
  finished: boolean;
}

/** Hears the progress of the migrations that report it (createStore's `onMigrationProgress`). */
export type MigrationProgressListener = (progress: MigrationProgress) => void;

export interface StoreMigration {
  up(db: Kysely<any>, context: MigrationContext): Promise<void>;
  down?(db: Kysely<any>, context: MigrationContext): Promise<void>;
}

/**
 * Every migration, in the order it runs. Names sort in that order too (Kysely's Migrator checks the order against
 * the ones already run), so a new migration takes the next number: `0002-…`.
 */
export const migrations: ReadonlyArray<readonly [name: string, migration: StoreMigration]> = [
  ['0001-initial', initial],
  ['0002-daily-run', dailyRun],
  ['0003-run-leases', runLeases],
  ['0004-search-index', searchIndex],
  ['0005-readers', readers],
  ['0006-reader-subscriptions', readerSubscriptions],
  ['0007-reader-marks', readerMarks],
  ['0008-search-docs-by-day', searchDocsByDay],
  ['0009-search-day', searchDay],
  ['0010-index-flush-settings', indexFlushSettings],
  ['0011-postgres-marked-lexemes', postgresMarkedLexemes],
  ['0012-postgres-search-by-day', postgresSearchByDay],
  ['0013-postgres-search-statistics', postgresSearchStatistics],
  ['0014-postgres-search-day-document', postgresSearchDayDocument],
  ['0015-postgres-title-lexemes', postgresTitleLexemes],
];

/**
 * A Kysely MigrationProvider over `migrations`, bound to one database's context. `onProgress` hears each migration
 * that reports progress, and once more (`finished`) when that migration has run.
 */
export function createMigrationProvider(context: MigrationContext, onProgress?: MigrationProgressListener): MigrationProvider {
  const record: Record<string, Migration> = {};
  for (const [name, migration] of migrations) {
    const { down } = migration;
    record[name] = {
      up: async (db) => {
        if (!onProgress) return migration.up(db, context);
        let last: MigrationProgress | undefined;
        const report = (done: number, total: number) => {
          last = { migration: name, done, total, finished: false };
          onProgress(last);
        };
        await migration.up(db, { ...context, onProgress: report });
        if (last) onProgress({ ...last, finished: true });
      },
      ...(down ? { down: (db: Kysely<any>) => down(db, context) } : {}),
    };
  }
  return { getMigrations: async () => record };
}
