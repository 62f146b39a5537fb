/** Streaming parser for arXiv OAI-PMH responses (ListRecords, GetRecord) in the `arXiv`, `arXivRaw` and `oai_dc` formats. */
import { absLink, findArxivId, parseArxivId, versionedId } from '../../core/arxiv-id.js';
import { XivdigestError } from '../../core/errors.js';
import type { Author, OaiHeader, Paper, PaperVersion } from '../../core/paper.js';
import type { DocumentParser, FeedInfo, PageInfo, SourceEvent } from '../../core/source.js';
import { collapseWhitespace, joinWrappedLines } from '../../core/whitespace.js';
import { toIsoTime } from '../shared/text.js';
import { AUTHOR_SUFFIX, splitAuthorList, texToUnicode } from '../../core/authors.js';
import { firstDoi, rfc822ToIso, splitCategories } from '../shared/metadata-text.js';
import { streamXml, type XmlHandler } from '../shared/xml-reader.js';
import { categoryForSubject } from './categories.js';

type OaiFormat = 'oai-arXiv' | 'oai-arXivRaw' | 'oai-oai_dc';

// Namespaces of the three metadata formats (OAI-PMH 2.0 §3.4; arXiv's arXiv.xsd and arXivRaw.xsd).
const OAI_NAMESPACE = 'http://www.openarchives.org/OAI/2.0/';

// Maps, not object literals: keys come from the document, and `constructor` must not find Object.prototype's.
const FORMAT_BY_NAMESPACE = new Map<string, OaiFormat>([
  ['http://arxiv.org/OAI/arXiv/', 'oai-arXiv'],
  ['http://arxiv.org/OAI/arXivRaw/', 'oai-arXivRaw'],
  ['http://www.openarchives.org/OAI/2.0/oai_dc/', 'oai-oai_dc'],
]);
const FORMAT_BY_PREFIX = new Map<string, OaiFormat>([
  ['arXiv', 'oai-arXiv'],
  ['arXivRaw', 'oai-arXivRaw'],
  ['oai_dc', 'oai-oai_dc'],
]);
const FORMAT_BY_ROOT = new Map<string, OaiFormat>([
  ['arXiv', 'oai-arXiv'],
  ['arXivRaw', 'oai-arXivRaw'],
  ['dc', 'oai-oai_dc'],
]);

/** What to do next, per OAI-PMH 2.0 §3.6 error code. */
const ERROR_HINTS = new Map<string, string>([
  ['noRecordsMatch', 'Nothing matches this date range or set; widen the range or check the set name (e.g. cs, physics:hep-th)'],
  ['badArgument', 'The request has an argument this verb does not take, or lacks one it needs; check verb, metadataPrefix, from/until and set'],
  ['badResumptionToken', 'The resumption token expired or is invalid; restart the harvest from its first page'],
  ['badVerb', 'Use one of Identify, ListRecords, ListIdentifiers, ListSets, ListMetadataFormats, GetRecord'],
  ['cannotDisseminateFormat', 'Use metadataPrefix arXiv, arXivRaw or oai_dc'],
  ['idDoesNotExist', 'Check the identifier: arXiv writes it oai:arXiv.org:<id>, e.g. oai:arXiv.org:1302.2146'],
  ['noSetHierarchy', 'This repository has no sets; drop the set argument'],
]);

const DOI_PREFIX = /^doi:\s*/i;
const COMMENT_PREFIX = /^Comment:\s*/;
const ARXIV_ABS_URL = /arxiv\.org\/abs\//i;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** The parts of one `<record>` collected while it streams by. */
interface RecordDraft {
  identifier: string;
  datestamp?: string;
  sets: string[];
  deleted: boolean;
  format?: OaiFormat;
  id?: string;
  title?: string;
  abstract?: string;
  authors: Author[];
  authorsText?: string;
  categories: string[];
  comments?: string;
  journalRef?: string;
  doi?: string;
  license?: string;
  reportNo?: string;
  submitter?: string;
  created?: string;
  updated?: string;
  versions: PaperVersion[];
  /** oai_dc `dc:date`, in order. */
  dates: string[];
}

