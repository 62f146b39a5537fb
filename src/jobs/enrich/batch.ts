/** The batch path: resume or submit one batch of first calls, wait with progress, and pass each answer to the paper step. */
import { XivdigestError } from '../../core/errors.js';
import type { Paper } from '../../core/paper.js';
import type { BatchItemOutcome, BatchProgress } from '../../llm/batch/types.js';
import { costOf } from '../../llm/pricing.js';
import { PAPER_TEXTS_SCHEMA_NAME, renderPaperPrompt, type PromptMessages } from '../../llm/prompts/index.js';
import { estimateTokens } from '../../llm/scheduler.js';
import { enrichSafely } from './paper.js';
import { planFor, textsByPaper } from './plan.js';
import { budgetReached, emit, type RunState } from './state.js';
import type { EnrichBatchOptions, EnrichBatchSummary, OpenBatchRecord } from './types.js';

/** What the batch path works on: the batch options, the state key, the open batch found, and the papers asked for. */
export interface BatchJob {
  batch: EnrichBatchOptions;
  key: string;
  open: OpenBatchRecord | undefined;
  /** The papers that need a call. */
  pending: Array<{ paper: Paper; hash: string }>;
  /** All unique papers of the run. */
  papers: readonly Paper[];
}

type Prompted = { paper: Paper; hash: string; messages: PromptMessages };

/**
 * Resumes the open batch of an earlier run (or submits one), writing the custom id → paper map to the store before
 * waiting; polls with progress; collects; and passes each answer to the paper step, so that the gate, repairs
 * (synchronous), saving and accounting are those of synchronous answers. Items the batch did not answer are called
 * synchronously. A run stopped while waiting leaves the record: the next run polls the same batch again.
 */
export async function enrichInBatches(state: RunState, job: BatchJob): Promise<void> {
  state.result.batch = { ids: [], items: 0, resumed: false, answered: 0, fellBack: 0 };
  const pending = job.open && job.open.batchId !== null ? await resumeOpenBatch(state, job, job.open, job.open.batchId) : job.pending;
  // A record without an id: the run stopped between writing the map and the provider's answer; the batch may exist
  // (it cannot be found without its id), so its papers are submitted again (ADR 0034).
  if (pending.length === 0 || state.fatal || state.run.options.signal?.aborted) return;
  if (budgetReached(state)) {
    state.result.remaining += pending.length;
    return;
  }
  const { template, lang } = state.run;
  const prompts = fitBudget(
    state,
    pending.map((entry) => ({ ...entry, messages: renderPaperPrompt(template, { title: entry.paper.title, abstract: entry.paper.abstract, lang }) })),
  );
  if (prompts.length === 0) return;
  const record = await submitBatch(state, job, prompts);
  await waitAndCollect(state, job, record.batchId!, record, false);
}

/** Waits for and collects the open batch; returns the papers it does not cover (all of them when the provider forgot it). */
async function resumeOpenBatch(state: RunState, job: BatchJob, open: OpenBatchRecord, id: string): Promise<BatchJob['pending']> {
  const summary = state.result.batch!;
  summary.resumed = true;
  emit(state, { type: 'batch-resumed', id, items: Object.keys(open.items).length, submittedAt: open.submittedAt });
  const covered = new Set(Object.values(open.items).map((item) => `${item.id}@${item.version ?? ''}@${item.abstractHash}`));
  const rest = job.pending.filter((entry) => !covered.has(`${entry.paper.id}@${entry.paper.version ?? ''}@${entry.hash}`));
  try {
    await waitAndCollect(state, job, id, open, true);
    return rest;
  } catch (error) {
    // The provider does not know the batch (another account or base URL, or deleted): forget it and submit anew.
    if (!XivdigestError.isInstance(error) || error.details.status !== 404) throw error;
    emit(state, { type: 'batch-poll-failed', id, message: `${error.message}; submitting its papers again` });
    await job.batch.state.setState(job.key, undefined);
    summary.ids.pop();
    summary.resumed = false;
    summary.items -= Object.keys(open.items).length;
    return job.pending;
  }
}

/** A batch cannot be stopped half-way like a run of calls: keeps only the papers whose estimated cost fits the budget. */
function fitBudget(state: RunState, prompts: Prompted[]): Prompted[] {
  const { budget, price, options } = state.run;
  if (budget === undefined || price === null) return prompts;
  let room = budget - state.spent;
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
  if (fits === prompts.length) return prompts;
  state.result.remaining += prompts.length - fits;
  state.result.stoppedForBudget = true;
  emit(state, { type: 'budget-reached', spent: state.spent, budget, inFlight: 0 });
  return prompts.slice(0, fits);
}

/** Writes the custom id → paper map, submits the batch, and records its id; returns the record. */
async function submitBatch(state: RunState, job: BatchJob, prompts: Prompted[]): Promise<OpenBatchRecord> {
  const { options, lang, schema } = state.run;
  const record: OpenBatchRecord = { batchId: null, protocol: job.batch.client.protocol, submittedAt: new Date().toISOString(), items: {} };
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
    return {
      customId,
      request: {
        system: entry.messages.system,
        prompt: entry.messages.prompt,
        schema,
        schemaName: PAPER_TEXTS_SCHEMA_NAME,
        ...(options.maxOutputTokens !== undefined ? { maxOutputTokens: options.maxOutputTokens } : {}),
        ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
      },
    };
  });
  await job.batch.state.setState(job.key, record);
  const id = await job.batch.client.submit(requests, options.signal);
  record.batchId = id;
  await job.batch.state.setState(job.key, record);
  emit(state, { type: 'batch-submitted', id, items: requests.length });
  return record;
}

