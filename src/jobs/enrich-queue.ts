/** Enrichment as queue jobs: one job per paper-language, keyed by its text key, run by `xivdigest worker` processes; and enrichPapers' twin that enqueues and waits. */
import { XivdigestError } from '../core/errors.js';
import type { LlmProvider } from '../core/llm.js';
import type { Paper } from '../core/paper.js';
import { randomUUID } from 'node:crypto';
import type { JobHandler, JobQueue, JobSettlement, SharedBudget } from '../core/queue.js';
import { costOf, DEFAULT_PRICES, priceOf, type ModelPrice } from '../llm/pricing.js';
import { estimateTokens } from '../llm/scheduler.js';
import type { Store } from '../store/store.js';
import { emptyEnrichResult, enrichPapers, planEnrichment, type EnrichOptions, type EnrichResult } from './enrich.js';
import { reportPlanned } from './enrich/state.js';

/** One paper-language to enrich: everything the worker needs, so that it reads nothing but the texts before calling. */
export interface EnrichJobData {
  paper: Paper;
  lang: string;
  /** The model asked for; the worker makes a provider for it on the queue's account. */
  model: string;
  promptVersion: string;
  retryFailed: boolean;
  /** The run's budget, shared by every worker (JobQueue.budget): reserved before the call, settled after. */
  budget?: { key: string; limit: number };
}

/** What a finished job reports back. */
export interface EnrichJobValue {
  /** `done`: enriched now; `cached`: another run or worker had stored it; `failed`: stored as failed (gate, after repairs). */
  status: 'done' | 'cached' | 'reused' | 'failed';
  reason?: string;
  calls: number;
  repairs: number;
  retries: number;
  tokens: EnrichResult['tokens'];
  cost: number | null;
  saved: number | null;
}

/** The job id: the text key (paper, version, language, model, prompt), so that enqueuing twice runs once. */
export function enrichJobId(data: Pick<EnrichJobData, 'paper' | 'lang' | 'model' | 'promptVersion'>): string {
  // BullMQ ids may not contain ':' nor be whole numbers.
  return `${data.paper.id}@v${data.paper.version ?? 'x'}.${data.lang}.${data.model}.${data.promptVersion}`.replace(/:/g, '_');
}

export interface EnrichJobDependencies {
  store: Pick<Store, 'getTexts' | 'saveTexts'>;
  /** The provider for a model, on the account the worker's queue serves. */
  providerFor(model: string): LlmProvider;
  /** Enrichment settings (prompt dir, timeouts, repairs, prices); concurrency, pacing and budget are the queue's. */
  settings?: Omit<EnrichOptions, 'store' | 'provider' | 'papers' | 'concurrency' | 'rpm' | 'tpm' | 'budget' | 'batch' | 'onEvent' | 'signal'>;
  /** The budgets every worker shares (the queue's); needed for jobs that carry a budget. */
  budget?: SharedBudget;
}

/** Input tokens of the instructions around a paper, for the estimate a budget reserves (settled to the real cost after). */
const PROMPT_TOKENS_ESTIMATE = 1000;

/** What one job's call is reserved at: the paper's tokens plus the instructions in, twice the paper's out (as enrich estimates). */
export function estimateJobCost(paper: Paper, price: ModelPrice, maxOutputTokens?: number): number {
  const paperTokens = estimateTokens(`${paper.title} ${paper.abstract}`);
  return costOf({ inputTokens: paperTokens + PROMPT_TOKENS_ESTIMATE, outputTokens: maxOutputTokens ?? 2 * paperTokens + 200 }, price) ?? 0;
}

/** The error a job leaves with when the run's budget has no room for its call: not retried, and not a failure of the paper. */
export const BUDGET_REFUSED = 'BUDGET_EXCEEDED';

/**
 * The job "enrich a paper-language": enrichPapers on one paper with one attempt per call. The store is read first (texts
 * already saved: no call), the answer is saved before the job completes, so a worker killed mid-call costs at most that
 * call again. A 429 leaves as LLM_RATE_LIMITED with its Retry-After, which pauses the queue for every worker; other
 * call failures are thrown for the queue's retries with backoff.
 */