interface AuthorDraft {
  keyname: string;
  forenames: string;
  suffix: string;
  affiliations: string[];
}

/**
 * Parses one OAI-PMH response. Yields a feed event (published = `responseDate`), a paper per live record (records
 * whose header says `status="deleted"` yield none), and for ListRecords a page event carrying the resumption token.
 * An OAI `<error>` throws XivdigestError `OAI_PMH_ERROR` with `details.oaiCode`.
 */
export const parseOaiPmh: DocumentParser = (input, options) => streamXml(input, options, (emit) => createOaiHandler(emit, options.origin));

function createOaiHandler(emit: (event: SourceEvent) => void, origin: string): XmlHandler {
  let text = '';
  let responseDate: string | undefined;
  let requestAttributes: Record<string, string> = {};
  let requestFormat: OaiFormat | undefined;
  let documentFormat: OaiFormat | undefined;
  let feedEmitted = false;
  let errorCode: string | undefined;
  let count = 0;
  let resumption: { token: string; completeListSize?: number; cursor?: number } | undefined;

  let record: RecordDraft | undefined;
  let inHeader = false;
  let inMetadata = false;
  let metadataDepth = 0;
  let depth = 0;
  let author: AuthorDraft | undefined;
  let version: PaperVersion | undefined;

  function emitFeed(): void {
    if (feedEmitted) return;
    feedEmitted = true;
    const feed: FeedInfo = { format: documentFormat ?? requestFormat ?? 'oai-arXiv', origin };
    const title = requestTitle(requestAttributes);
    if (title) feed.title = title;
    const published = toIsoTime(responseDate);
    if (published) feed.published = published;
    emit({ type: 'feed', feed });
  }

  function onMetadataOpen(ns: string, local: string, attributes: Record<string, string>): void {
    const draft = record!;
    if (depth === metadataDepth + 1) {
      draft.format = FORMAT_BY_NAMESPACE.get(ns) ?? FORMAT_BY_ROOT.get(local);
      if (draft.format === undefined) {
        throw new XivdigestError({
          code: 'FORMAT_UNKNOWN',
          message: `OAI-PMH record ${draft.identifier} in ${origin} has metadata <${local}> in namespace "${ns}", which xivdigest cannot read`,
          hint: 'Harvest with metadataPrefix arXiv, arXivRaw or oai_dc',
          details: { origin, identifier: draft.identifier, namespace: ns, element: local },
        });
      }
      documentFormat ??= draft.format;
      emitFeed();
      return;
    }
    if (local === 'author' && draft.format === 'oai-arXiv') {
      author = { keyname: '', forenames: '', suffix: '', affiliations: [] };
    } else if (local === 'version' && draft.format === 'oai-arXivRaw') {
      version = { version: versionNumber(attributes.version) ?? draft.versions.length + 1 };
    }
  }

  function onMetadataClose(local: string, value: string): void {
    const draft = record!;
    switch (draft.format) {
      case 'oai-arXiv':
        if (author !== undefined) {
          if (local === 'keyname') author.keyname = value;
          else if (local === 'forenames') author.forenames = value;
          else if (local === 'suffix') author.suffix = value;
          else if (local === 'affiliation') author.affiliations.push(value);
          else if (local === 'author') {
            draft.authors.push(authorFromParts(author));
            author = undefined;
          }
          return;
        }
        if (local === 'created') draft.created = value.trim();
        else if (local === 'updated') draft.updated = value.trim();
        else closeArxivField(draft, local, value);
        return;
      case 'oai-arXivRaw':
        if (version !== undefined) {
          if (local === 'date') {
            const submitted = rfc822ToIso(value);
            if (submitted !== undefined) version.submitted = submitted;
          } else if (local === 'size') version.size = value.trim();
          else if (local === 'source_type') version.sourceType = value.trim();
          else if (local === 'version') {
            draft.versions.push(version);
            version = undefined;
          }
          return;
        }
        if (local === 'authors') draft.authorsText = value;
        else if (local === 'submitter') draft.submitter = collapseWhitespace(value);
        else closeArxivField(draft, local, value);
        return;
      case 'oai-oai_dc':
        closeDublinCoreField(draft, local, value);
        return;
      default:
        return;
    }
  }

  function finishRecord(draft: RecordDraft): void {
    emitFeed();
    if (draft.deleted) return;
    emit({ type: 'paper', paper: buildPaper(draft, origin) });
    count += 1;
  }

  function fail(code: string, message: string): never {
    throw new XivdigestError({
      code: 'OAI_PMH_ERROR',
      message: `OAI-PMH error ${code} from ${origin}: ${message}`,
      hint: ERROR_HINTS.get(code) ?? 'See the OAI-PMH 2.0 specification, section 3.6, for this error code',
      details: { origin, oaiCode: code, oaiMessage: message },
    });
  }

  return {
    onOpen(ns, local, attributes) {
      depth += 1;
      text = '';
      if (depth === 1 && (local !== 'OAI-PMH' || ns !== OAI_NAMESPACE)) {
        throw new XivdigestError({
          code: 'FORMAT_UNKNOWN',
          message: `${origin} is not an OAI-PMH response: its root element is <${local}>${ns ? ` in namespace "${ns}"` : ''}`,
          hint: 'Expected <OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"> as export.arxiv.org/oai2 returns it',
          details: { origin, element: local, namespace: ns },
        });
      }
      if (record !== undefined) {
        if (inMetadata) onMetadataOpen(ns, local, attributes);
        else if (local === 'header') {
          inHeader = true;
          record.deleted = attributes.status === 'deleted';
        } else if (local === 'metadata' && !inHeader) {
          inMetadata = true;
          metadataDepth = depth;
        }
        return;
      }
      switch (local) {
        case 'record':
          record = { identifier: '', sets: [], deleted: false, authors: [], categories: [], versions: [], dates: [] };
          return;
        case 'request':
          requestAttributes = attributes;
          if (attributes.metadataPrefix !== undefined) requestFormat = FORMAT_BY_PREFIX.get(attributes.metadataPrefix);
          return;
        case 'error':
          errorCode = attributes.code ?? 'unknown';
          return;
        case 'resumptionToken':
          resumption = { token: '' };
          if (attributes.completeListSize !== undefined) resumption.completeListSize = Number(attributes.completeListSize);
          if (attributes.cursor !== undefined) resumption.cursor = Number(attributes.cursor);
          return;
        default:
          return;
      }
    },

    onText(chunk) {
      text += chunk;
    },

    onClose(_ns, local) {
      const value = text;
      text = '';
      depth -= 1;
      if (record !== undefined) {
        if (inMetadata) {
          if (depth < metadataDepth) inMetadata = false;
          else onMetadataClose(local, value);
        } else if (inHeader) {
          if (local === 'identifier') record.identifier = value.trim();
          else if (local === 'datestamp') record.datestamp = value.trim();
          else if (local === 'setSpec') record.sets.push(value.trim());
          else if (local === 'header') inHeader = false;
        } else if (local === 'record') {
          const draft = record;
          record = undefined;
          finishRecord(draft);
        }
        return;
      }
      switch (local) {
        case 'responseDate':
          responseDate = value.trim();
          return;
        case 'error':
          return fail(errorCode ?? 'unknown', collapseWhitespace(value));
        case 'resumptionToken':
          if (resumption !== undefined) resumption.token = value.trim();
          return;
        case 'ListRecords':
          emitFeed();
          emit({ type: 'page', page: pageInfo(count, resumption) });
          return;
        case 'GetRecord':
        case 'OAI-PMH':
          // A response without records (or a GetRecord) still says where it came from.
          emitFeed();
          return;
        default:
          return;
      }
    },
  };
}

