/**
 * `xivdigest today cs.CL` through the built CLI: a 150-paper feed and an OpenAI-compatible API on local servers. Both
 * files are written with every paper; gate failures keep exit 0; an unreachable API exits 7 after a few calls, with
 * one message, and still writes the files; the README's main command runs as written.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedFeedDay } from '../src/core/arxiv-calendar.js';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { startFakeLlmServer, type FakeLlmServer } from './helpers/fake-llm-server.js';
import { feedDate, oaiArxivRawPage, rssFeed, type FeedPaper } from './helpers/arxiv-feeds.js';
import { feedOf } from './helpers/good-papers.js';
import { startTestServer, type TestServer } from './helpers/http-server.js';
import { closedPort, startResettingServer } from './helpers/llm-sinks.js';
import { syntheticPapers } from './helpers/synthetic-papers.js';

const KEY = 'sk-test-secret-today-0123456789';
const NOW = '2026-11-23T06:00:00Z'; // Mon 01:00 EST: the feed dated Mon 2026-11-23 is out.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const papers = syntheticPapers(150, 7000);
// Three papers always get an English "translation": the gate rejects it, the repairs too, and they stay untranslated.
const rejected = papers.slice(10, 13).map((paper) => paper.id);

const footnotes = (markdown: string) => markdown.split('\n').filter((line) => /^\[\^\d+\]: /.test(line)).length;

/** Debian's Python, where python3-feedparser lives (a python3 earlier on PATH, e.g. pyenv's, lacks it). */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** Parses an RSS file with python3-feedparser (or xmllint when feedparser is missing): the number of items. */
function feedItems(path: string): number {
  try {
    return Number(
      execFileSync(PYTHON, ['-c', 'import feedparser,sys; d=feedparser.parse(sys.argv[1]); assert not d.bozo, d.bozo_exception; print(len(d.entries))', path], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim(),
    );
  } catch (error) {
    if (!String((error as Error).message).includes('No module named')) throw error;
    execFileSync('xmllint', ['--noout', path]);
    return (readFileSync(path, 'utf8').match(/<item>/g) ?? []).length;
  }
}

/** arXiv's feed of the 150 papers and the OpenAI-compatible API (answering three papers in English) on local servers. */
async function startServers(): Promise<{ llm: FakeLlmServer; arxiv: TestServer; env: Record<string, string> }> {
  const llm = await startFakeLlmServer({ papers, apiKey: KEY, faults: { byPaper: Object.fromEntries(rejected.map((id) => [id, 'wrong-language'])) } });
  const arxiv = await startTestServer({ '/rss/cs.CL': { headers: { 'content-type': 'application/rss+xml' }, body: feedOf(papers) } });
  return { llm, arxiv, env: { OPENAI_API_KEY: KEY, OPENAI_API_BASE: llm.url, OPENAI_API_MODEL: 'gpt-4o-mini', XIVDIGEST_ARXIV_RSS_URL: arxiv.url } };
}

// Two lanes side by side (CI has two cores): one sandbox whose runs build on each other, and the tests with sandboxes
// of their own. Each lane has its own servers, since tests count the requests they receive. Vitest runs consecutive
// concurrent describes together; `it.sequential` keeps each lane's tests in order.
describe.concurrent('xivdigest today', { timeout: 180_000 }, () => {
  let sandbox: CliSandbox;
  let llm: FakeLlmServer;
  let arxiv: TestServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    sandbox = createCliSandbox();
    ({ llm, arxiv, env } = await startServers());
  });
  afterAll(async () => {
    await Promise.all([llm.close(), arxiv.close()]);
    sandbox.cleanup();
  });

  it.sequential('writes cs.CL.md and cs.CL.xml with every paper, in the original order, and exits 0 when some fail the gate', async () => {
    const result = await sandbox.run(['today', 'cs.CL', '--now', NOW, '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    const markdown = readFileSync(join(sandbox.dir, 'cs.CL.md'), 'utf8');
    expect(markdown.startsWith('# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n')).toBe(true);
    expect(markdown).toContain('\n# 详细\n');
    expect(footnotes(markdown)).toBe(150);
    // The original's order: links descending.
    const links = [...markdown.matchAll(/^\| \[\^\d+\] \| \[.*?\]\((https:\/\/arxiv\.org\/abs\/[^)]+)\)/gm)].map((match) => match[1]!);
    expect(links).toHaveLength(150);
    expect(links).toEqual([...links].sort().reverse());
    for (const id of rejected) expect(markdown).toMatch(new RegExp(`\\(https://arxiv\\.org/abs/${id.replace('.', '\\.')}\\) \\| 翻译暂不可用`));
    expect(feedItems(join(sandbox.dir, 'cs.CL.xml'))).toBe(150);

    const summary = JSON.parse(result.stdout);
    expect(summary.categories[0]).toMatchObject({
      category: 'cs.CL',
      status: 'written',
      day: '2026-11-23',
      papers: 150,
      translated: 147,
      failedGate: 3,
      notTranslated: 0,
    });
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/3 paper\(s\) failed the quality gate.*--retry-failed/);
    expect(result.stderr).not.toContain(KEY);
  });

  it.sequential('makes no call on a rerun and writes the same files', async () => {
    const calls = llm.requests.length;
    const before = readFileSync(join(sandbox.dir, 'cs.CL.md'), 'utf8');
    const rerun = await sandbox.run(['today', 'cs.CL', '--now', NOW, '--out-dir', 'again'], { env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(llm.requests.length).toBe(calls);
    expect(readFileSync(join(sandbox.dir, 'again', 'cs.CL.md'), 'utf8')).toBe(before);
  });

  it.sequential('exits 75 and writes nothing while the feed still shows an earlier day', async () => {
    const result = await sandbox.run(['today', 'cs.CL', '--now', '2026-11-24T09:00:00Z', '--out-dir', 'late'], { env });
    expect(result.code, result.stderr).toBe(75);
    expect(result.stderr).toMatch(/still dated 2026-11-23/);
    expect(existsSync(join(sandbox.dir, 'late', 'cs.CL.md'))).toBe(false);
  });

  it.sequential('refuses a misspelt category with a suggestion, before any request to arXiv', async () => {
    const before = arxiv.requests.length;
    const result = await sandbox.run(['today', 'cs.Cl', '--now', NOW], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown category "cs.Cl"; did you mean cs.CL?');
    expect(arxiv.requests.length).toBe(before);
  });

  it.sequential('exits 5 when arXiv cannot be reached', async () => {
    // No retries, so that the test is quick: each would wait and fail the same way.
    writeFileSync(join(sandbox.dir, 'no-retries.json'), JSON.stringify({ arxiv: { maxRetries: 0 } }));
    const result = await sandbox.run(['--config', 'no-retries.json', 'today', 'cs.CL', '--now', NOW, '--out-dir', 'down'], {
      env: { ...env, XIVDIGEST_ARXIV_RSS_URL: `http://127.0.0.1:${await closedPort()}` },
    });
    expect(result.code, result.stderr).toBe(5);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('xivdigest:'))).toHaveLength(1);
    expect(existsSync(join(sandbox.dir, 'down', 'cs.CL.md'))).toBe(false);
  });

  it.sequential('with a rejected key (401): stops at once, exits 7, and still writes both files', async () => {
    const other = createCliSandbox();
    try {
      const calls = llm.requests.length;
      const result = await other.run(['today', 'cs.CL', '--now', NOW], { env: { ...env, OPENAI_API_KEY: 'sk-wrong-key-0123456789' } });
      expect(result.code, result.stderr).toBe(7);
      // Only the calls that started together with the first one (concurrency 4).
      expect(llm.requests.length - calls).toBeLessThanOrEqual(4);
      expect(result.stderr.split('\n').filter((line) => line.startsWith('xivdigest:'))).toHaveLength(1);
      expect(result.stderr).toMatch(/401.*Written anyway: cs\.CL\.md\/\.xml, with 150 paper\(s\) untranslated/);
      expect(result.stderr).not.toContain('sk-wrong-key-0123456789');
      expect(footnotes(readFileSync(join(other.dir, 'cs.CL.md'), 'utf8'))).toBe(150);
    } finally {
      other.cleanup();
    }
  });
});

