/**
 * The native ranking function `xivdigest_bm25` (native/xivdigest-fts.c, docs/decisions/0054-native-bm25.md): FTS5's
 * BM25 with the IDFs given by the caller, so that a query need not walk every match of each phrase to count them.
 * `npm run build` compiles it beside the JavaScript (scripts/build-native.mjs); where no C compiler was found the file
 * is missing, and search ranks with FTS5's own bm25() instead: the same order on a small archive, slower on a large one.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';

/** The compiled extension's file name on this platform. */
export function nativeRankFileName(platform: NodeJS.Platform = process.platform): string {
  return `xivdigest-fts${platform === 'win32' ? '.dll' : platform === 'darwin' ? '.dylib' : '.so'}`;
}

/** dist/native/<file> from the package root (this file is src/store/kysely/search/ or dist/store/kysely/search/). */
export const NATIVE_RANK_PATH = fileURLToPath(new URL(`../../../../dist/native/${nativeRankFileName()}`, import.meta.url));

let state: { loaded: boolean; reason?: string } | undefined;

/**
 * Loads the extension into a connection; true when `xivdigest_bm25` is available there. Every SQLite connection of
 * the process loads it, so one answer holds for all of them: after a failure no further connection tries.
 */
export function loadNativeRank(database: Database.Database): boolean {
  if (state?.loaded === false) return false;
  if (!existsSync(NATIVE_RANK_PATH)) {
    state = { loaded: false, reason: `${NATIVE_RANK_PATH} is missing (npm run build compiles it with a C compiler)` };
    return false;
  }
  try {
    database.loadExtension(NATIVE_RANK_PATH);
    state = { loaded: true };
    return true;
  } catch (cause) {
    state = { loaded: false, reason: `${NATIVE_RANK_PATH} did not load: ${cause instanceof Error ? cause.message : String(cause)}` };
    return false;
  }
}

/** Turns the native ranking off for the connections opened from now on (bench:search compares the two). */
export function disableNativeRank(reason: string): void {
  state = { loaded: false, reason };
}

/** Whether this process's SQLite connections rank with `xivdigest_bm25`, and why not. */
export function nativeRankStatus(): { loaded: boolean; reason?: string } {
  return state ?? { loaded: false, reason: 'no SQLite store was opened' };
}
