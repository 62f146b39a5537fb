/** `xivdigest enrich`: translates and summarises stored papers with the configured LLM, cached, validated and resumable. */
import { Option, type Command } from 'commander';
import { parseArxivId } from '../../core/arxiv-id.js';
import { XivdigestError } from '../../core/errors.js';
import type { EnrichResult } from '../../jobs/enrich.js';
import { PROVIDER_CHOICES, type ProviderChoice } from '../../registry/providers.js';
import type { CliContext, RunCommand } from '../context.js';
import { CommandFailed, EXIT } from '../exit.js';
import { formatCount } from '../output.js';

interface EnrichCliOptions {
  ids?: string[];
  category?: string;
  limit?: string;
  provider?: ProviderChoice;
  model?: string;
  baseUrl?: string;
  lang?: string;
  concurrency?: string;
  budget?: string;
  retryFailed?: boolean;
  structuredSummary?: boolean;
  batch?: boolean;
  pollInterval?: string;
  json?: boolean;
  all?: boolean;
  from?: string;
  until?: string;
  wait?: boolean;
}

export function registerEnrich(program: Command, run: RunCommand): void {
  program
    .command('enrich')
    .description('write the translated title, TL;DR (target language and English) and translated abstract of stored papers')
    .option('--ids <id...>', 'only these papers')
    .option('-c, --category <cat>', 'the latest announcement day of this category (default: the latest day of any)')
    .option('-n, --limit <n>', 'at most this many of those papers (newest first); what it leaves out is reported')
    .addOption(
      new Option('--provider <provider>', 'LLM provider (default: llm.provider; auto = an API from the environment, else the local model)').choices(
        PROVIDER_CHOICES,
      ),
    )
    .option('--model <model>', 'model id, or for llama-cpp a GGUF path or hf:user/repo/file.gguf')
    .option('--base-url <url>', 'API base URL (overrides OPENAI_API_BASE and llm.baseUrl)')
    .option('--lang <code>', 'target language, e.g. zh, ja, ko, fr, de, es (default: llm.lang, zh)')
    .option('--concurrency <n>', 'calls at once (lowered automatically on 429s)')
    .option('--budget <usd>', 'stop cleanly when this run has spent this many US dollars')
    .option('--retry-failed', 'call again for papers whose texts failed the quality gate before')
    .option('--structured-summary', 'also write a structured summary: motivation, method, result, conclusion (llm.structuredSummary)')
    .option('--batch', "send the papers through the provider's batch API: half price, answers within minutes to 24 h (llm.batch)")
    .option('--no-batch', 'synchronous calls even when llm.batch is set')
    .option('--poll-interval <seconds>', 'with --batch: seconds between two looks at the batch (llm.batchPollSeconds, 30)')
    .option('--json', 'print the summary as JSON on stdout')
    .option('--all', 'the whole stored archive, page by page (with --category: every day of those categories, cs.CL+cs.AI)')
    .option('--from <YYYY-MM-DD>', 'archive: papers from this day on (announcement day, else last update); implies --all')
    .option('--until <YYYY-MM-DD>', 'archive: papers up to this day, inclusive; implies --all')
    .option('--no-wait', 'with queue.url: enqueue the jobs for `xivdigest worker` and return at once')
    .addHelpText(
      'after',
      `
Providers: the original system's variables work unchanged (OPENAI_API_KEY, OPENAI_API_BASE, OPENAI_API_MODEL,
OPENAI_AZURE_API_KEY/OPENAI_AZURE_BASE/OPENAI_AZURE_ENGINE/OPENAI_AZURE_VERSION, OPENAI_REQUEST_TIMEOUT), as do
ANTHROPIC_API_KEY and a keyless OPENAI_API_BASE (Ollama, vLLM, LM Studio). With none of them, a local model runs
through node-llama-cpp; it is downloaded on first use (resumable, checksummed) unless llm.local.model names a file.

Without --ids, enrich takes every stored paper of the latest announcement day (of --category when given), however
many: no paper is left out unless you set --limit, and then the ones left out are named.

Every answer passes the quality gate (language, lengths, LaTeX, numbers, refusals); a rejected answer is repaired
up to llm.maxRepairs times, then stored as failed with its reason (the paper still appears, untranslated). Finished
papers are saved one by one: a rerun makes no call for them, and an interrupted run resumes where it stopped.

With --batch, the first call of every paper goes into one batch (OpenAI-compatible /batches with a JSONL file, or
Anthropic Message Batches) at half the price. The batch id is stored before waiting: an interrupted enrich --batch
finds the open batch and waits for it again instead of submitting twice. Answers pass the same quality gate; repairs,
and papers the batch did not answer (expired, failed), are called synchronously. Not for Azure or the local model.
The summary shows cached prompt tokens and what the prompt cache and the batch discount saved.

Exit codes: 0 when every paper has texts or failed the gate (a warning counts those; --retry-failed tries them again),
1 when the budget stopped the run, 7 when the LLM API failed: unreachable (after 5 connection failures in a row the
run stops calling and leaves the papers for the next run), a bad key (401/403), or calls that kept failing.

With --all (or --from/--until), enrich goes through the stored archive newest first, 500 papers at a time, with
one budget for the whole run, progress and an ETA; Ctrl-C stops after the current page, and a rerun skips what is
done. --category then means every day of those categories (cs.CL+cs.AI), --limit the first n papers.

Examples:
  OPENAI_API_KEY=… OPENAI_API_MODEL=gpt-4o-mini xivdigest enrich --category cs.CL --budget 0.50
  xivdigest enrich --ids 2403.10568 --lang ja
  xivdigest enrich --category cs.CL --batch          # half price; waits for the batch (rerun to resume)
  xivdigest enrich --all --category cs.CL --from 2024-01-01 --until 2024-12-31 --budget 20`,
    )
    .action((options: EnrichCliOptions) =>
      run(async (context) => {
        if (options.all || options.from !== undefined || options.until !== undefined) return enrichArchiveCommand(context, options);
        const [
          { batchSettings, chooseProvider, enrichFunction },
          { PAPER_TEXTS_STRUCTURED_PROMPT_VERSION },
          { enrichSettings, reportModelProgress, announceLocalRun },
          { checkCategoryNames },
          { applyLimit, describeLeftOut, latestDayPapers },
        ] = await Promise.all([
          import('../../app-llm.js'),
          import('../../llm/prompts/index.js'),
          import('../enrich-settings.js'),
          import('../../core/taxonomy.js'),
          import('../../jobs/latest-day.js'),
        ]);
        const loaded = context.config();
        const llm = loaded.config.llm;
        const limit = options.limit === undefined ? undefined : positive('--limit', options.limit);
        const concurrency = options.concurrency === undefined ? llm.concurrency : positive('--concurrency', options.concurrency);
        const budget = options.budget === undefined ? llm.budget : Number(options.budget);
        if (budget !== undefined && !(budget > 0))
          throw new XivdigestError({
            code: 'USAGE',
            message: `--budget ${options.budget} is not a positive amount`,
            hint: 'For example --budget 0.50 (US dollars)',
          });
        const ids = (options.ids ?? []).map((text) => {
          const parsed = parseArxivId(text);
          if (!parsed) throw new XivdigestError({ code: 'USAGE', message: `${text} is not an arXiv id`, hint: 'Ids look like 2403.10568 or cond-mat/0412498' });
          return parsed.id;
        });
        if (options.category !== undefined) checkCategoryNames([options.category]);
        const store = await context.app().store();
        const chosen = ids.length > 0 ? await store.getPapers({ ids }) : (await latestDayPapers(store, options.category)).papers;
        const cut = applyLimit(chosen, limit);
        const leftOut = describeLeftOut(limit, cut);
        if (leftOut) context.reporter.warn(leftOut);
        const papers = cut.kept;
        if (papers.length === 0) {
          context.reporter.info('No stored papers to enrich: run `xivdigest fetch` or `xivdigest ingest FILE` first.');
          return;
        }
        const provider = chooseProvider({
          config: llm,
          environment: loaded.llmEnvironment,
          overrides: { provider: options.provider, model: options.model, baseUrl: options.baseUrl },
          onModelProgress: reportModelProgress(context.reporter),
        });
        const pollSeconds = options.pollInterval === undefined ? undefined : Number(options.pollInterval);
        if (pollSeconds !== undefined && !(pollSeconds > 0))
          throw new XivdigestError({
            code: 'USAGE',
            message: `--poll-interval ${options.pollInterval} is not a positive number of seconds`,
            hint: 'For example --poll-interval 60',
          });
        const batch = batchSettings(provider, llm, store, {
          ...(options.batch !== undefined ? { batch: options.batch } : {}),
          ...(pollSeconds !== undefined ? { pollSeconds } : {}),
        });
        for (const warning of provider.warnings) context.reporter.warn(warning);
        context.reporter.verbose(`provider: ${provider.description}`);
        // queue.url set: one job per paper for the workers, then a wait for them; unset: calls in this process.
        const queued = await enrichFunction(loaded.config.queue, provider, { wait: options.wait !== false });
        const progress = context.reporter.progress('enrich');
        let batchProgress: ReturnType<typeof context.reporter.progress> | undefined;
        let finished = 0;
        // Failures stored by earlier runs are skipped (no call) and reported, but only new ones fail this run.
        const failedBefore = new Set<string>();
        try {
          let result: EnrichResult;
          try {
            result = await queued.enrich({
              store,
              provider: provider.provider,
              papers,
              lang: options.lang ?? llm.lang,
              ...enrichSettings(llm),
              concurrency,
              ...(budget !== undefined ? { budget } : {}),
              retryFailed: options.retryFailed ?? false,
              ...((options.structuredSummary ?? llm.structuredSummary) ? { promptVersion: PAPER_TEXTS_STRUCTURED_PROMPT_VERSION } : {}),
              ...batch,
              onEvent: (event) => {
                if (event.type === 'run-started') {
                  progress.update(0, event.toEnrich);
                  announceLocalRun(provider, event.toEnrich, context.reporter);
                } else if (event.type === 'paper-enriched') progress.update(++finished);
                else if (event.type === 'paper-failed' && event.cached) failedBefore.add(event.id);
                else if (event.type === 'paper-failed') progress.update(++finished);
                else if (event.type === 'jobs-queued') context.reporter.info(describeQueued(event, options.wait !== false));
                else if (event.type === 'queue-unserved') context.reporter.warn(event.message);
                else if (event.type === 'call-retrying')
                  context.reporter.verbose(`retrying${event.id ? ` ${event.id}` : ''} in ${Math.round(event.delayMs / 1000)} s: ${event.message}`);
                else if (event.type === 'batch-submitted')
                  context.reporter.info(`batch ${event.id} submitted: ${formatCount(event.items)} paper(s); waiting for it (interrupt and rerun to resume it)`);
                else if (event.type === 'batch-resumed')
                  context.reporter.info(`resuming batch ${event.id} (${formatCount(event.items)} paper(s), submitted ${event.submittedAt})`);
                else if (event.type === 'batch-progress') {
                  batchProgress ??= context.reporter.progress(`batch ${event.progress.id}`);
                  batchProgress.update(event.progress.finished, event.progress.total);
                  context.reporter.verbose(
                    `batch ${event.progress.id}: ${event.progress.status}, ${event.progress.finished}/${event.progress.total} done, ${event.progress.failed} failed${event.etaMs === undefined ? '' : `, about ${Math.ceil(event.etaMs / 1000)} s left`}`,
                  );
                } else if (event.type === 'batch-poll-failed') context.reporter.verbose(`could not look at batch ${event.id} (trying again): ${event.message}`);
                else if (event.type === 'batch-collected') {
                  batchProgress?.finish(`${formatCount(event.answered)} answered, ${formatCount(event.unanswered)} not`);
                  batchProgress = undefined;
                  if (event.unanswered > 0)
                    context.reporter.warn(
                      `batch ${event.id} left ${formatCount(event.unanswered)} paper(s) unanswered (${event.reasons[0] ?? 'no reason'}); calling them synchronously`,
                    );
                } else if (event.type === 'budget-reached')
                  context.reporter.warn(`budget of $${event.budget} reached ($${event.spent.toFixed(4)} spent); finishing ${event.inFlight} call(s) in flight`);
              },
            });
          } catch (error) {
            // A run that cannot go on (bad key, no model, store failure) still saved what it finished: say how much.
            const partial = XivdigestError.isInstance(error) ? (error.details.result as EnrichResult | undefined) : undefined;
            progress.finish(partial ? `stopped: ${describeEnrich(partial)}` : 'stopped');
            if (partial && options.json) context.print(JSON.stringify(partial, null, 2));
            throw error;
          }
          progress.finish(describeEnrich(result));
          const newFailures = result.failed.filter((failure) => !failedBefore.has(failure.id));
          for (const failure of newFailures) context.reporter.verbose(`${failure.id}: ${failure.reason}`);
          if (failedBefore.size > 0)
            context.reporter.info(`${failedBefore.size} paper(s) failed in an earlier run and were skipped; \`--retry-failed\` tries them again`);
          if (options.json) context.print(JSON.stringify(result, null, 2));
          if (result.remaining > 0 && result.stoppedForBudget) {
            throw new CommandFailed(EXIT.partial, `stopped at the budget: ${result.remaining} paper(s) left; run again with a larger --budget to finish them`);
          }
          // A gate failure is a per-paper result, stored with its reason: the run did its job (exit 0, one warning).
          // A call that kept failing (the API erred or timed out after every retry) is not stored: a rerun tries it.
          const gateFailures = newFailures.filter((failure) => failure.stored);
          const callFailures = newFailures.filter((failure) => !failure.stored);
          if (gateFailures.length > 0) context.reporter.warn(describeGateFailures(gateFailures.length, result.total));
          if (callFailures.length > 0) {
            throw new CommandFailed(
              EXIT.llm,
              `${callFailures.length} of ${result.total} paper(s) not translated: the LLM API failed for them (${callFailures[0]!.reason}); run again to retry them`,
            );
          }
        } finally {
          await provider.provider.close?.();
          await queued.close();
        }
      }),
    );
}

