/** A polite HTTP client for arXiv: one request per host every few seconds, retries with backoff, typed errors, streamed bodies. */
import { VERSION } from '../../core/version.js';
import { XivdigestError, excerpt } from '../../core/errors.js';
import { formatSeconds } from '../../core/format-seconds.js';
import { parseRetryAfter } from '../../core/retry-after.js';
import { abortableSleep } from '../../core/sleep.js';
import { HostLimiter } from './host-limiter.js';
import { attemptOnce } from './http-attempt.js';
import { abortedError, plural, readExcerpt, retryReason, statusError } from './http-errors.js';

export { formatSeconds, parseRetryAfter };
export { errorExcerpt } from './http-errors.js';
export { fetchDocumentEvents, remoteBodyError, type FetchDocumentOptions } from './resume.js';

/** Options of {@link createHttpClient}. Every duration is in milliseconds. */
export interface HttpClientOptions {
  /**
   * Who to contact about this client's traffic (an e-mail address or a URL); it goes into the default User-Agent as
   * `mailto:…`. arXiv's API terms ask clients to identify themselves, so a deployment should set it.
   */
  contact?: string;
  /** The whole User-Agent header; replaces the default `xivdigest/<version> (+https://github.com/xivdigest/xivdigest; mailto:…)`. */
  userAgent?: string;
  /**
   * Least time between two requests to the same host (default 3000: the arXiv API manual and the OAI-PMH notes ask for
   * no more than one request every three seconds), counted from the previous request's start, its response headers or
   * the end of its body, whichever came last. Concurrent callers queue in order.
   */
  minIntervalMs?: number;
  /** Time allowed to connect and receive the response headers (default 60 000). */
  timeoutMs?: number;
  /** Time allowed between two chunks of a response body (default: `timeoutMs`). */
  bodyIdleTimeoutMs?: number;
  /** Retries after the first attempt, for 429, 500, 502, 503, 504, timeouts and dropped connections (default 4). */
  maxRetries?: number;
  /** First backoff delay; it doubles on each retry and is jittered (default 2000). */
  retryBaseMs?: number;
  /**
   * Longest single wait between attempts (default 120 000). A `Retry-After` longer than this fails at once, with an error
   * that says when to try again, rather than sleeping for it.
   */
  maxRetryDelayMs?: number;
  /** Progress and logging: every wait, attempt, retry and failure. It must not throw. */
  onEvent?: (event: HttpEvent) => void;
  /** Source of jitter in [0, 1) (default `Math.random`). */
  random?: () => number;
}

/** Options of one request. */
export interface HttpRequestOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Who answers, for messages: `arXiv API returned 503 for GET …` (default: the URL's host). */
  label?: string;
  /**
   * Error statuses to hand back as a response instead of throwing, for services whose error documents say more than
   * the status does (the arXiv API answers a bad query with 400 and an Atom feed that explains it).
   */
  acceptStatus?: readonly number[];
}

/** A response whose headers have arrived; the body streams in as it is read. */
export interface HttpResponse {
  /** The final URL, after redirects. */
  url: string;
  status: number;
  headers: Headers;
  /**
   * The body as it arrives. Read it once: by iterating, by `text()`, or throw it away with `cancel()`. Stalls longer than
   * `bodyIdleTimeoutMs` raise SOURCE_TIMEOUT, dropped connections SOURCE_NETWORK, and the request's signal ABORTED.
   */
  body: AsyncIterable<Uint8Array>;
  /** Reads the whole body as UTF-8. */
  text(): Promise<string>;
  /** Releases the connection without reading the body. */
  cancel(): Promise<void>;
}

export interface HttpClient {
  /** The User-Agent sent with every request. */
  readonly userAgent: string;
  /** GETs a URL, waiting its turn for the host, retrying what can be retried; throws XivdigestError. */
  get(url: string, options?: HttpRequestOptions): Promise<HttpResponse>;
  /** Reports an event to `onEvent`, for helpers built on the client (see {@link fetchDocumentEvents}). */
  emit(event: HttpEvent): void;
}

