/** Kysely table types of the store: one row shape per table, shared by SQLite and PostgreSQL. */
import type { ColumnType } from 'kysely';

/**
 * A JSON column: written as JSON text; read back as text on SQLite (`text`) and as a parsed value on PostgreSQL
 * (`jsonb`). `readJsonText` in kysely/rows/json.ts turns either into one canonical text.
 */
export type JsonColumn = ColumnType<unknown, string, string>;
export type NullableJsonColumn = ColumnType<unknown, string | null, string | null>;

/** The newest record of each paper. Timestamps are ISO 8601 text, kept exactly as the source gave them. */
export interface PapersTable {
  /** arXiv id without version. */
  id: string;
  /** The version the row's metadata describes (the newest one that updated it), or null when never known. */
  version: number | null;
  title: string;
  /** JSON array of `{ name, affiliations? }`. */
  authors: JsonColumn;
  abstract: string;
  /** 1 when the abstract is known to be cut short, else 0 (an integer on both databases). */
  abstract_truncated: number;
  /** JSON array of categories, primary first. */
  categories: JsonColumn;
  primary_category: string | null;
  doi: string | null;
  journal_ref: string | null;
  comments: string | null;
  license: string | null;
  report_no: string | null;
  submitter: string | null;
  /** JSON object `{ abs, pdf?, html?, doi? }`. */
  links: JsonColumn;
  submitted_at: string | null;
  updated_at: string | null;
  announced_on: string | null;
  announce_type: string | null;
  /** JSON array of legacy RSS flags, or null when none. */
  legacy_flags: NullableJsonColumn;
  feed_title: string | null;
  /**
   * The feed's raw description, or only its part before the abstract when `feed_description_is_prefix` is 1 (the
   * raw text is then this followed by `abstract`): RSS 2.0 repeats the abstract there, and it is stored once.
   */
  feed_description: string | null;
  /** 1 when `feed_description` is the raw text's prefix and `abstract` its rest, else 0. */
  feed_description_is_prefix: number;
  feed_link: string | null;
  /**
   * 1 while the version record of `version` lives in this row instead of `paper_versions` (ADR 0009): its facts are
   * the three `version_*` columns, and its title, abstract, announcement and source are this row's. 0 otherwise.
   */
  version_in_row: number;
  version_submitted_at: string | null;
  version_size: string | null;
  version_source_type: string | null;
  source: string;
  first_seen_at: string;
  /** Listing order key (YYYY-MM-DD): announced day, else the day of `updated_at`, `submitted_at`, first seen. */
  sort_day: string;
}

/** One record per version ever seen, but the paper row's own while it lives in that row (`version_in_row`). */
export interface PaperVersionsTable {
  paper_id: string;
  version: number;
  submitted_at: string | null;
  size: string | null;
  source_type: string | null;
  title: string | null;
  abstract: string | null;
  announce_type: string | null;
  announced_on: string | null;
  /** The channel that first reported this version. */
  source: string | null;
}

/** The generated-texts cache. */
export interface PaperTextsTable {
  paper_id: string;
  /** The paper version, or 0 when the texts were made for an unknown version (arXiv versions start at 1). */
  version: number;
  lang: string;
  abstract_hash: string;
  provider: string;
  model: string;
  prompt_version: string;
  title: string;
  tldr: string;
  tldr_en: string;
  abstract: string;
  status: string;
  reason: string | null;
  /** JSON array of quality-gate findings, or null when none. */
  flags: NullableJsonColumn;
  total_tokens: number | null;
  created_at: string;
  /** The structured summary as JSON, when it was asked for. */
  summary: NullableJsonColumn;
}

export interface DigestsTable {
  name: string;
  style: string;
  lang: string;
  created_at: string;
  /** Optional digest fields beyond the original format (title, subscription, day, homepage). */
  extra: NullableJsonColumn;
}