/** Fields that `arXiv` and `arXivRaw` share (same element names, arXiv.xsd and arXivRaw.xsd). */
function closeArxivField(draft: RecordDraft, local: string, value: string): void {
  switch (local) {
    case 'id':
      draft.id = value.trim();
      return;
    case 'title':
      draft.title = collapseWhitespace(value);
      return;
    case 'abstract':
      draft.abstract = joinWrappedLines(value);
      return;
    case 'categories':
      draft.categories = splitCategories(value);
      return;
    case 'comments':
      draft.comments = collapseWhitespace(value);
      return;
    case 'journal-ref':
      draft.journalRef = collapseWhitespace(value);
      return;
    case 'doi':
      draft.doi = firstDoi(value);
      return;
    case 'license':
      draft.license = value.trim();
      return;
    case 'report-no':
      draft.reportNo = collapseWhitespace(value);
      return;
    default:
      return;
  }
}

/** Dublin Core as arXiv writes it: `dc:creator` "Last, First", `dc:subject` a category's full name, two `dc:description`s. */
function closeDublinCoreField(draft: RecordDraft, local: string, value: string): void {
  switch (local) {
    case 'title':
      draft.title = collapseWhitespace(value);
      return;
    case 'creator':
      draft.authors.push({ name: texToUnicode(invertName(collapseWhitespace(value))) });
      return;
    case 'subject': {
      // Names outside the taxonomy are not categories; they are skipped, not guessed.
      const code = categoryForSubject(value);
      if (code !== undefined && !draft.categories.includes(code)) draft.categories.push(code);
      return;
    }
    case 'description': {
      const trimmed = value.trim();
      if (COMMENT_PREFIX.test(trimmed)) draft.comments = collapseWhitespace(trimmed.replace(COMMENT_PREFIX, ''));
      else if (draft.abstract === undefined) draft.abstract = joinWrappedLines(value);
      return;
    }
    case 'date':
      draft.dates.push(value.trim());
      return;
    case 'identifier': {
      // arXiv lists the abs page, then the journal reference and `doi:…` when the paper has them.
      const trimmed = collapseWhitespace(value);
      if (DOI_PREFIX.test(trimmed)) draft.doi ??= firstDoi(trimmed.replace(DOI_PREFIX, ''));
      else if (ARXIV_ABS_URL.test(trimmed)) draft.id ??= findArxivId(trimmed)?.id;
      else if (trimmed && !URL_LIKE.test(trimmed)) draft.journalRef ??= trimmed;
      return;
    }
    case 'rights':
      draft.license = value.trim();
      return;
    default:
      return;
  }
}

