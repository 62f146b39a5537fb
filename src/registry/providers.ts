/**
 * The LLM provider registry: each provider's settings, taken from the config file, the environment's variables for it
 * (the original system's OPENAI_*, plus ANTHROPIC_*) and command-line flags, and its adapter, loaded on demand.
 * `llm.provider`, `enrich --provider` and `chooseProvider` (src/app-llm.ts) are derived from it.
 */
import type { LlmConfig } from '../core/config/schema.js';
import { XivdigestError } from '../core/errors.js';
import type { LlmProvider, LlmProviderMetadata } from '../core/llm.js';
import type { EnvProviderSelection } from '../llm/env.js';
import type { BatchClient } from '../llm/batch/index.js';
import type { ModelProgressEvent } from '../llm/llama-cpp/model-file.js';
import { registryIds, type RegistryEntry } from './registry.js';

/** What a provider's factory gets: the config, the environment's settings for this provider, and the flags' choices. */
export interface ProviderInput {
  config: LlmConfig;
  /** The LLM variables of the environment (LoadedConfig.llmEnvironment). */
  environment: Readonly<Record<string, string | undefined>>;
  /** What the environment's variables name, when they name the chosen provider (each factory takes its own kind's options). */
  fromEnv: EnvProviderSelection | undefined;
  /** `--model` (over the config's). */
  modelOverride?: string;
  /** `--model`, else `llm.model`. */
  model?: string;
  /** `--base-url`, else `llm.baseUrl`. */
  baseUrl?: string;
  onModelProgress?: (event: ModelProgressEvent) => void;
}

export interface ProviderFactory {
  /** The adapter's own metadata: the environment variables it needs. */
  metadata: LlmProviderMetadata;
  /**
   * The provider, and where its settings came from (for `--verbose` and run reports: never the key); its batch API
   * (half price, made on first use) or why it has none (docs/decisions/0034).
   */
  create(input: ProviderInput): {
    provider: LlmProvider;
    description: string;
    batch?: () => BatchClient;
    batchUnsupported?: string;
    /** The account the calls are billed and rate-limited on: its endpoint and key (the key only ever hashed, for the queue's name). */
    account?: { endpoint: string; key?: string };
  };
}

const DEFAULT_OPENAI_BASE = 'https://api.openai.com';

function missing(what: string, hint: string): XivdigestError {
  return new XivdigestError({ code: 'CONFIG_INVALID', message: `No ${what} is configured`, hint });
}

