/** Embedding ranker: cosine similarity between each candidate and each library item in an embedding space, with a cache per text. */
import { createHash } from 'node:crypto';
import { XivdigestError } from '../../core/errors.js';
import type { LibraryItem, RankFeedback } from '../../core/library.js';
import type { Paper } from '../../core/paper.js';
import type { RankedPaper, Ranker } from '../../core/rank.js';
import { byScore, calibrationSample, createCalibration, hasText, neutral, rankedByHiddenOnly, reasonText, weightLibrary } from '../shared.js';

/** Something that turns texts into vectors: an API or a local model. */
export interface Embedder {
  /** The model, part of every cache key: `text-embedding-3-small`, `nomic-embed-text-v1.5.Q8_0.gguf`. */
  model: string;
  /** One vector per text, in order. Backends batch as they need. */
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
  close?(): Promise<void>;
}

/** Where embeddings are kept between calls: in memory now; the store can implement the same two methods later. */
export interface EmbeddingCache {
  get(key: string): Float32Array | undefined;
  set(key: string, vector: Float32Array): void;
}

/** The cache key of a text's embedding: SHA-256 of the model and the text, hex, 32 characters. */
export function embeddingCacheKey(model: string, text: string): string {
  return createHash('sha256').update(model).update('\0').update(text).digest('hex').slice(0, 32);
}

