/** `xivdigest export-site` through the built CLI: a digest imported, the site written, bad input refused with a hint. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';

const fixture = resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'digests', 'own-mixed-eras.md');

describe('xivdigest export-site', () => {
  let sandbox: CliSandbox;
  beforeAll(async () => {
    sandbox = createCliSandbox();
    const imported = await sandbox.run(['import-digest', fixture, '--name', 'cs.CL']);
    expect(imported.code, imported.stderr).toBe(0);
  });
  afterAll(() => sandbox.cleanup());

  it('writes the archive with its search index and says where it will live', async () => {
    const site = join(sandbox.dir, 'site');
    const result = await sandbox.run(['export-site', site, '--base-url', 'https://reader.github.io/digests', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { pages: number; indexed: number; broken: unknown[] };
    expect(summary.indexed).toBeGreaterThan(0);
    expect(summary.pages).toBeGreaterThan(summary.indexed);
    expect(existsSync(join(site, 'index.html'))).toBe(true);
    expect(existsSync(join(site, 'digests', 'cs.CL', 'index.html'))).toBe(true);
    expect(existsSync(join(site, 'search', 'index', 'meta.json'))).toBe(true);
    const meta = JSON.parse(readFileSync(join(site, 'search', 'index', 'meta.json'), 'utf8')) as { documents: number };
    expect(meta.documents).toBe(summary.indexed);
    const human = await sandbox.run(['export-site', site, '--base-url', 'https://reader.github.io/digests']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('https://reader.github.io/digests/');
  }, 60_000);

  it('refuses a base URL that is not http(s), saying what to give', async () => {
    const result = await sandbox.run(['export-site', join(sandbox.dir, 'x'), '--base-url', 'reader.github.io']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--base-url');
    expect(result.stderr).toContain('https://');
    expect(existsSync(join(sandbox.dir, 'x'))).toBe(false);
  });

  it('has help with examples', async () => {
    const result = await sandbox.run(['export-site', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain('--base-url');
  });
});
