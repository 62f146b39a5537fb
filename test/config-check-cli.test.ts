/**
 * `config check` and the commands that load the config share one check, through the built CLI: every mistake the
 * check reports, `run` refuses with the same message, and a config the check passes, `run` runs. Paths in the file
 * resolve against its folder. Category names are checked before any request; an HTML error page is shortened.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliSandbox, type CliResult, type CliSandbox } from './helpers/cli.js';
import { startFakeLlmServer, type FakeLlmServer } from './helpers/fake-llm-server.js';
import { feedOf, goodPapers } from './helpers/good-papers.js';
import { startTestServer, type TestServer } from './helpers/http-server.js';

const KEY = 'sk-test-secret-config-0123456789';
const NOW = '2026-11-23T06:00:00Z';

/** The problems `config check` printed, one per `error:` line (the first line of each). */
function checkErrors(result: CliResult): string[] {
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('error: '))
    .map((line) => line.slice('error: '.length));
}

// Two lanes side by side (CI has two cores): each describe has its sandbox and servers, and its tests run in order
// (`it.sequential` in a `describe.concurrent`; ADR 0065).
describe.concurrent('config check and run share one check', () => {
  let sandbox: CliSandbox;
  let arxiv: TestServer;
  let llm: FakeLlmServer;
  let env: Record<string, string>;
  const papers = goodPapers(1);
  let count = 0;

  beforeAll(async () => {
    sandbox = createCliSandbox();
    llm = await startFakeLlmServer({ papers, apiKey: KEY });
    arxiv = await startTestServer({ '/rss/cs.CL': { headers: { 'content-type': 'application/rss+xml' }, body: feedOf(papers) } });
    env = {
      OPENAI_API_KEY: KEY,
      OPENAI_API_BASE: llm.url,
      OPENAI_API_MODEL: 'gpt-4o-mini',
      XIVDIGEST_ARXIV_RSS_URL: arxiv.url,
      XIVDIGEST_CONTACT: 'me@example.org',
    };
  });
  afterAll(async () => {
    await Promise.all([arxiv.close(), llm.close()]);
    sandbox.cleanup();
  });

  /** Writes `text` as a config file in a folder of its own and returns its path. */
  function configFile(text: string | object): string {
    const folder = join(sandbox.dir, `case-${(count += 1)}`);
    mkdirSync(folder, { recursive: true });
    const file = join(folder, 'xivdigest.config.json');
    writeFileSync(file, typeof text === 'string' ? text : JSON.stringify(text, null, 2));
    return file;
  }

  const subscription = (extra: Record<string, unknown> = {}) => ({ name: 'nlp', categories: 'cs.CL', ...extra });

  /**
   * Checks the file, runs it, and asserts that both refuse it with the same problems; returns the check's problems.
   * The two commands are independent: they run side by side (CI has two cores).
   */
  async function bothRefuse(file: string, runEnv: Record<string, string | undefined> = env): Promise<string[]> {
    const [check, run] = await Promise.all([
      sandbox.run(['config', 'check', file], { env: runEnv }),
      sandbox.run(['--config', file, 'run', '--now', NOW], { env: runEnv }),
    ]);
    expect(check.code, check.stdout + check.stderr).toBe(3);
    const problems = checkErrors(check);
    expect(problems.length).toBeGreaterThan(0);
    expect(run.code, run.stderr).toBe(3);
    for (const problem of problems) expect(run.stderr).toContain(problem);
    expect(run.stderr).toContain(`Invalid configuration in ${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} (`);
    // Refused before anything was fetched or translated.
    expect(arxiv.requests).toHaveLength(0);
    return problems;
  }

  it.sequential('a missing library file, with its dot path and where it was looked for', async () => {
    const file = configFile({ subscriptions: [subscription({ library: { files: ['papers/my.bib'] } })] });
    const problems = await bothRefuse(file);
    expect(problems).toEqual([
      `subscriptions.0.library.files.0: library file ${join(file, '..', 'papers', 'my.bib')} (relative paths are read from the config file's folder, ${join(file, '..')}) does not exist`,
    ]);
  });

  it.sequential('an unset secret variable, named without any value', async () => {
    const file = configFile({ subscriptions: [subscription({ outputs: { channels: [{ type: 'slack', webhookUrl: { env: 'XIVDIGEST_TEST_SLACK_URL' } }] } })] });
    expect(await bothRefuse(file)).toEqual([
      'subscriptions.0.outputs.channels.0.webhookUrl: the environment variable XIVDIGEST_TEST_SLACK_URL is not set (this secret is read from it)',
    ]);
    const [check, papers] = await Promise.all([
      sandbox.run(['config', 'check', file], { env: { ...env, XIVDIGEST_TEST_SLACK_URL: 'https://hooks.slack.com/services/T/B/secretvalue' } }),
      // Commands that deliver nothing do not need the secret.
      sandbox.run(['--config', file, 'papers'], { env }),
    ]);
    expect(check.code, check.stdout).toBe(0);
    expect(check.stdout).not.toContain('secretvalue');
    expect(papers.code, papers.stderr).toBe(0);
  });

  it.sequential('a channel with a misspelt key, with the closest known key', async () => {
    const file = configFile({
      subscriptions: [
        subscription({ outputs: { channels: [{ type: 'email', host: 'smtp.example.org', prot: 465, from: 'a@example.org', to: 'b@example.org' }] } }),
      ],
    });
    expect(await bothRefuse(file)).toEqual(['subscriptions.0.outputs.channels.0.prot: unknown key "prot"; did you mean "port"?']);
  });

  it.sequential('config schema types each channel entry by its type', async () => {
    const result = await sandbox.run(['config', 'schema']);
    expect(result.code, result.stderr).toBe(0);
    const schema = JSON.parse(result.stdout);
    const channels = schema.properties.subscriptions.items.properties.outputs.properties.channels.items;
    const options = (channels.oneOf ?? channels.anyOf) as Array<{ properties: Record<string, { const?: string }>; additionalProperties?: boolean }>;
    expect(options.map((option) => option.properties.type!.const)).toEqual(['email', 'slack', 'discord', 'telegram', 'feishu', 'dingtalk', 'wecom', 'webhook']);
    const email = options.find((option) => option.properties.type!.const === 'email')!;
    expect(Object.keys(email.properties)).toEqual(expect.arrayContaining(['host', 'port', 'password', 'from', 'to']));
    expect(email.additionalProperties).toBe(false);
  });

  it.sequential('an unknown channel type, listing the known types', async () => {
    const file = configFile({ subscriptions: [subscription({ outputs: { channels: [{ type: 'slak', webhookUrl: 'https://hooks.slack.com/x' }] } })] });
    const [problem] = await bothRefuse(file);
    expect(problem).toMatch(
      /^subscriptions\.0\.outputs\.channels\.0\.type: unknown type "slak"; did you mean slack\? \(known types: email, slack, discord, telegram, feishu, dingtalk, wecom, webhook\)$/,
    );
  });

  it.sequential('a JSON syntax error, with line, column and the line itself; the database is not guessed', async () => {
    const file = configFile('{\n  "subscriptions": [\n    { "name": "nlp" "categories": "cs.CL" }\n  ]\n}\n');
    const [problems, check] = await Promise.all([bothRefuse(file), sandbox.run(['config', 'check', file], { env: { ...env, XIVDIGEST_DB: undefined } })]);
    expect(problems).toEqual([`(file): ${file}:3:21: invalid JSON: Expected ',' or '}' after property value`]);
    expect(check.stdout).toContain(`\n      { "name": "nlp" "categories": "cs.CL" }\n${' '.repeat(2 + 20)}^\n`);
    expect(check.stdout).toMatch(/^database: unknown because of the errors below$/m);
    expect(check.stdout).not.toContain('.local/share');
  });

  it.sequential('a channel its factory refuses (a loopback URL without allowPrivateNetwork), and a ranking method without its setting', async () => {
    const file = configFile({
      subscriptions: [subscription({ ranking: { method: 'llm' }, outputs: { channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/hook' }] } })],
    });
    const problems = await bothRefuse(file);
    expect(problems.map((problem) => problem.split(':')[0])).toEqual(['subscriptions.0.ranking.interests', 'subscriptions.0.outputs.channels.0']);
    expect(problems[1]).toMatch(/allowPrivateNetwork/);
  });

  it.sequential('a wrong category, with a suggestion', async () => {
    const file = configFile({ subscriptions: [subscription({ categories: 'cs.Cl+cs.AI' })] });
    const [problem] = await bothRefuse(file);
    expect(problem).toBe('subscriptions.0.categories: category expression error at column 1: "cs.Cl" is not an arXiv category; did you mean cs.CL?');
  });

  it.sequential('several mistakes at once, all in one pass, in the order of the file, with the database the file names', async () => {
    const file = configFile({
      store: { url: 'data/x.db' },
      arxiv: { timeoutMs: 0 },
      subscriptions: [
        subscription({
          categories: 'cs.CLL',
          filters: { query: 'ti:(llm' },
          library: { files: ['missing.bib'] },
          outputs: { dir: 'out', formats: ['md', 'pdf'], channels: [{ type: 'webhook', url: { env: 'XIVDIGEST_TEST_UNSET' }, secrett: 'x' }] },
        }),
      ],
    });
    const [problems, check] = await Promise.all([
      bothRefuse(file),
      sandbox.run(['config', 'check', file, '--json'], { env: { ...env, XIVDIGEST_DB: undefined } }),
    ]);
    expect(problems.map((problem) => problem.split(':')[0])).toEqual([
      'arxiv.timeoutMs',
      'subscriptions.0.categories',
      'subscriptions.0.filters.query',
      'subscriptions.0.library.files.0',
      'subscriptions.0.outputs.formats.1',
      'subscriptions.0.outputs.channels.0.url',
      'subscriptions.0.outputs.channels.0.secrett',
    ]);
    expect(problems[1]).toContain('did you mean cs.CL?');
    expect(JSON.parse(check.stdout)).toMatchObject({ database: join(file, '..', 'data', 'x.db'), databaseFrom: 'config' });
  });

  it.sequential('a valid config passes both; paths in it resolve against its folder, not the working directory', async () => {
    const file = configFile({
      store: { url: 'state/xivdigest.db' },
      subscriptions: [
        subscription({
          library: { files: ['lib.bib'] },
          outputs: { dir: 'digests-here', formats: ['md'], channels: [{ type: 'webhook', url: { env: 'XIVDIGEST_TEST_HOOK' }, allowPrivateNetwork: true }] },
        }),
      ],
    });
    const folder = join(file, '..');
    writeFileSync(join(folder, 'lib.bib'), '@article{a, title={Large language models for translation}, year={2025}}\n');
    const hooks = await startTestServer([{ method: 'POST', path: '/hook', reply: { status: 200, body: 'ok' } }]);
    try {
      const cwd = join(sandbox.dir, 'elsewhere');
      mkdirSync(cwd);
      // The database comes from the file here, so the sandbox's XIVDIGEST_DB is taken away.
      const runEnv = { ...env, XIVDIGEST_DB: undefined, XIVDIGEST_TEST_HOOK: `${hooks.url}/hook` };
      mkdirSync(join(folder, 'state'));
      const [check, run] = await Promise.all([
        sandbox.run(['config', 'check', file], { env: runEnv, cwd }),
        sandbox.run(['--config', file, 'run', '--now', NOW], { env: runEnv, cwd }),
      ]);
      expect(check.code, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).toContain(`database: ${join(folder, 'state', 'xivdigest.db')} (from config)`);
      expect(check.stdout).toMatch(/^ok$/m);
      expect(run.code, run.stderr).toBe(0);
      expect(existsSync(join(folder, 'digests-here', 'nlp', '2026-11-23.md'))).toBe(true);
      expect(existsSync(join(folder, 'state', 'xivdigest.db'))).toBe(true);
      expect(existsSync(join(cwd, 'digests-here'))).toBe(false);
      expect(hooks.requests).toHaveLength(1);
    } finally {
      await hooks.close();
    }
  });
});

describe.concurrent('category names and error pages', () => {
  let sandbox: CliSandbox;
  let server: TestServer;
  const page = `<!DOCTYPE html>\n<html lang="en"><head><title>Not Found | arXiv e-print repository</title><style>body { color: red }</style><script>var tracking = 1;</script></head>
<body><header><nav>Skip to main content</nav></header><main><h1>Not Found</h1><p>The requested URL was not found on this server.</p>${'<div class="filler">arXiv is a free distribution service</div>\n'.repeat(300)}</main></body></html>`;

  beforeAll(async () => {
    sandbox = createCliSandbox();
    server = await startTestServer([{ path: '/rss/cs.CL', reply: { status: 404, headers: { 'content-type': 'text/html' }, body: page } }]);
  });
  afterAll(async () => {
    await server.close();
    sandbox.cleanup();
  });

  it.sequential('fetch -c cs.Cl suggests cs.CL and sends no request', async () => {
    // Three refusals, independent of each other: side by side.
    const [result, unknown, papers] = await Promise.all([
      sandbox.run(['fetch', '-c', 'cs.Cl'], { env: { XIVDIGEST_ARXIV_RSS_URL: server.url } }),
      sandbox.run(['fetch', '-c', 'cs.CL+quantum'], { env: { XIVDIGEST_ARXIV_RSS_URL: server.url } }),
      sandbox.run(['papers', '-c', 'math.ap']),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown category "cs.Cl"; did you mean cs.CL?');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown category "quantum"');
    expect(papers.code).toBe(2);
    expect(papers.stderr).toContain('did you mean math.AP?');
    expect(server.requests).toHaveLength(0);
  });

  it.sequential('an HTML 404 page becomes a short error: status, URL and the page title', async () => {
    const result = await sandbox.run(['fetch', '-c', 'cs.CL'], { env: { XIVDIGEST_ARXIV_RSS_URL: server.url } });
    expect(result.code).toBe(5);
    expect(server.requests.length).toBeGreaterThan(0);
    const line = result.stderr.split('\n').find((text) => text.startsWith('xivdigest: '))!;
    expect(line).toContain(
      `returned 404 for GET ${server.url}/rss/cs.CL: HTML page "Not Found | arXiv e-print repository": Not Found The requested URL was not found on this server.`,
    );
    expect(line.length).toBeLessThan(700);
    expect(result.stderr).not.toMatch(/<title>|<div|tracking/);
  });
});
