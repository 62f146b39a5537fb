/** Conversions between the core types and table rows, in the canonical JSON text that both databases compare in. */
import type { Insertable, Selectable } from 'kysely';
import type { Digest, DigestEntry, DigestStyle } from '../../core/digest.js';
import type { AnnounceType, Author, LegacyFlag, Paper, PaperVersion, SourceFormat, StoredPaper } from '../../core/paper.js';
import type { StoredTexts, TextStatus } from '../../core/texts.js';
import type {
  DigestEntriesTable,
  DigestsTable,
  PaperTextsTable,
  PapersTable,
  PaperVersionsTable,
} from '../schema.js';
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

function authorsJson(authors: Author[] | undefined): string {
  if (!authors || authors.length === 0) return '[]';
  let json = '[';
  for (let index = 0; index < authors.length; index += 1) {
    const author = authors[index]!;
    if (index > 0) json += ',';
    json +=
      author.affiliations && author.affiliations.length > 0
        ? `{"affiliations":${JSON.stringify(author.affiliations)},"name":${JSON.stringify(author.name)}}`
        : `{"name":${JSON.stringify(author.name)}}`;
  }
  return `${json}]`;
}

function linksJson(links: Paper['links'] | undefined): string {
  if (!links) return '{}';
  let json = '';
  let known = 0;
  // The four known keys, in sorted order; any other key takes the general path below.
  for (const key of ['abs', 'doi', 'html', 'pdf'] as const) {
    const value = links[key];
    if (value === undefined) continue;
    known += 1;
    if (typeof value === 'string' && value !== '') json += `${json === '' ? '' : ','}"${key}":${JSON.stringify(value)}`;
  }
  if (known === Object.keys(links).length) return `{${json}}`;
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
  const row: PaperRow = {
    id: paper.id,
    version: effectiveVersion(paper),
    title: paper.title ?? '',
    authors: authorsJson(paper.authors),
    abstract: paper.abstract ?? '',
    abstract_truncated: paper.abstractTruncated ? 1 : 0,
    categories: JSON.stringify(categories),
    primary_category: categories[0] ?? null,
    doi: nonEmpty(paper.doi),
    journal_ref: nonEmpty(paper.journalRef),
    comments: nonEmpty(paper.comments),
    license: nonEmpty(paper.license),
    report_no: nonEmpty(paper.reportNo),
    submitter: nonEmpty(paper.submitter),
    links: linksJson(paper.links),
    submitted_at: nonEmpty(paper.submitted),
    updated_at: nonEmpty(paper.updated),
    announced_on: nonEmpty(paper.announced),
    announce_type: nonEmpty(paper.announceType),
    legacy_flags: paper.legacyFlags && paper.legacyFlags.length > 0 ? JSON.stringify(paper.legacyFlags) : null,
    feed_title: paper.feed ? paper.feed.title : null,
    feed_description: paper.feed ? paper.feed.description : null,
    feed_link: paper.feed ? paper.feed.link : null,
    source: paper.source,
    first_seen_at: firstSeen,
    sort_day: '',
  };
  row.sort_day = sortDay(row);
  return row;
}

/** A papers row as read for merging, its JSON columns in canonical text. */
export function paperRowFromDb(row: Selectable<PapersTable>): PaperRow {
  return {
    ...row,
    authors: readJsonText(row.authors),
    categories: readJsonText(row.categories),
    links: readJsonText(row.links),
    legacy_flags: readNullableJsonText(row.legacy_flags),
  };
}

/**
 * The version records a paper record reports: every version it lists, plus its own. Title, abstract and announcement
 * belong to its own version only; a truncated abstract is not kept as a version's abstract.
 */
export function versionRowsOf(paper: Paper): VersionRow[] {
  const rows = new Map<number, VersionRow>();
  const blank = (version: number): VersionRow => ({
    paper_id: paper.id,
    version,
    submitted_at: null,
    size: null,
    source_type: null,
    title: null,
    abstract: null,
    announce_type: null,
    announced_on: null,
    source: paper.source,
  });
  for (const entry of paper.versions ?? []) {
    const row = rows.get(entry.version) ?? blank(entry.version);
    row.submitted_at ??= nonEmpty(entry.submitted);
    row.size ??= nonEmpty(entry.size);
    row.source_type ??= nonEmpty(entry.sourceType);
    rows.set(entry.version, row);
  }
  const own = effectiveVersion(paper);
  if (own !== null) {
    const row = rows.get(own) ?? blank(own);
    row.title = nonEmpty(paper.title);
    row.abstract = paper.abstractTruncated ? null : nonEmpty(paper.abstract);
    row.announce_type = nonEmpty(paper.announceType);
    row.announced_on = nonEmpty(paper.announced);
    rows.set(own, row);
  }
  // `submitted` is by definition when version 1 was submitted.
  const first = rows.get(1);
  if (first) first.submitted_at ??= nonEmpty(paper.submitted);
  return [...rows.values()];
}

function toPaperVersion(row: Selectable<PaperVersionsTable>): PaperVersion {
  const version: PaperVersion = { version: row.version };
  if (row.submitted_at !== null) version.submitted = row.submitted_at;
  if (row.size !== null) version.size = row.size;
  if (row.source_type !== null) version.sourceType = row.source_type;
  return version;
}

export function toStoredVersion(row: Selectable<PaperVersionsTable>): StoredVersion {
  const version: StoredVersion = toPaperVersion(row);
  if (row.title !== null) version.title = row.title;
  if (row.abstract !== null) version.abstract = row.abstract;
  if (row.announce_type !== null) version.announceType = row.announce_type;
  if (row.announced_on !== null) version.announced = row.announced_on;
  if (row.source !== null) version.source = row.source;
  return version;
}

/** A stored paper: optional fields are present only when known; `abstractTruncated` only when true. */
export function toStoredPaper(row: Selectable<PapersTable>, versions: Array<Selectable<PaperVersionsTable>>): StoredPaper {
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
    paper.feed = { title: row.feed_title, description: row.feed_description ?? '', link: row.feed_link ?? '' };
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
  return texts;
}

/** The cache key of texts, as one string. */
export function textsKey(row: Pick<PaperTextsTable, 'paper_id' | 'version' | 'lang' | 'provider' | 'model' | 'prompt_version' | 'abstract_hash'>): string {
  return JSON.stringify([row.paper_id, row.version, row.lang, row.provider, row.model, row.prompt_version, row.abstract_hash]);
}

export function entryToRow(digestName: string, position: number, entry: DigestEntry): DigestEntriesTable {
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
  };
}

export function toDigest(row: Selectable<DigestsTable>, entries: Array<Selectable<DigestEntriesTable>>): Digest {
  return {
    name: row.name,
    style: row.style as DigestStyle,
    lang: row.lang,
    createdAt: row.created_at,
    entries: entries.map((entry) => {
      const result: DigestEntry = {
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
        },
      };
      if (entry.text_status !== null) result.textStatus = entry.text_status as DigestEntry['textStatus'];
      if (entry.text_reason !== null) result.textReason = entry.text_reason;
      if (entry.updated_from !== null) result.updatedFrom = Number(entry.updated_from);
      return result;
    }),
  };
}
