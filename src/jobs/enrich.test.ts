/** enrichPapers against the fake OpenAI server, real temp stores and the real llama.cpp: caching, faults, repairs, the gate, budget, reuse, resumability. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { XivdigestError } from '../core/errors.js';
import { abstractHash } from '../core/hash.js';
import type { Paper } from '../core/paper.js';
import { CN_CHAT_ARXIV_PROVENANCE } from '../core/provenance.js';
import type { StoredTexts } from '../core/texts.js';
import { createLlamaCppProvider } from '../llm/llama-cpp/index.js';
import { createOpenAiCompatibleProvider } from '../llm/openai-compatible/index.js';
import { createPriceTable } from '../llm/pricing.js';
import type { EnrichChildJob } from '../../test/helpers/enrich-child.js';
import { startFakeLlmServer, type FakeLlmServer } from '../../test/helpers/fake-llm-server.js';
import { enrichTestPapers, paperOf } from '../../test/helpers/synthetic-papers.js';
import { createTempSqliteDatabase, createTempStore, testDatabases, type TempStore } from '../../test/helpers/temp-store.js';
import { writeTinyGguf } from '../../test/helpers/tiny-gguf.js';
import { enrichPapers, type EnrichEvent, type EnrichOptions, type EnrichResult } from './enrich.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const set = enrichTestPapers(80);
const papers = set.papers;
console.info(`enrich tests use ${set.source === 'shared-corpus' ? 'papers of the real corpus (../shared)' : 'made-up papers (../shared is absent)'}`);

let server: FakeLlmServer;
const stores: TempStore[] = [];

beforeAll(async () => {
  server = await startFakeLlmServer({ papers: set.serverPapers });
});
afterEach(() => {
  server.setFaults(undefined);
});
afterAll(async () => {
  for (const temp of stores) await temp.cleanup();
  await server.close();
});

async function tempStore(kind: 'sqlite' | 'postgres' = 'sqlite'): Promise<TempStore> {
  const temp = await createTempStore(kind);
  stores.push(temp);
  return temp;
}

const provider = (model = 'gpt-4o-mini') => createOpenAiCompatibleProvider({ baseUrl: server.url, model, timeoutMs: 10_000 });

interface Run {
  result: EnrichResult;
  events: EnrichEvent[];
  /** Requests this run sent. */
  requests: FakeLlmServer['requests'];
}

async function enrich(temp: TempStore, list: Paper[], extra: Partial<EnrichOptions> = {}): Promise<Run> {
  const before = server.requests.length;
  const events: EnrichEvent[] = [];
  const result = await enrichPapers({
    store: temp.store,
    provider: provider(),
    papers: list,
    concurrency: 4,
    timeoutMs: 5_000,
    backoff: { baseDelayMs: 10, maxDelayMs: 200 },
    onEvent: (event) => events.push(event),
    ...extra,
  });
  return { result, events, requests: server.requests.slice(before) };
}

async function textsOf(temp: TempStore, list: Paper[]): Promise<StoredTexts[]> {
  return temp.store.getTexts(list.map((paper) => paper.id));
}

const slice = (from: number, to: number): Paper[] => papers.slice(from, to);

