/** One paper's enrichment: call (or take the batch's answer), gate, repair up to maxRepairs, and save at once. */
import { XivdigestError } from '../../core/errors.js';
import type { LlmResult, LlmUsage } from '../../core/llm.js';
import type { Paper } from '../../core/paper.js';
import type { StoredTexts } from '../../core/texts.js';
import { PAPER_TEXTS_SCHEMA_NAME, renderPaperPrompt, renderRepairPrompt, type PaperPromptInput, type PromptMessages } from '../../llm/prompts/index.js';
import { estimateTokens } from '../../llm/scheduler.js';
import { checkTexts, repairHint } from '../../llm/validate/index.js';
import { gateReason, outputProblems, stripHeading, summaryOf } from './answers.js';
import { account, budgetReached, emit, FATAL_CODES, schedulerOf, stopForError, type RunState } from './state.js';

/** The paper's first answer (or unusable answer) from a batch; the rounds after it are synchronous repairs. */
export type FirstAnswer = { answer: LlmResult } | { error: XivdigestError };

/** What one paper's rounds have found and spent so far. */
interface PaperWork {
  paper: Paper;
  hash: string;
  input: PaperPromptInput;
  outputEstimate: number;
  maxOutputTokens: number | undefined;
  problems: string;
  lastReason: string;
  calls: number;
  tokens: number;
  cost: number | null;
}

