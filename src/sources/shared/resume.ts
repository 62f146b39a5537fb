/** Download resume: parses a document while it downloads and, when the body breaks off, fetches it again and skips what was read. */
import { XivdigestError } from '../../core/errors.js';
import type { DocumentParser, SourceEvent } from '../../core/source.js';
import type { HttpClient, HttpRequestOptions, HttpResponse } from './http.js';
import { RETRYABLE_STATUSES, errorExcerpt, plural, statusHint } from './http-errors.js';

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
