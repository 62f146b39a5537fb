/**
 * `xivdigest serve`: the reader's web site (src/web) on --host/--port, and with --schedule also the built-in scheduler,
 * running each subscription on its cron in its time zone. Stops gracefully on SIGINT/SIGTERM (docs/decisions/0018).
 */
import type { Command } from 'commander';
import { XivdigestError } from '../../core/errors.js';
import type { RunReport } from '../../core/run-report.js';
import type { ScheduleStateStore, ScheduledRunRecord } from '../../core/schedule-state.js';
import type { Store } from '../../store/store.js';
import type { AccountSettings } from '../../web/accounts/service.js';
import type { LoadedConfig } from '../../core/config/load.js';
import type { RunCommand } from '../context.js';
import { runUntilStopped } from '../signals.js';
import type { Subscription } from '../../core/config/schema.js';
import type { ScheduledJob } from '../../schedule/index.js';

/** The scheduler's memory in the database (state keys `schedule:<job>`), so that a restart never runs a slot twice. */
export function storeScheduleState(store: Store): ScheduleStateStore {
  return {
    getLastRun: (job) => store.getState<ScheduledRunRecord>(`schedule:${job}`),
    recordRun: (job, slot, status) => store.setState(`schedule:${job}`, { slot, status, at: new Date().toISOString() } satisfies ScheduledRunRecord),
  };
}

/** One line for the log: `ok: 2026-12-04, 150 fetched, 20 selected, 20 enriched, files sent (3) · run ID`. */
export function summarizeRun(report: RunReport): string {
  const parts = [report.days.length === 0 ? 'no new announcement day' : report.days.join(', ')];
  parts.push(`${report.fetched.papers} fetched`, `${report.selected.length} selected`);
  if (report.enrichment) {
    const e = report.enrichment;
    parts.push(`${e.enriched + e.cached} enriched${e.failed.length ? `, ${e.failed.length} failed` : ''}${e.remaining ? `, ${e.remaining} left` : ''}`);
  }
  for (const delivery of report.deliveries) parts.push(`${delivery.channel} ${delivery.status} (${delivery.items})`);
  if (report.nothing) parts.push(report.nothing.message);
  if (report.problems.length > 0) parts.push(`${report.problems.length} problem(s)`);
  return `${report.status}: ${parts.join(', ')} · xivdigest runs show ${report.id}`;
}

function reason(error: unknown): string {
  if (XivdigestError.isInstance(error)) return error.oneLine;
  return error instanceof Error ? error.message : String(error);
}

/** The readers' accounts (docs/decisions/0038) when web.accounts is on; their config problems stop serve. */
async function accountsOf(loaded: LoadedConfig, store: Store): Promise<AccountSettings | undefined> {
  if (!loaded.config.web.accounts) return undefined;
  const problems = loaded.errors.filter((problem) => problem.path === 'web' || problem.path.startsWith('web.'));
  const { invalidConfigError } = await import('../../config.js');
  if (problems.length > 0) throw invalidConfigError(loaded, problems);
  const { accountSettingsFromConfig } = await import('../../web/accounts/setup.js');
  return accountSettingsFromConfig(loaded.config.web, loaded.env, store);
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new XivdigestError({ code: 'USAGE', message: `--port: "${text}" is not a port number`, hint: 'Use a number from 1 to 65535 (0 picks a free one)' });
  }
  return port;
}

/** How often `serve --schedule` reads the readers' subscriptions again for changes made elsewhere (decision 0044). */
const DEFAULT_RESCAN_SECONDS = 60;

function parseSeconds(text: string | undefined, option: string): number {
  if (text === undefined) return DEFAULT_RESCAN_SECONDS;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 86_400) {
    throw new XivdigestError({ code: 'USAGE', message: `${option}: "${text}" is not a number of seconds from 1 to 86400`, hint: `For example ${option} 60` });
  }
  return seconds;
}

/** What the web server needs from node:http: listening, closing, and dropping idle and open connections. */
interface HttpServer {
  close(callback?: (error?: Error) => void): unknown;
  closeIdleConnections?(): void;
  closeAllConnections?(): void;
}

