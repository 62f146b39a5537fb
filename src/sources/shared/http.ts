/** A polite HTTP client for arXiv: one request per host every few seconds, retries with backoff, typed errors, streamed bodies. */
import { VERSION } from '../../core/version.js';
import { XivdigestError, excerpt } from '../../core/errors.js';
import type { DocumentParser, SourceEvent } from '../../core/source.js';
import { formatSeconds } from '../../core/format-seconds.js';
import { parseRetryAfter } from '../../core/retry-after.js';
import { abortableSleep } from '../../core/sleep.js';

export { formatSeconds, parseRetryAfter };

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

/** Statuses worth another try: rate limiting and the server errors that are usually brief. */
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);
/** Statuses whose `Retry-After` is honoured (RFC 9110 §10.2.3 names 503 and 3xx; RFC 6585 adds 429). */
const RETRY_AFTER_STATUSES = new Set([429, 503]);
/** Network failures that another try will not fix. */
const PERMANENT_NETWORK_CODES = new Set([
  'ENOTFOUND',
  'EAI_NONAME',
  'ERR_INVALID_URL',
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const ERROR_EXCERPT_BYTES = 4096;

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

/** Options of {@link fetchDocumentEvents}. */
export interface FetchDocumentOptions extends HttpRequestOptions {
  /** How many times a body that breaks off mid-way is fetched again (default 2). */
  maxResumes?: number;
}

/**
 * GETs a document and parses it while it downloads. When the connection drops or stalls mid-body after some events were
 * already yielded, it fetches the document again and skips the events already given, checking that they match: a
 * document that changed in between fails with SOURCE_NETWORK rather than yielding a mix.
 */
export async function* fetchDocumentEvents(
  http: HttpClient,
  url: string,
  parse: DocumentParser,
  options: FetchDocumentOptions = {},
): AsyncGenerator<SourceEvent> {
  const { maxResumes = 2, ...request } = options;
  const seen: string[] = [];
  for (let attempt = 1; ; attempt += 1) {
    const response = await http.get(url, request);
    if (response.status < 200 || response.status >= 300) return await throwErrorDocument(response, url, parse, request.label);
    let index = 0;
    try {
      for await (const event of parse(response.body, { origin: url })) {
        const key = eventKey(event);
        if (index < seen.length) {
          if (seen[index] !== key) {
            throw new XivdigestError({
              code: 'SOURCE_NETWORK',
              message: `GET ${url} broke off mid-document and the document had changed when fetched again (event ${index + 1} was ${seen[index]}, now ${key})`,
              hint: 'Run the fetch again',
              isRetryable: true,
              details: { url, attempts: attempt },
            });
          }
          index += 1;
          continue;
        }
        seen.push(key);
        index += 1;
        yield event;
      }
      return;
    } catch (error) {
      const interruption = findInterruption(error);
      if (!interruption || attempt > maxResumes || options.signal?.aborted) throw remoteBodyError(error, url, request.label);
      http.emit({
        type: 'response-resumed',
        url,
        attempt,
        skipped: seen.length,
        reason: interruption.code === 'SOURCE_TIMEOUT' ? 'timeout' : 'connection dropped',
        message: `${interruption.message}; fetching it again and skipping the ${plural(seen.length, 'event')} already read (resume ${attempt} of ${maxResumes})`,
      });
    }
  }
}

/** Codes that name a bad local input: from a remote body they are the source's fault (exit 5, not 4). */
const INPUT_CODES = new Set(['XML_MALFORMED', 'INPUT_MALFORMED', 'FORMAT_UNKNOWN', 'DIGEST_FORMAT']);

/**
 * A parse error of a downloaded body (an HTML error page, a body cut short) as the source error it is: SOURCE_HTTP,
 * retryable, with the parser's message; other errors pass through.
 */
export function remoteBodyError(error: unknown, url: string, label = safeHost(url)): unknown {
  if (!XivdigestError.isInstance(error) || !INPUT_CODES.has(error.code)) return error;
  return new XivdigestError({
    code: 'SOURCE_HTTP',
    message: `${label} sent a body that is not the expected document for GET ${url}: ${error.message}`,
    hint: 'The service may be serving an error page or the download was cut short; try again later',
    isRetryable: true,
    cause: error,
    details: { ...error.details, url, parseCode: error.code },
  });
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * A status the caller accepted (see `acceptStatus`): the parser should turn the service's error document into its typed
 * error. When it does not, the status still fails as SOURCE_HTTP, so an error page is never read as an empty result.
 */
async function throwErrorDocument(response: HttpResponse, url: string, parse: DocumentParser, label = new URL(url).host): Promise<never> {
  const text = await response.text();
  try {
    for await (const event of parse(text, { origin: url })) void event;
  } catch (error) {
    throw remoteBodyError(error, url, label);
  }
  throw new XivdigestError({
    code: 'SOURCE_HTTP',
    message: `${label} returned ${response.status} for GET ${url}: ${errorExcerpt(text)}`,
    hint: statusHint(response.status),
    isRetryable: RETRYABLE_STATUSES.has(response.status),
    details: { url, status: response.status, bodyExcerpt: errorExcerpt(text) },
  });
}

function eventKey(event: SourceEvent): string {
  if (event.type === 'paper') return `paper ${event.paper.id}v${event.paper.version ?? '?'}`;
  return event.type;
}

/** A body that broke off (the parser may have wrapped the error), as opposed to a document that is wrong. */
function findInterruption(error: unknown): XivdigestError | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    if (XivdigestError.isInstance(current) && (current.code === 'SOURCE_NETWORK' || current.code === 'SOURCE_TIMEOUT') && current.isRetryable) {
      return current;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

interface AttemptSettings {
  userAgent: string;
  timeoutMs: number;
  bodyIdleTimeoutMs: number;
  label: string;
  /** Called when the body has been read to its end, or abandoned. */
  onSettled: () => void;
}

/** One GET: connect and wait for headers under `timeoutMs`, then hand back a body that enforces the idle timeout. */
async function attemptOnce(url: string, request: HttpRequestOptions, settings: AttemptSettings): Promise<HttpResponse> {
  const { signal } = request;
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const release = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    signal?.removeEventListener('abort', onAbort);
  };
  const arm = (ms: number): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, ms);
  };
  const classify = (error: unknown, phase: 'headers' | 'body'): XivdigestError => {
    if (signal?.aborted) return abortedError(url, signal.reason);
    if (timedOut) {
      const ms = phase === 'headers' ? settings.timeoutMs : settings.bodyIdleTimeoutMs;
      return new XivdigestError({
        code: 'SOURCE_TIMEOUT',
        message:
          phase === 'headers'
            ? `${settings.label} did not answer GET ${url} within ${formatSeconds(ms)}`
            : `${settings.label} stalled for ${formatSeconds(ms)} in the middle of the response to GET ${url}`,
        hint: 'The server may be busy; try again later, or raise timeoutMs',
        cause: error,
        isRetryable: true,
        details: { url, timeoutMs: ms, phase },
      });
    }
    return networkError(settings.label, url, error, phase);
  };

  if (signal?.aborted) {
    release();
    throw abortedError(url, signal.reason);
  }
  arm(settings.timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'GET',
      headers: { 'user-agent': settings.userAgent, ...request.headers },
      signal: controller.signal,
      redirect: 'follow',
    });
  } catch (error) {
    release();
    throw classify(error, 'headers');
  }
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;

  const stream = response.body;
  let consumed = false;
  async function* body(): AsyncGenerator<Uint8Array> {
    if (consumed) throw new XivdigestError({ code: 'USAGE', message: `The body of GET ${url} was already read` });
    consumed = true;
    if (!stream) {
      release();
      return;
    }
    const reader = stream.getReader();
    let finished = false;
    try {
      for (;;) {
        arm(settings.bodyIdleTimeoutMs);
        const chunk = await reader.read().catch((error: unknown) => {
          throw classify(error, 'body');
        });
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        if (chunk.done) {
          finished = true;
          return;
        }
        yield chunk.value;
      }
    } finally {
      release();
      settings.onSettled();
      // The reader stopped early (an error, or the caller broke off): free the connection.
      if (!finished) await reader.cancel().catch(() => undefined);
    }
  }
  const iterable = body();

  return {
    url: response.url || url,
    status: response.status,
    headers: response.headers,
    body: iterable,
    async text() {
      const decoder = new TextDecoder('utf-8');
      let text = '';
      for await (const chunk of iterable) text += decoder.decode(chunk, { stream: true });
      return text + decoder.decode();
    },
    async cancel() {
      if (!consumed) {
        consumed = true;
        release();
        await stream?.cancel().catch(() => undefined);
      } else {
        await iterable.return(undefined);
      }
    },
  };
}

