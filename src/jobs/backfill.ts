/** Loads the whole archive (the Kaggle snapshot, or an OAI-PMH harvest) in chunks, each committed with its checkpoint, so that a rerun resumes. */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { XivdigestError } from '../core/errors.js';
import type { Paper } from '../core/paper.js';
import type { SourceEvent } from '../core/source.js';
import { isOaiError, type OaiListRequest } from '../sources/oai-pmh/index.js';
import { indexMissing, type IndexMissingResult } from '../store/index.js';
import type { Store, UpsertResult } from '../store/store.js';
import { createKaggleReader, type KaggleChunkEnd, type SkippedLine } from './kaggle-reader/index.js';

export type { SkippedLine } from './kaggle-reader/index.js';

/**
 * Records per transaction (docs/decisions/0036): large enough that a commit and its checkpoint cost nothing next to
 * the records (under 1 ms against 150 ms of work), small enough that a kill loses at most a few seconds.
 */
export const DEFAULT_CHUNK_RECORDS = 5000;
/** Bytes of a file's head hashed into its identity (with its size): a renamed or copied snapshot still resumes. */
const HEAD_BYTES = 1 << 20;
/** Malformed lines listed in the result (all are counted). */
const MAX_LISTED_SKIPS = 20;
/** arXiv's OAI-PMH `earliestDatestamp` (Identify): every record's datestamp is on or after it. */
export const OAI_EARLIEST_DAY = '2007-05-23';

/** Where a backfill stands, after each committed chunk (and while a `.gz` is decompressed up to the checkpoint). */
export interface BackfillProgress {
  /**
   * `skipping`: decompressing a `.gz` up to the checkpoint, without parsing or writing. `indexing`: the load is done
   * and the search documents of the papers it stored are being written (`indexed` of `toIndex`; ADR 0069).
   */
  phase: 'skipping' | 'reading' | 'indexing';
  /** Records read and stored in this run. */
  recordsRead: number;
  /** Records stored over every run of this backfill. */
  recordsTotal: number;
  /** Chunks committed in this run. */
  chunks: number;
  /** Fraction done, 0 to 1: file bytes (compressed bytes for a `.gz`), or finished OAI-PMH windows and pages. */
  fraction: number;
  /** The part of `fraction` that this run did (for the rate and ETA). */
  fractionThisRun: number;
  /** `indexing`: papers whose documents are written so far, of `toIndex`. */
  indexed?: number;
  toIndex?: number;
  /** `indexing`: every document is written and the index's segments are merging (SQLite). */
  merging?: boolean;
}

export interface BackfillResult extends UpsertResult {
  source: 'kaggle' | 'oai-pmh';
  /** The state key of the checkpoint (`backfill:<source>:<identity>`). */
  key: string;
  /** Where this run began: the line and byte offset (Kaggle) or the window and token (OAI-PMH); null for a fresh start. */
  resumedFrom: { line?: number; offset?: number; window?: string; resumptionToken?: string } | null;
  /** Records read, parsed and written by this run: a resumed run does not count (or read) finished chunks. */
  recordsRead: number;
  /** Records stored by every run so far. */
  recordsTotal: number;
  /** Chunks committed by this run. */
  chunks: number;
  /** Lines (Kaggle) that were not papers, this run. */
  skipped: number;
  skippedLines: SkippedLine[];
  /** The whole input is stored; a rerun reads nothing (unless restarted). */
  done: boolean;
  /** Stopped early on request (Ctrl-C): a rerun goes on from the checkpoint. */
  stopped: boolean;
  /** The checkpoint said the input was finished before this run began. */
  alreadyDone: boolean;
  /** The whole run, the search index pass included. */
  seconds: number;
  /** Records read by this run per second of the whole run. */
  papersPerSecond: number;
  /** The load alone (reading and storing the records), and its records per second. */
  loadSeconds: number;
  loadPapersPerSecond: number;
  /**
   * The pass that wrote the search documents of papers loaded without them (ADR 0069), or null when there was none (an
   * OAI-PMH harvest, `searchIndex: 'now'`, or a run stopped during the load: the next run writes them).
   */
  index: IndexMissingResult | null;
}

interface CommonOptions {
  store: Store;
  /** Forget the checkpoint and start from the beginning. */
  restart?: boolean;
  /** Asked between chunks: true stops after the chunk just committed (Ctrl-C). */
  shouldStop?: () => boolean;
  onProgress?: (progress: BackfillProgress) => void;
  /** Messages worth a user's attention (an expired resumption token, a restart). */
  onWarning?: (message: string) => void;
}