describe.concurrent('xivdigest today: sandboxes of their own', { timeout: 180_000 }, () => {
  let llm: FakeLlmServer;
  let arxiv: TestServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    ({ llm, arxiv, env } = await startServers());
  });
  afterAll(async () => {
    await Promise.all([llm.close(), arxiv.close()]);
  });

  it.sequential('with the LLM API unreachable: stops after a few calls, says so once, exits 7, and still writes both files', async () => {
    const other = createCliSandbox();
    const sink = await startResettingServer();
    try {
      const result = await other.run(['today', 'cs.CL', '--now', NOW], { env: { ...env, OPENAI_API_BASE: sink.url } });
      expect(result.code, result.stderr).toBe(7);
      // Five failures in a row open the breaker; calls already in flight (4 at once) may add a few.
      expect(sink.connections).toBeGreaterThanOrEqual(5);
      expect(sink.connections).toBeLessThanOrEqual(12);
      const reached = result.stderr.split('\n').filter((line) => /could not be reached/.test(line));
      expect(reached).toHaveLength(1);
      expect(reached[0]).toMatch(/^xivdigest: .*127\.0\.0\.1.*OPENAI_API_BASE.*Written anyway: cs\.CL\.md\/\.xml, with 150 paper\(s\) untranslated/);
      expect(result.stderr.split('\n').filter((line) => line.startsWith('warning:'))).toHaveLength(0);
      const markdown = readFileSync(join(other.dir, 'cs.CL.md'), 'utf8');
      expect(footnotes(markdown)).toBe(150);
      expect(feedItems(join(other.dir, 'cs.CL.xml'))).toBe(150);
      // Nothing is stored as failed: the next run translates them all.
      const listed = JSON.parse((await other.run(['papers', '--json', '-n', '1000'])).stdout) as Array<{ texts?: Record<string, { status: string }> }>;
      expect(listed).toHaveLength(150);
      expect(listed.filter((row) => row.texts?.zh?.status === 'failed')).toHaveLength(0);
      const fixed = await other.run(['today', 'cs.CL', '--now', NOW], { env });
      expect(fixed.code, fixed.stderr).toBe(0);
      // Only the papers the server answers badly stay untranslated; every pending one was translated.
      expect(readFileSync(join(other.dir, 'cs.CL.md'), 'utf8').split('翻译暂不可用').length - 1).toBe(2 * rejected.length); // table row and footnote
    } finally {
      await sink.close();
      other.cleanup();
    }
  });

  it.sequential('on a weekend writes the latest announcement: the stored one, else harvested from OAI-PMH for that day', async () => {
    const friday = papers.slice(20, 45);
    const harvested = papers.slice(50, 70);
    const asFeedPaper = (paper: (typeof papers)[number]): FeedPaper => ({
      id: paper.id,
      version: 1,
      title: paper.title,
      abstract: paper.abstract,
      authors: ['Ada Example'],
      categories: ['cs.CL'],
      announceType: 'new',
    });
    let feed = feedOf(friday, 'Fri, 04 Dec 2026 00:00:00 -0500');
    const server = await startTestServer([
      { path: '/rss/cs.CL', reply: () => ({ headers: { 'content-type': 'application/rss+xml' }, body: feed }) },
      {
        path: '/oai',
        reply: () => ({
          headers: { 'content-type': 'text/xml' },
          body: oaiArxivRawPage(
            harvested.map((paper) => ({ paper: asFeedPaper(paper), datestamp: '2026-12-04', set: 'cs' })),
            `${server.url}/oai`,
          ),
        }),
      },
    ]);
    const weekend = createCliSandbox();
    const fresh = createCliSandbox();
    const saturday = '2026-12-05T15:00:00Z'; // Fri 2026-11-27 had no announcement (Thanksgiving), so the next week
    const weekendEnv = { ...env, XIVDIGEST_ARXIV_RSS_URL: server.url, XIVDIGEST_ARXIV_OAI_URL: `${server.url}/oai` };
    const oaiRequests = () => server.requests.filter((request) => request.path === '/oai').length;
    try {
      expect((await weekend.run(['today', 'cs.CL', '--now', '2026-12-04T12:00:00Z'], { env: weekendEnv })).code).toBe(0);
      feed = rssFeed('cs.CL', '2026-12-05', []);
      const stored = await weekend.run(['today', 'cs.CL', '--now', saturday], { env: weekendEnv });
      expect(stored.code, stored.stderr).toBe(0);
      expect(stored.stderr).toMatch(/arXiv announced nothing in cs\.CL.*the digest is of the latest announcement, 2026-12-04/);
      expect(footnotes(readFileSync(join(weekend.dir, 'cs.CL.md'), 'utf8'))).toBe(25);
      expect(oaiRequests()).toBe(0);

      const first = await fresh.run(['today', 'cs.CL', '--now', saturday], { env: weekendEnv });
      expect(first.code, first.stderr).toBe(0);
      expect(oaiRequests()).toBeGreaterThanOrEqual(1);
      const markdown = readFileSync(join(fresh.dir, 'cs.CL.md'), 'utf8');
      expect(footnotes(markdown)).toBe(20);
      for (const paper of harvested) expect(markdown).toContain(`https://arxiv.org/abs/${paper.id}`);
      expect(feedItems(join(fresh.dir, 'cs.CL.xml'))).toBe(20);
    } finally {
      await server.close();
      weekend.cleanup();
      fresh.cleanup();
    }
  });

  it.sequential("runs the README's main command as written against local servers and writes both files", async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const setup = readme.slice(readme.indexOf('## Set-up'), readme.indexOf('\n## ', readme.indexOf('## Set-up') + 1));
    const block = /\*\*Run the main job\*\*[\s\S]*?```sh\n([^\n]+)\n```/.exec(setup)?.[1];
    expect(block, 'the Set-up section has a "Run the main job" sh block').toBeTruthy();
    const command = block!.replace(/^npm install && /, '');
    expect(command).toMatch(/\btoday cs\.CL\b/);
    // A clone of this checkout: its bin/ (which finds dist/ and node_modules through the real path).
    const clone = mkdtempSync(join(tmpdir(), 'xivdigest-clone-'));
    const day = expectedFeedDay(new Date());
    const feed = await startTestServer({
      '/rss/cs.CL': { headers: { 'content-type': 'application/rss+xml' }, body: feedOf(papers.slice(0, 20), feedDate(day)) },
    });
    try {
      symlinkSync(join(root, 'bin'), join(clone, 'bin'));
      symlinkSync(join(root, 'package.json'), join(clone, 'package.json'));
      const child = spawn('bash', ['-c', command], {
        cwd: clone,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: clone,
          XDG_DATA_HOME: join(clone, 'data'),
          XDG_CONFIG_HOME: join(clone, 'config'),
          XIVDIGEST_MIN_INTERVAL_MS: '0',
          ...env,
          XIVDIGEST_ARXIV_RSS_URL: feed.url,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const code = await new Promise<number>((done) => child.on('close', (value) => done(value ?? -1)));
      expect(code, stderr).toBe(0);
      expect(footnotes(readFileSync(join(clone, 'cs.CL.md'), 'utf8'))).toBe(20);
      expect(feedItems(join(clone, 'cs.CL.xml'))).toBe(20);
    } finally {
      await feed.close();
      rmSync(clone, { recursive: true, force: true });
    }
  });
});