/** The first few KiB of an error response, for the message; never fails (a broken error body is no news). */
async function readExcerpt(response: HttpResponse): Promise<string> {
  const decoder = new TextDecoder('utf-8');
  let text = '';
  let bytes = 0;
  try {
    for await (const chunk of response.body) {
      text += decoder.decode(chunk, { stream: true });
      bytes += chunk.byteLength;
      if (bytes >= ERROR_EXCERPT_BYTES) break;
    }
  } catch (error) {
    if (XivdigestError.isInstance(error) && error.code === 'ABORTED') throw error;
  }
  return errorExcerpt(text + decoder.decode());
}

/**
 * A short excerpt of an error body. A long HTML page (arXiv's 404 page, a proxy's error page) gives its `<title>` and the
 * start of its text without markup, scripts or styles, never the page itself.
 */
export function errorExcerpt(text: string): string {
  // A short body is shown as it is; only a page that would not fit is reduced to its title and text.
  if (!/^\s*<(?:!doctype\s+html|html|head|body)\b/i.test(text) || text.replace(/\s+/g, ' ').trim().length <= 200) return excerpt(text);
  const decode = (html: string) =>
    html.replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: ' ' })[name] ?? '');
  const title = excerpt(decode(/<title[^>]*>([\s\S]*?)<\/title>/i.exec(text)?.[1] ?? ''), 100);
  const body = /<body[^>]*>([\s\S]*)/i.exec(text)?.[1] ?? text;
  const words = excerpt(
    decode(
      body
        .replace(/<(script|style|head|nav|header)\b[\s\S]*?<\/\1\s*>/gi, ' ')
        .replace(/<!--[\s\S]*?-->/g, ' ')
        .replace(/<[^>]*>/g, ' '),
    ),
    200,
  );
  const rest = title && words.startsWith(title) ? words.slice(title.length).trim() : words;
  return `HTML page${title ? ` "${title}"` : ''}${rest ? `: ${excerpt(rest, 200)}` : ''}`;
}

