/**
 * The planted-secret scan: a `--verbose` run through the built CLI with a secret in every slot (the LLM key and a
 * token in its base URL's path, the database password, a webhook's path token, query token, HMAC key and
 * Authorization header, a failing webhook's path token, the SMTP password), the LLM failing for one paper and one
 * channel failing with a body that echoes its token. Then stdout, stderr, every file written, the database (a dump of
 * the test's PostgreSQL schema, or the SQLite file) and the bodies the receivers got are scanned: no secret anywhere,
 * except where it must go (the webhook token in the request line, the key in the Authorization header, SMTP AUTH).
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliSandbox, type CliResult, type CliSandbox } from '../helpers/cli.js';
import { startFakeLlmServer, type FakeLlmServer } from '../helpers/fake-llm-server.js';
import { feedOf, goodPapers } from '../helpers/good-papers.js';
import { startTestServer, type TestServer } from '../helpers/http-server.js';

const NOW = '2026-11-23T06:00:00Z';
const SECRETS = {
  llmKey: 'sk-PLANTED-llmkey-7f3a9c2e1b',
  llmPathToken: 'Pz7QkR2mWx9LtB4vNc8J',
  pgPassword: 'Pl@nted-pg-5521',
  hookPathToken: 'Hk4TqZ8wPm2NvR6xLb3Y',
  hookQueryToken: 'hookquery-PLANTED-91a7',
  hookHmacKey: 'hook-hmac-PLANTED-3e8d',
  hookAuthorization: 'hookauth-PLANTED-6c2f',
  failingPathToken: 'Fz9RkW3mQp7TbN2vXc5L',
  smtpPassword: 'smtp-PLANTED-pw-秘密42',
} as const;

/** Every form a secret may take in text: as is, URL-encoded, JSON-escaped, base64 (an AUTH PLAIN line, a Basic header). */
function forms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), Buffer.from(secret).toString('base64')])];
}

function findSecrets(where: string, text: string): string[] {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(SECRETS)) {
    for (const form of forms(secret)) if (text.includes(form)) found.push(`${name} in ${where}`);
  }
  return found;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const pgBase = process.env.XIVDIGEST_TEST_PG_URL;

