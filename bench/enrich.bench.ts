/** `npm run bench:enrich`: 2,000 papers through enrichPapers against the fake server: makespan against its lower bound, duplicate calls, calls on a rerun, tokens per paper. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enrichPapers, type EnrichResult } from '../src/jobs/enrich.js';
import { createOpenAiCompatibleProvider } from '../src/llm/openai-compatible/index.js';
import { formatCost } from '../src/llm/pricing.js';
import { createStore } from '../src/store/index.js';
import { startFakeLlmServer } from '../test/helpers/fake-llm-server.js';
import { enrichTestPapers } from '../test/helpers/synthetic-papers.js';
import { startServerProcess, type BenchServer, type BenchServerOptions } from './fake-llm-server-process.js';

interface Scenario {
  name: string;
  concurrency: number;
  latencyMs: number;
  /** Requests per minute, for the client's pacing and the server's limit; undefined: none. */
  rpm: number | undefined;
}

/** Both bounds are about 30–40 s, so that the two runs and their reruns stay under two minutes. */
const SCENARIOS: Scenario[] = [
  { name: 'rpm-bound', concurrency: 32, latencyMs: 500, rpm: 3000 },
  { name: 'concurrency-bound', concurrency: 32, latencyMs: 500, rpm: undefined },
];
const GOAL_RATIO = 1.05;

const args = process.argv.slice(2);
const count = Number(args[args.indexOf('--papers') + 1] ?? NaN) || 2000;
const only = args.includes('--scenario') ? args[args.indexOf('--scenario') + 1] : undefined;
/** `--server in-process` shares the client's event loop with the server, for comparison; the default is a process of its own. */
const inProcess = args.includes('--server') && args[args.indexOf('--server') + 1] === 'in-process';

interface Row {
  scenario: string;
  papers: number;
  concurrency: number;
  latencyMs: number;
  rpm: string;
  boundS: number;
  makespanS: number;
  ratio: number;
  calls: number;
  duplicates: number;
  rerunCalls: number;
  tokensPerPaper: number;
  status429: number;
  maxInFlight: number;
  failed: number;
  cost: string;
}

const set = enrichTestPapers(count);
console.log(
  `papers: ${set.papers.length} (${set.source === 'shared-corpus' ? 'real corpus from ../shared, those whose recorded answer passes the quality gate' : 'made up: ../shared is absent'}); ` +
    `fake server: ${inProcess ? 'in this process' : 'a process of its own'}`,
);

async function startServer(options: BenchServerOptions): Promise<BenchServer> {
  if (inProcess) {
    const server = await startFakeLlmServer({ ...options, papers: set.serverPapers });
    return {
      url: server.url,
      log: async () => ({
        requests: server.requests.map((request) => ({
          paperId: request.paperId,
          receivedAt: performance.timeOrigin + request.receivedAt,
          answeredAt: request.answeredAt === undefined ? undefined : performance.timeOrigin + request.answeredAt,
          status: request.status,
        })),
        maxInFlight: server.maxInFlight,
        statusCounts: server.statusCounts(),
      }),
      close: () => server.close(),
    };
  }
  return startServerProcess(set.fakes, options);
}

async function measure(scenario: Scenario): Promise<Row> {
  const server = await startServer({
    latencyMs: scenario.latencyMs,
    ...(scenario.rpm !== undefined ? { rpm: scenario.rpm } : {}),
    logBodies: false,
  });
  const dir = mkdtempSync(join(tmpdir(), 'xivdigest-bench-enrich-'));
  const store = await createStore({ url: join(dir, 'bench.db') });
  try {
    const provider = createOpenAiCompatibleProvider({ baseUrl: server.url, model: 'gpt-4o-mini', timeoutMs: 30_000 });
    const enrichedAt = new Map<string, number>();
    const options = {
      store,
      provider,
      papers: set.papers,
      concurrency: scenario.concurrency,
      ...(scenario.rpm !== undefined ? { rpm: scenario.rpm } : {}),
      timeoutMs: 30_000,
    };
    const started = performance.now();
    const result: EnrichResult = await enrichPapers({
      ...options,
      onEvent: (event) => {
        if (event.type === 'paper-enriched') enrichedAt.set(event.id, performance.timeOrigin + performance.now());
      },
    });
    const makespanS = (performance.now() - started) / 1000;
    const first = await server.log();
    const calls = first.requests.length;
    // A duplicate is a request for a paper that was already stored as done when the request arrived.
    const duplicates = first.requests.filter((request) => {
      const done = request.paperId === undefined ? undefined : enrichedAt.get(request.paperId);
      return done !== undefined && request.receivedAt > done;
    }).length;

    const rerun = await enrichPapers(options);
    const rerunCalls = (await server.log()).requests.length - calls;
    if (rerun.cached !== set.papers.length) console.warn(`rerun found ${rerun.cached} of ${set.papers.length} papers cached`);

    const n = set.papers.length;
    const boundS = Math.max((n * scenario.latencyMs) / scenario.concurrency / 1000, scenario.rpm === undefined ? 0 : (n / scenario.rpm) * 60);
    return {
      scenario: scenario.name,
      papers: n,
      concurrency: scenario.concurrency,
      latencyMs: scenario.latencyMs,
      rpm: scenario.rpm === undefined ? '-' : String(scenario.rpm),
      boundS,
      makespanS,
      ratio: makespanS / boundS,
      calls,
      duplicates,
      rerunCalls,
      tokensPerPaper: result.done === 0 ? 0 : result.tokens.total / result.done,
      status429: first.statusCounts[429] ?? 0,
      maxInFlight: first.maxInFlight,
      failed: result.failed.length,
      cost: formatCost(result.cost),
    };
  } finally {
    await store.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows: Row[] = [];
for (const scenario of SCENARIOS) {
  if (only && scenario.name !== only) continue;
  process.stdout.write(`running ${scenario.name} …\n`);
  rows.push(await measure(scenario));
}

const header = [
  'scenario',
  'papers',
  'conc.',
  'latency',
  'RPM',
  'bound s',
  'makespan s',
  'ratio',
  'calls',
  'dupl.',
  'rerun calls',
  'tokens/paper',
  '429s',
  'max in flight',
  'failed',
  'cost (gpt-4o-mini)',
];
const lines = rows.map((row) => [
  row.scenario,
  String(row.papers),
  String(row.concurrency),
  `${row.latencyMs} ms`,
  row.rpm,
  row.boundS.toFixed(1),
  row.makespanS.toFixed(1),
  row.ratio.toFixed(3),
  String(row.calls),
  String(row.duplicates),
  String(row.rerunCalls),
  row.tokensPerPaper.toFixed(0),
  String(row.status429),
  String(row.maxInFlight),
  String(row.failed),
  row.cost,
]);
const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
const format = (cells: string[]): string => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
console.log(format(header));
console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
for (const line of lines) console.log(format(line));
const met = rows.every((row) => row.ratio <= GOAL_RATIO && row.duplicates === 0 && row.rerunCalls === 0);
console.log(`goal (makespan ≤ ${GOAL_RATIO}× bound, 0 duplicates, 0 calls on rerun): ${met ? 'met' : 'NOT met'}`);
