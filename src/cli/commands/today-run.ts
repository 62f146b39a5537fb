/** The body of `xivdigest today`, loaded only when the command runs (its registration is in today.ts). */
import { resolve } from 'node:path';
import { chooseProvider, type ChosenProvider } from '../../app-llm.js';
import { renderers, type App } from '../../app.js';
import { feedStatus } from '../../core/arxiv-calendar.js';
import type { Digest } from '../../core/digest.js';
import { XivdigestError } from '../../core/errors.js';
import type { SourceEvent } from '../../core/source.js';
import { buildDigest } from '../../jobs/build-digest.js';
import { enrichPapers, type EnrichResult } from '../../jobs/enrich.js';
import { publishDigest } from '../../jobs/publish.js';
import { latestDayPapers } from '../../jobs/latest-day.js';
import { storeEvents } from '../../jobs/store-events.js';
import { checkCategoryNames } from '../../core/taxonomy.js';
import type { Store } from '../../store/store.js';
import type { CliContext } from '../context.js';
import { CommandFailed, EXIT, exitCodeFor } from '../exit.js';
import { formatCount, type Reporter } from '../output.js';
import { describeStored } from '../summary.js';
import { announceLocalRun, enrichSettings, reportModelProgress } from '../enrich-settings.js';
import type { TodayOptions } from './today.js';

/** What happened to one category, for the summary and `--json`. */
interface CategoryOutcome {
  category: string;
  status: 'written' | 'no-announcement' | 'not-yet' | 'arxiv-failed';
  /** The announcement day of the feed. */
  day?: string;
  papers: number;
  translated: number;
  /** Papers whose texts failed the quality gate (this run or an earlier one): shown untranslated, with a note for readers. */
  failedGate: number;
  /** Papers left untranslated because the LLM could not be used (unreachable, bad key, calls that kept failing). */
  notTranslated: number;
  files: string[];
  message?: string;
}

