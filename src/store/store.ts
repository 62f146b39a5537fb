/** The store contract: papers, their versions, generated texts and digests, on SQLite or PostgreSQL. */
import type { Digest } from '../core/digest.js';
import type { PaperSearch } from '../core/search.js';
import type { Paper, PaperVersion, StoredPaper } from '../core/paper.js';
import type { StoredTexts } from '../core/texts.js';

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

/** What a subscription decided about one paper text (a paper at one abstract): the ledger behind "never twice". */
export interface PaperDecision {
  subscription: string;
  paperId: string;
  /** Hash of the English abstract decided on (core/hash.ts abstractHash); a changed abstract is decided again. */
  abstractHash: string;
  version: number | null;
  /** The announcement day the paper was decided for (YYYY-MM-DD), when known. */
  day?: string;
  runId: string;
  decision: 'selected' | 'skipped';
  /** One line a reader understands: why it was selected or skipped. */
  reason: string;
  score?: number;
  /** Set when this is a newer version of a paper the subscription delivered before: that version. */
  updatedFrom?: number;
  /** ISO 8601. */
  decidedAt: string;
}

/** A stored run: its report, as JSON, and a few facts to list runs by. */
export interface RunRecord<Report = unknown> {
  id: string;
  subscription?: string;
  /** ISO 8601. */
  startedAt: string;
  finishedAt?: string;
  /** `running`, `ok`, `partial`, `failed`, `nothing` (no papers, with the reason in the report). */
  status: string;
  report: Report;
}

/** A reader's verdict on a paper for a subscription; a later one replaces it. */
export interface Feedback {
  subscription: string;
  paperId: string;
  kind: 'star' | 'hide';
  /** ISO 8601. */
  at: string;
}

/**
 * Every write method is all or nothing: on failure it throws a STORE_ERROR XivdigestError and leaves the store as it
 * was. Reads never wait for writers. It is also the archive's full-text search (core/search.ts): the index is written in
 * the same transaction as the papers and texts it holds (docs/decisions/0028-search.md).
 */
export interface Store extends PaperSearch {
  /** Where the data lives, for `--verbose` (a file path or a redacted URL). */
  readonly location: string;
  /**
   * Writes papers in one transaction: new ones inserted, newer versions update, older ones only add version records.
   * A record whose version is newer than the stored one wins with every field it has; a record of the same, an older
   * or an unknown version only fills fields the store lacks. A complete abstract always replaces a truncated one,
   * never the reverse. Every version a record lists gets a version record. See docs/decisions/0002-store-schema.md.
   */
  upsertPapers(papers: Paper[]): Promise<UpsertResult>;
  /**
   * Papers by id (in the order asked) or all: newest announced first (papers without an announcement day by the day
   * of their last update), then by id, descending. Optional fields are present only when known; `abstractTruncated`
   * only when true.
   */
  getPapers(query?: PaperQuery): Promise<StoredPaper[]>;
  /** Every version record of a paper, oldest first. */
  getVersions(paperId: string): Promise<StoredVersion[]>;
  /** Saves generated texts; the same key (paper, version, abstract hash, provider/model, prompt, lang) is replaced. */
  saveTexts(texts: StoredTexts[]): Promise<{ inserted: number; replaced: number }>;
  /** Texts of the given papers, all languages and versions, newest first. */
  getTexts(paperIds: string[]): Promise<StoredTexts[]>;
  /** Saves a digest under its name, replacing an earlier one of that name; it reads back exactly as saved. */
  saveDigest(digest: Digest): Promise<void>;
  getDigest(name: string): Promise<Digest | undefined>;
  /** Every digest, newest first. */
  listDigests(): Promise<Array<{ name: string; style: string; entries: number; createdAt: string }>>;
  /**
   * Runs `work` in one write transaction and returns its result: everything written through `tx` is committed
   * together, or nothing is when `work` throws (its error is rethrown as it was). Inside, each write method is still
   * all or nothing on its own (a savepoint), so `work` may catch one failed write and go on; reads through `tx` see
   * its own writes. Use `tx`, not this store, inside `work`, await every call, and do not keep `tx` afterwards. On
   * SQLite the write lock is held until `work` ends; readers are not blocked.
   */
  transaction<T>(work: (tx: Store) => Promise<T>): Promise<T>;
  /** A small JSON value under a key (watermarks, the scheduler's slots, channel deliveries), or undefined. */
  getState<T = unknown>(key: string): Promise<T | undefined>;
  /** Sets (or, with undefined, deletes) the value under a key. */
  setState(key: string, value: unknown): Promise<void>;
  /**
   * Records decisions; one already recorded for the same (subscription, paper, abstract hash) is kept, never
   * replaced, so that a rerun cannot decide a paper twice. Returns how many were new.
   */
  recordDecisions(decisions: PaperDecision[]): Promise<{ inserted: number; existing: number }>;
  /** Every decision of a subscription on these papers (all abstracts), oldest first. */
  getDecisions(subscription: string, paperIds: string[]): Promise<PaperDecision[]>;
  /** Every decision a run made, in the order made. */
  getRunDecisions(runId: string): Promise<PaperDecision[]>;
  /** Saves a run (replacing one of the same id). */
  saveRun(run: RunRecord): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** Runs, newest first. */
  listRuns(query?: { subscription?: string; limit?: number }): Promise<RunRecord[]>;
  /** Sets a reader's feedback on a paper; `clear` removes it. */
  setFeedback(feedback: Omit<Feedback, 'kind'> & { kind: Feedback['kind'] | 'clear' }): Promise<void>;
  /** A subscription's feedback, oldest first. */
  getFeedback(subscription: string): Promise<Feedback[]>;
  /** Closes the connections. Calls after it fail with a STORE_ERROR; a second close does nothing. */
  close(): Promise<void>;
}
