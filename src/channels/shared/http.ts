/** POSTs for chat webhooks and bot APIs: the private-network guard at connect time, a timeout, retries with backoff, and errors without secrets. */
import { redact as redactText } from '../../core/redact.js';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { XivdigestError, excerpt } from '../../core/errors.js';
import { parseRetryAfter } from '../../core/retry-after.js';
import { abortableSleep } from '../../core/sleep.js';
import { checkDeliveryUrl, createGuardedLookup } from './url-guard.js';
import type { CommonChannelOptions } from './deliver.js';

/** Retry settings shared by every channel (`maxAttempts` counts the first try). */
export interface RetryOptions {
  /** Tries per message, the first included (default 4). */
  maxAttempts?: number;
  /** First backoff; it doubles on each retry and is jittered (default 1000 ms). */
  baseDelayMs?: number;
  /** Longest single wait (default 60 000 ms). A longer Retry-After fails at once instead of sleeping through it. */
  maxDelayMs?: number;
  /** Waits between attempts; tests pass one that returns at once and records the delays. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source in [0, 1) (default `Math.random`). */
  random?: () => number;
}

/** Settings of the HTTP transport of one channel. */
export interface HttpTransport {
  /** Who answers, for messages: `Slack webhook`, `Telegram Bot API`. */
  label: string;
  /** The URL as it may be shown (secrets masked). */
  shownUrl: string;
  /** Strings that must never appear in an error or log line (tokens, secrets). */
  secrets: readonly string[];
  allowPrivateNetwork: boolean;
  /** Per-request timeout (default 30 000 ms). */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** What to check when the platform refuses the request, e.g. `Check the Slack webhook URL`. */
  hint: string;
}

/** A channel's transport from its common options (private networks, timeout, retries) and its own facts. */
export function httpTransport(options: CommonChannelOptions, own: Pick<HttpTransport, 'label' | 'shownUrl' | 'secrets' | 'hint'>): HttpTransport {
  return {
    ...own,
    allowPrivateNetwork: options.allowPrivateNetwork ?? false,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
  };
}

/** One POST. */
export interface PostRequest {
  url: string;
  body: string;
  headers?: Record<string, string>;
}

/** An answer whose body was read. */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** Why an answer is a failure. */
export interface AnswerFailure {
  /** E.g. `returned 400: invalid_blocks` or `answered errcode 310000: sign not match`. */
  reason: string;
  retryable: boolean;
  /** The platform's requested pause (Retry-After, Telegram `retry_after`). */
  retryAfterMs?: number;
}

/** Counts requests across the parts of one delivery. */
export interface AttemptCounter {
  attempts: number;
}

/** The default reading of an answer: 2xx is success; 429 and 5xx may be retried, other statuses not. */
export function checkStatus(answer: HttpAnswer): AnswerFailure | undefined {
  if (answer.status >= 200 && answer.status < 300) return undefined;
  return {
    reason: `returned ${answer.status}: ${excerpt(answer.text) || '(empty body)'}`,
    retryable: answer.status === 429 || answer.status >= 500,
    ...(answer.status === 429 || answer.status === 503 ? retryAfter(answer.headers['retry-after'], answer.headers['date']) : {}),
  };
}

/** `Retry-After` as seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfter(value: string | string[] | undefined, date?: string): { retryAfterMs?: number } {
  const text = Array.isArray(value) ? value[0] : value;
  const retryAfterMs = parseRetryAfter(text, Date.now(), date);
  return retryAfterMs === undefined ? {} : { retryAfterMs };
}

/** Replaces every secret with `***` (the one set of rules in core/redact.ts). */
export function redact(text: string, secrets: readonly string[]): string {
  return redactText(text, secrets);
}

/**
 * POSTs with retries. `makeRequest` is called for each attempt (signed requests need a fresh timestamp). `check` reads
 * the platform's answer. Returns the accepted answer; throws DELIVERY_FAILED (details: url, status, attempts),
 * DELIVERY_URL_REFUSED or ABORTED.
 */