function buildPaper(draft: RecordDraft, origin: string): Paper {
  const parsed = (draft.id ? parseArxivId(draft.id) : undefined) ?? findArxivId(draft.identifier);
  if (parsed === undefined) {
    throw new XivdigestError({
      code: 'INPUT_MALFORMED',
      message: `OAI-PMH record "${draft.identifier}" in ${origin} has no arXiv id (metadata id "${draft.id ?? ''}")`,
      hint: 'The response is not from arXiv, or it was altered; fetch it again',
      details: { origin, identifier: draft.identifier },
    });
  }
  const format = draft.format ?? 'oai-arXiv';
  const id = parsed.id;
  let version: number | null = null;
  let submitted: string | undefined;
  let updated: string | undefined;
  let authors = draft.authors;
  let versions: PaperVersion[] = [];

  if (format === 'oai-arXivRaw') {
    versions = draft.versions;
    if (!isAscending(versions)) versions.sort(byVersion);
    const first = versions[0];
    const last = versions[versions.length - 1];
    version = last?.version ?? null;
    submitted = first?.version === 1 ? first.submitted : undefined;
    updated = last?.submitted;
    authors = draft.authorsText !== undefined ? splitAuthorList(draft.authorsText) : [];
  } else if (format === 'oai-arXiv') {
    // `created` is the v1 date, `updated` the latest version's; neither says which version that is.
    submitted = draft.created;
    updated = draft.updated;
  } else {
    // oai_dc gives one dc:date per version, oldest first; the version numbers themselves are not given.
    submitted = draft.dates[0];
    updated = draft.dates.length > 1 ? draft.dates[draft.dates.length - 1] : undefined;
  }

  const paper: Paper = {
    id,
    version,
    title: draft.title ?? '',
    authors,
    abstract: draft.abstract ?? '',
    categories: draft.categories,
    links: { abs: absLink(id), pdf: `https://arxiv.org/pdf/${versionedId(id, version)}` },
    versions,
    source: format,
  };
  if (draft.doi) {
    paper.doi = draft.doi;
    paper.links.doi = `https://doi.org/${draft.doi}`;
  }
  if (draft.journalRef) paper.journalRef = draft.journalRef;
  if (draft.comments) paper.comments = draft.comments;
  if (draft.license) paper.license = draft.license;
  if (draft.reportNo) paper.reportNo = draft.reportNo;
  if (draft.submitter) paper.submitter = draft.submitter;
  if (submitted) paper.submitted = submitted;
  if (updated) paper.updated = updated;
  const oai: OaiHeader = { identifier: draft.identifier, sets: draft.sets };
  if (draft.datestamp) oai.datestamp = draft.datestamp;
  paper.oai = oai;
  return paper;
}