describe.each(testDatabases())('on $kind', ({ kind, skipReason }) => {
  it.skipIf(skipReason !== undefined)('enriches each paper with one call, stores it with provenance, and a rerun makes no call', async () => {
    const temp = await tempStore(kind);
    const list = slice(0, 8);
    const first = await enrich(temp, [...list, list[0]!]);
    expect(first.result).toMatchObject({ total: 8, done: 8, cached: 0, reused: 0, failed: [], remaining: 0, calls: 8, repairs: 0, stoppedForBudget: false });
    expect(first.requests).toHaveLength(8);
    expect(new Set(first.requests.map((request) => request.paperId))).toEqual(new Set(list.map((paper) => paper.id)));
    expect(first.requests.every((request) => request.output === 'json_schema' && request.status === 200)).toBe(true);
    expect(first.requests[0]!.schema).toMatchObject({ required: ['title', 'tldr', 'tldrEn', 'abstract'], additionalProperties: false });

    const { tokens, cost } = first.result;
    expect(tokens.input).toBeGreaterThan(0);
    expect(tokens.output).toBeGreaterThan(0);
    expect(tokens.total).toBe(tokens.input + tokens.output);
    // The instructions are a stable prefix: the fake server, like OpenAI, reports it cached after the first call.
    expect(tokens.cachedInput).toBeGreaterThan(0);
    // gpt-4o-mini: $0.15, $0.075 (cached) and $0.60 per million input, cached input and output tokens.
    expect(cost).toBeCloseTo(((tokens.input - tokens.cachedInput) * 0.15 + tokens.cachedInput * 0.075 + tokens.output * 0.6) / 1e6, 12);
    expect(first.result.saved).toBeCloseTo((tokens.cachedInput * 0.075) / 1e6, 12);
    expect(first.events.filter((event) => event.type === 'paper-enriched')).toHaveLength(8);

    const stored = await textsOf(temp, list);
    expect(stored).toHaveLength(8);
    for (const paper of list) {
      const texts = stored.find((item) => item.paperId === paper.id)!;
      const fake = set.fakes.find((item) => item.id === paper.id)!;
      expect(texts).toMatchObject({
        version: 1,
        lang: 'zh',
        status: 'ok',
        provider: 'openai-compatible',
        model: 'gpt-4o-mini',
        promptVersion: 'paper-texts@1',
        abstractHash: abstractHash(paper.abstract),
        title: fake.answer.title.trim(),
        tldr: fake.answer.tldr.trim(),
      });
      expect(texts.totalTokens).toBeGreaterThan(0);
      expect(Date.parse(texts.createdAt)).not.toBeNaN();
    }

    const second = await enrich(temp, list);
    expect(second.result).toMatchObject({ total: 8, done: 0, cached: 8, calls: 0, cost: 0, tokens: { input: 0, output: 0, total: 0 } });
    expect(second.requests).toHaveLength(0);
    expect(second.events.filter((event) => event.type === 'paper-cached')).toHaveLength(8);
  });
});

describe('versions and reuse', () => {
  it('enriches a new version whose abstract changed, keeps the old texts, and treats an unchanged new version as done', async () => {
    const temp = await tempStore();
    const [paper] = slice(8, 9);
    await enrich(temp, [paper!]);
    const changed: Paper = { ...paper!, version: 2, abstract: `${paper!.abstract} Code is available on request.`, versions: [{ version: 1 }, { version: 2 }] };
    const run = await enrich(temp, [changed]);
    expect(run.result).toMatchObject({ done: 1, cached: 0, calls: 1 });
    const stored = await textsOf(temp, [paper!]);
    expect(stored.map((texts) => [texts.version, texts.status, texts.abstractHash]).sort()).toEqual(
      [
        [1, 'ok', abstractHash(paper!.abstract)],
        [2, 'ok', abstractHash(changed.abstract)],
      ].sort(),
    );

    const [other] = slice(9, 10);
    await enrich(temp, [other!]);
    const unchanged = await enrich(temp, [{ ...other!, version: 2 }]);
    expect(unchanged.result).toMatchObject({ cached: 1, calls: 0 });
  });

  it('reuses texts imported from cn-chat-arxiv with zero calls, unless told not to, and never reuses failed or other-language ones', async () => {
    const temp = await tempStore();
    const list = slice(10, 16);
    const imported = (paper: Paper, extra: Partial<StoredTexts>): StoredTexts => {
      const fake = set.fakes.find((item) => item.id === paper.id)!;
      return {
        ...CN_CHAT_ARXIV_PROVENANCE,
        createdAt: '2024-05-01T00:00:00.000Z',
        paperId: paper.id,
        // The original recorded no version, and cut the abstract at 1,000 characters: another hash.
        version: null,
        abstractHash: abstractHash(paper.abstract.slice(0, 200)),
        lang: 'zh',
        ...fake.answer,
        status: 'ok',
        ...extra,
      };
    };
    await temp.store.saveTexts([
      ...list.slice(0, 4).map((paper) => imported(paper, {})),
      imported(list[4]!, { status: 'failed', reason: 'the imported record has no translated abstract' }),
      imported(list[5]!, { lang: 'ja' }),
    ]);
    const run = await enrich(temp, list);
    expect(run.result).toMatchObject({ reused: 4, done: 2, calls: 2 });
    expect(run.requests.map((request) => request.paperId).sort()).toEqual([list[4]!.id, list[5]!.id].sort());
    expect(run.events.filter((event) => event.type === 'paper-cached')).toEqual(
      list.slice(0, 4).map((paper) => expect.objectContaining({ id: paper.id, reused: true, provider: 'cn-chat-arxiv' })),
    );

    const strict = await enrich(temp, list.slice(0, 4), { reuseOtherModels: false });
    expect(strict.result).toMatchObject({ reused: 0, done: 4, calls: 4 });
  });
});

