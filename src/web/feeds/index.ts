/**
 * Atom and JSON Feed for every digest, category expression and search (mounted at /feeds), rendered by the same
 * renderers as published digests (render/atom, render/json-feed), with absolute links to the page each feed belongs to.
 */
import { Hono, type Context } from 'hono';
import { etag } from 'hono/etag';
import type { z } from 'zod';
import type { Digest, DigestEntry } from '../../core/digest.js';
import type { SearchRequest } from '../../core/search.js';
import { buildDigest } from '../../jobs/build-digest.js';
import { createAtomRenderer } from '../../render/atom/index.js';
import { createJsonFeedRenderer } from '../../render/json-feed/index.js';
import { absolute, categoryFilter } from '../api/archive.js';
import { jsonErrorHandler, notFound } from '../api/errors.js';
import { parseQuery, publicReadCors } from '../api/index.js';
import { searchQuerySchema } from '../api/schemas.js';
import type { WebDeps } from '../deps.js';
import { digestPrivacyOf } from '../private-digests.js';
import { formatCategoryAlgebra, urls, type FeedKind, type SearchParams } from '../urls.js';

/** How much a category feed holds: the papers of its last announcement days, at most this many (docs/decisions/0030). */
export const ARCHIVE_FEED_DAYS = 3;
export const ARCHIVE_FEED_MAX_PAPERS = 200;
/** How many of the newest matching papers a search feed holds. */
export const SEARCH_FEED_MAX_PAPERS = 50;
/** A subscription's feed (`/feeds/digests/<subscription>.atom`) merges its newest daily digests, this many. */
export const SUBSCRIPTION_FEED_DIGESTS = 3;

/** What a feed says about itself besides its entries. */
export interface FeedMeta {
  title: string;
  /** The page the feed belongs to (absolute). */
  page: string;
  /** Where the feed is served, per kind (absolute). */
  self: Record<FeedKind, string>;
  /** The Atom feed id; the renderer's subscription tag when absent. */
  id?: string;
}

const searchFeedQuerySchema = searchQuerySchema.pick({ q: true, from: true, until: true, category: true, lang: true });

export function createFeedRoutes(deps: WebDeps): Hono {
  const app = new Hono();
  app.use('*', publicReadCors());
  // Feed readers poll: an ETag lets them get a 304 when nothing changed.
  app.use('*', etag());
  app.onError(jsonErrorHandler);

  app.get('/digests/:file{.+\\.(?:atom|json)}', async (c) => {
    const { base, kind } = splitKind(c.req.param('file'));
    const { digest, meta } = await digestFeed(deps, base);
    return send(c, kind, digest, meta);
  });

  app.get('/archive/:file{.+\\.(?:atom|json)}', async (c) => {
    const { base, kind } = splitKind(c.req.param('file'));
    const { lang } = parseQuery(c, searchFeedQuerySchema.pick({ lang: true }));
    const { digest, meta } = await archiveFeed(deps, base, lang);
    return send(c, kind, digest, meta);
  });

  for (const kind of ['atom', 'json'] as const) {
    app.get(`/search.${kind}`, async (c) => {
      const query = parseQuery(c, searchFeedQuerySchema);
      const { digest, meta } = await searchFeed(deps, query);
      return send(c, kind, digest, meta);
    });
  }
  app.all('*', () => {
    throw noSuchFeed();
  });
  return app;
}

/** The answer to a feed URL that is not one: also a private feed's to a wrong, stale or missing token (no oracle). */
export const noSuchFeed = () =>
  notFound('no such feed', 'Feeds are /feeds/digests/<name>.atom, /feeds/archive/<categories>.atom and /feeds/search.atom?q=… (or .json).');

export function splitKind(file: string): { base: string; kind: FeedKind } {
  const dot = file.lastIndexOf('.');
  return { base: file.slice(0, dot), kind: file.slice(dot + 1) as FeedKind };
}

