/** Part of the composition root: chooses and configures the LLM provider from the config file, the original system's environment variables and CLI flags. */
import type { LlmConfig } from './core/config/schema.js';
import { XivdigestError } from './core/errors.js';
import type { LlmProvider } from './core/llm.js';
import type { EnrichOptions } from './jobs/enrich.js';
import type { Store } from './store/store.js';
import { createAnthropicProvider } from './llm/anthropic/index.js';
import { createAzureProvider } from './llm/azure/index.js';
import { createAnthropicBatchClient, createOpenAiBatchClient, type BatchClient } from './llm/batch/index.js';
import { providerOptionsFromEnv } from './llm/env.js';
import { createLlamaCppProvider } from './llm/llama-cpp/index.js';
import type { ModelProgressEvent } from './llm/llama-cpp/model-file.js';
import { createOpenAiCompatibleProvider } from './llm/openai-compatible/index.js';
import { DEFAULT_PRICES } from './llm/pricing.js';
import { PAPER_TEXTS_STRUCTURED_PROMPT_VERSION } from './llm/prompts/index.js';

export type ProviderKind = 'openai-compatible' | 'azure' | 'anthropic' | 'llama-cpp';

export interface ProviderOverrides {
  provider?: LlmConfig['provider'];
  model?: string;
  baseUrl?: string;
}

export interface ChosenProvider {
  provider: LlmProvider;
  kind: ProviderKind;
  /** Where the choice came from, for `--verbose` and run reports: never the key. */
  description: string;
  warnings: string[];
  /** The provider's batch API (half price), made on first use; absent where there is none (see `batchUnsupported`). */
  batch?: () => BatchClient;
  /** Why there is no batch API, for the USAGE error of `--batch`. */
  batchUnsupported?: string;
}

export interface ChooseProviderOptions {
  config: LlmConfig;
  /** The LLM variables of the environment (LoadedConfig.llmEnvironment). */
  environment: Readonly<Record<string, string | undefined>>;
  overrides?: ProviderOverrides;
  /** Download and load progress of the local model. */
  onModelProgress?: (event: ModelProgressEvent) => void;
}

const DEFAULT_OPENAI_BASE = 'https://api.openai.com';

/**
 * `auto` picks an API when the environment names one (Azure first, as in the original, then OpenAI-compatible, then
 * Anthropic), else the embedded local model. An explicit provider takes the environment's settings for that provider
 * and lets the config file and flags override them.
 */