describe('faults of the API', () => {
  it('honours a 429 Retry-After: no call before it passes, concurrency halved, every paper done', async () => {
    const temp = await tempStore();
    const list = slice(16, 24);
    const start = server.requests.length;
    server.setFaults(({ n }) => (n === start + 1 ? { kind: 'rate-limit', retryAfterMs: 500 } : n <= start + 4 ? { kind: 'delay', delayMs: 150 } : null));
    const run = await enrich(temp, list);
    expect(run.result).toMatchObject({ done: 8, failed: [], retries: 1, calls: 9 });
    const refused = run.requests[0]!;
    expect(refused.status).toBe(429);
    for (const request of run.requests.slice(4)) expect(request.receivedAt).toBeGreaterThanOrEqual(refused.answeredAt! + 500);
    expect(run.events).toContainEqual({ type: 'concurrency-lowered', from: 4, to: 2 });
    expect(run.events).toContainEqual(expect.objectContaining({ type: 'call-retrying', id: refused.paperId, code: 'LLM_RATE_LIMITED', delayMs: 500 }));
    expect(run.events).toContainEqual(expect.objectContaining({ type: 'calls-paused', ms: 500, reason: 'retry-after' }));
  });

  it('retries a 500 and succeeds', async () => {
    const temp = await tempStore();
    const [paper] = slice(24, 25);
    server.setFaults({ byPaper: { [paper!.id]: ['server-error', null] } });
    const run = await enrich(temp, [paper!]);
    expect(run.result).toMatchObject({ done: 1, calls: 2, retries: 1, repairs: 0 });
    expect(run.requests.map((request) => request.status)).toEqual([500, 200]);
    expect(run.events).toContainEqual(expect.objectContaining({ type: 'call-retrying', code: 'LLM_UNAVAILABLE', attempt: 2 }));
  });

  it('gives up on a hanging call at the timeout and retries it', async () => {
    const temp = await tempStore();
    const [paper] = slice(25, 26);
    server.setFaults({ byPaper: { [paper!.id]: ['hang', null] } });
    const run = await enrich(temp, [paper!], { timeoutMs: 300 });
    expect(run.result).toMatchObject({ done: 1, calls: 2, retries: 1 });
    expect(run.requests.map((request) => request.status)).toEqual([-1, 200]);
    expect(run.events).toContainEqual(expect.objectContaining({ type: 'call-retrying', code: 'LLM_TIMEOUT' }));
  });

  it('reports, without storing, a paper whose calls keep timing out, so that the next run tries it again', async () => {
    const temp = await tempStore();
    const [paper] = slice(26, 27);
    server.setFaults({ byPaper: { [paper!.id]: 'hang' } });
    const run = await enrich(temp, [paper!], { timeoutMs: 200, maxAttempts: 2 });
    expect(run.result).toMatchObject({ done: 0, calls: 2, remaining: 0 });
    expect(run.result.failed).toEqual([expect.objectContaining({ id: paper!.id, stored: false, reason: expect.stringContaining('LLM_TIMEOUT') })]);
    expect(await textsOf(temp, [paper!])).toEqual([]);
    server.setFaults(undefined);
    expect((await enrich(temp, [paper!])).result).toMatchObject({ done: 1, calls: 1 });
  });

  it('stops at once on bad credentials, stores nothing as failed, and says so with the partial result', async () => {
    const temp = await tempStore();
    const list = slice(27, 35);
    server.setFaults({ always: 'auth' });
    const before = server.requests.length;
    const error = await enrich(temp, list).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(XivdigestError.isInstance(error)).toBe(true);
    const failure = error as XivdigestError;
    expect(failure.code).toBe('LLM_AUTH');
    expect((failure.details.result as EnrichResult).remaining).toBe(8);
    expect(server.requests.length - before).toBeLessThanOrEqual(4);
    expect(await textsOf(temp, list)).toEqual([]);
  });
});

