/**
 * scripts/build-native.mjs as `npm run build` runs it (ADR 0054): with a C compiler it builds a library that SQLite
 * loads and that ranks as bm25() does; without one it warns, says what to install, and exits 0 (search falls back to
 * bm25()).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeRankFileName } from '../src/store/kysely/search/native-rank.js';

const script = join(import.meta.dirname, '..', 'scripts', 'build-native.mjs');
const dirs: string[] = [];
const outDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'xivdigest-native-'));
  dirs.push(dir);
  return dir;
};
const hasCompiler = spawnSync(process.env.CC || 'cc', ['--version']).status === 0;
if (!hasCompiler) console.warn('build-native.test.ts: the build case skipped: no C compiler (cc) on this machine');

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('scripts/build-native.mjs', () => {
  it.skipIf(!hasCompiler)('builds xivdigest_bm25, which SQLite loads and which scores as bm25() with the same IDFs', () => {
    const dir = outDir();
    const result = spawnSync(process.execPath, [script, '--out', dir], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const library = join(dir, nativeRankFileName());
    expect(result.stdout).toContain(`built ${library}`);
    const db = new Database(':memory:');
    try {
      db.loadExtension(library);
      db.exec(`create virtual table f using fts5(a, b)`);
      const insert = db.prepare('insert into f (a, b) values (?, ?)');
      for (const [a, b] of [
        ['graph networks', 'a survey of graph methods'],
        ['diffusion models', 'graph diffusion'],
        ['language models', 'large language models plan'],
        ['spectral sequences', 'topology'],
      ])
        insert.run(a, b);
      const idf = (hits: number): number => Math.max(Math.log((4 - hits + 0.5) / (hits + 0.5)), 1e-6);
      const builtin = db.prepare(`select rowid, bm25(f, 2.0, 1.0) as score from f where f match 'graph' order by rowid`).all();
      const native = db.prepare(`select rowid, xivdigest_bm25(f, 2.0, 1.0, ?) as score from f where f match 'graph' order by rowid`).all(idf(2));
      expect(native).toEqual(builtin);
      expect(() => db.prepare(`select xivdigest_bm25(f, 2.0) from f where f match 'graph'`).all()).toThrow(
        /expected 2 column weights and 1 IDFs, got 1 values/,
      );
    } finally {
      db.close();
    }
  });

  it('warns and exits 0 without a C compiler, saying what to install', () => {
    const dir = outDir();
    const result = spawnSync(process.execPath, [script, '--out', dir], { encoding: 'utf8', env: { ...process.env, CC: join(dir, 'no-such-compiler') } });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('warning: could not compile');
    expect(result.stderr).toContain('build-essential');
    expect(existsSync(join(dir, nativeRankFileName()))).toBe(false);
  });
});
