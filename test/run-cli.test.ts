/**
 * End-to-end through the built CLI: a configured subscription, arXiv's feed and an OpenAI-compatible API on local
 * servers, files and a webhook as outputs. `select` is a dry run, `run` delivers once, a rerun delivers nothing twice.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { startFakeLlmServer, type FakeLlmServer } from './helpers/fake-llm-server.js';
import { feedOf, goodPapers } from './helpers/good-papers.js';
import { startTestServer, type TestServer } from './helpers/http-server.js';

const KEY = 'sk-test-secret-run-0123456789';
const NOW = '2026-11-23T06:00:00Z'; // Mon 01:00 EST: the feed dated Mon 2026-11-23 is out.

// Three lanes side by side (CI has two cores, and these processes often wait): the sandbox whose steps build on each
// other, the tests with sandboxes and servers of their own, and `serve --schedule`. Vitest runs consecutive concurrent
// describes together; `it.sequential` keeps each lane's tests in order.
describe.concurrent('xivdigest select / run / runs / feedback', () => {
  let sandbox: CliSandbox;
  let llm: FakeLlmServer;
  let arxiv: TestServer;
  let hooks: TestServer;
  let env: Record<string, string>;
  const papers = goodPapers(2);

  beforeAll(async () => {
    sandbox = createCliSandbox();
    llm = await startFakeLlmServer({ papers, apiKey: KEY });
    arxiv = await startTestServer({ '/rss/cs.CL': { headers: { 'content-type': 'application/rss+xml' }, body: feedOf(papers) } });
    hooks = await startTestServer([{ method: 'POST', path: '/hook', reply: { status: 200, body: 'ok' } }]);
    env = {
      OPENAI_API_KEY: KEY,
      OPENAI_API_BASE: llm.url,
      OPENAI_API_MODEL: 'gpt-4o-mini',
      XIVDIGEST_ARXIV_RSS_URL: arxiv.url,
      HOOK_SECRET: 'hook-secret-value',
    };
    const config = {
      subscriptions: [
        {
          name: 'nlp',
          categories: 'cs.CL',
          outputs: {
            dir: join(sandbox.dir, 'out'),
            formats: ['md', 'html', 'rss', 'json'],
            channels: [{ type: 'webhook', name: 'local', url: `${hooks.url}/hook`, secret: { env: 'HOOK_SECRET' }, allowPrivateNetwork: true }],
          },
        },
      ],
    };
    writeFileSync(join(sandbox.dir, 'xivdigest.config.json'), JSON.stringify(config));
  });
  afterAll(async () => {
    await Promise.all([llm.close(), arxiv.close(), hooks.close()]);
    sandbox.cleanup();
  });

  it.sequential('select lists what would be selected, with reasons, without calling the LLM or recording anything', async () => {
    const result = await sandbox.run(['select', '--subscription', 'nlp', '--now', NOW, '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ status: 'dry-run', days: ['2026-11-23'] });
    expect(report.selected.map((item: { id: string }) => item.id).sort()).toEqual(papers.map((paper) => paper.id).sort());
    expect(report.selected[0].reason).toBeTruthy();
    expect(llm.requests.length).toBe(0);
    expect(hooks.requests.length).toBe(0);
  });

  it.sequential('run fetches, enriches, writes the files and delivers once; a rerun sends nothing twice', async () => {
    const first = await sandbox.run(['run', '--now', NOW], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/selected: 2/);
    expect(first.stdout).toMatch(/delivered: webhook:local: sent/);
    expect(llm.requests.length).toBeGreaterThanOrEqual(2);
    const out = join(sandbox.dir, 'out');
    for (const file of ['nlp/2026-11-23.md', 'nlp/2026-11-23.html', 'nlp/2026-11-23.xml', 'nlp/2026-11-23.json', 'cs.CL.md', 'cs.CL.xml']) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    const markdown = readFileSync(join(out, 'nlp/2026-11-23.md'), 'utf8');
    expect(markdown.startsWith('# 摘要\n')).toBe(true);
    for (const paper of papers) expect(markdown).toContain(paper.answer.tldrEn.replace(/\s+/g, ' ').slice(0, 30));
    expect(hooks.requests).toHaveLength(1);
    const payload = JSON.parse(hooks.requests[0]!.body.toString('utf8'));
    expect(JSON.stringify(payload)).toContain(papers[0]!.id);

    const callsBefore = llm.requests.length;
    const rerun = await sandbox.run(['run', '--now', '2026-11-23T07:00:00Z'], { env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/webhook:local: skipped/);
    expect(llm.requests.length).toBe(callsBefore);
    expect(hooks.requests).toHaveLength(1);
    for (const output of [first.stdout, first.stderr, rerun.stdout, rerun.stderr]) {
      expect(output).not.toContain(KEY);
      expect(output).not.toContain('hook-secret-value');
    }
  });

  it.sequential('runs lists the stored reports and runs show prints one', async () => {
    const [list, missing] = await Promise.all([sandbox.run(['runs', '--json']), sandbox.run(['runs', 'show', 'nope'])]);
    expect(list.code, list.stderr).toBe(0);
    const runs = JSON.parse(list.stdout) as Array<{ id: string; status: string }>;
    expect(runs.map((run) => run.status)).toEqual(['nothing', 'ok']);
    expect(missing.code).toBe(4);
    const shown = await sandbox.run(['runs', 'show', runs[1]!.id]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/covered: 2026-11-23/);
  });

  it.sequential('feedback stars a stored paper and refuses an unknown one', async () => {
    const [starred, unknown] = await Promise.all([sandbox.run(['feedback', papers[0]!.id, '--star']), sandbox.run(['feedback', '2611.99999', '--star'])]);
    expect(starred.code, starred.stderr).toBe(0);
    const listed = await sandbox.run(['feedback', '--list']);
    expect(listed.stdout).toContain(`${papers[0]!.id}\tstar`);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/Not stored: 2611\.99999/);
  });
});

describe.concurrent('xivdigest select / run / runs / feedback: sandboxes of their own', () => {
  let arxiv: TestServer;
  const papers = goodPapers(2);
  beforeAll(async () => {
    arxiv = await startTestServer({ '/rss/cs.CL': { headers: { 'content-type': 'application/rss+xml' }, body: feedOf(papers) } });
  });
  afterAll(async () => {
    await arxiv.close();
  });

  it.sequential('exits 8 when a delivery fails, records it, and a rerun retries only that channel', async () => {
    const other = createCliSandbox();
    // An LLM server of its own: the other lane counts the calls to its own.
    const llm = await startFakeLlmServer({ papers, apiKey: KEY });
    const env = { OPENAI_API_KEY: KEY, OPENAI_API_BASE: llm.url, OPENAI_API_MODEL: 'gpt-4o-mini', XIVDIGEST_ARXIV_RSS_URL: arxiv.url };
    const refusing = await startTestServer([
      {
        method: 'POST',
        path: '/hook',
        reply: [
          { status: 400, body: 'bad' },
          { status: 200, body: 'ok' },
        ],
      },
    ]);
    try {
      const channel = { type: 'webhook', name: 'flaky', url: `${refusing.url}/hook`, allowPrivateNetwork: true, maxAttempts: 1 };
      writeFileSync(
        join(other.dir, 'xivdigest.config.json'),
        JSON.stringify({
          subscriptions: [{ name: 'nlp', categories: 'cs.CL', outputs: { dir: join(other.dir, 'out'), formats: ['md'], channels: [channel] } }],
        }),
      );
      const first = await other.run(['run', '--now', NOW], { env });
      expect(first.code, first.stderr).toBe(8);
      expect(first.stdout).toMatch(/webhook:flaky: failed/);
      expect(first.stderr).toMatch(/run again to retry/);
      const retried = await other.run(['run', '--now', '2026-11-23T07:00:00Z'], { env });
      expect(retried.code, retried.stderr).toBe(0);
      expect(retried.stdout).toMatch(/webhook:flaky: sent/);
      expect(refusing.requests).toHaveLength(2);
    } finally {
      await Promise.all([refusing.close(), llm.close()]);
      other.cleanup();
    }
  });

  it.sequential('reports a bad query in the config with its path and position', async () => {
    const other = createCliSandbox();
    try {
      const env = { XIVDIGEST_ARXIV_RSS_URL: arxiv.url };
      writeFileSync(
        join(other.dir, 'xivdigest.config.json'),
        JSON.stringify({ subscriptions: [{ name: 'bad', categories: 'cs.CL', filters: { query: 'ti:(llm OR' } }] }),
      );
      // The unknown subscription is asked for in a folder of its own, with its own config file: both at once.
      const elsewhere = join(other.dir, 'elsewhere');
      mkdirSync(elsewhere);
      writeFileSync(join(elsewhere, 'xivdigest.config.json'), JSON.stringify({ subscriptions: [{ name: 'bad', categories: 'cs.CL' }] }));
      const [result, unknown] = await Promise.all([
        other.run(['select', '--subscription', 'bad', '--now', NOW], { env }),
        other.run(['run', '--subscription', 'nope', '--now', NOW], { env, cwd: elsewhere }),
      ]);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/subscriptions(\.0|\[0\])\.filters\.query/);
      expect(result.stderr).toMatch(/column 11/);
      expect(unknown.code).toBe(4);
      expect(unknown.stderr).toMatch(/Configured subscriptions: bad/);
    } finally {
      other.cleanup();
    }
  });
});

describe.concurrent('xivdigest serve --schedule', () => {
  it.sequential(
    "prints each subscription's next runs in its time zone and stops cleanly on SIGTERM",
    async () => {
      const sandbox = createCliSandbox();
      try {
        writeFileSync(
          join(sandbox.dir, 'xivdigest.config.json'),
          JSON.stringify({ subscriptions: [{ name: 'nlp', categories: 'cs.CL', schedule: { cron: '30 0 * * 1-5', timezone: 'America/New_York' } }] }),
        );
        const { spawn } = await import('node:child_process');
        const bin = join(__dirname, '..', 'bin', 'xivdigest.js');
        const child = spawn(process.execPath, [bin, 'serve', '--schedule', '--port', '0'], {
          cwd: sandbox.dir,
          env: { PATH: process.env.PATH ?? '', HOME: sandbox.dir, XIVDIGEST_DB: sandbox.db, XDG_DATA_HOME: join(sandbox.dir, 'data') },
        });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
        const deadline = Date.now() + 20_000;
        while (!/next run/.test(stderr) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        expect(stderr).toMatch(/nlp: 30 0 \* \* 1-5 \(America\/New_York\)/);
        expect(stderr).toMatch(/00:30 E[SD]T/);
        child.kill('SIGTERM');
        expect(await exited).toBe(143);
      } finally {
        sandbox.cleanup();
      }
    },
    30_000,
  );

  it.sequential('refuses a bad cron expression, naming the setting', async () => {
    const sandbox = createCliSandbox();
    try {
      writeFileSync(
        join(sandbox.dir, 'xivdigest.config.json'),
        JSON.stringify({ subscriptions: [{ name: 'nlp', categories: 'cs.CL', schedule: { cron: '99 * * *' } }] }),
      );
      const result = await sandbox.run(['serve', '--schedule']);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/subscriptions\.0\.schedule\.cron/);
    } finally {
      sandbox.cleanup();
    }
  });
});
