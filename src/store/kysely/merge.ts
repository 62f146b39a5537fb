/** The merge rules: how an incoming paper record changes a stored row and version records (pure, no database). */
import { canonicalJson } from './rows/json.js';
import { PAPER_COLUMNS, sortDay, type PaperRow } from './rows/papers.js';
import { emptyVersionRow, recordLivesInRow, VERSION_COLUMNS, type VersionRow } from './rows/versions.js';

/**
 * `newer`: the record describes a newer version than the row (or the row's version was never known): its non-empty
 * fields win. `fill`: same, older or unknown version: it only fills what the row lacks.
 */
export type MergeMode = 'newer' | 'fill';

export function mergeMode(stored: PaperRow, incoming: PaperRow): MergeMode {
  if (incoming.version === null) return 'fill';
  return stored.version === null || incoming.version > stored.version ? 'newer' : 'fill';
}

/** Text columns where an empty value means "not known". */
const TEXT_COLUMNS = [
  'title',
  'doi',
  'journal_ref',
  'comments',
  'license',
  'report_no',
  'submitter',
  'submitted_at',
  'updated_at',
  'announced_on',
  'announce_type',
] as const satisfies ReadonlyArray<keyof PaperRow>;

function isEmptyText(value: string | null): boolean {
  return value === null || value === '';
}

function isEmptyJson(value: string | null): boolean {
  return value === null || value === '[]' || value === '{}';
}

/** Links merge key by key: the preferred record's links win, the other fills the keys it lacks. */
function mergeLinks(preferred: string, fallback: string): string {
  if (preferred === fallback || fallback === '{}') return preferred;
  if (preferred === '{}') return fallback;
  return canonicalJson({ ...(JSON.parse(fallback) as object), ...(JSON.parse(preferred) as object) });
}

/**
 * A complete abstract always replaces a truncated one, and a truncated one never replaces a complete one; between
 * two of the same kind the preferred record wins.
 */
function mergeAbstract(preferred: PaperRow, fallback: PaperRow): Pick<PaperRow, 'abstract' | 'abstract_truncated'> {
  let pick: PaperRow;
  if (preferred.abstract === '') pick = fallback;
  else if (fallback.abstract === '') pick = preferred;
  else if (preferred.abstract_truncated !== fallback.abstract_truncated) {
    pick = preferred.abstract_truncated ? fallback : preferred;
  } else pick = preferred;
  return { abstract: pick.abstract, abstract_truncated: pick.abstract_truncated };
}

/** The stored row after the incoming record (same id) is applied. Returns `stored` itself when nothing changes. */
export function mergePaperRow(stored: PaperRow, incoming: PaperRow): PaperRow {
  // The common case, a record seen before: nothing to merge.
  if (sameContent(stored, incoming)) return stored;
  const mode = mergeMode(stored, incoming);
  const [preferred, fallback] = mode === 'newer' ? [incoming, stored] : [stored, incoming];
  const merged: PaperRow = { ...stored };
  for (const column of TEXT_COLUMNS) {
    const value = isEmptyText(preferred[column]) ? fallback[column] : preferred[column];
    (merged as unknown as Record<string, string | null>)[column] = value;
  }
  merged.authors = isEmptyJson(preferred.authors) ? fallback.authors : preferred.authors;
  merged.legacy_flags = isEmptyJson(preferred.legacy_flags) ? fallback.legacy_flags : preferred.legacy_flags;
  // Categories and their primary travel together; so do the three raw feed texts.
  const categoriesFrom = isEmptyJson(preferred.categories) ? fallback : preferred;
  merged.categories = categoriesFrom.categories;
  merged.primary_category = categoriesFrom.primary_category;
  const feedFrom = preferred.feed_title === null ? fallback : preferred;
  merged.feed_title = feedFrom.feed_title;
  merged.feed_description = feedFrom.feed_description;
  merged.feed_link = feedFrom.feed_link;
  merged.links = mergeLinks(preferred.links, fallback.links);
  Object.assign(merged, mergeAbstract(preferred, fallback));
  if (mode === 'newer') {
    merged.version = incoming.version;
    merged.source = incoming.source;
  }
  merged.first_seen_at = stored.first_seen_at;
  merged.sort_day = sortDay(merged);
  return paperRowsEqual(merged, stored) ? stored : merged;
}

