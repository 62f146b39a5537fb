/** The arXiv OAI-PMH source: harvests ListRecords by set and date, following resumption tokens, and looks up single records. */
import { parseArxivId } from '../../core/arxiv-id.js';
import { XivdigestError } from '../../core/errors.js';
import type { Paper, SourceFormat } from '../../core/paper.js';
import type { FeedInfo, PageInfo, Source, SourceEvent, SourceQuery } from '../../core/source.js';
import { fetchDocumentEvents, type HttpClient } from '../shared/http.js';
import { parseOaiPmh } from './parse.js';

/** Static facts about this adapter. */
export const metadata = {
  id: 'oai-pmh',
  /** Nothing: arXiv's OAI-PMH interface is open. */
  requires: [] as string[],
} as const;

export const DEFAULT_OAI_BASE_URL = 'https://oaipmh.arxiv.org/oai';
const LABEL = 'arXiv OAI-PMH';

/**
 * How categories become OAI-PMH sets.
 * - `category`: the sets of oaipmh.arxiv.org (2025 on): `group:archive:CLASS`, e.g. `cs:cs:CL`, `math:math:AG`,
 *   `physics:astro-ph:CO`, `physics:hep-th` for an archive without subject classes, and the group (`cs`, `math`) for a
 *   whole archive outside physics. One set per category, so nothing is filtered afterwards.
 * - `archive`: the sets of the old export.arxiv.org/oai2: one per archive, `cs`, `math`, `stat`, `q-bio`, with the
 *   physics archives below `physics` (`physics:hep-th`, `physics:astro-ph`). A category's archive is harvested and the
 *   records outside the asked categories are dropped here.
 */
export type OaiSetStyle = 'category' | 'archive';

export type OaiMetadataPrefix = 'arXiv' | 'arXivRaw' | 'oai_dc';

export interface OaiPmhSourceOptions {
  /** Default `https://oaipmh.arxiv.org/oai`. */
  baseUrl?: string;
  /** Default `arXivRaw`, the one format that lists every version with its date. */
  metadataPrefix?: OaiMetadataPrefix;
  /** Default: `archive` when the base URL is an old `…/oai2` endpoint, otherwise `category`. */
  setStyle?: OaiSetStyle;
  /**
   * Set specs to harvest as given, instead of deriving them from the query's categories (e.g. `['physics']` for the
   * whole physics group). Records are not filtered.
   */
  sets?: string[];
  /** The shared client: its per-host spacing keeps every caller to one request per 3 s. */
  http: HttpClient;
}

/** One ListRecords harvest: a set and a date window, or the resumption token that continues one. */
export interface OaiListRequest {
  set?: string;
  /** First datestamp day (YYYY-MM-DD), inclusive. */
  from?: string;
  /** Last datestamp day (YYYY-MM-DD), inclusive. */
  until?: string;
  /** Continue from this token (OAI-PMH 2.0 §3.5: the other arguments are then not sent). */
  resumptionToken?: string;
}

export interface OaiPmhSource extends Source {
  /**
   * Harvests one set and window page by page: each page's papers, then a `page` event with the token of the next
   * page (none after the last). A harvest may start from a stored token, so that a resumable job can stop after any
   * page. noRecordsMatch is an empty harvest (one page event with count 0). Records are not filtered.
   */
  listRecords(request: OaiListRequest, signal?: AbortSignal): AsyncIterable<SourceEvent>;
  /** One record by arXiv id (`1302.2146`, `hep-th/9901001`; a version suffix is ignored); undefined when arXiv has none. */
  getRecord(id: string, signal?: AbortSignal): Promise<Paper | undefined>;
}

/** One set to harvest, and the categories to keep from it (undefined: keep all). */
export interface OaiSetPlan {
  set: string | undefined;
  keep?: string[];
}

// The archives that arXiv files under the physics group (arxiv-base taxonomy, `grp_physics`).
const PHYSICS_ARCHIVES = new Set([
  'astro-ph',
  'cond-mat',
  'gr-qc',
  'hep-ex',
  'hep-lat',
  'hep-ph',
  'hep-th',
  'math-ph',
  'nlin',
  'nucl-ex',
  'nucl-th',
  'physics',
  'quant-ph',
]);
const CATEGORY = /^([a-z][a-z-]*)(?:\.([A-Za-z][A-Za-z-]*))?$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The set for one category. A value with a colon is taken as a set spec already. Throws USAGE for text that is not a
 * category code.
 */
