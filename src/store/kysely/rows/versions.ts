/** Version records: those a paper record reports, the one living in its paper's row, and the paper_versions rows. */
import type { Selectable } from 'kysely';
import type { Paper, PaperVersion } from '../../../core/paper.js';
import type { PapersTable, PaperVersionsTable } from '../../schema.js';
import type { StoredVersion } from '../../paper-store.js';
import { nonEmpty } from './json.js';
import type { PaperRow } from './papers.js';

/**
 * A version record as the merge rules see it, whether it is a paper_versions row or lives in its paper's row
 * (`version_in_row`, decided at write time; see `recordLivesInRow`).
 */
export type VersionRow = PaperVersionsTable;

export const VERSION_COLUMNS = [
  'paper_id',
  'version',
  'submitted_at',
  'size',
  'source_type',
  'title',
  'abstract',
  'announce_type',
  'announced_on',
  'source',
] as const satisfies ReadonlyArray<keyof VersionRow>;

/** The version a record describes: its own, else the newest it lists, else null. */
export function effectiveVersion(paper: Paper): number | null {
  if (paper.version !== null && paper.version !== undefined) return paper.version;
  let newest: number | null = null;
  for (const entry of paper.versions ?? []) if (newest === null || entry.version > newest) newest = entry.version;
  return newest;
}

/** The facts of the version record that lives in a row (`version_*` columns), or undefined when none does. */
export interface RowVersionFacts {
  submitted_at: string | null;
  size: string | null;
  source_type: string | null;
}

/**
 * The version record of a row's version as it is when it lives in the row: its facts, and the row's title,
 * abstract (a truncated one is no version's abstract), announcement and source.
 */
export function rowVersionRecord(row: PaperRow, facts: RowVersionFacts): VersionRow {
  return {
    paper_id: row.id,
    version: row.version!,
    submitted_at: facts.submitted_at,
    size: facts.size,
    source_type: facts.source_type,
    title: nonEmpty(row.title),
    abstract: row.abstract_truncated ? null : nonEmpty(row.abstract),
    announce_type: row.announce_type,
    announced_on: row.announced_on,
    source: row.source,
  };
}

/** Whether `record` can live in `row`: it is of the row's version, and `rowVersionRecord` gives it back whole. */
export function recordLivesInRow(record: VersionRow, row: PaperRow): boolean {
  return (
    record.version === row.version &&
    record.title === nonEmpty(row.title) &&
    record.abstract === (row.abstract_truncated ? null : nonEmpty(row.abstract)) &&
    record.announce_type === row.announce_type &&
    record.announced_on === row.announced_on &&
    record.source === row.source
  );
}

/** The facts of the version record living in a stored row, or undefined when none does. */
export function rowVersionFactsFromDb(row: Selectable<PapersTable>): RowVersionFacts | undefined {
  if (!row.version_in_row) return undefined;
  return { submitted_at: row.version_submitted_at, size: row.version_size, source_type: row.version_source_type };
}

/** Pushes a version record's values in VERSION_COLUMNS order. */
export function pushVersionValues(row: VersionRow, parameters: unknown[]): void {
  parameters.push(
    row.paper_id,
    row.version,
    row.submitted_at,
    row.size,
    row.source_type,
    row.title,
    row.abstract,
    row.announce_type,
    row.announced_on,
    row.source,
  );
}

/**
 * The version records a paper record reports: every version it lists, plus its own. Title, abstract and
 * announcement belong to its own version only; a truncated abstract is not kept as a version's abstract. The own
 * record is always what `rowVersionRecord` gives for the record's own row, so only its facts are returned.
 */
export function versionRecords(paper: Paper): { own: RowVersionFacts | undefined; listed: VersionRow[] } {
  const listed = paper.versions ?? [];
  const own = effectiveVersion(paper);
  // The usual record (a feed item, an API entry): it lists its own version only, or nothing.
  if (listed.length === 0 || (listed.length === 1 && listed[0]!.version === own)) {
    if (own === null) return { own: undefined, listed: [] };
    const entry = listed[0];
    // `submitted` is by definition when version 1 was submitted.
    let submitted = entry ? nonEmpty(entry.submitted) : null;
    if (own === 1) submitted ??= nonEmpty(paper.submitted);
    return {
      own: { submitted_at: submitted, size: entry ? nonEmpty(entry.size) : null, source_type: entry ? nonEmpty(entry.sourceType) : null },
      listed: [],
    };
  }
  const rows = new Map<number, VersionRow>();
  for (const entry of listed) {
    const row = rows.get(entry.version) ?? blankVersion(paper, entry.version);
    row.submitted_at ??= nonEmpty(entry.submitted);
    row.size ??= nonEmpty(entry.size);
    row.source_type ??= nonEmpty(entry.sourceType);
    rows.set(entry.version, row);
  }
  let ownRow: VersionRow | undefined;
  if (own !== null) {
    ownRow = rows.get(own) ?? blankVersion(paper, own);
    rows.set(own, ownRow);
  }
  const first = rows.get(1);
  if (first) first.submitted_at ??= nonEmpty(paper.submitted);
  const others: VersionRow[] = [];
  for (const row of rows.values()) if (row !== ownRow) others.push(row);
  return {
    own: ownRow ? { submitted_at: ownRow.submitted_at, size: ownRow.size, source_type: ownRow.source_type } : undefined,
    listed: others,
  };
}

/** A version record with every fact unknown. */
export function emptyVersionRow(paperId: string, version: number): VersionRow {
  return {
    paper_id: paperId,
    version,
    submitted_at: null,
    size: null,
    source_type: null,
    title: null,
    abstract: null,
    announce_type: null,
    announced_on: null,
    source: null,
  };
}

function blankVersion(paper: Paper, version: number): VersionRow {
  return { ...emptyVersionRow(paper.id, version), source: paper.source };
}

/** The version facts of a record (what `StoredPaper.versions` lists). */
export type VersionFacts = Pick<Selectable<PaperVersionsTable>, 'paper_id' | 'version' | 'submitted_at' | 'size' | 'source_type'>;

export function toPaperVersion(row: VersionFacts): PaperVersion {
  const version: PaperVersion = { version: row.version };
  if (row.submitted_at !== null) version.submitted = row.submitted_at;
  if (row.size !== null) version.size = row.size;
  if (row.source_type !== null) version.sourceType = row.source_type;
  return version;
}

export function toStoredVersion(row: VersionRow): StoredVersion {
  const version: StoredVersion = toPaperVersion(row);
  if (row.title !== null) version.title = row.title;
  if (row.abstract !== null) version.abstract = row.abstract;
  if (row.announce_type !== null) version.announceType = row.announce_type;
  if (row.announced_on !== null) version.announced = row.announced_on;
  if (row.source !== null) version.source = row.source;
  return version;
}
