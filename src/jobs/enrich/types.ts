/** The public types of enrichment: options, results, events, the open batch record and a paper's plan. */
import type { XivdigestErrorCode } from '../../core/errors.js';
import type { LlmProvider } from '../../core/llm.js';
import type { Paper } from '../../core/paper.js';
import type { StoredTexts } from '../../core/texts.js';
import type { BatchClient, BatchProgress } from '../../llm/batch/types.js';
import type { PriceTable } from '../../llm/pricing.js';
import type { Store } from '../../store/store.js';

export interface EnrichOptions {
  /** Where texts are read (cache) and written (one `saveTexts` per finished paper). */
  store: Pick<Store, 'getTexts' | 'saveTexts'>;
  provider: LlmProvider;
  /** The papers to enrich; the caller resolves ids. A paper listed twice (same id and version) is enriched once. */
  papers: readonly Paper[];
  /** Target language. Default `zh`. */
  lang?: string;
  /** `<id>@<version>` of the prompt file. Default {@link PAPER_TEXTS_PROMPT_VERSION}. */
  promptVersion?: string;
  /** Where prompt files are; default the package's `prompts/`. */
  promptsDir?: string;
  /** Calls at once at the start (rate limits may lower it for a while). Default 4. */
  concurrency?: number;
  /** Requests per minute the provider allows; calls are spaced to stay under it. */
  rpm?: number;
  /** Tokens per minute the provider allows. */
  tpm?: number;
  /** Per-call timeout. Default 60 000. */
  timeoutMs?: number;
  /** Attempts per call for rate limits, timeouts and unavailable APIs, the first included. Default 4. */
  maxAttempts?: number;
  /** Repair calls after the first answer of a paper is rejected (by the gate, or as invalid JSON). Default 2. */
  maxRepairs?: number;
  /** Connection failures in a row (refused, DNS, TLS) after which the run stops calling and throws LLM_UNAVAILABLE, leaving the rest for the next run. Default 5. */
  connectionFailuresToStop?: number;
  /** Backoff of retries: full jitter under min(maxDelayMs, baseDelayMs × 2^(n-1)). Defaults 1000 and 60 000. */
  backoff?: { baseDelayMs?: number; maxDelayMs?: number };
  maxOutputTokens?: number;
  temperature?: number;
  /** US dollars this run may spend; when reached, no further call starts and the rest is reported as `remaining`. */
  budget?: number;
  /** Default {@link DEFAULT_PRICES}. */
  prices?: PriceTable;
  /** Call again for papers whose texts for this exact key are stored as failed. Default false. */
  retryFailed?: boolean;
  /** Count ok texts of the same paper version and language from another provider, model or prompt (imported ones too) as done. Default true. */
  reuseOtherModels?: boolean;
  /**
   * Send the first call of every paper through the provider's batch API (half price, answered within 24 h) instead of
   * one synchronous call each; repairs and items the batch did not answer go synchronous.
   */
  batch?: EnrichBatchOptions;
  signal?: AbortSignal;
  onEvent?(event: EnrichEvent): void;
}

export interface EnrichBatchOptions {
  client: BatchClient;
  /** Where the open batch (its id and the custom id → paper map) is kept before waiting, so that a restart resumes it. */
  state: Pick<Store, 'getState' | 'setState'>;
  /** Between two looks at the batch. Default 30 000. */
  pollIntervalMs?: number;
}

/** What the store keeps under {@link batchStateKey} while a batch is open. */
export interface OpenBatchRecord {
  /** Null between writing the map and the provider's answer to the submission. */
  batchId: string | null;
  protocol: 'openai' | 'anthropic';
  submittedAt: string;
  /** Custom id → the paper as it was when the batch was made (the gate and repairs need title and abstract). */
  items: Record<
    string,
    { id: string; version: number | null; abstractHash: string; lang: string; title: string; abstract: string; abstractTruncated?: boolean }
  >;
}