export async function today(context: CliContext, categories: string[], options: TodayOptions): Promise<void> {
  const usage = (message: string, hint: string) => new XivdigestError({ code: 'USAGE', message, hint });
  const now = options.now === undefined ? new Date() : new Date(options.now);
  if (Number.isNaN(now.getTime())) throw usage(`--now ${options.now} is not a time`, 'Write it as an ISO time, e.g. 2026-11-23T06:00:00Z');
  for (const category of categories) {
    if (!/^[A-Za-z][A-Za-z.-]*(\+[A-Za-z][A-Za-z.-]*)*$/.test(category))
      throw usage(`${JSON.stringify(category)} is not an arXiv category`, 'For example cs.CL, or cs.CL+cs.AI for one digest of both');
    // Checked against arXiv's taxonomy before any request: a typo gets a suggestion, not an arXiv error page.
    checkCategoryNames(category.split('+'), 'category');
  }
  const loaded = context.config();
  const llm = loaded.config.llm;
  const lang = options.lang ?? llm.lang;
  const outDir = resolve(options.outDir);
  const app = context.app();
  const store = await app.store();
  const reporter = context.reporter;
  let provider: ChosenProvider | undefined;
  /** The error that stopped the LLM: later categories make no call and are written untranslated. */
  let llmError: XivdigestError | undefined;
  /** Calls that kept failing (not stored): a rerun tries them. */
  let callFailure: string | undefined;
  let sourceError: unknown;
  let budgetStopped = false;
  const outcomes: CategoryOutcome[] = [];
  const totals = { calls: 0, tokens: 0, cost: 0 as number | null };

  try {
    for (const category of categories) {
      const outcome: CategoryOutcome = { category, status: 'written', papers: 0, translated: 0, failedGate: 0, notTranslated: 0, files: [] };
      outcomes.push(outcome);

      // 1. The feed: stored, and its paper ids kept in feed order.
      const ids: string[] = [];
      const fetchProgress = reporter.progress(`fetch ${category}`);
      let fetched;
      try {
        fetched = await storeEvents(collectIds(app.source('rss').fetch({ categories: category.split('+') }), ids), store, {
          onProgress: (stored, total) => fetchProgress.update(stored, total),
        });
      } catch (error) {
        if (!XivdigestError.isInstance(error) || exitCodeFor(error) !== EXIT.source) throw error;
        fetchProgress.finish('failed');
        sourceError ??= error;
        outcome.status = 'arxiv-failed';
        outcome.message = `${category}: ${error.oneLine}`;
        continue;
      }
      outcome.day = fetched.feed?.announced;
      if (fetched.noAnnouncement) {
        // A weekend or holiday feed is empty: the day's digest is that of the latest announcement, as stored by an
        // earlier run, else harvested from OAI-PMH for that day.
        const skip = fetched.feed?.skipDays?.length ? ` (the feed skips ${fetched.feed.skipDays.join(' and ')})` : '';
        const nothing = `arXiv announced nothing in ${category}${outcome.day ? ` on ${outcome.day}` : ''}${skip}`;
        fetchProgress.finish(nothing);
        const latest = feedStatus(undefined, now).expected;
        try {
          ids.push(...(await latestAnnouncement(app, store, category, latest, reporter)));
        } catch (error) {
          if (!XivdigestError.isInstance(error) || exitCodeFor(error) !== EXIT.source) throw error;
          sourceError ??= error;
          outcome.status = 'arxiv-failed';
          outcome.message = `${category}: ${nothing}, and the announcement of ${latest} could not be harvested: ${error.oneLine}`;
          continue;
        }
        if (ids.length === 0) {
          outcome.status = 'no-announcement';
          outcome.message = `${nothing}, nor on ${latest}; ${category}.md and ${category}.xml are left as they were`;
          continue;
        }
        outcome.day = latest;
        reporter.info(`${nothing}; the digest is of the latest announcement, ${latest}`);
      } else {
        const status = feedStatus(outcome.day, now);
        if (status.state !== 'current') {
          outcome.status = 'not-yet';
          outcome.message = `${category}: ${status.message}; nothing written`;
          fetchProgress.finish(`${describeStored(fetched)}; not the latest announcement`);
          continue;
        }
        fetchProgress.finish(describeStored(fetched));
      }

      // 2. The whole announcement, in the original's order: by link, descending.
      const papers = (await store.getPapers({ ids })).sort((a, b) => (a.links.abs < b.links.abs ? 1 : a.links.abs > b.links.abs ? -1 : 0));
      outcome.papers = papers.length;

      // 3. Translate every paper; the cache makes a rerun call only for what is missing.
      if (!llmError && !provider && papers.length > 0) {
        try {
          provider = chooseProvider({ config: llm, environment: loaded.llmEnvironment, onModelProgress: reportModelProgress(reporter) });
        } catch (error) {
          if (!XivdigestError.isInstance(error) || exitCodeFor(error) !== EXIT.llm) throw error;
          llmError = error;
        }
        for (const warning of provider?.warnings ?? []) reporter.warn(warning);
        if (provider) reporter.verbose(`provider: ${provider.description}`);
      }
      if (!llmError && provider && papers.length > 0) {
        const progress = reporter.progress(`translate ${category}`);
        let finished = 0;
        let result: EnrichResult | undefined;
        try {
          result = await enrichPapers({
            store,
            provider: provider.provider,
            papers,
            lang,
            ...enrichSettings(llm),
            retryFailed: options.retryFailed ?? false,
            onEvent: (event) => {
              if (event.type === 'run-started') {
                progress.update(0, event.toEnrich);
                announceLocalRun(provider!, event.toEnrich, reporter);
              } else if (event.type === 'paper-enriched' || (event.type === 'paper-failed' && !event.cached)) progress.update(++finished);
              else if (event.type === 'call-retrying')
                reporter.verbose(`retrying${event.id ? ` ${event.id}` : ''} in ${Math.round(event.delayMs / 1000)} s: ${event.message}`);
              else if (event.type === 'budget-reached')
                reporter.warn(`budget of $${event.budget} reached ($${event.spent.toFixed(4)} spent); the papers left stay untranslated`);
            },
          });
        } catch (error) {
          if (!XivdigestError.isInstance(error) || exitCodeFor(error) !== EXIT.llm) throw error;
          // The LLM cannot be used (unreachable, bad key, no model): what was finished is saved; write the rest untranslated.
          llmError = error;
          result = error.details.result as EnrichResult | undefined;
        }
        if (result) {
          const unstored = result.failed.filter((failure) => !failure.stored);
          callFailure ??= unstored[0]?.reason;
          if (result.stoppedForBudget) budgetStopped = true;
          outcome.failedGate = result.failed.length - unstored.length;
          totals.calls += result.calls;
          totals.tokens += result.tokens.total;
          totals.cost = totals.cost === null || result.cost === null ? null : totals.cost + result.cost;
        }
        progress.finish(result ? describeTranslation(result) : 'stopped');
      }

      // 4. The digest of the whole day, stored (`xivdigest render` shows it again) and written as the original's two files.
      const texts = await store.getTexts(papers.map((paper) => paper.id));
      const day = outcome.day ?? now.toISOString().slice(0, 10);
      const base = buildDigest({ name: `${category}/${day}`, papers, texts, lang, now });
      const digest: Digest = { ...base, subscription: category, day };
      await store.saveDigest(digest);
      outcome.translated = digest.entries.filter((entry) => entry.textStatus === 'ok').length;
      outcome.notTranslated = digest.entries.length - outcome.translated - outcome.failedGate;
      // No subscription folder: the files go straight into the output folder, under the original's names.
      const [files] = await publishDigest(digest, category, {
        store,
        subscription: '',
        renderers: { md: renderers.md(), rss: renderers.rss() },
        dir: outDir,
        formats: ['md', 'rss'],
        channels: [],
        subject: `arXiv ${category} ${day}`,
      });
      if (files?.status !== 'sent') {
        throw new XivdigestError({
          code: 'NOT_FOUND',
          message: `Could not write ${category}.md and ${category}.xml in ${outDir}: ${files?.detail ?? 'unknown error'}`,
          hint: 'Check that the folder exists and is writable, or choose another with --out-dir',
        });
      }
      outcome.files = (files.detail ?? '').split(', ').filter(Boolean);
      reporter.info(
        `wrote ${outcome.files.join(' and ')}: ${formatCount(outcome.papers)} papers, ${formatCount(outcome.translated)} translated${outcome.failedGate + outcome.notTranslated > 0 ? `, ${formatCount(outcome.failedGate + outcome.notTranslated)} untranslated` : ''}`,
      );
    }
  } finally {
    await provider?.provider.close?.();
  }

  if (options.json)
    context.print(JSON.stringify({ lang, outDir, categories: outcomes, calls: totals.calls, tokens: totals.tokens, cost: totals.cost }, null, 2));
  for (const outcome of outcomes) if (outcome.status === 'no-announcement' && outcome.message) reporter.info(outcome.message);

  const failedGate = outcomes.reduce((sum, outcome) => sum + outcome.failedGate, 0);
  const written = outcomes.filter((outcome) => outcome.status === 'written');
  if (failedGate > 0) {
    const names = written
      .filter((outcome) => outcome.failedGate > 0)
      .map((outcome) => outcome.category)
      .join(' ');
    reporter.warn(
      `${formatCount(failedGate)} paper(s) failed the quality gate and appear untranslated (\`xivdigest papers --json\` gives each reason); \`xivdigest today ${names} --retry-failed\` tries them again (or \`xivdigest enrich --retry-failed\`)`,
    );
  }
  const untranslated = written.reduce((sum, outcome) => sum + outcome.notTranslated, 0);
  const writtenNames = written.map((outcome) => `${outcome.category}.md/.xml`).join(', ');
  if (llmError) {
    throw new CommandFailed(
      EXIT.llm,
      `${llmError.oneLine}. ${writtenNames ? `Written anyway: ${writtenNames}, with ${formatCount(untranslated)} paper(s) untranslated; run the same command again to translate them` : 'Nothing was written'}`,
    );
  }
  if (callFailure && untranslated > 0) {
    throw new CommandFailed(
      EXIT.llm,
      `${formatCount(untranslated)} paper(s) are untranslated because the LLM calls kept failing (${callFailure}); ${writtenNames} written anyway; run the same command again to translate them`,
    );
  }
  if (budgetStopped)
    throw new CommandFailed(
      EXIT.partial,
      `the budget (llm.budget) was reached: ${formatCount(untranslated)} paper(s) are untranslated in ${writtenNames}; raise it and run again to translate them`,
    );
  if (sourceError)
    throw new CommandFailed(
      exitCodeFor(sourceError),
      outcomes
        .filter((outcome) => outcome.status === 'arxiv-failed')
        .map((outcome) => outcome.message)
        .join('; '),
    );
  const late = outcomes.filter((outcome) => outcome.status === 'not-yet');
  if (late.length > 0) throw new CommandFailed(EXIT.notYet, late.map((outcome) => outcome.message).join('; '));
}

