/** Enrichment: one LLM call per paper (or one batch for all, at half price) for its translated title, TL;DR and abstract; gated, repaired, stored at once, cached, resumable, within budget. */
import { excerpt, XivdigestError, type XivdigestErrorCode } from '../core/errors.js';
import { abstractHash } from '../core/hash.js';
import type { LlmProvider, LlmResult, LlmUsage } from '../core/llm.js';
import type { Paper } from '../core/paper.js';
import type { StoredTexts, StructuredSummary } from '../core/texts.js';
import type { BatchClient, BatchItemOutcome, BatchProgress } from '../llm/batch/types.js';
import { costOf, DEFAULT_PRICES, listCostOf, priceOf, type ModelPrice, type PriceTable } from '../llm/pricing.js';
import {
  loadPrompt,
  PAPER_TEXTS_PROMPT_VERSION,
  PAPER_TEXTS_STRUCTURED_SCHEMA,
  STRUCTURED_SUMMARY_FIELDS,
  PAPER_TEXTS_SCHEMA_NAME,
  renderPaperPrompt,
  renderRepairPrompt,
  schemaFor,
  type PaperPromptInput,
} from '../llm/prompts/index.js';
import { createCallScheduler, estimateTokens, type CallSchedulerEvent } from '../llm/scheduler.js';
import { checkTexts, repairHint, type GateResult } from '../llm/validate/index.js';
import type { Store } from '../store/store.js';

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

