#!/usr/bin/env node
// Compiles native/xivdigest-fts.c, search's ranking function (docs/decisions/0054-native-bm25.md), into
// dist/native/ against the sqlite3ext.h of the SQLite that better-sqlite3 bundles. `npm run build` runs it after tsc.
// Without a C compiler it says so and exits 0: the store then ranks with FTS5's bm25(), the same order, slower on a
// large archive. CC chooses the compiler (default cc).
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'xivdigest-fts.c');
const extension = process.platform === 'win32' ? '.dll' : process.platform === 'darwin' ? '.dylib' : '.so';
// `--out DIR` writes elsewhere (test/build-native.test.ts); the store loads dist/native/.
const outIndex = process.argv.indexOf('--out');
const output = join(outIndex >= 0 ? process.argv[outIndex + 1] : join(root, 'dist', 'native'), `xivdigest-fts${extension}`);
const include = join(dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'deps', 'sqlite3');
const compiler = process.env.CC || 'cc';
const shared = process.platform === 'darwin' ? ['-dynamiclib', '-undefined', 'dynamic_lookup'] : ['-shared', '-fPIC'];

mkdirSync(dirname(output), { recursive: true });
rmSync(output, { force: true });
const result = spawnSync(compiler, ['-O2', ...shared, '-I', include, '-o', output, source, '-lm'], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
if (result.status === 0) {
  process.stdout.write(`built ${output}\n`);
} else {
  const why = result.error ? result.error.message : (result.stderr || '').trim().split('\n').slice(-3).join('\n');
  process.stderr.write(
    `warning: could not compile ${source} with ${compiler} (${why}).\n` +
      "Search still works; it ranks with SQLite's bm25(), which is slower on archives of hundreds of thousands of papers.\n" +
      'Install a C compiler (Debian: build-essential) and run npm run build to get the faster ranking.\n',
  );
}