// ---------------------------------------------------------------------------------------------------------------
// Kaggle

export interface KaggleBackfillOptions extends CommonOptions {
  /** The snapshot, JSON lines (`arxiv-metadata-oai-snapshot.json`), or the same gzip-compressed (`.gz`). */
  file: string;
  /** Records per transaction (default 5,000). */
  chunkRecords?: number;
  /**
   * When new papers' search documents are written: `later` (default), in one pass after the load, in the index's
   * order, which loads about twice as fast and searches find the papers once it is done; `now`, with each chunk, so
   * that a search finds each chunk as it commits (ADR 0069).
   */
  searchIndex?: 'now' | 'later';
}

/** The checkpoint of a Kaggle backfill, stored with the chunk it follows. */
export interface KaggleCheckpoint {
  source: 'kaggle';
  /** The path last used (for messages; the identity is the head hash and size). */
  file: string;
  size: number;
  headHash: string;
  compressed: boolean;
  /** Bytes of the (decompressed) text before the next line to read. */
  offset: number;
  /** Lines read; the next one is `line + 1`. */
  line: number;
  /** Records stored by every run. */
  records: number;
  /** Lines skipped by every run. */
  skipped: number;
  done: boolean;
  /** ISO 8601. */
  updatedAt: string;
}

/** Writes handed to the store and not finished yet, at most (storeEvents keeps as many). */
const WRITES_IN_FLIGHT = 2;

/** The checkpoint after `chunk`, which follows `checkpoint`. */
function checkpointAfter(checkpoint: KaggleCheckpoint, chunk: KaggleChunkEnd): KaggleCheckpoint {
  return {
    ...checkpoint,
    offset: chunk.offset,
    line: chunk.line,
    skipped: checkpoint.skipped + chunk.skipped.length,
    records: checkpoint.records + chunk.records,
    done: chunk.ended,
    updatedAt: new Date().toISOString(),
  };
}

/** The state key and identity of a snapshot file: a hash of its first MiB and its size. */
export async function kaggleIdentity(file: string): Promise<{ key: string; size: number; headHash: string; compressed: boolean }> {
  const info = await stat(file).catch((cause: unknown) => {
    throw new XivdigestError({
      code: 'NOT_FOUND',
      message: `Cannot read ${file}`,
      hint: 'Give the path of arxiv-metadata-oai-snapshot.json (or .json.gz)',
      cause,
    });
  });
  if (!info.isFile())
    throw new XivdigestError({ code: 'NOT_FOUND', message: `${file} is not a file`, hint: 'Give the path of arxiv-metadata-oai-snapshot.json (or .json.gz)' });
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(Math.min(HEAD_BYTES, info.size));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const headHash = createHash('sha256').update(head.subarray(0, bytesRead)).digest('hex').slice(0, 16);
    // gzip's magic number (RFC 1952 §2.3.1), whatever the file is called.
    const compressed = bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    return { key: `backfill:kaggle:${headHash}-${info.size}`, size: info.size, headHash, compressed };
  } finally {
    await handle.close();
  }
}

/**
 * Stores the snapshot in chunks of `chunkRecords` records, each in its own transaction together with the checkpoint
 * (byte offset and line number after it). A rerun starts at the checkpoint: a plain file is read from that byte on;
 * a `.gz` is decompressed from its start (gzip cannot seek) but the lines before the offset are neither split nor
 * parsed nor written. A line that is not a paper is skipped and listed.
 */