function statusError(label: string, url: string, response: HttpResponse, bodyExcerpt: string): XivdigestError {
  const { status } = response;
  const retryable = RETRYABLE_STATUSES.has(status);
  return new XivdigestError({
    code: 'SOURCE_HTTP',
    message: `${label} returned ${status} for GET ${url}${bodyExcerpt ? `: ${bodyExcerpt}` : ''}`,
    hint: statusHint(status),
    isRetryable: retryable,
    details: { url, status, bodyExcerpt, ...(response.url !== url ? { finalUrl: response.url } : {}) },
  });
}

function statusHint(status: number): string {
  if (status === 429) return 'The server is rate-limiting this client; wait a while, and keep minIntervalMs at 3000 or more for arXiv';
  if (status >= 500) return 'The server may be overloaded or down for maintenance; try again later';
  if (status === 404) return 'Check the base URL and the category or identifier in the request';
  if (status === 403) return 'The server refused this client; check that the User-Agent names a contact and that requests are spaced out';
  if (status === 400) return 'The server rejected the request; check the query';
  return 'Check the request';
}

function networkError(label: string, url: string, error: unknown, phase: 'headers' | 'body'): XivdigestError {
  const code = errorCode(error);
  const description = code ?? describe(error);
  const retryable = code === undefined || !PERMANENT_NETWORK_CODES.has(code);
  return new XivdigestError({
    code: 'SOURCE_NETWORK',
    message:
      phase === 'headers'
        ? `GET ${url} failed before ${label} answered (${description})`
        : `The connection to ${label} broke off in the middle of the response to GET ${url} (${description})`,
    hint: retryable ? 'The network or the server dropped the connection; try again later' : 'Check the base URL and the network connection',
    cause: error,
    isRetryable: retryable,
    details: { url, ...(code ? { errorCode: code } : {}), phase },
  });
}