describe('planted-secret scan of a failing --verbose run', () => {
  let sandbox: CliSandbox;
  let llm: FakeLlmServer;
  let arxiv: TestServer;
  let hooks: TestServer;
  let failing: TestServer;
  let smtp: SMTPServer;
  const mails: string[] = [];
  const smtpLogins: string[] = [];
  const outputs: Array<[string, CliResult]> = [];
  let dbUrl: string;
  let schema: string | undefined;
  const papers = goodPapers(3);

  beforeAll(async () => {
    sandbox = createCliSandbox();
    llm = await startFakeLlmServer({ papers, apiKey: SECRETS.llmKey, faults: { byPaper: { [papers[0]!.id]: { kind: 'server-error', status: 500 } } } });
    arxiv = await startTestServer({ '/rss/cs.CL': { headers: { 'content-type': 'application/rss+xml' }, body: feedOf(papers) } });
    hooks = await startTestServer([{ method: 'POST', path: `/hook/${SECRETS.hookPathToken}`, reply: { status: 200, body: 'ok' } }]);
    // A receiver that echoes the URL it was called with in its error, as some do.
    failing = await startTestServer([
      { method: 'POST', path: `/in/${SECRETS.failingPathToken}`, reply: (request) => ({ status: 400, body: `unknown hook ${request.url}` }) },
    ]);
    smtp = new SMTPServer({
      logger: false,
      authOptional: false,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      onAuth(auth, _session, callback) {
        smtpLogins.push(`${auth.username}:${auth.password}`);
        callback(null, { user: auth.username });
      },
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          mails.push(Buffer.concat(chunks).toString('utf8'));
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    const smtpPort = (smtp.server.address() as AddressInfo).port;

    if (pgBase) {
      schema = `redact_scan_${process.pid}_${Date.now() % 100000}`;
      const url = new URL(pgBase);
      url.password = encodeURIComponent(SECRETS.pgPassword);
      url.searchParams.set('schema', schema);
      dbUrl = url.toString();
    } else {
      console.log(
        'planted-secret scan: XIVDIGEST_TEST_PG_URL is not set; the database is SQLite (the password is planted in an unreachable PostgreSQL URL only)',
      );
      dbUrl = join(sandbox.dir, 'scan.db');
    }
    const env = {
      OPENAI_API_KEY: SECRETS.llmKey,
      OPENAI_API_BASE: `${llm.url}/proxy/${SECRETS.llmPathToken}/v1`,
      OPENAI_API_MODEL: 'gpt-4o-mini',
      XIVDIGEST_ARXIV_RSS_URL: arxiv.url,
      XIVDIGEST_DB: dbUrl,
      HOOK_URL: `${hooks.url}/hook/${SECRETS.hookPathToken}?token=${SECRETS.hookQueryToken}`,
      HOOK_SECRET: SECRETS.hookHmacKey,
      HOOK_AUTH: `Bearer ${SECRETS.hookAuthorization}`,
      FAILING_URL: `${failing.url}/in/${SECRETS.failingPathToken}`,
      SMTP_PASSWORD: SECRETS.smtpPassword,
      XIVDIGEST_DEBUG: '1',
    };
    const config = {
      subscriptions: [
        {
          name: 'nlp',
          categories: 'cs.CL',
          outputs: {
            dir: join(sandbox.dir, 'out'),
            formats: ['md', 'html', 'rss', 'json'],
            channels: [
              {
                type: 'webhook',
                name: 'good',
                url: { env: 'HOOK_URL' },
                secret: { env: 'HOOK_SECRET' },
                headers: { Authorization: { env: 'HOOK_AUTH' } },
                allowPrivateNetwork: true,
              },
              { type: 'webhook', name: 'bad', url: { env: 'FAILING_URL' }, allowPrivateNetwork: true, maxAttempts: 1 },
              {
                type: 'email',
                name: 'mail',
                host: '127.0.0.1',
                port: smtpPort,
                ignoreTLS: true,
                user: 'digest',
                password: { env: 'SMTP_PASSWORD' },
                from: 'digest@example.org',
                to: 'reader@example.org',
                allowPrivateNetwork: true,
                maxAttempts: 1,
              },
            ],
          },
        },
      ],
    };
    writeFileSync(join(sandbox.dir, 'xivdigest.config.json'), JSON.stringify(config));
    outputs.push(['run', await sandbox.run(['--verbose', 'run', '--now', NOW], { env })]);
    outputs.push(['runs --json', await sandbox.run(['--verbose', 'runs', '--json'], { env })]);
    const runs = JSON.parse(outputs[1]![1].stdout || '[]') as Array<{ id: string }>;
    for (const run of runs) outputs.push([`runs show ${run.id}`, await sandbox.run(['--verbose', 'runs', 'show', run.id], { env })]);
    // A second database that cannot be reached: the error and --verbose must not show its password either.
    const unreachable = `postgres://postgres:${encodeURIComponent(SECRETS.pgPassword)}@127.0.0.1:1/test`;
    outputs.push(['unreachable database', await sandbox.run(['--verbose', 'runs', '--json'], { env: { ...env, XIVDIGEST_DB: unreachable } })]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([
      llm?.close(),
      arxiv?.close(),
      hooks?.close(),
      failing?.close(),
      new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve())),
    ]);
    if (pgBase && schema) {
      const client = new pg.Client({ connectionString: pgBase });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    }
    sandbox?.cleanup();
  });

  it('the run happened as planned: one channel failed, the others delivered, the LLM failed for one paper', () => {
    const run = outputs[0]![1];
    expect([1, 8], run.stderr).toContain(run.code);
    expect(run.stdout).toMatch(/webhook:good: sent/);
    expect(run.stdout).toMatch(/webhook:bad: failed/);
    expect(hooks.requests).toHaveLength(1);
    expect(failing.requests.length).toBeGreaterThanOrEqual(1);
    expect(mails).toHaveLength(1);
    // The secrets went where they must: the request line, the Authorization header, SMTP AUTH.
    expect(hooks.requests[0]!.url).toContain(SECRETS.hookPathToken);
    expect(hooks.requests[0]!.headers.authorization).toBe(`Bearer ${SECRETS.hookAuthorization}`);
    expect(smtpLogins).toEqual([`digest:${SECRETS.smtpPassword}`]);
    expect(llm.requests.some((request) => request.path.includes(SECRETS.llmPathToken))).toBe(true);
    expect(run.stderr).toMatch(/database: /);
    const unreachable = outputs.at(-1)![1];
    expect(unreachable.code, unreachable.stderr).toBe(6);
    expect(unreachable.stderr).toMatch(/database: postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/test/);
  });

  it('no planted secret in stdout, stderr, files, the database or what the receivers got', async () => {
    const found: string[] = [];
    for (const [what, result] of outputs) {
      found.push(...findSecrets(`${what} stdout`, result.stdout), ...findSecrets(`${what} stderr`, result.stderr));
    }
    const files = walk(sandbox.dir);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      // The config file holds no secret itself (every one is { env }); the SQLite file is read as bytes.
      found.push(...findSecrets(file.replace(sandbox.dir, '.'), readFileSync(file).toString('latin1') + readFileSync(file).toString('utf8')));
    }
    if (pgBase && schema) {
      const client = new pg.Client({ connectionString: pgBase });
      await client.connect();
      try {
        const tables = await client.query<{ table_name: string }>('select table_name from information_schema.tables where table_schema = $1', [schema]);
        expect(tables.rows.length).toBeGreaterThan(3);
        for (const { table_name: table } of tables.rows) {
          const rows = await client.query(`select * from ${schema}."${table}"`);
          found.push(...findSecrets(`database table ${table}`, JSON.stringify(rows.rows)));
        }
      } finally {
        await client.end();
      }
    }
    found.push(...findSecrets('webhook body', hooks.requests.map((request) => request.body.toString('utf8')).join('\n')));
    found.push(...findSecrets('failing webhook body', failing.requests.map((request) => request.body.toString('utf8')).join('\n')));
    found.push(...findSecrets('e-mail', mails.join('\n')));
    found.push(...findSecrets('LLM request bodies', llm.requests.map((request) => JSON.stringify(request.body ?? '')).join('\n')));
    expect(found).toEqual([]);
  });
});
