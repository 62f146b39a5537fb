/**
 * The world of the `run`/`serve` process tests (status, JSON logs, metrics): an arXiv feed server whose cs.CL feed is
 * dated the day a run expects now, a fake OpenAI-compatible LLM answering for the same papers, CLI sandboxes with a
 * config file, and the serve processes they start; everything is closed after the file's tests.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { expectedFeedDay } from '../../src/core/arxiv-calendar.js';
import { feedDate } from './arxiv-feeds.js';
import { createCliSandbox, type CliSandbox } from './cli.js';
import { startCli, type CliProcess } from './cli-process.js';
import { startFakeLlmServer, type FakeLlmPaper, type FakeLlmServer } from './fake-llm-server.js';
import { feedOf, goodPapers } from './good-papers.js';
import { startTestServer, type TestServer } from './http-server.js';

export interface ServeWorldOptions {
  /** The API key the fake LLM wants (and the test checks is never printed). */
  apiKey: string;
  /** The LLM's pause before each answer (default 0); a slow one keeps a run in progress. */
  llmLatencyMs?: number;
  /** How many papers the feed holds (default 2). */
  papers?: number;
}

export interface ServeWorld {
  readonly papers: FakeLlmPaper[];
  readonly arxiv: TestServer;
  readonly llm: FakeLlmServer;
  /** The environment a run or serve needs to reach the local arXiv and LLM. */
  env(): Record<string, string>;
  /** A subscription `nlp` of cs.CL on `cron` (UTC), writing Markdown under `outDir`. */
  subscription(cron: string, outDir: string): Record<string, unknown>;
  /** A sandbox whose `xivdigest.config.json` is `config` (a function gets the sandbox's folder). */
  sandbox(config: Record<string, unknown> | ((dir: string) => Record<string, unknown>)): CliSandbox;
  /** Starts the CLI in the sandbox; the process is killed after the file's tests if it is still running. */
  start(sandbox: CliSandbox, args: string[], env?: Record<string, string>): CliProcess;
}

/** Registers the world's set-up and clean-up with the current test file (or describe block) and returns it. */
export function useServeWorld(options: ServeWorldOptions): ServeWorld {
  const papers = goodPapers(options.papers ?? 2);
  const sandboxes: CliSandbox[] = [];
  const processes: CliProcess[] = [];
  let arxiv: TestServer | undefined;
  let llm: FakeLlmServer | undefined;

  beforeAll(async () => {
    arxiv = await startTestServer({
      '/rss/cs.CL': () => ({ headers: { 'content-type': 'application/rss+xml' }, body: feedOf(papers, feedDate(expectedFeedDay(new Date()))) }),
    });
    llm = await startFakeLlmServer({ papers, apiKey: options.apiKey, latencyMs: options.llmLatencyMs ?? 0 });
  });
  afterAll(async () => {
    for (const process of processes) process.kill();
    await llm?.close();
    await arxiv?.close();
    for (const sandbox of sandboxes) sandbox.cleanup();
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`serve world: the ${what} is used before beforeAll started it`);
    return value;
  };
  return {
    papers,
    get arxiv() {
      return started(arxiv, 'arXiv server');
    },
    get llm() {
      return started(llm, 'LLM server');
    },
    env() {
      return {
        OPENAI_API_KEY: options.apiKey,
        OPENAI_API_BASE: started(llm, 'LLM server').url,
        OPENAI_API_MODEL: 'gpt-4o-mini',
        XIVDIGEST_ARXIV_RSS_URL: started(arxiv, 'arXiv server').url,
      };
    },
    subscription(cron, outDir) {
      return { name: 'nlp', categories: 'cs.CL', schedule: { cron, timezone: 'UTC' }, outputs: { dir: outDir, formats: ['md'] } };
    },
    sandbox(config) {
      const sandbox = createCliSandbox();
      sandboxes.push(sandbox);
      writeFileSync(join(sandbox.dir, 'xivdigest.config.json'), JSON.stringify(typeof config === 'function' ? config(sandbox.dir) : config));
      return sandbox;
    },
    start(sandbox, args, env = {}) {
      const process = startCli(sandbox, args, env);
      processes.push(process);
      return process;
    },
  };
}