export function createEnrichJobHandler(dependencies: EnrichJobDependencies): JobHandler<EnrichJobData, EnrichJobValue> {
  return async (data) => {
    const base = dependencies.providerFor(data.model);
    let limited: XivdigestError | undefined;
    const provider: LlmProvider = {
      id: base.id,
      modelId: base.modelId,
      generate: async (request) => {
        try {
          return await base.generate(request);
        } catch (error) {
          if (XivdigestError.isInstance(error) && error.code === 'LLM_RATE_LIMITED') limited = error;
          throw error;
        }
      },
    };
    // The budget: reserve the call's estimate on the shared counter first; no room, no call (the run stops there).
    let reserved: { key: string; estimate: number } | undefined;
    if (data.budget) {
      const price = priceOf(dependencies.settings?.prices ?? DEFAULT_PRICES, base.id, base.modelId);
      if (!dependencies.budget || !price)
        throw new XivdigestError({
          code: 'CONFIG_INVALID',
          message: `This worker cannot count the budget of ${base.id}/${base.modelId} (no shared counter or no price)`,
        });
      const estimate = estimateJobCost(data.paper, price, dependencies.settings?.maxOutputTokens);
      if (!(await dependencies.budget.reserve(data.budget.key, data.budget.limit, estimate)))
        throw new XivdigestError({ code: BUDGET_REFUSED, message: `The budget of $${data.budget.limit} is spent (or reserved by calls in flight)` });
      reserved = { key: data.budget.key, estimate };
    }
    let result: EnrichResult;
    try {
      result = await enrichPapers({
        ...dependencies.settings,
        store: dependencies.store,
        provider,
        papers: [data.paper],
        lang: data.lang,
        promptVersion: data.promptVersion,
        retryFailed: data.retryFailed,
        concurrency: 1,
        // Retries are the queue's: a 429 must reach it (to pause everyone), and a retry may go to another worker.
        maxAttempts: 1,
      });
    } catch (error) {
      if (reserved) await dependencies.budget!.settle(reserved.key, reserved.estimate, 0);
      throw error;
    }
    if (reserved) await dependencies.budget!.settle(reserved.key, reserved.estimate, result.cost ?? reserved.estimate);
    const failure = result.failed[0];
    if (failure && !failure.stored) {
      if (limited) throw limited;
      throw new XivdigestError({ code: 'LLM_UNAVAILABLE', message: failure.reason, isRetryable: true });
    }
    return {
      status: result.done > 0 ? 'done' : result.cached > 0 ? 'cached' : result.reused > 0 ? 'reused' : 'failed',
      ...(failure ? { reason: failure.reason } : {}),
      calls: result.calls,
      repairs: result.repairs,
      retries: result.retries,
      tokens: result.tokens,
      cost: result.cost,
      saved: result.saved,
    };
  };
}

export interface QueuedEnrichOptions {
  queue: JobQueue;
  /** The provider account's queue (providerQueueName). */
  queueName: string;
  /** `low` for backfill (`enrich --all`): today's digests go first. */
  priority?: 'normal' | 'low';
  /** False: enqueue and return at once (`--no-wait`); the result counts the queued papers as `remaining`. */
  wait?: boolean;
}

/**
 * enrichPapers' twin for queued mode: plans from the store (cached papers cost nothing), enqueues one job per paper
 * that needs a call, waits for them with the same events (paper-enriched, paper-failed) for progress, and returns the
 * same result. Batch mode (its own asynchronous API) runs in this process as before.
 */
