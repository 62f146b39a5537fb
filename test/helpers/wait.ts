/** Waiting on child processes and conditions in process tests, without fixed sleeps. */
import type { ChildProcess } from 'node:child_process';

/** Resolves with stderr once the process has written `pattern` to it; rejects when it exits first or after `ms`. */
export function stderrMatch(child: ChildProcess, pattern: RegExp, ms = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} on stderr within ${ms / 1000} s:\n${text}`)), ms);
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (pattern.test(text)) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        resolve(text);
      }
    };
    child.stderr!.on('data', onData);
    child.once('close', () => {
      clearTimeout(timer);
      reject(new Error(`exited before ${pattern} on stderr:\n${text}`));
    });
  });
}

/** Resolves once `check()` holds, polling every 25 ms; rejects after `ms` naming `what` it waited for. */
export async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
