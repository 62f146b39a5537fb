/** LLM provider for Azure OpenAI chat completions: a deployment path, an `api-version` query and the `api-key` header. */
import { XivdigestError } from '../../core/errors.js';
import type { LlmProviderMetadata } from '../../core/llm.js';
import { createChatCompletionsProvider, defaultTimeoutMs, type OpenAiCompatibleProvider, type StructuredOutputsSetting } from '../openai-compatible/index.js';
import { maskUrl } from '../../core/redact.js';

export interface AzureProviderOptions {
  /** The resource endpoint, e.g. `https://my-resource.openai.azure.com` (a trailing `/openai` is tolerated). */
  baseUrl: string;
  /** Sent as the `api-key` header. */
  apiKey: string;
  /** The deployment name (OPENAI_AZURE_ENGINE); it stands for the model. */
  deployment: string;
  /**
   * The `api-version` query parameter (default {@link defaultAzureApiVersion}). JSON Schema output needs
   * 2024-08-01-preview or later; with `auto` older versions fall back to JSON mode. `v1` uses Azure's version-less
   * `/openai/v1/chat/completions` route, where the deployment goes in the body as the model.
   */
  apiVersion?: string;
  /** Default `auto`. */
  structuredOutputs?: StructuredOutputsSetting;
  strictJsonSchema?: boolean;
  headers?: Record<string, string>;
  queryParams?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
  /** Per-call timeout when the request gives none (default 60 000). */
  timeoutMs?: number;
}

/** The GA version that has chat completions and JSON Schema output (the original's 2022-12-01 had neither). */
export const defaultAzureApiVersion = '2024-10-21';

export const metadata: LlmProviderMetadata = {
  id: 'azure',
  requires: ['OPENAI_AZURE_API_KEY', 'OPENAI_AZURE_BASE', 'OPENAI_AZURE_ENGINE'],
  concurrent: true,
};

/**
 * Creates the provider. It reuses the chat-completions provider of `@ai-sdk/openai-compatible`: Azure speaks the
 * same body and answer, and differs only in the URL (deployment path plus `api-version`) and the `api-key` header,
 * which that SDK takes as `baseURL`, `queryParams` and `headers`. That keeps one code path for errors and fallbacks.
 */
export function createAzureProvider(options: AzureProviderOptions): OpenAiCompatibleProvider {
  const missing = [
    options.baseUrl ? undefined : 'OPENAI_AZURE_BASE',
    options.apiKey ? undefined : 'OPENAI_AZURE_API_KEY',
    options.deployment ? undefined : 'OPENAI_AZURE_ENGINE',
  ].filter((name): name is string => name !== undefined);
  if (missing.length > 0) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `The Azure OpenAI provider is missing ${missing.join(', ')}`,
      hint: 'Set OPENAI_AZURE_BASE, OPENAI_AZURE_API_KEY and OPENAI_AZURE_ENGINE (the deployment name)',
    });
  }
  const resource = azureResourceUrl(options.baseUrl);
  const apiVersion = options.apiVersion ?? defaultAzureApiVersion;
  const v1 = apiVersion === 'v1';
  return createChatCompletionsProvider({
    id: metadata.id,
    label: 'Azure OpenAI',
    baseUrl: v1 ? `${resource}/openai/v1` : `${resource}/openai/deployments/${encodeURIComponent(options.deployment)}`,
    modelId: options.deployment,
    headers: { ...options.headers, 'api-key': options.apiKey },
    queryParams: { ...options.queryParams, ...(v1 ? {} : { 'api-version': apiVersion }) },
    structuredOutputs: options.structuredOutputs ?? 'auto',
    strictJsonSchema: options.strictJsonSchema ?? true,
    timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
    secrets: [options.apiKey],
    authHint: 'Check OPENAI_AZURE_API_KEY (a key of the resource in OPENAI_AZURE_BASE)',
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** `https://x.openai.azure.com/`, `…/openai` and `…/openai/deployments/…` all become `https://x.openai.azure.com`. */
export function azureResourceUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl.trim());
  } catch {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `OPENAI_AZURE_BASE is not a URL: ${JSON.stringify(maskUrl(baseUrl))}`,
      hint: 'Set it to the resource endpoint, e.g. https://my-resource.openai.azure.com',
    });
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/openai(\/.*)?$/, '');
  return `${url.origin}${path}`;
}
