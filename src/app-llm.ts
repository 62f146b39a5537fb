/** Part of the composition root: chooses and configures the LLM provider from the config file, the original system's environment variables and CLI flags. */
import type { LlmConfig, QueueConfig } from './core/config/schema.js';
import { XivdigestError } from './core/errors.js';
import type { LlmProvider } from './core/llm.js';
import type { LlmCallObserver } from './core/llm-observer.js';
import { observeProvider } from './llm/observed.js';
import { enrichPapers, type EnrichOptions, type EnrichResult } from './jobs/enrich.js';
import type { JobQueue, QueueCountsReader } from './core/queue.js';
import { providerQueueName } from './queue/names.js';
import type { Store } from './store/store.js';
import { providerOptionsFromEnv } from './llm/env.js';
import type { BatchClient } from './llm/batch/index.js';
import type { ModelProgressEvent } from './llm/llama-cpp/model-file.js';
import { DEFAULT_PRICES } from './llm/pricing.js';
import { PAPER_TEXTS_STRUCTURED_PROMPT_VERSION } from './llm/prompts/index.js';
import { providers, type ProviderChoice, type ProviderKind } from './registry/providers.js';
import { loadRegistry } from './registry/registry.js';

export type { ProviderKind };

/** Every provider's factory, loaded once (this module is imported only when a command runs). */
const providerFactories = await loadRegistry(providers);

export interface ProviderOverrides {
  provider?: ProviderChoice;
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
  /** The account the calls go to (endpoint and key), for the name of its job queue; absent for the local model. */
  account?: { endpoint: string; key?: string };
}

export interface ChooseProviderOptions {
  config: LlmConfig;
  /** The LLM variables of the environment (LoadedConfig.llmEnvironment). */
  environment: Readonly<Record<string, string | undefined>>;
  overrides?: ProviderOverrides;
  /** Download and load progress of the local model. */
  onModelProgress?: (event: ModelProgressEvent) => void;
  /** Told about every call the provider makes (`serve`'s /metrics). */
  observer?: LlmCallObserver;
}

/**
 * `auto` picks an API when the environment names one (Azure first, as in the original, then OpenAI-compatible, then
 * Anthropic), else the embedded local model. An explicit provider takes the environment's settings for that provider
 * and lets the config file and flags override them. Each provider's settings are made by its entry in the registry.
 */
export function chooseProvider(options: ChooseProviderOptions): ChosenProvider {
  const { config, environment } = options;
  const overrides = options.overrides ?? {};
  const requested = overrides.provider ?? config.provider;
  const fromEnv = providerOptionsFromEnv(environment);
  const kind = requested === 'auto' ? (fromEnv?.kind ?? 'llama-cpp') : requested;
  if (!isProviderKind(kind)) {
    // Unreachable for a config the schema accepted (llm.provider is derived from the registry).
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `unknown LLM provider ${JSON.stringify(kind)}`,
      hint: `Use one of: auto, ${Object.keys(providers).join(', ')}`,
    });
  }
  const envMatches = fromEnv && fromEnv.kind === kind ? fromEnv : undefined;
  if (envMatches && envMatches.errors.length > 0) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `The ${kind} settings in the environment are incomplete: ${envMatches.errors.join('; ')}`,
      hint: 'Set the missing variables, or choose another provider with --provider',
    });
  }
  const warnings = envMatches ? [...envMatches.warnings] : [];
  const model = overrides.model ?? config.model;
  const baseUrl = overrides.baseUrl ?? config.baseUrl;
  const made = providerFactories[kind].create({
    config,
    environment,
    fromEnv: envMatches,
    ...(overrides.model !== undefined ? { modelOverride: overrides.model } : {}),
    ...(model !== undefined ? { model } : {}),
    ...(baseUrl !== undefined ? { baseUrl } : {}),
    ...(options.onModelProgress ? { onModelProgress: options.onModelProgress } : {}),
  });
  return { ...made, ...(options.observer ? { provider: observeProvider(made.provider, options.observer) } : {}), kind, warnings };
}

function isProviderKind(kind: string): kind is ProviderKind {
  return Object.hasOwn(providers, kind);
}

/**
 * The batch options of enrichment when `llm.batch` (or `--batch`) asks for them, else none. Throws USAGE for a
 * provider without a batch API, saying why.
 */
export function batchSettings(
  chosen: ChosenProvider,
  llm: LlmConfig,
  state: Pick<Store, 'getState' | 'setState'>,
  overrides: { batch?: boolean; pollSeconds?: number } = {},
): Pick<EnrichOptions, 'batch'> {
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

/** The job queue of `queue.url` (BullMQ on Redis), or undefined when unset: everything then runs in this process. */
export async function openJobQueue(queue: QueueConfig): Promise<JobQueue | undefined> {
  if (!queue.url) return undefined;
  const { createBullmqQueue } = await import('./queue/bullmq.js');
  return createBullmqQueue({ url: queue.url, prefix: queue.prefix, workerWaitMs: queue.workerWaitSeconds * 1000 });
}

/** The enrichment queue of a chosen provider's account (provider, endpoint, a hash of the key). */
export function enrichQueueName(chosen: ChosenProvider): string {
  return providerQueueName({ provider: chosen.kind, endpoint: chosen.account?.endpoint ?? 'local', key: chosen.account?.key });
}

/**
 * enrichPapers, or in queued mode (queue.url set) its twin that enqueues one job per paper for `xivdigest worker`
 * and waits for them; `close` releases the queue. With `queue.url` unset, nothing changes: one process.
 */
export async function enrichFunction(
  queueConfig: QueueConfig,
  chosen: ChosenProvider,
  options: { priority?: 'normal' | 'low'; wait?: boolean } = {},
): Promise<{ enrich: (options: EnrichOptions) => Promise<EnrichResult>; queueName?: string; close(): Promise<void> }> {
  const queue = await openJobQueue(queueConfig);
  if (!queue) return { enrich: enrichPapers, close: async () => undefined };
  if (chosen.kind === 'llama-cpp') {
    await queue.close();
    throw new XivdigestError({
      code: 'USAGE',
      message: 'queue.url is set, but the LLM provider is the local model (llama-cpp), which runs in this process',
      hint: 'Configure an API provider for the workers (OPENAI_API_KEY, ANTHROPIC_API_KEY, …), or unset queue.url',
    });
  }
  const queueName = enrichQueueName(chosen);
  const { createQueuedEnrich } = await import('./jobs/enrich-queue.js');
  return {
    enrich: createQueuedEnrich({
      queue,
      queueName,
      ...(options.priority ? { priority: options.priority } : {}),
      ...(options.wait === false ? { wait: false } : {}),
    }),
    queueName,
    close: () => queue.close(),
  };
}

/**
 * Queue counts for `status` and /metrics: waiting, active, delayed, failed and completed jobs and the workers
 * connected, per queue under the configured prefix; an empty list without `queue.url`. One queue (one Redis
 * connection) is opened on the first read and kept for the next ones, so a scrape every 15 s does not connect anew;
 * `close` releases it.
 */
export function queueCountsReader(queueConfig: QueueConfig): { read: QueueCountsReader; close(): Promise<void> } {
  let opened: Promise<JobQueue | undefined> | undefined;
  return {
    async read() {
      opened ??= openJobQueue(queueConfig);
      const queue = await opened;
      return queue ? queue.counts() : [];
    },
    async close() {
      const queue = await opened;
      opened = undefined;
      await queue?.close();
    },
  };
}
