/**
 * Prometheus metrics of a `serve` process (docs/decisions/0042): process metrics, HTTP requests by route pattern,
 * LLM calls through the LlmCallObserver, the runs this process made, and what the store says at scrape time.
 */
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LlmCallObserver } from '../core/llm-observer.js';
import type { QueueCountsReader } from '../core/queue.js';
import type { RunReport } from '../core/run-report.js';
import type { Store } from '../store/store.js';

export interface MetricsOptions {
  /** Read at scrape time for the last run of each subscription and runs in progress. */
  store?: Store;
  /** Injected when a queue is configured: each queue's job counts become `xivdigest_queue_jobs`. */
  queues?: QueueCountsReader;
}

export interface Metrics {
  registry: Registry;
  /** Counts each LLM attempt by provider: calls, tokens, cached tokens, errors, rate limits. */
  llmObserver: LlmCallObserver;
  /** Counts a finished run of this process: its status, papers fetched, texts written, deliveries. */
  recordRun(report: RunReport): void;
  /** Times every request by method, route pattern (never the raw path: bounded labels) and status. */
  middleware: MiddlewareHandler;
  /** The exposition in Prometheus text format 0.0.4. */
  render(): Promise<{ contentType: string; body: string }>;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const httpRequests = new Counter({
    name: 'xivdigest_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    registers,
  });
  const httpDuration = new Histogram({
    name: 'xivdigest_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route pattern.',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const llmCalls = new Counter({
    name: 'xivdigest_llm_calls_total',
    help: 'LLM call attempts, by provider, model and outcome (ok or error).',
    labelNames: ['provider', 'model', 'outcome'],
    registers,
  });
  const llmTokens = new Counter({
    name: 'xivdigest_llm_tokens_total',
    help: 'LLM tokens, by provider and kind: input (cached included), output, cached (input read from the prompt cache).',
    labelNames: ['provider', 'kind'],
    registers,
  });
  const llmErrors = new Counter({
    name: 'xivdigest_llm_errors_total',
    help: 'Failed LLM call attempts, by provider and error code.',
    labelNames: ['provider', 'code'],
    registers,
  });
  const llmRateLimited = new Counter({
    name: 'xivdigest_llm_rate_limited_total',
    help: 'LLM call attempts answered with a rate limit (HTTP 429), by provider.',
    labelNames: ['provider'],
    registers,
  });
  const llmDuration = new Histogram({
    name: 'xivdigest_llm_call_duration_seconds',
    help: 'Time an LLM call attempt took, by provider.',
    labelNames: ['provider'],
    buckets: [0.5, 1, 2.5, 5, 10, 20, 40, 80, 160],
    registers,
  });
  const runs = new Counter({
    name: 'xivdigest_runs_total',
    help: 'Runs this process finished, by subscription and status.',
    labelNames: ['subscription', 'status'],
    registers,
  });
  const papers = new Counter({
    name: 'xivdigest_papers_fetched_total',
    help: 'Papers fetched and written to the store by runs of this process.',
    labelNames: ['subscription'],
    registers,
  });
  const texts = new Counter({
    name: 'xivdigest_texts_written_total',
    help: 'Texts (translations) generated and written by runs of this process.',
    labelNames: ['subscription'],
    registers,
  });
  const deliveries = new Counter({
    name: 'xivdigest_deliveries_total',
    help: 'Deliveries by runs of this process, by channel and outcome (sent, partial, failed, skipped).',
    labelNames: ['channel', 'outcome'],
    registers,
  });

  const { store, queues } = options;
  if (store) {
    new Gauge({
      name: 'xivdigest_subscription_last_run_timestamp_seconds',
      help: 'When the last stored run of each subscription started (any process), with its status as a label.',
      labelNames: ['subscription', 'status'],
      registers,
      async collect() {
        this.reset();
        const recent = await store.listRuns({ limit: 100 }).catch(() => []);
        const seen = new Set<string>();
        for (const run of recent) {
          if (!run.subscription || seen.has(run.subscription)) continue;
          seen.add(run.subscription);
          this.set({ subscription: run.subscription, status: run.status }, Date.parse(run.startedAt) / 1000);
        }
      },
    });
  }
  if (queues) {
    new Gauge({
      name: 'xivdigest_queue_jobs',
      help: 'Jobs in each queue, by state (waiting, active, delayed, failed).',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const queue of await queues().catch(() => [])) {
          for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) this.set({ queue: queue.queue, state }, queue[state]);
        }
      },
    });
  }

  return {
    registry,
    llmObserver: {
      callFinished(call) {
        const labels = { provider: call.provider };
        llmCalls.inc({ provider: call.provider, model: call.model, outcome: call.errorCode ? 'error' : 'ok' });
        llmDuration.observe(labels, call.durationMs / 1000);
        if (call.usage) {
          llmTokens.inc({ ...labels, kind: 'input' }, call.usage.inputTokens);
          llmTokens.inc({ ...labels, kind: 'output' }, call.usage.outputTokens);
          llmTokens.inc({ ...labels, kind: 'cached' }, call.usage.cachedInputTokens ?? 0);
        }
        if (call.errorCode) {
          llmErrors.inc({ ...labels, code: call.errorCode });
          if (call.errorCode === 'LLM_RATE_LIMITED') llmRateLimited.inc(labels);
        }
      },
    },
    recordRun(report) {
      const subscription = report.subscription;
      runs.inc({ subscription, status: report.status });
      papers.inc({ subscription }, report.fetched.papers);
      texts.inc({ subscription }, report.enrichment?.enriched ?? 0);
      for (const delivery of report.deliveries) deliveries.inc({ channel: delivery.channel, outcome: delivery.status });
    },
    middleware: async (c, next) => {
      const started = performance.now();
      await next();
      // The matched pattern (`/papers/:id`), never the path: a label per paper would grow without end. Once the
      // request is answered, the current route is the one that answered it: the last matched one may be a catch-all
      // mounted after it (the public feeds' `/feeds/*` behind `/feeds/private/…`).
      const pattern = routePath(c);
      const route = pattern === '*' || pattern === '/*' || pattern === '' ? 'unmatched' : pattern;
      httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
      httpDuration.observe({ method: c.req.method, route }, (performance.now() - started) / 1000);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
