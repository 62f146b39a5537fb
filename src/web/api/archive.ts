/**
 * Reads the archive for the JSON API, the feeds and the MCP tools: search, a paper with its texts, digests, days and
 * categories, each shaped as its response schema (schemas.ts) with absolute links.
 */
import type { DigestEntry } from '../../core/digest.js';
import { parseArxivId, versionedId } from '../../core/arxiv-id.js';
import { XivdigestError } from '../../core/errors.js';
import type { StoredPaper } from '../../core/paper.js';
import type { SearchHit } from '../../core/search.js';
import { textsByLanguage } from '../../core/texts-choice.js';
import { entryLinks, readableEntry } from '../../render/html/escape.js';
import { ARXIV_CATEGORY_NAMES, suggestCategory } from '../../core/taxonomy.js';
import type { WebDeps } from '../deps.js';
import { digestPrivacyOf } from '../private-digests.js';
import { parseCategoryAlgebra, urls, type SearchParams } from '../urls.js';
import { notFound } from './errors.js';
import type {
  CategoriesResponseBody,
  DaysQuery,
  DaysResponseBody,
  DigestListBody,
  DigestResponseBody,
  PaperResponseBody,
  PaperTextsBody,
  SearchQuery,
  SearchResponseBody,
  SearchResultBody,
} from './schemas.js';

/** The search seam's category filters for a category expression (`cs.CL+cs.AI-cs.CY`), checked against arXiv's taxonomy. */
export function categoryFilter(expression: string | undefined): { categories?: string[]; excludeCategories?: string[] } {
  if (expression === undefined || expression.trim() === '') return {};
  const algebra = parseCategoryAlgebra(expression, (name) => ARXIV_CATEGORY_NAMES.has(name));
  if (!algebra) {
    throw new XivdigestError({
      code: 'QUERY_INVALID',
      message: `category: ${JSON.stringify(expression.slice(0, 100))} is not a category expression`,
      hint: 'Join arXiv categories with + to include and - to exclude, e.g. cs.CL+cs.AI-cs.CY.',
    });
  }
  for (const name of [...algebra.include, ...algebra.exclude]) {
    if (ARXIV_CATEGORY_NAMES.has(name)) continue;
    const suggestion = suggestCategory(name);
    throw new XivdigestError({
      code: 'QUERY_INVALID',
      message: `category: unknown category ${JSON.stringify(name)}${suggestion ? `; did you mean ${suggestion}?` : ''}`,
      hint: suggestion
        ? `arXiv category names are case-sensitive; use ${suggestion}.`
        : 'Use an arXiv category such as cs.CL or math.AP, or an archive such as cs (https://arxiv.org/category_taxonomy).',
    });
  }
  return { categories: algebra.include, ...(algebra.exclude.length > 0 ? { excludeCategories: algebra.exclude } : {}) };
}

/** An absolute URL on this site. */
export function absolute(deps: Pick<WebDeps, 'baseUrl'>, path: string): string {
  return `${deps.baseUrl.replace(/\/+$/, '')}${path}`;
}

const ARXIV = 'https://arxiv.org';
const encodeId = (id: string): string => id.split('/').map(encodeURIComponent).join('/');

function paperLinks(deps: WebDeps, paper: { id: string; version: number | null; links?: StoredPaper['links'] }): SearchResultBody['links'] {
  return {
    abs: paper.links?.abs ?? `${ARXIV}/abs/${encodeId(paper.id)}`,
    pdf: `${ARXIV}/pdf/${encodeId(versionedId(paper.id, paper.version))}`,
    ...(paper.links?.html ? { html: paper.links.html } : {}),
    ...(paper.links?.doi ? { doi: paper.links.doi } : {}),
    page: absolute(deps, urls.paper(paper.id)),
    api: absolute(deps, urls.api.paper(paper.id)),
  };
}

function searchResult(deps: WebDeps, hit: SearchHit): SearchResultBody {
  return {
    id: hit.id,
    version: hit.version,
    title: hit.title,
    ...(hit.translatedTitle ? { translatedTitle: hit.translatedTitle } : {}),
    ...(hit.tldr ? { tldr: hit.tldr } : {}),
    score: hit.score,
    authors: hit.authors,
    categories: hit.categories,
    ...(hit.announced ? { announced: hit.announced } : {}),
    snippets: hit.snippets.map((snippet) => ({
      field: snippet.field,
      ...(snippet.lang ? { lang: snippet.lang } : {}),
      text: snippet.text,
      highlights: snippet.highlights,
    })),
    links: paperLinks(deps, hit),
  };
}

