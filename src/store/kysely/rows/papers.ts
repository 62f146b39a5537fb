/** The papers table's rows: a paper record to its row, a stored row back to a paper, and the values an INSERT sends. */
import type { Selectable } from 'kysely';
import type { AnnounceType, Author, LegacyFlag, Paper, SourceFormat, StoredPaper } from '../../../core/paper.js';
import type { PapersTable } from '../../schema.js';
import { nonEmpty, quoteJson, readJsonText, readJsonValue, readNullableJsonText, stringArrayJson } from './json.js';
import { effectiveVersion, toPaperVersion, type RowVersionFacts, type VersionFacts } from './versions.js';

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

/** The listing day: announced, else the day of the last update, of submission, of first sight. */
export function sortDay(row: Pick<PaperRow, 'announced_on' | 'updated_at' | 'submitted_at' | 'first_seen_at'>): string {
  return (row.announced_on ?? row.updated_at ?? row.submitted_at ?? row.first_seen_at).slice(0, 10);
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

/** The raw feed description of a stored row: the stored prefix followed by the abstract, or the stored text. */
function feedDescriptionFromDb(row: Selectable<PapersTable>): string | null {
  return row.feed_description_is_prefix ? (row.feed_description ?? '') + row.abstract : row.feed_description;
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
