/** Runs the built `xivdigest` command as a child process in a temp home, as a user would. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'xivdigest.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliSandbox {
  /** The temp folder: HOME, XDG folders and the default database live here. */
  dir: string;
  /** The database file every run uses (XIVDIGEST_DB). */
  db: string;
  run(args: string[], options?: { env?: Record<string, string | undefined>; cwd?: string; input?: string }): Promise<CliResult>;
  cleanup(): void;
}

/** A sandbox with its own HOME and database, so tests never touch the user's files. */
export function createCliSandbox(): CliSandbox {
  const dir = mkdtempSync(join(tmpdir(), 'xivdigest-cli-'));
  const db = join(dir, 'test.db');
  const baseEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    XIVDIGEST_DB: db,
    XIVDIGEST_MIN_INTERVAL_MS: '0',
  };
  return {
    dir,
    db,
    run(args, options = {}) {
      const env: Record<string, string> = { ...baseEnv };
      for (const [key, value] of Object.entries(options.env ?? {})) {
        if (value === undefined) delete env[key];
        else env[key] = value;
      }
      return new Promise((resolvePromise, reject) => {
        const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd ?? dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        child.on('error', reject);
        child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
        child.stdin.end(options.input ?? '');
      });
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `task` for every item, two at a time, in order of start: for independent CLI runs (each its own process) on
 * a machine of two cores, where a third process at once would only wait. Rejects with the first failure, after
 * every started task has ended.
 */
export async function twoAtATime<T>(items: readonly T[], task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  const lanes = await Promise.allSettled([lane(), lane()]);
  const failed = lanes.find((lane): lane is PromiseRejectedResult => lane.status === 'rejected');
  if (failed) throw failed.reason;
}
