/**
 * The snapshot as a backfill reads it (ADR 0071): from the checkpoint on, its records parsed and cut into writes
 * of `papersPerWrite`, each chunk of `chunkRecords` followed by its end (the checkpoint after it). The reader thread
 * prepares these writes for the store; a store that writes in a thread of its own gets them in the caller's thread.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { XivdigestError } from '../../core/errors.js';
import type { Paper } from '../../core/paper.js';
import { parseKaggleLine } from '../../sources/kaggle/parse.js';
import { byteLines } from './lines.js';
import type { KaggleChunkEnd, KaggleReaderStart } from './protocol.js';

export type KaggleRecords = { type: 'papers'; papers: Paper[] } | ({ type: 'end' } & KaggleChunkEnd);

/** `onSkipping` hears how far a `.gz` is decompressed up to the checkpoint (bytes of the file). */
export async function* kaggleChunks(start: KaggleReaderStart, onSkipping: (bytesRead: number) => void): AsyncGenerator<KaggleRecords> {
  // A plain file is opened at the checkpoint; a .gz is decompressed from its start (gzip cannot seek).
  const rawStart = start.compressed ? 0 : start.offset;
  const raw = createReadStream(start.file, { highWaterMark: 1 << 20, start: rawStart });
  const position = () => rawStart + raw.bytesRead;
  const input: AsyncIterable<Buffer> = start.compressed ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  const lines = byteLines(input, start.compressed ? start.offset : 0, start.offset, () => onSkipping(position()));
  let line = start.line;
  let offset = start.offset;
  let readingFrom = start.compressed ? undefined : rawStart;
  try {
    for (let ended = false; !ended;) {
      const chunk: KaggleChunkEnd = { records: 0, offset, line, skipped: [], ended: false, bytesRead: 0, readingFrom: 0 };
      let write: Paper[] = [];
      while (chunk.records < start.chunkRecords) {
        let next: IteratorResult<{ text: string; end: number }>;
        try {
          next = await lines.next();
        } catch (error) {
          throw isGzipError(error) ? notWholeGzip(start.file, error) : error;
        }
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
          yield { type: 'papers', papers: write };
          write = [];
        }
      }
      if (write.length > 0) yield { type: 'papers', papers: write };
      Object.assign(chunk, { offset, line, ended, bytesRead: position(), readingFrom: readingFrom ?? position() });
      yield { type: 'end', ...chunk };
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

function notWholeGzip(file: string, error: Error): XivdigestError {
  return new XivdigestError({
    code: 'INPUT_MALFORMED',
    message: `${file} is not a whole gzip file (${error.message}); the chunks committed before the damage are kept`,
    hint: 'Download the snapshot again (a new file starts over, its papers updating the stored ones), or give the part that is left decompressed',
    cause: error,
  });
}
