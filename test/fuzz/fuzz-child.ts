/** The fuzzer's child: parses each input it is sent with the named parser and answers accepted, rejected (XivdigestError) or internal. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config/load.js';
import { XivdigestError } from '../../src/core/errors.js';
import type { DocumentInput } from '../../src/core/source.js';
import { digestText } from '../../src/jobs/import-digest.js';
import { detectLibraryFormat, libraryParsers } from '../../src/library/index.js';
import { parseArxivApi } from '../../src/sources/arxiv-api/parse.js';
import { parseRecordedApiResponse } from '../../src/sources/arxiv-api/recorded.js';
import { parseArxivFeed } from '../../src/sources/arxiv-rss/parse.js';
import { detectFormat } from '../../src/sources/detect.js';
import { parseMarkdownDigest } from '../../src/sources/digest-import/parse.js';
import { parseKaggle } from '../../src/sources/kaggle/parse.js';
import { parseOaiPmh } from '../../src/sources/oai-pmh/parse.js';
import { parseSeedCache } from '../../src/sources/seed-cache/parse.js';

const work = mkdtempSync(join(tmpdir(), 'xivdigest-fuzz-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

/** The bytes as a download delivers them: 16 KB pieces (so that tokens and characters are cut). */
async function* pieces(bytes: Buffer): AsyncGenerator<Uint8Array> {
  for (let start = 0; start < bytes.length; start += 16 * 1024) yield bytes.subarray(start, start + 16 * 1024);
}

async function drain(iterable: AsyncIterable<unknown>): Promise<void> {
  for await (const event of iterable) void event;
}

async function parse(parser: string, file: string, bytes: Buffer): Promise<void> {
  const input: DocumentInput = pieces(bytes);
  const origin = 'fuzz-input';
  switch (parser) {
    case 'arxiv-feed':
      return drain(parseArxivFeed(input, { origin }));
    case 'arxiv-api':
      return drain(parseArxivApi(input, { origin }));
    case 'arxiv-api-recorded':
      return drain(parseRecordedApiResponse(input, { origin }));
    case 'oai-pmh':
      return drain(parseOaiPmh(input, { origin }));
    case 'kaggle':
      return drain(parseKaggle(input, { origin }));
    case 'seed-cache':
      return drain(parseSeedCache(input, { origin }));
    case 'digest-import':
      parseMarkdownDigest(digestText(bytes, origin), { origin });
      return;
    case 'library': {
      const text = bytes.toString('utf8');
      const format = detectLibraryFormat(file, text) ?? 'arxiv-ids';
      libraryParsers[format](text, origin);
      return;
    }
    case 'config': {
      const path = join(work, 'config.json');
      writeFileSync(path, bytes);
      loadConfig({ file: path, env: { HOME: work, HOOK_URL: 'https://hooks.example.org/in', HOOK_SECRET: 'secret-fuzz' } });
      return;
    }
    case 'detect':
      detectFormat(bytes.subarray(0, 16 * 1024).toString('utf8'));
      return;
    // The harness's own checks: an internal error and a hang must be seen as failures.
    case 'self-check-internal':
      return void (null as unknown as { x: number }).x;
    case 'self-check-hang':
      for (;;) void bytes.length;
    default:
      throw new Error(`unknown parser ${parser}`);
  }
}

type FuzzRequest = { id: number; parser: string; file: string; bytes: Uint8Array };

async function onMessage(message: FuzzRequest): Promise<void> {
  const started = performance.now();
  let result: 'accepted' | 'rejected' | 'internal' = 'accepted';
  let detail: string | undefined;
  try {
    await parse(message.parser, message.file, Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength));
  } catch (error) {
    if (XivdigestError.isInstance(error)) {
      result = 'rejected';
      detail = error.code;
    } else {
      result = 'internal';
      const stack = error instanceof Error ? (error.stack ?? error.message).split('\n').slice(0, 4).join(' | ') : String(error);
      detail = stack.slice(0, 600);
    }
  }
  process.send!({ id: message.id, result, detail, ms: performance.now() - started, rssMb: process.memoryUsage().rss / 1048576 });
}

process.on('message', (message: FuzzRequest) => void onMessage(message));

process.send!({ ready: true });
