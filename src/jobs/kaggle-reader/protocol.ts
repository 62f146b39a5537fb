/** The messages between a Kaggle backfill and its reader thread (ADR 0071). */
import type { SerializedError } from '../../core/threads.js';
import type { PreparedPapers } from '../../store/prepare.js';

/** A line that was not a paper: skipped, counted and listed, never dropped silently. */
export interface SkippedLine {
  line: number;
  reason: string;
}

/** What the reader thread starts with (its workerData). */
export interface KaggleReaderStart {
  file: string;
  compressed: boolean;
  /** Bytes of the (decompressed) text before the first line to read, and the number of lines before it. */
  offset: number;
  line: number;
  /** Records per chunk (one transaction of the backfill). */
  chunkRecords: number;
  /** Records per write in a chunk (the store's `papersPerWrite`). */
  papersPerWrite: number;
  searchIndex: 'now' | 'later';
  /** Prepare the rows in COPY's text format too (the store `takesCopyRows`). */
  copyRows: boolean;
}

/** The end of a chunk (one transaction of the backfill): what it held and the checkpoint after it. */
export interface KaggleChunkEnd {
  records: number;
  /** Offset and line after the chunk's last line. */
  offset: number;
  line: number;
  skipped: SkippedLine[];
  /** The chunk ends the file. */
  ended: boolean;
  /** Bytes of the file read when the chunk was cut (compressed bytes for a `.gz`), for the progress. */
  bytesRead: number;
  /** Bytes of the file read when this run reached its first line to read (a `.gz` decompresses up to it first). */
  readingFrom: number;
}

/**
 * What the reader sends, in order: a chunk's writes (its records parsed and prepared for `upsertPreparedPapers`, at
 * most `papersPerWrite` each), then the chunk's end; `skipping` while a `.gz` is decompressed up to the checkpoint;
 * `error` when it stopped, after what it sent before.
 */
export type KaggleReaderMessage =
  | { type: 'write'; prepared: PreparedPapers }
  | ({ type: 'end' } & KaggleChunkEnd)
  | { type: 'skipping'; bytesRead: number }
  | { type: 'error'; error: SerializedError };

/** From the backfill: send `more` writes more (a chunk's end costs none). */
export interface KaggleReaderRequest {
  more: number;
}