/** A paper that has no usable texts after this run. */
export interface EnrichFailure {
  id: string;
  version: number | null;
  /** What went wrong, for people. */
  reason: string;
  /**
   * True when the failure is stored (the gate or the output format failed after all repairs): later runs skip the
   * paper unless `retryFailed`. False for failures a later run may not meet (timeouts, an API down): they are retried.
   */
  stored: boolean;
}

export interface EnrichResult {
  /** Unique papers asked for. */
  total: number;
  /** Papers enriched by this run. */
  done: number;
  /** Papers whose texts for this provider, model, prompt and language were stored already: no call. */
  cached: number;
  /** Papers with ok texts from another provider, model or prompt (e.g. imported from cn-chat-arxiv): no call. */
  reused: number;
  failed: EnrichFailure[];
  /** Papers not finished because the budget was reached (or the run was stopped). */
  remaining: number;
  /** Calls made, retries and repairs included. */
  calls: number;
  /** Repair calls among them. */
  repairs: number;
  /** Retries after rate limits, timeouts and unavailable APIs. */
  retries: number;
  /** `cachedInput`: input tokens read from the provider's prompt cache; `cacheWrite`: written to it (both within `input`). */
  tokens: { input: number; output: number; total: number; cachedInput: number; cacheWrite: number };
  /** US dollars spent, or null when the price of the model is unknown (see `prices`). */
  cost: number | null;
  /** US dollars saved against synchronous calls without a prompt cache (cached input, batch discount), or null when the price is unknown. */
  saved: number | null;
  /** Set when the batch API was used. */
  batch?: EnrichBatchSummary;
  stoppedForBudget: boolean;
  provider: string;
  model: string;
  promptVersion: string;
  lang: string;
}

export interface EnrichBatchSummary {
  /** Batch ids looked at, in order (a resumed one first). */
  ids: string[];
  /** Items sent in batches, resumed ones included. */
  items: number;
  /** Whether an open batch of an earlier run was resumed. */
  resumed: boolean;
  /** Items the batches answered (before the gate). */
  answered: number;
  /** Items a batch did not answer (expired, failed, cancelled): called synchronously instead. */
  fellBack: number;
}

export type EnrichEvent =
  | { type: 'batch-submitted'; id: string; items: number }
  | { type: 'batch-resumed'; id: string; items: number; submittedAt: string }
  | { type: 'batch-progress'; progress: BatchProgress; elapsedMs: number; etaMs: number | undefined }
  | { type: 'batch-poll-failed'; id: string; message: string }
  | { type: 'batch-collected'; id: string; answered: number; unanswered: number; reasons: string[] }
  | { type: 'run-started'; total: number; toEnrich: number; cached: number; reused: number; failed: number }
  | { type: 'paper-cached'; id: string; version: number | null; reused: boolean; provider: string; model: string; promptVersion: string }
  | { type: 'paper-repairing'; id: string; version: number | null; round: number; problems: string }
  | { type: 'paper-enriched'; id: string; version: number | null; calls: number; tokens: number; cost: number | null; flags: string[] }
  | { type: 'paper-failed'; id: string; version: number | null; reason: string; stored: boolean; cached: boolean }
  | { type: 'call-retrying'; id: string | undefined; attempt: number; delayMs: number; code: XivdigestErrorCode; message: string }
  | { type: 'concurrency-lowered'; from: number; to: number }
  | { type: 'concurrency-raised'; from: number; to: number }
  | { type: 'calls-paused'; ms: number; reason: string }
  | { type: 'budget-reached'; spent: number; budget: number; inFlight: number }
  | { type: 'run-finished'; result: EnrichResult }
  /** Queued mode (queue.url): the papers that need a call went to the workers' queue as one job each. */
  | { type: 'jobs-queued'; queue: string; jobs: number; added: number }
  /** Queued mode: no worker serves the queue (the message says what to start, and how long the wait lasts). */
  | { type: 'queue-unserved'; queue: string; message: string };

/** What enrichment would do for one paper, decided from the stored texts without a call. */
export type Plan =
  | { kind: 'cached'; paper: Paper; texts: StoredTexts; reused: boolean }
  | { kind: 'failed'; paper: Paper; texts: StoredTexts }
  | { kind: 'enrich'; paper: Paper; hash: string };
