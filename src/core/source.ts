/** The source seam: anything that yields arXiv papers, from a URL or a local file. */
import type { Paper, SourceFormat } from './paper.js';

/** Header facts of a feed or response, emitted once before its papers. */
export interface FeedInfo {
  format: SourceFormat;
  /** The feed or response title, e.g. `quant-ph updates on arXiv.org`. */
  title?: string;
  /** Where it came from: a URL or a file path. */
  origin: string;
  /** The feed's publication time (RSS `pubDate`, RDF `dc:date`, Atom `updated`, OAI `responseDate`), ISO 8601. */
  published?: string;
  /** The announcement day the feed covers (YYYY-MM-DD), when it can be told. */
  announced?: string;
  /** Days on which the feed says it is not updated (RSS `<skipDays>`). */
  skipDays?: string[];
  /** API: total number of results (`opensearch:totalResults`). */
  totalResults?: number;
  /** API: `opensearch:startIndex`. */
  startIndex?: number;
}

/** The end of one page of a paged protocol (API, OAI-PMH). */
export interface PageInfo {
  /** Papers in this page. */
  count: number;
  /** OAI-PMH resumption token; undefined or empty when the list is complete. */
  resumptionToken?: string;
  completeListSize?: number;
  cursor?: number;
}

export type SourceEvent = { type: 'feed'; feed: FeedInfo } | { type: 'paper'; paper: Paper } | { type: 'page'; page: PageInfo };

/** What to fetch. Each source uses the fields that apply to it. */
export interface SourceQuery {
  /** Categories or archives, e.g. `['cs.CL', 'cs.AI']`. */
  categories?: string[];
  /** API `search_query`. */
  searchQuery?: string;
  /** API `id_list`. */
  ids?: string[];
  /** Inclusive date range (YYYY-MM-DD): OAI-PMH from/until, API submittedDate. */
  from?: string;
  until?: string;
  /** Upper bound on papers to fetch. */
  limit?: number;
}

export interface Source {
  id: string;
  /** Yields the feed header, then papers, then page ends; throws XivdigestError on arXiv error documents. */
  fetch(query: SourceQuery, signal?: AbortSignal): AsyncIterable<SourceEvent>;
}

/** Input to a parser: a whole document, or chunks of one as they arrive (a file or HTTP stream). */
export type DocumentInput = string | AsyncIterable<string | Uint8Array>;

/** A parser turns one document into events. `origin` (URL or path) appears in every error it raises. */
export type DocumentParser = (input: DocumentInput, options: { origin: string }) => AsyncIterable<SourceEvent>;