export const providers = {
  'openai-compatible': {
    description: 'any OpenAI-compatible chat completions API (OpenAI, Ollama, vLLM, llama.cpp server)',
    load: async () => {
      const [{ createOpenAiCompatibleProvider, metadata }, { createOpenAiBatchClient }] = await Promise.all([
        import('../llm/openai-compatible/index.js'),
        import('../llm/batch/index.js'),
      ]);
      return {
        metadata,
        create: ({ config, fromEnv, model, baseUrl }) => {
          const env = fromEnv?.kind === 'openai-compatible' ? fromEnv.options : undefined;
          const resolvedModel = model ?? env?.model;
          if (!resolvedModel) throw missing('a model for the OpenAI-compatible API', 'Set OPENAI_API_MODEL, llm.model, or --model');
          const settings = {
            ...env,
            baseUrl: baseUrl ?? env?.baseUrl ?? DEFAULT_OPENAI_BASE,
            model: resolvedModel,
            structuredOutputs: config.structuredOutputs,
            ...(config.apiKey ? { apiKey: config.apiKey } : {}),
            ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
          };
          const batch = () =>
            createOpenAiBatchClient({
              baseUrl: settings.baseUrl,
              model: settings.model,
              structuredOutputs: settings.structuredOutputs,
              ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
            });
          return {
            provider: createOpenAiCompatibleProvider(settings),
            description: `openai-compatible ${settings.model} at ${settings.baseUrl}`,
            batch,
            account: { endpoint: settings.baseUrl, ...(settings.apiKey ? { key: settings.apiKey } : {}) },
          };
        },
      };
    },
  },
  azure: {
    description: 'Azure OpenAI (the original OPENAI_AZURE_* variables)',
    load: async () => {
      const { createAzureProvider, metadata } = await import('../llm/azure/index.js');
      return {
        metadata,
        create: ({ config, fromEnv, model, baseUrl }) => {
          const env = fromEnv?.kind === 'azure' ? fromEnv.options : undefined;
          const settings = {
            ...env,
            baseUrl: baseUrl ?? env?.baseUrl ?? '',
            apiKey: config.apiKey ?? env?.apiKey ?? '',
            deployment: config.azure.deployment ?? model ?? env?.deployment ?? '',
            ...((config.azure.apiVersion ?? env?.apiVersion) ? { apiVersion: config.azure.apiVersion ?? env?.apiVersion } : {}),
            structuredOutputs: config.structuredOutputs,
            ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
          };
          if (!settings.baseUrl || !settings.apiKey || !settings.deployment) {
            throw missing(
              'the Azure OpenAI endpoint, key or deployment',
              'Set OPENAI_AZURE_BASE, OPENAI_AZURE_API_KEY and OPENAI_AZURE_ENGINE (or llm.baseUrl, llm.apiKey, llm.azure.deployment)',
            );
          }
          return {
            provider: createAzureProvider(settings),
            description: `azure deployment ${settings.deployment} at ${settings.baseUrl}`,
            account: { endpoint: settings.baseUrl, key: settings.apiKey },
            batchUnsupported: 'Azure OpenAI batches need a separate Global-Batch deployment, which xivdigest does not support yet',
          };
        },
      };
    },
  },
  anthropic: {
    description: 'the Anthropic Messages API',
    load: async () => {
      const [{ createAnthropicProvider, metadata }, { createAnthropicBatchClient }] = await Promise.all([
        import('../llm/anthropic/index.js'),
        import('../llm/batch/index.js'),
      ]);
      return {
        metadata,
        create: ({ config, fromEnv, model, baseUrl }) => {
          const env = fromEnv?.kind === 'anthropic' ? fromEnv.options : undefined;
          const apiKey = config.apiKey ?? env?.apiKey;
          if (!apiKey) throw missing('an Anthropic API key', 'Set ANTHROPIC_API_KEY or llm.apiKey');
          const settings = {
            ...env,
            apiKey,
            model: model ?? env?.model ?? 'claude-haiku-4-5',
            ...(baseUrl ? { baseUrl } : {}),
            ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
          };
          const batch = () => createAnthropicBatchClient({ apiKey, model: settings.model, ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}) });
          return {
            provider: createAnthropicProvider(settings),
            description: `anthropic ${settings.model}`,
            batch,
            account: { endpoint: settings.baseUrl ?? 'https://api.anthropic.com', key: apiKey },
          };
        },
      };
    },
  },
  'llama-cpp': {
    description: 'a local GGUF model through node-llama-cpp (no key, no network after the download)',
    load: async () => {
      const { createLlamaCppProvider, metadata } = await import('../llm/llama-cpp/index.js');
      return {
        metadata,
        create: ({ config, environment, modelOverride, onModelProgress }) => {
          const local = config.local;
          const settings = {
            ...((modelOverride ?? local.model) ? { model: modelOverride ?? local.model } : {}),
            ...(local.modelsDir ? { modelsDir: local.modelsDir } : {}),
            ...(local.threads ? { threads: local.threads } : {}),
            ...(local.contextSize ? { contextSize: local.contextSize } : {}),
            ...(local.parallel ? { parallel: local.parallel } : {}),
            ...(environment.HF_TOKEN ? { hfToken: environment.HF_TOKEN } : {}),
            ...(onModelProgress ? { onProgress: onModelProgress } : {}),
          };
          return {
            provider: createLlamaCppProvider(settings),
            description: `local model ${settings.model ?? '(default)'} via node-llama-cpp`,
            batchUnsupported: 'the local model (llama-cpp) runs on this machine: there is no batch API and nothing to save',
          };
        },
      };
    },
  },
} satisfies Record<string, RegistryEntry<ProviderFactory>>;

export type ProviderKind = keyof typeof providers;

/** `llm.provider` and `enrich --provider`: `auto` (an API the environment names, else the local model), then each provider. */
export const PROVIDER_CHOICES = ['auto', ...registryIds(providers)] as const;
export type ProviderChoice = (typeof PROVIDER_CHOICES)[number];

/** Config settings that stand in for an environment variable a provider `requires` (for `config check`'s warning). */
export const PROVIDER_VARIABLE_SETTINGS: Readonly<Record<string, readonly string[]>> = {
  OPENAI_API_KEY: ['llm.apiKey'],
  ANTHROPIC_API_KEY: ['llm.apiKey'],
  OPENAI_AZURE_API_KEY: ['llm.apiKey'],
  OPENAI_AZURE_BASE: ['llm.baseUrl'],
  OPENAI_AZURE_ENGINE: ['llm.azure.deployment', 'llm.model'],
};