/** One page of search results (the `GET /api/search` body). */
export async function searchArchive(deps: WebDeps, query: SearchQuery): Promise<SearchResponseBody> {
  const filter = categoryFilter(query.category);
  const response = await deps.search.search({
    q: query.q,
    ...(query.from ? { from: query.from } : {}),
    ...(query.until ? { until: query.until } : {}),
    ...filter,
    ...(query.sort ? { sort: query.sort } : {}),
    page: query.page,
    pageSize: query.pageSize,
    lang: query.lang ?? deps.lang,
    ...(query.exactTotal === 'true' ? { exactTotal: true } : {}),
  });
  const params: SearchParams = { q: query.q, from: query.from, until: query.until, category: query.category, sort: query.sort };
  const hasNext = response.totalIsLowerBound === true || response.page * response.pageSize < response.total;
  return {
    total: response.total,
    ...(response.totalIsLowerBound ? { totalIsLowerBound: true as const } : {}),
    page: response.page,
    pageSize: response.pageSize,
    ...(response.rankedWithin !== undefined ? { rankedWithin: response.rankedWithin } : {}),
    results: response.hits.map((hit) => searchResult(deps, hit)),
    links: {
      page: absolute(deps, urls.search({ ...params, page: query.page > 1 ? query.page : undefined })),
      atom: absolute(deps, urls.searchFeed(params, 'atom')),
      json: absolute(deps, urls.searchFeed(params, 'json')),
      ...(hasNext
        ? {
            next: absolute(
              deps,
              withExtra(urls.api.search({ ...params, page: query.page + 1 }), {
                pageSize: query.pageSize === 20 ? undefined : query.pageSize,
                lang: query.lang,
                exactTotal: query.exactTotal,
              }),
            ),
          }
        : {}),
    },
  };
}

/** A path with the API-only parameters that urls.api.search does not know (`pageSize`, `lang`, `exactTotal`), when set. */
function withExtra(path: string, extra: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}

/** The arXiv id a path or tool argument names, without version; NOT_FOUND when it is not an arXiv id. */
export function paperIdOf(text: string): string {
  const parsed = parseArxivId(text);
  if (!parsed) throw notFound(`no paper ${JSON.stringify(text.slice(0, 100))}: not an arXiv id`, 'Use an arXiv id such as 2403.10568 or hep-th/9901001.');
  return parsed.id;
}

/** A paper, its versions and its texts in every language (the `GET /api/papers/:id` body). */
export async function readPaper(deps: WebDeps, idText: string, lang?: string): Promise<PaperResponseBody> {
  const id = paperIdOf(idText);
  const [paper] = await deps.store.getPapers({ ids: [id] });
  if (!paper) throw notFound(`no paper ${id} in this archive`, `Search for it with ${urls.api.search({ q: id })}, or read it on arXiv: ${ARXIV}/abs/${id}.`);
  const [versions, texts] = await Promise.all([deps.store.getVersions(id), deps.store.getTexts([id])]);
  const choices = textsByLanguage(paper, texts, lang ?? deps.lang);
  return {
    paper: {
      id: paper.id,
      version: paper.version,
      title: paper.title,
      authors: paper.authors.map((author) => ({ name: author.name, ...(author.affiliations?.length ? { affiliations: author.affiliations } : {}) })),
      abstract: paper.abstract,
      ...(paper.abstractTruncated ? { abstractTruncated: true } : {}),
      categories: paper.categories,
      ...optional({
        doi: paper.doi,
        journalRef: paper.journalRef,
        comments: paper.comments,
        license: paper.license,
        submitted: paper.submitted,
        updated: paper.updated,
        announced: paper.announced,
        announceType: paper.announceType,
      }),
      firstSeen: paper.firstSeen,
      links: paperLinks(deps, paper),
    },
    versions: versions.map((version) => ({
      version: version.version,
      ...optional({
        submitted: version.submitted,
        size: version.size,
        title: version.title,
        announced: version.announced,
        announceType: version.announceType,
      }),
    })),
    texts: Object.entries(choices).map(([language, choice]): PaperTextsBody => {
      const record = choice.texts;
      return {
        lang: language,
        status: choice.status,
        ...(record ? { version: record.version } : {}),
        // A failed record's fields are empty and its reason is technical (an endpoint, an excerpt): only its provenance is shown.
        ...(choice.status === 'ok' && record
          ? {
              title: record.title,
              tldr: record.tldr,
              tldrEn: record.tldrEn,
              abstract: record.abstract,
              ...(record.summary ? { summary: record.summary } : {}),
            }
          : {}),
        ...(record ? { provenance: { provider: record.provider, model: record.model, promptVersion: record.promptVersion, createdAt: record.createdAt } } : {}),
      };
    }),
  };
}

