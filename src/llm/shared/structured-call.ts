/** One structured AI SDK call for the HTTP adapters: timeout, native or prompted JSON, and every failure as an XivdigestError. */
import { maskUrl, redact as redactText } from '../../core/redact.js';
// Types only at the top: the AI SDK (with @opentelemetry/api) loads on the first call, not when a command that never
// calls a hosted model starts (docs/decisions/0062-test-suite-time.md).
import type * as AiSdk from 'ai';
import type { APICallError, LanguageModel } from 'ai';
import { excerpt, XivdigestError } from '../../core/errors.js';
import { formatSeconds } from '../../core/format-seconds.js';
import { parseRetryAfter, parseRetryAfterMs } from '../../core/retry-after.js';
import type { LlmRequest, LlmResult, LlmUsage } from '../../core/llm.js';
import { usageFromOpenAi } from './usage.js';

/** How the answer's shape is requested: the API's JSON-Schema output, or plain JSON mode with the schema in the prompt. */
export type OutputMode = 'json-schema' | 'json-mode';

export interface StructuredCallSettings {
  /** Who answered, for messages: `OpenAI-compatible API`, `Azure OpenAI`, `Anthropic API`. */
  label: string;
  /** The endpoint, for messages (query secrets already masked by {@link maskUrl}). */
  endpoint: string;
  model: LanguageModel;
  mode: OutputMode;
  /** Used when the request has no `timeoutMs`. */
  defaultTimeoutMs: number;
  /** Values that must never appear in an error (API keys, tokens). */
  secrets: readonly string[];
  /** What to check when the API refuses the credentials, e.g. `Check OPENAI_API_KEY`. */
  authHint: string;
  /** Used when the request has no `maxOutputTokens`. */
  defaultMaxOutputTokens?: number;
  /**
   * Provider options of the system message, e.g. Anthropic's `cacheControl: { type: 'ephemeral' }` that marks the
   * instructions as a cached prefix (OpenAI and DeepSeek cache identical prefixes without being asked).
   */
  systemProviderOptions?: Record<string, Record<string, unknown>>;
  providerOptions?: Record<string, Record<string, string | number | boolean | null>>;
}

/** Runs one call and returns its facts; throws XivdigestError (LLM_* or ABORTED). Never retries. */
export async function callStructured(settings: StructuredCallSettings, request: LlmRequest): Promise<LlmResult> {
  const sdk = await import('ai');
  const { generateText, jsonSchema, NoObjectGeneratedError, Output } = sdk;
  const timeoutMs = request.timeoutMs ?? settings.defaultTimeoutMs;
  if (request.signal?.aborted) throw abortedError(settings);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onCallerAbort = (): void => controller.abort();
  request.signal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    const system = settings.mode === 'json-mode' ? `${request.system}\n\n${jsonModeInstruction(request)}` : request.system;
    const result = await generateText({
      model: settings.model,
      ...(settings.systemProviderOptions
        ? {
            // Our own instructions, not user input: the system message carries provider options (cache_control).
            allowSystemInMessages: true,
            messages: [
              { role: 'system' as const, content: system, providerOptions: settings.systemProviderOptions as never },
              { role: 'user' as const, content: request.prompt },
            ],
          }
        : { system, prompt: request.prompt }),
      output:
        settings.mode === 'json-schema'
          ? Output.object({ schema: jsonSchema(request.schema), name: request.schemaName })
          : Output.json({ name: request.schemaName }),
      maxOutputTokens: request.maxOutputTokens ?? settings.defaultMaxOutputTokens,
      temperature: request.temperature,
      // The enrichment scheduler owns retries, backoff and concurrency; the SDK's own retry would hide rate limits.
      maxRetries: 0,
      abortSignal: controller.signal,
      ...(settings.providerOptions ? { providerOptions: settings.providerOptions } : {}),
    });
    const headers = result.response.headers ?? {};
    const facts = {
      usage: toUsage(result.usage, result.response.body),
      model: result.response.modelId,
      finishReason: toFinishReason(result.finishReason),
      rateLimit: rateLimitFromHeaders(headers),
    };
    if (facts.finishReason === 'length') {
      throw outputInvalid(settings, result.text, facts, 'stopped at the output token limit, so the JSON is cut off');
    }
    if (result.text.trim() === '') throw outputInvalid(settings, result.text, facts, 'answered with empty content');
    return {
      object: result.output as unknown,
      text: result.text,
      usage: facts.usage,
      model: facts.model,
      finishReason: facts.finishReason,
      ...(facts.rateLimit ? { rateLimit: facts.rateLimit } : {}),
    };
  } catch (error) {
    if (XivdigestError.isInstance(error)) throw error;
    if (NoObjectGeneratedError.isInstance(error) && toFinishReason(error.finishReason) !== 'length') {
      // Models in JSON mode (and some servers) wrap the object in a Markdown fence or a sentence; take the object out.
      const object = jsonObjectInside(error.text ?? '');
      if (object !== undefined) {
        const rateLimit = rateLimitFromHeaders(error.response?.headers ?? {});
        return {
          object,
          text: error.text ?? '',
          usage: toUsage(error.usage),
          model: error.response?.modelId ?? '',
          finishReason: toFinishReason(error.finishReason),
          ...(rateLimit ? { rateLimit } : {}),
        };
      }
    }
    if (timedOut) {
      throw new XivdigestError({
        code: 'LLM_TIMEOUT',
        message: `${settings.label} did not answer POST ${settings.endpoint} within ${timeoutMs} ms`,
        hint: 'The call was aborted; raise the timeout (OPENAI_REQUEST_TIMEOUT, in seconds) if the model is slow',
        isRetryable: true,
        details: { url: settings.endpoint, timeoutMs },
      });
    }
    if (request.signal?.aborted) throw abortedError(settings);
    throw mapError(sdk, settings, error);
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onCallerAbort);
  }
}