export function oaiSetForCategory(category: string, style: OaiSetStyle): { set: string; exact: boolean } {
  const trimmed = category.trim();
  if (trimmed.includes(':')) return { set: trimmed, exact: true };
  const match = CATEGORY.exec(trimmed);
  if (!match) {
    throw new XivdigestError({
      code: 'USAGE',
      message: `"${category}" is not an arXiv category`,
      hint: 'Write categories as arXiv does, e.g. cs.CL, math.AG, hep-th, astro-ph.CO',
    });
  }
  const archive = match[1]!;
  const subject = match[2];
  const physics = PHYSICS_ARCHIVES.has(archive);
  if (style === 'archive') {
    return { set: physics ? `physics:${archive}` : archive, exact: subject === undefined };
  }
  if (physics) return { set: subject ? `physics:${archive}:${subject}` : `physics:${archive}`, exact: true };
  return { set: subject ? `${archive}:${archive}:${subject}` : archive, exact: true };
}

/** The harvests a query needs: one per distinct set, with the categories to keep when a set is wider than asked. */
export function planOaiSets(categories: readonly string[] | undefined, style: OaiSetStyle): OaiSetPlan[] {
  if (!categories || categories.length === 0) return [{ set: undefined }];
  const plans = new Map<string, OaiSetPlan>();
  for (const category of categories) {
    const { set, exact } = oaiSetForCategory(category, style);
    const plan = plans.get(set) ?? { set, keep: [] };
    if (exact) plan.keep = undefined;
    else if (plan.keep && !plan.keep.includes(category.trim())) plan.keep.push(category.trim());
    plans.set(set, plan);
  }
  return [...plans.values()];
}

