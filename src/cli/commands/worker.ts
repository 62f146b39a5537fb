/** `xivdigest worker`: takes enrichment jobs from the queue of `queue.url` and runs them against `store.url`, with the rate limit its provider account shares with every other worker. */
import type { Command } from 'commander';
import { XivdigestError } from '../../core/errors.js';
import { redactUrl } from '../../core/redact.js';
import type { RunCommand } from '../context.js';
import { formatCount } from '../output.js';

interface WorkerCliOptions {
  concurrency?: string;
}

export function registerWorker(program: Command, run: RunCommand): void {
  program
    .command('worker')
    .description('process queued jobs (queue.url) against the shared store (store.url): enrich a paper-language')
    .option('--concurrency <n>', 'jobs at once in this process (default: llm.concurrency)')
    .addHelpText(
      'after',
      `
Queues: one per LLM provider account, named enrich-<provider>-<endpoint>-<hash of the key> (never the key). The
worker serves the queue of the provider its config and environment choose (as \`enrich\` does), and takes a job for
any model of that account. Every worker and enqueuer of one account meets on the same queue and shares:
  - llm.rpm: requests per minute across all workers (BullMQ's global rate limiter);
  - queue.globalConcurrency: jobs at once across all workers;
  - a 429's Retry-After: the whole queue pauses for everyone.
Jobs of \`enrich --all\` come after today's. A job checks the store before calling (texts already saved: no call)
and saves before it completes; a killed worker's jobs run again on another after about 2 × queue.lockSeconds.

Set queue.url (or XIVDIGEST_QUEUE_URL) to a Redis URL and store.url (or XIVDIGEST_DB) to PostgreSQL, the same on
every machine; \`enrich\` and \`run\` then enqueue and wait, and any number of workers do the calls.

Ctrl-C (or SIGTERM) stops taking jobs and lets the ones in hand finish.

Examples:
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
        const [{ chooseProvider, enrichQueueName, enrichSettings, openJobQueue }, { createEnrichJobHandler }] = await Promise.all([
          import('../../app-llm.js'),
          import('../../jobs/enrich-queue.js'),
        ]);
        const store = await context.app().store();
        if (!/^postgres(?:ql)?:\/\//i.test(loaded.config.store.url ?? ''))
          context.reporter.warn(
            `the store is SQLite (${redactUrl(loaded.config.store.url ?? '')}): workers on other machines cannot reach it; set store.url to PostgreSQL`,
          );
        const chosen = chooseProvider({ config: llm, environment: loaded.llmEnvironment });
        if (chosen.kind === 'llama-cpp')
          throw new XivdigestError({
            code: 'USAGE',
            message: 'xivdigest worker calls an LLM API, but the provider chosen is the local model (llama-cpp)',
            hint: 'Set OPENAI_API_KEY / OPENAI_API_BASE, ANTHROPIC_API_KEY or llm.provider for the workers',
          });
        const providers = new Map([[chosen.provider.modelId, chosen.provider]]);
        const providerFor = (model: string) => {
          let provider = providers.get(model);
          if (!provider) {
            provider = chooseProvider({ config: llm, environment: loaded.llmEnvironment, overrides: { model } }).provider;
            providers.set(model, provider);
          }
          return provider;
        };
        const { concurrency: _perRun, budget: _budget, ...settings } = enrichSettings(llm);
        const queueName = enrichQueueName(chosen);
        const queue = (await openJobQueue(queueConfig))!;
        let done = 0;
        let failed = 0;
        const handler = createEnrichJobHandler({ store, providerFor, settings, budget: queue.budget });
        const startedAt = Date.now();
        await queue.process(
          queueName,
          async (data: Parameters<typeof handler>[0], job: Parameters<typeof handler>[1]) => {
            try {
              const value = await handler(data, job);
              done += 1;
              context.reporter.verbose(`${job.id}: ${value.status}${value.calls ? ` (${value.calls} call(s))` : ''}`);
              return value;
            } catch (error) {
              if (!(XivdigestError.isInstance(error) && (error.code === 'LLM_RATE_LIMITED' || error.code === 'BUDGET_EXCEEDED'))) failed += 1;
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
        context.reporter.info(
          `worker: serving ${queueName} (${chosen.description}) on ${redactUrl(queueConfig.url)}, ${concurrency} at once${llm.rpm ? `, ${llm.rpm} requests/min shared` : ''}; Ctrl-C stops`,
        );
        const keepAlive = setInterval(() => undefined, 2 ** 30);
        let release: () => void = () => undefined;
        try {
          await new Promise<void>((resolve, reject) => {
            release = context.signals.takeOver({
              onStop(signal) {
                context.reporter.info(`${signal}: stopping; finishing the jobs in hand (send ${signal} again to stop at once)`);
                queue.close().then(resolve, reject);
              },
              keptOnForce: () => 'the jobs in hand run again on another worker once their lock expires; saved texts are kept',
            });
          });
        } finally {
          release();
          clearInterval(keepAlive);
          for (const provider of providers.values()) await provider.close?.();
        }
        const minutes = (Date.now() - startedAt) / 60_000;
        context.reporter.info(`worker stopped: ${formatCount(done)} job(s) done, ${formatCount(failed)} failed, in ${minutes.toFixed(1)} min`);
      }),
    );
}
