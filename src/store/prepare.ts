/**
 * Paper records prepared for the store in another thread than the one that writes them (ADR 0071): what
 * `upsertPreparedPapers` takes. Light to import: a reader thread loads this, not the store.
 */
import type { Paper } from '../core/paper.js';
import { copyRows } from './kysely/copy.js';
import { preparePapers as prepareRows, PREPARED_PAPER_WIDTH, type PreparedPapers } from './kysely/rows/prepared.js';
import { recordsFtsValues } from './kysely/search/index-docs.js';

export type { PreparedPapers };

export interface PrepareOptions {
  /**
   * As the write's UpsertOptions say. `now` (the default, as upsertPapers): the records' FTS5 search values come
   * along for SQLite, as the thread that parses feeds makes them for its writer thread (ADR 0050); `later`: the pass
   * after the load makes them.
   */
  searchIndex?: 'now' | 'later';
  /** The rows in COPY's text format too, for a store that `takesCopyRows` (PostgreSQL, ADR 0071). */
  copyRows?: boolean;
}

/** Prepares `papers` for `upsertPreparedPapers`; `now` (ISO 8601) becomes the first sight of the new ones. */
export function preparePapers(papers: readonly Paper[], now: string, options: PrepareOptions = {}): PreparedPapers {
  const prepared = prepareRows(papers, now);
  if (options.copyRows) {
    const ends: number[] = [];
    const offsets = papers.map((_, index) => index * PREPARED_PAPER_WIDTH);
    prepared.copy = { rows: copyRows(prepared.papers, offsets, PREPARED_PAPER_WIDTH, ends).data, ends };
  }
  // The search values are SQLite's (FTS5); a store that takes COPY rows is PostgreSQL, which makes its own.
  if (options.searchIndex !== 'later' && !options.copyRows) {
    const fts = recordsFtsValues(papers);
    if (fts !== undefined) prepared.fts = fts;
  }
  return prepared;
}
