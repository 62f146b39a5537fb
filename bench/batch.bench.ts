/** `npm run bench:batch`: the same 2,000 papers enriched synchronously and through the batch APIs against the local batch server: calls, tokens (cached included), price. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enrichPapers, type EnrichResult } from '../src/jobs/enrich.js';
import type { LlmProvider } from '../src/core/llm.js';
import { createAnthropicProvider } from '../src/llm/anthropic/index.js';
import { createAnthropicBatchClient, createOpenAiBatchClient, type BatchClient } from '../src/llm/batch/index.js';
import { createOpenAiCompatibleProvider } from '../src/llm/openai-compatible/index.js';
import { formatCost } from '../src/llm/pricing.js';
import { createStore } from '../src/store/index.js';
import { startFakeBatchServer } from '../test/helpers/fake-batch-server.js';
import { enrichTestPapers } from '../test/helpers/synthetic-papers.js';

const args = process.argv.slice(2);
/** Short mode: `--short` or XIVDIGEST_BENCH_SHORT=1 runs 40 papers. */
const short = args.includes('--short') || process.env.XIVDIGEST_BENCH_SHORT === '1';
const count = Number(args[args.indexOf('--papers') + 1] ?? NaN) || (short ? 40 : 2000);
const KEY = 'sk-bench-batch';

interface Scenario {
  name: string;
  protocol: 'openai' | 'anthropic';
  batch: boolean;
  /** The server reports cached prompt prefixes. */
  cache: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: 'sync, no prompt cache', protocol: 'openai', batch: false, cache: false },
  { name: 'sync', protocol: 'openai', batch: false, cache: true },
  { name: 'batch', protocol: 'openai', batch: true, cache: true },
  { name: 'sync', protocol: 'anthropic', batch: false, cache: true },
  { name: 'batch', protocol: 'anthropic', batch: true, cache: true },
];

const set = enrichTestPapers(count);
console.log(
  `papers: ${set.papers.length} (${set.source === 'shared-corpus' ? 'real corpus from ../shared' : 'made up: ../shared is absent'})${short ? ', short mode' : ''}`,
);

async function runScenario(scenario: Scenario): Promise<{ result: EnrichResult; syncCalls: number; batchItems: number; seconds: number }> {
  const server = await startFakeBatchServer({
    papers: set.serverPapers,
    apiKey: KEY,
    logBodies: false,
    promptCache: scenario.cache ? 'openai' : false,
    stepMs: 20,
    itemConcurrency: 32,
  });
  const dir = mkdtempSync(join(tmpdir(), 'xivdigest-bench-batch-'));
  const store = await createStore({ url: join(dir, 'bench.db') });
  try {
    const model = scenario.protocol === 'openai' ? 'gpt-4o-mini' : 'claude-haiku-4-5';
    const provider: LlmProvider =
      scenario.protocol === 'openai'
        ? createOpenAiCompatibleProvider({ baseUrl: server.url, apiKey: KEY, model })
        : createAnthropicProvider({ baseUrl: server.url, apiKey: KEY, model, structuredOutputs: 'json-tool' });
    const client: BatchClient =
      scenario.protocol === 'openai'
        ? createOpenAiBatchClient({ baseUrl: server.url, apiKey: KEY, model })
        : createAnthropicBatchClient({ baseUrl: server.url, apiKey: KEY, model });
    const started = performance.now();
    const result = await enrichPapers({
      store,
      provider,
      papers: set.papers,
      concurrency: 32,
      ...(scenario.batch ? { batch: { client, state: store, pollIntervalMs: 100 } } : {}),
    });
    const seconds = (performance.now() - started) / 1000;
    const batchItems = server.llm.requests.length - server.syncRequests();
    return { result, syncCalls: server.syncRequests(), batchItems, seconds };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
}

const rows: Array<Record<string, string | number>> = [];
let syncCost: Record<string, number> = {};
for (const scenario of SCENARIOS) {
  const { result, syncCalls, batchItems, seconds } = await runScenario(scenario);
  const cost = result.cost ?? NaN;
  if (!scenario.batch && scenario.cache) syncCost = { ...syncCost, [scenario.protocol]: cost };
  const base = syncCost[scenario.protocol];
  rows.push({
    model: result.model,
    mode: scenario.name,
    done: result.done,
    failed: result.failed.length,
    'sync calls': syncCalls,
    'batch items': batchItems,
    repairs: result.repairs,
    'input tokens': result.tokens.input,
    cached: result.tokens.cachedInput,
    'cache writes': result.tokens.cacheWrite,
    'output tokens': result.tokens.output,
    cost: formatCost(result.cost),
    saved: formatCost(result.saved),
    'vs sync': base === undefined || !scenario.batch ? '' : `${((cost / base) * 100).toFixed(0)} %`,
    s: seconds.toFixed(1),
  });
}
console.table(rows);