function optional<T extends Record<string, string | undefined>>(fields: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== '')) as Partial<Record<keyof T, string>>;
}

function digestLinks(deps: WebDeps, name: string): DigestResponseBody['links'] {
  return {
    page: absolute(deps, urls.digest(name)),
    api: absolute(deps, urls.api.digest(name)),
    atom: absolute(deps, urls.digestFeed(name, 'atom')),
    json: absolute(deps, urls.digestFeed(name, 'json')),
  };
}

/** Every stored digest, newest first (the `GET /api/digests` body). */
export async function listDigests(deps: WebDeps): Promise<DigestListBody> {
  const digests = await digestPrivacyOf(deps.store).publicOnly(await deps.store.listDigests());
  return { digests: digests.map((digest) => ({ ...digest, links: digestLinks(deps, digest.name) })) };
}

/** A stored digest with its entries (the `GET /api/digests/:name` body). */
export async function readDigest(deps: WebDeps, name: string): Promise<DigestResponseBody> {
  // A reader's own digest (docs/decisions/0045) is not there for the API, which knows no reader.
  const digest = (await digestPrivacyOf(deps.store).ownerOf(name)) ? undefined : await deps.store.getDigest(name);
  if (!digest) throw notFound(`no digest named ${JSON.stringify(name.slice(0, 200))}`, `List the stored digests with ${urls.api.digests()}.`);
  return {
    name: digest.name,
    ...(digest.title !== undefined ? { title: digest.title } : {}),
    style: digest.style,
    lang: digest.lang,
    createdAt: digest.createdAt,
    ...(digest.subscription !== undefined ? { subscription: digest.subscription } : {}),
    ...(digest.day !== undefined ? { day: digest.day } : {}),
    ...(digest.categories !== undefined ? { categories: digest.categories } : {}),
    entries: digest.entries.map((entry) => digestEntry(deps, readableEntry(entry, digest.style))),
    links: digestLinks(deps, digest.name),
  };
}

function digestEntry(deps: WebDeps, entry: DigestEntry): DigestResponseBody['entries'][number] {
  const status = entry.textStatus ?? 'ok';
  const links = entryLinks(entry);
  const texts = entry.texts;
  // `textReason` is technical (an endpoint, an excerpt of a rejected answer) and is never published (decision 0021).
  return {
    id: entry.paperId,
    version: entry.version,
    title: entry.title,
    abstract: entry.abstract,
    textStatus: status,
    ...(status === 'ok' ? optional({ translatedTitle: texts.title, tldr: texts.tldr, tldrEn: texts.tldrEn, translatedAbstract: texts.abstract }) : {}),
    ...(entry.authors ? { authors: entry.authors } : {}),
    ...(entry.categories ? { categories: entry.categories } : {}),
    ...optional({ announced: entry.announced, announceType: entry.announceType }),
    ...(entry.updatedFrom !== undefined ? { updatedFrom: entry.updatedFrom } : {}),
    links: {
      abs: links.abs,
      ...(links.pdf ? { pdf: links.pdf } : {}),
      ...(links.html ? { html: links.html } : {}),
      page: absolute(deps, urls.paper(parseArxivId(entry.paperId)?.id ?? entry.paperId)),
    },
  };
}

/** Announcement days with stored papers, newest first (the `GET /api/archive/days` body). */
export async function archiveDays(deps: WebDeps, query: DaysQuery): Promise<DaysResponseBody> {
  const filter = categoryFilter(query.category);
  const days = await deps.search.announcementDays({ ...filter, ...(query.from ? { from: query.from } : {}), ...(query.until ? { until: query.until } : {}) });
  return {
    days: days.map((day) => ({
      day: day.day,
      papers: day.papers,
      links: {
        ...(query.category ? { page: absolute(deps, urls.archiveDay(query.category, day.day)) } : {}),
        api: absolute(deps, urls.api.search({ category: query.category, from: day.day, until: day.day, sort: 'date' })),
      },
    })),
  };
}

/** Every category with stored papers (the `GET /api/archive/categories` body). */
export async function archiveCategories(deps: WebDeps): Promise<CategoriesResponseBody> {
  const categories = await deps.search.archiveCategories();
  return {
    categories: categories.map((category) => ({
      category: category.category,
      papers: category.papers,
      ...(category.latestDay ? { latestDay: category.latestDay } : {}),
      links: {
        page: absolute(deps, urls.archiveCalendar(category.category)),
        atom: absolute(deps, urls.archiveFeed(category.category, 'atom')),
        json: absolute(deps, urls.archiveFeed(category.category, 'json')),
      },
    })),
  };
}
