/** Streaming parser for Kaggle's `arxiv-metadata-oai-snapshot.json`: one JSON object per line, one paper each. */
import { collapseWhitespace, joinWrappedLines } from '../../core/whitespace.js';
import { absLink, parseArxivId, versionedId } from '../../core/arxiv-id.js';
import { XivdigestError } from '../../core/errors.js';
import type { Author, Paper, PaperVersion } from '../../core/paper.js';
import type { DocumentParser, SourceEvent } from '../../core/source.js';
import { textLines } from '../shared/document-input.js';
import { splitAuthorList, texToUnicode } from '../../core/authors.js';
import { firstDoi, rfc822ToIso, splitCategories } from '../shared/metadata-text.js';

/** One line of the snapshot, as Kaggle writes it (every key may be null). */
interface KaggleRecord {
  id?: unknown;
  submitter?: unknown;
  authors?: unknown;
  title?: unknown;
  comments?: unknown;
  'journal-ref'?: unknown;
  doi?: unknown;
  'report-no'?: unknown;
  categories?: unknown;
  license?: unknown;
  abstract?: unknown;
  versions?: unknown;
  update_date?: unknown;
  authors_parsed?: unknown;
}

const NUMBERED_REFERENCES = /^\d+(?:\s*(?:,|and|&)\s*\d+)*$/;

/**
 * Parses the snapshot line by line (memory stays flat over its 2.7 million lines). Yields a feed event
 * `{format: 'kaggle', origin}` first, then one paper per line. A line that is not a JSON object with an arXiv id
 * throws XivdigestError `INPUT_MALFORMED` naming the origin and the line number.
 */
export const parseKaggle: DocumentParser = async function* parseKaggle(input, options): AsyncGenerator<SourceEvent> {
  const { origin } = options;
  yield { type: 'feed', feed: { format: 'kaggle', origin } };
  let lineNumber = 0;
  for await (const line of textLines(input)) {
    lineNumber += 1;
    const paper = parseKaggleLine(line, origin, lineNumber);
    if (paper) yield { type: 'paper', paper };
  }
};

/**
 * One line of the snapshot as a paper (undefined for a blank line), for readers that split the file themselves
 * (`backfill` resumes at a byte offset). Throws XivdigestError `INPUT_MALFORMED` as {@link parseKaggle} does.
 */
export function parseKaggleLine(line: string, origin: string, lineNumber: number): Paper | undefined {
  if (line.trim() === '') return undefined;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch (error) {
    throw malformed(origin, lineNumber, `is not valid JSON (${(error as Error).message})`, line, error);
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw malformed(origin, lineNumber, 'is not a JSON object', line);
  }
  return paperFromRecord(record as KaggleRecord, origin, lineNumber, line);
}

function malformed(origin: string, line: number, what: string, text: string, cause?: unknown): XivdigestError {
  const options = {
    code: 'INPUT_MALFORMED' as const,
    message: `Line ${line} of ${origin} ${what}: ${text.length > 120 ? `${text.slice(0, 120)}…` : text}`,
    hint: 'Each line of arxiv-metadata-oai-snapshot.json must be one complete JSON object; the file may be cut short or edited',
    details: { origin, line },
  };
  return new XivdigestError(cause === undefined ? options : { ...options, cause });
}

function paperFromRecord(record: KaggleRecord, origin: string, line: number, text: string): Paper {
  const rawId = stringOf(record.id);
  const parsed = rawId === undefined ? undefined : parseArxivId(rawId);
  if (parsed === undefined) throw malformed(origin, line, `has no valid arXiv "id" (${JSON.stringify(record.id ?? null)})`, text);
  const id = parsed.id;

  const versions = parseVersions(record.versions);
  const version = versions.length > 0 ? versions[versions.length - 1]!.version : parsed.version;
  const first = versions[0];

  const paper: Paper = {
    id,
    version,
    title: collapseWhitespace(stringOf(record.title) ?? ''),
    authors: parseAuthors(record.authors_parsed, stringOf(record.authors)),
    abstract: joinWrappedLines(stringOf(record.abstract) ?? ''),
    categories: splitCategories(stringOf(record.categories) ?? ''),
    links: { abs: absLink(id), pdf: `https://arxiv.org/pdf/${versionedId(id, version)}` },
    versions,
    source: 'kaggle',
  };
  const doi = firstDoi(stringOf(record.doi) ?? '');
  if (doi) {
    paper.doi = doi;
    paper.links.doi = `https://doi.org/${doi}`;
  }
  setText(paper, 'journalRef', record['journal-ref']);
  setText(paper, 'comments', record.comments);
  setText(paper, 'reportNo', record['report-no']);
  setText(paper, 'submitter', record.submitter);
  const license = stringOf(record.license)?.trim();
  if (license) paper.license = license;
  if (first?.version === 1 && first.submitted) paper.submitted = first.submitted;
  // `update_date` is when arXiv last changed the record (a new version, or a journal reference added later).
  const updated = stringOf(record.update_date)?.trim();
  if (updated) paper.updated = updated;
  return paper;
}

function setText(paper: Paper, key: 'journalRef' | 'comments' | 'reportNo' | 'submitter', value: unknown): void {
  const text = stringOf(value);
  if (text === undefined) return;
  const collapsed = collapseWhitespace(text);
  if (collapsed) paper[key] = collapsed;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `[{version: 'v1', created: 'Mon, 2 Apr 2007 19:18:42 GMT'}, …]`, oldest first. */
function parseVersions(value: unknown): PaperVersion[] {
  if (!Array.isArray(value)) return [];
  const versions: PaperVersion[] = [];
  for (const entry of value) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { version, created } = entry as { version?: unknown; created?: unknown };
    const number = typeof version === 'string' ? Number(version.replace(/^v/i, '')) : Number.NaN;
    if (!Number.isInteger(number)) continue;
    const item: PaperVersion = { version: number };
    const submitted = rfc822ToIso(stringOf(created));
    if (submitted) item.submitted = submitted;
    versions.push(item);
  }
  return versions.sort((a, b) => a.version - b.version);
}

/**
 * Authors from `authors_parsed` (`[last, first, suffix, affiliation?]`, TeX accents already turned into Unicode),
 * printed `first last suffix`. When the affiliation is a footnote number (`1 and 2`), it is looked up in the
 * `authors` string. Without `authors_parsed`, the `authors` string is split as arXiv writes it.
 */
function parseAuthors(parsed: unknown, authorsText: string | undefined): Author[] {
  if (!Array.isArray(parsed) || parsed.length === 0) return authorsText ? splitAuthorList(authorsText) : [];
  let fromText: Author[] | undefined;
  const authors: Author[] = [];
  for (const [index, entry] of parsed.entries()) {
    if (!Array.isArray(entry)) continue;
    const [last, first, suffix, affiliation] = entry.map((part) => (typeof part === 'string' ? part : ''));
    const name = texToUnicode(collapseWhitespace(`${first ?? ''} ${last ?? ''} ${suffix ?? ''}`));
    if (!name) continue;
    const author: Author = { name };
    const cleaned = collapseWhitespace(affiliation ?? '');
    if (cleaned) {
      if (NUMBERED_REFERENCES.test(cleaned)) {
        fromText ??= authorsText ? splitAuthorList(authorsText) : [];
        const resolved = fromText.length === parsed.length ? fromText[index]?.affiliations : undefined;
        if (resolved && resolved.length > 0) author.affiliations = resolved;
      } else {
        author.affiliations = [texToUnicode(cleaned)];
      }
    }
    authors.push(author);
  }
  return authors;
}
