/**
 * How search runs on the store, and what makes it slower than it could be: `status` shows it, `serve` and `reindex`
 * warn it. Apart from `status` so that those two load only this.
 */
import { nativeRankStatus, opsReaderOf, type SearchIndexState } from '../store/index.js';
import type { Store } from '../store/store.js';

export type SearchStatus =
  | { ranking: 'xivdigest_bm25' }
  | { ranking: 'bm25'; reason?: string }
  | { ranking: 'ts_rank'; index: 'day-document' }
  | { ranking: 'ts_rank'; index: 'document'; reason: string };

/**
 * SQLite: whether search ranks with xivdigest_bm25 or falls back to bm25(), and why. PostgreSQL: whether the GIN index
 * over (day, document) serves it, and why not.
 */
export async function readSearchStatus(store: Store): Promise<SearchStatus> {
  return searchStatus(await opsReaderOf(store).searchIndex());
}

/** What `serve` and `reindex` warn when search runs slower than it could, and what to do; undefined when all is well. */
export function searchWarning(search: SearchStatus): string | undefined {
  return search.ranking === 'bm25' || (search.ranking === 'ts_rank' && search.index === 'document') ? searchLine(search) : undefined;
}

/** The status of the index `searchIndex()` reported, with SQLite's ranking function. */
export function searchStatus(index: SearchIndexState): SearchStatus {
  if (index.index !== 'fts5') return { ranking: 'ts_rank', ...index };
  const rank = nativeRankStatus();
  return rank.loaded ? { ranking: 'xivdigest_bm25' } : { ranking: 'bm25', ...(rank.reason ? { reason: rank.reason } : {}) };
}

/** The search line of `status`: what ranks, and what makes it slower than it could be. */
export function searchLine(search: SearchStatus): string {
  switch (search.ranking) {
    case 'xivdigest_bm25':
      return 'search: ranked with xivdigest_bm25 (ADR 0054)';
    case 'bm25':
      return `search: ranked with SQLite's bm25(), slower on large archives: ${search.reason ?? 'the ranking function is not loaded'}`;
    case 'ts_rank':
      return search.index === 'day-document'
        ? 'search: ranked with ts_rank, GIN index over (day, document) (ADR 0067)'
        : `search: ranked with ts_rank over the document's own GIN index, slower on large archives: ${search.reason}`;
  }
}