/** What the client reports through `onEvent`. `message` is a ready-made log line. */
export type HttpEvent =
  | {
      type: 'request-delayed';
      url: string;
      host: string;
      delayMs: number;
      /** `interval`: waiting its turn for the host; `retry-after`: the server asked every client to pause. */
      cause: 'interval' | 'retry-after';
      message: string;
    }
  | { type: 'request-started'; url: string; attempt: number; message: string }
  | { type: 'response-received'; url: string; attempt: number; status: number; message: string }
  | {
      type: 'request-retrying';
      url: string;
      /** The attempt that failed (1 for the first). */
      attempt: number;
      /** Why, e.g. `503 Service Unavailable`, `timeout`, `ECONNRESET`, `empty page`. */
      reason: string;
      delayMs: number;
      /** True when the delay came from the server's `Retry-After`. */
      retryAfter: boolean;
      status?: number;
      message: string;
    }
  | { type: 'response-resumed'; url: string; attempt: number; skipped: number; reason: string; message: string }
  | { type: 'request-failed'; url: string; attempts: number; error: XivdigestError; message: string };

/** Statuses whose `Retry-After` is honoured (RFC 9110 §10.2.3 names 503 and 3xx; RFC 6585 adds 429). */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

/** The version in the User-Agent. */
export const XIVDIGEST_VERSION = VERSION;

/** The default User-Agent: names the program, its home and, when given, a contact, as arXiv asks of API clients. */
export function defaultUserAgent(contact?: string): string {
  const home = '+https://github.com/xivdigest/xivdigest';
  if (contact === undefined || contact.trim() === '') return `xivdigest/${XIVDIGEST_VERSION} (${home})`;
  const trimmed = contact.trim();
  // A header value must stay on one line, and the comment syntax of RFC 9110 §5.6.5 reserves parentheses.
  if (/[\r\n()\\]/.test(trimmed) || trimmed.length > 200) {
    throw new XivdigestError({
      code: 'USAGE',
      message: `The HTTP contact ${JSON.stringify(excerpt(trimmed, 60))} cannot go into a User-Agent header`,
      hint: 'Give an e-mail address or a URL without line breaks or parentheses',
    });
  }
  const mail = trimmed.includes('@') && !/^[a-z][a-z0-9+.-]*:/i.test(trimmed) ? `mailto:${trimmed}` : trimmed;
  return `xivdigest/${XIVDIGEST_VERSION} (${home}; ${mail})`;
}