/** The system-prompt addition of JSON mode: the schema in words, since the API only promises some JSON object. */
export function jsonModeInstruction(request: Pick<LlmRequest, 'schema' | 'schemaName'>): string {
  return (
    `Answer with one JSON object and nothing else: no Markdown code fence, no text before or after it. ` +
    `The object must follow this JSON Schema (${request.schemaName}):\n${JSON.stringify(request.schema)}`
  );
}

/** The JSON object inside a Markdown fence or between prose, or undefined when there is none that parses. */
export function jsonObjectInside(text: string): Record<string, unknown> | undefined {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text)?.[1];
  const candidate = fenced ?? text;
  const start = candidate.indexOf('{');
  const end = candidate.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    const value: unknown = JSON.parse(candidate.slice(start, end + 1));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

interface CallFacts {
  usage: LlmUsage;
  model: string;
  finishReason: LlmResult['finishReason'];
  rateLimit?: LlmResult['rateLimit'];
}

function abortedError(settings: StructuredCallSettings): XivdigestError {
  return new XivdigestError({
    code: 'ABORTED',
    message: `The call to ${settings.label} (POST ${settings.endpoint}) was aborted by the caller`,
    details: { url: settings.endpoint },
  });
}

const refusalPattern = /^\s*(?:I'?m sorry|I am sorry|I apologi[sz]e|I can(?:not|'t|’t)|As an AI|Sorry,|抱歉|对不起|很抱歉|我无法|我不能)/i;

function outputInvalid(settings: StructuredCallSettings, text: string, facts: CallFacts | undefined, what: string): XivdigestError {
  const refusal = refusalPattern.test(text) || facts?.finishReason === 'content-filter';
  const shown = text.trim() === '' ? '(empty)' : redact(excerpt(text), settings.secrets);
  const why = refusal && !/empty|cut off/.test(what) ? `refused instead of answering with JSON` : what;
  return new XivdigestError({
    code: 'LLM_OUTPUT_INVALID',
    message: `${settings.label} ${why} (POST ${settings.endpoint}, finish reason ${facts?.finishReason ?? 'unknown'}): ${shown}`,
    hint: facts?.finishReason === 'length' ? 'Raise maxOutputTokens, or shorten the input' : 'The answer can be repaired or asked for again',
    isRetryable: false,
    details: {
      url: settings.endpoint,
      body: shown,
      refusal,
      ...(facts ? { finishReason: facts.finishReason, usage: facts.usage, model: facts.model } : {}),
    },
  });
}

