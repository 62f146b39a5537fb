/**
 * Issue 14 item 15: examples/github-actions/xivdigest.yml runs as written. Its `run:` steps are taken from the file and
 * run with bash, in order, as a runner would: in a temp digest repository (config, a local bare `origin`), with
 * xivdigest's source cloned from this repository, the job's `env:` and each step's `env:` evaluated, `if:` honoured
 * (a workflow_dispatch event), against a local arXiv feed and a local OpenAI-compatible server. `uses:` steps are
 * played by the test: the two checkouts are git clones, setup-node is this Node, the caches and the artifact are no-ops.
 *
 * `npm install` in the source clone downloads and builds for minutes, so by default `npm` is a shim there that links
 * this checkout's node_modules and copies its dist/ (what `npm install` + `prepare` make). XIVDIGEST_TEST_ACTIONS_INSTALL=1
 * runs the real `npm install` instead (needs the registry; up to 20 minutes).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedFeedDay } from '../src/core/arxiv-calendar.js';
import { feedDate } from './helpers/arxiv-feeds.js';
import { startFakeLlmServer, type FakeLlmServer } from './helpers/fake-llm-server.js';
import { feedOf, goodPapers } from './helpers/good-papers.js';
import { startTestServer, type TestServer } from './helpers/http-server.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const workflowText = readFileSync(join(root, 'examples', 'github-actions', 'xivdigest.yml'), 'utf8');
const realInstall = process.env.XIVDIGEST_TEST_ACTIONS_INSTALL === '1';
const KEY = 'sk-test-actions-0123456789';

interface Step {
  name: string;
  uses?: string;
  if?: string;
  env: Record<string, string>;
  run?: string;
}

/** The workflow's top-level `env:` and the steps of its one job, read from the YAML subset the example uses. */
function parseWorkflow(text: string): { env: Record<string, string>; steps: Step[] } {
  const lines = text.split('\n');
  const env: Record<string, string> = {};
  const envStart = lines.indexOf('env:');
  for (const line of lines.slice(envStart + 1)) {
    if (/^\S/.test(line)) break;
    const match = /^ {2}([A-Z_]+): (.+)$/.exec(line);
    if (match) env[match[1]!] = match[2]!;
  }
  const steps: Step[] = [];
  let step: Step | undefined;
  let block: 'env' | 'run' | 'other' | undefined;
  const stepsAt = lines.findIndex((line) => /^ {4}steps:\s*$/.test(line));
  for (const line of lines.slice(stepsAt + 1)) {
    if (/^ {0,5}\S/.test(line)) break;
    const item = /^ {6}- (\w[\w-]*): ?(.*)$/.exec(line);
    const key = /^ {8}(\w[\w-]*): ?(.*)$/.exec(line);
    const pair = item ?? key;
    if (item) {
      step = { name: '', env: {} };
      steps.push(step);
    }
    if (pair && step) {
      const [, name, value] = pair;
      block = undefined;
      if (name === 'name') step.name = value!;
      else if (name === 'uses') step.uses = value!;
      else if (name === 'if') step.if = value!;
      else if (name === 'env') block = 'env';
      else if (name === 'run') {
        if (value === '|') {
          block = 'run';
          step.run = '';
        } else step.run = value!;
      } else block = 'other';
      continue;
    }
    if (!step) continue;
    if (block === 'run' && (line.startsWith('          ') || line.trim() === '')) step.run += `${line.slice(10)}\n`;
    if (block === 'env') {
      const match = /^ {10}([A-Z_]+): (.+)$/.exec(line);
      if (match) step.env[match[1]!] = match[2]!;
    }
  }
  return { env, steps };
}

type Context = Record<string, Record<string, string>>;

/** `${{ a.b || 'literal' || c.d }}`: the first operand that is set, as GitHub evaluates `||`. */
function evaluate(value: string, context: Context): string {
  return value.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) => {
    for (const operand of expression.split('||').map((part) => part.trim())) {
      const literal = /^'(.*)'$/.exec(operand);
      if (literal) return literal[1]!;
      const [scope, name] = operand.split('.');
      const found = context[scope!]?.[name!];
      if (found) return found;
    }
    return '';
  });
}

