/** The papers aggregate: paper records and their version records (docs/decisions/0002-store-schema.md). */
import type { Paper, PaperVersion, StoredPaper } from '../core/paper.js';
import type { PreparedPapers } from './kysely/rows/prepared.js';

/**
 * What one batch of writes did, counted per input record (the counts add up to the batch length): each record is
 * compared with what the store held just before it, so a paper given twice in one batch counts twice. Re-writing the
 * same papers reports them all as unchanged.
 */
export interface UpsertResult {
  /** Records of papers the store did not hold. */
  inserted: number;
  /** Records that changed a stored paper's row or its version records (a filled field, an added version). */
  updated: number;
  /** Records that changed nothing. */
  unchanged: number;
  /** Version records that were new to the store. */
  versionsAdded: number;
}

/** How upsertPapers writes. */
export interface UpsertOptions {
  /**
   * `later`: papers new to the store get no search document in this write; `xivdigest backfill` loads the archive
   * this way and then writes the missing documents in one pass, in the index's order (docs/decisions/0069). Papers the
   * store held are indexed in the write as always, so no document is ever stale. Default `now`: the index is written
   * in the same transaction (docs/decisions/0028).
   */
  searchIndex?: 'now' | 'later';
}

/** Which papers to read. Filters combine; `limit` and `offset` apply to the filtered, ordered list. */
export interface PaperQuery {
  /** These papers, in this order (duplicates and unknown ids are left out). */
  ids?: string[];
  /** Papers listed in this category, primary or cross-listed. */
  category?: string;
  limit?: number;
  offset?: number;
}

/** A version record as stored: the version facts plus the metadata seen with that version, when any. */
export interface StoredVersion extends PaperVersion {
  title?: string;
  abstract?: string;
  announceType?: string;
  announced?: string;
  source?: string;
}

/** Papers and their versions. */
export interface PaperStore {
  /**
   * Writes papers in one transaction: new ones inserted, newer versions update, older ones only add version records.
   * A record whose version is newer than the stored one wins with every field it has; a record of the same, an older
   * or an unknown version only fills fields the store lacks. A complete abstract always replaces a truncated one,
   * never the reverse. Every version a record lists gets a version record. See docs/decisions/0002-store-schema.md.
   */
  upsertPapers(papers: Paper[], options?: UpsertOptions): Promise<UpsertResult>;
  /**
   * upsertPapers for records already prepared with the store's `preparePapers` (store/prepare.ts), so that another
   * thread can do that work: `xivdigest backfill` parses and prepares the snapshot in its reader thread (ADR 0071).
   * The same rules and result; the time `preparePapers` was given is the new papers' first sight.
   */
  upsertPreparedPapers(prepared: PreparedPapers, options?: UpsertOptions): Promise<UpsertResult>;
  /**
   * Papers by id (in the order asked) or all: newest announced first (papers without an announcement day by the day
   * of their last update), then by id, descending. Optional fields are present only when known; `abstractTruncated`
   * only when true.
   */
  getPapers(query?: PaperQuery): Promise<StoredPaper[]>;
  /** Every version record of a paper, oldest first. */
  getVersions(paperId: string): Promise<StoredVersion[]>;
}
