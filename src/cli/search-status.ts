/**
 * How search runs on the store, and what makes it slower than it could be: `status` shows it, `serve` and `reindex`
 * warn it. Apart from `status` so that those two load only this.
 */
import { nativeRankStatus, opsReaderOf, type SearchIndexState } from '../store/index.js';
import type { Store } from '../store/store.js';

export type SearchStatus = (
  | { ranking: 'xivdigest_bm25' }
  | { ranking: 'bm25'; reason?: string }
  | { ranking: 'ts_rank'; index: 'day-document' }
  | { ranking: 'ts_rank'; index: 'document'; reason: string }
) & {
  /** Papers stored without their search document, waiting for a backfill's pass to finish (ADR 0069); absent when none. */
  missing?: number;
};

/**
 * SQLite: whether search ranks with xivdigest_bm25 or falls back to bm25(), and why. PostgreSQL: whether the GIN index
 * over (day, document) serves it, and why not. Both: papers that searches do not find yet.
 */
export async function readSearchStatus(store: Store): Promise<SearchStatus> {
  const ops = opsReaderOf(store);
  const [index, missing] = await Promise.all([ops.searchIndex(), ops.missingDocuments()]);
  return searchStatus(index, missing);
}

/** What `serve` and `reindex` warn when search runs slower than it could or misses papers, and what to do; undefined when all is well. */
export function searchWarning(search: SearchStatus): string | undefined {
  const slow = search.ranking === 'bm25' || (search.ranking === 'ts_rank' && search.index === 'document');
  return slow || search.missing ? searchLine(search) : undefined;
}

/** The status of the index `searchIndex()` reported, with SQLite's ranking function, and the papers missing from it. */
export function searchStatus(index: SearchIndexState, missing = 0): SearchStatus {
  const waiting = missing > 0 ? { missing } : {};
  if (index.index !== 'fts5') return { ranking: 'ts_rank', ...index, ...waiting };
  const rank = nativeRankStatus();
  return rank.loaded ? { ranking: 'xivdigest_bm25', ...waiting } : { ranking: 'bm25', ...(rank.reason ? { reason: rank.reason } : {}), ...waiting };
}

/** The search line of `status`: what ranks, what makes it slower than it could be, and papers it does not find yet. */
export function searchLine(search: SearchStatus): string {
  const missing = search.missing
    ? `; ${search.missing.toLocaleString('en-US')} paper(s) are not in the index yet (a backfill's search pass did not finish): run the same \`xivdigest backfill\` command again, or \`xivdigest reindex\``
    : '';
  return rankingLine(search) + missing;
}

function rankingLine(search: SearchStatus): string {
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