function condition(value: string | undefined, context: Context): boolean {
  if (value === undefined || value === 'always()') return true;
  const match = /^(github|vars)\.(\w+) == '([\w-]+)'$/.exec(value);
  if (!match) throw new Error(`the test does not know the condition ${value}`);
  return context[match[1]!]?.[match[2]!] === match[3];
}

function bash(script: string, cwd: string, env: Record<string, string>, timeout: number): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', ['-e', '-c', script], { cwd, env, timeout, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolvePromise({ status, stdout, stderr }));
  });
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('examples/github-actions/xivdigest.yml, its shell steps run with bash', () => {
  const { env: workflowEnv, steps } = parseWorkflow(workflowText);
  let dir: string;
  let llm: FakeLlmServer;
  let arxiv: TestServer;
  const papers = goodPapers(2);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xivdigest-actions-'));
    llm = await startFakeLlmServer({ papers, apiKey: KEY });
    const day = expectedFeedDay(new Date());
    arxiv = await startTestServer({ '/rss/cs.CL': { headers: { 'content-type': 'application/rss+xml' }, body: feedOf(papers, feedDate(day)) } });
  });
  afterAll(async () => {
    await Promise.all([llm?.close(), arxiv?.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the steps it is about to run', () => {
    expect(steps.map((step) => step.name || step.uses)).toEqual([
      'actions/checkout@v4',
      'Check out xivdigest',
      'actions/setup-node@v4',
      'Install xivdigest',
      'Restore the database',
      'Restore the local model',
      'Run xivdigest',
      'Commit the digests',
      'Build the web archive',
      'Upload the web archive',
      'Upload the digests',
      'Keep the schedule alive',
    ]);
    expect(steps.find((step) => step.name === 'Install xivdigest')!.run).toContain('npm install');
  });

  it(
    'installs xivdigest from the checked-out source, writes the digest files, commits and pushes them',
    async () => {
      // The user's repositories: a bare origin with the config; the workspace is its checkout (actions/checkout).
      const origin = join(dir, 'origin.git');
      const workspace = join(dir, 'workspace');
      git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
      git(dir, 'clone', '--quiet', origin, workspace);
      const config = { subscriptions: [{ name: 'nlp', categories: 'cs.CL', outputs: { dir: 'digests', formats: ['md', 'rss'] } }] };
      writeFileSync(join(workspace, 'xivdigest.config.json'), `${JSON.stringify(config, null, 2)}\n`);
      git(workspace, 'add', 'xivdigest.config.json');
      git(workspace, '-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '--quiet', '-m', 'config');
      git(workspace, 'push', '--quiet', 'origin', 'HEAD:main');

      const context: Context = {
        github: {
          workspace,
          repository: 'reader/digests',
          sha: git(workspace, 'rev-parse', 'HEAD').trim(),
          token: 'ghs_test',
          event_name: 'workflow_dispatch',
          run_id: '1',
          run_attempt: '1',
        },
        vars: { XIVDIGEST_PAGES: 'true' },
        secrets: { OPENAI_API_KEY: KEY, OPENAI_API_BASE: llm.url, OPENAI_API_MODEL: 'gpt-4o-mini' },
      };
      // What the runner provides, plus where this test's arXiv is (the job would reach arxiv.org).
      const shim = join(dir, 'shim');
      mkdirSync(shim);
      const baseEnv: Record<string, string> = {
        PATH: realInstall ? (process.env.PATH ?? '') : `${shim}:${process.env.PATH ?? ''}`,
        // The real install needs the user's npm settings and cache (registry, certificates).
        HOME: realInstall ? (process.env.HOME ?? join(dir, 'home')) : join(dir, 'home'),
        GITHUB_WORKSPACE: workspace,
        GITHUB_REPOSITORY: context.github!.repository!,
        GITHUB_REPOSITORY_OWNER: context.github!.repository!.split('/')[0]!,
        GITHUB_REF_NAME: 'main',
        GITHUB_EVENT_NAME: 'workflow_dispatch',
        XIVDIGEST_ARXIV_RSS_URL: arxiv.url,
        XIVDIGEST_MIN_INTERVAL_MS: '0',
        XIVDIGEST_CONTACT: 'test@example.org',
      };
      if (process.env.npm_config_cache) baseEnv.npm_config_cache = process.env.npm_config_cache;
      for (const [name, value] of Object.entries(workflowEnv)) baseEnv[name] = evaluate(value, context);
      expect(baseEnv.XIVDIGEST_SRC).toBe(join(workspace, '.xivdigest-src'));

      // Check out xivdigest: the source at the commit under test (a clone of this repository).
      git(dir, 'clone', '--quiet', root, baseEnv.XIVDIGEST_SRC!);
      if (!realInstall) {
        // What `npm install` leaves: the dependencies and the build (prepare). Only `npm install` is played.
        symlinkSync(join(root, 'node_modules'), join(baseEnv.XIVDIGEST_SRC!, 'node_modules'));
        writeFileSync(
          join(shim, 'npm'),
          `#!/usr/bin/env bash\nset -e\n[ "$1" = install ] || { echo "npm shim: only npm install is played, not: $*" >&2; exit 2; }\n` +
            `[ "$PWD" = "${baseEnv.XIVDIGEST_SRC}" ] || { echo "npm shim: npm install ran in $PWD" >&2; exit 2; }\n` +
            `cp -R "${join(root, 'dist')}" dist\necho "npm shim: linked node_modules, copied dist/"\n`,
        );
        chmodSync(join(shim, 'npm'), 0o755);
      }

      const ran: string[] = [];
      for (const step of steps) {
        if (!step.run || !condition(step.if, context)) continue;
        const stepEnv = { ...baseEnv };
        for (const [name, value] of Object.entries(step.env)) stepEnv[name] = evaluate(value, context);
        // Asynchronously: the local servers answer from this process.
        const result = await bash(step.run, workspace, stepEnv, realInstall ? 1_200_000 : 120_000);
        expect(result.status, `step "${step.name}" failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
        ran.push(step.name);
      }
      expect(ran).toEqual(['Install xivdigest', 'Run xivdigest', 'Commit the digests', 'Build the web archive']);

      // The digest files, in the workspace and pushed to origin's main.
      const written = readdirSync(join(workspace, 'digests', 'nlp'));
      expect(written.some((file) => file.endsWith('.md'))).toBe(true);
      expect(written.some((file) => file.endsWith('.xml') || file.endsWith('.rss'))).toBe(true);
      const markdown = readFileSync(
        join(
          workspace,
          'digests',
          'nlp',
          written.find((file) => file.endsWith('.md'))!,
        ),
        'utf8',
      );
      expect(markdown).toContain(papers[0]!.id);
      const pushed = git(origin, 'ls-tree', '-r', '--name-only', 'main');
      expect(pushed).toMatch(/^digests\/nlp\/.+\.md$/m);
      expect(git(origin, 'log', '-1', '--format=%s', 'main')).toMatch(/^Digest \d{4}-\d{2}-\d{2}/);
      // The source clone is not committed with the digests.
      expect(pushed).not.toContain('.xivdigest-src');
      expect(existsSync(join(baseEnv.XIVDIGEST_HOME!, 'xivdigest.db'))).toBe(true);
      // The web archive for Pages: the home page, the paper's page, the static search with its index, and feeds that
      // link to the Pages address; not committed.
      const site = baseEnv.SITE_DIR!;
      expect(existsSync(join(site, 'index.html'))).toBe(true);
      expect(existsSync(join(site, 'papers', papers[0]!.id, 'index.html'))).toBe(true);
      expect(existsSync(join(site, 'search', 'search.js'))).toBe(true);
      expect(readFileSync(join(site, 'index.html'), 'utf8')).toContain('nlp');
      expect(pushed).not.toContain('.xivdigest-site');
    },
    realInstall ? 1_500_000 : 240_000,
  );
});