describe('invalid answers, repairs and the quality gate', () => {
  it('repairs malformed JSON with the repair prompt', async () => {
    const temp = await tempStore();
    const [paper] = slice(35, 36);
    server.setFaults({ byPaper: { [paper!.id]: ['malformed-json', null] } });
    const run = await enrich(temp, [paper!]);
    expect(run.result).toMatchObject({ done: 1, calls: 2, repairs: 1, failed: [] });
    const repair = run.requests[1]!.body as { messages: Array<{ role: string; content: string }> };
    const user = repair.messages.find((message) => message.role === 'user')!.content;
    expect(user).toContain('Your previous answer was rejected for these reasons:\n- The answer was not one valid JSON object');
    expect(user).toContain(`Title: ${paper!.title}`);
    expect(run.events).toContainEqual(expect.objectContaining({ type: 'paper-repairing', id: paper!.id, round: 1 }));
    expect((await textsOf(temp, [paper!]))[0]).toMatchObject({ status: 'ok' });
  });

  it('stores a paper whose JSON is always cut off as failed, with the reason, after the repairs', async () => {
    const temp = await tempStore();
    const [paper] = slice(36, 37);
    server.setFaults({ byPaper: { [paper!.id]: 'truncated-json' } });
    const run = await enrich(temp, [paper!], { maxOutputTokens: 500 });
    expect(run.result).toMatchObject({ done: 0, calls: 3, repairs: 2 });
    expect(run.result.failed).toEqual([expect.objectContaining({ id: paper!.id, stored: true, reason: expect.stringMatching(/token limit|cut off/) })]);
    // Each repair doubles the limit: the same limit would cut the answer off again.
    expect(run.requests.map((request) => (request.body as { max_tokens?: number }).max_tokens)).toEqual([500, 1000, 2000]);
    const [stored] = await textsOf(temp, [paper!]);
    expect(stored).toMatchObject({ status: 'failed', title: '', abstract: '', reason: run.result.failed[0]!.reason });
  });

  it.each([
    ['the English abstract instead of a translation', 'wrong-language', /wrong-language|source-echoed/],
    ['a refusal', 'refusal', /refus/i],
  ] as const)('rejects %s, stores the paper as failed with the reason, and never stores the text as ok', async (_name, fault, reason) => {
    const temp = await tempStore();
    const [paper] = fault === 'wrong-language' ? slice(37, 38) : slice(38, 39);
    server.setFaults({ byPaper: { [paper!.id]: fault } });
    const run = await enrich(temp, [paper!]);
    expect(run.result).toMatchObject({ done: 0, calls: 3, repairs: 2 });
    expect(run.result.failed).toEqual([expect.objectContaining({ id: paper!.id, version: 1, stored: true, reason: expect.stringMatching(reason) })]);
    const stored = await textsOf(temp, [paper!]);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ status: 'failed', title: '', tldr: '', tldrEn: '', abstract: '' });
    expect(stored[0]!.reason).toMatch(reason);
    expect(run.events).toContainEqual(expect.objectContaining({ type: 'paper-failed', id: paper!.id, stored: true, cached: false }));

    // A stored failure costs no call on the next run, unless asked to retry.
    server.setFaults(undefined);
    const again = await enrich(temp, [paper!]);
    expect(again.result).toMatchObject({ done: 0, calls: 0 });
    expect(again.result.failed).toEqual([expect.objectContaining({ id: paper!.id, stored: true, reason: expect.stringContaining('stored as failed') })]);
    const retried = await enrich(temp, [paper!], { retryFailed: true });
    expect(retried.result).toMatchObject({ done: 1, calls: 1, failed: [] });
    expect(await textsOf(temp, [paper!])).toEqual([expect.objectContaining({ status: 'ok' })]);
  });
});

