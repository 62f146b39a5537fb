/** Embeddings from an OpenAI-compatible API: `POST {baseUrl}/embeddings` (OpenAI, Azure-style proxies, Ollama, vLLM, llama.cpp server). */
import { XivdigestError, excerpt } from '../../core/errors.js';
import { parseRetryAfter, parseRetryAfterMs } from '../../core/retry-after.js';
import { abortableSleep } from '../../core/sleep.js';
import type { Embedder } from './index.js';
import { apiRoot } from '../../core/api-root.js';

export interface OpenAiEmbedderOptions {
  /** `https://api.openai.com`, `http://localhost:11434/v1`; `/v1` is added when the path has no version segment. */
  baseUrl: string;
  apiKey?: string;
  /** `text-embedding-3-small`, `nomic-embed-text`, … */
  model: string;
  /** Texts per request (default 64; OpenAI accepts up to 2,048). */
  batchSize?: number;
  /** OpenAI's `dimensions` (text-embedding-3 models can shorten their vectors). */
  dimensions?: number;
  /** Per-request timeout (default 60 000 ms). */
  timeoutMs?: number;
  /** Retries after 429 and 5xx (default 3); a `Retry-After` longer than `maxRetryDelayMs` (default 60 000) fails at once. */
  maxRetries?: number;
  maxRetryDelayMs?: number;
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
}

export const metadata = { id: 'openai-embeddings', requires: ['OPENAI_API_KEY'] };

/**
 * Creates an embedder over `/embeddings` (OpenAI API reference, "Create embeddings": `{ model, input: string[] }` →
 * `{ data: [{ embedding, index }] }`). Errors: LLM_AUTH (401/403), LLM_RATE_LIMITED (429 after the retries;
 * `details.retryAfterMs`), LLM_MODEL_MISSING (404 naming the model), LLM_UNAVAILABLE (other statuses, network),
 * LLM_TIMEOUT, LLM_OUTPUT_INVALID (a body without one vector per input). The key never appears in an error.
 */
