/**
 * A Kaggle backfill's reader (ADR 0071): a worker thread that reads, parses and prepares the snapshot's records, at
 * most READ_AHEAD_RECORDS ahead of the backfill that writes them; or, for a store that writes in a thread of its own
 * (SQLite's writer thread, which prepares the records there), the records parsed in the caller's thread.
 */
import type { Worker } from 'node:worker_threads';
import { deserializeError, startModuleWorker } from '../../core/threads.js';
import type { PreparedPapers } from '../../store/prepare.js';
import { kaggleChunks, type KaggleRecords } from './chunks.js';
import type { KaggleReaderMessage, KaggleReaderRequest, KaggleReaderStart } from './protocol.js';

export type { KaggleChunkEnd, KaggleReaderStart, SkippedLine } from './protocol.js';

/**
 * Records prepared ahead of the write being written, in whole writes: enough that the next writes wait ready (also
 * across a commit), few enough that they are written before they outlive the young generation (in either thread).
 */
const READ_AHEAD_RECORDS = 4096;

/**
 * What the reader hands over, in order: a chunk's writes (prepared by the reader thread, or the records parsed in
 * this one), then its end.
 */
export type KaggleItem = { type: 'write'; prepared: PreparedPapers } | KaggleRecords;

export interface KaggleReader {
  /** The next item; undefined after the end of the chunk that ended the file. Throws what stopped the reader, after the items before it. */
  next(): Promise<KaggleItem | undefined>;
  /** Stops the thread (what it read ahead is dropped: it was not written, so a rerun reads it again). */
  close(): Promise<void>;
}

/**
 * A reader from `start`'s checkpoint on; `onSkipping` hears how far a `.gz` is decompressed up to it. `thread`: in
 * a reader thread of its own, which prepares the records; otherwise in this thread, records as parsed.
 */
export function createKaggleReader(start: KaggleReaderStart, onSkipping: (bytesRead: number) => void, thread: boolean): KaggleReader {
  if (!thread) {
    const chunks = kaggleChunks(start, onSkipping);
    return {
      next: async () => (await chunks.next()).value ?? undefined,
      close: async () => void (await chunks.return(undefined)),
    };
  }
  // A larger young generation than a worker's default, as the writer thread's: a write survives fewer scavenges.
  const worker: Worker = startModuleWorker(import.meta.url, 'thread', { workerData: start, resourceLimits: { maxYoungGenerationSizeMb: 48 } });
  const items: KaggleItem[] = [];
  let failure: Error | undefined;
  let ended = false;
  let closed = false;
  let waiting: (() => void) | undefined;
  const wake = () => {
    waiting?.();
    waiting = undefined;
  };
  worker.on('message', (message: KaggleReaderMessage) => {
    if (message.type === 'skipping') onSkipping(message.bytesRead);
    else if (message.type === 'error') failure ??= deserializeError(message.error);
    else items.push(message);
    wake();
  });
  worker.on('error', (error) => {
    failure ??= error;
    wake();
  });
  worker.on('exit', (code) => {
    if (!closed) failure ??= new Error(`the backfill's reader thread exited with code ${code}`);
    wake();
  });
  worker.postMessage({ more: Math.ceil(READ_AHEAD_RECORDS / start.papersPerWrite) } satisfies KaggleReaderRequest);

  return {
    async next() {
      for (;;) {
        if (ended) return undefined;
        const item = items.shift();
        if (item?.type === 'write') worker.postMessage({ more: 1 } satisfies KaggleReaderRequest);
        else if (item?.type === 'end' && item.ended) ended = true;
        if (item) return item;
        if (failure) throw failure;
        await new Promise<void>((resolve) => (waiting = resolve));
      }
    },
    async close() {
      closed = true;
      await worker.terminate();
    },
  };
}