/** Creates a client. Share one per process: the per-host spacing only holds among requests made through the same client. */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const userAgent = options.userAgent ?? defaultUserAgent(options.contact);
  const minIntervalMs = nonNegative('minIntervalMs', options.minIntervalMs ?? 3000);
  const timeoutMs = positive('timeoutMs', options.timeoutMs ?? 60_000);
  const bodyIdleTimeoutMs = positive('bodyIdleTimeoutMs', options.bodyIdleTimeoutMs ?? timeoutMs);
  const maxRetries = nonNegative('maxRetries', options.maxRetries ?? 4);
  const retryBaseMs = nonNegative('retryBaseMs', options.retryBaseMs ?? 2000);
  const maxRetryDelayMs = nonNegative('maxRetryDelayMs', options.maxRetryDelayMs ?? 120_000);
  const random = options.random ?? Math.random;
  const limiter = new HostLimiter(minIntervalMs);

  const emit = (event: HttpEvent): void => {
    if (!options.onEvent) return;
    try {
      options.onEvent(event);
    } catch {
      // A logger that throws must not turn a good response into a failure.
    }
  };

  async function get(url: string, request: HttpRequestOptions = {}): Promise<HttpResponse> {
    const parsed = parseUrl(url);
    const host = parsed.host;
    const label = request.label ?? host;
    const { signal } = request;
    const attempts = maxRetries + 1;

    for (let attempt = 1; ; attempt += 1) {
      throwIfAborted(signal, url);
      await limiter.acquire(host, signal, url, (delayMs, cause) =>
        emit({
          type: 'request-delayed',
          url,
          host,
          delayMs,
          cause,
          message: `Waiting ${formatSeconds(delayMs)} before GET ${url} (${
            cause === 'retry-after' ? `${host} asked for a pause (Retry-After)` : `one request per ${formatSeconds(minIntervalMs)} to ${host}`
          })`,
        }),
      );
      emit({ type: 'request-started', url, attempt, message: `GET ${url} (attempt ${attempt} of ${attempts})` });

      let failure: XivdigestError;
      let retryAfterMs: number | undefined;
      try {
        const response = await attemptOnce(parsed.href, request, {
          userAgent,
          timeoutMs,
          bodyIdleTimeoutMs,
          label,
          onSettled: () => limiter.touch(host),
        }).finally(() => limiter.touch(host));
        emit({
          type: 'response-received',
          url,
          attempt,
          status: response.status,
          message: `${label} answered ${response.status} for GET ${url}`,
        });
        if ((response.status >= 200 && response.status < 300) || request.acceptStatus?.includes(response.status)) {
          return response;
        }
        const bodyExcerpt = await readExcerpt(response);
        failure = statusError(label, url, response, bodyExcerpt);
        if (RETRY_AFTER_STATUSES.has(response.status)) {
          retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now(), response.headers.get('date'));
        }
      } catch (error) {
        if (!XivdigestError.isInstance(error)) throw error;
        failure = error;
      }

      if (failure.code === 'ABORTED') throw failure;
      if (!failure.isRetryable) {
        const error = new XivdigestError({
          code: failure.code,
          message: `${failure.message} (${plural(attempt, 'attempt')}; not retried, as another try would fail the same way)`,
          hint: failure.hint,
          cause: failure,
          isRetryable: false,
          details: { ...failure.details, attempts: attempt },
        });
        emitFailed(error, attempt);
        throw error;
      }
      if (retryAfterMs !== undefined && retryAfterMs > maxRetryDelayMs) {
        const retryAt = new Date(Date.now() + retryAfterMs);
        const error = new XivdigestError({
          code: failure.code,
          message: `${failure.message}; the server asks to retry in ${formatSeconds(retryAfterMs)} (Retry-After), longer than the ${formatSeconds(maxRetryDelayMs)} this client waits, so it gave up after ${plural(attempt, 'attempt')}`,
          hint: `Try again after ${retryAt.toISOString()}`,
          cause: failure,
          isRetryable: true,
          details: { ...failure.details, attempts: attempt, retryAfterMs, retryAt: retryAt.toISOString() },
        });
        emitFailed(error, attempt);
        throw error;
      }
      if (attempt >= attempts) {
        const error = new XivdigestError({
          code: failure.code,
          message: `${failure.message}; gave up after ${plural(attempt, 'attempt')}`,
          hint: failure.hint,
          cause: failure,
          isRetryable: true,
          details: { ...failure.details, attempts: attempt },
        });
        emitFailed(error, attempt);
        throw error;
      }

      const backoff = Math.min(maxRetryDelayMs, retryBaseMs * 2 ** (attempt - 1));
      // "Equal jitter": at least half the backoff, so that retries never bunch up at zero.
      const delayMs = retryAfterMs ?? Math.round(backoff / 2 + (random() * backoff) / 2);
      const reason = retryReason(failure);
      emit({
        type: 'request-retrying',
        url,
        attempt,
        reason,
        delayMs,
        retryAfter: retryAfterMs !== undefined,
        ...(typeof failure.details.status === 'number' ? { status: failure.details.status } : {}),
        message: `${failure.message}; retrying in ${formatSeconds(delayMs)}${retryAfterMs !== undefined ? ' (Retry-After)' : ''} (attempt ${attempt + 1} of ${attempts})`,
      });
      if (retryAfterMs !== undefined) {
        // The server spoke for the whole host: hold every queued request to it, not only this one.
        limiter.deferUntil(host, performance.now() + retryAfterMs);
      } else {
        await sleep(delayMs, signal, url);
      }
    }

    function emitFailed(error: XivdigestError, attempt: number): void {
      emit({ type: 'request-failed', url, attempts: attempt, error, message: error.message });
    }
  }

  return { userAgent, get, emit };
}

function throwIfAborted(signal: AbortSignal | undefined, url: string): void {
  if (signal?.aborted) throw abortedError(url, signal.reason);
}

/** Waits, or rejects with ABORTED as soon as the signal fires. */
function sleep(ms: number, signal: AbortSignal | undefined, url: string): Promise<void> {
  return abortableSleep(ms, signal, (reason) => abortedError(url, reason));
}

function parseUrl(url: string): URL {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
    return parsed;
  } catch (error) {
    throw new XivdigestError({
      code: 'USAGE',
      message: `Cannot GET ${JSON.stringify(url)}: not an http(s) URL`,
      hint: 'Check the base URL in the configuration',
      cause: error,
    });
  }
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new XivdigestError({ code: 'USAGE', message: `HTTP option ${name} must be a number >= 0, got ${value}` });
  }
  return value;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new XivdigestError({ code: 'USAGE', message: `HTTP option ${name} must be a number > 0, got ${value}` });
  }
  return value;
}