export function chooseProvider(options: ChooseProviderOptions): ChosenProvider {
  const { config, environment } = options;
  const overrides = options.overrides ?? {};
  const requested = overrides.provider ?? config.provider;
  const fromEnv = providerOptionsFromEnv(environment);
  const kind: ProviderKind = requested === 'auto' ? (fromEnv?.kind ?? 'llama-cpp') : requested;
  const envMatches = fromEnv && fromEnv.kind === kind ? fromEnv : undefined;
  if (envMatches && envMatches.errors.length > 0) {
    throw new XivdigestError({ code: 'CONFIG_INVALID', message: `The ${kind} settings in the environment are incomplete: ${envMatches.errors.join('; ')}`, hint: 'Set the missing variables, or choose another provider with --provider' });
  }
  const warnings = envMatches ? [...envMatches.warnings] : [];
  const model = overrides.model ?? config.model;
  const baseUrl = overrides.baseUrl ?? config.baseUrl;
  const timeoutMs = config.timeoutMs;

  switch (kind) {
    case 'openai-compatible': {
      const env = envMatches?.kind === 'openai-compatible' ? envMatches.options : undefined;
      const resolvedModel = model ?? env?.model;
      if (!resolvedModel) throw missing('a model for the OpenAI-compatible API', 'Set OPENAI_API_MODEL, llm.model, or --model');
      const settings = {
        ...env,
        baseUrl: baseUrl ?? env?.baseUrl ?? DEFAULT_OPENAI_BASE,
        model: resolvedModel,
        structuredOutputs: config.structuredOutputs,
        ...(config.apiKey ? { apiKey: config.apiKey } : {}),
        ...(timeoutMs ? { timeoutMs } : {}),
      };
      const batch = (): BatchClient =>
        createOpenAiBatchClient({ baseUrl: settings.baseUrl, model: settings.model, structuredOutputs: settings.structuredOutputs, ...(settings.apiKey ? { apiKey: settings.apiKey } : {}) });
      return { provider: createOpenAiCompatibleProvider(settings), kind, description: `openai-compatible ${settings.model} at ${settings.baseUrl}`, warnings, batch };
    }
    case 'azure': {
      const env = envMatches?.kind === 'azure' ? envMatches.options : undefined;
      const settings = {
        ...env,
        baseUrl: baseUrl ?? env?.baseUrl ?? '',
        apiKey: config.apiKey ?? env?.apiKey ?? '',
        deployment: config.azure.deployment ?? model ?? env?.deployment ?? '',
        ...(config.azure.apiVersion ?? env?.apiVersion ? { apiVersion: config.azure.apiVersion ?? env?.apiVersion } : {}),
        structuredOutputs: config.structuredOutputs,
        ...(timeoutMs ? { timeoutMs } : {}),
      };
      if (!settings.baseUrl || !settings.apiKey || !settings.deployment) {
        throw missing('the Azure OpenAI endpoint, key or deployment', 'Set OPENAI_AZURE_BASE, OPENAI_AZURE_API_KEY and OPENAI_AZURE_ENGINE (or llm.baseUrl, llm.apiKey, llm.azure.deployment)');
      }
      return {
        provider: createAzureProvider(settings),
        kind,
        description: `azure deployment ${settings.deployment} at ${settings.baseUrl}`,
        warnings,
        batchUnsupported: 'Azure OpenAI batches need a separate Global-Batch deployment, which xivdigest does not support yet',
      };
    }
    case 'anthropic': {
      const env = envMatches?.kind === 'anthropic' ? envMatches.options : undefined;
      const apiKey = config.apiKey ?? env?.apiKey;
      if (!apiKey) throw missing('an Anthropic API key', 'Set ANTHROPIC_API_KEY or llm.apiKey');
      const settings = {
        ...env,
        apiKey,
        model: model ?? env?.model ?? 'claude-haiku-4-5',
        ...(baseUrl ? { baseUrl } : {}),
        ...(timeoutMs ? { timeoutMs } : {}),
      };
      const batch = (): BatchClient => createAnthropicBatchClient({ apiKey, model: settings.model, ...(baseUrl ? { baseUrl } : settings.baseUrl ? { baseUrl: settings.baseUrl } : {}) });
      return { provider: createAnthropicProvider(settings), kind, description: `anthropic ${settings.model}`, warnings, batch };
    }
    case 'llama-cpp': {
      const local = config.local;
      const settings = {
        ...(overrides.model ?? local.model ? { model: overrides.model ?? local.model } : {}),
        ...(local.modelsDir ? { modelsDir: local.modelsDir } : {}),
        ...(local.threads ? { threads: local.threads } : {}),
        ...(local.contextSize ? { contextSize: local.contextSize } : {}),
        ...(local.parallel ? { parallel: local.parallel } : {}),
        ...(environment.HF_TOKEN ? { hfToken: environment.HF_TOKEN } : {}),
        ...(options.onModelProgress ? { onProgress: options.onModelProgress } : {}),
      };
      return {
        provider: createLlamaCppProvider(settings),
        kind,
        description: `local model ${settings.model ?? '(default)'} via node-llama-cpp`,
        warnings,
        batchUnsupported: 'the local model (llama-cpp) runs on this machine: there is no batch API and nothing to save',
      };
    }
  }
}

function missing(what: string, hint: string): XivdigestError {
  return new XivdigestError({ code: 'CONFIG_INVALID', message: `No ${what} is configured`, hint });
}

/**
 * The batch options of enrichment when `llm.batch` (or `--batch`) asks for them, else none. Throws USAGE for a
 * provider without a batch API, saying why.
 */
export function batchSettings(chosen: ChosenProvider, llm: LlmConfig, state: Pick<Store, 'getState' | 'setState'>, overrides: { batch?: boolean; pollSeconds?: number } = {}): Pick<EnrichOptions, 'batch'> {
  if (!(overrides.batch ?? llm.batch)) return {};
  if (!chosen.batch) {
    throw new XivdigestError({
      code: 'USAGE',
      message: `Batch mode is not available with the ${chosen.kind} provider: ${chosen.batchUnsupported ?? 'it has no batch API'}`,
      hint: 'Drop --batch (or set llm.batch: false), or choose an OpenAI-compatible or Anthropic provider',
    });
  }
  return { batch: { client: chosen.batch(), state, pollIntervalMs: Math.round((overrides.pollSeconds ?? llm.batchPollSeconds) * 1000) } };
}

/** The enrichment settings of the config's `llm` section (concurrency, pacing, retries, budget, prices, prompt). */
export function enrichSettings(llm: LlmConfig): Omit<EnrichOptions, 'store' | 'provider' | 'papers'> {
  return {
    concurrency: llm.concurrency,
    ...(llm.rpm ? { rpm: llm.rpm } : {}),
    ...(llm.tpm ? { tpm: llm.tpm } : {}),
    ...(llm.timeoutMs ? { timeoutMs: llm.timeoutMs } : {}),
    maxAttempts: llm.maxAttempts,
    maxRepairs: llm.maxRepairs,
    ...(llm.budget !== undefined ? { budget: llm.budget } : {}),
    // Configured prices override the built-in list key by key.
    prices: { ...DEFAULT_PRICES, ...llm.prices },
    ...(llm.structuredSummary ? { promptVersion: PAPER_TEXTS_STRUCTURED_PROMPT_VERSION } : {}),
  };
}
