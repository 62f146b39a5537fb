/** The built CLI piped into a reader that closes early (`xivdigest --help | head -1`): no EPIPE trace, its own exit code. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'xivdigest.js');
const home = mkdtempSync(join(tmpdir(), 'xivdigest-pipe-'));
const env = { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_DATA_HOME: join(home, 'data') };

afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Runs the CLI with stdout into a pipe whose reader is gone before the CLI writes anything. */
function runIntoClosedReader(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.destroy();
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stderr }));
  });
}

describe('output into a reader that closes early', () => {
  it('--help into a closed pipe exits 0 and prints no EPIPE error', async () => {
    const result = await runIntoClosedReader(['--help']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('`xivdigest --help | head -1` in a shell prints the usage line and nothing on stderr', async () => {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
      const child = spawn('sh', ['-c', `"${process.execPath}" "${bin}" --help | head -1`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('error', fail);
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
    expect(result.stdout.split('\n')[0]).toBe('Usage: xivdigest [options] [command]');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
