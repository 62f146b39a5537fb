/**
 * The source registry: the arXiv channels `fetch --source` offers and a run reads (feed, backfill), each with a lazy
 * factory. Plain data and `import()` only, so `xivdigest fetch --help` loads no source.
 */
import type { ArxivConfig } from '../core/config/schema.js';
import type { Source } from '../core/source.js';
import type { HttpClient } from '../sources/shared/http.js';
import { registryIds, type RegistryEntry } from './registry.js';

/** What every source factory gets from the composition root: the `arxiv` settings and the shared, polite HTTP client. */
export interface SourceSettings {
  arxiv: ArxivConfig;
  http: HttpClient;
}

export type SourceFactory = (settings: SourceSettings) => Source;

export interface SourceEntry extends RegistryEntry<SourceFactory> {
  /** It gives only the latest announcement (no dates, queries or ids). */
  latestOnly: boolean;
}

export const sources = {
  rss: {
    latestOnly: true,
    description: "the RSS feed: today's announcement",
    load: async () => {
      const { createArxivRssSource } = await import('../sources/arxiv-rss/index.js');
      return ({ arxiv, http }) => createArxivRssSource({ baseUrl: arxiv.rssBaseUrl, format: 'rss', http });
    },
  },
  atom: {
    latestOnly: true,
    description: "the Atom feed: today's announcement",
    load: async () => {
      const { createArxivRssSource } = await import('../sources/arxiv-rss/index.js');
      return ({ arxiv, http }) => createArxivRssSource({ baseUrl: arxiv.rssBaseUrl, format: 'atom', http });
    },
  },
  api: {
    latestOnly: false,
    description: 'the arXiv API: queries, ids and submission-date ranges',
    load: async () => {
      const { createArxivApiSource } = await import('../sources/arxiv-api/index.js');
      return ({ arxiv, http }) => createArxivApiSource({ baseUrl: arxiv.apiBaseUrl, http });
    },
  },
  oai: {
    latestOnly: false,
    description: 'OAI-PMH: whole categories by record date (backfills)',
    load: async () => {
      const { createOaiPmhSource } = await import('../sources/oai-pmh/index.js');
      return ({ arxiv, http }) => createOaiPmhSource({ baseUrl: arxiv.oaiBaseUrl, http });
    },
  },
} as const satisfies Record<string, SourceEntry>;

export type SourceId = keyof typeof sources;

/** `fetch --source` choices. */
export const SOURCE_IDS = registryIds(sources);