export function send(c: Context, kind: FeedKind, digest: Digest, meta: FeedMeta, cacheControl = 'public, max-age=300'): Response {
  const renderer =
    kind === 'atom'
      ? createAtomRenderer({ title: meta.title, link: meta.page, selfUrl: meta.self.atom, ...(meta.id ? { id: meta.id } : {}) })
      : createJsonFeedRenderer({ title: meta.title, homePageUrl: meta.page, feedUrl: meta.self.json });
  return c.body(renderer.render(digest), 200, { 'Content-Type': renderer.mediaType, 'Cache-Control': cacheControl });
}

/** A stored digest by name, or a subscription's newest daily digests merged (`cs.CL` when only `cs.CL/<day>` exist). */
async function digestFeed(deps: WebDeps, name: string): Promise<{ digest: Digest; meta: FeedMeta }> {
  const self = { atom: absolute(deps, urls.digestFeed(name, 'atom')), json: absolute(deps, urls.digestFeed(name, 'json')) };
  // A reader's own digests (docs/decisions/0045) have no public feed: as if there were none.
  const privacy = digestPrivacyOf(deps.store);
  const stored = (await privacy.ownerOf(name)) ? undefined : await deps.store.getDigest(name);
  if (stored) {
    const title = stored.title ?? `xivdigest ${stored.name}`;
    return { digest: stored, meta: { title, page: absolute(deps, urls.digest(name)), self, id: `tag:xivdigest,2026:digest/${encodeURIComponent(name)}` } };
  }
  const daily = (await privacy.publicOnly(await deps.store.listDigests()))
    .filter((digest) => isDailyDigestOf(digest.name, name))
    .slice(0, SUBSCRIPTION_FEED_DIGESTS);
  const digests = (await Promise.all(daily.map((digest) => deps.store.getDigest(digest.name)))).filter((digest): digest is Digest => digest !== undefined);
  const newest = digests[0];
  if (!newest) {
    throw notFound(`no digest or subscription named ${JSON.stringify(name.slice(0, 200))}`, `List the stored digests with ${urls.api.digests()}.`);
  }
  const merged = mergeDailyDigests(name, newest, digests);
  return { digest: merged, meta: { title: merged.title!, page: absolute(deps, urls.digest(newest.name)), self } };
}

/** A subscription's newest daily digests as one (the feed of `name`): their entries, each keeping its own day. */
export function mergeDailyDigests(name: string, newest: Digest, digests: readonly Digest[]): Digest {
  // Entries keep their own day: an entry without `announced` takes its digest's day, not the newest digest's.
  const entries: DigestEntry[] = digests.flatMap((digest) =>
    digest.entries.map((entry) => (entry.announced === undefined && digest.day !== undefined ? { ...entry, announced: digest.day } : entry)),
  );
  return { ...newest, name, subscription: newest.subscription ?? name, entries, title: `xivdigest ${name}` };
}

export const isDailyDigestOf = (digestName: string, subscription: string): boolean =>
  digestName.startsWith(`${subscription}/`) && /^\d{4}-\d{2}-\d{2}$/.test(digestName.slice(subscription.length + 1));

/** The papers of a category expression's last announcement days. */
async function archiveFeed(deps: WebDeps, expression: string, requestedLang: string | undefined): Promise<{ digest: Digest; meta: FeedMeta }> {
  const lang = requestedLang ?? deps.lang;
  const filter = categoryFilter(expression);
  if (!filter.categories)
    throw notFound('no category expression in this feed URL', 'Use /feeds/archive/<categories>.atom, e.g. /feeds/archive/cs.CL+cs.AI.atom.');
  // The canonical spelling (`cs.CL+cs.AI-cs.CY`) names the feed's links, however the request spelled it.
  const canonical = formatCategoryAlgebra({ include: filter.categories ?? [], exclude: filter.excludeCategories ?? [] });
  const days = (await deps.search.announcementDays(filter)).slice(0, ARCHIVE_FEED_DAYS);
  const oldest = days.at(-1)?.day;
  const request: SearchRequest = { q: '', ...filter, sort: 'date', lang, ...(oldest ? { from: oldest } : {}) };
  const papers = days.length > 0 ? await collect(deps, request, ARCHIVE_FEED_MAX_PAPERS) : [];
  const digest = await digestOf(deps, `archive/${canonical}`, papers, lang);
  return {
    digest: { ...digest, categories: filter.categories, ...(days[0] ? { day: days[0].day } : {}) },
    meta: {
      title: `arXiv ${canonical} · xivdigest`,
      page: absolute(deps, urls.archiveCalendar(canonical)),
      self: {
        atom: withLang(absolute(deps, urls.archiveFeed(canonical, 'atom')), requestedLang),
        json: withLang(absolute(deps, urls.archiveFeed(canonical, 'json')), requestedLang),
      },
      id: `tag:xivdigest,2026:archive/${encodeURIComponent(canonical)}`,
    },
  };
}

