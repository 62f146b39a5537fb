/**
 * Preloaded with `node --import ./test/helpers/module-trace.mjs …`: writes `module-loaded <url>` to stderr for every
 * module the process loads, so that a test can check what a start of the CLI loads (not how long it takes).
 */
import { writeSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

// Loaded twice: by --import on the main thread, which registers this file as a hook, and as that hook (off-thread).
if (isMainThread) register(import.meta.url);

export async function load(url, context, next) {
  const result = await next(url, context);
  if (!url.startsWith('node:')) writeSync(2, `module-loaded ${url}\n`);
  return result;
}
