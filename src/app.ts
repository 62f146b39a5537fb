/** The composition root: turns a loaded Config into the store, the HTTP client, the sources, the renderers and the parsers. */
import { createGunzip } from 'node:zlib';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { LoadedConfig } from './core/config/load.js';
import type { DocumentInput, DocumentParser, Source, SourceEvent } from './core/source.js';
import { XivdigestError } from './core/errors.js';
import { createStore, type MigrationProgressListener } from './store/index.js';
import type { Store } from './store/store.js';
import { createHttpClient, type HttpClient } from './sources/shared/http.js';
import { parseArxivFeed } from './sources/arxiv-rss/parse.js';
import { parseArxivApi } from './sources/arxiv-api/parse.js';
import { parseRecordedApiResponse } from './sources/arxiv-api/recorded.js';
import { parseOaiPmh } from './sources/oai-pmh/parse.js';
import { parseKaggle } from './sources/kaggle/parse.js';
import { detectFileFormat, type LocalFormat } from './sources/detect.js';
import { loadRegistry } from './registry/registry.js';
import { renderers as rendererRegistry, type RendererFactory, type RenderFormat, type RendererSettings } from './registry/renderers.js';
import { sources as sourceRegistry, type SourceId } from './registry/sources.js';

export { VERSION } from './core/version.js';

export type { RenderFormat, RendererSettings, SourceId };

/** The parsers `ingest` can use, by detected format. Explicit, so nothing is found by scanning folders. */
export const parsers: Partial<Record<LocalFormat, DocumentParser>> = {
  'arxiv-rss': parseArxivFeed,
  'arxiv-atom': parseArxivFeed,
  'arxiv-rdf': parseArxivFeed,
  'arxiv-api': parseArxivApi,
  'arxiv-api-recorded': parseRecordedApiResponse,
  'oai-pmh': parseOaiPmh,
  kaggle: parseKaggle,
};

/**
 * Every renderer's factory, by id (`md`, `md-rich`, `html`, …), loaded from the renderer registry (src/registry/) when
 * this module is first imported; only commands that run import it, so `--help` loads none.
 */
export const renderers: Readonly<Record<RenderFormat, RendererFactory>> = await loadRegistry(rendererRegistry);

/** Every source's factory, loaded from the source registry. */
const sourceFactories = await loadRegistry(sourceRegistry);

/** Formats that hold papers but belong to another command. */
const otherCommand: Partial<Record<LocalFormat, string>> = {
  'digest-md': 'import-digest',
  'seed-cache': 'import-seed-cache',
};

export interface App {
  loaded: LoadedConfig;
  store(): Promise<Store>;
  http: HttpClient;
  source(id: SourceId): Source;
  close(): Promise<void>;
}

export interface CreateAppOptions {
  /** Called when the HTTP client waits or retries, for progress output. */
  onHttpEvent?: (event: { type: string; message?: string }) => void;
  /** Hears how far the long migrations have got while the store opens (StoreOptions.onMigrationProgress). */
  onMigrationProgress?: MigrationProgressListener;
}

export function createApp(loaded: LoadedConfig, options: CreateAppOptions = {}): App {
  const { config } = loaded;
  const arxiv = config.arxiv;
  let store: Promise<Store> | undefined;
  const http = createHttpClient({
    ...(arxiv.userAgent ? { userAgent: arxiv.userAgent } : {}),
    ...(arxiv.contact ? { contact: arxiv.contact } : {}),
    minIntervalMs: arxiv.minIntervalMs,
    timeoutMs: arxiv.timeoutMs,
    maxRetries: arxiv.maxRetries,
    maxRetryDelayMs: arxiv.maxRetryDelayMs,
    onEvent: options.onHttpEvent,
  });
  return {
    loaded,
    http,
    store: () =>
      (store ??= createStore({ url: config.store.url!, ...(options.onMigrationProgress ? { onMigrationProgress: options.onMigrationProgress } : {}) })),
    source: (id) => sourceFactories[id]({ arxiv, http }),
    async close() {
      if (store) await (await store).close();
    },
  };
}

export interface OpenedFile {
  format: LocalFormat;
  events: AsyncIterable<SourceEvent>;
}

/** Detects a local file's format and returns its events, streamed; `onBytes` reports progress through the file. */
export async function openLocalFile(path: string, onBytes?: (bytes: number) => void): Promise<OpenedFile> {
  const detection = await detectFileFormat(path).catch((error: NodeJS.ErrnoException) => {
    throw new XivdigestError({
      code: error.code === 'ENOENT' ? 'NOT_FOUND' : 'INPUT_MALFORMED',
      message: error.code === 'ENOENT' ? `${path} does not exist` : `Cannot read ${path}: ${error.message}`,
      hint: 'Check the path',
      cause: error,
    });
  });
  const format = detection.format;
  if (!format) {
    throw new XivdigestError({
      code: 'FORMAT_UNKNOWN',
      message: `Cannot tell the format of ${path}: it looks like ${detection.seen}`,
      hint: 'xivdigest ingest reads arXiv RSS/Atom/RDF feeds, API responses, OAI-PMH responses and the Kaggle metadata dump',
    });
  }
  const parser = parsers[format];
  if (!parser) {
    throw new XivdigestError({
      code: 'USAGE',
      message: `${path} is ${detection.seen}, which ingest does not read`,
      hint: `Use \`xivdigest ${otherCommand[format]} ${path}\``,
    });
  }
  // Bytes are counted as the parser pulls them: a 'data' listener would start the stream flowing before the parser
  // reads, and chunks emitted in between would be lost.
  const counted = countBytes(createReadStream(path, { highWaterMark: 256 * 1024 }), onBytes);
  const input: DocumentInput = detection.gzip ? Readable.from(counted).pipe(createGunzip()) : counted;
  return { format, events: parser(input, { origin: path }) };
}

async function* countBytes(stream: AsyncIterable<Buffer>, onBytes?: (bytes: number) => void): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const chunk of stream) {
    bytes += chunk.length;
    onBytes?.(bytes);
    yield chunk;
  }
}