export function createOaiPmhSource(options: OaiPmhSourceOptions): OaiPmhSource {
  const baseUrl = options.baseUrl ?? DEFAULT_OAI_BASE_URL;
  const metadataPrefix = options.metadataPrefix ?? 'arXivRaw';
  const style: OaiSetStyle = options.setStyle ?? (/\/oai2\/?$/.test(new URL(baseUrl).pathname) ? 'archive' : 'category');
  const format = `oai-${metadataPrefix}` as SourceFormat;
  const { http } = options;

  function url(parameters: Record<string, string | undefined>): string {
    const target = new URL(baseUrl);
    for (const [name, value] of Object.entries(parameters)) {
      if (value !== undefined) target.searchParams.set(name, value);
    }
    return target.href;
  }

  async function* fetch(query: SourceQuery, signal?: AbortSignal): AsyncGenerator<SourceEvent> {
    const from = day(query.from, 'from');
    const until = day(query.until, 'until');
    const plans: OaiSetPlan[] = options.sets?.length ? options.sets.map((set) => ({ set })) : planOaiSets(query.categories, style);
    const limit = query.limit ?? Number.POSITIVE_INFINITY;
    const seen = new Set<string>();
    let feedSent = false;
    let yielded = 0;
    if (limit <= 0) return;

    for (const plan of plans) {
      // OAI-PMH 2.0 §3.5: a follow-up request carries the verb and the resumption token only.
      let next = url({ verb: 'ListRecords', metadataPrefix, set: plan.set, from, until });
      const tokens = new Set<string>();
      for (;;) {
        let page: PageInfo | undefined;
        let count = 0;
        let stopped = false;
        try {
          for await (const event of fetchDocumentEvents(http, next, parseOaiPmh, { signal, label: LABEL })) {
            if (event.type === 'feed') {
              if (!feedSent) {
                feedSent = true;
                yield event;
              }
            } else if (event.type === 'page') {
              page = event.page;
            } else {
              const { paper } = event;
              if (plan.keep && !paper.categories.some((category) => plan.keep!.includes(category))) continue;
              if (seen.has(paper.id)) continue;
              seen.add(paper.id);
              yield event;
              count += 1;
              yielded += 1;
              if (yielded >= limit) {
                stopped = true;
                break;
              }
            }
          }
        } catch (error) {
          // OAI-PMH 2.0 §3.6: noRecordsMatch is how a repository says "nothing in this range", not a failure.
          if (!isOaiError(error, 'noRecordsMatch')) throw error;
        }
        if (!feedSent) {
          feedSent = true;
          yield { type: 'feed', feed: emptyFeed(format, next, plan.set) };
        }
        const pageInfo: PageInfo = { ...page, count };
        yield { type: 'page', page: pageInfo };
        if (stopped) return;
        const token = page?.resumptionToken;
        if (!token) break;
        if (tokens.has(token)) {
          throw new XivdigestError({
            code: 'OAI_PMH_ERROR',
            message: `arXiv OAI-PMH returned the resumption token "${token}" twice for ${next}`,
            hint: 'The harvest would loop; try again later, or narrow the date range',
            details: { url: next, resumptionToken: token },
          });
        }
        tokens.add(token);
        next = url({ verb: 'ListRecords', resumptionToken: token });
      }
    }
  }

  async function getRecord(id: string, signal?: AbortSignal): Promise<Paper | undefined> {
    const parsed = parseArxivId(id);
    if (!parsed) {
      throw new XivdigestError({
        code: 'USAGE',
        message: `"${id}" is not an arXiv id`,
        hint: 'Write it as 2403.10568 or hep-th/9901001',
      });
    }
    const target = url({ verb: 'GetRecord', identifier: `oai:arXiv.org:${parsed.id}`, metadataPrefix });
    try {
      for await (const event of fetchDocumentEvents(http, target, parseOaiPmh, { signal, label: LABEL })) {
        if (event.type === 'paper') return event.paper;
      }
    } catch (error) {
      if (isOaiError(error, 'idDoesNotExist')) return undefined;
      throw error;
    }
    return undefined;
  }

  async function* listRecords(request: OaiListRequest, signal?: AbortSignal): AsyncGenerator<SourceEvent> {
    let next = request.resumptionToken
      ? url({ verb: 'ListRecords', resumptionToken: request.resumptionToken })
      : url({ verb: 'ListRecords', metadataPrefix, set: request.set, from: day(request.from, 'from'), until: day(request.until, 'until') });
    const tokens = new Set<string>(request.resumptionToken ? [request.resumptionToken] : []);
    for (;;) {
      let page: PageInfo | undefined;
      let count = 0;
      try {
        for await (const event of fetchDocumentEvents(http, next, parseOaiPmh, { signal, label: LABEL })) {
          if (event.type === 'page') page = event.page;
          else if (event.type === 'paper') {
            count += 1;
            yield event;
          } else yield event;
        }
      } catch (error) {
        // OAI-PMH 2.0 §3.6: noRecordsMatch is how a repository says "nothing in this range", not a failure.
        if (!isOaiError(error, 'noRecordsMatch')) throw error;
      }
      yield { type: 'page', page: { ...page, count } };
      const token = page?.resumptionToken;
      if (!token) return;
      if (tokens.has(token)) {
        throw new XivdigestError({
          code: 'OAI_PMH_ERROR',
          message: `arXiv OAI-PMH returned the resumption token "${token}" twice for ${next}`,
          hint: 'The harvest would loop; try again later, or narrow the date range',
          details: { url: next, resumptionToken: token },
        });
      }
      tokens.add(token);
      next = url({ verb: 'ListRecords', resumptionToken: token });
    }
  }

  return { id: metadata.id, fetch, getRecord, listRecords };
}

export function isOaiError(error: unknown, oaiCode: string): boolean {
  return XivdigestError.isInstance(error) && error.code === 'OAI_PMH_ERROR' && error.details.oaiCode === oaiCode;
}

function emptyFeed(format: SourceFormat, origin: string, set: string | undefined): FeedInfo {
  return { format, origin, title: `ListRecords${set ? ` set=${set}` : ''} (no records match)` };
}

/** OAI-PMH `from`/`until` at arXiv's granularity, a day (the Identify response says `YYYY-MM-DD`). */
function day(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (!DAY.test(value)) {
    throw new XivdigestError({
      code: 'USAGE',
      message: `OAI-PMH ${name} "${value}" is not a day`,
      hint: 'Write it as YYYY-MM-DD; arXiv harvests by day',
    });
  }
  return value;
}
