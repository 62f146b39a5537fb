/** `xivdigest enrich --all` / `--from` / `--until`: the archive's code path of `enrich`, page by page with one budget; loaded only when it runs. */
import { XivdigestError } from '../core/errors.js';
import type { ProviderChoice } from '../registry/providers.js';
import { chooseProvider, enrichFunction } from '../app-llm.js';
import { enrichArchive, type EnrichArchiveResult } from '../jobs/enrich-archive.js';
import { PAPER_TEXTS_STRUCTURED_PROMPT_VERSION } from '../llm/prompts/index.js';
import { checkCategoryNames } from '../core/taxonomy.js';
import type { CliContext } from './context.js';
import { enrichSettings, reportModelProgress } from './enrich-settings.js';
import { CommandFailed, EXIT } from './exit.js';
import { formatCount } from './output.js';

export interface EnrichArchiveCliOptions {
  all?: boolean;
  category?: string;
  from?: string;
  until?: string;
  limit?: number;
  provider?: ProviderChoice;
  model?: string;
  baseUrl?: string;
  lang?: string;
  concurrency?: number;
  budget?: number;
  retryFailed?: boolean;
  structuredSummary?: boolean;
  json?: boolean;
  wait?: boolean;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Runs the archive path; `describe` and `describeGateFailures` are enrich's own summary lines. */
export async function runEnrichArchive(
  context: CliContext,
  options: EnrichArchiveCliOptions,
  lines: {
    describe(result: EnrichArchiveResult): string;
    gateFailures(count: number, total: number): string;
    queued(event: { queue: string; jobs: number; added: number }): string;
  },
): Promise<void> {
  const usage = (message: string, hint: string) => new XivdigestError({ code: 'USAGE', message, hint });
  for (const [name, value] of [
    ['--from', options.from],
    ['--until', options.until],
  ] as const) {
    if (value !== undefined && (!DAY.test(value) || Number.isNaN(Date.parse(value)))) throw usage(`${name} ${value} is not a date`, 'Write it as YYYY-MM-DD');
  }
  if (options.from && options.until && options.from > options.until) throw usage(`--from ${options.from} is after --until ${options.until}`, 'Swap them');
  const categories = options.category
    ?.split('+')
    .map((category) => category.trim())
    .filter(Boolean);
  if (options.category !== undefined && (!categories || categories.length === 0)) throw usage('--category is empty', 'Give categories such as cs.CL+cs.AI');
  if (categories) checkCategoryNames(categories);

  const loaded = context.config();
  const llm = loaded.config.llm;
  const store = await context.app().store();
  const provider = chooseProvider({
    config: llm,
    environment: loaded.llmEnvironment,
    overrides: { provider: options.provider, model: options.model, baseUrl: options.baseUrl },
    onModelProgress: reportModelProgress(context.reporter),
  });
  for (const warning of provider.warnings) context.reporter.warn(warning);
  context.reporter.verbose(`provider: ${provider.description}`);
  // queue.url set: each page's papers go to the workers as low-priority jobs (today's digests first).
  const queued = await enrichFunction(loaded.config.queue, provider, { priority: 'low', wait: options.wait !== false });
  const label = `enrich ${categories ? categories.join('+') : 'all'}${options.from || options.until ? ` ${options.from ?? '…'}..${options.until ?? '…'}` : ''}`;
  let stopRequested = false;
  const release = context.signals.takeOver({
    onStop: () => {
      stopRequested = true;
      context.reporter.info(`${label}: stopping after the current page (again to stop at once; finished papers are saved)`);
    },
    keptOnForce: () => 'every finished paper is saved; the same command goes on with the rest',
  });
  const progress = context.reporter.progress(label);
  let finished = 0;
  // Failures stored by earlier runs are skipped (no call) and reported, but only new ones fail this run (as enrich does).
  const failedBefore = new Set<string>();
  const budget = options.budget ?? llm.budget;
  try {
    let result: EnrichArchiveResult;
    try {
      result = await enrichArchive({
        store,
        provider: provider.provider,
        selection: {
          ...(categories ? { categories } : {}),
          ...(options.from ? { from: options.from } : {}),
          ...(options.until ? { until: options.until } : {}),
          ...(options.limit !== undefined ? { limit: options.limit } : {}),
        },
        lang: options.lang ?? llm.lang,
        ...enrichSettings(llm),
        concurrency: options.concurrency ?? llm.concurrency,
        ...(budget !== undefined ? { budget } : {}),
        retryFailed: options.retryFailed ?? false,
        ...((options.structuredSummary ?? llm.structuredSummary) ? { promptVersion: PAPER_TEXTS_STRUCTURED_PROMPT_VERSION } : {}),
        enrich: queued.enrich,
        shouldStop: () => stopRequested,
        onCounted: (total) => {
          context.reporter.verbose(`${label}: ${formatCount(total)} stored paper(s) selected`);
          progress.update(0, total);
        },
        onEvent: (event) => {
          if (event.type === 'paper-failed' && event.cached) failedBefore.add(event.id);
          if (event.type === 'paper-enriched' || event.type === 'paper-cached' || event.type === 'paper-failed') progress.update(++finished);
          else if (event.type === 'jobs-queued') context.reporter.verbose(lines.queued(event));
          else if (event.type === 'queue-unserved') context.reporter.warn(event.message);
          else if (event.type === 'call-retrying')
            context.reporter.verbose(`retrying${event.id ? ` ${event.id}` : ''} in ${Math.round(event.delayMs / 1000)} s: ${event.message}`);
          else if (event.type === 'budget-reached') context.reporter.warn(`budget of $${budget} reached; finishing ${event.inFlight} call(s) in flight`);
        },
      });
    } catch (error) {
      progress.finish('stopped');
      throw error;
    }
    if (result.total === 0) {
      progress.finish('no stored papers match: run `xivdigest backfill` or `xivdigest fetch` first');
      if (options.json) context.print(JSON.stringify(result, null, 2));
      return;
    }
    progress.finish(lines.describe(result));
    if (options.json) context.print(JSON.stringify(result, null, 2));
    if (result.stoppedForBudget && result.remaining > 0) {
      throw new CommandFailed(EXIT.partial, `stopped at the budget: ${formatCount(result.remaining)} paper(s) left; run again with a larger --budget to go on`);
    }
    const newFailures = result.failed.filter((failure) => !failedBefore.has(failure.id));
    for (const failure of newFailures) context.reporter.verbose(`${failure.id}: ${failure.reason}`);
    if (failedBefore.size > 0)
      context.reporter.info(`${formatCount(failedBefore.size)} paper(s) failed in an earlier run and were skipped; \`--retry-failed\` tries them again`);
    const gateFailures = newFailures.filter((failure) => failure.stored);
    const callFailures = newFailures.filter((failure) => !failure.stored);
    if (gateFailures.length > 0) context.reporter.warn(lines.gateFailures(gateFailures.length, result.total));
    if (callFailures.length > 0) {
      throw new CommandFailed(
        EXIT.llm,
        `${callFailures.length} of ${result.total} paper(s) not translated: the LLM API failed for them (${callFailures[0]!.reason}); run again to retry them`,
      );
    }
  } finally {
    release();
    await provider.provider.close?.();
    await queued.close();
  }
}
