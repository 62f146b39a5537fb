/**
 * `xivdigest serve --schedule` as a process: it stays up after announcing its next run, runs a slot when the cron
 * fires (arXiv's feed and an OpenAI-compatible API on local servers), lets a running job finish on SIGINT and exits
 * 130, exits 143 on SIGTERM when idle, and stops at once on a second signal. Waits are for output, never timings.
 * Each test has its own sandbox, process and LLM server, so they run side by side: most of their time is waiting for a
 * slot or an answer (ADR 0066).
 */
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectedFeedDay } from '../src/core/arxiv-calendar.js';
import { nativeRankFileName } from '../src/store/kysely/search/native-rank.js';
import { feedDate } from './helpers/arxiv-feeds.js';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { startCli, type CliProcess } from './helpers/cli-process.js';
import { startFakeLlmServer, type FakeLlmServer } from './helpers/fake-llm-server.js';
import { feedOf, goodPapers } from './helpers/good-papers.js';
import { startTestServer, type TestServer } from './helpers/http-server.js';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const KEY = 'sk-test-secret-serve-0123456789';
/** Every two seconds (croner's six-field form, seconds first): a slot comes soon after the start. */
const SOON = '*/2 * * * * *';

// Four at a time: the processes mostly wait, but their starts want the two cores.
vi.setConfig({ maxConcurrency: 4 });

