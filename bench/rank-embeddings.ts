/** The `--embeddings` method of bench:rank: the tiny random-weight GGUF of the tests, a plumbing check of the local embedder, not a quality result. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LibraryItem } from '../src/core/library.js';
import type { Ranker } from '../src/core/rank.js';
import { createEmbeddingRanker, createMemoryEmbeddingCache } from '../src/rank/embedding/index.js';
import { createLlamaCppEmbedder } from '../src/rank/embedding/llama-cpp.js';
import { writeTinyGguf } from '../test/helpers/tiny-gguf.js';

export async function createTinyEmbeddingMethod(): Promise<{ name: string; make: (library: LibraryItem[]) => Ranker }> {
  const { path } = await writeTinyGguf(join(mkdtempSync(join(tmpdir(), 'xivdigest-bench-rank-')), 'tiny.gguf'), { seed: 1 });
  const embedder = createLlamaCppEmbedder({ modelPath: path, threads: 1, contextSize: 128 });
  // One cache for every target: the pool overlaps between targets, so the time column shows mostly cache hits after the first.
  const cache = createMemoryEmbeddingCache();
  return {
    name: 'embeddings, tiny random GGUF (PLUMBING CHECK: random weights, quality meaningless)',
    make: (library) => createEmbeddingRanker({ embedder, library, cache, now: new Date('2026-01-01T00:00:00Z') }),
  };
}
