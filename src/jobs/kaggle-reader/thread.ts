/**
 * The reader thread of a Kaggle backfill (ADR 0071): reads the snapshot from the checkpoint on, parses its lines and
 * prepares the records for the store, a few writes ahead of the thread that writes them (and, on PostgreSQL, speaks
 * to the server), which so does none of that work.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../../core/threads.js';
import { preparePapers } from '../../store/prepare.js';
import { kaggleChunks } from './chunks.js';
import type { KaggleReaderMessage, KaggleReaderRequest, KaggleReaderStart } from './protocol.js';

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

async function read(): Promise<void> {
  for await (const item of kaggleChunks(start, (bytesRead) => post({ type: 'skipping', bytesRead }))) {
    if (item.type === 'end') {
      post(item);
      continue;
    }
    // Sent once the backfill has asked for it; the records die young here (sent, they are garbage).
    while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
    credit -= 1;
    const prepared = preparePapers(item.papers, new Date().toISOString(), { searchIndex: start.searchIndex, copyRows: start.copyRows });
    post({ type: 'write', prepared });
  }
}

read().catch((error: unknown) => post({ type: 'error', error: serializeError(error) }));