/** The state key of the open enrichment batch of a provider, model, prompt and language. */
export function batchStateKey(provider: string, model: string, promptVersion: string, lang: string): string {
  return `batch:enrich:${provider}/${model}/${promptVersion}/${lang}`;
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
  | { type: 'jobs-queued'; queue: string; jobs: number; added: number };

/** Errors that every later call would meet too: the run stops instead of failing each paper in turn. */
const FATAL_CODES: ReadonlySet<XivdigestErrorCode> = new Set(['LLM_AUTH', 'LLM_MODEL_MISSING', 'STORE_ERROR']);

/** What enrichment would do for one paper, decided from the stored texts without a call. */
export type Plan =
  | { kind: 'cached'; paper: Paper; texts: StoredTexts; reused: boolean }
  | { kind: 'failed'; paper: Paper; texts: StoredTexts }
  | { kind: 'enrich'; paper: Paper; hash: string };

/**
 * The plan of an enrichment run without running it: the prompt version it would use and, for each unique paper, whether
 * its texts are cached (or reusable), stored as failed, or need a call. Queued mode (queue.url) enqueues the last kind.
 */
export async function planEnrichment(
  options: Pick<EnrichOptions, 'store' | 'provider' | 'papers' | 'lang' | 'promptVersion' | 'promptsDir' | 'retryFailed' | 'reuseOtherModels'>,
): Promise<{ promptVersion: string; lang: string; plans: Plan[] }> {
  const lang = options.lang ?? 'zh';
  const template = loadPrompt(options.promptVersion ?? PAPER_TEXTS_PROMPT_VERSION, options.promptsDir ? { dir: options.promptsDir } : {});
  const structured = schemaFor(template) === PAPER_TEXTS_STRUCTURED_SCHEMA;
  const papers = uniquePapers(options.papers);
  const existing = new Map<string, StoredTexts[]>();
  for (const texts of await options.store.getTexts([...new Set(papers.map((paper) => paper.id))])) {
    const list = existing.get(texts.paperId);
    if (list) list.push(texts);
    else existing.set(texts.paperId, [texts]);
  }
  const plans = papers.map((paper) =>
    planFor(paper, existing.get(paper.id) ?? [], {
      lang,
      provider: options.provider.id,
      model: options.provider.modelId,
      promptVersion: template.promptVersion,
      retryFailed: options.retryFailed ?? false,
      reuseOtherModels: options.reuseOtherModels ?? true,
      needsSummary: structured,
    }),
  );
  return { promptVersion: template.promptVersion, lang, plans };
}

/**
 * Enriches papers: cached and reusable texts cost no call; the rest go through the scheduler, the quality gate and up
 * to `maxRepairs` repairs, and each paper is saved the moment it is finished, so that a killed run loses no paid
 * output and the next run carries on where it stopped. Returns per-paper outcomes; throws only when the run cannot go
 * on (bad credentials, missing model, a failing store, an abort), after the calls in flight have finished and been
 * saved, with the partial result in `details.result`.
 */
export async function enrichPapers(options: EnrichOptions): Promise<EnrichResult> {
  const { store, provider } = options;
  const lang = options.lang ?? 'zh';
  const template = loadPrompt(options.promptVersion ?? PAPER_TEXTS_PROMPT_VERSION, options.promptsDir ? { dir: options.promptsDir } : {});
  const promptVersion = template.promptVersion;
  const schema = schemaFor(template);
  const structured = schema === PAPER_TEXTS_STRUCTURED_SCHEMA;
  const maxRepairs = options.maxRepairs ?? 2;
  const prices = options.prices ?? DEFAULT_PRICES;
  const price = priceOf(prices, provider.id, provider.modelId);
  const budget = options.budget;
  if (budget !== undefined && (!Number.isFinite(budget) || budget < 0)) {
    throw new XivdigestError({ code: 'CONFIG_INVALID', message: `The enrichment budget must be a number of US dollars from 0, got ${budget}` });
  }
  if (budget !== undefined && price === null) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `A budget of $${budget} is set, but the price of ${provider.id}/${provider.modelId} is unknown, so spending cannot be counted`,
      hint: `Add "${provider.modelId}" to the price table (USD per million input and output tokens), or drop the budget`,
      details: { provider: provider.id, model: provider.modelId },
    });
  }

  const emit = (event: EnrichEvent): void => options.onEvent?.(event);
  let spent = 0;
  let saved = 0;
  let costKnown = true;
  const result: EnrichResult = {
    total: 0,
    done: 0,
    cached: 0,
    reused: 0,
    failed: [],
    remaining: 0,
    calls: 0,
    repairs: 0,
    retries: 0,
    tokens: { input: 0, output: 0, total: 0, cachedInput: 0, cacheWrite: 0 },
    cost: 0,
    saved: 0,
    stoppedForBudget: false,
    provider: provider.id,
    model: provider.modelId,
    promptVersion,
    lang,
  };

  const papers = uniquePapers(options.papers);
  result.total = papers.length;
  const existing = new Map<string, StoredTexts[]>();
  for (const texts of await store.getTexts([...new Set(papers.map((paper) => paper.id))])) {
    const list = existing.get(texts.paperId);
    if (list) list.push(texts);
    else existing.set(texts.paperId, [texts]);
  }
  const plans = papers.map((paper) =>
    planFor(paper, existing.get(paper.id) ?? [], {
      lang,
      provider: provider.id,
      model: provider.modelId,
      promptVersion,
      retryFailed: options.retryFailed ?? false,
      reuseOtherModels: options.reuseOtherModels ?? true,
      needsSummary: structured,
    }),
  );
  const toEnrich = plans.filter((plan): plan is Extract<Plan, { kind: 'enrich' }> => plan.kind === 'enrich');
  emit({
    type: 'run-started',
    total: papers.length,
    toEnrich: toEnrich.length,
    cached: plans.filter((plan) => plan.kind === 'cached' && !plan.reused).length,
    reused: plans.filter((plan) => plan.kind === 'cached' && plan.reused).length,
    failed: plans.filter((plan) => plan.kind === 'failed').length,
  });
  for (const plan of plans) {
    if (plan.kind === 'cached') {
      if (plan.reused) result.reused += 1;
      else result.cached += 1;
      emit({
        type: 'paper-cached',
        id: plan.paper.id,
        version: plan.paper.version,
        reused: plan.reused,
        provider: plan.texts.provider,
        model: plan.texts.model,
        promptVersion: plan.texts.promptVersion,
      });
    } else if (plan.kind === 'failed') {
      const reason = `stored as failed by an earlier run: ${plan.texts.reason ?? 'no reason recorded'} (retry with retryFailed)`;
      result.failed.push({ id: plan.paper.id, version: plan.paper.version, reason, stored: true });
      emit({ type: 'paper-failed', id: plan.paper.id, version: plan.paper.version, reason, stored: true, cached: true });
    }
  }
  const batchKey = batchStateKey(provider.id, provider.modelId, promptVersion, lang);
  const openBatch = options.batch ? await options.batch.state.getState<OpenBatchRecord>(batchKey) : undefined;
  if (toEnrich.length === 0 && !openBatch) return finish();

  // Why the scheduler stopped, when it did: the budget, an error every call would meet, or an abort.
  const budgetStop = new XivdigestError({ code: 'BUDGET_EXCEEDED', message: `The budget of $${budget} is spent` });
  let fatal: XivdigestError | undefined;
  let inFlight = 0;

  const scheduler = createCallScheduler({
    concurrency: options.concurrency ?? 4,
    ...(options.rpm !== undefined ? { rpm: options.rpm } : {}),
    ...(options.tpm !== undefined ? { tpm: options.tpm } : {}),
    maxAttempts: options.maxAttempts ?? 4,
    connectionFailuresToStop: options.connectionFailuresToStop ?? 5,
    ...(options.backoff?.baseDelayMs !== undefined ? { baseDelayMs: options.backoff.baseDelayMs } : {}),
    ...(options.backoff?.maxDelayMs !== undefined ? { maxDelayMs: options.backoff.maxDelayMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onEvent: (event) => forward(event),
  });

  function forward(event: CallSchedulerEvent): void {
    switch (event.type) {
      case 'call-retrying':
        result.retries += 1;
        emit({ type: 'call-retrying', id: event.label, attempt: event.attempt, delayMs: event.delayMs, code: event.error.code, message: event.error.message });
        break;
      case 'concurrency-lowered':
      case 'concurrency-raised':
        emit({ type: event.type, from: event.from, to: event.to });
        break;
      case 'calls-paused':
        emit({ type: 'calls-paused', ms: event.ms, reason: event.reason });
        break;
      case 'circuit-opened':
        // The API is not there: stop like for a bad key; the unfinished papers are `remaining`, not stored as failed.
        stopForError(event.error);
        break;
    }
  }

  const budgetReached = (): boolean => budget !== undefined && spent >= budget;

  /** Adds a call's usage to the run; returns its cost. Stops the scheduler when the budget is reached. */
  const account = (usage: LlmUsage | undefined, model: string | undefined, batch = false): number | null => {
    if (!usage) return 0;
    result.tokens.input += usage.inputTokens;
    result.tokens.output += usage.outputTokens;
    result.tokens.total += usage.totalTokens;
    result.tokens.cachedInput += usage.cachedInputTokens ?? 0;
    result.tokens.cacheWrite += usage.cacheWriteTokens ?? 0;
    // The API may name a dated snapshot of the model asked for; price what was asked for first.
    const known: ModelPrice | null = price ?? (model ? priceOf(prices, provider.id, model) : null);
    const cost = costOf(usage, known, { batch });
    if (cost === null) costKnown = false;
    else {
      spent += cost;
      saved += listCostOf(usage, known)! - cost;
    }
    if (budgetReached() && !result.stoppedForBudget) {
      result.stoppedForBudget = true;
      emit({ type: 'budget-reached', spent, budget: budget!, inFlight });
      scheduler.stop(budgetStop);
    }
    return cost;
  };

  const stopForError = (error: XivdigestError): void => {
    fatal ??= error;
    scheduler.stop(new XivdigestError({ code: error.code, message: `Stopped: ${error.message}`, cause: error }));
  };

  const save = async (texts: StoredTexts): Promise<boolean> => {
    try {
      await store.saveTexts([texts]);
      return true;
    } catch (error) {
      const storeError = XivdigestError.isInstance(error)
        ? error
        : new XivdigestError({ code: 'STORE_ERROR', message: `Could not save texts: ${error instanceof Error ? error.message : String(error)}`, cause: error });
      result.failed.push({
        id: texts.paperId,
        version: texts.version,
        reason: `its texts were generated but could not be saved: ${storeError.message}`,
        stored: false,
      });
      stopForError(storeError);
      return false;
    }
  };

  const failUnstored = (paper: Paper, reason: string): void => {
    result.failed.push({ id: paper.id, version: paper.version, reason, stored: false });
    emit({ type: 'paper-failed', id: paper.id, version: paper.version, reason, stored: false, cached: false });
  };

  /** `first`: the paper's first answer (or unusable answer) from a batch; the rounds after it are synchronous repairs. */
  async function enrichOne(paper: Paper, hash: string, first?: { answer: LlmResult } | { error: XivdigestError }): Promise<void> {
    const input: PaperPromptInput = { title: paper.title, abstract: paper.abstract, lang };
    const firstMessages = renderPaperPrompt(template, input);
    const outputEstimate = options.maxOutputTokens ?? 2 * estimateTokens(`${paper.title} ${paper.abstract}`) + 200;
    let maxOutputTokens = options.maxOutputTokens;
    let problems = '';
    let lastReason = '';
    let paperCalls = 0;
    let paperTokens = 0;
    let paperCost: number | null = 0;
    const charge = (usage: LlmUsage | undefined, model: string | undefined, batch = false): void => {
      const cost = account(usage, model, batch);
      paperTokens += usage?.totalTokens ?? 0;
      paperCost = paperCost === null || cost === null ? null : paperCost + cost;
    };
    /**
     * Stores an answer that passes the gate and returns whether it did; undefined for an answer to repair. Called
     * inside the scheduled call, so that the slot is freed only once a paid answer is saved: a kill loses no answer.
     */
    const keep = async (answer: LlmResult): Promise<boolean | undefined> => {
      const gate = checkTexts(answer.object, { title: paper.title, abstract: paper.abstract }, { lang, abstractTruncated: paper.abstractTruncated ?? false });
      const summary = structured ? summaryOf(answer.object) : undefined;
      if (!gate.ok || (structured && typeof summary === 'string')) return undefined;
      const texts = answer.object as Record<string, string>;
      const flags = [...new Set(gate.issues.map((issue) => issue.code))];
      const saved = await save({
        paperId: paper.id,
        version: paper.version,
        abstractHash: hash,
        lang,
        title: texts.title!.trim(),
        tldr: texts.tldr!.trim(),
        tldrEn: texts.tldrEn!.trim(),
        abstract: texts.abstract!.trim(),
        // The model as configured, not as the API names it: the cache key must be found again by the next run.
        provider: provider.id,
        model: provider.modelId,
        promptVersion,
        createdAt: new Date().toISOString(),
        totalTokens: paperTokens,
        status: 'ok',
        ...(flags.length > 0 ? { flags } : {}),
        ...(summary && typeof summary === 'object' ? { summary } : {}),
      });
      if (saved) {
        result.done += 1;
        emit({ type: 'paper-enriched', id: paper.id, version: paper.version, calls: paperCalls, tokens: paperTokens, cost: paperCost, flags });
      }
      return saved;
    };
    for (let round = 0; round <= maxRepairs; round++) {
      let kept: boolean | undefined;
      const messages = round === 0 ? firstMessages : renderRepairPrompt(template, input, problems);
      if (round > 0) emit({ type: 'paper-repairing', id: paper.id, version: paper.version, round, problems });
      let answer: LlmResult;
      if (round === 0 && first) {
        // The batch's answer: paid at the batch price, then the same gate and repairs as a synchronous answer.
        result.calls += 1;
        paperCalls += 1;
        if ('error' in first) {
          const error = first.error;
          charge(error.details.usage as LlmUsage | undefined, typeof error.details.model === 'string' ? error.details.model : undefined, true);
          problems = outputProblems(error);
          lastReason = `the answer was not usable: ${error.message}`;
          continue;
        }
        answer = first.answer;
        charge(answer.usage, answer.model, true);
        kept = await keep(answer);
      } else
        try {
          answer = await scheduler.run(
            async ({ attempt, signal }) => {
              // The budget is checked as each call starts; calls already running finish and are stored.
              if (budgetReached()) throw budgetStop;
              result.calls += 1;
              paperCalls += 1;
              if (round > 0 && attempt === 1) result.repairs += 1;
              inFlight += 1;
              // Usage, budget and fatal errors are settled here, before the scheduler frees the slot and starts the next call.
              try {
                const done = await provider.generate({
                  system: messages.system,
                  prompt: messages.prompt,
                  schema,
                  schemaName: PAPER_TEXTS_SCHEMA_NAME,
                  ...(maxOutputTokens !== undefined ? { maxOutputTokens } : {}),
                  ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
                  timeoutMs: options.timeoutMs ?? 60_000,
                  ...(signal ? { signal } : {}),
                });
                inFlight -= 1;
                charge(done.usage, done.model);
                kept = await keep(done);
                return done;
              } catch (error) {
                inFlight -= 1;
                if (XivdigestError.isInstance(error)) {
                  // An unusable answer was still paid for.
                  if (error.code === 'LLM_OUTPUT_INVALID') {
                    charge(error.details.usage as LlmUsage | undefined, typeof error.details.model === 'string' ? error.details.model : undefined);
                  }
                  if (FATAL_CODES.has(error.code)) stopForError(error);
                }
                throw error;
              }
            },
            {
              label: paper.id,
              tokens: estimateTokens(messages.system) + estimateTokens(messages.prompt) + outputEstimate,
              feedback: (done) => ({ totalTokens: done.usage.totalTokens, ...(done.rateLimit ? { rateLimit: done.rateLimit } : {}) }),
            },
          );
        } catch (error) {
          if (!XivdigestError.isInstance(error)) {
            failUnstored(paper, `unexpected error: ${error instanceof Error ? error.message : String(error)}`);
            return;
          }
          if (error === budgetStop || error.code === 'BUDGET_EXCEEDED' || error.code === 'ABORTED' || (fatal && error.cause === fatal)) {
            result.remaining += 1;
            return;
          }
          if (FATAL_CODES.has(error.code)) {
            result.remaining += 1;
            return;
          }
          if (error.code === 'LLM_OUTPUT_INVALID') {
            problems = outputProblems(error);
            lastReason = `the answer was not usable: ${error.message}`;
            // A JSON object cut off at the token limit will be cut off again at the same limit.
            if (error.details.finishReason === 'length' && maxOutputTokens !== undefined) maxOutputTokens *= 2;
            continue;
          }
          // Retries used up (rate limits, timeouts, an unavailable API) or a request the API will not take: not stored,
          // so that the next run tries again.
          failUnstored(paper, `${error.code}: ${error.message}${paperCalls > 1 ? ` (after ${paperCalls} calls)` : ''}`);
          return;
        }
      if (kept !== undefined) return;
      // Let the I/O that is ready go first: other calls' answers free their slots and start the next calls. The gate
      // and the save cost a few ms of CPU per paper; run at once, a burst of answers would hold up the slots behind it.
      await afterPendingIo();
      const gate = checkTexts(answer.object, { title: paper.title, abstract: paper.abstract }, { lang, abstractTruncated: paper.abstractTruncated ?? false });
      const summary = structured ? summaryOf(answer.object) : undefined;
      if (gate.ok && structured && typeof summary === 'string') {
        // The texts pass, but the structured summary asked for is incomplete: repair like any other finding.
        problems = summary;
        lastReason = `the structured summary is incomplete: ${summary.replace(/^- /, '')}`;
        continue;
      }
      problems = stripHeading(repairHint(gate));
      lastReason = `the quality gate rejected the answer: ${gateReason(gate)}`;
    }
    const reason = `${lastReason} (after ${paperCalls} call${paperCalls === 1 ? '' : 's'}: ${maxRepairs} repair${maxRepairs === 1 ? '' : 's'} allowed)`;
    const saved = await save({
      paperId: paper.id,
      version: paper.version,
      abstractHash: hash,
      lang,
      // Bad text is never stored: the digest shows the paper untranslated, and the reason says why.
      title: '',
      tldr: '',
      tldrEn: '',
      abstract: '',
      provider: provider.id,
      model: provider.modelId,
      promptVersion,
      createdAt: new Date().toISOString(),
      totalTokens: paperTokens,
      status: 'failed',
      reason,
    });
    if (!saved) return;
    result.failed.push({ id: paper.id, version: paper.version, reason, stored: true });
    emit({ type: 'paper-failed', id: paper.id, version: paper.version, reason, stored: true, cached: false });
  }

  if (budgetReached()) {
    result.stoppedForBudget = true;
    emit({ type: 'budget-reached', spent, budget: budget!, inFlight: 0 });
    scheduler.stop(budgetStop);
  }
  const enrichSafely = async (paper: Paper, hash: string, first?: Parameters<typeof enrichOne>[2]): Promise<void> => {
    try {
      await enrichOne(paper, hash, first);
    } catch (error) {
      // A bug in one paper's path must not lose the others' results.
      failUnstored(paper, `unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  if (options.batch) {
    const failedBeforeBatch = result.failed.length;
    try {
      await enrichInBatches(options.batch);
    } catch (error) {
      const stopped = XivdigestError.isInstance(error)
        ? error
        : new XivdigestError({ code: 'LLM_UNAVAILABLE', message: `The batch failed: ${error instanceof Error ? error.message : String(error)}`, cause: error });
      if (stopped.code !== 'ABORTED') stopForError(stopped);
      // Papers left in an open batch are not lost: the next run resumes it.
      result.remaining = Math.max(result.remaining, toEnrich.length - result.done - (result.failed.length - failedBeforeBatch));
    }
  } else {
    await Promise.all(toEnrich.map((plan) => enrichSafely(plan.paper, plan.hash)));
  }
  result.cost = costKnown ? spent : null;
  scheduler.stop(new XivdigestError({ code: 'ABORTED', message: 'The enrichment run has finished' }));

  if (fatal) {
    throw new XivdigestError({
      code: fatal.code,
      message: `Enrichment stopped after ${result.done} papers: ${fatal.message}`,
      ...(fatal.hint ? { hint: fatal.hint } : {}),
      cause: fatal,
      details: { ...fatal.details, result: finish() },
    });
  }
  if (options.signal?.aborted) {
    throw new XivdigestError({
      code: 'ABORTED',
      message: `Enrichment aborted after ${result.done} papers; ${result.remaining} left for the next run`,
      cause: options.signal.reason,
      details: { result: finish() },
    });
  }
  return finish();

  /**
   * The batch path: resumes the open batch of an earlier run (or submits one), writing the custom id → paper map to the
   * store before waiting; polls with progress; collects; and passes each answer to `enrichOne`, so that the gate,
   * repairs (synchronous), saving and accounting are those of synchronous answers. Items the batch did not answer are
   * called synchronously. A run stopped while waiting leaves the record: the next run polls the same batch again.
   */
  async function enrichInBatches(batch: EnrichBatchOptions): Promise<void> {
    const summary: EnrichBatchSummary = { ids: [], items: 0, resumed: false, answered: 0, fellBack: 0 };
    result.batch = summary;
    let pending: Array<{ paper: Paper; hash: string }> = toEnrich.map((plan) => ({ paper: plan.paper, hash: plan.hash }));
    if (openBatch && openBatch.batchId !== null) {
      summary.resumed = true;
      emit({ type: 'batch-resumed', id: openBatch.batchId, items: Object.keys(openBatch.items).length, submittedAt: openBatch.submittedAt });
      const covered = new Set(Object.values(openBatch.items).map((item) => `${item.id}@${item.version ?? ''}@${item.abstractHash}`));
      const all = pending;
      pending = pending.filter((entry) => !covered.has(`${entry.paper.id}@${entry.paper.version ?? ''}@${entry.hash}`));
      try {
        await waitAndCollect(batch, openBatch.batchId, openBatch, true);
      } catch (error) {
        // The provider does not know the batch (another account or base URL, or deleted): forget it and submit anew.
        if (!XivdigestError.isInstance(error) || error.details.status !== 404) throw error;
        emit({ type: 'batch-poll-failed', id: openBatch.batchId, message: `${error.message}; submitting its papers again` });
        await batch.state.setState(batchKey, undefined);
        summary.ids.pop();
        summary.resumed = false;
        summary.items -= Object.keys(openBatch.items).length;
        pending = all;
      }
    }
    // A record without an id: the run stopped between writing the map and the provider's answer; the batch may exist
    // (it cannot be found without its id), so its papers are submitted again (ADR 0034).
    if (pending.length === 0 || fatal || options.signal?.aborted) return;
    if (budgetReached()) {
      result.remaining += pending.length;
      return;
    }
    const prompts = pending.map((entry) => ({
      ...entry,
      messages: renderPaperPrompt(template, { title: entry.paper.title, abstract: entry.paper.abstract, lang }),
    }));
    if (budget !== undefined && price !== null) {
      // A batch cannot be stopped half-way like a run of calls: send only the papers whose estimated cost fits.
      let room = budget - spent;
      let fits = 0;
      for (const entry of prompts) {
        const outputTokens = options.maxOutputTokens ?? 2 * estimateTokens(`${entry.paper.title} ${entry.paper.abstract}`) + 200;
        const estimate = costOf({ inputTokens: estimateTokens(entry.messages.system) + estimateTokens(entry.messages.prompt), outputTokens }, price, {
          batch: true,
        })!;
        if (estimate > room) break;
        room -= estimate;
        fits += 1;
      }
      if (fits < prompts.length) {
        result.remaining += prompts.length - fits;
        result.stoppedForBudget = true;
        emit({ type: 'budget-reached', spent, budget, inFlight: 0 });
        prompts.length = fits;
        if (fits === 0) return;
      }
    }
    const record: OpenBatchRecord = { batchId: null, protocol: batch.client.protocol, submittedAt: new Date().toISOString(), items: {} };
    const requests = prompts.map((entry, index) => {
      const customId = `p${index}`;
      record.items[customId] = {
        id: entry.paper.id,
        version: entry.paper.version,
        abstractHash: entry.hash,
        lang,
        title: entry.paper.title,
        abstract: entry.paper.abstract,
        ...(entry.paper.abstractTruncated ? { abstractTruncated: true } : {}),
      };
      const messages = entry.messages;
      return {
        customId,
        request: {
          system: messages.system,
          prompt: messages.prompt,
          schema,
          schemaName: PAPER_TEXTS_SCHEMA_NAME,
          ...(options.maxOutputTokens !== undefined ? { maxOutputTokens: options.maxOutputTokens } : {}),
          ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
        },
      };
    });
    await batch.state.setState(batchKey, record);
    const id = await batch.client.submit(requests, options.signal);
    record.batchId = id;
    await batch.state.setState(batchKey, record);
    emit({ type: 'batch-submitted', id, items: requests.length });
    await waitAndCollect(batch, id, record, false);
  }

  async function waitAndCollect(batch: EnrichBatchOptions, id: string, record: OpenBatchRecord, resumed: boolean): Promise<void> {
    const summary = result.batch!;
    summary.ids.push(id);
    summary.items += Object.keys(record.items).length;
    const interval = batch.pollIntervalMs ?? 30_000;
    const startedAt = Date.parse(record.submittedAt) || Date.now();
    let progress: BatchProgress | undefined;
    for (;;) {
      if (options.signal?.aborted) throw new XivdigestError({ code: 'ABORTED', message: `Stopped waiting for batch ${id}; the next run resumes it` });
      try {
        progress = await batch.client.poll(id, options.signal);
      } catch (error) {
        if (!XivdigestError.isInstance(error) || !error.isRetryable) throw error;
        // A failed look is not a failed batch: the provider keeps working; look again after the interval.
        emit({ type: 'batch-poll-failed', id, message: error.message });
      }
      if (progress) {
        const elapsedMs = Date.now() - startedAt;
        const etaMs = progress.finished > 0 && progress.total > 0 ? (elapsedMs / progress.finished) * (progress.total - progress.finished) : undefined;
        emit({ type: 'batch-progress', progress, elapsedMs, etaMs });
        if (progress.ended) break;
      }
      await sleep(interval, options.signal);
    }
    const outcomes = new Map<string, BatchItemOutcome>();
    for (const outcome of await batch.client.collect(id, options.signal)) outcomes.set(outcome.customId, outcome);

    // Items already saved (a re-collect after a kill mid-way) are cached now: no second save, no second charge.
    const itemPapers = Object.entries(record.items).map(([customId, item]) => ({
      customId,
      item,
      paper: {
        ...(papers.find((candidate) => candidate.id === item.id && candidate.version === item.version) ?? {}),
        id: item.id,
        version: item.version,
        title: item.title,
        abstract: item.abstract,
        ...(item.abstractTruncated ? { abstractTruncated: true } : {}),
      } as Paper,
    }));
    const stored = new Map<string, StoredTexts[]>();
    for (const texts of await store.getTexts([...new Set(itemPapers.map((entry) => entry.item.id))])) {
      const list = stored.get(texts.paperId);
      if (list) list.push(texts);
      else stored.set(texts.paperId, [texts]);
    }
    const known = new Set(papers.map((paper) => `${paper.id}@${paper.version ?? ''}`));
    const reasons = new Set<string>();
    let answered = 0;
    let unanswered = 0;
    await Promise.all(
      itemPapers.map(async ({ customId, item, paper }) => {
        const plan = planFor(paper, stored.get(item.id) ?? [], {
          lang: item.lang,
          provider: provider.id,
          model: provider.modelId,
          promptVersion,
          retryFailed: true,
          reuseOtherModels: false,
          needsSummary: structured,
        });
        // Papers of a resumed batch that this run was not asked for still count: they were paid for.
        if (resumed && !known.has(`${item.id}@${item.version ?? ''}`)) result.total += 1;
        if (plan.kind !== 'enrich') return;
        const outcome = outcomes.get(customId);
        if (outcome?.ok) {
          answered += 1;
          return enrichSafely(paper, item.abstractHash, { answer: outcome.result });
        }
        if (outcome && !outcome.unanswered) {
          answered += 1;
          return enrichSafely(paper, item.abstractHash, { error: outcome.error });
        }
        unanswered += 1;
        reasons.add(outcome ? outcome.error.message : `${id} has no result for ${customId}${progress?.error ? ` (${progress.error})` : ''}`);
        // Expired, cancelled or failed: the paper is called synchronously, at the full price.
        return enrichSafely(paper, item.abstractHash);
      }),
    );
    summary.answered += answered;
    summary.fellBack += unanswered;
    emit({ type: 'batch-collected', id, answered, unanswered, reasons: [...reasons].slice(0, 5) });
    if (!fatal) await batch.state.setState(batchKey, undefined);
  }

  function finish(): EnrichResult {
    result.saved = costKnown ? saved : null;
    if (!costKnown) result.cost = null;
    else result.cost = spent;
    emit({ type: 'run-finished', result });
    return result;
  }
}

/** Waits `ms`, or less when the signal aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Resolves in the check phase of the event loop, after the I/O callbacks that are ready now. */
function afterPendingIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Papers once each, by id and version, in the order given. */
function uniquePapers(papers: readonly Paper[]): Paper[] {
  const seen = new Set<string>();
  const unique: Paper[] = [];
  for (const paper of papers) {
    const key = `${paper.id}@${paper.version ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(paper);
  }
  return unique;
}

interface PlanContext {
  lang: string;
  provider: string;
  model: string;
  promptVersion: string;
  retryFailed: boolean;
  reuseOtherModels: boolean;
  /** The structured summary is asked for: texts without one are not reused. */
  needsSummary: boolean;
}

/**
 * Whether stored texts were made from this paper's current text: the same abstract, or the same known version (an
 * abstract the original system cut at 1,000 characters hashes differently but is the same version). Texts of an
 * unknown version fit version 1, since no earlier version exists.
 */
function fitsPaper(texts: StoredTexts, paper: Paper, hash: string): boolean {
  if (texts.abstractHash === hash) return true;
  if (texts.version !== null && texts.version === paper.version) return true;
  return texts.version === null && paper.version === 1;
}

/** What to do for one paper, from the texts the store holds for it (newest first). */
function planFor(paper: Paper, existing: readonly StoredTexts[], context: PlanContext): Plan {
  const hash = abstractHash(paper.abstract);
  const candidates = existing.filter((texts) => texts.lang === context.lang);
  const ours = (texts: StoredTexts): boolean =>
    texts.provider === context.provider && texts.model === context.model && texts.promptVersion === context.promptVersion;
  const exact = candidates.find((texts) => ours(texts) && texts.version === paper.version && texts.abstractHash === hash);
  if (exact?.status === 'ok') return { kind: 'cached', paper, texts: exact, reused: false };
  const usable = candidates
    // With the structured summary asked for, only texts that have one can stand in.
    .filter((texts) => texts.status === 'ok' && fitsPaper(texts, paper, hash) && (!context.needsSummary || texts.summary !== undefined))
    // Texts of the very same abstract first; otherwise the newest.
    .sort((a, b) => Number(b.abstractHash === hash) - Number(a.abstractHash === hash));
  const own = usable.find(ours);
  if (own) return { kind: 'cached', paper, texts: own, reused: false };
  if (context.reuseOtherModels && usable[0]) return { kind: 'cached', paper, texts: usable[0], reused: true };
  if (exact?.status === 'failed' && !context.retryFailed) return { kind: 'failed', paper, texts: exact };
  return { kind: 'enrich', paper, hash };
}

/** The problems of an unusable answer, as lines for the repair prompt. */
function outputProblems(error: XivdigestError): string {
  if (error.details.finishReason === 'length') {
    return '- The answer stopped at the output token limit, so the JSON object was cut off. Write the complete object and nothing outside it.';
  }
  if (error.details.refusal === true) return '- Do not refuse or apologise; translate and summarise the paper as asked.';
  const body = typeof error.details.body === 'string' ? ` (it began: ${excerpt(error.details.body, 120)})` : '';
  return `- The answer was not one valid JSON object${body}. Reply with one JSON object with the string fields title, tldr, tldrEn and abstract, and nothing else.`;
}

/** The gate's errors in one line, for the stored reason. */
function gateReason(gate: GateResult): string {
  const errors = gate.issues.filter((issue) => issue.severity === 'error');
  const text = errors.map((issue) => `${issue.code} in ${issue.field === '*' ? 'the output' : issue.field}: ${issue.message}`).join('; ');
  return excerpt(text, 600);
}

/** repairHint's list without its own heading line: the repair prompt has one. */
function stripHeading(hint: string): string {
  return hint.replace(/^[^\n-][^\n]*:\n/, '');
}

/**
 * The structured summary of an answer, or a repair hint (a string) naming the fields that are missing or blank.
 * The four fields are one sentence each in the target language; the texts' own gate has judged the rest.
 */
function summaryOf(object: unknown): StructuredSummary | string {
  const record = (typeof object === 'object' && object !== null ? object : {}) as Record<string, unknown>;
  const missing = STRUCTURED_SUMMARY_FIELDS.filter((field) => typeof record[field] !== 'string' || (record[field] as string).trim() === '');
  if (missing.length > 0) return `- The structured summary needs ${missing.join(', ')}: one sentence each, in the target language.`;
  const [motivation, method, result, conclusion] = STRUCTURED_SUMMARY_FIELDS.map((field) => (record[field] as string).trim());
  return { motivation: motivation!, method: method!, result: result!, conclusion: conclusion! };
}
