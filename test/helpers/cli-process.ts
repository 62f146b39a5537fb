/** Starts the built `xivdigest` as a long-running child process (e.g. `serve --schedule`), to watch its output and signal it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliSandbox } from './cli.js';

const bin = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'xivdigest.js');

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with stderr once it matches `pattern` (counting from `from`, a length of stderr); rejects after `timeoutMs` or on exit. */
  waitForStderr(pattern: RegExp, options?: { timeoutMs?: number; from?: number }): Promise<string>;
  /** True while the process has neither exited nor been killed by a signal. */
  alive(): boolean;
  /** Resolves with the exit code (or the signal's name) once the process has exited; rejects after `timeoutMs`. */
  exited(timeoutMs?: number): Promise<number | NodeJS.Signals>;
  /** Kills it with SIGKILL if it is still running (for `finally`). */
  kill(): void;
}

/**
 * Spawns `node bin/xivdigest.js …args` in the sandbox with its HOME, database and fast arXiv spacing, plus `env`;
 * `options.bin` runs another copy of the built CLI.
 */
export function startCli(sandbox: CliSandbox, args: string[], env: Record<string, string> = {}, options: { bin?: string } = {}): CliProcess {
  const child = spawn(process.execPath, [options.bin ?? bin, ...args], {
    cwd: sandbox.dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: sandbox.dir,
      XDG_DATA_HOME: join(sandbox.dir, 'data'),
      XDG_CONFIG_HOME: join(sandbox.dir, 'config'),
      XIVDIGEST_DB: sandbox.db,
      XIVDIGEST_MIN_INTERVAL_MS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let exit: number | NodeJS.Signals | undefined;
  const closed = new Promise<number | NodeJS.Signals>((resolvePromise) => {
    child.on('close', (code, signal) => {
      exit = code ?? signal ?? -1;
      resolvePromise(exit);
    });
  });
  const describe = () => `stdout:\n${stdout}\nstderr:\n${stderr}`;
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    async waitForStderr(pattern, options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 30_000);
      for (;;) {
        if (pattern.test(stderr.slice(options.from ?? 0))) return stderr;
        if (exit !== undefined) throw new Error(`exited (${exit}) before stderr matched ${pattern}\n${describe()}`);
        if (Date.now() > deadline) throw new Error(`stderr did not match ${pattern} in time\n${describe()}`);
        await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
      }
    },
    alive: () => exit === undefined && child.exitCode === null && child.signalCode === null,
    exited(timeoutMs = 30_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms\n${describe()}`)), timeoutMs);
      });
      return Promise.race([closed, timeout]).finally(() => clearTimeout(timer));
    },
    kill() {
      if (exit === undefined) child.kill('SIGKILL');
    },
  };
}