export function createQueuedEnrich(queued: QueuedEnrichOptions): (options: EnrichOptions) => Promise<EnrichResult> {
  return async (options) => {
    if (options.batch) return enrichPapers(options);
    const emit = options.onEvent ?? (() => undefined);
    const { promptVersion, lang, plans } = await planEnrichment(options);
    const result = emptyEnrichResult({ total: plans.length, provider: options.provider.id, model: options.provider.modelId, promptVersion, lang });
    const toEnrich = plans.filter((plan) => plan.kind === 'enrich');
    reportPlanned(emit, result, plans);
    // One budget for the run across every worker: a counter of its own on the queue, named by a fresh id.
    let budget: EnrichJobData['budget'];
    if (options.budget !== undefined) {
      if (priceOf(options.prices ?? DEFAULT_PRICES, options.provider.id, options.provider.modelId) === null)
        throw new XivdigestError({
          code: 'CONFIG_INVALID',
          message: `A budget of $${options.budget} is set, but the price of ${options.provider.id}/${options.provider.modelId} is unknown, so spending cannot be counted`,
          hint: `Add "${options.provider.modelId}" to the price table (USD per million input and output tokens), or drop the budget`,
        });
      budget = { key: `enrich-${randomUUID()}`, limit: options.budget };
    }
    const byId = new Map<string, Paper>();
    const jobs = toEnrich.map((plan) => {
      const data: EnrichJobData = {
        paper: plan.paper,
        lang,
        model: options.provider.modelId,
        promptVersion,
        retryFailed: options.retryFailed ?? false,
        ...(budget ? { budget } : {}),
      };
      const id = enrichJobId(data);
      byId.set(id, plan.paper);
      return { id, data, priority: queued.priority ?? 'normal' };
    });
    const added = await queued.queue.add(queued.queueName, jobs);
    emit({ type: 'jobs-queued', queue: queued.queueName, jobs: jobs.length, added });
    if (queued.wait === false || jobs.length === 0) {
      result.remaining = jobs.length;
      return finish();
    }
    let costKnown = true;
    const onSettled = (settlement: JobSettlement<EnrichJobValue | undefined>): void => {
      const paper = byId.get(settlement.id)!;
      if (!settlement.ok && settlement.reason.startsWith(BUDGET_REFUSED)) {
        // No room left in the budget: the paper is left for a later run, like the in-process stop.
        result.remaining += 1;
        if (!result.stoppedForBudget) {
          result.stoppedForBudget = true;
          emit({ type: 'budget-reached', spent: result.cost ?? 0, budget: budget!.limit, inFlight: 0 });
        }
        return;
      }
      if (!settlement.ok) {
        const reason = `the workers could not enrich it: ${settlement.reason}`;
        result.failed.push({ id: paper.id, version: paper.version, reason, stored: false });
        emit({ type: 'paper-failed', id: paper.id, version: paper.version, reason, stored: false, cached: false });
        return;
      }
      const value = settlement.value;
      if (value) {
        result.calls += value.calls;
        result.repairs += value.repairs;
        result.retries += value.retries;
        for (const key of Object.keys(result.tokens) as Array<keyof EnrichResult['tokens']>) result.tokens[key] += value.tokens[key];
        if (value.cost === null) costKnown = false;
        else result.cost = (result.cost ?? 0) + value.cost;
        result.saved = value.saved === null || result.saved === null ? null : result.saved + value.saved;
      }
      if (!value || value.status === 'done') {
        result.done += 1;
        emit({
          type: 'paper-enriched',
          id: paper.id,
          version: paper.version,
          calls: value?.calls ?? 0,
          tokens: value?.tokens.total ?? 0,
          cost: value?.cost ?? null,
          flags: [],
        });
      } else if (value.status === 'cached' || value.status === 'reused') {
        result[value.status] += 1;
        emit({ type: 'paper-enriched', id: paper.id, version: paper.version, calls: 0, tokens: 0, cost: 0, flags: [] });
      } else {
        const reason = value.reason ?? 'failed the quality gate';
        result.failed.push({ id: paper.id, version: paper.version, reason, stored: true });
        emit({ type: 'paper-failed', id: paper.id, version: paper.version, reason, stored: true, cached: false });
      }
    };
    try {
      await queued.queue.wait<EnrichJobValue | undefined>(queued.queueName, [...byId.keys()], {
        onSettled,
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (message) => emit({ type: 'queue-unserved', queue: queued.queueName, message }),
      });
    } catch (error) {
      const settled = result.done + result.cached + result.reused;
      result.remaining = Math.max(
        0,
        toEnrich.length - settled - result.failed.filter((failure) => !failure.reason.startsWith('stored as failed by an earlier run')).length,
      );
      if (XivdigestError.isInstance(error))
        throw new XivdigestError({
          code: error.code,
          message: error.message,
          ...(error.hint ? { hint: error.hint } : {}),
          cause: error,
          details: { ...error.details, result: finish() },
        });
      throw error;
    }
    if (!costKnown) result.cost = null;
    return finish();

    function finish(): EnrichResult {
      emit({ type: 'run-finished', result });
      return result;
    }
  };
}