describe('budget and cost', () => {
  const expensive = createPriceTable({ 'gpt-4o-mini': { inputPerMillion: 1000, outputPerMillion: 1000 } });

  it('stops starting calls once the budget is spent, finishes those in flight, and reports what is left', async () => {
    const temp = await tempStore();
    const list = slice(40, 48);
    server.setFaults(() => ({ kind: 'delay', delayMs: 50 }));
    const run = await enrich(temp, list, { concurrency: 3, budget: 0.000001, prices: expensive });
    // The three first calls started before anything was spent; they finish and are stored.
    expect(run.result).toMatchObject({ done: 3, remaining: 5, calls: 3, stoppedForBudget: true, failed: [] });
    expect(run.requests).toHaveLength(3);
    expect(run.result.cost).toBeGreaterThan(0.000001);
    expect(run.events).toContainEqual(expect.objectContaining({ type: 'budget-reached', budget: 0.000001 }));
    expect((await textsOf(temp, list)).filter((texts) => texts.status === 'ok')).toHaveLength(3);

    const rest = await enrich(temp, list, { prices: expensive });
    expect(rest.result).toMatchObject({ cached: 3, done: 5, calls: 5, stoppedForBudget: false });
  });

  it('makes no call with a budget of 0', async () => {
    const temp = await tempStore();
    const run = await enrich(temp, slice(48, 50), { budget: 0 });
    expect(run.result).toMatchObject({ done: 0, remaining: 2, calls: 0, stoppedForBudget: true, cost: 0 });
    expect(run.requests).toHaveLength(0);
  });

  it('reports the cost of an unknown model as null, and refuses a budget it cannot count', async () => {
    const temp = await tempStore();
    const list = slice(50, 51);
    const run = await enrichPapers({ store: temp.store, provider: provider('my-finetune'), papers: list, timeoutMs: 5_000 });
    expect(run).toMatchObject({ done: 1, cost: null });
    expect(run.tokens.total).toBeGreaterThan(0);
    const error = await enrichPapers({ store: temp.store, provider: provider('my-finetune'), papers: slice(51, 52), budget: 1 }).catch(
      (caught: unknown) => caught,
    );
    expect(XivdigestError.isInstance(error) && error.code).toBe('CONFIG_INVALID');
  });
});

describe('stopping and resuming', () => {
  it('on abort, finishes the calls in flight, keeps what is done, and throws ABORTED with the partial result', async () => {
    const temp = await tempStore();
    const list = slice(52, 60);
    server.setFaults(() => ({ kind: 'delay', delayMs: 80 }));
    const controller = new AbortController();
    const error = await enrich(temp, list, {
      concurrency: 2,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'paper-enriched') controller.abort();
      },
    }).catch((caught: unknown) => caught);
    expect(XivdigestError.isInstance(error) && error.code).toBe('ABORTED');
    const partial = (error as XivdigestError).details.result as EnrichResult;
    expect(partial.done).toBeGreaterThanOrEqual(1);
    expect(partial.done + partial.remaining + partial.failed.length).toBe(8);
    expect((await textsOf(temp, list)).filter((texts) => texts.status === 'ok')).toHaveLength(partial.done);
  });
});