/** An in-memory cache, bounded by entries (default 100 000; the oldest go first). */
export function createMemoryEmbeddingCache(maxEntries = 100_000): EmbeddingCache & { readonly size: number } {
  const entries = new Map<string, Float32Array>();
  return {
    get: (key) => entries.get(key),
    set(key, vector) {
      entries.delete(key);
      entries.set(key, vector);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    get size() {
      return entries.size;
    },
  };
}

/** The text embedded for a paper or a library item: title, a blank line, the abstract, cut at `maxChars`. */
export function embeddingText(title: string, abstract: string | undefined, maxChars = 2000): string {
  const text = abstract ? `${title.trim()}\n\n${abstract.trim()}` : title.trim();
  return text.length > maxChars ? text.slice(0, maxChars) : text;
}

export interface EmbeddingRankerOptions {
  /** The backend; or give `embed` and `model` instead. */
  embedder?: Embedder;
  /** A bare embedding function (with `model` naming it for the cache key), when there is no Embedder object. */
  embed?: (texts: string[]) => Promise<number[][]>;
  model?: string;
  library: LibraryItem[];
  feedback?: RankFeedback;
  now?: Date;
  /** Half-life of a library item's weight, in days (default 365). */
  halfLifeDays?: number;
  /** Nearest items in the score, as in the lexical ranker (default 5). */
  topK?: number;
  /** Push-down for papers like hidden ones (default 0.5). */
  hiddenPenalty?: number;
  /** Default: a fresh in-memory cache per ranker. */
  cache?: EmbeddingCache;
  signal?: AbortSignal;
}

/**
 * Creates the embedding ranker. Library and feedback texts are embedded on the first `rank()` and kept; candidate texts
 * go through the cache, so a text is embedded once per model. Scores are `0.6 · best + 0.4 · mean of the top k` of
 * `cosine · recency weight`, minus `hiddenPenalty · cosine to the nearest hidden paper`, floored at 0. The reason names
 * the nearest library item (embeddings have no shared terms). An empty library gives neutral scores, as the lexical
 * ranker does.
 */
export function createEmbeddingRanker(options: EmbeddingRankerOptions): Ranker & { cache: EmbeddingCache } {
  const embedder: Embedder | undefined = options.embedder ?? (options.embed ? { model: options.model ?? 'custom', embed: options.embed } : undefined);
  if (!embedder) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: 'The embedding ranker needs an embedder (or an embed function)',
      hint: 'Configure rank.embedding',
    });
  }
  const cache = options.cache ?? createMemoryEmbeddingCache();
  const topK = Math.max(1, options.topK ?? 5);
  const hiddenPenalty = options.hiddenPenalty ?? 0.5;
  const weighted = weightLibrary(options.library, options.feedback, {
    ...(options.now ? { now: options.now } : {}),
    ...(options.halfLifeDays !== undefined ? { halfLifeDays: options.halfLifeDays } : {}),
  });
  const hidden = (options.feedback?.hidden ?? []).filter(hasText);
  let reference: Promise<{ library: Float32Array[]; hidden: Float32Array[] }> | undefined;

  const embedAll = async (texts: string[]): Promise<Float32Array[]> => {
    const keys = texts.map((text) => embeddingCacheKey(embedder.model, text));
    const missing = [
      ...new Set(
        keys
          .map((key, index) => (cache.get(key) ? -1 : index))
          .filter((index) => index >= 0)
          .map((index) => texts[index]!),
      ),
    ];
    if (missing.length > 0) {
      const vectors = await embedder.embed(missing, options.signal);
      if (vectors.length !== missing.length) {
        throw new XivdigestError({
          code: 'LLM_OUTPUT_INVALID',
          message: `${embedder.model} returned ${vectors.length} embeddings for ${missing.length} texts`,
          hint: 'The embedding backend must return one vector per input text',
          details: { model: embedder.model },
        });
      }
      missing.forEach((text, index) => cache.set(embeddingCacheKey(embedder.model, text), normalize(vectors[index]!, embedder.model)));
    }
    return keys.map((key) => cache.get(key)!);
  };

  return {
    method: `embedding:${embedder.model}`,
    cache,
    async rank(papers: Paper[]): Promise<RankedPaper[]> {
      if (weighted.length === 0 && hidden.length === 0) return neutral(papers.map((paper) => paper.id));
      reference ??= (async () => ({
        library: await embedAll(weighted.map(({ item }) => embeddingText(item.title, item.abstract))),
        hidden: await embedAll(hidden.map((item) => embeddingText(item.title, item.abstract))),
      }))();
      // A failed first call must not stick: the next rank() tries again.
      const { library, hidden: hiddenVectors } = await reference.catch((error: unknown) => {
        reference = undefined;
        throw error;
      });
      const candidates = await embedAll(papers.map((paper) => embeddingText(paper.title, paper.abstract)));
      /** The hidden paper nearest to a candidate, when any is similar at all. */
      const nearestHiddenOf = (vector: Float32Array): { title: string; similarity: number } | undefined => {
        let nearest = 0;
        let similarity = -Infinity;
        hiddenVectors.forEach((hiddenVector, item) => {
          const value = dot(vector, hiddenVector);
          if (value > similarity) {
            similarity = value;
            nearest = item;
          }
        });
        return similarity > 0 ? { title: hidden[nearest]!.title, similarity } : undefined;
      };
      // No library and nothing starred, only hidden papers (decision 0051): papers like a hidden one sink, the rest keep their order.
      if (library.length === 0) return byScore(papers.map((paper, index) => rankedByHiddenOnly(paper.id, hiddenPenalty, nearestHiddenOf(candidates[index]!))));
      const dimension = library[0]!.length;
      /** `0.6 · best + 0.4 · mean of the top k` of similarity · weight, leaving out library item `leaveOut`. */
      const rawOf = (vector: Float32Array, leaveOut?: number) => {
        const similarities = library.map((item) => dot(vector, item));
        const order = similarities
          .map((similarity, item) => ({ item, value: Math.max(0, similarity) * weighted[item]!.weight }))
          .filter((entry) => entry.item !== leaveOut)
          .sort((a, b) => b.value - a.value)
          .slice(0, topK);
        return { similarities, order, score: 0.6 * order[0]!.value + 0.4 * (order.reduce((sum, entry) => sum + entry.value, 0) / order.length) };
      };
      // The library's own scale, as for the lexical ranker (decision 0022).
      const calibration = createCalibration(calibrationSample(library.length).map((item) => rawOf(library[item]!, item).score));
      const ranked = papers.map((paper, index): RankedPaper => {
        const vector = candidates[index]!;
        if (vector.length !== dimension) {
          throw new XivdigestError({
            code: 'LLM_OUTPUT_INVALID',
            message: `${embedder.model} returned a ${vector.length}-dimensional embedding for paper ${paper.id}, but ${dimension} for the library`,
            hint: 'Do not change the embedding model between library and candidates; clear the embedding cache after switching models',
            details: { model: embedder.model, paperId: paper.id },
          });
        }
        const raw = rawOf(vector);
        const { similarities } = raw;
        const best = raw.order[0]!;
        let score = raw.score;
        const penalty = nearestHiddenOf(vector);
        if (penalty) score = Math.max(0, score - hiddenPenalty * penalty.similarity);
        const nearestItem = weighted[best.item]!.item;
        const reason = {
          nearest: {
            title: nearestItem.title,
            ...(nearestItem.arxivId ? { arxivId: nearestItem.arxivId } : {}),
            similarity: round(similarities[best.item]!),
            ...(weighted[best.item]!.starred ? { starred: true as const } : {}),
          },
          terms: [] as string[],
          ...(penalty ? { hidden: { title: penalty.title, similarity: round(penalty.similarity) } } : {}),
        };
        return { paperId: paper.id, score: Math.round(calibration(score) * 1e6) / 1e6, reason: { ...reason, text: reasonText(reason, penalty) } };
      });
      return byScore(ranked);
    },
  };
}

function normalize(vector: number[], model: string): Float32Array {
  let norm = 0;
  for (const value of vector) {
    if (!Number.isFinite(value)) {
      throw new XivdigestError({ code: 'LLM_OUTPUT_INVALID', message: `${model} returned an embedding with a non-finite value`, details: { model } });
    }
    norm += value * value;
  }
  norm = Math.sqrt(norm) || 1;
  return Float32Array.from(vector, (value) => value / norm);
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let index = 0; index < a.length; index += 1) sum += a[index]! * b[index]!;
  return sum;
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