/** Enriches one paper; a bug in its path fails this paper only, so that the others' results are kept. */
export async function enrichSafely(state: RunState, paper: Paper, hash: string, first?: FirstAnswer): Promise<void> {
  try {
    await enrichOne(state, paper, hash, first);
  } catch (error) {
    failUnstored(state, paper, `unexpected error: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Runs the rounds of one paper: the first answer, then repairs, until one is kept or the repairs are used up. */
async function enrichOne(state: RunState, paper: Paper, hash: string, first?: FirstAnswer): Promise<void> {
  const { options, lang, template, maxRepairs } = state.run;
  const work: PaperWork = {
    paper,
    hash,
    input: { title: paper.title, abstract: paper.abstract, lang },
    outputEstimate: options.maxOutputTokens ?? 2 * estimateTokens(`${paper.title} ${paper.abstract}`) + 200,
    maxOutputTokens: options.maxOutputTokens,
    problems: '',
    lastReason: '',
    calls: 0,
    tokens: 0,
    cost: 0,
  };
  for (let round = 0; round <= maxRepairs; round++) {
    const messages = round === 0 ? renderPaperPrompt(template, work.input) : renderRepairPrompt(template, work.input, work.problems);
    if (round > 0) emit(state, { type: 'paper-repairing', id: paper.id, version: paper.version, round, problems: work.problems });
    let outcome: { answer: LlmResult; kept: boolean | undefined } | 'repair' | 'stop';
    if (round === 0 && first) outcome = await takeBatchAnswer(state, work, first);
    else outcome = await callForAnswer(state, work, messages, round);
    if (outcome === 'stop') return;
    if (outcome === 'repair') continue;
    if (outcome.kept !== undefined) return;
    // Let the I/O that is ready go first: other calls' answers free their slots and start the next calls. The gate
    // and the save cost a few ms of CPU per paper; run at once, a burst of answers would hold up the slots behind it.
    await afterPendingIo();
    findProblems(state, work, outcome.answer);
  }
  await saveFailure(state, work);
}

/** Adds a call's usage to the run and to the paper. */
function charge(state: RunState, work: PaperWork, usage: LlmUsage | undefined, model: string | undefined, batch = false): void {
  const cost = account(state, usage, model, batch);
  work.tokens += usage?.totalTokens ?? 0;
  work.cost = work.cost === null || cost === null ? null : work.cost + cost;
}

/** The batch's answer: paid at the batch price, then the same gate and repairs as a synchronous answer. */
async function takeBatchAnswer(state: RunState, work: PaperWork, first: FirstAnswer): Promise<{ answer: LlmResult; kept: boolean | undefined } | 'repair'> {
  state.result.calls += 1;
  work.calls += 1;
  if ('error' in first) {
    const error = first.error;
    charge(state, work, error.details.usage as LlmUsage | undefined, typeof error.details.model === 'string' ? error.details.model : undefined, true);
    work.problems = outputProblems(error);
    work.lastReason = `the answer was not usable: ${error.message}`;
    return 'repair';
  }
  charge(state, work, first.answer.usage, first.answer.model, true);
  return { answer: first.answer, kept: await keep(state, work, first.answer) };
}

/** One synchronous call through the scheduler, kept (or not) before its slot is freed; 'repair' or 'stop' on an error. */
async function callForAnswer(
  state: RunState,
  work: PaperWork,
  messages: PromptMessages,
  round: number,
): Promise<{ answer: LlmResult; kept: boolean | undefined } | 'repair' | 'stop'> {
  const { options, schema } = state.run;
  const { provider } = options;
  let kept: boolean | undefined;
  try {
    const answer = await schedulerOf(state).run(
      async ({ attempt, signal }) => {
        // The budget is checked as each call starts; calls already running finish and are stored.
        if (budgetReached(state)) throw state.budgetStop;
        state.result.calls += 1;
        work.calls += 1;
        if (round > 0 && attempt === 1) state.result.repairs += 1;
        state.inFlight += 1;
        // Usage, budget and fatal errors are settled here, before the scheduler frees the slot and starts the next call.
        try {
          const done = await provider.generate({
            system: messages.system,
            prompt: messages.prompt,
            schema,
            schemaName: PAPER_TEXTS_SCHEMA_NAME,
            ...(work.maxOutputTokens !== undefined ? { maxOutputTokens: work.maxOutputTokens } : {}),
            ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
            timeoutMs: options.timeoutMs ?? 60_000,
            ...(signal ? { signal } : {}),
          });
          state.inFlight -= 1;
          charge(state, work, done.usage, done.model);
          kept = await keep(state, work, done);
          return done;
        } catch (error) {
          state.inFlight -= 1;
          if (XivdigestError.isInstance(error)) {
            // An unusable answer was still paid for.
            if (error.code === 'LLM_OUTPUT_INVALID') {
              charge(state, work, error.details.usage as LlmUsage | undefined, typeof error.details.model === 'string' ? error.details.model : undefined);
            }
            if (FATAL_CODES.has(error.code)) stopForError(state, error);
          }
          throw error;
        }
      },
      {
        label: work.paper.id,
        tokens: estimateTokens(messages.system) + estimateTokens(messages.prompt) + work.outputEstimate,
        feedback: (done) => ({ totalTokens: done.usage.totalTokens, ...(done.rateLimit ? { rateLimit: done.rateLimit } : {}) }),
      },
    );
    return { answer, kept };
  } catch (error) {
    return callFailed(state, work, error);
  }
}

/** What a failed call means for the paper: 'repair' for an unusable answer, else 'stop' (counted remaining or failed). */
function callFailed(state: RunState, work: PaperWork, error: unknown): 'repair' | 'stop' {
  const { result, fatal, budgetStop } = state;
  if (!XivdigestError.isInstance(error)) {
    failUnstored(state, work.paper, `unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    return 'stop';
  }
  if (error === budgetStop || error.code === 'BUDGET_EXCEEDED' || error.code === 'ABORTED' || (fatal && error.cause === fatal)) {
    result.remaining += 1;
    return 'stop';
  }
  if (FATAL_CODES.has(error.code)) {
    result.remaining += 1;
    return 'stop';
  }
  if (error.code === 'LLM_OUTPUT_INVALID') {
    work.problems = outputProblems(error);
    work.lastReason = `the answer was not usable: ${error.message}`;
    // A JSON object cut off at the token limit will be cut off again at the same limit.
    if (error.details.finishReason === 'length' && work.maxOutputTokens !== undefined) work.maxOutputTokens *= 2;
    return 'repair';
  }
  // Retries used up (rate limits, timeouts, an unavailable API) or a request the API will not take: not stored,
  // so that the next run tries again.
  failUnstored(state, work.paper, `${error.code}: ${error.message}${work.calls > 1 ? ` (after ${work.calls} calls)` : ''}`);
  return 'stop';
}

/**
 * Stores an answer that passes the gate and returns whether it did; undefined for an answer to repair. Called
 * inside the scheduled call, so that the slot is freed only once a paid answer is saved: a kill loses no answer.
 */
async function keep(state: RunState, work: PaperWork, answer: LlmResult): Promise<boolean | undefined> {
  const { lang, structured, promptVersion, options } = state.run;
  const { paper } = work;
  const gate = checkTexts(answer.object, { title: paper.title, abstract: paper.abstract }, { lang, abstractTruncated: paper.abstractTruncated ?? false });
  const summary = structured ? summaryOf(answer.object) : undefined;
  if (!gate.ok || (structured && typeof summary === 'string')) return undefined;
  const texts = answer.object as Record<string, string>;
  const flags = [...new Set(gate.issues.map((issue) => issue.code))];
  const saved = await save(state, {
    paperId: paper.id,
    version: paper.version,
    abstractHash: work.hash,
    lang,
    title: texts.title!.trim(),
    tldr: texts.tldr!.trim(),
    tldrEn: texts.tldrEn!.trim(),
    abstract: texts.abstract!.trim(),
    // The model as configured, not as the API names it: the cache key must be found again by the next run.
    provider: options.provider.id,
    model: options.provider.modelId,
    promptVersion,
    createdAt: new Date().toISOString(),
    totalTokens: work.tokens,
    status: 'ok',
    ...(flags.length > 0 ? { flags } : {}),
    ...(summary && typeof summary === 'object' ? { summary } : {}),
  });
  if (saved) {
    state.result.done += 1;
    emit(state, { type: 'paper-enriched', id: paper.id, version: paper.version, calls: work.calls, tokens: work.tokens, cost: work.cost, flags });
  }
  return saved;
}

/** Sets the problems of a rejected answer for the next repair round. */
function findProblems(state: RunState, work: PaperWork, answer: LlmResult): void {
  const { lang, structured } = state.run;
  const { paper } = work;
  const gate = checkTexts(answer.object, { title: paper.title, abstract: paper.abstract }, { lang, abstractTruncated: paper.abstractTruncated ?? false });
  const summary = structured ? summaryOf(answer.object) : undefined;
  if (gate.ok && structured && typeof summary === 'string') {
    // The texts pass, but the structured summary asked for is incomplete: repair like any other finding.
    work.problems = summary;
    work.lastReason = `the structured summary is incomplete: ${summary.replace(/^- /, '')}`;
    return;
  }
  work.problems = stripHeading(repairHint(gate));
  work.lastReason = `the quality gate rejected the answer: ${gateReason(gate)}`;
}

/** Stores the paper as failed once its repairs are used up, with the last reason. */
async function saveFailure(state: RunState, work: PaperWork): Promise<void> {
  const { lang, promptVersion, maxRepairs, options } = state.run;
  const { paper } = work;
  const reason = `${work.lastReason} (after ${work.calls} call${work.calls === 1 ? '' : 's'}: ${maxRepairs} repair${maxRepairs === 1 ? '' : 's'} allowed)`;
  const saved = await save(state, {
    paperId: paper.id,
    version: paper.version,
    abstractHash: work.hash,
    lang,
    // Bad text is never stored: the digest shows the paper untranslated, and the reason says why.
    title: '',
    tldr: '',
    tldrEn: '',
    abstract: '',
    provider: options.provider.id,
    model: options.provider.modelId,
    promptVersion,
    createdAt: new Date().toISOString(),
    totalTokens: work.tokens,
    status: 'failed',
    reason,
  });
  if (!saved) return;
  state.result.failed.push({ id: paper.id, version: paper.version, reason, stored: true });
  emit(state, { type: 'paper-failed', id: paper.id, version: paper.version, reason, stored: true, cached: false });
}

/** Saves one paper's texts; a store that fails stops the run (the paper counts as failed, unstored). */
async function save(state: RunState, texts: StoredTexts): Promise<boolean> {
  try {
    await state.run.options.store.saveTexts([texts]);
    return true;
  } catch (error) {
    const storeError = XivdigestError.isInstance(error)
      ? error
      : new XivdigestError({ code: 'STORE_ERROR', message: `Could not save texts: ${error instanceof Error ? error.message : String(error)}`, cause: error });
    state.result.failed.push({
      id: texts.paperId,
      version: texts.version,
      reason: `its texts were generated but could not be saved: ${storeError.message}`,
      stored: false,
    });
    stopForError(state, storeError);
    return false;
  }
}

/** Records a failure that is not stored, so that the next run tries the paper again. */
export function failUnstored(state: RunState, paper: Paper, reason: string): void {
  state.result.failed.push({ id: paper.id, version: paper.version, reason, stored: false });
  emit(state, { type: 'paper-failed', id: paper.id, version: paper.version, reason, stored: false, cached: false });
}

/** Resolves in the check phase of the event loop, after the I/O callbacks that are ready now. */
function afterPendingIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
