/** LLM provider for OpenAI chat completions and the APIs that copy it: DeepSeek, Qwen, Moonshot, Zhipu, OpenRouter, Ollama, vLLM, llama.cpp. */
import type { LanguageModel } from 'ai';
import { XivdigestError } from '../../core/errors.js';
import type { LlmProvider, LlmProviderMetadata, LlmRequest, LlmResult } from '../../core/llm.js';
import { callStructured, saysSchemaOutputUnsupported, type OutputMode } from '../shared/structured-call.js';
import { maskUrl } from '../../core/redact.js';
import { apiQuery, apiRoot } from '../../core/api-root.js';

/** `auto`: JSON Schema output first; after a 400 saying it is unsupported, JSON mode with the schema in the prompt. */
export type StructuredOutputsSetting = 'json-schema' | 'json-mode' | 'auto';

export interface OpenAiCompatibleProviderOptions {
  /**
   * The API root: `https://api.openai.com`, `https://api.deepseek.com`, `http://localhost:11434/v1`,
   * `https://open.bigmodel.cn/api/paas/v4`. `/v1` is appended when the path has no version segment, as the original
   * system did; a trailing `/chat/completions` is dropped.
   */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; local servers need none. */
  apiKey?: string;
  model: string;
  /** Default `auto`. */
  structuredOutputs?: StructuredOutputsSetting;
  /** OpenAI's `strict` flag of `response_format.json_schema` (default true; strict needs every property required). */
  strictJsonSchema?: boolean;
  /** Extra request headers (OpenRouter's `HTTP-Referer`, an organization header, …). */
  headers?: Record<string, string>;
  queryParams?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
  /** Per-call timeout when the request gives none (default 60 000, the original's OPENAI_REQUEST_TIMEOUT of 60 s). */
  timeoutMs?: number;
}

/** The provider, with the output mode it uses now (`auto` may have switched to `json-mode`). */
export interface OpenAiCompatibleProvider extends LlmProvider {
  readonly structuredOutputs: OutputMode;
}

export const metadata: LlmProviderMetadata = {
  id: 'openai-compatible',
  requires: ['OPENAI_API_KEY'],
  concurrent: true,
};

export const defaultTimeoutMs = 60_000;

/** Creates the provider; throws CONFIG_INVALID for a missing model or an unusable base URL. */
export function createOpenAiCompatibleProvider(options: OpenAiCompatibleProviderOptions): OpenAiCompatibleProvider {
  if (!options.model) {
    throw new XivdigestError({ code: 'CONFIG_INVALID', message: 'The OpenAI-compatible provider needs a model', hint: 'Set OPENAI_API_MODEL or llm.model' });
  }
  const { root, query } = chatCompletionsRoot(options.baseUrl);
  return createChatCompletionsProvider({
    id: metadata.id,
    label: 'OpenAI-compatible API',
    baseUrl: root,
    modelId: options.model,
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    headers: options.headers ?? {},
    queryParams: { ...query, ...options.queryParams },
    structuredOutputs: options.structuredOutputs ?? 'auto',
    strictJsonSchema: options.strictJsonSchema ?? true,
    timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
    secrets: options.apiKey ? [options.apiKey] : [],
    authHint: 'Check OPENAI_API_KEY (and OPENAI_API_BASE: the key must belong to that API)',
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/**
 * Normalizes a base URL to the root under which `/chat/completions` lives: appends `/v1` unless a path segment is
 * already a version (`/v1`, `/v4`, `/v1beta`), and drops a trailing `/chat/completions`. A query string in the base
 * URL comes back as `query`, since the SDK appends the path to the root.
 */
export function chatCompletionsRoot(baseUrl: string): { root: string; query: Record<string, string> } {
  const options = {
    endpoint: '/chat/completions',
    what: 'The OpenAI-compatible base URL',
    hint: 'Set OPENAI_API_BASE to e.g. https://api.openai.com or http://localhost:11434/v1',
  };
  return { root: apiRoot(baseUrl, options), query: apiQuery(baseUrl, options) };
}

/** Settings of a chat-completions provider; shared with the Azure adapter, which differs only in URL and auth. */
export interface ChatCompletionsSettings {
  id: string;
  label: string;
  /** The root under which `/chat/completions` lives. */
  baseUrl: string;
  modelId: string;
  apiKey?: string;
  headers: Record<string, string>;
  queryParams: Record<string, string>;
  structuredOutputs: StructuredOutputsSetting;
  strictJsonSchema: boolean;
  timeoutMs: number;
  secrets: string[];
  authHint: string;
  fetch?: typeof globalThis.fetch;
}

/** A chat-completions provider over `@ai-sdk/openai-compatible`, with the `auto` fallback to JSON mode. */
export function createChatCompletionsProvider(settings: ChatCompletionsSettings): OpenAiCompatibleProvider {
  const sdkSettings = {
    name: 'openai-compatible',
    baseURL: settings.baseUrl,
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    headers: settings.headers,
    ...(Object.keys(settings.queryParams).length > 0 ? { queryParams: settings.queryParams } : {}),
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
  };
  // Two models: one asks for `response_format: json_schema`, the other for `json_object` (JSON mode).
  // The SDK loads on the first call (docs/decisions/0062-test-suite-time.md).
  let models: Promise<Record<OutputMode, LanguageModel>> | undefined;
  const loadModels = (): Promise<Record<OutputMode, LanguageModel>> =>
    (models ??= import('@ai-sdk/openai-compatible').then(({ createOpenAICompatible }) => ({
      'json-schema': createOpenAICompatible({ ...sdkSettings, supportsStructuredOutputs: true }).chatModel(settings.modelId),
      'json-mode': createOpenAICompatible({ ...sdkSettings, supportsStructuredOutputs: false }).chatModel(settings.modelId),
    })));
  const endpointUrl = new URL(`${settings.baseUrl}/chat/completions`);
  for (const [name, value] of Object.entries(settings.queryParams)) endpointUrl.searchParams.set(name, value);
  const endpoint = maskUrl(endpointUrl.toString());
  let mode: OutputMode = settings.structuredOutputs === 'json-mode' ? 'json-mode' : 'json-schema';

  const call = async (request: LlmRequest, callMode: OutputMode): Promise<LlmResult> =>
    callStructured(
      {
        label: settings.label,
        endpoint,
        model: (await loadModels())[callMode],
        mode: callMode,
        defaultTimeoutMs: settings.timeoutMs,
        secrets: settings.secrets,
        authHint: settings.authHint,
        providerOptions: { openaiCompatible: { strictJsonSchema: settings.strictJsonSchema } },
      },
      request,
    );

  return {
    id: settings.id,
    modelId: settings.modelId,
    get structuredOutputs() {
      return mode;
    },
    async generate(request) {
      const callMode = mode;
      try {
        return await call(request, callMode);
      } catch (error) {
        if (settings.structuredOutputs === 'auto' && callMode === 'json-schema' && XivdigestError.isInstance(error) && saysSchemaOutputUnsupported(error)) {
          // Not a retry of a failure: the API told us what it speaks. Switch for the rest of this provider's life.
          mode = 'json-mode';
          return call(request, 'json-mode');
        }
        throw error;
      }
    },
  };
}