// The same block, continued: this test (its own LLM server, database and child processes) runs beside the local
// model's test below, which uses neither the shared server nor its faults (ADR 0066).
describe.concurrent('stopping and resuming', () => {
  it('loses no finished paper to kill -9 and repeats none of their calls on the next run', async () => {
    const slow = await startFakeLlmServer({ papers: set.serverPapers, latencyMs: 150 });
    const database = await createTempSqliteDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'xivdigest-enrich-child-'));
    try {
      const list = slice(60, 80);
      const job: EnrichChildJob = { storeUrl: database.url, baseUrl: slow.url, model: 'gpt-4o-mini', papers: list, concurrency: 4 };
      const jobFile = join(dir, 'job.json');
      await writeFile(jobFile, JSON.stringify(job));
      const okIds = async (): Promise<string[]> => {
        try {
          return (await database.query<{ paper_id: string }>("select paper_id from paper_texts where status = 'ok'")).map((row) => row.paper_id);
        } catch {
          return []; // the child has not created the tables yet
        }
      };
      const child = spawnChild(jobFile);
      // Kill it once five papers are stored: more are in flight, some answered but not yet saved.
      while ((await okIds()).length < 5) {
        if (child.exitCode !== null) throw new Error(`the child exited early: ${child.output()}`);
        await new Promise((done) => setTimeout(done, 10));
      }
      child.process.kill('SIGKILL');
      await child.exited;
      const savedBeforeKill = new Set(await okIds());
      const firstRunRequests = slow.requests.length;
      expect(savedBeforeKill.size).toBeGreaterThanOrEqual(5);
      expect(savedBeforeKill.size).toBeLessThan(20);

      const rerun = spawnChild(jobFile);
      expect(await rerun.exited).toBe(0);
      const line = rerun
        .output()
        .split('\n')
        .find((text) => text.startsWith('result '));
      const result = JSON.parse(line!.slice('result '.length)) as EnrichResult;
      expect(result).toMatchObject({ total: 20, cached: savedBeforeKill.size, done: 20 - savedBeforeKill.size, failed: [] });

      const again = slow.requests.slice(firstRunRequests);
      expect(again.filter((request) => savedBeforeKill.has(request.paperId!))).toEqual([]);
      for (const id of savedBeforeKill) expect(slow.requests.filter((request) => request.paperId === id)).toHaveLength(1);
      expect(new Set(await okIds())).toEqual(new Set(list.map((paper) => paper.id)));
    } finally {
      await database.cleanup();
      await slow.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function spawnChild(jobFile: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test', 'helpers', 'enrich-child.ts'), jobFile], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return {
    process: child,
    exited,
    get exitCode() {
      return child.exitCode ?? (child.signalCode ? -1 : null);
    },
    output: () => output,
  };
}

describe.concurrent('the local path: llama.cpp on a tiny random GGUF', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xivdigest-enrich-llama-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('catches the gibberish with the gate and stores the paper as failed with a reason, at no cost', async () => {
    const model = await writeTinyGguf(join(dir, 'tiny.gguf'), { seed: 1, contextLength: 8192 });
    // Always one thread: on a 2-core machine more threads than cores is hundreds of times slower.
    const llm = createLlamaCppProvider({ model: model.path, threads: 1, contextSize: 8192, parallel: 1, banHighByteTokens: true, seed: 3, temperature: 0.8 });
    const temp = await tempStore();
    const paper = paperOf(set.fakes[0]!);
    const short: Paper = { ...paper, abstract: paper.abstract.slice(0, 400), abstractTruncated: true };
    try {
      const events: EnrichEvent[] = [];
      const result = await enrichPapers({
        store: temp.store,
        provider: llm,
        papers: [short],
        concurrency: 1,
        maxOutputTokens: 160,
        maxRepairs: 1,
        timeoutMs: 120_000,
        onEvent: (event) => events.push(event),
      });
      expect(result).toMatchObject({ done: 0, calls: 2, repairs: 1, cost: 0, provider: 'llama-cpp', model: 'tiny.gguf' });
      expect(result.failed).toEqual([expect.objectContaining({ id: short.id, stored: true })]);
      expect(result.failed[0]!.reason).toMatch(/quality gate|not usable/);
      expect(result.tokens.input).toBeGreaterThan(0);
      const stored = await textsOf(temp, [short]);
      expect(stored).toEqual([
        expect.objectContaining({ status: 'failed', provider: 'llama-cpp', model: 'tiny.gguf', title: '', reason: result.failed[0]!.reason }),
      ]);
    } finally {
      await llm.close();
    }
  });
});
