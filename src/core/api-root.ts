/** The root URL of a versioned HTTP API (OpenAI-compatible, Anthropic, embeddings), from what a user configured. */
import { XivdigestError } from './errors.js';
import { maskUrl } from './redact.js';

export interface ApiRootOptions {
  /** The endpoint path users sometimes paste with the base URL, dropped from it: `/chat/completions`, `/embeddings`. */
  endpoint: string;
  /** Names the setting in the error, e.g. `The OpenAI-compatible base URL`. */
  what: string;
  /** What to set instead, for the error's hint. */
  hint: string;
}

/**
 * Normalizes a base URL to the API root: drops trailing slashes and a trailing `endpoint`, and appends `/v1` unless a
 * path segment is already a version (`/v1`, `/v4`, `/v1beta`). The query string is left out (see `apiQuery`).
 * Throws CONFIG_INVALID, with the URL's secrets masked, when it is not a URL.
 */
export function apiRoot(baseUrl: string, options: ApiRootOptions): string {
  const url = parseBaseUrl(baseUrl, options);
  let path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith(options.endpoint)) path = path.slice(0, -options.endpoint.length);
  if (!path.split('/').some((segment) => /^v\d+[a-z0-9]*$/i.test(segment))) path = `${path}/v1`;
  return `${url.origin}${path}`;
}

/** The query parameters of a base URL (Azure-style `?api-version=`), which clients append to every request. */
export function apiQuery(baseUrl: string, options: ApiRootOptions): Record<string, string> {
  return Object.fromEntries(parseBaseUrl(baseUrl, options).searchParams);
}

function parseBaseUrl(baseUrl: string, options: ApiRootOptions): URL {
  try {
    return new URL(baseUrl.trim());
  } catch {
    throw new XivdigestError({ code: 'CONFIG_INVALID', message: `${options.what} is not a URL: ${JSON.stringify(maskUrl(baseUrl))}`, hint: options.hint });
  }
}
