/**
 * /healthz, /readyz and /metrics on a running `serve --schedule`: the exposition passes the reference Prometheus parser
 * and counts the slot's LLM calls, tokens and run; the bearer token is required when configured, and without one only
 * direct requests from this machine are answered; /readyz answers 503 with the reason once a newer xivdigest has
 * migrated the database.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { useServeWorld } from './helpers/serve-world.js';
import { prometheusParser, type ParsedFamily } from './helpers/prometheus-parser.js';

const KEY = 'sk-test-secret-metrics-0123456789';
const TOKEN = 'metrics-token-0123456789abcdefghijklmnop';

describe('serve: /healthz, /readyz, /metrics', () => {
  const world = useServeWorld({ apiKey: KEY });
  const papers = world.papers;

  async function serve(config: Record<string, unknown>, env: Record<string, string> = {}, args: string[] = []) {
    const sandbox = world.sandbox(config);
    const serving = world.start(sandbox, ['serve', '--port', '0', ...args], env);
    const stderr = await serving.waitForStderr(/serving the web archive at http:\/\/127\.0\.0\.1:\d+\//);
    return { sandbox, serving, url: /serving the web archive at (http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr)![1]! };
  }

  const sample = (families: ParsedFamily[], name: string, labels: Record<string, string> = {}) =>
    families
      .flatMap((family) => family.samples)
      .find((item) => item.name === name && Object.entries(labels).every(([key, value]) => item.labels[key] === value));

  it('counts a scheduled run and its LLM calls, behind the bearer token, in an exposition the reference parser reads', async () => {
    const { serving, url } = await serve(
      {
        web: { metricsToken: { env: 'XIVDIGEST_METRICS_TOKEN' } },
        subscriptions: [world.subscription('*/2 * * * * *', 'out')],
      },
      { ...world.env(), XIVDIGEST_METRICS_TOKEN: TOKEN },
      ['--schedule'],
    );
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toBe('ready\n');

    const refused = await fetch(`${url}/metrics`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('Bearer');
    expect((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);

    await serving.waitForStderr(/nlp: finished the \S+ slot/);
    await fetch(`${url}/papers/${papers[0]!.id}`);
    const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(TOKEN);

    const parser = prometheusParser();
    if ('missing' in parser) {
      console.warn(`skipped the reference parser: ${parser.missing}`);
      expect(text).toMatch(/^xivdigest_runs_total\{subscription="nlp",status="ok"\} 1$/m);
    } else {
      const families = parser.parse(text);
      expect(sample(families, 'process_cpu_seconds_total')).toBeDefined();
      expect(sample(families, 'xivdigest_runs_total', { subscription: 'nlp', status: 'ok' })?.value).toBe(1);
      expect(sample(families, 'xivdigest_papers_fetched_total', { subscription: 'nlp' })?.value).toBe(2);
      expect(sample(families, 'xivdigest_texts_written_total', { subscription: 'nlp' })?.value).toBe(2);
      expect(sample(families, 'xivdigest_llm_calls_total', { provider: 'openai-compatible', outcome: 'ok' })?.value).toBeGreaterThanOrEqual(2);
      expect(sample(families, 'xivdigest_llm_tokens_total', { provider: 'openai-compatible', kind: 'output' })?.value).toBeGreaterThan(0);
      expect(sample(families, 'xivdigest_deliveries_total', { channel: 'files', outcome: 'sent' })?.value).toBe(1);
      expect(sample(families, 'xivdigest_subscription_last_run_timestamp_seconds', { subscription: 'nlp' })).toBeDefined();
      // Requests are labelled by route pattern, never by the raw path.
      expect(sample(families, 'xivdigest_http_requests_total', { route: '/papers/*', status: '200' })?.value).toBeGreaterThanOrEqual(1);
      expect(sample(families, 'xivdigest_http_requests_total', { route: '/readyz' })?.value).toBe(1);
      expect(families.find((family) => family.name === 'xivdigest_http_request_duration_seconds')?.type).toBe('histogram');
    }
    serving.child.kill('SIGTERM');
    await serving.exited(30_000);
  }, 60_000);

  it('without a token answers /metrics only to direct local requests; /readyz says 503 once a newer version migrated the store', async () => {
    const { sandbox, serving, url } = await serve({});
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    const proxied = await fetch(`${url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(proxied.status).toBe(403);
    expect(await proxied.text()).toContain('web.metricsToken');

    const database = new Database(sandbox.db);
    database.prepare("insert into kysely_migration (name, timestamp) values ('9999-from-the-future', ?)").run(new Date().toISOString());
    database.close();
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toMatch(/not ready: the database was migrated by a newer xivdigest \(9999-from-the-future\)/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    serving.child.kill('SIGTERM');
    await serving.exited(30_000);
  }, 60_000);
});