export async function backfillKaggle(options: KaggleBackfillOptions): Promise<BackfillResult> {
  const started = Date.now();
  const { store } = options;
  const chunkRecords = options.chunkRecords ?? DEFAULT_CHUNK_RECORDS;
  const file = resolve(options.file);
  const identity = await kaggleIdentity(file);
  if (options.restart) await store.setState(identity.key, undefined);
  const stored = options.restart ? undefined : await store.getState<KaggleCheckpoint>(identity.key);
  const result = emptyResult('kaggle', identity.key);
  result.recordsTotal = stored?.records ?? 0;
  const searchIndex = options.searchIndex ?? 'later';
  if (stored?.done) {
    result.done = true;
    result.alreadyDone = true;
    // An earlier run may have stopped (or died) while it wrote the search documents: they are written now.
    return indexAfterLoad(result, options, started, indexingProgress(stored.records, result));
  }
  const checkpoint: KaggleCheckpoint = stored
    ? { ...stored, file }
    : {
        source: 'kaggle',
        file,
        size: identity.size,
        headHash: identity.headHash,
        compressed: identity.compressed,
        offset: 0,
        line: 0,
        records: 0,
        skipped: 0,
        done: false,
        updatedAt: new Date().toISOString(),
      };
  if (stored) result.resumedFrom = { line: stored.line, offset: stored.offset };

  const size = Math.max(1, identity.size);
  let fraction = identity.compressed ? 0 : checkpoint.offset / size;
  let readingFrom: number | undefined = identity.compressed ? undefined : fraction;
  const progress = (phase: BackfillProgress['phase']) => {
    options.onProgress?.({
      phase,
      recordsRead: result.recordsRead,
      recordsTotal: checkpoint.records,
      chunks: result.chunks,
      fraction,
      fractionThisRun: Math.max(0, fraction - (readingFrom ?? fraction)),
    });
  };
  const reader = createKaggleReader(
    {
      file,
      compressed: identity.compressed,
      offset: checkpoint.offset,
      line: checkpoint.line,
      chunkRecords,
      papersPerWrite: store.papersPerWrite,
      searchIndex,
      copyRows: store.takesCopyRows,
    },
    (bytesRead) => {
      fraction = Math.min(1, bytesRead / size);
      progress('skipping');
    },
    // SQLite's writer thread prepares and writes while this thread parses (ADR 0009): a reader thread would only add
    // a hop. PostgreSQL's writes run here: the reader thread parses and prepares (ADR 0071).
    !store.writesInThread,
  );

  try {
    for (;;) {
      let end: KaggleChunkEnd | undefined;
      const written = await store.transaction(async (tx) => {
        const outcomes: UpsertResult[] = [];
        // Two writes in flight, as storeEvents keeps: the store runs them in call order, the next one waiting ready.
        const inFlight: Array<Promise<UpsertResult>> = [];
        for (let item = await reader.next(); item !== undefined; item = await reader.next()) {
          if (item.type === 'end') {
            end = item;
            break;
          }
          const write = item.type === 'write' ? tx.upsertPreparedPapers(item.prepared, { searchIndex }) : tx.upsertPapers(item.papers, { searchIndex });
          // Awaited below; handled now, so that a failure while the reader is awaited is not an unhandled rejection.
          write.catch(() => undefined);
          inFlight.push(write);
          if (inFlight.length >= WRITES_IN_FLIGHT) outcomes.push(await inFlight.shift()!);
        }
        for (const write of inFlight) outcomes.push(await write);
        if (end === undefined) throw new Error("internal: the backfill's reader ended without ending its chunk");
        // The checkpoint commits with the chunk it follows, so that the two can never disagree (ADR 0036).
        await tx.setState(identity.key, checkpointAfter(checkpoint, end) satisfies KaggleCheckpoint);
        return outcomes;
      });
      const chunk = end!;
      Object.assign(checkpoint, checkpointAfter(checkpoint, chunk));
      for (const outcome of written) addUpsert(result, outcome);
      result.recordsRead += chunk.records;
      result.skipped += chunk.skipped.length;
      for (const entry of chunk.skipped) if (result.skippedLines.length < MAX_LISTED_SKIPS) result.skippedLines.push(entry);
      result.chunks += 1;
      result.recordsTotal = checkpoint.records;
      readingFrom ??= Math.min(1, chunk.readingFrom / size);
      fraction = Math.min(1, chunk.bytesRead / size);
      progress('reading');
      if (chunk.ended) {
        result.done = true;
        break;
      }
      if (options.shouldStop?.()) {
        result.stopped = true;
        break;
      }
    }
  } finally {
    await reader.close();
  }
  if (!result.done) return finish(result, started);
  return indexAfterLoad(result, options, started, indexingProgress(checkpoint.records, result, fraction));
}

/** The `indexing` progress of a Kaggle backfill whose load is done (`recordsTotal` stored over every run). */
function indexingProgress(recordsTotal: number, result: BackfillResult, fraction = 1): (indexed: number, toIndex: number) => BackfillProgress {
  return (indexed, toIndex) => ({
    phase: 'indexing',
    recordsRead: result.recordsRead,
    recordsTotal,
    chunks: result.chunks,
    fraction,
    fractionThisRun: 0,
    indexed,
    toIndex,
  });
}

/**
 * After the load: writes the search documents of the papers stored without them (ADR 0069), with progress, and
 * stops between its transactions on request (the next run goes on). A no-op when none is missing.
 */
