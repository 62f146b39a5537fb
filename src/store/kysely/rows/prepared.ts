/** Paper records prepared for writing, in flat arrays of plain values (ADR 0009), and reading them back by offset. */
import type { Paper } from '../../../core/paper.js';
import { nonEmpty } from './json.js';
import { PAPER_WRITE_COLUMNS, paperToRow, pushPaperValues, type PaperRow } from './papers.js';
import { versionRecords, type RowVersionFacts, type VersionRow } from './versions.js';

/**
 * A batch of paper records as the store writes them, in flat arrays of plain values: built once per record (in the
 * thread that parsed it), cheap to hand to the store's writer thread (ADR 0009), and written as they are when the
 * paper is new, which is most of an ingest.
 */
export interface PreparedPapers {
  /**
   * PREPARED_PAPER_WIDTH values per record: the paper row it would write as a new paper, in PAPER_WRITE_COLUMNS
   * order, its own version's record living in it (see `preparedRow` and `preparedOwnVersion`).
   */
  papers: unknown[];
  /** Per record: how many records of other versions it lists, which follow in `versions`. */
  versionCounts: number[];
  /** PREPARED_VERSION_WIDTH values per listed version: version, submitted_at, size, source_type. */
  versions: unknown[];
  /**
   * Per record, the FTS5 column values of its search document as a new paper without texts (FTS_VALUE_COUNT each,
   * search/index-docs.ts `recordFtsValues`), when the thread that parsed the records made them; the store computes
   * them itself otherwise (ADR 0050).
   */
  fts?: string[];
  /**
   * Every record's row in `papers` in COPY's text format, one after the other, and the byte offset where each ends,
   * when the thread that prepared them made them for PostgreSQL's COPY (ADR 0071): the writing thread then sends the
   * new papers' rows as they are.
   */
  copy?: { rows: Uint8Array; ends: number[] };
}

/** Values per record in PreparedPapers.papers and per listed version in PreparedPapers.versions. */
export const PREPARED_PAPER_WIDTH = PAPER_WRITE_COLUMNS.length;

export const PREPARED_VERSION_WIDTH = 4;

/**
 * Prepares records for upsertPapers; `now` becomes the first_seen_at of the new ones. `knownPrefixes` gives, for
 * feed texts whose description is known to be a prefix followed by the record's abstract, that prefix.
 */
export function preparePapers(papers: readonly Paper[], now: string, knownPrefixes?: WeakMap<object, string>): PreparedPapers {
  const prepared: PreparedPapers = { papers: [], versionCounts: [], versions: [] };
  for (let index = 0; index < papers.length; index += 1) {
    const paper = papers[index]!;
    const row = paperToRow(paper, now);
    const { own, listed } = versionRecords(paper);
    // A record's own version record always equals what its row gives (see versionRecords), so it lives in the row.
    // The row's feed description and abstract are the record's own strings, so a known prefix holds for them.
    pushPaperValues(row, own, prepared.papers, paper.feed ? knownPrefixes?.get(paper.feed) : undefined);
    for (const entry of listed) prepared.versions.push(entry.version, entry.submitted_at, entry.size, entry.source_type);
    prepared.versionCounts.push(listed.length);
  }
  return prepared;
}

/** The logical row of the prepared record at `offset` (PREPARED_PAPER_WIDTH values): its feed description whole. */
export function preparedRow(values: readonly unknown[], offset: number): PaperRow {
  const abstract = values[offset + 4] as string;
  const description = values[offset + 21] as string | null;
  return {
    id: values[offset] as string,
    version: values[offset + 1] as number | null,
    title: values[offset + 2] as string,
    authors: values[offset + 3] as string,
    abstract,
    abstract_truncated: values[offset + 5] as number,
    categories: values[offset + 6] as string,
    primary_category: values[offset + 7] as string | null,
    doi: values[offset + 8] as string | null,
    journal_ref: values[offset + 9] as string | null,
    comments: values[offset + 10] as string | null,
    license: values[offset + 11] as string | null,
    report_no: values[offset + 12] as string | null,
    submitter: values[offset + 13] as string | null,
    links: values[offset + 14] as string,
    submitted_at: values[offset + 15] as string | null,
    updated_at: values[offset + 16] as string | null,
    announced_on: values[offset + 17] as string | null,
    announce_type: values[offset + 18] as string | null,
    legacy_flags: values[offset + 19] as string | null,
    feed_title: values[offset + 20] as string | null,
    feed_description: values[offset + 26] ? (description ?? '') + abstract : description,
    feed_link: values[offset + 22] as string | null,
    source: values[offset + 23] as string,
    first_seen_at: values[offset + 24] as string,
    sort_day: values[offset + 25] as string,
  };
}

/** The own version facts of the prepared record at `offset`, when its record lives in its row. */
export function preparedOwnVersion(values: readonly unknown[], offset: number): RowVersionFacts | undefined {
  if (values[offset + 27] !== 1) return undefined;
  return {
    submitted_at: values[offset + 28] as string | null,
    size: values[offset + 29] as string | null,
    source_type: values[offset + 30] as string | null,
  };
}

/** The listed (not own) version record at `offset` of `values`, of the record at `paperOffset` of `papers`. */
export function preparedListedVersion(values: readonly unknown[], offset: number, papers: readonly unknown[], paperOffset: number): VersionRow {
  return {
    paper_id: papers[paperOffset] as string,
    version: values[offset] as number,
    submitted_at: values[offset + 1] as string | null,
    size: values[offset + 2] as string | null,
    source_type: values[offset + 3] as string | null,
    title: null,
    abstract: null,
    announce_type: null,
    announced_on: null,
    source: papers[paperOffset + 23] as string,
  };
}

/**
 * The own version record of the prepared record at `offset`, whose facts are `own`: what its own row gives (see
 * versions.ts `rowVersionRecord`), read from the prepared values without building the row.
 */
export function preparedOwnRecord(values: readonly unknown[], offset: number, own: RowVersionFacts): VersionRow {
  return {
    paper_id: values[offset] as string,
    version: values[offset + 1] as number,
    submitted_at: own.submitted_at,
    size: own.size,
    source_type: own.source_type,
    title: nonEmpty(values[offset + 2] as string),
    abstract: values[offset + 5] ? null : nonEmpty(values[offset + 4] as string),
    announce_type: values[offset + 18] as string | null,
    announced_on: values[offset + 17] as string | null,
    source: values[offset + 23] as string,
  };
}
