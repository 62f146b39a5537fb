/** Access to the real recorded data in ../shared/fixtures; conformance tests skip, saying why, when it is absent. */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `../shared/fixtures` beside the checkout, or XIVDIGEST_SHARED_FIXTURES when set. */
export const sharedFixturesDir = process.env.XIVDIGEST_SHARED_FIXTURES ?? resolve(repoRoot, '..', 'shared', 'fixtures');

export const hasSharedFixtures = existsSync(sharedFixturesDir);

/** Printed once per test file that skips, so a skipped conformance test is never silent. */
export const sharedSkipReason = `conformance tests skipped: ${sharedFixturesDir} is absent (clone the project with ../shared beside it to run them)`;

if (!hasSharedFixtures) {
  // Vitest shows console output of the file that loads this module.
  console.warn(sharedSkipReason);
}

/** Absolute path of a file under ../shared/fixtures, e.g. `sharedFixture('arxiv', 'rss-new-quant-ph-2025-04-28.xml')`. */
export function sharedFixture(...parts: string[]): string {
  return join(sharedFixturesDir, ...parts);
}

/** Files of one folder under ../shared/fixtures (empty when absent). */
export function sharedFixtureFiles(folder: string, filter: (name: string) => boolean = () => true): string[] {
  const dir = join(sharedFixturesDir, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter(filter)
    .sort()
    .map((name) => join(dir, name));
}

/** Our own small fixtures, committed in test/fixtures. */
export function ownFixture(...parts: string[]): string {
  return join(repoRoot, 'test', 'fixtures', ...parts);
}
