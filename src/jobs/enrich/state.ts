/** The shared state of one enrichment run, and the steps that change it: accounting, the budget stop, fatal stops, the end. */
import { XivdigestError, type XivdigestErrorCode } from '../../core/errors.js';
import type { LlmUsage } from '../../core/llm.js';
import type { PromptTemplate } from '../../llm/prompts/index.js';
import { costOf, listCostOf, priceOf, type ModelPrice, type PriceTable } from '../../llm/pricing.js';
import { createCallScheduler, type CallScheduler, type CallSchedulerEvent } from '../../llm/scheduler.js';
import type { EnrichEvent, EnrichOptions, EnrichResult, Plan } from './types.js';

/** Errors that every later call would meet too: the run stops instead of failing each paper in turn. */
export const FATAL_CODES: ReadonlySet<XivdigestErrorCode> = new Set(['LLM_AUTH', 'LLM_MODEL_MISSING', 'STORE_ERROR']);

/** What a run is asked to do, resolved from its options once; never changed. */
export interface RunContext {
  options: EnrichOptions;
  lang: string;
  template: PromptTemplate;
  promptVersion: string;
  schema: Record<string, unknown>;
  structured: boolean;
  maxRepairs: number;
  prices: PriceTable;
  price: ModelPrice | null;
  budget: number | undefined;
}

/** The mutable state of a run, passed to every step. */
export interface RunState {
  readonly run: RunContext;
  readonly result: EnrichResult;
  spent: number;
  saved: number;
  costKnown: boolean;
  /** Calls running now. */
  inFlight: number;
  /** Why the scheduler stopped for an error every call would meet, when it did. */
  fatal: XivdigestError | undefined;
  /** The error the scheduler is stopped with when the budget is spent. */
  readonly budgetStop: XivdigestError;
  /** Set by {@link startScheduler} once there is work to call. */
  scheduler: CallScheduler | undefined;
}

/** The state of a run before its first call: an empty result and nothing spent. */
export function createRunState(run: RunContext): RunState {
  const { provider } = run.options;
  return {
    run,
    result: emptyEnrichResult({ total: 0, provider: provider.id, model: provider.modelId, promptVersion: run.promptVersion, lang: run.lang }),
    spent: 0,
    saved: 0,
    costKnown: true,
    inFlight: 0,
    fatal: undefined,
    budgetStop: new XivdigestError({ code: 'BUDGET_EXCEEDED', message: `The budget of $${run.budget} is spent` }),
    scheduler: undefined,
  };
}

/** Sends an event to the caller's listener. */
export function emit(state: RunState, event: EnrichEvent): void {
  state.run.options.onEvent?.(event);
}

