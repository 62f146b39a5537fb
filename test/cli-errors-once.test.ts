/** Each error reaches the user once: the built CLI's stderr holds the message exactly one time, with the right exit code. */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCliSandbox } from './helpers/cli.js';

/** A port on 127.0.0.1 that nothing listens on: taken from the system, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe('errors are printed once', () => {
  const sandbox = createCliSandbox();
  afterAll(() => sandbox.cleanup());

  it('a missing config file', async () => {
    const result = await sandbox.run(['--config', 'nope.json', 'run']);
    expect(result.code).toBe(3);
    expect(count(result.stderr, 'does not exist'), result.stderr).toBe(1);
    expect(result.stdout).toBe('');
  });

  it('a bad --limit', async () => {
    for (const args of [
      ['fetch', '-c', 'cs.CL', '--limit', 'x'],
      ['digest', 'd', '-n', 'x'],
    ]) {
      const result = await sandbox.run(args);
      expect(result.code, result.stderr).toBe(2);
      expect(count(result.stderr, '--limit x is not a positive whole number'), result.stderr).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('an unknown option (commander prints it, the CLI adds nothing but the pointer to --help)', async () => {
    const result = await sandbox.run(['fetch', '--bogus']);
    expect(result.code).toBe(2);
    expect(count(result.stderr, "unknown option '--bogus'"), result.stderr).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(2);
  });

  it('an unreachable arXiv: the retries are progress, the final failure is printed once', async () => {
    const port = await closedPort();
    writeFileSync(join(sandbox.dir, 'retry-once.json'), JSON.stringify({ arxiv: { maxRetries: 1 } }));
    const result = await sandbox.run(['--config', 'retry-once.json', 'fetch', '-c', 'cs.CL'], { env: { XIVDIGEST_ARXIV_RSS_URL: `http://127.0.0.1:${port}` } });
    expect(result.code, result.stderr).toBe(5);
    expect(count(result.stderr, 'gave up after 2 attempts'), result.stderr).toBe(1);
    expect(result.stderr).toMatch(/^xivdigest: GET http:\/\/127\.0\.0\.1:\d+\/rss\/cs\.CL failed .*gave up after 2 attempts/m);
  }, 60_000);
});
