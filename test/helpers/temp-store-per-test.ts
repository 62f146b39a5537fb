/**
 * A fresh temp store for each test of a `describe` block, through vitest's hooks. Apart from temp-store.ts, which the
 * benchmarks import too: vitest may only be imported where vitest runs.
 */
import { afterEach, beforeEach } from 'vitest';
import { createTempStore, type TempStore, type TestDatabaseKind } from './temp-store.js';

/**
 * A fresh store on `kind` for each test of the calling `describe` (none when `skipReason` says the database is not
 * available): the returned function gives the current test's store; each is cleaned up after its test.
 */
export function useTempStorePerTest(kind: TestDatabaseKind, skipReason?: string): () => TempStore {
  let temp: TempStore | undefined;
  beforeEach(async () => {
    if (skipReason) return;
    temp = await createTempStore(kind);
  });
  afterEach(async () => {
    await temp?.cleanup();
    temp = undefined;
  });
  return () => {
    if (!temp) throw new Error(`no temp store: ${skipReason ?? 'read it inside a test'}`);
    return temp;
  };
}