/** Turns anything the SDK throws into an XivdigestError, with the URL, status and a body excerpt, and no secret. */
function mapError(sdk: typeof AiSdk, settings: StructuredCallSettings, error: unknown): XivdigestError {
  const { APICallError, InvalidResponseDataError, NoObjectGeneratedError, NoOutputGeneratedError } = sdk;
  if (NoObjectGeneratedError.isInstance(error)) {
    const facts: CallFacts = {
      usage: toUsage(error.usage),
      model: error.response?.modelId ?? '',
      finishReason: toFinishReason(error.finishReason),
    };
    const text = error.text ?? '';
    if (facts.finishReason === 'length') return outputInvalid(settings, text, facts, 'stopped at the output token limit, so the JSON is cut off');
    if (text.trim() === '') return outputInvalid(settings, text, facts, 'answered with empty content');
    return outputInvalid(settings, text, facts, 'answered with text that is not valid JSON');
  }
  if (APICallError.isInstance(error)) return mapApiCallError(settings, error);
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  // InvalidResponseDataError (no choices) and NoOutputGeneratedError mean the model gave nothing usable.
  const isOutput = InvalidResponseDataError.isInstance(error) || NoOutputGeneratedError.isInstance(error);
  return new XivdigestError({
    code: isOutput ? 'LLM_OUTPUT_INVALID' : 'LLM_UNAVAILABLE',
    message: `${settings.label} call failed (POST ${settings.endpoint}): ${redact(excerpt(message), settings.secrets)}`,
    cause: safeCause(error, settings.secrets),
    isRetryable: false,
    details: { url: settings.endpoint, errorName: name },
  });
}

function mapApiCallError(settings: StructuredCallSettings, error: APICallError): XivdigestError {
  const status = error.statusCode;
  const url = maskUrl(error.url || settings.endpoint);
  const headers = error.responseHeaders ?? {};
  const body = redact(excerpt(error.responseBody ?? error.message, 300), settings.secrets);
  const cause = safeCause(error, settings.secrets);
  const base = { url, status, body };
  if (status === undefined) {
    // No HTTP answer: connection refused or reset, DNS, TLS. The SDK already marks these retryable.
    const reason = redact(excerpt(error.message), settings.secrets);
    return new XivdigestError({
      code: 'LLM_UNAVAILABLE',
      message: `${settings.label} could not be reached for POST ${url}: ${reason}`,
      hint: 'Check that the server is running and the base URL is right; the call can be retried',
      cause,
      isRetryable: true,
      details: { url, reason },
    });
  }
  const what = `${settings.label} returned ${status} for POST ${url}`;
  const quota = /insufficient_quota|insufficient[ _]balance|exceeded your current quota|credit balance is too low|billing/i.test(error.responseBody ?? '');
  // OpenAI says 429 insufficient_quota, DeepSeek 402, Anthropic 400 "credit balance is too low": no retry helps.
  if (status === 401 || status === 403 || status === 402 || ((status === 429 || status === 400) && quota)) {
    return new XivdigestError({
      code: 'LLM_AUTH',
      message: `${what}: ${body}`,
      hint: quota || status === 402 ? `${settings.authHint}: the account has no quota or credit left (plan and billing)` : settings.authHint,
      cause,
      isRetryable: false,
      details: base,
    });
  }
  if (status === 429) {
    const retryAfterMs = retryAfterMsFromHeaders(headers);
    const wait = retryAfterMs === undefined ? '' : `; retry in ${formatSeconds(retryAfterMs)} (${retryAfterSource(headers)})`;
    return new XivdigestError({
      code: 'LLM_RATE_LIMITED',
      message: `${what}: ${body}${wait}`,
      hint: 'Lower the concurrency or the requests per minute for this provider',
      cause,
      isRetryable: true,
      details: { ...base, ...(retryAfterMs === undefined ? {} : { retryAfterMs }), rateLimit: rateLimitFromHeaders(headers) },
    });
  }
  if (status === 404) {
    return new XivdigestError({
      code: 'LLM_MODEL_MISSING',
      message: `${what}: ${body}`,
      hint: 'Check the model (or Azure deployment) name and the base URL',
      cause,
      isRetryable: false,
      details: base,
    });
  }
  if (status >= 500 || status === 408 || status === 409) {
    const retryAfterMs = retryAfterMsFromHeaders(headers);
    return new XivdigestError({
      code: 'LLM_UNAVAILABLE',
      message: `${what}: ${body}`,
      hint: 'The API is failing or overloaded; the call can be retried later',
      cause,
      isRetryable: true,
      details: { ...base, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
    });
  }
  if (status >= 200 && status < 300) {
    // A 2xx whose body is not the protocol's JSON: a proxy's HTML page, or a body cut off in transit.
    return new XivdigestError({
      code: 'LLM_UNAVAILABLE',
      message: `${what}, but the body is not a valid response of that API: ${body}`,
      hint: 'Check that the base URL points at the API itself, not at a web page or proxy login',
      cause,
      isRetryable: true,
      details: base,
    });
  }
  const contentFilter = /content_filter|content management policy|ResponsibleAIPolicyViolation/i.test(error.responseBody ?? '');
  return new XivdigestError({
    code: contentFilter ? 'LLM_OUTPUT_INVALID' : 'LLM_UNAVAILABLE',
    message: `${what}: ${body}`,
    hint: contentFilter
      ? 'The provider filtered this paper; another model or provider may answer'
      : 'The API rejected the request; check the model and its parameters (max tokens, temperature, response format)',
    cause,
    isRetryable: false,
    details: { ...base, ...(contentFilter ? { refusal: true, finishReason: 'content-filter' } : {}) },
  });
}

/** The cause, kept only when no secret shows in it (some proxies echo the key in their error body). */
function safeCause(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof Error)) return undefined;
  const fields = error as { responseBody?: string; url?: string; cause?: unknown };
  const texts = [error.message, fields.responseBody ?? '', fields.url ?? '', String(fields.cause ?? '')];
  if (secrets.some((secret) => secret.length >= 4 && texts.some((text) => text.includes(secret)))) {
    return new Error(redact(error.message, secrets));
  }
  return error;
}