/** Polls a batch until it ends, then passes each item to the paper step and forgets the record. */
async function waitAndCollect(state: RunState, job: BatchJob, id: string, record: OpenBatchRecord, resumed: boolean): Promise<void> {
  const summary: EnrichBatchSummary = state.result.batch!;
  summary.ids.push(id);
  summary.items += Object.keys(record.items).length;
  const progress = await pollUntilEnded(state, job.batch, id, record);
  const outcomes = new Map<string, BatchItemOutcome>();
  for (const outcome of await job.batch.client.collect(id, state.run.options.signal)) outcomes.set(outcome.customId, outcome);
  const counts = await settleItems(state, job, id, record, resumed, outcomes, progress);
  summary.answered += counts.answered;
  summary.fellBack += counts.unanswered;
  emit(state, { type: 'batch-collected', id, answered: counts.answered, unanswered: counts.unanswered, reasons: [...counts.reasons].slice(0, 5) });
  if (!state.fatal) await job.batch.state.setState(job.key, undefined);
}

/** Looks at the batch every interval, emitting progress, until it has ended; returns its last progress. */
async function pollUntilEnded(state: RunState, batch: EnrichBatchOptions, id: string, record: OpenBatchRecord): Promise<BatchProgress | undefined> {
  const { signal } = state.run.options;
  const interval = batch.pollIntervalMs ?? 30_000;
  const startedAt = Date.parse(record.submittedAt) || Date.now();
  let progress: BatchProgress | undefined;
  for (;;) {
    if (signal?.aborted) throw new XivdigestError({ code: 'ABORTED', message: `Stopped waiting for batch ${id}; the next run resumes it` });
    try {
      progress = await batch.client.poll(id, signal);
    } catch (error) {
      if (!XivdigestError.isInstance(error) || !error.isRetryable) throw error;
      // A failed look is not a failed batch: the provider keeps working; look again after the interval.
      emit(state, { type: 'batch-poll-failed', id, message: error.message });
    }
    if (progress) {
      const elapsedMs = Date.now() - startedAt;
      const etaMs = progress.finished > 0 && progress.total > 0 ? (elapsedMs / progress.finished) * (progress.total - progress.finished) : undefined;
      emit(state, { type: 'batch-progress', progress, elapsedMs, etaMs });
      if (progress.ended) return progress;
    }
    await sleep(interval, signal);
  }
}

/** The papers of a batch's items, as they were when the batch was made. */
function itemPapers(record: OpenBatchRecord, papers: readonly Paper[]) {
  return Object.entries(record.items).map(([customId, item]) => ({
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
}

/** Passes each item's outcome to the paper step; unanswered items are called synchronously, at the full price. */
async function settleItems(
  state: RunState,
  job: BatchJob,
  id: string,
  record: OpenBatchRecord,
  resumed: boolean,
  outcomes: Map<string, BatchItemOutcome>,
  progress: BatchProgress | undefined,
): Promise<{ answered: number; unanswered: number; reasons: Set<string> }> {
  const { options, promptVersion, structured } = state.run;
  // Items already saved (a re-collect after a kill mid-way) are cached now: no second save, no second charge.
  const items = itemPapers(record, job.papers);
  const stored = textsByPaper(await options.store.getTexts([...new Set(items.map((entry) => entry.item.id))]));
  const known = new Set(job.papers.map((paper) => `${paper.id}@${paper.version ?? ''}`));
  const counts = { answered: 0, unanswered: 0, reasons: new Set<string>() };
  await Promise.all(
    items.map(async ({ customId, item, paper }) => {
      const plan = planFor(paper, stored.get(item.id) ?? [], {
        lang: item.lang,
        provider: options.provider.id,
        model: options.provider.modelId,
        promptVersion,
        retryFailed: true,
        reuseOtherModels: false,
        needsSummary: structured,
      });
      // Papers of a resumed batch that this run was not asked for still count: they were paid for.
      if (resumed && !known.has(`${item.id}@${item.version ?? ''}`)) state.result.total += 1;
      if (plan.kind !== 'enrich') return;
      const outcome = outcomes.get(customId);
      if (outcome?.ok) {
        counts.answered += 1;
        return enrichSafely(state, paper, item.abstractHash, { answer: outcome.result });
      }
      if (outcome && !outcome.unanswered) {
        counts.answered += 1;
        return enrichSafely(state, paper, item.abstractHash, { error: outcome.error });
      }
      counts.unanswered += 1;
      counts.reasons.add(outcome ? outcome.error.message : `${id} has no result for ${customId}${progress?.error ? ` (${progress.error})` : ''}`);
      // Expired, cancelled or failed: the paper is called synchronously, at the full price.
      return enrichSafely(state, paper, item.abstractHash);
    }),
  );
  return counts;
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
