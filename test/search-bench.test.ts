/** bench:search's short mode runs and prints its tables (a check that the benchmark still works, not a timing). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = resolve(root, '..', 'shared', 'fixtures', 'corpus', 'cn-chat-arxiv-papers-3000.jsonl');
const missing = existsSync(corpus) ? undefined : `bench:search short mode skipped: ${corpus} (the shared real data) is absent`;
if (missing) console.warn(missing);

describe('bench:search short mode', () => {
  it.skipIf(missing !== undefined)(
    'builds a small SQLite archive and prints build, size and latency tables',
    () => {
      const result = spawnSync(process.execPath, ['--import', 'tsx', resolve(root, 'bench', 'search.bench.ts')], {
        cwd: root,
        env: { ...process.env, XIVDIGEST_BENCH_PAPERS: '300', XIVDIGEST_BENCH_DB: 'sqlite', XIVDIGEST_BENCH_ROUNDS: '1' },
        encoding: 'utf8',
        timeout: 240_000,
      });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/\| sqlite \| 300 \| [\d.]+ s \| [\d.]+ s \| [\d.]+ MB \|/);
      expect(result.stdout).toContain('| `模型` |');
    },
    300_000,
  );
});
