/** Conversions between the core types and table rows, in the canonical JSON text that both databases compare in. */
import type { Insertable, Selectable } from 'kysely';
import type { Digest, DigestEntry, DigestStyle } from '../../core/digest.js';
import type { AnnounceType, Author, LegacyFlag, Paper, PaperVersion, SourceFormat, StoredPaper } from '../../core/paper.js';
import type { StoredTexts, StructuredSummary, TextStatus } from '../../core/texts.js';
import type { DigestEntriesTable, DigestsTable, PaperTextsTable, PapersTable, PaperVersionsTable } from '../schema.js';
import type { StoredVersion } from '../store.js';

/** A papers row with its JSON columns as canonical JSON text: what the merge rules read, compare and write. */
export interface PaperRow {
  id: string;
  version: number | null;
  title: string;
  authors: string;
  abstract: string;
  abstract_truncated: number;
  categories: string;
  primary_category: string | null;
  doi: string | null;
  journal_ref: string | null;
  comments: string | null;
  license: string | null;
  report_no: string | null;
  submitter: string | null;
  links: string;
  submitted_at: string | null;
  updated_at: string | null;
  announced_on: string | null;
  announce_type: string | null;
  legacy_flags: string | null;
  feed_title: string | null;
  feed_description: string | null;
  feed_link: string | null;
  source: string;
  first_seen_at: string;
  sort_day: string;
}

/**
 * A version record as the merge rules see it, whether it is a paper_versions row or lives in its paper's row
 * (`version_in_row`, decided at write time; see `recordLivesInRow`).
 */
export type VersionRow = PaperVersionsTable;

/** Every column of PaperRow, in table order; the multi-row INSERT sends them in this order. */
export const PAPER_COLUMNS = [
  'id',
  'version',
  'title',
  'authors',
  'abstract',
  'abstract_truncated',
  'categories',
  'primary_category',
  'doi',
  'journal_ref',
  'comments',
  'license',
  'report_no',
  'submitter',
  'links',
  'submitted_at',
  'updated_at',
  'announced_on',
  'announce_type',
  'legacy_flags',
  'feed_title',
  'feed_description',
  'feed_link',
  'source',
  'first_seen_at',
  'sort_day',
] as const satisfies ReadonlyArray<keyof PaperRow>;

/** The columns an INSERT of paper rows writes, in the order `pushPaperValues` pushes them. */
export const PAPER_WRITE_COLUMNS = [
  ...PAPER_COLUMNS,
  'feed_description_is_prefix',
  'version_in_row',
  'version_submitted_at',
  'version_size',
  'version_source_type',
] as const;

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

/**
 * JSON with object keys sorted and undefined members dropped. What we write is canonical, and PostgreSQL's jsonb
 * (which reorders keys) is re-serialized the same way, so stored and incoming values compare as plain strings.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member !== undefined) parts.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${parts.join(',')}}`;
}

/** A JSON column as read: text from SQLite (written canonical by us), a parsed value from PostgreSQL. */
export function readJsonText(value: unknown): string {
  return typeof value === 'string' ? value : canonicalJson(value);
}

function readNullableJsonText(value: unknown): string | null {
  return value === null || value === undefined ? null : readJsonText(value);
}

/** A JSON column as a value. */
export function readJsonValue<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** Empty text is missing text: '' and whitespace-only strings become null. */
export function nonEmpty(value: string | null | undefined): string | null {
  return value === undefined || value === null || value.trim() === '' ? null : value;
}

/** The version a record describes: its own, else the newest it lists, else null. */
export function effectiveVersion(paper: Paper): number | null {
  if (paper.version !== null && paper.version !== undefined) return paper.version;
  let newest: number | null = null;
  for (const entry of paper.versions ?? []) if (newest === null || entry.version > newest) newest = entry.version;
  return newest;
}

/** The listing day: announced, else the day of the last update, of submission, of first sight. */
export function sortDay(row: Pick<PaperRow, 'announced_on' | 'updated_at' | 'submitted_at' | 'first_seen_at'>): string {
  return (row.announced_on ?? row.updated_at ?? row.submitted_at ?? row.first_seen_at).slice(0, 10);
}

