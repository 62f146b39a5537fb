/** Consumes a source's events into the store in batches, counting what happened; shared by `ingest` and `fetch`. */
import type { Paper } from '../core/paper.js';
import type { FeedInfo, PageInfo, SourceEvent } from '../core/source.js';
import { XivdigestError } from '../core/errors.js';
import type { Store, UpsertOptions, UpsertResult } from '../store/store.js';

export interface StoreEventsOptions {
  /** Papers per write (default: the store's `papersPerWrite`); each write is all or nothing. */
  batchSize?: number;
  signal?: AbortSignal;
  /** Called after each stored batch with the papers stored so far and the expected total when the source told it. */
  onProgress?(stored: number, total: number | undefined): void;
  /** How each batch is written (a backfill leaves new papers' search documents for later: ADR 0069). */
  upsert?: UpsertOptions;
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

/**
 * The first write's size; each next one doubles up to the batch size (the store's `papersPerWrite`), so that the
 * store starts writing early and parsing the next batch overlaps with storing this one (ADR 0009).
 */
const FIRST_BATCH_SIZE = 64;
/** Writes handed to the store and not finished yet, at most. */
const MAX_WRITES_IN_FLIGHT = 2;

export async function storeEvents(events: AsyncIterable<SourceEvent>, store: Store, options: StoreEventsOptions = {}): Promise<StoreEventsResult> {
  const batchSize = options.batchSize ?? store.papersPerWrite;
  const result: StoreEventsResult = {
    papers: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    versionsAdded: 0,
    byAnnounceType: {},
    feed: undefined,
    pages: [],
    noAnnouncement: false,
  };
  let batch: Paper[] = [];
  let size = Math.min(batchSize, FIRST_BATCH_SIZE);
  let total: number | undefined;
  let stored = 0;
  // Writes stay in flight while the source reads on: a store that writes in another thread (SQLite's writer thread,
  // PostgreSQL's server) works meanwhile. Two of them, so that the store finds the next batch waiting when it
  // finishes one; waiting for the older one before a third keeps memory flat (at most three batches held). A store
  // runs a caller's writes in call order.
  const inFlight: Array<Promise<void>> = [];
  let failure: { error: unknown } | undefined;

  const settle = async (keep: number) => {
    while (inFlight.length > keep) await inFlight.shift();
    if (failure) throw failure.error;
  };

  const flush = async () => {
    if (batch.length === 0) return;
    const papers = batch;
    const count = papers.length;
    batch = [];
    size = Math.min(batchSize, size * 2);
    await settle(MAX_WRITES_IN_FLIGHT - 1);
    // Handled at once (not when next awaited), so that a failed write is never an unhandled rejection meanwhile. The
    // handler keeps the count, not the papers: held until the write ends, they would outlive the young generation.
    inFlight.push(
      store.upsertPapers(papers, options.upsert).then(
        (written) => {
          result.inserted += written.inserted;
          result.updated += written.updated;
          result.unchanged += written.unchanged;
          result.versionsAdded += written.versionsAdded;
          stored += count;
          options.onProgress?.(stored, total);
        },
        (error: unknown) => {
          failure ??= { error };
        },
      ),
    );
  };

  try {
    for await (const event of events) {
      if (options.signal?.aborted) throw new XivdigestError({ code: 'ABORTED', message: 'Stopped before the end of the input', cause: options.signal.reason });
      if (failure) throw failure.error;
      if (event.type === 'paper') {
        result.papers += 1;
        const type = event.paper.announceType ?? 'unknown';
        result.byAnnounceType[type] = (result.byAnnounceType[type] ?? 0) + 1;
        batch.push(event.paper);
        if (batch.length >= size) await flush();
      } else if (event.type === 'feed') {
        result.feed ??= event.feed;
        total = event.feed.totalResults ?? total;
      } else {
        result.pages.push(event.page);
        total = event.page.completeListSize ?? total;
      }
    }
    await flush();
    await settle(0);
  } finally {
    // On a parse error, the writes in flight still finish before the error reaches the transaction (its rollback).
    await Promise.all(inFlight);
  }
  const isFeed = result.feed !== undefined && ['arxiv-rss', 'arxiv-atom', 'arxiv-rdf'].includes(result.feed.format);
  result.noAnnouncement = isFeed && result.papers === 0;
  return result;
}