async function indexAfterLoad(
  result: BackfillResult,
  options: KaggleBackfillOptions,
  started: number,
  progress: (indexed: number, toIndex: number) => BackfillProgress,
): Promise<BackfillResult> {
  const loaded = Date.now();
  let toIndex = 0;
  const index = await indexMissing(options.store, {
    onProgress: (done, total) => {
      toIndex = total;
      options.onProgress?.(progress(done, total));
    },
    onMerge: () => options.onProgress?.({ ...progress(toIndex, toIndex), merging: true }),
    ...(options.shouldStop ? { shouldStop: options.shouldStop } : {}),
  });
  if (index.indexed > 0 || index.stopped || index.remaining > 0) result.index = index;
  if (index.stopped) result.stopped = true;
  return finish(result, started, loaded);
}

// ---------------------------------------------------------------------------------------------------------------
// OAI-PMH

/** The part of the OAI-PMH source a backfill uses. */
export interface OaiLister {
  listRecords(request: OaiListRequest, signal?: AbortSignal): AsyncIterable<SourceEvent>;
}

export interface OaiBackfillOptions extends CommonOptions {
  source: OaiLister;
  /** The endpoint, part of the checkpoint's identity. */
  baseUrl: string;
  /** Sets to harvest, each over every window; empty: every record (no set argument). */
  sets: string[];
  /** First datestamp day (default arXiv's earliest, 2007-05-23). */
  from?: string;
  /** Last datestamp day, inclusive (default today, UTC). */
  until?: string;
  signal?: AbortSignal;
}

/** The checkpoint of an OAI-PMH backfill: the windows finished, and the token that continues the current one. */
export interface OaiCheckpoint {
  source: 'oai-pmh';
  baseUrl: string;
  sets: string[];
  /** Windows harvested to the end, as `set|from|until` (`*` for no set). */
  done: string[];
  /** The window under way and the resumption token of its next page. */
  current?: { window: string; resumptionToken: string; cursor?: number; completeListSize?: number };
  records: number;
  updatedAt: string;
}

/** One harvest: a set over a calendar month (the first and last cut to the range). */
export interface OaiWindow {
  id: string;
  set: string | undefined;
  from: string;
  until: string;
}

/** Calendar-month windows over [from, until] for each set: a lost token costs at most a month's pages again. */
export function oaiWindows(sets: readonly string[], from: string, until: string): OaiWindow[] {
  const windows: OaiWindow[] = [];
  for (const set of sets.length > 0 ? sets : [undefined]) {
    let start = from;
    while (start <= until) {
      const [year, month] = start.split('-').map(Number) as [number, number];
      const monthEnd = new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
      const end = monthEnd < until ? monthEnd : until;
      windows.push({ id: `${set ?? '*'}|${start}|${end}`, set, from: start, until: end });
      start = new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 10);
    }
  }
  return windows;
}

/** The state key of an OAI-PMH backfill: the endpoint and the sets (the date range may grow between runs). */
export function oaiBackfillKey(baseUrl: string, sets: readonly string[]): string {
  return `backfill:oai-pmh:${baseUrl}|${sets.length > 0 ? [...sets].sort().join(',') : '*'}`;
}

/**
 * Harvests ListRecords window by window at the source's pace (the HTTP client's host spacing and Retry-After), and
 * commits each page of records in one transaction with the checkpoint: the page's resumption token, or the window
 * marked finished. A rerun skips finished windows and continues the current one from its token; a token arXiv no
 * longer accepts (badResumptionToken) restarts that window only.
 */