export async function postWithRetry(
  transport: HttpTransport,
  makeRequest: () => PostRequest,
  check: (answer: HttpAnswer) => AnswerFailure | undefined,
  counter: AttemptCounter,
  signal?: AbortSignal,
): Promise<HttpAnswer> {
  const retry = transport.retry ?? {};
  const maxAttempts = Math.max(1, retry.maxAttempts ?? 4);
  const baseDelayMs = retry.baseDelayMs ?? 1000;
  const maxDelayMs = retry.maxDelayMs ?? 60_000;
  const sleep = retry.sleep ?? ((ms: number, wakeOn?: AbortSignal) => abortableSleep(ms, wakeOn, () => abortedError(what)));
  const random = retry.random ?? Math.random;
  const what = `${transport.label} ${transport.shownUrl}`;

  for (let attempt = 1; ; attempt += 1) {
    throwIfAborted(signal, what);
    counter.attempts += 1;
    let failure: AnswerFailure;
    let status: number | undefined;
    try {
      const answer = await postOnce(makeRequest(), transport, signal);
      status = answer.status;
      const problem = check(answer);
      if (!problem) return answer;
      failure = { ...problem, reason: redact(problem.reason, transport.secrets) };
    } catch (error) {
      if (XivdigestError.isInstance(error)) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      failure = { reason: `could not be reached: ${redact(code ?? (error as Error).message, transport.secrets)}`, retryable: true };
    }

    const done = !failure.retryable || attempt >= maxAttempts;
    const tooLong = failure.retryAfterMs !== undefined && failure.retryAfterMs > maxDelayMs;
    if (done || tooLong) {
      const why = !failure.retryable
        ? 'not retried, as another try would fail the same way'
        : tooLong
          ? `the platform asks to wait ${Math.round(failure.retryAfterMs! / 1000)} s, longer than the ${Math.round(maxDelayMs / 1000)} s allowed`
          : `gave up after ${attempt} attempts`;
      throw new XivdigestError({
        code: 'DELIVERY_FAILED',
        message: `${what} ${failure.reason} (${why})`,
        hint: status === undefined ? 'Check the URL and the network; the delivery can be retried' : transport.hint,
        isRetryable: failure.retryable,
        details: { url: transport.shownUrl, attempts: attempt, ...(status !== undefined ? { status } : {}) },
      });
    }
    const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    // "Equal jitter": at least half the backoff, so that retries of many channels do not bunch up.
    const delayMs = failure.retryAfterMs ?? Math.round(backoff / 2 + (random() * backoff) / 2);
    await sleep(delayMs, signal);
  }
}

/** One POST through the guarded lookup. Network failures reject with the Node error; the guard with DELIVERY_URL_REFUSED. */
function postOnce(request: PostRequest, transport: HttpTransport, signal?: AbortSignal): Promise<HttpAnswer> {
  const url = checkDeliveryUrl(request.url, { label: transport.label, allowPrivateNetwork: transport.allowPrivateNetwork, shownUrl: transport.shownUrl });
  const body = Buffer.from(request.body, 'utf8');
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<HttpAnswer>((resolve, reject) => {
    const outgoing = send(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.byteLength), ...request.headers },
        timeout: transport.timeoutMs ?? 30_000,
        ...(transport.allowPrivateNetwork ? {} : { lookup: createGuardedLookup(transport.label, transport.shownUrl) }),
        ...(signal ? { signal } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => {
          // Platforms answer in a few hundred bytes; keep at most 64 KiB of anything larger.
          if (chunks.reduce((sum, piece) => sum + piece.byteLength, 0) < 65_536) chunks.push(chunk);
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    outgoing.on('error', (error) => {
      if (signal?.aborted) reject(abortedError(`${transport.label} ${transport.shownUrl}`));
      else if (XivdigestError.isInstance(error)) reject(error);
      else reject(error);
    });
    outgoing.end(body);
  });
}

function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortedError(what);
}

function abortedError(what: string): XivdigestError {
  return new XivdigestError({ code: 'ABORTED', message: `Delivery to ${what} was cancelled`, hint: 'Run the delivery again' });
}

/** The hook URL with its secret last path segment and any token query hidden. */
export function maskHookUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const segments = parsed.pathname.split('/');
    if (segments.length > 2) segments[segments.length - 1] = '***';
    const query = [...parsed.searchParams.keys()].map((key) => `${key}=***`).join('&');
    return `${parsed.origin}${segments.join('/')}${query ? `?${query}` : ''}`;
  } catch {
    return '***';
  }
}