/** Equal in every column but first_seen_at and sort_day (which follows from first_seen_at only when nothing else is known). */
function sameContent(a: PaperRow, b: PaperRow): boolean {
  for (const column of PAPER_COLUMNS) {
    if (a[column] !== b[column] && column !== 'first_seen_at' && column !== 'sort_day') return false;
  }
  return a.sort_day === b.sort_day || (a.announced_on ?? a.updated_at ?? a.submitted_at) === null;
}

export function paperRowsEqual(a: PaperRow, b: PaperRow): boolean {
  for (const column of PAPER_COLUMNS) if (a[column] !== b[column]) return false;
  return true;
}

/** The columns of a version record that records fill, in bit order of `VersionState.missing`. */
export const VERSION_FILL_COLUMNS = VERSION_COLUMNS.filter(
  (column): column is Exclude<(typeof VERSION_COLUMNS)[number], 'paper_id' | 'version'> => column !== 'paper_id' && column !== 'version',
);

/**
 * One version record during a batch. A version record only ever gains facts (incoming values fill the columns it
 * lacks), so the batch needs to know which columns of a paper_versions row are empty, not what the others hold; the
 * write then keeps stored values with COALESCE. A record that lives in its paper's row is known whole (the row gives
 * it), so that it can be written out as a paper_versions row when it no longer fits there.
 */
export interface VersionState {
  /** Bit i is set while column VERSION_FILL_COLUMNS[i] is empty. */
  missing: number;
  /**
   * The record as the batch leaves it when it is new or lived in its paper's row; else what to write: the columns
   * this batch fills (the rest null).
   */
  pending: VersionRow;
  /** Whether this batch added or filled anything. */
  dirty: boolean;
  /** Not stored before this batch. */
  isNew: boolean;
  /** Stored in its paper's row (`version_in_row`), not as a paper_versions row. */
  inRow: boolean;
}

export function missingMask(row: VersionRow): number {
  let mask = 0;
  for (let index = 0; index < VERSION_FILL_COLUMNS.length; index += 1) {
    if (row[VERSION_FILL_COLUMNS[index]!] === null) mask |= 1 << index;
  }
  return mask;
}

/** A stored paper_versions row, known by its empty columns. */
export function storedVersionState(paperId: string, version: number, missing: number): VersionState {
  const pending: VersionRow = emptyVersionRow(paperId, version);
  return { missing, pending, dirty: false, isNew: false, inRow: false };
}

/** A stored record that lives in its paper's row (as `rowVersionRecord` gives it); the state keeps `record`. */
export function rowVersionState(record: VersionRow): VersionState {
  return { missing: missingMask(record), pending: record, dirty: false, isNew: false, inRow: true };
}

/** A version record first seen in this batch; the state keeps `row` (a row of its own) as its pending write. */
export function newVersionState(row: VersionRow): VersionState {
  return { missing: missingMask(row), pending: row, dirty: true, isNew: true, inRow: false };
}

/** Fills the empty columns of `state` from an incoming record of the same version; true when it filled any. */
export function fillVersion(state: VersionState, incoming: VersionRow): boolean {
  const missing = state.missing;
  if (missing === 0) return false;
  let filled = false;
  for (let index = 0; index < VERSION_FILL_COLUMNS.length; index += 1) {
    const bit = 1 << index;
    const column = VERSION_FILL_COLUMNS[index]!;
    if ((missing & bit) !== 0 && incoming[column] !== null) {
      (state.pending as unknown as Record<string, unknown>)[column] = incoming[column];
      state.missing &= ~bit;
      filled = true;
    }
  }
  if (filled) state.dirty = true;
  return filled;
}

/**
 * Whether the record of a row's version (its state, if any) lives in the row as the batch leaves it: it must be new
 * or have lived there (a paper_versions row stays one), and the row must give it back whole (`recordLivesInRow`).
 */
export function livesInRow(state: VersionState | undefined, row: PaperRow): boolean {
  return state !== undefined && (state.isNew || state.inRow) && recordLivesInRow(state.pending, row);
}

/**
 * Whether a record that does not live in its row after the batch is written as a paper_versions row: when it is
 * new, when it leaves its row (written whole), or when it gained facts (written as fills).
 */
export function writesVersionRow(state: VersionState): boolean {
  return state.isNew || state.inRow || state.dirty;
}
