/** LLM provider for Anthropic's Messages API, with structured output as `@ai-sdk/anthropic` does it for each model. */
import type { LanguageModel } from 'ai';
import { XivdigestError } from '../../core/errors.js';
import type { LlmProvider, LlmProviderMetadata, LlmRequest, LlmResult } from '../../core/llm.js';
import { callStructured, saysSchemaOutputUnsupported } from '../shared/structured-call.js';
import { maskUrl } from '../../core/redact.js';
import { apiRoot } from '../../core/api-root.js';

/**
 * How the schema is sent. `output-format`: `output_config.format` (native structured outputs, Claude 4.5 and later);
 * `json-tool`: a forced tool named `json` whose `input_schema` is the schema. `auto` (default): what the SDK picks for
 * the model, and `json-tool` for good after a 400 saying `output_config` is not accepted (older models, proxies).
 */
export type AnthropicStructuredOutputs = 'auto' | 'output-format' | 'json-tool';

export interface AnthropicProviderOptions {
  apiKey: string;
  /** e.g. `claude-haiku-4-5`, `claude-sonnet-4-5`. */
  model: string;
  /** Default `https://api.anthropic.com`; `/v1` is appended when missing (ANTHROPIC_BASE_URL is usually without it). */
  baseUrl?: string;
  structuredOutputs?: AnthropicStructuredOutputs;
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
  /** Per-call timeout when the request gives none (default 60 000). */
  timeoutMs?: number;
  /** `max_tokens` when the request gives none (default 4096; the API requires one, the SDK would use the model's maximum). */
  maxOutputTokens?: number;
}

export interface AnthropicProvider extends LlmProvider {
  /** The mode in use now. */
  readonly structuredOutputs: AnthropicStructuredOutputs;
}

export const metadata: LlmProviderMetadata = {
  id: 'anthropic',
  requires: ['ANTHROPIC_API_KEY'],
  concurrent: true,
};

export const defaultAnthropicBaseUrl = 'https://api.anthropic.com';

/** Creates the provider; throws CONFIG_INVALID for a missing key or model. */
export function createAnthropicProvider(options: AnthropicProviderOptions): AnthropicProvider {
  if (!options.apiKey || !options.model) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `The Anthropic provider is missing ${!options.apiKey ? 'its API key' : 'a model'}`,
      hint: 'Set ANTHROPIC_API_KEY (and the model in the configuration)',
    });
  }
  const root = messagesRoot(options.baseUrl ?? defaultAnthropicBaseUrl);
  // baseURL and apiKey are always passed: otherwise the SDK would read ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY from
  // process.env itself, and only the config loader may read the environment.
  // The SDK loads on the first call (docs/decisions/0062-test-suite-time.md).
  let model: Promise<LanguageModel> | undefined;
  const loadModel = (): Promise<LanguageModel> =>
    (model ??= import('@ai-sdk/anthropic').then(({ createAnthropic }) =>
      createAnthropic({
        baseURL: root,
        apiKey: options.apiKey,
        ...(options.headers ? { headers: options.headers } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }).messages(options.model),
    ));
  const endpoint = maskUrl(`${root}/messages`);
  const setting = options.structuredOutputs ?? 'auto';
  let mode: AnthropicStructuredOutputs = setting;

  const call = async (request: LlmRequest, callMode: AnthropicStructuredOutputs): Promise<LlmResult> =>
    callStructured(
      {
        label: 'Anthropic API',
        endpoint,
        model: await loadModel(),
        mode: 'json-schema',
        defaultTimeoutMs: options.timeoutMs ?? 60_000,
        defaultMaxOutputTokens: options.maxOutputTokens ?? 4096,
        secrets: [options.apiKey],
        authHint: 'Check ANTHROPIC_API_KEY',
        // The instructions are the same for every paper: mark them as a cached prefix (read back at 10 % of the price).
        systemProviderOptions: { anthropic: { cacheControl: { type: 'ephemeral' } } },
        providerOptions: {
          anthropic: { structuredOutputMode: callMode === 'output-format' ? 'outputFormat' : callMode === 'json-tool' ? 'jsonTool' : 'auto' },
        },
      },
      request,
    );

  return {
    id: metadata.id,
    modelId: options.model,
    get structuredOutputs() {
      return mode;
    },
    async generate(request) {
      const callMode = mode;
      try {
        return await call(request, callMode);
      } catch (error) {
        if (setting === 'auto' && callMode === 'auto' && XivdigestError.isInstance(error) && saysSchemaOutputUnsupported(error)) {
          mode = 'json-tool';
          return call(request, 'json-tool');
        }
        throw error;
      }
    },
  };
}

/** `https://api.anthropic.com` → `https://api.anthropic.com/v1`; a trailing `/messages` is dropped. */
export function messagesRoot(baseUrl: string): string {
  return apiRoot(baseUrl, { endpoint: '/messages', what: 'The Anthropic base URL', hint: 'Set ANTHROPIC_BASE_URL to e.g. https://api.anthropic.com' });
}
