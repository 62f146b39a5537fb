/** HTTP for the batch clients: one request with errors as XivdigestError (URL, status, body excerpt, no secret), and JSONL. */
import { excerpt, XivdigestError } from '../../core/errors.js';
import { maskUrl } from '../../core/redact.js';
import { redact } from '../shared/structured-call.js';

export interface BatchHttpSettings {
  /** For messages: `OpenAI-compatible batch API`, `Anthropic Message Batches`. */
  label: string;
  headers: Record<string, string>;
  secrets: readonly string[];
  authHint: string;
  fetch: typeof globalThis.fetch;
}

/** Sends one request; returns the response on 2xx, throws XivdigestError otherwise. */
export async function batchFetch(
  settings: BatchHttpSettings,
  method: string,
  url: string,
  body?: string | FormData,
  signal?: AbortSignal,
  headers: Record<string, string> = {},
): Promise<Response> {
  const shown = maskUrl(url);
  let response: Response;
  try {
    response = await settings.fetch(url, {
      method,
      headers: { ...settings.headers, ...headers },
      ...(body !== undefined ? { body } : {}),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw new XivdigestError({ code: 'ABORTED', message: `${method} ${shown} was aborted by the caller` });
    const reason = redact(
      excerpt(error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error)),
      settings.secrets,
    );
    throw new XivdigestError({
      code: 'LLM_UNAVAILABLE',
      message: `${settings.label} could not be reached for ${method} ${shown}: ${reason}`,
      hint: 'Check that the server is running and the base URL is right; the batch can be looked at again later',
      isRetryable: true,
      details: { url: shown },
    });
  }
  if (response.ok) return response;
  const text = redact(excerpt(await response.text().catch(() => ''), 300), settings.secrets);
  const what = `${settings.label} returned ${response.status} for ${method} ${shown}: ${text}`;
  const status = response.status;
  if (status === 401 || status === 403) throw new XivdigestError({ code: 'LLM_AUTH', message: what, hint: settings.authHint, details: { url: shown, status } });
  if (status === 404) {
    throw new XivdigestError({
      code: 'LLM_UNAVAILABLE',
      message: what,
      hint: 'This API may have no batch endpoints (many OpenAI-compatible servers do not): run without --batch (llm.batch: false)',
      details: { url: shown, status },
    });
  }
  if (status === 429)
    throw new XivdigestError({
      code: 'LLM_RATE_LIMITED',
      message: what,
      hint: 'Too many batches or enqueued tokens: wait for open batches to finish',
      isRetryable: true,
      details: { url: shown, status },
    });
  throw new XivdigestError({
    code: 'LLM_UNAVAILABLE',
    message: what,
    hint: status >= 500 ? 'The API is failing; the batch can be looked at again later' : 'The API rejected the batch request; check the model and parameters',
    isRetryable: status >= 500,
    details: { url: shown, status },
  });
}

/** The objects of a JSON Lines body; unparsable lines are skipped and counted. */
export function parseJsonl(text: string): { records: Array<Record<string, unknown>>; bad: number } {
  const records: Array<Record<string, unknown>> = [];
  let bad = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) records.push(value as Record<string, unknown>);
      else bad += 1;
    } catch {
      bad += 1;
    }
  }
  return { records, bad };
}

export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function asNumber(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
