/** `npm run bench:web -- --short` runs to its table (a smoke test: figures are printed, never asserted). */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

it('bench:web --short prints its table', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'bench/web.bench.ts', '--short'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DURATION: '1', CONNECTIONS: '2' },
    timeout: 110_000,
  });
  expect(result.status, result.stderr).toBe(0);
  expect(result.stdout).toMatch(/\| digest page, 100 papers \(cached\) \| [\d,]+ \| [\d,]+ \|/);
  expect(result.stdout).toMatch(/\| search page .* \(uncached\) \|/);
  expect(result.stdout).not.toMatch(/failed\)/);
}, 120_000);