/** The archive's code path (`--all`, `--from`, `--until`): a module of its own, loaded only when it runs. */
async function enrichArchiveCommand(context: CliContext, options: EnrichCliOptions): Promise<void> {
  if (options.ids)
    throw new XivdigestError({
      code: 'USAGE',
      message: '--ids cannot be combined with --all, --from or --until',
      hint: 'Give either the papers or the archive selection',
    });
  const budget = options.budget === undefined ? undefined : Number(options.budget);
  if (budget !== undefined && !(budget > 0))
    throw new XivdigestError({ code: 'USAGE', message: `--budget ${options.budget} is not a positive amount`, hint: 'For example --budget 0.50 (US dollars)' });
  const { runEnrichArchive } = await import('../enrich-archive.js');
  const { limit, concurrency } = options;
  await runEnrichArchive(
    context,
    {
      all: options.all,
      category: options.category,
      from: options.from,
      until: options.until,
      provider: options.provider,
      model: options.model,
      baseUrl: options.baseUrl,
      lang: options.lang,
      retryFailed: options.retryFailed,
      structuredSummary: options.structuredSummary,
      json: options.json,
      wait: options.wait !== false,
      ...(limit !== undefined ? { limit: positive('--limit', limit) } : {}),
      ...(concurrency !== undefined ? { concurrency: positive('--concurrency', concurrency) } : {}),
      ...(budget !== undefined ? { budget } : {}),
    },
    {
      describe: describeEnrich,
      gateFailures: (count, total) => describeGateFailures(count, total),
      queued: (event) => describeQueued(event, options.wait !== false),
    },
  );
}

