/**
 * `xivdigest status` as a user runs it: all well on a fresh store (exit 0); a failed run shows as the subscription's
 * last run and under "needs attention" with its reason (exit 1); while `serve --schedule` runs a slot, the run shows as
 * in progress with the serving process's pid and a fresh heartbeat.
 */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NATIVE_RANK_PATH } from '../src/store/kysely/search/native-rank.js';
import type { CliSandbox } from './helpers/cli.js';
import { useServeWorld } from './helpers/serve-world.js';

const KEY = 'sk-test-secret-status-0123456789';

interface StatusJson {
  store: { location: string; migrations: { applied: number; pending: string[]; unknown: string[] }; search?: { ranking: string; reason?: string } };
  subscriptions: Array<{ name: string; schedule?: { next: string }; lastRun?: { id: string; status: string; papers: number; reason?: string } }>;
  running: Array<{ id: string; subscription: string; holder?: { pid?: number }; heartbeatAgeSeconds?: number; progress: string }>;
  texts: Array<{ lang: string; ok: number; failed: number; pending: number }>;
  failures: Array<{ runId: string; reason: string }>;
  queues?: unknown;
  attention: string[];
}

describe('xivdigest status', () => {
  // Slow answers keep the run in progress while `status` looks at it.
  const world = useServeWorld({ apiKey: KEY, llmLatencyMs: 4000 });

  function sandboxWith(cron: string): CliSandbox {
    return world.sandbox((dir) => ({ arxiv: { maxRetries: 0 }, subscriptions: [world.subscription(cron, join(dir, 'out'))] }));
  }

  it('documents its exit codes in --help', async () => {
    const sandbox = sandboxWith('30 0 * * 1-5');
    const help = await sandbox.run(['status', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/0 all well; 1 something needs attention/);
  }, 30_000);

  it('is all well on a fresh store, and after a failed run names it with its reason and exits 1', async () => {
    const sandbox = sandboxWith('30 0 * * 1-5');
    const fresh = await sandbox.run(['status', '--json']);
    expect(fresh.code, fresh.stderr).toBe(0);
    const before = JSON.parse(fresh.stdout) as StatusJson;
    expect(before.store.migrations.pending).toEqual([]);
    // npm run build compiled search's ranking function (ADR 0054); the status says whether the store loaded it.
    expect(before.store.search).toEqual(existsSync(NATIVE_RANK_PATH) ? { ranking: 'xivdigest_bm25' } : { ranking: 'bm25', reason: expect.any(String) });
    expect(before.subscriptions).toEqual([expect.objectContaining({ name: 'nlp', schedule: expect.objectContaining({ next: expect.any(String) }) })]);
    expect(before.subscriptions[0]!.lastRun).toBeUndefined();
    expect(before.attention).toEqual([]);
    expect(before.queues).toBeUndefined();

    const failed = await sandbox.run(['run'], { env: { XIVDIGEST_ARXIV_RSS_URL: 'http://127.0.0.1:9' } });
    expect(failed.code).not.toBe(0);

    const after = await sandbox.run(['status', '--json']);
    expect(after.code).toBe(1);
    const status = JSON.parse(after.stdout) as StatusJson;
    expect(status.subscriptions[0]!.lastRun).toMatchObject({ status: 'failed', papers: 0 });
    expect(status.subscriptions[0]!.lastRun!.reason).toContain('127.0.0.1:9/rss/cs.CL');
    expect(status.failures).toHaveLength(1);
    expect(status.attention[0]).toMatch(/^nlp: the last run \S+ is failed: /);
    expect(after.stderr).toContain('needs attention: 1 item(s)');

    const human = await sandbox.run(['status']);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/nlp: last run failed at .*0 paper\(s\)/);
    expect(human.stdout).toMatch(/^search: ranked with (xivdigest_bm25|SQLite's bm25\(\))/m);
    expect(human.stdout).toMatch(/needs attention:\n {2}nlp: the last run/);
  }, 30_000);

  it('shows a run in progress with the pid holding its claim and a fresh heartbeat', async () => {
    // Every two seconds (croner's six-field form): a slot starts soon after serve does.
    const sandbox = sandboxWith('*/2 * * * * *');
    const serving = world.start(sandbox, ['serve', '--schedule', '--port', '0'], world.env());
    await serving.waitForStderr(/nlp: started the \S+ slot/);
    // The run is stored as running once it has claimed the subscription; ask until it shows (no timing assumed).
    let status: StatusJson | undefined;
    for (let attempt = 0; attempt < 50 && !status?.running.length; attempt += 1) {
      const result = await sandbox.run(['status', '--json']);
      status = JSON.parse(result.stdout) as StatusJson;
    }
    expect(status!.running).toHaveLength(1);
    const running = status!.running[0]!;
    expect(running).toMatchObject({ subscription: 'nlp', holder: { pid: serving.child.pid } });
    expect(running.heartbeatAgeSeconds).toBeLessThan(60);
    expect(running.progress).toMatch(/fetched/);
    serving.child.kill('SIGINT');
    serving.child.kill('SIGINT');
    await serving.exited(15_000);
  }, 60_000);
});
