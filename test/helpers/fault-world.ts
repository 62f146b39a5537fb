/**
 * A world for fault tests of `xivdigest run` (test/faults/, bench/faults.bench.ts): arXiv's feed, an OpenAI-compatible
 * API and a (slow) webhook receiver on 127.0.0.1, a config with one subscription, the built CLI as child processes
 * that can be killed with SIGKILL, and the checks the issue asks for. Free of vitest, so the benchmark can use it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startFakeLlmServer, type FakeLlmServer } from './fake-llm-server.js';
import { feedOf, goodPapers } from './good-papers.js';

const bin = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'xivdigest.js');
const KEY = 'sk-test-faults-0123456789';
/** Mon 2026-11-23 01:00 EST: the feed dated that day is out. */
export const FAULT_NOW = '2026-11-23T06:00:00Z';

/** One POST the webhook receiver got. */
export interface HookPost {
  headers: IncomingHttpHeaders;
  body: string;
  /** The request's path and query (the channels of one sandbox differ by query). */
  url: string;
  /** True once the receiver answered (a post whose sender was killed first may still be answered: it got the body). */
  answered: boolean;
}

/** A webhook receiver that answers 200 after `delayMs`, recording every post as soon as its body has arrived. */
async function startHookReceiver(delayMs: () => number): Promise<{ url: string; posts: HookPost[]; close(): Promise<void> }> {
  const posts: HookPost[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const post: HookPost = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), url: request.url ?? '', answered: false };
      posts.push(post);
      setTimeout(() => {
        post.answered = true;
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      }, delayMs());
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    posts,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** A server that answers every GET with the feed. */
async function startFeedServer(feed: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/rss+xml' }).end(feed));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

export interface CliRun {
  child: ChildProcess;
  /** Settles when the process has exited: its code (null when killed), stdout and stderr. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** A database for one sandbox: a SQLite file, or a PostgreSQL schema of its own. */
export interface FaultDatabase {
  url: string;
  cleanup(): Promise<void>;
}

export async function faultDatabase(kind: 'sqlite' | 'postgres', dir: string, pgUrl?: string): Promise<FaultDatabase> {
  if (kind === 'sqlite') return { url: join(dir, 'xivdigest.db'), cleanup: async () => undefined };
  if (!pgUrl) throw new Error('faultDatabase: no PostgreSQL URL');
  const schema = `faults_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const url = new URL(pgUrl);
  url.searchParams.set('schema', schema);
  return {
    url: url.toString(),
    async cleanup() {
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface FaultWorldOptions {
  papers: number;
  /** The webhook receiver's pause before answering, per post (default 0). */
  hookDelayMs?: () => number;
  /** The LLM server's pause before each answer (default 0). */
  llmLatencyMs?: number;
  /** LLM concurrency of the run (default 2). */
  concurrency?: number;
}

/** The servers, shared by every sandbox of a test file. */
export interface FaultWorld {
  papers: number;
  concurrency: number;
  llm: FakeLlmServer;
  hooks: { url: string; posts: HookPost[] };
  /** A fresh sandbox (its own HOME, config and database); `extra` adds config keys, variables and webhook channels. */
  sandbox(database: (dir: string) => Promise<FaultDatabase>, extra?: SandboxExtra): Promise<FaultSandbox>;
  close(): Promise<void>;
}

/** What a sandbox may add to the usual one. */
export interface SandboxExtra {
  /** Top-level config keys, e.g. `{ queue: { prefix, lockSeconds: 1 } }`. */
  config?: Record<string, unknown>;
  /** Environment variables, e.g. XIVDIGEST_QUEUE_URL. */
  env?: Record<string, string>;
  /** Webhook channels to the receiver (default 1): `webhook:local`, then `webhook:local-2` (`?channel=2`), … */
  channels?: number;
}

export interface FaultSandbox {
  dir: string;
  out: string;
  /** Starts `xivdigest <args>` (the subscription's config and the servers' environment are set; `env` changes it, undefined removes). */
  start(args: string[], env?: Record<string, string | undefined>): CliRun;
  /** Runs it to the end. */
  run(args: string[], env?: Record<string, string | undefined>): CliRun['done'];
  /** Every file under out/, path → content. */
  files(): Record<string, string>;
  cleanup(): Promise<void>;
}

export async function createFaultWorld(options: FaultWorldOptions): Promise<FaultWorld> {
  const papers = goodPapers(options.papers);
  if (papers.length < options.papers) throw new Error(`only ${papers.length} usable papers for the fault world`);
  const concurrency = options.concurrency ?? 2;
  const llm = await startFakeLlmServer({ papers, apiKey: KEY, ...(options.llmLatencyMs ? { latencyMs: options.llmLatencyMs } : {}) });
  const arxiv = await startFeedServer(feedOf(papers));
  const hooks = await startHookReceiver(options.hookDelayMs ?? (() => 0));
  const sandboxes = new Set<FaultSandbox>();
  return {
    papers: papers.length,
    concurrency,
    llm,
    hooks,
    async sandbox(database, extra = {}) {
      const dir = mkdtempSync(join(tmpdir(), 'xivdigest-faults-'));
      const db = await database(dir);
      const out = join(dir, 'out');
      const config = {
        ...extra.config,
        llm: { concurrency },
        subscriptions: [
          {
            name: 'nlp',
            categories: 'cs.CL',
            outputs: {
              dir: out,
              formats: ['md', 'html', 'rss', 'json'],
              channels: Array.from({ length: extra.channels ?? 1 }, (_, index) => ({
                type: 'webhook',
                name: index === 0 ? 'local' : `local-${index + 1}`,
                url: index === 0 ? hooks.url : `${hooks.url}?channel=${index + 1}`,
                allowPrivateNetwork: true,
              })),
            },
          },
        ],
      };
      writeFileSync(join(dir, 'xivdigest.config.json'), JSON.stringify(config));
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        XDG_DATA_HOME: join(dir, 'data'),
        XDG_CONFIG_HOME: join(dir, 'config'),
        XIVDIGEST_DB: db.url,
        XIVDIGEST_MIN_INTERVAL_MS: '0',
        OPENAI_API_KEY: KEY,
        OPENAI_API_BASE: llm.url,
        OPENAI_API_MODEL: 'gpt-4o-mini',
        XIVDIGEST_ARXIV_RSS_URL: arxiv.url,
        ...extra.env,
      };
      const start = (args: string[], changes: Record<string, string | undefined> = {}): CliRun => {
        const own = { ...env, ...changes };
        for (const [name, value] of Object.entries(changes)) if (value === undefined) delete own[name];
        const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env: own as Record<string, string>, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolveDone, reject) => {
          child.on('error', reject);
          child.on('close', (code, signal) => resolveDone({ code, signal, stdout, stderr }));
        });
        return { child, done };
      };
      const sandbox: FaultSandbox = {
        dir,
        out,
        start,
        run: (args, changes) => start(args, changes).done,
        files() {
          const result: Record<string, string> = {};
          const walk = (folder: string): void => {
            if (!existsSync(folder)) return;
            for (const name of readdirSync(folder)) {
              const path = join(folder, name);
              if (statSync(path).isDirectory()) walk(path);
              else result[relative(out, path)] = readFileSync(path, 'utf8');
            }
          };
          walk(out);
          return result;
        },
        async cleanup() {
          sandboxes.delete(sandbox);
          await db.cleanup().catch(() => undefined);
          rmSync(dir, { recursive: true, force: true });
        },
      };
      sandboxes.add(sandbox);
      return sandbox;
    },
    async close() {
      for (const sandbox of [...sandboxes]) await sandbox.cleanup();
      await Promise.all([llm.close(), arxiv.close(), hooks.close()]);
    },
  };
}

/** A clean run in its own sandbox: its files, how long it took, and when its first LLM call came (ms after start). */
export async function referenceRun(
  world: FaultWorld,
  database: (dir: string) => Promise<FaultDatabase>,
): Promise<{ files: Record<string, string>; spanMs: number; firstCallMs: number }> {
  const sandbox = await world.sandbox(database);
  try {
    const before = world.llm.requests.length;
    const started = performance.now();
    const clean = await sandbox.run(['run', '--now', FAULT_NOW]);
    const spanMs = Math.round(performance.now() - started);
    if (clean.code !== 0) throw new Error(`the clean run exited ${clean.code}: ${clean.stderr}`);
    const first = world.llm.requests[before];
    return { files: sandbox.files(), spanMs, firstCallMs: first ? Math.round(first.receivedAt - started) : 0 };
  } finally {
    await sandbox.cleanup();
  }
}

/**
 * When to kill: a moment after the start, or a moment after the k-th LLM request or the webhook post reached the
 * servers (anchored on what the run did, so that the kills land in every phase however loaded the machine is).
 */
export type KillPlan = { afterMs: number } | { afterLlmRequests: number; offsetMs: number } | { afterPosts: number; offsetMs: number };

/** A random plan: a third at any moment of the run, a third during the LLM calls, a third around the delivery. */
export function killPlan(random: () => number, reference: { spanMs: number }, papers: number, hookDelayMs: number): KillPlan {
  const pick = random();
  if (pick < 0.34) return { afterMs: Math.round(random() * reference.spanMs) };
  if (pick < 0.67) return { afterLlmRequests: 1 + Math.floor(random() * papers), offsetMs: Math.round(random() * 300) };
  return { afterPosts: 1, offsetMs: Math.round(random() * hookDelayMs * 1.2) };
}

export function describeKillPlan(plan: KillPlan): string {
  if ('afterMs' in plan) return `${plan.afterMs} ms`;
  if ('afterLlmRequests' in plan) return `LLM req. ${plan.afterLlmRequests} +${plan.offsetMs} ms`;
  return `post +${plan.offsetMs} ms`;
}

/** What one kill and its rerun did, and whether it kept the promises. */
export interface KillTrial {
  plan: KillPlan;
  /** What the killed run had reached: how many LLM requests and webhook posts it had made. */
  killedAfter: { llmRequests: number; posts: number; exited: boolean };
  rerunCode: number | null;
  filesIdentical: boolean;
  posts: number;
  /** Every post carried the same Idempotency-Key. */
  sameKey: boolean;
  llmCalls: number;
  /** The killed run, as `runs --json` shows it after the rerun: `interrupted`, or absent / finished when it got there. */
  killedRunStatus: string;
  /** No run is left `running`. */
  noneRunning: boolean;
  possiblyDuplicated: boolean;
  problems: string[];
}

/**
 * Runs one trial in a fresh sandbox: `run` killed with SIGKILL `killAtMs` after its start, then a rerun to the end;
 * compares the files with `reference` and counts what the servers received.
 */
export async function killTrial(
  world: FaultWorld,
  database: (dir: string) => Promise<FaultDatabase>,
  reference: Record<string, string>,
  plan: KillPlan,
): Promise<KillTrial> {
  const sandbox = await world.sandbox(database);
  try {
    const llmBefore = world.llm.requests.length;
    const postsBefore = world.hooks.posts.length;
    const killed = sandbox.start(['run', '--now', FAULT_NOW]);
    let exited = false;
    void killed.done.then(() => (exited = true));
    const sleep = (ms: number) => new Promise((resolveTimer) => setTimeout(resolveTimer, ms));
    if ('afterMs' in plan) {
      await sleep(plan.afterMs);
    } else {
      const reached = () =>
        'afterLlmRequests' in plan ? world.llm.requests.length - llmBefore >= plan.afterLlmRequests : world.hooks.posts.length - postsBefore >= plan.afterPosts;
      const deadline = Date.now() + 60_000;
      while (!exited && !reached() && Date.now() < deadline) await sleep(5);
      await sleep(plan.offsetMs);
    }
    if (!exited) killed.child.kill('SIGKILL');
    const killedResult = await killed.done;
    const killedAfter = {
      llmRequests: world.llm.requests.length - llmBefore,
      posts: world.hooks.posts.length - postsBefore,
      exited: killedResult.signal === null,
    };
    const rerun = await sandbox.run(['run', '--now', FAULT_NOW, '--json']);
    const files = sandbox.files();
    const posts = world.hooks.posts.slice(postsBefore);
    const keys = new Set(posts.map((post) => String(post.headers['idempotency-key'] ?? '')));
    const problems: string[] = [];
    if (rerun.code !== 0) problems.push(`the rerun exited ${rerun.code}: ${rerun.stderr.slice(-300)}`);
    const filesIdentical = JSON.stringify(files) === JSON.stringify(reference);
    if (!filesIdentical) {
      const differing = [...new Set([...Object.keys(files), ...Object.keys(reference)])].filter((name) => files[name] !== reference[name]);
      problems.push(`files differ from the reference: ${differing.join(', ')}`);
    }
    if (posts.length === 0) problems.push('no webhook post arrived');
    if (posts.length > 1 && (keys.size !== 1 || keys.has(''))) problems.push(`${posts.length} posts with keys ${[...keys].join(', ')}`);
    const llmCalls = world.llm.requests.length - llmBefore;
    if (llmCalls > world.papers + world.concurrency) problems.push(`${llmCalls} LLM calls for ${world.papers} papers at concurrency ${world.concurrency}`);
    const listed = await sandbox.run(['runs', '--json']);
    const runs = JSON.parse(listed.stdout || '[]') as Array<{ id: string; status: string; report: { deliveries?: Array<{ possiblyDuplicated?: boolean }> } }>;
    const noneRunning = runs.every((run) => run.status !== 'running');
    if (!noneRunning)
      problems.push(
        `runs still shown as running: ${runs
          .filter((run) => run.status === 'running')
          .map((run) => run.id)
          .join(', ')}`,
      );
    // The rerun is the newest; an older run is the killed one, when it got as far as storing itself.
    const killedRun = runs.length > 1 ? runs[runs.length - 1]! : undefined;
    const killedRunStatus = killedResult.signal === null ? `exited ${killedResult.code}` : (killedRun?.status ?? 'not stored');
    if (killedResult.signal !== null && killedRun && !['interrupted', 'ok', 'nothing'].includes(killedRun.status)) {
      problems.push(`the killed run is shown as ${killedRun.status}`);
    }
    const report = rerun.code === 0 ? (JSON.parse(rerun.stdout) as Array<{ deliveries: Array<{ possiblyDuplicated?: boolean }> }>)[0] : undefined;
    const possiblyDuplicated = report?.deliveries.some((delivery) => delivery.possiblyDuplicated === true) ?? false;
    // A second post must be flagged: it is the resend of a send the kill cut off.
    if (posts.length > 1 && !possiblyDuplicated) problems.push(`${posts.length} posts, but the rerun did not mark its delivery as possibly duplicated`);
    return {
      plan,
      killedAfter,
      rerunCode: rerun.code,
      filesIdentical,
      posts: posts.length,
      sameKey: keys.size === 1,
      llmCalls,
      killedRunStatus,
      noneRunning,
      possiblyDuplicated,
      problems,
    };
  } finally {
    await sandbox.cleanup();
  }
}