/** The line said when queued mode has enqueued the papers that need a call. */
export function describeQueued(event: { queue: string; jobs: number; added: number }, waiting: boolean): string {
  const already = event.jobs - event.added;
  return (
    `${formatCount(event.jobs)} job(s) on queue ${event.queue}${already > 0 ? ` (${formatCount(already)} were queued already)` : ''}; ` +
    (waiting
      ? 'waiting for the workers (`xivdigest worker`); Ctrl-C stops waiting, the jobs stay queued'
      : 'not waiting: the workers (`xivdigest worker`) do them')
  );
}

function positive(name: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0)
    throw new XivdigestError({ code: 'USAGE', message: `${name} ${value} is not a positive whole number`, hint: `For example ${name} 8` });
  return number;
}

/** The one warning line for papers that failed the quality gate: how many, where they are, how to retry. */
export function describeGateFailures(count: number, total: number, retry = 'xivdigest enrich --retry-failed'): string {
  return `${formatCount(count)} of ${formatCount(total)} paper(s) failed the quality gate and appear untranslated (-v or \`xivdigest papers --json\` gives each reason); \`${retry}\` tries them again`;
}

function describeEnrich(result: EnrichResult): string {
  const cost = result.cost === null ? 'cost unknown (no price for this model; see llm.prices)' : `$${result.cost.toFixed(4)}`;
  return [
    `${formatCount(result.done)} enriched`,
    `${formatCount(result.cached)} cached`,
    `${formatCount(result.reused)} reused`,
    `${formatCount(result.failed.length)} failed`,
    result.remaining > 0 ? `${formatCount(result.remaining)} left` : '',
    `${formatCount(result.calls)} calls (${formatCount(result.repairs)} repairs, ${formatCount(result.retries)} retries)`,
    `${formatCount(result.tokens.total)} tokens${result.tokens.cachedInput > 0 ? ` (${formatCount(result.tokens.cachedInput)} cached)` : ''}`,
    cost,
    result.saved ? `saved $${result.saved.toFixed(4)}${result.batch ? ' (batch and cache)' : ' (cache)'}` : '',
    result.batch ? `batch ${result.batch.ids.join(', ')}${result.batch.resumed ? ' (resumed)' : ''}` : '',
    `${result.provider}/${result.model}, ${result.promptVersion}, ${result.lang}`,
  ]
    .filter(Boolean)
    .join(', ');
}
