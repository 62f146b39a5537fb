/** End-to-end: `enrich --batch` through the built CLI on both batch protocols: gate and synchronous repairs, expired items, cached tokens, and a kill -9 while polling that the next run resumes. */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli } from './helpers/cli-process.js';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { startFakeBatchServer, type FakeBatchServer, type FakeBatchServerOptions } from './helpers/fake-batch-server.js';
import { goodPapers, writeFeed } from './helpers/good-papers.js';

const KEY = 'sk-batch-test-secret-0123456789';
const papers = goodPapers(4);

let sandbox: CliSandbox | undefined;
let server: FakeBatchServer | undefined;
afterEach(async () => {
  await server?.close();
  sandbox?.cleanup();
  server = undefined;
  sandbox = undefined;
});

async function setup(options: FakeBatchServerOptions = {}): Promise<{ sandbox: CliSandbox; server: FakeBatchServer; openai: Record<string, string> }> {
  sandbox = createCliSandbox();
  server = await startFakeBatchServer({ papers, apiKey: KEY, stepMs: 10, ...options });
  const feed = join(sandbox.dir, 'cs.CL.xml');
  writeFeed(feed, papers);
  const ingest = await sandbox.run(['ingest', feed]);
  expect(ingest.code, ingest.stderr).toBe(0);
  return { sandbox, server, openai: { OPENAI_API_KEY: KEY, OPENAI_API_BASE: server.url, OPENAI_API_MODEL: 'gpt-4o-mini' } };
}

describe('enrich --batch', () => {
  it('OpenAI-compatible: one batch, the gate on every answer, a synchronous repair, cached tokens and the saving', async () => {
    // The batch's answer for this paper is in English: the gate rejects it and a synchronous repair fixes it.
    const { sandbox, server, openai } = await setup({ faults: { byPaper: { [papers[1]!.id]: ['wrong-language', null] } } });
    const run = await sandbox.run(['enrich', '--batch', '--poll-interval', '0.02', '--json'], { env: openai });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as Record<string, any>;
    expect(result).toMatchObject({ total: 4, done: 4, failed: [], repairs: 1, calls: 5, batch: { items: 4, answered: 4, fellBack: 0, resumed: false } });
    expect(server.submissions).toBe(1);
    expect(server.syncRequests()).toBe(1);
    expect(result.tokens.cachedInput).toBeGreaterThan(0);
    expect(result.saved).toBeGreaterThan(0);
    // Half price for the batch: what was spent is well under half of the list price of the same tokens plus the repair.
    expect(result.cost).toBeLessThan(result.saved + result.cost);
    expect(run.stderr).toMatch(/batch batch_\d+ submitted: 4 paper\(s\)/);
    expect(run.stderr).toMatch(/cached\)/);
    expect(run.stderr).toMatch(/saved \$/);
    for (const output of [run.stdout, run.stderr]) expect(output).not.toContain(KEY);

    // Everything is stored: a rerun makes no call and submits nothing.
    const again = await sandbox.run(['enrich', '--batch', '--poll-interval', '0.02', '--json'], { env: openai });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ done: 0, cached: 4, calls: 0 });
    expect(server.submissions).toBe(1);
  });

  it('Anthropic Message Batches: cache_control on the instructions, and expired items called synchronously', async () => {
    const { sandbox, server } = await setup({ expire: (customId) => customId === 'p0' });
    const env = { ANTHROPIC_API_KEY: KEY };
    const run = await sandbox.run(
      ['enrich', '--provider', 'anthropic', '--model', 'claude-haiku-4-5', '--base-url', server.url, '--batch', '--poll-interval', '0.02', '--json'],
      { env },
    );
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as Record<string, any>;
    expect(result).toMatchObject({ total: 4, done: 4, failed: [], batch: { items: 4, answered: 3, fellBack: 1 } });
    expect(server.submissions).toBe(1);
    expect([...server.batches.values()][0]!.protocol).toBe('anthropic');
    expect(server.syncRequests()).toBe(1);
    expect(run.stderr).toMatch(/left 1 paper\(s\) unanswered/);
    expect(result.tokens.cachedInput).toBeGreaterThan(0);
    expect(result.tokens.cacheWrite).toBeGreaterThan(0);
  });

  it('resumes the open batch after a kill -9 while polling: exactly one submission', async () => {
    const { sandbox, server, openai } = await setup({ hold: true });
    const first = startCli(sandbox, ['enrich', '--batch', '--poll-interval', '0.02'], openai);
    try {
      await first.waitForStderr(/submitted: 4 paper/);
      const polled = server.polls;
      for (let waited = 0; server.polls < polled + 2 && waited < 200; waited++) await new Promise((resolve) => setTimeout(resolve, 25));
      first.child.kill('SIGKILL');
      expect(await first.exited()).toBe('SIGKILL');
    } finally {
      first.kill();
    }
    expect(server.submissions).toBe(1);
    const second = startCli(sandbox, ['enrich', '--batch', '--poll-interval', '0.02', '--json'], openai);
    try {
      await second.waitForStderr(/resuming batch batch_\d+ \(4 paper/);
      server.release();
      expect(await second.exited(60_000), second.stderr()).toBe(0);
    } finally {
      second.kill();
    }
    expect(server.submissions).toBe(1);
    expect(server.syncRequests()).toBe(0);
    expect(JSON.parse(second.stdout())).toMatchObject({ done: 4, failed: [], batch: { resumed: true, items: 4, answered: 4 } });
  });

  it('refuses --batch with the local model, saying why', async () => {
    sandbox = createCliSandbox();
    const feed = join(sandbox.dir, 'cs.CL.xml');
    writeFeed(feed, papers.slice(0, 1));
    expect((await sandbox.run(['ingest', feed])).code).toBe(0);
    const run = await sandbox.run(['enrich', '--provider', 'llama-cpp', '--batch']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Batch mode is not available with the llama-cpp provider: the local model/);
  });
});
