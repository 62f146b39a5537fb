/** The operator's read-only view of a store (counts and health for `xivdigest status`, /metrics and /readyz), kept apart from Store. */

/** Stored texts of one language in one status (`ok`, `failed`, `pending`). */
export interface TextCount {
  lang: string;
  status: string;
  count: number;
}

/** Whether the database's schema is the one this version of xivdigest expects. */
export interface StoreHealth {
  /** Migrations this version knows that the database has run. */
  applied: number;
  /** Migrations this version knows that the database has not run (normally none: opening the store runs them). */
  pending: string[];
  /** Migrations the database has run that this version does not know: a newer xivdigest migrated it. */
  unknown: string[];
}

/**
 * Which full-text index serves search. PostgreSQL: `day-document` is the GIN index over (day, document) of migration
 * 0014 (ADR 0067); `document` is the document's own, kept where the btree_gin extension could not be had, with `reason`
 * saying why and what to do. SQLite: `fts5`.
 */
export type SearchIndexState = { index: 'fts5' } | { index: 'day-document' } | { index: 'document'; reason: string };

export interface OpsReader {
  /** Stored texts per language and status, in one grouped query. */
  textCounts(): Promise<TextCount[]>;
  /** One round trip that proves the database answers, and how its migrations compare with this version's. */
  health(): Promise<StoreHealth>;
  /** Which full-text index serves search, and on PostgreSQL without btree_gin, why and what to do. */
  searchIndex(): Promise<SearchIndexState>;
  /**
   * Papers stored without their search document and still waiting for it (a backfill's pass that did not finish: ADR
   * 0069); 0 at once when the store has not noted any, else counted (about a second a million papers).
   */
  missingDocuments(): Promise<number>;
}
