/**
 * Structured logs as a log collector reads them: with `--log-format json` (or `log.format: "json"` in the config),
 * every stderr line of `run` and `serve` is one JSON object with time, level and msg, and the subscription and run id
 * where known; secrets are masked; the default stays human.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliSandbox } from './helpers/cli.js';
import { useServeWorld } from './helpers/serve-world.js';

const KEY = 'sk-test-secret-jsonlogs-0123456789';

interface LogLine {
  time: string;
  level: string;
  msg: string;
  subscription?: string;
  runId?: string;
  slot?: string;
}

/** Every line parsed as JSON; a line that is not fails the test with the line. */
function parseLines(stderr: string): LogLine[] {
  return stderr
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      let parsed: LogLine;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
      expect(Number.isNaN(Date.parse(parsed.time)), line).toBe(false);
      expect(['debug', 'info', 'warn', 'error'], line).toContain(parsed.level);
      expect(typeof parsed.msg, line).toBe('string');
      return parsed;
    });
}

describe('JSON logs', () => {
  const world = useServeWorld({ apiKey: KEY });

  function sandboxWith(config: Record<string, unknown>, cron = '30 0 * * 1-5'): CliSandbox {
    return world.sandbox((dir) => ({ arxiv: { maxRetries: 0 }, subscriptions: [world.subscription(cron, join(dir, 'out'))], ...config }));
  }

  it('run --log-format json: every line is JSON with the subscription and run id, the final error included', async () => {
    const sandbox = sandboxWith({});
    const result = await sandbox.run(['run', '--log-format', 'json'], {
      env: { XIVDIGEST_ARXIV_RSS_URL: `http://127.0.0.1:9`, OPENAI_API_KEY: KEY },
    });
    expect(result.code).toBe(5);
    const lines = parseLines(result.stderr);
    const fromRun = lines.filter((line) => line.subscription === 'nlp');
    expect(fromRun.length).toBeGreaterThan(0);
    expect(fromRun.every((line) => /^\d{8}T\d{6}-\w+$/.test(line.runId ?? ''))).toBe(true);
    expect(lines.at(-1)).toMatchObject({ level: 'error' });
    expect(lines.at(-1)!.msg).toContain('127.0.0.1:9/rss/cs.CL');
    const runs = JSON.parse((await sandbox.run(['runs', '--json'])).stdout) as Array<{ id: string }>;
    expect(fromRun[0]!.runId).toBe(runs[0]!.id);
    expect(result.stderr).not.toContain(KEY);

    const human = await sandbox.run(['run'], { env: { XIVDIGEST_ARXIV_RSS_URL: `http://127.0.0.1:9` } });
    expect(human.stderr.split('\n')[0]).not.toMatch(/^\{/);
    expect(human.stderr).toMatch(/^xivdigest: GET http:\/\/127\.0\.0\.1:9\/rss\/cs\.CL failed/m);

    const bad = await sandbox.run(['run', '--log-format', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Allowed choices are human, json');
  }, 30_000);

  it('serve with log.format "json": the scheduler, the finished run (with its id) and the stop are JSON lines', async () => {
    const sandbox = sandboxWith({ log: { format: 'json' } }, '*/2 * * * * *');
    const serving = world.start(sandbox, ['serve', '--schedule', '--port', '0'], world.env());
    await serving.waitForStderr(/finished the \S+ slot/);
    serving.child.kill('SIGTERM');
    expect(await serving.exited(30_000)).toBe(143);
    const lines = parseLines(serving.stderr());
    expect(lines.some((line) => line.msg.startsWith('serving the web archive at http://127.0.0.1:'))).toBe(true);
    const finished = lines.find((line) => /finished the \S+ slot: ok/.test(line.msg));
    expect(finished).toMatchObject({ level: 'info', subscription: 'nlp', runId: expect.stringMatching(/^\d{8}T\d{6}-\w+$/), slot: expect.any(String) });
    expect(lines.some((line) => line.msg.startsWith('SIGTERM: stopping'))).toBe(true);
    expect(serving.stderr()).not.toContain(KEY);
  }, 60_000);
});