/** Replaces each secret (of 4 characters or more) with `***` (the one set of rules in core/redact.ts). */
export function redact(text: string, secrets: readonly string[]): string {
  return redactText(text, secrets);
}

type Headers = Record<string, string | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * How long to wait before the next call, from `retry-after-ms` (OpenAI, Azure), `Retry-After` (RFC 9110 §10.2.3:
 * seconds or an HTTP date), then the reset time of the exhausted `x-ratelimit-*` or `anthropic-ratelimit-*` window.
 */
export function retryAfterMsFromHeaders(headers: Headers, now = Date.now()): number | undefined {
  const ms = parseRetryAfterMs(header(headers, 'retry-after-ms'));
  if (ms !== undefined) return ms;
  const retryAfter = parseRetryAfter(header(headers, 'retry-after'), now, header(headers, 'date'));
  if (retryAfter !== undefined) return retryAfter;
  const limits = rateLimitFromHeaders(headers, now);
  const requestsReset = resetMs(headers, 'requests', now);
  const tokensReset = resetMs(headers, 'tokens', now);
  if (limits?.remainingRequests === 0 && requestsReset !== undefined) return requestsReset;
  if (limits?.remainingTokens === 0 && tokensReset !== undefined) return tokensReset;
  const resets = [requestsReset, tokensReset].filter((value): value is number => value !== undefined);
  return resets.length > 0 ? Math.max(...resets) : undefined;
}

function retryAfterSource(headers: Headers): string {
  if (header(headers, 'retry-after-ms') !== undefined) return 'retry-after-ms';
  if (header(headers, 'retry-after') !== undefined) return 'Retry-After';
  return 'rate-limit reset header';
}

function resetMs(headers: Headers, kind: 'requests' | 'tokens', now: number): number | undefined {
  const openai = header(headers, `x-ratelimit-reset-${kind}`);
  if (openai !== undefined) return parseDuration(openai, now);
  const anthropic = header(headers, `anthropic-ratelimit-${kind}-reset`);
  if (anthropic !== undefined) return parseDuration(anthropic, now);
  return undefined;
}

