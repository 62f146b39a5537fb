/** Consumes a source's events into the store in batches, counting what happened; shared by `ingest` and `fetch`. */
import type { Paper } from '../core/paper.js';
import type { FeedInfo, PageInfo, SourceEvent } from '../core/source.js';
import { XivdigestError } from '../core/errors.js';
import type { Store, UpsertResult } from '../store/store.js';

export interface StoreEventsOptions {
  /** Papers per write; each write is one transaction. */
  batchSize?: number;
  signal?: AbortSignal;
  /** Called after each stored batch with the papers stored so far and the expected total when the source told it. */
  onProgress?(stored: number, total: number | undefined): void;
}

export interface StoreEventsResult extends UpsertResult {
  /** Papers received from the source. */
  papers: number;
  /** Papers per announce type (`new`, `cross`, `replace`, `replace-cross`, or `unknown`). */
  byAnnounceType: Record<string, number>;
  /** The feed header, when the document had one. */
  feed: FeedInfo | undefined;
  /** Page ends seen (API, OAI-PMH). */
  pages: PageInfo[];
  /** A feed with a header and no items: arXiv announced nothing (weekend, holiday). Not an error. */
  noAnnouncement: boolean;
}

export async function storeEvents(events: AsyncIterable<SourceEvent>, store: Store, options: StoreEventsOptions = {}): Promise<StoreEventsResult> {
  const batchSize = options.batchSize ?? 1000;
  const result: StoreEventsResult = {
    papers: 0, inserted: 0, updated: 0, unchanged: 0, versionsAdded: 0,
    byAnnounceType: {}, feed: undefined, pages: [], noAnnouncement: false,
  };
  let batch: Paper[] = [];
  let total: number | undefined;

  const flush = async () => {
    if (batch.length === 0) return;
    const written = await store.upsertPapers(batch);
    result.inserted += written.inserted;
    result.updated += written.updated;
    result.unchanged += written.unchanged;
    result.versionsAdded += written.versionsAdded;
    batch = [];
    options.onProgress?.(result.papers, total);
  };

  for await (const event of events) {
    if (options.signal?.aborted) throw new XivdigestError({ code: 'ABORTED', message: 'Stopped before the end of the input', cause: options.signal.reason });
    if (event.type === 'paper') {
      result.papers += 1;
      const type = event.paper.announceType ?? 'unknown';
      result.byAnnounceType[type] = (result.byAnnounceType[type] ?? 0) + 1;
      batch.push(event.paper);
      if (batch.length >= batchSize) await flush();
    } else if (event.type === 'feed') {
      result.feed ??= event.feed;
      total = event.feed.totalResults ?? total;
    } else {
      result.pages.push(event.page);
      total = event.page.completeListSize ?? total;
    }
  }
  await flush();
  const isFeed = result.feed !== undefined && ['arxiv-rss', 'arxiv-atom', 'arxiv-rdf'].includes(result.feed.format);
  result.noAnnouncement = isFeed && result.papers === 0;
  return result;
}

/** Adds one result into a running total (several files or categories). */
export function addResults(into: StoreEventsResult, from: StoreEventsResult): StoreEventsResult {
  into.papers += from.papers;
  into.inserted += from.inserted;
  into.updated += from.updated;
  into.unchanged += from.unchanged;
  into.versionsAdded += from.versionsAdded;
  for (const [type, count] of Object.entries(from.byAnnounceType)) into.byAnnounceType[type] = (into.byAnnounceType[type] ?? 0) + count;
  into.pages.push(...from.pages);
  return into;
}
