/** Maps the original system's environment variables (OPENAI_*, OPENAI_AZURE_*) and ANTHROPIC_* to provider options. */
import type { AnthropicProviderOptions } from './anthropic/index.js';
import { defaultAzureApiVersion, type AzureProviderOptions } from './azure/index.js';
import type { OpenAiCompatibleProviderOptions } from './openai-compatible/index.js';

/** The original's defaults: api.openai.com, gpt-3.5-turbo and a 60 s request timeout. */
export const originalDefaults = {
  openAiBase: 'https://api.openai.com',
  openAiModel: 'gpt-3.5-turbo',
  timeoutSeconds: 60,
  /** The original's default `2022-12-01` served only the legacy completions API; chat completions need a newer one. */
  azureApiVersion: '2022-12-01',
} as const;

/** Used when ANTHROPIC_API_KEY is the only key and ANTHROPIC_MODEL is unset (the original had no Anthropic support). */
export const defaultAnthropicModel = 'claude-haiku-4-5';

/** Options that came from a default rather than a variable, so that a value from the config file may win over them. */
export type DefaultedOption = 'baseUrl' | 'model' | 'timeoutMs' | 'apiVersion';

interface SelectionFacts {
  /** Notes for the user: defaults applied, variables ignored. */
  warnings: string[];
  /** Variables that are needed but missing or invalid; the config loader reports them as errors. */
  errors: string[];
  defaulted: DefaultedOption[];
}

export type EnvProviderSelection =
  | ({ kind: 'openai-compatible'; options: OpenAiCompatibleProviderOptions } & SelectionFacts)
  | ({ kind: 'azure'; options: AzureProviderOptions } & SelectionFacts)
  | ({ kind: 'anthropic'; options: AnthropicProviderOptions } & SelectionFacts);

/**
 * Chooses a provider from environment variables, as the original did: Azure when OPENAI_AZURE_BASE is set, else OpenAI
 * (or any compatible API at OPENAI_API_BASE) when OPENAI_API_KEY is set. Then, beyond the original: Anthropic when
 * ANTHROPIC_API_KEY is set, and a keyless OpenAI-compatible server (Ollama, vLLM, llama.cpp) when only OPENAI_API_BASE
 * is. Empty strings count as unset, as in the original (`os.environ.get(...) or None`). Pure: `env` is passed in.
 */
export function providerOptionsFromEnv(env: Record<string, string | undefined>): EnvProviderSelection | undefined {
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const facts: SelectionFacts = { warnings: [], errors: [], defaulted: [] };
  const timeoutMs = readTimeout(get('OPENAI_REQUEST_TIMEOUT'), facts);

  const azureBase = get('OPENAI_AZURE_BASE');
  if (azureBase) {
    const apiKey = get('OPENAI_AZURE_API_KEY');
    const deployment = get('OPENAI_AZURE_ENGINE');
    if (!apiKey) facts.errors.push('OPENAI_AZURE_API_KEY is required when OPENAI_AZURE_BASE is set');
    if (!deployment) facts.errors.push('OPENAI_AZURE_ENGINE (the deployment name) is required when OPENAI_AZURE_BASE is set');
    let apiVersion = get('OPENAI_AZURE_VERSION');
    if (apiVersion === undefined) {
      apiVersion = defaultAzureApiVersion;
      facts.defaulted.push('apiVersion');
    } else if (/^\d{4}-\d{2}-\d{2}/.test(apiVersion) && apiVersion < '2023-05-15') {
      facts.warnings.push(`OPENAI_AZURE_VERSION ${apiVersion} predates the chat completions API (2023-05-15); set ${defaultAzureApiVersion} or later`);
    }
    if (get('OPENAI_API_KEY')) facts.warnings.push('OPENAI_API_KEY is ignored: OPENAI_AZURE_BASE is set, and Azure wins (as in the original)');
    return {
      kind: 'azure',
      options: { baseUrl: azureBase, apiKey: apiKey ?? '', deployment: deployment ?? '', apiVersion, timeoutMs },
      ...facts,
    };
  }

  const openAiKey = get('OPENAI_API_KEY');
  const openAiBase = get('OPENAI_API_BASE');
  const anthropicKey = get('ANTHROPIC_API_KEY');
  if (openAiKey || (openAiBase && !anthropicKey)) {
    let model = get('OPENAI_API_MODEL');
    if (!model) {
      model = originalDefaults.openAiModel;
      facts.defaulted.push('model');
      facts.warnings.push(`OPENAI_API_MODEL is unset: using the original default ${model}`);
    }
    if (!openAiBase) facts.defaulted.push('baseUrl');
    if (!openAiKey) facts.warnings.push(`OPENAI_API_KEY is unset: calls to ${openAiBase} are sent without a key (fine for local servers)`);
    if (anthropicKey) facts.warnings.push('ANTHROPIC_API_KEY is ignored: OPENAI_API_KEY is set and the OpenAI settings win');
    return {
      kind: 'openai-compatible',
      options: {
        baseUrl: openAiBase ?? originalDefaults.openAiBase,
        ...(openAiKey ? { apiKey: openAiKey } : {}),
        model,
        timeoutMs,
      },
      ...facts,
    };
  }

  if (anthropicKey) {
    let model = get('ANTHROPIC_MODEL');
    if (!model) {
      model = defaultAnthropicModel;
      facts.defaulted.push('model');
    }
    const baseUrl = get('ANTHROPIC_BASE_URL');
    if (!baseUrl) facts.defaulted.push('baseUrl');
    if (openAiBase) facts.warnings.push('OPENAI_API_BASE is ignored without OPENAI_API_KEY: ANTHROPIC_API_KEY is set');
    return {
      kind: 'anthropic',
      options: { apiKey: anthropicKey, model, ...(baseUrl ? { baseUrl } : {}), timeoutMs },
      ...facts,
    };
  }
  return undefined;
}

/** OPENAI_REQUEST_TIMEOUT in seconds (the original: `int(os.environ.get('OPENAI_REQUEST_TIMEOUT', '60'))`). */
function readTimeout(value: string | undefined, facts: SelectionFacts): number {
  if (value === undefined) {
    facts.defaulted.push('timeoutMs');
    return originalDefaults.timeoutSeconds * 1000;
  }
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    facts.errors.push(`OPENAI_REQUEST_TIMEOUT must be a positive number of seconds, not ${JSON.stringify(value)}`);
    return originalDefaults.timeoutSeconds * 1000;
  }
  return Math.round(seconds * 1000);
}
