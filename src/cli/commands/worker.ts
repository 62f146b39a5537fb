/**
 * `xivdigest worker`: takes jobs from the queues of `queue.url` and runs them against `store.url`: enrichment (with the
 * rate limit its provider account shares with every other worker), publishing (files under this worker's output
 * folders) and deliveries. `--jobs` picks the kinds; by default every kind this worker can do.
 */
import type { Server } from 'node:http';
import type { Command } from 'commander';
import { XivdigestError } from '../../core/errors.js';
import { redactUrl } from '../../core/redact.js';
import type { RunCommand } from '../context.js';
import { formatCount } from '../output.js';
import { runUntilStopped } from '../signals.js';

interface WorkerCliOptions {
  concurrency?: string;
  jobs?: string;
  metricsPort?: string;
  metricsHost: string;
}

export function registerWorker(program: Command, run: RunCommand): void {
  program
    .command('worker')
    .description(
      'process queued jobs (queue.url) against the shared store (store.url): enrich a paper-language, publish a subscription-day, deliver to a channel',
    )
    .option('--concurrency <n>', 'jobs at once in this process (default: llm.concurrency)')
    .option('--jobs <kinds>', `the kinds of job to take, comma-separated: ${JOB_KINDS.join(', ')} (default: every kind this worker can do)`)
    .option('--metrics-port <port>', 'serve Prometheus metrics of this worker on GET /metrics (0: any free port)')
    .option('--metrics-host <host>', 'the address --metrics-port listens on', '127.0.0.1')
    .addHelpText(
      'after',
      `
Queues: one per LLM provider account, named enrich-<provider>-<endpoint>-<hash of the key> (never the key). The
worker serves the queue of the provider its config and environment choose (as \`enrich\` does), and takes a job for
any model of that account. Every worker and enqueuer of one account meets on the same queue and shares:
  - llm.rpm: requests per minute across all workers (starts spaced on one schedule in Redis);
  - llm.budget / enrich --budget: one counter per run; each call reserves its estimated cost first;
  - queue.globalConcurrency: jobs at once across all workers;
  - a 429's Retry-After: the whole queue pauses for everyone.
A worker also serves the queues \`publish\` and \`deliver\` (they need no LLM account): \`run\` enqueues one
publish job per subscription-day; the worker renders the stored digest and writes its files and feeds under the
outputs.dir of ITS OWN config (relative to that file's folder; ./digests when unset), holding the subscription-day's
claim in the store, each file written to a temporary name and renamed. Give the workers that publish one shared
folder, or let only the machine that owns the folder publish (--jobs publish,deliver there, --jobs enrich
elsewhere). Then \`run\` enqueues one deliver job per channel; the worker loads the stored digest and sends it with the delivery's Idempotency-Key,
recorded in the store before and after the send, so a retried or duplicated job sends once (or, after a kill
mid-send, again with the same key).

--jobs: enrich needs an LLM API provider (OPENAI_API_KEY / OPENAI_API_BASE, ANTHROPIC_API_KEY, or llm.provider with
its settings; not the local model). Without one, a worker started without --jobs serves publish and deliver only
and says so; --jobs enrich without one is an error that names what to set.

Jobs of \`enrich --all\` come after today's. A job checks the store before calling (texts already saved: no call)
and saves before it completes; a killed worker's jobs run again on another after about 2 × queue.lockSeconds.

Set queue.url (or XIVDIGEST_QUEUE_URL) to a Redis URL and store.url (or XIVDIGEST_DB) to PostgreSQL, the same on
every machine; \`enrich\` and \`run\` then enqueue and wait, and any number of workers do the calls.

Ctrl-C (or SIGTERM) stops taking jobs and lets the ones in hand finish.

--metrics-port serves GET /metrics (LLM calls, tokens, errors and 429s of this process, jobs done and failed, the
queue's counts) and GET /healthz, for Prometheus to scrape each worker.

Examples:
  xivdigest worker --metrics-port 9464 --metrics-host 0.0.0.0
  xivdigest worker --jobs publish,deliver       # the machine whose outputs.dir the web server serves
  XIVDIGEST_QUEUE_URL=redis://10.0.0.5:6379 XIVDIGEST_DB=postgres://xd@10.0.0.5/xd xivdigest worker --concurrency 8`,
    )
    .action((options: WorkerCliOptions) =>
      run(async (context) => {
        const loaded = context.config();
        const { queue: queueConfig, llm } = loaded.config;
        if (!queueConfig.url) {
          throw new XivdigestError({
            code: 'USAGE',
            message: 'xivdigest worker needs a job queue, and queue.url is not set',
            hint: 'Set queue.url in the config file (or XIVDIGEST_QUEUE_URL) to a Redis URL such as redis://127.0.0.1:6379, and store.url to PostgreSQL',
          });
        }
        const concurrency = options.concurrency === undefined ? llm.concurrency : Number(options.concurrency);
        if (!Number.isInteger(concurrency) || concurrency <= 0)
          throw new XivdigestError({
            code: 'USAGE',
            message: `--concurrency ${options.concurrency} is not a positive whole number`,
            hint: 'For example --concurrency 8',
          });
        let metricsPort: number | undefined;
        if (options.metricsPort !== undefined) {
          metricsPort = Number(options.metricsPort);
          if (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65_535)
            throw new XivdigestError({
              code: 'USAGE',
              message: `--metrics-port ${options.metricsPort} is not a port number`,
              hint: 'For example --metrics-port 9464',
            });
        }
        const jobs = parseJobKinds(options.jobs);
        const metrics = metricsPort === undefined ? undefined : (await import('../../web/metrics.js')).createMetrics();
        const [{ chooseProvider, enrichQueueName, enrichSettings, openJobQueue }, { createEnrichJobHandler }] = await Promise.all([
          import('../../app-llm.js'),
          import('../../jobs/enrich-queue.js'),
        ]);
        const store = await context.app().store();
        if (!/^postgres(?:ql)?:\/\//i.test(loaded.config.store.url ?? ''))
          context.reporter.warn(
            `the store is SQLite (${redactUrl(loaded.config.store.url ?? '')}): workers on other machines cannot reach it; set store.url to PostgreSQL`,
          );
        const observer = metrics ? { observer: metrics.llmObserver } : {};
        // Enrichment needs an LLM API account (its queue is named after it); publishing and delivering need none.
        let chosen: ReturnType<typeof chooseProvider> | undefined;
        let noEnrich: string | undefined;
        if (jobs.has('enrich')) {
          try {
            chosen = chooseProvider({ config: llm, environment: loaded.llmEnvironment, ...observer });
            if (chosen.kind === 'llama-cpp') {
              noEnrich = 'the provider chosen is the local model (llama-cpp), which a worker cannot serve';
              chosen = undefined;
            }
          } catch (error) {
            if (!XivdigestError.isInstance(error)) throw error;
            noEnrich = error.message;
          }
          if (noEnrich !== undefined) {
            const hint = 'Set OPENAI_API_KEY (and OPENAI_API_BASE), ANTHROPIC_API_KEY, or llm.provider with its settings for the workers that enrich';
            if (options.jobs !== undefined)
              throw new XivdigestError({ code: 'USAGE', message: `xivdigest worker --jobs enrich needs an LLM API provider: ${noEnrich}`, hint });
            jobs.delete('enrich');
            context.reporter.warn(`worker: not taking enrich jobs: ${noEnrich}. ${hint}; this worker publishes and delivers only`);
          }
        }
        const providers = new Map(chosen ? [[chosen.provider.modelId, chosen.provider]] : []);
        const queue = (await openJobQueue(queueConfig))!;
        let done = 0;
        let failed = 0;
        const jobsTotal = metrics
          ? new (await import('prom-client')).Counter({
              name: 'xivdigest_worker_jobs_total',
              help: 'Jobs this worker ran, by queue and outcome (done, failed, rate-limited, budget).',
              labelNames: ['queue', 'outcome'],
              registers: [metrics.registry],
            })
          : undefined;
        const served: string[] = [];
        const startedAt = Date.now();
        if (chosen) {
          const account = chosen;
          const providerFor = (model: string) => {
            let provider = providers.get(model);
            if (!provider) {
              provider = chooseProvider({ config: llm, environment: loaded.llmEnvironment, overrides: { model }, ...observer }).provider;
              providers.set(model, provider);
            }
            return provider;
          };
          const { concurrency: _perRun, budget: _budget, ...settings } = enrichSettings(llm);
          const queueName = enrichQueueName(account);
          const handler = createEnrichJobHandler({ store, providerFor, settings, budget: queue.budget });
          await queue.process(
            queueName,
            async (data: Parameters<typeof handler>[0], job: Parameters<typeof handler>[1]) => {
              try {
                const value = await handler(data, job);
                done += 1;
                jobsTotal?.inc({ queue: queueName, outcome: 'done' });
                context.reporter.verbose(`${job.id}: ${value.status}${value.calls ? ` (${value.calls} call(s))` : ''}`);
                return value;
              } catch (error) {
                const code = XivdigestError.isInstance(error) ? error.code : undefined;
                if (code !== 'LLM_RATE_LIMITED' && code !== 'BUDGET_EXCEEDED') failed += 1;
                jobsTotal?.inc({
                  queue: queueName,
                  outcome: code === 'LLM_RATE_LIMITED' ? 'rate-limited' : code === 'BUDGET_EXCEEDED' ? 'budget' : 'failed',
                });
                context.reporter.verbose(`${job.id}: ${error instanceof Error ? error.message : String(error)}`);
                throw error;
              }
            },
            {
              concurrency,
              lockMs: Math.round(queueConfig.lockSeconds * 1000),
              ...(queueConfig.globalConcurrency !== undefined ? { globalConcurrency: queueConfig.globalConcurrency } : {}),
              // One start per 60 000 / rpm ms across all workers: spaced evenly, so that no sliding minute sees more than llm.rpm.
              ...(llm.rpm ? { limiter: { max: 1, durationMs: Math.floor(60_000 / llm.rpm) + 1 } } : {}),
            },
          );
          served.push(`${queueName} (${account.description})`);
        }
        // Publishing and deliveries need no LLM account: one queue each for the installation (ADRs 0056, 0053).
        const [{ deliverStoredDigest, publishStoredDigest }, { DELIVER_QUEUE, createDeliverJobHandler }, { PUBLISH_QUEUE, createPublishJobHandler }] =
          await Promise.all([import('../../app-daily.js'), import('../../jobs/deliver-queue.js'), import('../../jobs/publish-queue.js')]);
        const app = context.app();
        // The config's subscriptions, then the readers' own from the database, as `run` takes them.
        const subscriptions = async () => {
          const { webSubscriptionsForRun } = await import('../../web/subscriptions/setup.js');
          return [...loaded.config.subscriptions, ...(await webSubscriptionsForRun(loaded, store)).subscriptions];
        };
        const lockMs = Math.round(queueConfig.lockSeconds * 1000);
        const serve = async <Data, Result>(name: string, run: (data: Data) => Promise<Result>, describe: (result: Result) => string) => {
          await queue.process(
            name,
            async (data: Data, job: { id: string }) => {
              try {
                const result = await run(data);
                done += 1;
                jobsTotal?.inc({ queue: name, outcome: 'done' });
                context.reporter.verbose(`${job.id}: ${describe(result)}`);
                return result;
              } catch (error) {
                failed += 1;
                jobsTotal?.inc({ queue: name, outcome: 'failed' });
                context.reporter.verbose(`${job.id}: ${error instanceof Error ? error.message : String(error)}`);
                throw error;
              }
            },
            { concurrency, lockMs },
          );
          served.push(name);
        };
        if (jobs.has('publish')) {
          // The claim outlives a dead worker's job lock (taken again after about 2 × queue.lockSeconds).
          const claimTtlMs = Math.max(2 * lockMs, 5000);
          await serve(
            PUBLISH_QUEUE,
            createPublishJobHandler((data) => publishStoredDigest({ app, data, subscriptions, claimTtlMs })),
            (result) => `${result.report.items} file(s), ${result.by}`,
          );
        }
        if (jobs.has('deliver')) {
          await serve(
            DELIVER_QUEUE,
            createDeliverJobHandler((data) => deliverStoredDigest({ app, env: loaded.env, data, subscriptions })),
            (report) => `${report.status}${report.deliveryKey ? ` (${report.deliveryKey})` : ''}`,
          );
        }
        if (served.length === 0) {
          await queue.close();
          throw new XivdigestError({
            code: 'USAGE',
            message: 'this worker has no job kind left to take',
            hint: `Name at least one of ${JOB_KINDS.join(', ')} with --jobs`,
          });
        }
        const queueNames = [...(chosen ? [enrichQueueName(chosen)] : []), ...[PUBLISH_QUEUE, DELIVER_QUEUE].filter((name) => served.includes(name))];
        let metricsServer: Server | undefined;
        if (metrics && metricsPort !== undefined) {
          const { createServer } = await import('node:http');
          const queueGauge = new (await import('prom-client')).Gauge({
            name: 'xivdigest_queue_jobs',
            help: 'Jobs in the queue this worker serves, by state (waiting, active, delayed, failed).',
            labelNames: ['queue', 'state'],
            registers: [metrics.registry],
            async collect() {
              this.reset();
              for (const counts of await queue.counts(queueNames).catch(() => []))
                for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) this.set({ queue: counts.queue, state }, counts[state]);
            },
          });
          void queueGauge;
          const server = createServer((request, response) => {
            if (request.method === 'GET' && request.url === '/metrics') {
              metrics.render().then(
                ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
                () => response.writeHead(500).end('metrics failed\n'),
              );
            } else if (request.method === 'GET' && request.url === '/healthz') response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
            else response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics or /healthz\n');
          });
          metricsServer = server;
          await new Promise<void>((resolve, reject) => {
            server.once('error', (error) =>
              reject(
                new XivdigestError({
                  code: 'USAGE',
                  message: `--metrics-port ${metricsPort}: cannot listen on ${options.metricsHost}: ${error.message}`,
                  hint: 'Choose a free port, or 0 for any',
                }),
              ),
            );
            server.listen(metricsPort, options.metricsHost, () => resolve());
          });
          const address = server.address();
          const port = typeof address === 'object' && address ? address.port : metricsPort;
          context.reporter.info(`worker: metrics on http://${options.metricsHost}:${port}/metrics`);
        }
        try {
          await runUntilStopped(context.signals, {
            ready() {
              context.reporter.info(
                `worker: serving ${served.join(', ')} on ${redactUrl(queueConfig.url)}, ${concurrency} at once${chosen && llm.rpm ? `, ${llm.rpm} requests/min shared` : ''}; Ctrl-C stops`,
              );
            },
            onStop(signal) {
              context.reporter.info(`${signal}: stopping; finishing the jobs in hand (send ${signal} again to stop at once)`);
              return queue.close();
            },
            keptOnForce: () => 'the jobs in hand run again on another worker once their lock expires; saved texts are kept',
          });
        } finally {
          metricsServer?.close();
          for (const provider of providers.values()) await provider.close?.();
        }
        const minutes = (Date.now() - startedAt) / 60_000;
        context.reporter.info(`worker stopped: ${formatCount(done)} job(s) done, ${formatCount(failed)} failed, in ${minutes.toFixed(1)} min`);
      }),
    );
}

/** The kinds of job a worker can take, as `--jobs` names them. */
const JOB_KINDS = ['enrich', 'publish', 'deliver'] as const;
type JobKind = (typeof JOB_KINDS)[number];

/** `--jobs enrich,deliver` as a set; every kind when absent; a USAGE error naming the kinds for anything else. */
function parseJobKinds(text: string | undefined): Set<JobKind> {
  if (text === undefined) return new Set(JOB_KINDS);
  const kinds = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const unknown = kinds.filter((kind) => !(JOB_KINDS as readonly string[]).includes(kind));
  if (kinds.length === 0 || unknown.length > 0) {
    throw new XivdigestError({
      code: 'USAGE',
      message: `--jobs ${text}: ${unknown.length > 0 ? `${unknown.join(', ')} is not a kind of job` : 'names no kind of job'}`,
      hint: `Use a comma-separated list of ${JOB_KINDS.join(', ')}, e.g. --jobs publish,deliver`,
    });
  }
  return new Set(kinds as JobKind[]);
}