/** Reads OpenAI durations (`1s`, `6m0s`, `20ms`, `1h2m3.5s`), bare seconds, or an RFC 3339 time (Anthropic). */
export function parseDuration(value: string, now = Date.now()): number | undefined {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(text)) {
    let total = 0;
    for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
      const amount = Number(match[1]);
      const unit = match[2];
      total += unit === 'ms' ? amount : unit === 's' ? amount * 1000 : unit === 'm' ? amount * 60_000 : amount * 3_600_000;
    }
    return Math.round(total);
  }
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function headerNumber(headers: Headers, ...names: string[]): number | undefined {
  for (const name of names) {
    const value = header(headers, name);
    if (value !== undefined && Number.isFinite(Number(value))) return Number(value);
  }
  return undefined;
}

/** Rate-limit headroom from `x-ratelimit-remaining-*` (OpenAI, Azure, most compatible APIs) or `anthropic-ratelimit-*`. */
export function rateLimitFromHeaders(headers: Headers, now = Date.now()): LlmResult['rateLimit'] {
  const remainingRequests = headerNumber(headers, 'x-ratelimit-remaining-requests', 'anthropic-ratelimit-requests-remaining');
  const remainingTokens = headerNumber(
    headers,
    'x-ratelimit-remaining-tokens',
    'anthropic-ratelimit-tokens-remaining',
    'anthropic-ratelimit-input-tokens-remaining',
  );
  const reset = resetMs(headers, 'requests', now) ?? resetMs(headers, 'tokens', now);
  if (remainingRequests === undefined && remainingTokens === undefined && reset === undefined) return undefined;
  return {
    ...(remainingRequests === undefined ? {} : { remainingRequests }),
    ...(remainingTokens === undefined ? {} : { remainingTokens }),
    ...(reset === undefined ? {} : { resetMs: reset }),
  };
}

interface SdkUsage {
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  totalTokens?: number | undefined;
  inputTokenDetails?: { cacheReadTokens?: number | undefined; cacheWriteTokens?: number | undefined } | undefined;
}

/**
 * The SDK's usage, with the cached prompt tokens: the SDK reads OpenAI's `prompt_tokens_details.cached_tokens` and
 * Anthropic's `cache_read_input_tokens`/`cache_creation_input_tokens`; DeepSeek's `prompt_cache_hit_tokens` is read
 * from the raw body (`rawBody`), which the SDK does not map.
 */
function toUsage(usage: SdkUsage | undefined, rawBody?: unknown): LlmUsage {
  const inputTokens = usage?.inputTokens ?? 0;
  const outputTokens = usage?.outputTokens ?? 0;
  let cached = usage?.inputTokenDetails?.cacheReadTokens ?? 0;
  const written = usage?.inputTokenDetails?.cacheWriteTokens ?? 0;
  if (cached === 0 && typeof rawBody === 'object' && rawBody !== null) {
    cached = usageFromOpenAi((rawBody as { usage?: unknown }).usage).cachedInputTokens ?? 0;
  }
  return {
    inputTokens,
    outputTokens,
    totalTokens: usage?.totalTokens ?? inputTokens + outputTokens,
    ...(cached > 0 ? { cachedInputTokens: cached } : {}),
    ...(written > 0 ? { cacheWriteTokens: written } : {}),
  };
}

function toFinishReason(reason: string | undefined): LlmResult['finishReason'] {
  switch (reason) {
    case 'stop':
    case 'length':
    case 'content-filter':
    case 'error':
    case 'other':
      return reason;
    case 'tool-calls':
      return 'other';
    default:
      return 'unknown';
  }
}

/** True when a 400 says the API does not take the JSON-Schema output format (old models, Azure api-versions, some servers). */
export function saysSchemaOutputUnsupported(error: XivdigestError): boolean {
  const status = error.details.status;
  if (status !== 400 && status !== 422) return false;
  const body = String(error.details.body ?? '');
  const aboutFormat = /response_format|json_schema|structured[ _-]?output|output_config|output_format/i.test(body);
  const unsupported =
    /not supported|unsupported|not available|unavailable|only (?:supported|available|enabled)|enabled only|does not support|doesn't support|not permitted|not allowed|unknown|unrecognized|extra (?:inputs|fields)|invalid parameter|"param":\s*"response_format"/i.test(
      body,
    );
  return aboutFormat && unsupported;
}
