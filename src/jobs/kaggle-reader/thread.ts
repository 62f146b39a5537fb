/**
 * The reader thread of a Kaggle backfill (ADR 0071): reads the snapshot from the checkpoint on, parses its lines and
 * prepares the records for the store, a few writes ahead of the thread that writes them (and, on PostgreSQL, speaks
 * to the server), which so does none of that work.
 */
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import { XivdigestError } from '../../core/errors.js';
import type { Paper } from '../../core/paper.js';
import { serializeError } from '../../core/threads.js';
import { parseKaggleLine } from '../../sources/kaggle/parse.js';
import { preparePapers } from '../../store/prepare.js';
import { byteLines } from './lines.js';
import type { KaggleChunkEnd, KaggleReaderMessage, KaggleReaderRequest, KaggleReaderStart } from './protocol.js';

if (!parentPort) throw new Error('kaggle-reader/thread.ts runs as a worker thread of a backfill');
const port = parentPort;
const start = workerData as KaggleReaderStart;

/** Writes the backfill asked for and has not been sent yet. */
let credit = 0;
let wake: (() => void) | undefined;
port.on('message', (request: KaggleReaderRequest) => {
  credit += request.more;
  wake?.();
  wake = undefined;
});

function post(message: KaggleReaderMessage): void {
  port.postMessage(message);
}

/** Sends a write once the backfill has asked for it; the records die young here (sent, they are garbage). */
async function send(papers: Paper[]): Promise<void> {
  if (papers.length === 0) return;
  while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
  credit -= 1;
  post({ type: 'write', prepared: preparePapers(papers, new Date().toISOString(), { searchIndex: start.searchIndex, copyRows: start.copyRows }) });
}

async function read(): Promise<void> {
  // A plain file is opened at the checkpoint; a .gz is decompressed from its start (gzip cannot seek).
  const rawStart = start.compressed ? 0 : start.offset;
  const raw = createReadStream(start.file, { highWaterMark: 1 << 20, start: rawStart });
  const position = () => rawStart + raw.bytesRead;
  const input: AsyncIterable<Buffer> = start.compressed ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  const lines = byteLines(input, start.compressed ? start.offset : 0, start.offset, () => post({ type: 'skipping', bytesRead: position() }));
  let line = start.line;
  let offset = start.offset;
  let readingFrom = start.compressed ? undefined : rawStart;
  try {
    for (let ended = false; !ended;) {
      const chunk: KaggleChunkEnd = { records: 0, offset, line, skipped: [], ended: false, bytesRead: 0, readingFrom: 0 };
      let write: Paper[] = [];
      while (chunk.records < start.chunkRecords) {
        const next = await lines.next();
        if (next.done) {
          ended = true;
          break;
        }
        readingFrom ??= position();
        line += 1;
        offset = next.value.end;
        let paper: Paper | undefined;
        try {
          paper = parseKaggleLine(next.value.text, start.file, line);
        } catch (error) {
          if (!XivdigestError.isInstance(error) || error.code !== 'INPUT_MALFORMED') throw error;
          chunk.skipped.push({ line, reason: error.message });
        }
        if (!paper) continue;
        chunk.records += 1;
        write.push(paper);
        if (write.length >= start.papersPerWrite) {
          await send(write);
          write = [];
        }
      }
      await send(write);
      Object.assign(chunk, { offset, line, ended, bytesRead: position(), readingFrom: readingFrom ?? position() });
      post({ type: 'end', ...chunk });
    }
  } finally {
    await lines.return(undefined);
    raw.destroy();
  }
}

/** zlib's errors (Z_BUF_ERROR for a file cut short, Z_DATA_ERROR for damaged bytes): the file, not the program. */
function isGzipError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('Z_');
}

read().catch((error: unknown) => {
  const failure = isGzipError(error)
    ? new XivdigestError({
        code: 'INPUT_MALFORMED',
        message: `${start.file} is not a whole gzip file (${error.message}); the chunks committed before the damage are kept`,
        hint: 'Download the snapshot again (a new file starts over, its papers updating the stored ones), or give the part that is left decompressed',
        cause: error,
      })
    : error;
  post({ type: 'error', error: serializeError(failure) });
});