/** `ListRecords metadataPrefix=arXiv set=cs from=2015-01-16`: the request, as the response echoes it. */
function requestTitle(attributes: Record<string, string>): string | undefined {
  const { verb, ...rest } = attributes;
  if (verb === undefined) return undefined;
  const parts = [verb];
  for (const key of ['metadataPrefix', 'set', 'from', 'until', 'identifier', 'resumptionToken']) {
    if (rest[key] !== undefined) parts.push(`${key}=${rest[key]}`);
  }
  return parts.join(' ');
}

function authorFromParts(parts: AuthorDraft): Author {
  const name = collapseWhitespace(`${parts.forenames} ${parts.keyname} ${parts.suffix}`);
  const author: Author = { name: texToUnicode(name) };
  if (parts.affiliations.length > 0) {
    const affiliations: string[] = [];
    for (const affiliation of parts.affiliations) {
      const cleaned = texToUnicode(collapseWhitespace(affiliation));
      if (cleaned) affiliations.push(cleaned);
    }
    if (affiliations.length > 0) author.affiliations = affiliations;
  }
  return author;
}

/** `de Naray, Rachel Kuzio` → `Rachel Kuzio de Naray`; `Gates, S. James, Jr` → `S. James Gates Jr`; no comma: as is. */
function invertName(name: string): string {
  const comma = name.indexOf(',');
  if (comma < 0) return name;
  const last = name.slice(0, comma).trim();
  const rest = name.slice(comma + 1).trim();
  const suffixComma = rest.lastIndexOf(',');
  if (suffixComma >= 0 && AUTHOR_SUFFIX.test(rest.slice(suffixComma + 1).trim())) {
    return collapseWhitespace(`${rest.slice(0, suffixComma)} ${last} ${rest.slice(suffixComma + 1)}`);
  }
  return rest ? `${rest} ${last}` : last;
}

/** arXivRaw lists versions oldest first; sorting is only a fallback. */
function isAscending(versions: PaperVersion[]): boolean {
  for (let index = 1; index < versions.length; index += 1) {
    if (versions[index - 1]!.version >= versions[index]!.version) return false;
  }
  return true;
}

function byVersion(a: PaperVersion, b: PaperVersion): number {
  return a.version - b.version;
}

function versionNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  const digits = trimmed.charCodeAt(0) === 118 || trimmed.charCodeAt(0) === 86 ? trimmed.slice(1) : trimmed; // v, V
  const value = Number(digits);
  return digits !== '' && Number.isInteger(value) ? value : undefined;
}

/** The page end. An empty token (`<resumptionToken completeListSize="…" cursor="…"/>`) means the list is complete. */
function pageInfo(count: number, resumption: { token: string; completeListSize?: number; cursor?: number } | undefined): PageInfo {
  const page: PageInfo = { count };
  if (resumption === undefined) return page;
  if (resumption.token) page.resumptionToken = resumption.token;
  if (resumption.completeListSize !== undefined && Number.isFinite(resumption.completeListSize)) page.completeListSize = resumption.completeListSize;
  if (resumption.cursor !== undefined && Number.isFinite(resumption.cursor)) page.cursor = resumption.cursor;
  return page;
}

// ---------------------------------------------------------------------------------------------------------------
// Hot-path text helpers: the same results as text.ts `collapseWhitespace`/`joinWrappedLines`/`toIsoTime` (the tests
// check this over every fixture and random text), at a fraction of the cost: they run on every field of every record,
// and the ingest goal is 31,000 records/s parsed and stored.