type SearchFeedQuery = z.infer<typeof searchFeedQuerySchema>;

/** The newest papers matching a search: how readers watch a keyword. */
async function searchFeed(deps: WebDeps, query: SearchFeedQuery): Promise<{ digest: Digest; meta: FeedMeta }> {
  const lang = query.lang ?? deps.lang;
  const filter = categoryFilter(query.category);
  const papers = await collect(
    deps,
    { q: query.q, ...filter, sort: 'date', lang, ...(query.from ? { from: query.from } : {}), ...(query.until ? { until: query.until } : {}) },
    SEARCH_FEED_MAX_PAPERS,
  );
  // Feeds are always newest first, so their own URLs need no `sort`; the page they belong to is the search sorted by date.
  const params: SearchParams = { q: query.q, from: query.from, until: query.until, category: query.category };
  const described = [query.q.trim() || 'newest papers', query.category, query.from || query.until ? `${query.from ?? '…'}–${query.until ?? '…'}` : undefined]
    .filter(Boolean)
    .join(' · ');
  const self = {
    atom: withLang(absolute(deps, urls.searchFeed(params, 'atom')), query.lang),
    json: withLang(absolute(deps, urls.searchFeed(params, 'json')), query.lang),
  };
  return {
    digest: await digestOf(deps, `search`, papers, lang),
    meta: { title: `xivdigest search: ${described}`, page: absolute(deps, urls.search({ ...params, sort: 'date' })), self, id: self.atom },
  };
}

/** A feed URL with the `lang` the reader asked for, so that its self link is the URL they subscribed to. */
function withLang(url: string, lang: string | undefined): string {
  return lang === undefined ? url : `${url}${url.includes('?') ? '&' : '?'}lang=${encodeURIComponent(lang)}`;
}

/** Ids of the first `max` results of a search, page by page (the seam gives at most 100 a page). */
async function collect(deps: WebDeps, request: SearchRequest, max: number): Promise<string[]> {
  const ids: string[] = [];
  const pageSize = Math.min(100, max);
  for (let page = 1; ids.length < max; page += 1) {
    const response = await deps.search.search({ ...request, page, pageSize });
    ids.push(...response.hits.map((hit) => hit.id));
    if (response.hits.length < pageSize || page * pageSize >= response.total) break;
  }
  return ids.slice(0, max);
}

/** A native digest of stored papers in the given order, with their texts in `lang`, authors, categories and days. */
async function digestOf(deps: WebDeps, name: string, ids: string[], lang: string): Promise<Digest> {
  const [papers, texts] = ids.length > 0 ? await Promise.all([deps.store.getPapers({ ids }), deps.store.getTexts(ids)]) : [[], []];
  const built = buildDigest({ name, papers, texts, lang });
  const byId = new Map(papers.map((paper) => [paper.id, paper]));
  const entries = built.entries.map((entry): DigestEntry => {
    const paper = byId.get(entry.paperId)!;
    return {
      ...entry,
      authors: paper.authors.map((author) => author.name),
      categories: paper.categories,
      ...(paper.links.pdf || paper.links.html
        ? { links: { ...(paper.links.pdf ? { pdf: paper.links.pdf } : {}), ...(paper.links.html ? { html: paper.links.html } : {}) } }
        : {}),
      ...(paper.announced ? { announced: paper.announced } : {}),
      ...(paper.announceType ? { announceType: paper.announceType } : {}),
    };
  });
  // `updated` is when the feed's content last changed (the newest paper's arrival), so that polling it costs nothing new.
  const newest = papers
    .map((paper) => paper.firstSeen)
    .sort()
    .at(-1);
  return { ...built, entries, createdAt: newest ?? new Date().toISOString() };
}
