/**
 * Rendered pages in memory. A page is kept under a key that names what it depends on (a digest's name and createdAt,
 * the interface language), with a strong ETag of its bytes; pages without such a key (home, archive, search) are kept
 * for a few seconds only. Least recently used pages go first when the byte budget is spent.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export interface CachedPage {
  body: string;
  /** The body as UTF-8, encoded once: a cached page is sent without re-encoding. */
  encoded: Uint8Array;
  etag: string;
  /** Date.now() when rendered. */
  at: number;
  bytes: number;
  /** The gzip-compressed body, made on first use (a 700-paper digest is ~2 MB, ~10 times less compressed). */
  gzip?: Uint8Array;
}

/** The page's gzip body, compressed once and kept with the page. */
export function gzipOf(page: CachedPage): Uint8Array {
  page.gzip ??= gzipSync(page.encoded, { level: 6 });
  return page.gzip;
}

export interface PageCacheOptions {
  /** Budget for the bodies, in UTF-8 bytes (default 64 MiB). */
  maxChars?: number;
  now?: () => number;
}

export interface PageCache {
  /**
   * The cached page under `key`, or renders, stores and returns it. `ttlMs` (optional) bounds the age of a cached page:
   * pages whose key does not name every dependency use it.
   */
  get(key: string, render: () => Promise<string>, ttlMs?: number): Promise<CachedPage>;
  readonly size: number;
}

export const etagOf = (body: string): string => `"${createHash('sha1').update(body).digest('base64url')}"`;

export function createPageCache(options: PageCacheOptions = {}): PageCache {
  const maxChars = options.maxChars ?? 64 * 1024 * 1024;
  const now = options.now ?? Date.now;
  const pages = new Map<string, CachedPage>();
  /** Renders in flight: concurrent requests for one page render it once. */
  const pending = new Map<string, Promise<CachedPage>>();
  let total = 0;
  const remove = (key: string): void => {
    const page = pages.get(key);
    if (page) {
      total -= page.bytes;
      pages.delete(key);
    }
  };
  return {
    get size() {
      return pages.size;
    },
    async get(key, render, ttlMs) {
      const hit = pages.get(key);
      if (hit && (ttlMs === undefined || now() - hit.at <= ttlMs)) {
        // Re-insert: Map iteration order is the recency order.
        pages.delete(key);
        pages.set(key, hit);
        return hit;
      }
      const running = pending.get(key);
      if (running) return running;
      const made = (async () => {
        const body = await render();
        const encoded = new TextEncoder().encode(body);
        const page: CachedPage = { body, encoded, etag: etagOf(body), at: now(), bytes: encoded.length };
        remove(key);
        if (page.bytes <= maxChars) {
          pages.set(key, page);
          total += page.bytes;
          for (const oldest of pages.keys()) {
            if (total <= maxChars) break;
            remove(oldest);
          }
        }
        return page;
      })();
      pending.set(key, made);
      try {
        return await made;
      } finally {
        pending.delete(key);
      }
    },
  };
}

/** A value recomputed at most every `ttlMs` (concurrent callers share one computation). */
export function memoize<T>(compute: () => Promise<T>, ttlMs: number, now: () => number = Date.now): () => Promise<T> {
  let value: { at: number; data: T } | undefined;
  let running: Promise<T> | undefined;
  return async () => {
    if (value && now() - value.at <= ttlMs) return value.data;
    running ??= compute().then(
      (data) => {
        value = { at: now(), data };
        running = undefined;
        return data;
      },
      (error: unknown) => {
        running = undefined;
        throw error;
      },
    );
    return running;
  };
}
