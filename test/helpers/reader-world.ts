/**
 * The world of the browser tests that meet `xivdigest serve` as readers do: an SMTP sink, the fake OpenAI-compatible
 * LLM, a local arXiv RSS server, a CLI sandbox whose config names them, `serve` as a child process on a free port,
 * and Chromium with a temporary profile. `stop()` closes all of it (the test's own servers are its own to close).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';
import { createCliSandbox, type CliSandbox } from './cli.js';
import { startCli, type CliProcess } from './cli-process.js';
import { startFakeLlmServer, type FakeLlmPaper, type FakeLlmServer } from './fake-llm-server.js';
import { feedOf } from './good-papers.js';
import { startTestServer, type TestServer } from './http-server.js';
import { freePort } from './reader-session.js';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';

/** What the config function and `prepare` get: the parts started before the config is written. */
export interface ReaderWorldParts {
  base: string;
  sandbox: CliSandbox;
  sink: SmtpSink;
  llm: FakeLlmServer;
  arxiv: TestServer;
}

export interface ReaderWorldOptions {
  /** Names the web secret (`<name>-test-secret-of-more-than-32-characters`). */
  name: string;
  /** The API key the fake LLM wants (default a fixed test key). */
  apiKey?: string;
  /** The papers the fake LLM answers for (default none). */
  papers?: FakeLlmPaper[];
  /** The cs.CL feed's body, read on every request (default the papers' feed, today's date). */
  feed?: () => string;
  /** false: web is `{ baseUrl, secret }` only (no accounts, no mail, no admins). Default true. */
  accounts?: boolean;
  /** Merged over the default `web` block; a key set to undefined leaves it out. */
  web?: Record<string, unknown>;
  /** The rest of the config (subscriptions, …), given the world's parts. */
  config?: (parts: ReaderWorldParts) => Record<string, unknown>;
  /** Runs after the config is written and before `serve` starts (files in the sandbox, papers in the store). */
  prepare?: (parts: ReaderWorldParts) => void | Promise<void>;
  /** Merged over the world's environment (last wins). */
  env?: Record<string, string>;
  /** Arguments for `serve` after `--port N` (e.g. `--schedule`). */
  serveArgs?: string[];
  /** false: no Chromium (for tests that only need `serve`). Default true. */
  browser?: boolean;
}

export interface ReaderWorld extends ReaderWorldParts {
  /** The environment every CLI call of the test uses (secrets, the local arXiv and LLM). */
  env: Record<string, string>;
  serve: CliProcess;
  /** Chromium; throws when the world was started with `browser: false`. */
  browser: Browser;
  stop(): Promise<void>;
}

/** Starts the world, or closes what it started and throws. */
export async function startReaderWorld(options: ReaderWorldOptions): Promise<ReaderWorld> {
  const apiKey = options.apiKey ?? `sk-test-secret-${options.name}-0123456789`;
  const papers = options.papers ?? [];
  const feed = options.feed ?? (() => feedOf(papers));
  let sandbox: CliSandbox | undefined;
  let sink: SmtpSink | undefined;
  let llm: FakeLlmServer | undefined;
  let arxiv: TestServer | undefined;
  let serve: CliProcess | undefined;
  let browser: Browser | undefined;
  let profile: string | undefined;
  const stop = async () => {
    await browser?.close();
    serve?.kill();
    await Promise.all([sink?.close(), llm?.close(), arxiv?.close()]);
    sandbox?.cleanup();
    if (profile) await rm(profile, { recursive: true, force: true });
  };
  try {
    sandbox = createCliSandbox();
    sink = await startSmtpSink();
    llm = await startFakeLlmServer({ papers, apiKey });
    arxiv = await startTestServer({ '/rss/cs.CL': () => ({ headers: { 'content-type': 'application/rss+xml' }, body: feed() }) });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const parts: ReaderWorldParts = { base, sandbox, sink, llm, arxiv };
    const env = {
      XIVDIGEST_WEB_SECRET: `${options.name}-test-secret-of-more-than-32-characters`,
      XIVDIGEST_SECRET_KEY: randomBytes(32).toString('base64'),
      XIVDIGEST_ARXIV_RSS_URL: arxiv.url,
      OPENAI_API_KEY: apiKey,
      OPENAI_API_BASE: llm.url,
      OPENAI_API_MODEL: 'gpt-4o-mini',
      ...options.env,
    };
    const web =
      options.accounts === false
        ? { baseUrl: base, secret: { env: 'XIVDIGEST_WEB_SECRET' } }
        : {
            accounts: true,
            baseUrl: base,
            admins: ['ada@example.org'],
            secret: { env: 'XIVDIGEST_WEB_SECRET' },
            mail: { host: '127.0.0.1', port: sink.port, ignoreTLS: true, from: 'xivdigest <noreply@example.org>' },
          };
    const config = { ...options.config?.(parts), web: { ...web, ...options.web } };
    writeFileSync(join(sandbox.dir, 'xivdigest.config.json'), JSON.stringify(config));
    await options.prepare?.(parts);
    serve = startCli(sandbox, ['serve', '--port', String(port), ...(options.serveArgs ?? [])], env);
    // Chromium starts while serve does; both have settled before anything is thrown, so stop() closes what started.
    const launching = async () => {
      if (options.browser === false) return;
      profile = await mkdtemp(join(tmpdir(), 'xivdigest-chromium-'));
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, env: { ...process.env, HOME: profile } });
    };
    const [served, launched] = await Promise.allSettled([serve.waitForStderr(/serving the web archive at http:\/\/127\.0\.0\.1:\d+\//), launching()]);
    if (served.status === 'rejected') throw served.reason;
    if (launched.status === 'rejected') throw launched.reason;
    return {
      ...parts,
      env,
      serve,
      stop,
      get browser() {
        if (!browser) throw new Error('reader world: started with browser: false, so there is no Chromium');
        return browser;
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
