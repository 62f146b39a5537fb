/** The arXiv announcement feed source: GETs rss.arxiv.org/{rss,atom}/<categories> and parses it while it downloads. */
import { XivdigestError } from '../../core/errors.js';
import type { Source, SourceEvent, SourceQuery } from '../../core/source.js';
import { fetchDocumentEvents, type HttpClient } from '../shared/http.js';
import { parseArxivFeed } from './parse.js';

/** Static facts about this adapter. */
export const metadata = {
  id: 'arxiv-rss',
  /** Nothing: the feeds are open. */
  requires: [] as string[],
} as const;

export const DEFAULT_RSS_BASE_URL = 'https://rss.arxiv.org';
const LABEL = 'arXiv RSS';

export interface ArxivRssSourceOptions {
  /** Default `https://rss.arxiv.org`. */
  baseUrl?: string;
  /** `rss` (RSS 2.0, default) or `atom`: the path rss.arxiv.org serves each under. */
  format?: 'rss' | 'atom';
  /** The shared client: its per-host spacing keeps every caller to one request per 3 s. */
  http: HttpClient;
}

// An archive (`cs`, `hep-th`) or a category (`cs.CL`, `astro-ph.CO`, `cond-mat.str-el`, `physics.atom-ph`).
const CATEGORY = /^[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?$/;

/** `https://rss.arxiv.org/rss/cs.CL+cs.AI`: rss.arxiv.org combines categories with `+` in one feed. */
export function arxivFeedUrl(baseUrl: string, format: 'rss' | 'atom', categories: readonly string[]): string {
  if (categories.length === 0) {
    throw new XivdigestError({
      code: 'USAGE',
      message: 'The arXiv feed needs at least one category',
      hint: 'Name categories or archives, e.g. cs.CL, cs.AI, hep-th',
    });
  }
  for (const category of categories) {
    if (!CATEGORY.test(category)) {
      throw new XivdigestError({
        code: 'USAGE',
        message: `"${category}" is not an arXiv category`,
        hint: 'Write categories as arXiv does, e.g. cs.CL, math.AG, hep-th, astro-ph.CO',
      });
    }
  }
  return `${baseUrl.replace(/\/+$/, '')}/${format}/${categories.join('+')}`;
}

export function createArxivRssSource(options: ArxivRssSourceOptions): Source {
  const baseUrl = options.baseUrl ?? DEFAULT_RSS_BASE_URL;
  const format = options.format ?? 'rss';
  const { http } = options;
  const accept = format === 'atom' ? 'application/atom+xml, application/xml;q=0.9, */*;q=0.1' : 'application/rss+xml, application/xml;q=0.9, */*;q=0.1';

  async function* fetch(query: SourceQuery, signal?: AbortSignal): AsyncGenerator<SourceEvent> {
    const url = arxivFeedUrl(baseUrl, format, query.categories ?? []);
    const limit = query.limit ?? Number.POSITIVE_INFINITY;
    if (limit <= 0) return;
    let papers = 0;
    // A feed error document ("Feed error for query") comes with status 200; the parser raises ARXIV_FEED_ERROR.
    for await (const event of fetchDocumentEvents(http, url, parseArxivFeed, { signal, label: LABEL, headers: { accept } })) {
      yield event;
      if (event.type === 'paper') {
        papers += 1;
        // Stopping here also stops the download.
        if (papers >= limit) return;
      }
    }
  }

  return { id: metadata.id, fetch };
}