/** A snapshot of one printed digest entry: it does not follow later changes of the paper. */
export interface DigestEntriesTable {
  digest_name: string;
  position: number;
  paper_id: string;
  version: number | null;
  link: string;
  title: string;
  abstract: string;
  texts_lang: string;
  texts_title: string;
  texts_tldr: string;
  texts_tldr_en: string;
  texts_abstract: string;
  text_status: string | null;
  text_reason: string | null;
  updated_from: number | null;
  /** Optional entry fields beyond the original format (authors, categories, links, selection, …). */
  extra: NullableJsonColumn;
}

export interface StateTable {
  key: string;
  value: JsonColumn;
  updated_at: string;
}

/** A subscription's decision on one paper text: selected (delivered) or skipped, with why. */
export interface DecisionsTable {
  subscription: string;
  paper_id: string;
  abstract_hash: string;
  version: number | null;
  day: string | null;
  run_id: string;
  decision: string;
  reason: string;
  score: number | null;
  updated_from: number | null;
  decided_at: string;
}

export interface RunsTable {
  id: string;
  subscription: string | null;
  started_at: string;
  finished_at: string | null;
  status: string;
  report: JsonColumn;
}

export interface FeedbackTable {
  subscription: string;
  paper_id: string;
  kind: string;
  at: string;
}

/** A claim on a key (a subscription's run): one holder at a time until it releases it or it expires. */
export interface LeasesTable {
  key: string;
  owner: string;
  run_id: string | null;
  acquired_at: string;
  heartbeat_at: string;
  expires_at: string;
}

/** A reader of the web site (docs/decisions/0038); `email` is trimmed and lower-cased. */
export interface ReadersTable {
  id: string;
  email: string;
  role: string;
  created_at: string;
  last_sign_in_at: string | null;
  invited_by: string | null;
}

export interface ReaderInvitationsTable {
  email: string;
  invited_by: string;
  created_at: string;
}

/** An emailed sign-in link: only its SHA-256 hash, and the hash of the browser that asked (null: any, after a confirm). */
export interface ReaderSignInTokensTable {
  token_hash: string;
  email: string;
  browser_hash: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface ReaderSessionsTable {
  session_hash: string;
  reader_id: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
  user_agent: string | null;
}

/** A fixed-window counter (e.g. sign-in requests per address and per IP). */
export interface RateLimitsTable {
  key: string;
  window_start: string;
  count: number;
}

/**
 * A reader's subscription made on the web (docs/decisions/0039): the config file's fields as JSON without the
 * secrets, the secrets AES-256-GCM encrypted, and the uploaded library files.
 */
export interface ReaderSubscriptionsTable {
  id: string;
  reader_id: string;
  name: string;
  subscription: string;
  secrets: string | null;
  library_files: string;
  created_at: string;
  updated_at: string;
}

export interface StoreDatabase {
  papers: PapersTable;
  paper_versions: PaperVersionsTable;
  paper_texts: PaperTextsTable;
  digests: DigestsTable;
  digest_entries: DigestEntriesTable;
  state: StateTable;
  decisions: DecisionsTable;
  runs: RunsTable;
  feedback: FeedbackTable;
  leases: LeasesTable;
  readers: ReadersTable;
  reader_invitations: ReaderInvitationsTable;
  reader_sign_in_tokens: ReaderSignInTokensTable;
  reader_sessions: ReaderSessionsTable;
  rate_limits: RateLimitsTable;
  reader_subscriptions: ReaderSubscriptionsTable;
  reader_marks: ReaderMarksTable;
  unsubscriptions: UnsubscriptionsTable;
}

/** Migration 0007 (docs/decisions/0040): a reader's stars and hides. */
export interface ReaderMarksTable {
  reader_id: string;
  paper_id: string;
  kind: string;
  at: string;
}

/** Migration 0007: recipients who left a subscription's emails. */
export interface UnsubscriptionsTable {
  subscription: string;
  recipient: string;
  at: string;
  via: string;
}