/** Creates the run's call scheduler from its options, forwarding the scheduler's events. */
export function startScheduler(state: RunState): CallScheduler {
  const { options } = state.run;
  const scheduler = createCallScheduler({
    concurrency: options.concurrency ?? 4,
    ...(options.rpm !== undefined ? { rpm: options.rpm } : {}),
    ...(options.tpm !== undefined ? { tpm: options.tpm } : {}),
    maxAttempts: options.maxAttempts ?? 4,
    connectionFailuresToStop: options.connectionFailuresToStop ?? 5,
    ...(options.backoff?.baseDelayMs !== undefined ? { baseDelayMs: options.backoff.baseDelayMs } : {}),
    ...(options.backoff?.maxDelayMs !== undefined ? { maxDelayMs: options.backoff.maxDelayMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onEvent: (event) => forwardSchedulerEvent(state, event),
  });
  state.scheduler = scheduler;
  return scheduler;
}

/** The scheduler of a run that has started calling. */
export function schedulerOf(state: RunState): CallScheduler {
  if (!state.scheduler) throw new Error('The enrichment scheduler has not been started');
  return state.scheduler;
}

/** Turns a scheduler event into the run's event (and counts retries). */
function forwardSchedulerEvent(state: RunState, event: CallSchedulerEvent): void {
  switch (event.type) {
    case 'call-retrying':
      state.result.retries += 1;
      emit(state, {
        type: 'call-retrying',
        id: event.label,
        attempt: event.attempt,
        delayMs: event.delayMs,
        code: event.error.code,
        message: event.error.message,
      });
      break;
    case 'concurrency-lowered':
    case 'concurrency-raised':
      emit(state, { type: event.type, from: event.from, to: event.to });
      break;
    case 'calls-paused':
      emit(state, { type: 'calls-paused', ms: event.ms, reason: event.reason });
      break;
    case 'circuit-opened':
      // The API is not there: stop like for a bad key; the unfinished papers are `remaining`, not stored as failed.
      stopForError(state, event.error);
      break;
  }
}

/** Whether the budget, if any, is spent. */
export function budgetReached(state: RunState): boolean {
  return state.run.budget !== undefined && state.spent >= state.run.budget;
}

/** Marks the run stopped for its budget, says so, and stops the scheduler. */
export function stopForBudget(state: RunState): void {
  state.result.stoppedForBudget = true;
  emit(state, { type: 'budget-reached', spent: state.spent, budget: state.run.budget!, inFlight: state.inFlight });
  schedulerOf(state).stop(state.budgetStop);
}

/** Remembers the first error every later call would meet and stops the scheduler with it. */
export function stopForError(state: RunState, error: XivdigestError): void {
  state.fatal ??= error;
  schedulerOf(state).stop(new XivdigestError({ code: error.code, message: `Stopped: ${error.message}`, cause: error }));
}

/** Adds a call's usage to the run; returns its cost. Stops the scheduler when the budget is reached. */
export function account(state: RunState, usage: LlmUsage | undefined, model: string | undefined, batch = false): number | null {
  if (!usage) return 0;
  const { result, run } = state;
  result.tokens.input += usage.inputTokens;
  result.tokens.output += usage.outputTokens;
  result.tokens.total += usage.totalTokens;
  result.tokens.cachedInput += usage.cachedInputTokens ?? 0;
  result.tokens.cacheWrite += usage.cacheWriteTokens ?? 0;
  // The API may name a dated snapshot of the model asked for; price what was asked for first.
  const known: ModelPrice | null = run.price ?? (model ? priceOf(run.prices, run.options.provider.id, model) : null);
  const cost = costOf(usage, known, { batch });
  if (cost === null) state.costKnown = false;
  else {
    state.spent += cost;
    state.saved += listCostOf(usage, known)! - cost;
  }
  if (budgetReached(state) && !result.stoppedForBudget) stopForBudget(state);
  return cost;
}

/** Settles cost and savings in the result and reports the end of the run. */
export function finish(state: RunState): EnrichResult {
  const { result } = state;
  result.saved = state.costKnown ? state.saved : null;
  result.cost = state.costKnown ? state.spent : null;
  emit(state, { type: 'run-finished', result });
  return result;
}

/** Counts and reports the papers that need no call (cached, reused, stored as failed) as the run starts. */
export function reportPlans(state: RunState, plans: readonly Plan[]): void {
  reportPlanned((event) => emit(state, event), state.result, plans);
}

/** reportPlans for a caller without a RunState (the queued path): events go to `send`, counts into `result`. */
export function reportPlanned(send: (event: EnrichEvent) => void, result: EnrichResult, plans: readonly Plan[]): void {
  send({
    type: 'run-started',
    total: plans.length,
    toEnrich: plans.filter((plan) => plan.kind === 'enrich').length,
    cached: plans.filter((plan) => plan.kind === 'cached' && !plan.reused).length,
    reused: plans.filter((plan) => plan.kind === 'cached' && plan.reused).length,
    failed: plans.filter((plan) => plan.kind === 'failed').length,
  });
  for (const plan of plans) {
    if (plan.kind === 'cached') {
      if (plan.reused) result.reused += 1;
      else result.cached += 1;
      send({
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
      send({ type: 'paper-failed', id: plan.paper.id, version: plan.paper.version, reason, stored: true, cached: true });
    }
  }
}

/** A result before any paper: every count zero; what identifies the run given. One shape for every enrich path. */
export function emptyEnrichResult(about: Pick<EnrichResult, 'total' | 'provider' | 'model' | 'promptVersion' | 'lang'>): EnrichResult {
  return {
    ...about,
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
  };
}
