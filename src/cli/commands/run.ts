/** `xivdigest run` and `xivdigest select`: a subscription's day, for real or as a dry run. */
import type { Command } from 'commander';
import type { DailyRunResult } from '../../jobs/daily-run.js';
import { XivdigestError } from '../../core/errors.js';
import type { RunReport } from '../../core/run-report.js';
import type { RunCommand } from '../context.js';
import type { LoadedConfig } from '../../core/config/load.js';
import type { Subscription } from '../../core/config/schema.js';
import { CommandFailed, EXIT, exitCodeFor } from '../exit.js';
import { formatReport } from '../report.js';

interface DailyOptions {
  subscription?: string;
  now?: string;
  json?: boolean;
  all?: boolean;
  resend?: boolean;
  wait?: string;
  leaseSeconds?: string;
}

/** A number of seconds from an option (`--wait 600`), or a USAGE error. */
function seconds(option: string, text: string | undefined, positive: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
    throw new XivdigestError({
      code: 'USAGE',
      message: `${option} ${text} is not a ${positive ? 'positive' : 'non-negative'} number of seconds`,
      hint: `For example ${option} 600`,
    });
  }
  return value;
}

/** Parses `--now`: an ISO 8601 date-time (a zone is recommended; without one it is UTC). */
export function parseNow(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const withZone = /[zZ]|[+-]\d{2}:?\d{2}$/.test(text) || !text.includes('T') ? text : `${text}Z`;
  const date = new Date(withZone);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(date.getTime())) {
    throw new XivdigestError({
      code: 'USAGE',
      message: `--now ${text} is not an ISO 8601 date-time`,
      hint: 'For example --now 2026-11-24T06:00:00Z or --now 2026-11-24T01:00:00-05:00',
    });
  }
  return date;
}

const EXAMPLE_CONFIG = `
A subscription lives in the config file (xivdigest.config.json):
  { "subscriptions": [ { "name": "nlp", "categories": "cs.CL+cs.AI-cs.CY",
      "filters": { "query": "ti:(llm OR \\"language model\\") AND NOT survey", "authors": ["Yoshua Bengio"] },
      "library": { "files": ["my-library.bib"] }, "ranking": { "topK": 20 },
      "outputs": { "dir": "digests", "formats": ["md", "html", "rss"] } } ] }`;