describe.concurrent('xivdigest serve --schedule as a process', () => {
  it('serves the archive without subscriptions: prints its URL, answers pages, and exits 143 on SIGTERM, closing the server', async () => {
    const item: (typeof open)[number] = { sandbox: createCliSandbox() };
    open.push(item);
    const serving = startCli(item.sandbox, ['serve', '--port', '0']);
    item.process = serving;
    const stderr = await serving.waitForStderr(/serving the web archive at http:\/\/127\.0\.0\.1:\d+\//);
    const url = /serving the web archive at (http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr)![1]!;
    // The build compiled xivdigest_bm25 (ADR 0054): no warning about the slower ranking.
    if (existsSync(join(root, 'dist', 'native', nativeRankFileName()))) expect(stderr).not.toMatch(/bm25\(\)/);
    const home = await fetch(`${url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await home.text()).toContain('<main id="main"');
    expect((await fetch(`${url}/archive`)).status).toBe(200);
    expect((await fetch(`${url}/archive/cs.Cl`)).status).toBe(404);
    serving.child.kill('SIGTERM');
    expect(await serving.exited(15_000)).toBe(143);
    expect(serving.stderr()).toMatch(/SIGTERM: stopping; no job is running/);
    await expect(fetch(`${url}/`)).rejects.toThrow();
  }, 60_000);

  it('warns at start when the build has no xivdigest_bm25 (no C compiler), and still searches', async () => {
    // A copy of the built CLI without dist/native, as `npm run build` leaves it on a machine without a C compiler.
    const copy = mkdtempSync(join(tmpdir(), 'xivdigest-no-native-'));
    cpSync(join(root, 'bin'), join(copy, 'bin'), { recursive: true });
    cpSync(join(root, 'dist'), join(copy, 'dist'), { recursive: true, filter: (source) => source !== join(root, 'dist', 'native') });
    cpSync(join(root, 'package.json'), join(copy, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
    const item: (typeof open)[number] = { sandbox: createCliSandbox() };
    open.push(item);
    try {
      const serving = startCli(item.sandbox, ['serve', '--port', '0'], {}, { bin: join(copy, 'bin', 'xivdigest.js') });
      item.process = serving;
      const stderr = await serving.waitForStderr(/serving the web archive at http:\/\/127\.0\.0\.1:\d+\//);
      expect(stderr).toMatch(
        /warning: search: ranked with SQLite's bm25\(\), slower on large archives: .*xivdigest-fts\.\w+ is missing \(npm run build compiles it with a C compiler\)/,
      );
      const url = /serving the web archive at (http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr)![1]!;
      expect((await fetch(`${url}/api/search?q=diffusion`)).status).toBe(200);
      serving.child.kill('SIGTERM');
      expect(await serving.exited(15_000)).toBe(143);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a port in use, saying which, with exit code of a usage error', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    const sandbox = createCliSandbox();
    open.push({ sandbox });
    try {
      const result = await sandbox.run(['serve', '--port', String(port)]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`Cannot listen on 127.0.0.1:${port}: the port is in use`);
    } finally {
      await new Promise<void>((resolve) => probe.close(() => resolve()));
    }
  }, 60_000);

  const papers = goodPapers(2);
  let arxiv: TestServer;
  const open: Array<{ sandbox: CliSandbox; process?: CliProcess; llm?: FakeLlmServer }> = [];

  beforeAll(async () => {
    // The feed of the day a run started now expects, computed per request, so that it is current at any time of day.
    arxiv = await startTestServer({
      '/rss/cs.CL': () => ({ headers: { 'content-type': 'application/rss+xml' }, body: feedOf(papers, feedDate(expectedFeedDay(new Date()))) }),
    });
  });
  afterAll(async () => {
    for (const item of open) {
      item.process?.kill();
      await item.llm?.close();
      item.sandbox.cleanup();
    }
    await arxiv.close();
  });

  /** A sandbox whose one subscription runs on `cron`, with an LLM answering after `latencyMs`. */
  async function setUp(cron: string, latencyMs: number, extra: { config?: Record<string, unknown>; env?: Record<string, string> } = {}) {
    const sandbox = createCliSandbox();
    const llm = await startFakeLlmServer({ papers, apiKey: KEY, latencyMs });
    const item: (typeof open)[number] = { sandbox, llm };
    open.push(item);
    writeFileSync(
      join(sandbox.dir, 'xivdigest.config.json'),
      JSON.stringify({
        subscriptions: [{ name: 'nlp', categories: 'cs.CL', schedule: { cron, timezone: 'UTC' }, outputs: { dir: join(sandbox.dir, 'out'), formats: ['md'] } }],
        ...extra.config,
      }),
    );
    const env = { OPENAI_API_KEY: KEY, OPENAI_API_BASE: llm.url, OPENAI_API_MODEL: 'gpt-4o-mini', XIVDIGEST_ARXIV_RSS_URL: arxiv.url, ...extra.env };
    const serve = () => {
      item.process = startCli(sandbox, ['serve', '--schedule', '--port', '0'], env);
      return item.process;
    };
    return { sandbox, llm, env, serve };
  }

  it('stays up after its first "next run" line, and exits 143 at once on SIGTERM when idle', async () => {
    const { serve } = await setUp('30 0 * * 1-5', 0);
    const serving = serve();
    await serving.waitForStderr(/nlp: next run /);
    // Before, the scheduler's unref'd timers let the process end here with code 0 (within milliseconds of the line).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(serving.alive(), serving.stderr()).toBe(true);
    serving.child.kill('SIGTERM');
    expect(await serving.exited(15_000)).toBe(143);
    expect(serving.stderr()).toMatch(/SIGTERM: stopping; no job is running/);
  }, 60_000);

  it('runs a slot when the cron fires; on SIGINT during the job it lets the job finish, stores it, and exits 130', async () => {
    const { sandbox, llm, serve } = await setUp(SOON, 2500);
    const serving = serve();
    await serving.waitForStderr(/nlp: next run /);
    await serving.waitForStderr(/nlp: started the \S+ slot/);
    serving.child.kill('SIGINT');
    await serving.waitForStderr(/SIGINT: stopping; waiting for the running job to finish: nlp/);
    expect(await serving.exited(60_000)).toBe(130);
    const stderr = serving.stderr();
    expect(stderr).toMatch(/nlp: finished the \S+ slot: ok: .*2 selected.*xivdigest runs show /);
    // The job was not cut off: its answers arrived, its files exist, and its run is stored as finished.
    expect(llm.requests.length).toBeGreaterThanOrEqual(2);
    expect(existsSync(join(sandbox.dir, 'out', 'cs.CL.md'))).toBe(true);
    const runs = await sandbox.run(['runs', '--json']);
    expect(runs.code, runs.stderr).toBe(0);
    const stored = JSON.parse(runs.stdout) as Array<{ status: string; subscription: string; finishedAt?: string }>;
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ subscription: 'nlp', status: 'ok' });
    expect(stored[0]!.finishedAt).toBeTruthy();
    // No second slot started after the signal.
    expect(stderr.match(/nlp: started the/g)).toHaveLength(1);
    expect(stderr).not.toContain(KEY);
  }, 90_000);

  it('stops at once on a second signal while a job runs, saying what was kept', async () => {
    const { serve } = await setUp(SOON, 60_000);
    const serving = serve();
    await serving.waitForStderr(/nlp: started the \S+ slot/);
    serving.child.kill('SIGTERM');
    await serving.waitForStderr(/SIGTERM: stopping; waiting for the running job to finish: nlp/);
    expect(serving.alive()).toBe(true);
    serving.child.kill('SIGINT');
    expect(await serving.exited(15_000)).toBe(130);
    expect(serving.stderr()).toMatch(/stopped at once by a second signal \(SIGINT\); cut off nlp \(the \S+ slot\): what it stored so far is kept/);
  }, 60_000);

  it('logs a failed slot with its reason and keeps running to the next slot', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { serve } = await setUp(SOON, 0, { config: { arxiv: { maxRetries: 0 } }, env: { XIVDIGEST_ARXIV_RSS_URL: `http://127.0.0.1:${port}` } });
    const serving = serve();
    await serving.waitForStderr(/warning: nlp: the \S+ slot failed: GET http:\/\/127\.0\.0\.1:\d+\/rss\/cs\.CL failed/);
    const after = serving.stderr().length;
    await serving.waitForStderr(/nlp: started the \S+ slot/, { from: after });
    serving.child.kill('SIGTERM');
    expect(await serving.exited(30_000)).toBe(143);
  }, 60_000);
});
