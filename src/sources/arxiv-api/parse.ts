/** Streaming parser for arXiv API responses (export.arxiv.org/api/query, Atom 1.0), in the 2016 and the 2025+ style. */
import { absLink, findArxivId } from '../../core/arxiv-id.js';
import { XivdigestError } from '../../core/errors.js';
import type { Author, Paper, PaperVersion } from '../../core/paper.js';
import type { DocumentParser, FeedInfo, PageInfo, SourceEvent } from '../../core/source.js';
import { collapseWhitespace, joinWrappedLines } from '../../core/whitespace.js';
import { toIsoTime } from '../shared/text.js';
import { streamXml, type XmlHandler } from '../shared/xml-reader.js';

// Namespaces the API uses (arXiv API user manual §3.3 and §5.2). The 2016 style declares the last two inline on
// each element, the 2025+ style once on <feed>; resolving namespaces makes both the same.
const ATOM = 'http://www.w3.org/2005/Atom';
const ARXIV = 'http://arxiv.org/schemas/atom';
const OPENSEARCH = 'http://a9.com/-/spec/opensearch/1.1/';

/** Errors come back as a feed with one entry whose id is under /api/errors (manual §3.4). */
const ERROR_ID = /\/api\/errors(?:#|$)/;
const DOI_IN_URL = /doi\.org\/(.+)$/i;

interface EntryDraft {
  id: string;
  title: string;
  summary: string;
  published?: string;
  updated?: string;
  authors: Author[];
  primaryCategory?: string;
  categories: string[];
  doi?: string;
  doiLink?: string;
  journalRef?: string;
  comment?: string;
  pdf?: string;
}

/**
 * Parses one API response. Yields a feed event (title, `updated` as published, totalResults, startIndex), a paper
 * per entry, then a page event (count; totalResults as completeListSize, startIndex as cursor). An error entry
 * throws XivdigestError `ARXIV_API_ERROR` carrying arXiv's message.
 */
export const parseArxivApi: DocumentParser = (input, options) => streamXml(input, options, (emit) => createApiHandler(emit, options.origin));

function createApiHandler(emit: (event: SourceEvent) => void, origin: string): XmlHandler {
  let text = '';
  let depth = 0;
  const feed: FeedInfo = { format: 'arxiv-api', origin };
  let feedEmitted = false;
  let count = 0;
  let entry: EntryDraft | undefined;
  let author: Author | undefined;

  function emitFeed(): void {
    if (feedEmitted) return;
    feedEmitted = true;
    emit({ type: 'feed', feed });
  }

  function onEntryClose(ns: string, local: string, value: string): void {
    const draft = entry!;
    if (author !== undefined) {
      if (local === 'name' && ns === ATOM) author.name = collapseWhitespace(value);
      else if (local === 'affiliation' && ns === ARXIV) {
        const affiliation = collapseWhitespace(value);
        if (affiliation) (author.affiliations ??= []).push(affiliation);
      } else if (local === 'author' && ns === ATOM) {
        draft.authors.push(author);
        author = undefined;
      }
      return;
    }
    if (ns === ATOM) {
      switch (local) {
        case 'id':
          draft.id = value.trim();
          return;
        case 'title':
          draft.title = collapseWhitespace(value);
          return;
        case 'summary':
          draft.summary = joinWrappedLines(value);
          return;
        case 'published':
          draft.published = toIsoTime(value);
          return;
        case 'updated':
          draft.updated = toIsoTime(value);
          return;
        case 'entry':
          entry = undefined;
          finishEntry(draft);
          return;
        default:
          return;
      }
    }
    if (ns === ARXIV) {
      if (local === 'doi') draft.doi = value.trim().split(/\s+/)[0] || undefined;
      else if (local === 'journal_ref') draft.journalRef = collapseWhitespace(value);
      else if (local === 'comment') draft.comment = collapseWhitespace(value);
    }
  }

  function finishEntry(draft: EntryDraft): void {
    if (ERROR_ID.test(draft.id)) {
      throw new XivdigestError({
        code: 'ARXIV_API_ERROR',
        message: `arXiv API error for ${origin}: ${draft.summary || draft.title}`,
        hint: 'Check id_list and search_query: ids look like 2403.10568 or hep-th/9901001, queries like au:del_maestro AND ti:checkerboard (arXiv API user manual, section 5.1)',
        details: { origin, errorId: draft.id, apiMessage: draft.summary },
      });
    }
    emitFeed();
    emit({ type: 'paper', paper: buildPaper(draft, origin) });
    count += 1;
  }

  return {
    onOpen(ns, local, attributes) {
      depth += 1;
      text = '';
      if (entry !== undefined) {
        if (ns === ATOM && local === 'author') author = { name: '' };
        else if (ns === ATOM && local === 'link') {
          if (attributes.title === 'pdf') entry.pdf = attributes.href;
          else if (attributes.title === 'doi') entry.doiLink = attributes.href;
        } else if (ns === ATOM && local === 'category' && attributes.term) {
          entry.categories.push(attributes.term);
        } else if (ns === ARXIV && local === 'primary_category' && attributes.term) {
          entry.primaryCategory = attributes.term;
        }
        return;
      }
      if (depth === 1 && (local !== 'feed' || ns !== ATOM)) {
        throw new XivdigestError({
          code: 'FORMAT_UNKNOWN',
          message: `${origin} is not an arXiv API response: its root element is <${local}>${ns ? ` in namespace "${ns}"` : ''}`,
          hint: 'Expected an Atom <feed> as export.arxiv.org/api/query returns it',
          details: { origin, element: local, namespace: ns },
        });
      }
      if (ns === ATOM && local === 'entry' && depth === 2) {
        entry = { id: '', title: '', summary: '', authors: [], categories: [] };
      }
    },

    onText(chunk) {
      text += chunk;
    },

    onClose(ns, local) {
      const value = text;
      text = '';
      depth -= 1;
      if (entry !== undefined) {
        onEntryClose(ns, local, value);
        return;
      }
      if (depth !== 1) {
        if (depth === 0 && ns === ATOM && local === 'feed') {
          emitFeed();
          const page: PageInfo = { count };
          if (feed.totalResults !== undefined) page.completeListSize = feed.totalResults;
          if (feed.startIndex !== undefined) page.cursor = feed.startIndex;
          emit({ type: 'page', page });
        }
        return;
      }
      if (ns === ATOM && local === 'title') {
        const title = collapseWhitespace(value);
        if (title) feed.title = title;
      } else if (ns === ATOM && local === 'updated') {
        const published = toIsoTime(value);
        if (published) feed.published = published;
      } else if (ns === OPENSEARCH && local === 'totalResults') {
        const total = integer(value);
        if (total !== undefined) feed.totalResults = total;
      } else if (ns === OPENSEARCH && local === 'startIndex') {
        const start = integer(value);
        if (start !== undefined) feed.startIndex = start;
      }
    },
  };
}

function buildPaper(draft: EntryDraft, origin: string): Paper {
  // The entry id is the versioned abs URL: http://arxiv.org/abs/1201.4869v1, http://arxiv.org/abs/cond-mat/0412498v1.
  const parsed = findArxivId(draft.id);
  if (parsed === undefined) {
    throw new XivdigestError({
      code: 'INPUT_MALFORMED',
      message: `arXiv API entry "${draft.id}" in ${origin} has no arXiv id`,
      hint: 'The response is not from the arXiv API, or it was altered; fetch it again',
      details: { origin, entryId: draft.id },
    });
  }
  const { id, version } = parsed;

  const categories: string[] = [];
  if (draft.primaryCategory) categories.push(draft.primaryCategory);
  for (const category of draft.categories) if (!categories.includes(category)) categories.push(category);

  // `published` is when v1 was submitted, `updated` when this version was (manual §5.2.1).
  const versions: PaperVersion[] = [];
  if (version !== null) {
    if (version > 1 && draft.published) versions.push({ version: 1, submitted: draft.published });
    const submitted = version === 1 ? (draft.published ?? draft.updated) : draft.updated;
    versions.push(submitted ? { version, submitted } : { version });
  }

  const paper: Paper = {
    id,
    version,
    title: draft.title,
    authors: draft.authors,
    abstract: draft.summary,
    categories,
    links: { abs: absLink(id) },
    versions,
    source: 'arxiv-api',
  };
  if (draft.pdf) paper.links.pdf = draft.pdf;
  const doi = draft.doi ?? (draft.doiLink ? DOI_IN_URL.exec(draft.doiLink)?.[1] : undefined);
  if (doi) {
    paper.doi = doi;
    paper.links.doi = `https://doi.org/${doi}`;
  }
  if (draft.journalRef) paper.journalRef = draft.journalRef;
  if (draft.comment) paper.comments = draft.comment;
  if (draft.published) paper.submitted = draft.published;
  if (draft.updated) paper.updated = draft.updated;
  return paper;
}

function integer(text: string): number | undefined {
  const value = Number(text.trim());
  return text.trim() !== '' && Number.isInteger(value) ? value : undefined;
}