// The writers below build canonical JSON (keys in sorted order) directly: canonicalJson() gives the same text but
// is several times slower, and these run for every paper of every batch.

/**
 * JSON.stringify(value) for a string, without its call overhead when the text needs no escape (names, categories,
 * URLs): no quote, backslash, control character or surrogate (lone surrogates are escaped by JSON.stringify).
 */
function quoteJson(value: string): string {
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code === 34 || code === 92 || (code >= 0xd800 && code <= 0xdfff)) return JSON.stringify(value);
  }
  return `"${value}"`;
}

/** JSON.stringify(values) for an array of strings; anything else takes JSON.stringify itself. */
function stringArrayJson(values: readonly unknown[]): string {
  let json = '[';
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index];
    if (typeof value !== 'string') return JSON.stringify(values);
    json += index === 0 ? quoteJson(value) : `,${quoteJson(value)}`;
  }
  return `${json}]`;
}

function authorsJson(authors: Author[] | undefined): string {
  if (!authors || authors.length === 0) return '[]';
  let json = '[';
  for (let index = 0; index < authors.length; index += 1) {
    const author = authors[index]!;
    if (index > 0) json += ',';
    const name = typeof author.name === 'string' ? quoteJson(author.name) : JSON.stringify(author.name);
    const affiliations = author.affiliations;
    json +=
      affiliations && affiliations.length > 0
        ? `{"affiliations":${Array.isArray(affiliations) ? stringArrayJson(affiliations) : JSON.stringify(affiliations)},"name":${name}}`
        : `{"name":${name}}`;
  }
  return `${json}]`;
}

function linkJson(json: string, key: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') return json;
  return `${json === '' ? '' : `${json},`}"${key}":${quoteJson(value)}`;
}

function linksJson(links: Paper['links'] | undefined): string {
  if (!links) return '{}';
  // The four known keys, in sorted order; any other key takes the general path below.
  let known = 0;
  let json = '';
  if (links.abs !== undefined) {
    known += 1;
    json = linkJson(json, 'abs', links.abs);
  }
  if (links.doi !== undefined) {
    known += 1;
    json = linkJson(json, 'doi', links.doi);
  }
  if (links.html !== undefined) {
    known += 1;
    json = linkJson(json, 'html', links.html);
  }
  if (links.pdf !== undefined) {
    known += 1;
    json = linkJson(json, 'pdf', links.pdf);
  }
  // Own enumerable keys, counted without Object.keys' array.
  let keys = 0;
  for (const key in links) if (Object.hasOwn(links, key)) keys += 1;
  if (known === keys) return `{${json}}`;
  const clean: Record<string, string> = {};
  for (const key of Object.keys(links).sort()) {
    const value = (links as Record<string, unknown>)[key];
    if (typeof value === 'string' && value !== '') clean[key] = value;
  }
  return JSON.stringify(clean);
}

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