export async function backfillOaiPmh(options: OaiBackfillOptions): Promise<BackfillResult> {
  const started = Date.now();
  const { store, source } = options;
  const from = options.from ?? OAI_EARLIEST_DAY;
  const until = options.until ?? new Date().toISOString().slice(0, 10);
  if (from > until) throw new XivdigestError({ code: 'USAGE', message: `--from ${from} is after --until ${until}`, hint: 'Swap them' });
  const key = oaiBackfillKey(options.baseUrl, options.sets);
  if (options.restart) await store.setState(key, undefined);
  const stored = options.restart ? undefined : await store.getState<OaiCheckpoint>(key);
  const checkpoint: OaiCheckpoint = stored
    ? { ...stored, done: [...stored.done] }
    : { source: 'oai-pmh', baseUrl: options.baseUrl, sets: [...options.sets], done: [], records: 0, updatedAt: new Date().toISOString() };
  const result = emptyResult('oai-pmh', key);
  result.recordsTotal = checkpoint.records;
  const windows = oaiWindows(options.sets, from, until);
  const finished = new Set(checkpoint.done);
  const todo = windows.filter((window) => !finished.has(window.id));
  if (todo.length === 0) {
    result.done = true;
    result.alreadyDone = true;
    return finish(result, started);
  }
  if (checkpoint.current && todo.some((window) => window.id === checkpoint.current!.window)) {
    result.resumedFrom = { window: checkpoint.current.window, resumptionToken: checkpoint.current.resumptionToken };
  }
  const total = windows.length;
  const doneAtStart = total - todo.length + pageFraction(checkpoint.current);
  let doneWindows = total - todo.length;
  const progress = () => {
    const now = (doneWindows + pageFraction(checkpoint.current)) / total;
    options.onProgress?.({
      phase: 'reading',
      recordsRead: result.recordsRead,
      recordsTotal: checkpoint.records,
      chunks: result.chunks,
      fraction: now,
      fractionThisRun: Math.max(0, now - doneAtStart / total),
    });
  };

  windows: for (const window of todo) {
    let token = checkpoint.current?.window === window.id ? checkpoint.current.resumptionToken : undefined;
    for (let attempt = 0; ; attempt++) {
      const request: OaiListRequest = token ? { resumptionToken: token } : { set: window.set, from: window.from, until: window.until };
      let papers: Paper[] = [];
      let committedHere = 0;
      try {
        for await (const event of source.listRecords(request, options.signal)) {
          if (event.type === 'paper') {
            papers.push(event.paper);
            continue;
          }
          if (event.type !== 'page') continue;
          const page = event.page;
          const next = page.resumptionToken || undefined;
          const current = next
            ? {
                window: window.id,
                resumptionToken: next,
                ...(page.cursor !== undefined ? { cursor: page.cursor } : {}),
                ...(page.completeListSize !== undefined ? { completeListSize: page.completeListSize } : {}),
              }
            : undefined;
          const batch = papers;
          papers = [];
          const state: OaiCheckpoint = {
            ...checkpoint,
            done: next ? checkpoint.done : [...checkpoint.done, window.id],
            records: checkpoint.records + batch.length,
            updatedAt: new Date().toISOString(),
          };
          if (current) state.current = current;
          else delete state.current;
          const written = await store.transaction(async (tx) => {
            const outcome = await tx.upsertPapers(batch);
            await tx.setState(key, state);
            return outcome;
          });
          Object.assign(checkpoint, state);
          if (!current) delete checkpoint.current;
          addUpsert(result, written);
          result.recordsRead += batch.length;
          result.recordsTotal = checkpoint.records;
          result.chunks += 1;
          committedHere += 1;
          if (!next) doneWindows += 1;
          progress();
          if (options.shouldStop?.() && doneWindows < total) {
            result.stopped = true;
            break windows;
          }
        }
        break;
      } catch (error) {
        // A token is good for a while only (arXiv: about a day); an expired one restarts its window, once.
        if (token && committedHere === 0 && attempt === 0 && isOaiError(error, 'badResumptionToken')) {
          options.onWarning?.(`arXiv no longer accepts the stored resumption token for ${window.id}; harvesting that window again from its start`);
          token = undefined;
          continue;
        }
        throw error;
      }
    }
  }
  result.done = doneWindows === total;
  return finish(result, started);
}

function pageFraction(current: OaiCheckpoint['current']): number {
  if (!current?.completeListSize || current.cursor === undefined) return 0;
  return Math.min(1, current.cursor / current.completeListSize);
}

// ---------------------------------------------------------------------------------------------------------------

function emptyResult(source: BackfillResult['source'], key: string): BackfillResult {
  return {
    source,
    key,
    resumedFrom: null,
    recordsRead: 0,
    recordsTotal: 0,
    chunks: 0,
    skipped: 0,
    skippedLines: [],
    inserted: 0,
    updated: 0,
    unchanged: 0,
    versionsAdded: 0,
    done: false,
    stopped: false,
    alreadyDone: false,
    seconds: 0,
    papersPerSecond: 0,
    loadSeconds: 0,
    loadPapersPerSecond: 0,
    index: null,
  };
}

function addUpsert(result: BackfillResult, written: UpsertResult): void {
  result.inserted += written.inserted;
  result.updated += written.updated;
  result.unchanged += written.unchanged;
  result.versionsAdded += written.versionsAdded;
}

/** The run's times and rates; `loaded`: when the load ended, if a search pass followed it (else the whole run was the load). */
function finish(result: BackfillResult, started: number, loaded?: number): BackfillResult {
  const now = Date.now();
  result.seconds = (now - started) / 1000;
  result.papersPerSecond = result.seconds > 0 ? result.recordsRead / result.seconds : 0;
  result.loadSeconds = ((loaded ?? now) - started) / 1000;
  result.loadPapersPerSecond = result.loadSeconds > 0 ? result.recordsRead / result.loadSeconds : 0;
  return result;
}