/** The first `code` along the cause chain: undici puts `ECONNRESET` or `UND_ERR_SOCKET` on the cause of "fetch failed". */
function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function describe(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error, depth = 0; current && depth < 3; depth += 1) {
    const message = (current as { message?: unknown }).message;
    if (typeof message === 'string' && message) parts.push(message);
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join(': ') || String(error);
}

function retryReason(error: XivdigestError): string {
  if (error.code === 'SOURCE_TIMEOUT') return 'timeout';
  if (error.code === 'SOURCE_HTTP') return `status ${String(error.details.status)}`;
  return typeof error.details.errorCode === 'string' ? error.details.errorCode : 'network error';
}

function abortedError(url: string, reason: unknown): XivdigestError {
  return new XivdigestError({
    code: 'ABORTED',
    message: `GET ${url} was cancelled`,
    cause: reason,
    details: { url },
  });
}

function throwIfAborted(signal: AbortSignal | undefined, url: string): void {
  if (signal?.aborted) throw abortedError(url, signal.reason);
}

/** Waits, or rejects with ABORTED as soon as the signal fires. */
function sleep(ms: number, signal: AbortSignal | undefined, url: string): Promise<void> {
  return abortableSleep(ms, signal, (reason) => abortedError(url, reason));
}

interface Waiter {
  resolve: () => void;
}

interface HostState {
  /** When the last request to this host started, got its headers or finished its body (performance.now()). */
  lastActivity: number;
  /** No request may start before this (a `Retry-After`). */
  blockedUntil: number;
  waiters: Waiter[];
  timer: NodeJS.Timeout | undefined;
}

/**
 * First-come, first-served turns per host. A turn comes `interval` after the last activity on the host: the previous
 * request's start, its response headers, or the end of its body, whichever was last. Counting from the answer rather
 * than the start alone keeps the gap that the server sees at least `interval`, however long connecting took.
 */
class HostLimiter {
  private readonly hosts = new Map<string, HostState>();

  constructor(private readonly interval: number) {}

  /** Resolves when it is this caller's turn; `onDelay` is told how long the wait will be when there is one. */
  acquire(host: string, signal: AbortSignal | undefined, url: string, onDelay: (delayMs: number, cause: 'interval' | 'retry-after') => void): Promise<void> {
    const state = this.state(host);
    const wait = Math.max(0, this.dueTime(state) - performance.now()) + state.waiters.length * this.interval;
    if (wait > 0) onDelay(Math.round(wait), state.blockedUntil > state.lastActivity + this.interval ? 'retry-after' : 'interval');
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortedError(url, signal.reason));
        return;
      }
      const onAbort = (): void => {
        const index = state.waiters.indexOf(waiter);
        if (index >= 0) state.waiters.splice(index, 1);
        reject(abortedError(url, signal?.reason));
      };
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      state.waiters.push(waiter);
      this.pump(state);
    });
  }

  /** Records activity on the host (headers arrived, a body ended): the next turn is `interval` from now. */
  touch(host: string): void {
    const state = this.state(host);
    state.lastActivity = Math.max(state.lastActivity, performance.now());
  }

  /** Holds every request to the host until `time` (performance.now() scale). */
  deferUntil(host: string, time: number): void {
    const state = this.state(host);
    if (time <= state.blockedUntil) return;
    state.blockedUntil = time;
    if (state.timer !== undefined) {
      clearTimeout(state.timer);
      state.timer = undefined;
    }
    this.pump(state);
  }

  private state(host: string): HostState {
    let state = this.hosts.get(host);
    if (!state) {
      state = { lastActivity: Number.NEGATIVE_INFINITY, blockedUntil: 0, waiters: [], timer: undefined };
      this.hosts.set(host, state);
    }
    return state;
  }

  private dueTime(state: HostState): number {
    return Math.max(state.lastActivity + this.interval, state.blockedUntil);
  }

  private pump(state: HostState): void {
    if (state.timer !== undefined || state.waiters.length === 0) return;
    const now = performance.now();
    const due = this.dueTime(state);
    if (due <= now) {
      state.lastActivity = now;
      state.waiters.shift()!.resolve();
      this.pump(state);
      return;
    }
    // Timers may fire a little early against performance.now(), and touch() may have moved the turn: check again.
    state.timer = setTimeout(
      () => {
        state.timer = undefined;
        this.pump(state);
      },
      Math.max(1, Math.ceil(due - now)),
    );
  }
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

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