export function createOpenAiEmbedder(options: OpenAiEmbedderOptions): Embedder {
  if (!options.model) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: 'The embeddings API needs a model',
      hint: 'Set rank.embedding.model, e.g. text-embedding-3-small',
    });
  }
  const endpoint = `${embeddingsRoot(options.baseUrl)}/embeddings`;
  const batchSize = Math.max(1, options.batchSize ?? 64);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxRetries = options.maxRetries ?? 3;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 60_000;
  const fetcher = options.fetch ?? globalThis.fetch;
  const hide = (text: string): string => (options.apiKey ? text.split(options.apiKey).join('***') : text);

  async function post(input: string[], signal: AbortSignal | undefined): Promise<number[][]> {
    const body = JSON.stringify({ model: options.model, input, ...(options.dimensions ? { dimensions: options.dimensions } : {}) });
    for (let attempt = 0; ; attempt += 1) {
      const timeout = AbortSignal.timeout(timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let response: Response;
      let text: string;
      try {
        response = await fetcher(endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
            ...options.headers,
          },
          body,
          signal: combined,
        });
        text = await response.text();
      } catch (cause) {
        if (signal?.aborted) throw new XivdigestError({ code: 'ABORTED', message: `Embedding request to ${endpoint} aborted`, cause });
        if (timeout.aborted) {
          throw new XivdigestError({
            code: 'LLM_TIMEOUT',
            message: `Embedding request to ${endpoint} took longer than ${timeoutMs} ms`,
            hint: 'Raise rank.embedding.timeoutMs or lower batchSize',
            isRetryable: true,
            cause,
            details: { url: endpoint, timeoutMs },
          });
        }
        if (attempt < maxRetries) {
          await sleep(500 * 2 ** attempt, signal);
          continue;
        }
        throw new XivdigestError({
          code: 'LLM_UNAVAILABLE',
          message: `Embedding API at ${endpoint} could not be reached: ${hide((cause as Error).message)}`,
          hint: 'Check rank.embedding.baseUrl and that the server is running',
          isRetryable: true,
          cause,
          details: { url: endpoint },
        });
      }
      if (response.ok) return parseVectors(text, input.length);
      const retryAfterMs = retryAfter(response.headers);
      const retryable = response.status === 429 || response.status >= 500;
      if (retryable && attempt < maxRetries && (retryAfterMs ?? 0) <= maxRetryDelayMs) {
        await sleep(retryAfterMs ?? 500 * 2 ** attempt, signal);
        continue;
      }
      const details = { url: endpoint, status: response.status, body: hide(excerpt(text)), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
      const where = `Embedding API returned ${response.status} for POST ${endpoint}: ${hide(excerpt(text))}`;
      if (response.status === 401 || response.status === 403) {
        throw new XivdigestError({ code: 'LLM_AUTH', message: where, hint: 'Check the API key of rank.embedding (it must belong to that API)', details });
      }
      if (response.status === 429) {
        throw new XivdigestError({ code: 'LLM_RATE_LIMITED', message: where, hint: 'Lower batchSize or try again later', isRetryable: true, details });
      }
      if (response.status === 404 && text.includes(options.model)) {
        throw new XivdigestError({
          code: 'LLM_MODEL_MISSING',
          message: where,
          hint: `Check rank.embedding.model: ${options.model} is not served there`,
          details,
        });
      }
      throw new XivdigestError({
        code: 'LLM_UNAVAILABLE',
        message: where,
        hint: response.status === 404 ? 'Check rank.embedding.baseUrl: the server has no /embeddings route there' : 'Try again later',
        isRetryable: retryable,
        details,
      });
    }
  }

  function parseVectors(text: string, count: number): number[][] {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw invalid(`a body that is not JSON: ${hide(excerpt(text))}`, cause);
    }
    const data = (value as { data?: unknown })?.data;
    if (!Array.isArray(data)) throw invalid('no "data" array');
    const vectors: number[][] = new Array(count);
    data.forEach((entry: { embedding?: unknown; index?: unknown }, position) => {
      const index = typeof entry?.index === 'number' ? entry.index : position;
      if (!Array.isArray(entry?.embedding) || !entry.embedding.every((number) => typeof number === 'number')) {
        throw invalid(`data[${position}].embedding is not an array of numbers (base64 encoding is not supported)`);
      }
      if (index < 0 || index >= count) throw invalid(`data[${position}].index ${index} is out of range for ${count} inputs`);
      vectors[index] = entry.embedding as number[];
    });
    for (let index = 0; index < count; index += 1) if (!vectors[index]) throw invalid(`no embedding for input ${index} of ${count}`);
    return vectors;
  }

  function invalid(what: string, cause?: unknown): XivdigestError {
    return new XivdigestError({
      code: 'LLM_OUTPUT_INVALID',
      message: `Embedding API at ${endpoint} returned ${what}`,
      hint: 'Check that rank.embedding.baseUrl points at an OpenAI-compatible /embeddings endpoint',
      cause,
      details: { url: endpoint, model: options.model },
    });
  }

  return {
    model: options.model,
    async embed(texts, signal) {
      const vectors: number[][] = [];
      for (let start = 0; start < texts.length; start += batchSize) vectors.push(...(await post(texts.slice(start, start + batchSize), signal)));
      return vectors;
    },
  };
}

/** `https://api.openai.com` → `https://api.openai.com/v1`; keeps `/v1`, `/v4`, …; drops a trailing `/embeddings`. */
export function embeddingsRoot(baseUrl: string): string {
  return apiRoot(baseUrl, { endpoint: '/embeddings', what: 'The embeddings base URL', hint: 'Set e.g. https://api.openai.com' });
}

function retryAfter(headers: Headers): number | undefined {
  return parseRetryAfterMs(headers.get('retry-after-ms')) ?? parseRetryAfter(headers.get('retry-after'), Date.now(), headers.get('date'));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return abortableSleep(ms, signal, () => new XivdigestError({ code: 'ABORTED', message: 'Embedding request aborted' }));
}