export function registerServe(program: Command, run: RunCommand): void {
  program
    .command('serve')
    .description('serve the web archive (home, digests, archive, papers, search); with --schedule also run every subscription on its schedule')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8080')
    .option('--schedule', 'also run subscriptions on their cron schedules')
    .option('--catch-up-first-start', 'with --schedule: on the very first start, also run the latest slot already past')
    .option(
      '--rescan-seconds <seconds>',
      `with --schedule and accounts: how often to read readers' subscriptions again for changes made by other processes (default ${DEFAULT_RESCAN_SECONDS})`,
    )
    .addHelpText(
      'after',
      `
The web site shows what is stored, with or without subscriptions: the latest digest of each subscription, the
latest announcement day per category, each digest (a one-line overview, then the papers), an archive calendar per
category expression (/archive/cs.CL+cs.AI-cs.CY), each paper (every language, version history, provenance) and
search. It loads nothing from other hosts. Put a reverse proxy in front of it to serve it beyond this machine.

With --schedule, each subscription runs on schedule.cron in schedule.timezone (default "30 0 * * 1-5" in
America/New_York: 00:30 Eastern, Monday to Friday, half an hour after rss.arxiv.org builds the day's feed). The last
slot of each subscription is kept in the database: after a restart a missed slot runs once, a finished one never
again. Each slot is logged (started, finished with a summary, or failed with the reason) with the next run time.
With web.accounts, readers' own subscriptions are scheduled too: one created, changed or deleted on this site is
planned again at once, and changes made by other processes (another serve, \`readers remove\`) within
--rescan-seconds (default ${DEFAULT_RESCAN_SECONDS}); no restart is needed.

For operators: GET /healthz answers 200 while the process runs; GET /readyz answers 200 when the store answers and
its migrations match this version, else 503 with the reason; GET /metrics is Prometheus text (process, HTTP, LLM
calls and tokens by provider, runs, papers, texts, deliveries), answered with the bearer token of web.metricsToken,
or without one to this machine only (web.metricsOpen: true opens it). See docs/decisions/0042.

It runs until stopped. On Ctrl-C (SIGINT) or SIGTERM it starts no new run, lets a running one finish, closes the web
server, and exits 130 (SIGINT) or 143 (SIGTERM). A second signal stops it at once: what the cut-off run stored is
kept, and its slot is not repeated after a restart.

Examples:
  xivdigest serve                                  # http://127.0.0.1:8080/
  xivdigest serve --port 3000 --schedule
  XIVDIGEST_CONFIG=/etc/xivdigest.json xivdigest serve --host 0.0.0.0 --schedule --quiet`,
    )
    .action((options: { host: string; port: string; schedule?: boolean; catchUpFirstStart?: boolean; rescanSeconds?: string }) =>
      run(async (context) => {
        const port = parsePort(options.port);
        const [{ serve: listen }, { createWebApp }, { webDepsFromConfig }] = await Promise.all([
          import('@hono/node-server'),
          import('../../web/app.js'),
          import('../web-deps.js'),
        ]);
        const loaded = options.schedule ? await context.configForRun() : context.config();
        const app = context.app();
        const store = await app.store();
        const { readSearchStatus, searchWarning } = await import('../search-status.js');
        const slowSearch = searchWarning(await readSearchStatus(store));
        if (slowSearch) context.reporter.warn(slowSearch);
        const accounts = await accountsOf(loaded, store);
        const rescanSeconds = parseSeconds(options.rescanSeconds, '--rescan-seconds');
        // Readers' own subscriptions (docs/decisions/0039) run beside the config file's, from the database; they are
        // read again when one changes on this site and every --rescan-seconds (decision 0044).
        const { webSubscriptionsForRun, subscriptionSettingsFromConfig } = await import('../../web/subscriptions/setup.js');
        const readWebSubscriptions = () => (accounts && options.schedule ? webSubscriptionsForRun(loaded, store) : Promise.resolve(undefined));
        const fromWeb = await readWebSubscriptions();
        const reported = new Set(fromWeb?.problems ?? []);
        for (const problem of reported) context.reporter.warn(problem);
        const subscriptions = [...loaded.config.subscriptions, ...(fromWeb?.subscriptions ?? [])];
        if (options.schedule && subscriptions.length === 0 && !accounts) {
          throw new XivdigestError({
            code: 'CONFIG_INVALID',
            message: 'No subscriptions to schedule',
            hint: 'Add one under "subscriptions" in the config file, or drop --schedule to serve the archive only',
          });
        }
        let replan: (() => void) | undefined;
        const readerSubscriptions = accounts ? { ...subscriptionSettingsFromConfig(loaded, store), onChange: () => replan?.() } : undefined;
        const { createOperations } = await import('../operations.js');
        // With a queue (decision 0041), /metrics counts its jobs too.
        const queueConfig = loaded.config.queue;
        const countsReader = queueConfig.url ? (await import('../../app-llm.js')).queueCountsReader(queueConfig) : undefined;
        const queues = countsReader?.read;
        const operations = createOperations(loaded, store, queues);
        const { reporter } = context;

        const summaries = new Map<string, { summary: string; runId: string }>();
        // The web layer reports a failed request with console.error (src/web); with JSON logs it becomes a JSON line too.
        if (reporter.format === 'json') console.error = (...parts: unknown[]) => reporter.error(parts.map(String).join(' '));
        const about = (job: string, slot?: string, runId?: string) => reporter.with({ subscription: job, slot, runId });
        /** The slot each job is running now, for the messages on stopping. */
        const running = new Map<string, string>();
        let scheduler: { start(): Promise<void>; stop(): Promise<void> } | undefined;
        let rescan: ReturnType<typeof setInterval> | undefined;
        if (options.schedule) {
          const [{ runSubscription }, { newRunId }, { createScheduler, describeSchedule, formatInZone }, { formatReport }] = await Promise.all([
            import('../../app-daily.js'),
            import('../../jobs/daily-run.js'),
            import('../../schedule/index.js'),
            import('../report.js'),
          ]);
          const timezones = new Map<string, string>();
          /** The subscription's scheduled job: one run of it per slot, logged with the slot and the run's id. */
          const jobOf = (subscription: Subscription, index: number): ScheduledJob => ({
            name: subscription.name,
            cron: subscription.schedule.cron,
            timezone: subscription.schedule.timezone,
            paths: { cron: `subscriptions.${index}.schedule.cron`, timezone: `subscriptions.${index}.schedule.timezone` },
            run: async (_at, { slot }) => {
              running.set(subscription.name, slot);
              const now = new Date();
              const runId = newRunId(now);
              try {
                const result = await runSubscription({
                  app,
                  subscription,
                  index,
                  now,
                  runId,
                  env: loaded.env,
                  onProgress: (message) => about(subscription.name, slot, runId).verbose(`${subscription.name}: ${message}`),
                  onWarning: (message) => about(subscription.name, slot, runId).warn(message),
                  llmObserver: operations.metrics.llmObserver,
                });
                operations.metrics.recordRun(result.report);
                summaries.set(`${subscription.name} ${slot}`, { summary: summarizeRun(result.report), runId: result.report.id });
                for (const line of formatReport(result.report)) about(subscription.name, slot, result.report.id).verbose(`${subscription.name}: ${line}`);
              } finally {
                running.delete(subscription.name);
              }
            },
          });
          const jobsOf = (list: readonly Subscription[]) => {
            for (const subscription of list) timezones.set(subscription.name, subscription.schedule.timezone);
            return list.map(jobOf);
          };
          const created = createScheduler({
            store: storeScheduleState(store),
            catchUpOnFirstStart: options.catchUpFirstStart ?? false,
            jobs: jobsOf(subscriptions),
            onEvent: (event) => {
              if (event.type === 'job-scheduled') {
                about(event.job).info(`${event.job}: next run ${formatInZone(event.next, timezones.get(event.job) ?? 'UTC')} (${event.next.toISOString()})`);
              } else if (event.type === 'run-started') {
                about(event.job, event.slot).info(`${event.job}: started the ${event.slot} slot${event.catchUp ? ' (missed while stopped)' : ''}`);
              } else if (event.type === 'run-finished') {
                const key = `${event.job} ${event.slot}`;
                const finished = summaries.get(key);
                about(event.job, event.slot, finished?.runId).info(`${event.job}: finished the ${event.slot} slot: ${finished?.summary ?? 'done'}`);
                summaries.delete(key);
              } else if (event.type === 'run-failed') {
                about(event.job, event.slot).warn(`${event.job}: the ${event.slot} slot failed: ${reason(event.error)}`);
              } else if (event.type === 'run-skipped') {
                about(event.job, event.slot).verbose(`${event.job}: ${event.slot} skipped (${event.reason})`);
              }
            },
          });
          for (const subscription of subscriptions) {
            const description = describeSchedule(subscription.schedule.cron, subscription.schedule.timezone, { count: 3 });
            reporter.info(`${subscription.name}: ${subscription.schedule.cron} (${subscription.schedule.timezone}); next:`);
            for (const line of description.lines) reporter.info(`  ${line}`);
          }
          if (accounts) {
            if (subscriptions.length === 0) reporter.info("no subscriptions yet: readers' subscriptions are scheduled as they create them on the site");
            // One re-read at a time; a change during one asks for another after it.
            let planning: Promise<void> | undefined;
            let again = false;
            const plan = async () => {
              const read = await readWebSubscriptions();
              for (const problem of read?.problems ?? []) if (!reported.has(problem)) reporter.warn(problem);
              reported.clear();
              for (const problem of read?.problems ?? []) reported.add(problem);
              const list = [...loaded.config.subscriptions, ...(read?.subscriptions ?? [])];
              const changes = created.replaceJobs(jobsOf(list));
              for (const name of changes.added)
                reporter.info(`${name}: scheduled (${list.find((item) => item.name === name)!.schedule.cron}, ${timezones.get(name)})`);
              for (const name of changes.removed) reporter.info(`${name}: no longer scheduled (the subscription was deleted)`);
            };
            replan = () => {
              if (planning) {
                again = true;
                return;
              }
              planning = plan()
                .catch((error: unknown) => reporter.warn(`could not read the readers' subscriptions again: ${reason(error)}`))
                .finally(() => {
                  planning = undefined;
                  if (again) {
                    again = false;
                    replan?.();
                  }
                });
            };
            rescan = setInterval(() => replan?.(), rescanSeconds * 1000);
            rescan.unref();
          }
          scheduler = created;
        }
        // The web server after the scheduler is made (a bad cron fails first) and before it starts: a port in use
        // fails the command before any slot runs. The app needs the bound URL
        // (feeds link absolutely), so it is made once listening; a request in between gets a 503.
        // The node-server's bindings (the socket) go through, so that /metrics can tell a local request.
        let web: { fetch(request: Request, env: unknown): Response | Promise<Response> } | undefined;
        const started = listen({
          fetch: (request, env) => (web ? web.fetch(request, env) : new Response('starting', { status: 503 })),
          hostname: options.host,
          port,
        });
        const server = started as unknown as HttpServer;
        const baseUrl = await new Promise<string>((resolve, reject) => {
          started.once('listening', () => {
            const address = started.address();
            const where = typeof address === 'object' && address !== null ? address : { address: options.host, port, family: 'IPv4' };
            resolve(`http://${where.family === 'IPv6' ? `[${where.address}]` : where.address}:${where.port}`);
          });
          started.once('error', (error: NodeJS.ErrnoException) =>
            reject(
              new XivdigestError({
                code: 'USAGE',
                message: `Cannot listen on ${options.host}:${port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}`,
                hint: 'Choose another with --port (or stop what uses it)',
                cause: error,
              }),
            ),
          );
        });
        try {
          const siteUrl = loaded.config.web.baseUrl?.replace(/\/+$/, '') ?? baseUrl;
          // The one-click links of delivered digests are verified with the same signer the runs use (decision 0040).
          const { linkSignerFromConfig } = await import('../../app-daily.js');
          const links = linkSignerFromConfig({ ...loaded.config.web, baseUrl: siteUrl }, loaded.env).signer;
          const deps = webDepsFromConfig(store, loaded.config, siteUrl);
          // A reader's web star or hide feeds their own database subscriptions too (decisions 0039 and 0040).
          const ofConfig = deps.subscriptionsOfReader;
          const owned = readerSubscriptions?.subscriptions;
          if (ofConfig && owned) {
            deps.subscriptionsOfReader = async (reader) => [...(await ofConfig(reader)), ...(await owned.list({ readerId: reader.id })).map((row) => row.name)];
          }
          web = createWebApp(
            {
              ...deps,
              ...(accounts ? { accounts } : {}),
              ...(readerSubscriptions ? { readerSubscriptions } : {}),
              ...(links ? { links } : {}),
            },
            { operations: operations.routes },
          );
        } catch (error) {
          server.close();
          throw error;
        }
        const closeServer = () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections?.();
            // Readers' keep-alive connections must not hold the stop open.
            setTimeout(() => server?.closeAllConnections?.(), 2000).unref();
          });

        const runningNow = () => [...running].map(([job, slot]) => `${job} (the ${slot} slot)`).join(', ');
        // The scheduler's timers are unref'd (src/schedule/clock.ts); runUntilStopped holds the process open until stopped.
        try {
          await runUntilStopped(
            context.signals,
            {
              ready: () => reporter.info(`serving the web archive at ${baseUrl}/`),
              onStop(signal) {
                const jobs = runningNow();
                reporter.info(
                  jobs
                    ? `${signal}: stopping; waiting for the running job to finish: ${jobs} (send ${signal} again to stop at once)`
                    : `${signal}: stopping; no job is running`,
                );
                if (rescan) clearInterval(rescan);
                replan = undefined;
                return (scheduler ? scheduler.stop() : Promise.resolve()).then(closeServer).then(() => reporter.info('stopped'));
              },
              keptOnForce: () => {
                const jobs = runningNow();
                return jobs
                  ? `cut off ${jobs}: what it stored so far is kept, and the slot is not repeated after a restart (\`xivdigest run\` runs it by hand)`
                  : 'no job was running';
              },
            },
            async () => scheduler?.start(),
          );
        } finally {
          if (rescan) clearInterval(rescan);
          await closeServer();
          await countsReader?.close();
        }
      }),
    );
}