/**
 * The ids of the announcement of `day` in `category` (each of `a+b`): the store's latest day when it is that day (an
 * earlier run fetched it), else an OAI-PMH harvest of that day.
 */
async function latestAnnouncement(app: App, store: Store, category: string, day: string, reporter: Reporter): Promise<string[]> {
  const ids = new Set<string>();
  for (const one of category.split('+')) {
    const stored = await latestDayPapers(store, one);
    if (stored.day === day) for (const paper of stored.papers) ids.add(paper.id);
  }
  if (ids.size > 0) return [...ids];
  const progress = reporter.progress(`harvest ${category} ${day}`);
  const harvested: string[] = [];
  const result = await storeEvents(collectIds(app.source('oai').fetch({ categories: category.split('+'), from: day, until: day }), harvested), store, {
    onProgress: (stored, total) => progress.update(stored, total),
  });
  progress.finish(describeStored(result));
  return harvested;
}

/** Passes a source's events through, keeping the ids of its papers in order. */
async function* collectIds(events: AsyncIterable<SourceEvent>, ids: string[]): AsyncIterable<SourceEvent> {
  for await (const event of events) {
    if (event.type === 'paper') ids.push(event.paper.id);
    yield event;
  }
}

function describeTranslation(result: EnrichResult): string {
  const cost = result.cost === null ? '' : `, $${result.cost.toFixed(4)}`;
  return [
    `${formatCount(result.done)} translated`,
    result.cached + result.reused > 0 ? `${formatCount(result.cached + result.reused)} cached` : '',
    result.failed.length > 0 ? `${formatCount(result.failed.length)} failed` : '',
    result.remaining > 0 ? `${formatCount(result.remaining)} left` : '',
    `${formatCount(result.calls)} calls${cost}`,
  ]
    .filter(Boolean)
    .join(', ');
}