export function registerRun(program: Command, run: RunCommand): void {
  program
    .command('select')
    .description('dry run: what a subscription would receive now, and why each other paper is skipped (no LLM calls)')
    .requiredOption('-s, --subscription <name>', 'the subscription (from the config file)')
    .option('--now <datetime>', 'the clock, ISO 8601 (default: now); makes runs reproducible')
    .option('--all', 'list every skipped paper')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
It fetches the feed (and any missed announcement days) and stores the papers, like \`fetch\`, but records no
decision, moves no watermark, calls no LLM and delivers nothing.

Scores (ranking.method "lexical", the default) run from 0 to 1 on your library's own scale: each library paper is
scored against the rest of the library, and a paper's score is its place among them. 0.5 is as close to your
library as its median paper is to the rest of it; 1 is closer than any of its papers; 0 is nothing in common. A
library paper of n sits at (i - 0.5)/n, so "threshold": 0.1 keeps what is about as close as your least typical
papers. Without a library, starred papers are the library; with only hidden papers every paper scores 0.5 less
half its similarity to the nearest hidden one and no threshold applies; with neither, nothing is ranked.
${EXAMPLE_CONFIG}

Examples:
  xivdigest select --subscription nlp
  xivdigest select --subscription nlp --now 2026-11-24T06:00:00Z --json`,
    )
    .action((options: DailyOptions) =>
      run(async (context) => {
        const { findSubscription, runSubscription } = await import('../../app-daily.js');
        const loaded = await context.configForRun();
        const { subscription, index } = findSubscription(await allSubscriptions(context, loaded), options.subscription!);
        const result = await runSubscription({
          app: context.app(),
          subscription,
          index,
          now: parseNow(options.now),
          dryRun: true,
          env: loaded.env,
          onProgress: (message) => context.reporter.verbose(message),
          onWarning: (message) => context.reporter.warn(message),
        });
        print(context, result.report, options);
      }),
    );

  program
    .command('run')
    .description('the daily job: fetch, select, enrich, render and deliver, for one or every subscription')
    .option('-s, --subscription <name>', 'only this subscription (default: every one, in config order)')
    .option('--now <datetime>', 'the clock, ISO 8601 (default: now); makes runs reproducible')
    .option('--resend', 'deliver again to channels that already received the digest (with a new idempotency key)')
    .option('--wait <seconds>', 'when another run of the subscription is under way, wait up to this long for it (default: exit 75 at once)')
    .option('--lease-seconds <seconds>', "how long this run's claim lasts without a heartbeat; it is renewed every sixth of it (default 60)")
    .option('--all', 'list every skipped paper')
    .option('--json', 'print the reports as JSON (an array)')
    .addHelpText(
      'after',
      `
Each run covers every arXiv announcement day since the subscription's watermark: today's feed, and missed days
from OAI-PMH, one request per day (a missed week is caught up; a Friday missed before a weekend run too). A day
OAI-PMH cannot give stops the run there: the days before it are covered, the error names the day (exit 5), and
the next run retries it. Every paper is selected or skipped once, with the reason; a new version
comes back only when it changes the abstract, flagged "updated (vN)". The watermark moves only once the run's
results are stored. Rerunning a day delivers nothing twice; failed deliveries are retried.

One run per subscription at a time: a run claims the subscription in the database (SQLite or PostgreSQL, so this
holds across processes and machines) and renews the claim while it works. A second run exits 75 saying who holds
the claim (host, pid, since when, until when), or waits for it with --wait. A killed run's claim expires (on the same
host it is taken over at once) and \`xivdigest runs\` shows that run as interrupted. Webhooks carry an Idempotency-Key
header and e-mails a Message-ID that stay the same on every retry of a delivery, also after a crash mid-send.

With queue.url set (XIVDIGEST_QUEUE_URL), the enrichment, the publishing and the deliveries are jobs for
\`xivdigest worker\` processes: the run enqueues one job per paper-language, then one for the subscription-day's
files (written by a worker, under the outputs.dir of the worker's config), then one per channel, and waits for
them. See \`xivdigest worker --help\`.

Exit codes: 0 done (also: nothing new, with the reason), 1 partly failed (see the problems), 8 only deliveries
failed (a rerun retries them), 75 arXiv's feed (or a day's papers) is not out yet, or another run holds the
subscription (retry later); others as for every command.
${EXAMPLE_CONFIG}

Examples:
  xivdigest run
  xivdigest run --subscription nlp --now 2026-11-24T06:00:00Z`,
    )
    .action((options: DailyOptions) =>
      run(async (context) => {
        const [{ findSubscription, runSubscription }, { newRunId }] = await Promise.all([import('../../app-daily.js'), import('../../jobs/daily-run.js')]);
        const loaded = await context.configForRun();
        const every = await allSubscriptions(context, loaded);
        const subscriptions = options.subscription
          ? [findSubscription(every, options.subscription)]
          : every.map((subscription, index) => ({ subscription, index }));
        if (subscriptions.length === 0) {
          throw new XivdigestError({
            code: 'CONFIG_INVALID',
            message: `No subscriptions configured${loaded.file ? ` in ${loaded.file}` : ''}`,
            hint: 'Add one under "subscriptions" (see `xivdigest run --help` and the README)',
          });
        }
        const now = parseNow(options.now);
        const waitSeconds = seconds('--wait', options.wait, false);
        const leaseSeconds = seconds('--lease-seconds', options.leaseSeconds, true);
        const reports: RunReport[] = [];
        // One subscription's failure does not keep the others from their day; it is reported and sets the exit code.
        const failures: Array<{ name: string; error: unknown }> = [];
        for (const { subscription, index } of subscriptions) {
          const runId = newRunId(now);
          // JSON log lines carry the subscription and the run id (--log-format json); human lines are unchanged.
          const log = context.reporter.with({ subscription: subscription.name, runId });
          const progress = log.progress(`run ${subscription.name}`);
          let result: DailyRunResult;
          try {
            result = await runSubscription({
              app: context.app(),
              subscription,
              index,
              now,
              runId,
              ...(options.resend ? { resend: true } : {}),
              lease: {
                ...(waitSeconds !== undefined ? { waitMs: waitSeconds * 1000 } : {}),
                ...(leaseSeconds !== undefined ? { ttlMs: leaseSeconds * 1000 } : {}),
                onWait: (_holder, message) => log.info(`${subscription.name}: ${message}`),
              },
              env: loaded.env,
              onProgress: (message) => log.info(`${subscription.name}: ${message}`),
              onWarning: (message) => log.warn(message),
            });
          } catch (error) {
            if (subscriptions.length === 1) throw error;
            progress.finish(`${subscription.name}: stopped`);
            log.warn(`${subscription.name}: ${error instanceof Error ? error.message : String(error)}`);
            failures.push({ name: subscription.name, error });
            continue;
          }
          progress.finish(`${subscription.name}: ${result.report.status}, ${result.report.selected.length} selected, ${result.report.skipped.length} skipped`);
          reports.push(result.report);
          if (!options.json) print(context, result.report, options);
        }
        if (options.json) context.print(JSON.stringify(reports, null, 2));
        if (failures.length > 0) {
          throw new CommandFailed(
            exitCodeFor(failures[0]!.error),
            `${failures.length} of ${subscriptions.length} subscriptions stopped (${failures.map((failure) => failure.name).join(', ')}); the others ran. See the messages above; \`xivdigest runs\` keeps their reports`,
          );
        }
        const partial = reports.filter((report) => report.status === 'partial' || report.status === 'failed');
        if (partial.length > 0) {
          // Deliveries that failed get their own code (8), so that a cron wrapper can tell "retry the send" apart.
          const deliveryOnly = partial.every(
            (report) =>
              report.deliveries.some((d) => d.status === 'failed' || d.status === 'partial') &&
              !report.enrichment?.failed.length &&
              !report.enrichment?.remaining,
          );
          throw new CommandFailed(
            deliveryOnly ? EXIT.delivery : EXIT.partial,
            `${partial.map((report) => report.subscription).join(', ')}: partly failed: ${partial
              .flatMap((report) => report.problems)
              .slice(0, 3)
              .join('; ')}`,
          );
        }
        // A run that covered some days but stopped before one not out yet exits 75 too: a retry covers the rest.
        const waiting = (report: RunReport) => report.coverage?.find((day) => day.status === 'not-yet')?.note;
        const notYet = reports.filter((report) => report.nothing?.retry === true || waiting(report) !== undefined);
        if (notYet.length > 0)
          throw new CommandFailed(EXIT.notYet, notYet.map((report) => (report.nothing?.retry ? report.nothing.message : waiting(report)!)).join('; '));
      }),
    );
}

/**
 * The config file's subscriptions, then the readers' own from the database (docs/decisions/0039); one of those that
 * cannot be made ready is named in a warning and left out.
 */
async function allSubscriptions(context: Parameters<Parameters<RunCommand>[0]>[0], loaded: LoadedConfig): Promise<Subscription[]> {
  const { webSubscriptionsForRun } = await import('../../web/subscriptions/setup.js');
  const web = await webSubscriptionsForRun(loaded, await context.app().store());
  for (const problem of web.problems) context.reporter.warn(problem);
  return [...loaded.config.subscriptions, ...web.subscriptions];
}

function print(context: { print(text: string): void }, report: RunReport, options: DailyOptions): void {
  if (options.json) context.print(JSON.stringify(report, null, 2));
  else context.print(formatReport(report, options.all ? { all: true } : {}).join('\n'));
}
