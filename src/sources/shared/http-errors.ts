/** Typed errors of the HTTP client: status, network and abort errors, error-body excerpts, retry reasons. */
import { XivdigestError, excerpt } from '../../core/errors.js';
import type { HttpResponse } from './http.js';

/** Statuses worth another try: rate limiting and the server errors that are usually brief. */
export const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);
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

/** The first few KiB of an error response, for the message; never fails (a broken error body is no news). */
export async function readExcerpt(response: HttpResponse): Promise<string> {
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

export function statusError(label: string, url: string, response: HttpResponse, bodyExcerpt: string): XivdigestError {
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

export function statusHint(status: number): string {
  if (status === 429) return 'The server is rate-limiting this client; wait a while, and keep minIntervalMs at 3000 or more for arXiv';
  if (status >= 500) return 'The server may be overloaded or down for maintenance; try again later';
  if (status === 404) return 'Check the base URL and the category or identifier in the request';
  if (status === 403) return 'The server refused this client; check that the User-Agent names a contact and that requests are spaced out';
  if (status === 400) return 'The server rejected the request; check the query';
  return 'Check the request';
}

export function networkError(label: string, url: string, error: unknown, phase: 'headers' | 'body'): XivdigestError {
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

export function retryReason(error: XivdigestError): string {
  if (error.code === 'SOURCE_TIMEOUT') return 'timeout';
  if (error.code === 'SOURCE_HTTP') return `status ${String(error.details.status)}`;
  return typeof error.details.errorCode === 'string' ? error.details.errorCode : 'network error';
}

export function abortedError(url: string, reason: unknown): XivdigestError {
  return new XivdigestError({
    code: 'ABORTED',
    message: `GET ${url} was cancelled`,
    cause: reason,
    details: { url },
  });
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
