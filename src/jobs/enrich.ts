/** Enrichment: one LLM call per paper (or one batch for all, at half price) for its translated title, TL;DR and abstract; gated, repaired, stored at once, cached, resumable, within budget. */
import { XivdigestError } from '../core/errors.js';
import { DEFAULT_PRICES, priceOf } from '../llm/pricing.js';
import { loadPrompt, PAPER_TEXTS_PROMPT_VERSION, PAPER_TEXTS_STRUCTURED_SCHEMA, schemaFor } from '../llm/prompts/index.js';
import { enrichInBatches } from './enrich/batch.js';
import { enrichSafely } from './enrich/paper.js';
import { planPapers, uniquePapers } from './enrich/plan.js';
import {
  budgetReached,
  createRunState,
  finish,
  reportPlans,
  startScheduler,
  stopForBudget,
  stopForError,
  type RunContext,
  type RunState,
} from './enrich/state.js';
import type { EnrichOptions, EnrichResult, OpenBatchRecord, Plan } from './enrich/types.js';

export { emptyEnrichResult } from './enrich/state.js';

export type { EnrichBatchOptions, EnrichBatchSummary, EnrichEvent, EnrichFailure, EnrichOptions, EnrichResult, OpenBatchRecord, Plan } from './enrich/types.js';

/** The state key of the open enrichment batch of a provider, model, prompt and language. */
export function batchStateKey(provider: string, model: string, promptVersion: string, lang: string): string {
  return `batch:enrich:${provider}/${model}/${promptVersion}/${lang}`;
}

/**
 * The plan of an enrichment run without running it: the prompt version it would use and, for each unique paper, whether
 * its texts are cached (or reusable), stored as failed, or need a call. Queued mode (queue.url) enqueues the last kind.
 */
export async function planEnrichment(
  options: Pick<EnrichOptions, 'store' | 'provider' | 'papers' | 'lang' | 'promptVersion' | 'promptsDir' | 'retryFailed' | 'reuseOtherModels'>,
): Promise<{ promptVersion: string; lang: string; plans: Plan[] }> {
  const lang = options.lang ?? 'zh';
  const template = loadPrompt(options.promptVersion ?? PAPER_TEXTS_PROMPT_VERSION, options.promptsDir ? { dir: options.promptsDir } : {});
  const plans = await planPapers(options.store, uniquePapers(options.papers), {
    lang,
    provider: options.provider.id,
    model: options.provider.modelId,
    promptVersion: template.promptVersion,
    retryFailed: options.retryFailed ?? false,
    reuseOtherModels: options.reuseOtherModels ?? true,
    needsSummary: schemaFor(template) === PAPER_TEXTS_STRUCTURED_SCHEMA,
  });
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
  const run = resolveRun(options);
  const { provider } = options;
  const state = createRunState(run);
  const papers = uniquePapers(options.papers);
  state.result.total = papers.length;
  const plans = await planPapers(options.store, papers, {
    lang: run.lang,
    provider: provider.id,
    model: provider.modelId,
    promptVersion: run.promptVersion,
    retryFailed: options.retryFailed ?? false,
    reuseOtherModels: options.reuseOtherModels ?? true,
    needsSummary: run.structured,
  });
  const toEnrich = plans.filter((plan): plan is Extract<Plan, { kind: 'enrich' }> => plan.kind === 'enrich');
  reportPlans(state, plans);
  const batchKey = batchStateKey(provider.id, provider.modelId, run.promptVersion, run.lang);
  const openBatch = options.batch ? await options.batch.state.getState<OpenBatchRecord>(batchKey) : undefined;
  if (toEnrich.length === 0 && !openBatch) return finish(state);

  const scheduler = startScheduler(state);
  if (budgetReached(state)) stopForBudget(state);
  if (options.batch) {
    await runBatch(state, { batch: options.batch, key: batchKey, open: openBatch, pending: toEnrich.map(({ paper, hash }) => ({ paper, hash })), papers });
  } else {
    await Promise.all(toEnrich.map((plan) => enrichSafely(state, plan.paper, plan.hash)));
  }
  state.result.cost = state.costKnown ? state.spent : null;
  scheduler.stop(new XivdigestError({ code: 'ABORTED', message: 'The enrichment run has finished' }));
  return endRun(state);
}

/** Resolves a run's prompt, schema, prices and budget from its options; throws for a budget that cannot be counted. */
function resolveRun(options: EnrichOptions): RunContext {
  const { provider } = options;
  const template = loadPrompt(options.promptVersion ?? PAPER_TEXTS_PROMPT_VERSION, options.promptsDir ? { dir: options.promptsDir } : {});
  const schema = schemaFor(template);
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
  return {
    options,
    lang: options.lang ?? 'zh',
    template,
    promptVersion: template.promptVersion,
    schema,
    structured: schema === PAPER_TEXTS_STRUCTURED_SCHEMA,
    maxRepairs: options.maxRepairs ?? 2,
    prices,
    price,
    budget,
  };
}

/** The batch path, with a failing batch turned into a stop; papers left in an open batch are resumed by the next run. */
async function runBatch(state: RunState, job: Parameters<typeof enrichInBatches>[1]): Promise<void> {
  const { result } = state;
  const failedBeforeBatch = result.failed.length;
  try {
    await enrichInBatches(state, job);
  } catch (error) {
    const stopped = XivdigestError.isInstance(error)
      ? error
      : new XivdigestError({ code: 'LLM_UNAVAILABLE', message: `The batch failed: ${error instanceof Error ? error.message : String(error)}`, cause: error });
    if (stopped.code !== 'ABORTED') stopForError(state, stopped);
    result.remaining = Math.max(result.remaining, job.pending.length - result.done - (result.failed.length - failedBeforeBatch));
  }
}

/** Finishes the run: throws with the partial result after a fatal error or an abort, else returns the result. */
function endRun(state: RunState): EnrichResult {
  const { fatal, result } = state;
  const { signal } = state.run.options;
  if (fatal) {
    throw new XivdigestError({
      code: fatal.code,
      message: `Enrichment stopped after ${result.done} papers: ${fatal.message}`,
      ...(fatal.hint ? { hint: fatal.hint } : {}),
      cause: fatal,
      details: { ...fatal.details, result: finish(state) },
    });
  }
  if (signal?.aborted) {
    throw new XivdigestError({
      code: 'ABORTED',
      message: `Enrichment aborted after ${result.done} papers; ${result.remaining} left for the next run`,
      cause: signal.reason,
      details: { result: finish(state) },
    });
  }
  return finish(state);
}
