#!/usr/bin/env node
// Entry point of the `xivdigest` command: runs the compiled CLI (built by `npm install` through `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/index.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('xivdigest: the compiled CLI is missing (dist/). Run `npm install` or `npm run build` in the checkout first.\n');
  process.exit(70);
}
await import(entry.href);