/** The row a paper record would be if it were the only one ever seen. */
export function paperToRow(paper: Paper, firstSeen: string): PaperRow {
  const categories = paper.categories ?? [];
  const legacyFlags = paper.legacyFlags;
  const feed = paper.feed;
  const announced = nonEmpty(paper.announced);
  const updated = nonEmpty(paper.updated);
  const submitted = nonEmpty(paper.submitted);
  return {
    id: paper.id,
    version: effectiveVersion(paper),
    title: paper.title ?? '',
    authors: authorsJson(paper.authors),
    abstract: paper.abstract ?? '',
    abstract_truncated: paper.abstractTruncated ? 1 : 0,
    categories: Array.isArray(categories) ? stringArrayJson(categories) : JSON.stringify(categories),
    primary_category: categories[0] ?? null,
    doi: nonEmpty(paper.doi),
    journal_ref: nonEmpty(paper.journalRef),
    comments: nonEmpty(paper.comments),
    license: nonEmpty(paper.license),
    report_no: nonEmpty(paper.reportNo),
    submitter: nonEmpty(paper.submitter),
    links: linksJson(paper.links),
    submitted_at: submitted,
    updated_at: updated,
    announced_on: announced,
    announce_type: nonEmpty(paper.announceType),
    legacy_flags: legacyFlags && legacyFlags.length > 0 ? (Array.isArray(legacyFlags) ? stringArrayJson(legacyFlags) : JSON.stringify(legacyFlags)) : null,
    feed_title: feed ? feed.title : null,
    feed_description: feed ? feed.description : null,
    feed_link: feed ? feed.link : null,
    source: paper.source,
    first_seen_at: firstSeen,
    sort_day: (announced ?? updated ?? submitted ?? firstSeen).slice(0, 10),
  };
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

/** The facts of the version record that lives in a row (`version_*` columns), or undefined when none does. */
export interface RowVersionFacts {
  submitted_at: string | null;
  size: string | null;
  source_type: string | null;
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

/** The raw feed description of a stored row: the stored prefix followed by the abstract, or the stored text. */
function feedDescriptionFromDb(row: Selectable<PapersTable>): string | null {
  return row.feed_description_is_prefix ? (row.feed_description ?? '') + row.abstract : row.feed_description;
}

/** The facts of the version record living in a stored row, or undefined when none does. */
export function rowVersionFactsFromDb(row: Selectable<PapersTable>): RowVersionFacts | undefined {
  if (!row.version_in_row) return undefined;
  return { submitted_at: row.version_submitted_at, size: row.version_size, source_type: row.version_source_type };
}

/** A papers row as read for merging: JSON columns in canonical text, the feed description whole. */
export function paperRowFromDb(row: Selectable<PapersTable>): PaperRow {
  return {
    id: row.id,
    version: row.version,
    title: row.title,
    authors: readJsonText(row.authors),
    abstract: row.abstract,
    abstract_truncated: row.abstract_truncated,
    categories: readJsonText(row.categories),
    primary_category: row.primary_category,
    doi: row.doi,
    journal_ref: row.journal_ref,
    comments: row.comments,
    license: row.license,
    report_no: row.report_no,
    submitter: row.submitter,
    links: readJsonText(row.links),
    submitted_at: row.submitted_at,
    updated_at: row.updated_at,
    announced_on: row.announced_on,
    announce_type: row.announce_type,
    legacy_flags: readNullableJsonText(row.legacy_flags),
    feed_title: row.feed_title,
    feed_description: feedDescriptionFromDb(row),
    feed_link: row.feed_link,
    source: row.source,
    first_seen_at: row.first_seen_at,
    sort_day: row.sort_day,
  };
}

/**
 * Pushes a row's values in PAPER_WRITE_COLUMNS order, with the facts of the version record that lives in it, if
 * any (ADR 0009). The abstract is written once: a feed description that ends with the row's abstract (RSS 2.0 writes
 * `arXiv:ID vN Announce Type: T \nAbstract: ` before it) is stored as its prefix, with feed_description_is_prefix = 1.
 * The row is always written whole, so the two never drift apart.
 */
export function pushPaperValues(row: PaperRow, own: RowVersionFacts | undefined, parameters: unknown[], knownPrefix?: string): void {
  let description = row.feed_description;
  let isPrefix = 0;
  const abstract = row.abstract;
  const prefixLength = description === null ? -1 : description.length - abstract.length;
  if (knownPrefix !== undefined && abstract.length > 0) {
    description = knownPrefix;
    isPrefix = 1;
  } else if (abstract.length > 0 && prefixLength >= 0 && description!.slice(prefixLength) === abstract) {
    // slice and ===, not endsWith: V8 compares the two as blocks of memory, where endsWith goes character by character.
    description = description!.slice(0, prefixLength);
    isPrefix = 1;
  }
  parameters.push(
    row.id,
    row.version,
    row.title,
    row.authors,
    abstract,
    row.abstract_truncated,
    row.categories,
    row.primary_category,
    row.doi,
    row.journal_ref,
    row.comments,
    row.license,
    row.report_no,
    row.submitter,
    row.links,
    row.submitted_at,
    row.updated_at,
    row.announced_on,
    row.announce_type,
    row.legacy_flags,
    row.feed_title,
    description,
    row.feed_link,
    row.source,
    row.first_seen_at,
    row.sort_day,
    isPrefix,
    own ? 1 : 0,
    own ? own.submitted_at : null,
    own ? own.size : null,
    own ? own.source_type : null,
  );
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

function toPaperVersion(row: VersionFacts): PaperVersion {
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

/** A stored paper: optional fields are present only when known; `abstractTruncated` only when true. */
export function toStoredPaper(row: Selectable<PapersTable>, versions: VersionFacts[]): StoredPaper {
  const paper: StoredPaper = {
    id: row.id,
    version: row.version,
    title: row.title,
    authors: readJsonValue<Author[]>(row.authors),
    abstract: row.abstract,
    categories: readJsonValue<string[]>(row.categories),
    links: readJsonValue<Paper['links']>(row.links),
    versions: versions.map(toPaperVersion),
    source: row.source as SourceFormat,
    firstSeen: row.first_seen_at,
  };
  if (row.abstract_truncated) paper.abstractTruncated = true;
  if (row.doi !== null) paper.doi = row.doi;
  if (row.journal_ref !== null) paper.journalRef = row.journal_ref;
  if (row.comments !== null) paper.comments = row.comments;
  if (row.license !== null) paper.license = row.license;
  if (row.report_no !== null) paper.reportNo = row.report_no;
  if (row.submitter !== null) paper.submitter = row.submitter;
  if (row.submitted_at !== null) paper.submitted = row.submitted_at;
  if (row.updated_at !== null) paper.updated = row.updated_at;
  if (row.announced_on !== null) paper.announced = row.announced_on;
  if (row.announce_type !== null) paper.announceType = row.announce_type as AnnounceType;
  if (row.legacy_flags !== null) paper.legacyFlags = readJsonValue<LegacyFlag[]>(row.legacy_flags);
  if (row.feed_title !== null) {
    paper.feed = { title: row.feed_title, description: feedDescriptionFromDb(row) ?? '', link: row.feed_link ?? '' };
  }
  return paper;
}

/** Texts to their row; an unknown version is stored as 0 so that the cache key is a plain primary key. */
export function textsToRow(texts: StoredTexts): Insertable<PaperTextsTable> {
  return {
    paper_id: texts.paperId,
    version: texts.version ?? 0,
    lang: texts.lang,
    abstract_hash: texts.abstractHash,
    provider: texts.provider,
    model: texts.model,
    prompt_version: texts.promptVersion,
    title: texts.title,
    tldr: texts.tldr,
    tldr_en: texts.tldrEn,
    abstract: texts.abstract,
    status: texts.status,
    reason: texts.reason ?? null,
    flags: texts.flags && texts.flags.length > 0 ? canonicalJson(texts.flags) : null,
    total_tokens: texts.totalTokens ?? null,
    created_at: texts.createdAt,
    summary: texts.summary ? canonicalJson(texts.summary) : null,
  };
}

export function toStoredTexts(row: Selectable<PaperTextsTable>): StoredTexts {
  const texts: StoredTexts = {
    paperId: row.paper_id,
    version: row.version === 0 ? null : row.version,
    abstractHash: row.abstract_hash,
    lang: row.lang,
    title: row.title,
    tldr: row.tldr,
    tldrEn: row.tldr_en,
    abstract: row.abstract,
    provider: row.provider,
    model: row.model,
    promptVersion: row.prompt_version,
    createdAt: row.created_at,
    status: row.status as TextStatus,
  };
  if (row.total_tokens !== null) texts.totalTokens = Number(row.total_tokens);
  if (row.reason !== null) texts.reason = row.reason;
  if (row.flags !== null) texts.flags = readJsonValue<string[]>(row.flags);
  if (row.summary !== null && row.summary !== undefined) texts.summary = readJsonValue<StructuredSummary>(row.summary);
  return texts;
}

/** The cache key of texts, as one string. */
export function textsKey(row: Pick<PaperTextsTable, 'paper_id' | 'version' | 'lang' | 'provider' | 'model' | 'prompt_version' | 'abstract_hash'>): string {
  return JSON.stringify([row.paper_id, row.version, row.lang, row.provider, row.model, row.prompt_version, row.abstract_hash]);
}

/** The DigestEntry fields with columns of their own; any other field is kept in the `extra` JSON column. */
const ENTRY_COLUMN_FIELDS = new Set(['paperId', 'version', 'link', 'title', 'abstract', 'texts', 'textStatus', 'textReason', 'updatedFrom']);
/** The Digest fields with columns of their own (entries have their table). */
const DIGEST_COLUMN_FIELDS = new Set(['name', 'style', 'lang', 'createdAt', 'entries']);

/** The fields of `value` outside `known`, as canonical JSON, or null when there are none. */
export function extraJson(value: object, known: ReadonlySet<string>): string | null {
  const extra: Record<string, unknown> = {};
  let any = false;
  for (const [key, member] of Object.entries(value)) {
    if (known.has(key) || member === undefined) continue;
    extra[key] = member;
    any = true;
  }
  return any ? canonicalJson(extra) : null;
}

export function digestToRow(digest: Digest): Insertable<DigestsTable> {
  return { name: digest.name, style: digest.style, lang: digest.lang, created_at: digest.createdAt, extra: extraJson(digest, DIGEST_COLUMN_FIELDS) };
}

export function entryToRow(digestName: string, position: number, entry: DigestEntry): Insertable<DigestEntriesTable> {
  return {
    digest_name: digestName,
    position,
    paper_id: entry.paperId,
    version: entry.version,
    link: entry.link,
    title: entry.title,
    abstract: entry.abstract,
    texts_lang: entry.texts.lang,
    texts_title: entry.texts.title,
    texts_tldr: entry.texts.tldr,
    texts_tldr_en: entry.texts.tldrEn,
    texts_abstract: entry.texts.abstract,
    text_status: entry.textStatus ?? null,
    text_reason: entry.textReason ?? null,
    updated_from: entry.updatedFrom ?? null,
    // The texts' structured summary has no column of its own: it rides in `extra` as `textsSummary`.
    extra: extraJson(entry.texts.summary ? { ...entry, textsSummary: entry.texts.summary } : entry, ENTRY_COLUMN_FIELDS),
  };
}

export function toDigest(row: Selectable<DigestsTable>, entries: Array<Selectable<DigestEntriesTable>>): Digest {
  return {
    ...(row.extra !== null && row.extra !== undefined ? readJsonValue<Record<string, unknown>>(row.extra) : {}),
    name: row.name,
    style: row.style as DigestStyle,
    lang: row.lang,
    createdAt: row.created_at,
    entries: entries.map((entry) => {
      const { textsSummary, ...extra } = entry.extra !== null && entry.extra !== undefined ? readJsonValue<Record<string, unknown>>(entry.extra) : {};
      const result: DigestEntry = {
        ...extra,
        paperId: entry.paper_id,
        version: entry.version,
        link: entry.link,
        title: entry.title,
        abstract: entry.abstract,
        texts: {
          lang: entry.texts_lang,
          title: entry.texts_title,
          tldr: entry.texts_tldr,
          tldrEn: entry.texts_tldr_en,
          abstract: entry.texts_abstract,
          ...(textsSummary ? { summary: textsSummary as StructuredSummary } : {}),
        },
      };
      if (entry.text_status !== null) result.textStatus = entry.text_status as DigestEntry['textStatus'];
      if (entry.text_reason !== null) result.textReason = entry.text_reason;
      if (entry.updated_from !== null) result.updatedFrom = Number(entry.updated_from);
      return result;
    }),
  };
}
