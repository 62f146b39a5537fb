/** The default, offline ranker: tf-idf cosine (or BM25) between each candidate and each library item, newest items weighing most. */
import type { LibraryItem, RankFeedback } from '../../core/library.js';
import type { Paper } from '../../core/paper.js';
import type { RankedPaper, Ranker } from '../../core/rank.js';
import { terms } from '../text.js';
import { byScore, calibrationSample, createCalibration, neutral, rankedByHiddenOnly, reasonText, weightLibrary, type WeightedItem } from '../shared.js';

export type LexicalScoring = 'tfidf' | 'bm25';

export interface LexicalRankerOptions {
  library: LibraryItem[];
  feedback?: RankFeedback;
  /** The reference time for recency weights (default: now). */
  now?: Date;
  /** Half-life of a library item's weight, in days (default 365). */
  halfLifeDays?: number;
  /** `tfidf` (default): cosine of sublinear tf-idf vectors. `bm25`: Okapi BM25 of the candidate against each item, normalized. */
  scoring?: LexicalScoring;
  /**
   * How many of the nearest library items make the score (default 5): `0.6 · best + 0.4 · mean of the top k`, each
   * similarity times the item's recency weight. One close item matters most; several agree more.
   */
  topK?: number;
  /** How hard a paper like a hidden one is pushed down: `score − penalty · similarity to the nearest hidden` (default 0.5). */
  hiddenPenalty?: number;
  /** Shared terms named in a reason (default 4). */
  reasonTerms?: number;
}

export const metadata = { id: 'lexical', requires: [] as string[] };

// Title words say more about the topic than abstract words: they count twice.
const TITLE_WEIGHT = 2;
const BM25_K1 = 1.2;
const BM25_B = 0.75;

interface Document {
  /** term id → raw (title-weighted) count. */
  counts: Map<number, number>;
  length: number;
}

/**
 * Creates the lexical ranker. Documents are title (twice) + abstract, tokenized, stop words removed, stemmed. Document
 * frequencies come from the library and the candidates of each `rank()` call together, so that words common in today's
 * feed count for little. With no usable library item (and nothing starred) every paper scores 0 with the reason
 * "no library", in input order: ranking is optional and a digest without it still works (decision 0014); with hidden
 * papers only, papers like them sink below the rest (decision 0051).
 */
export function createLexicalRanker(options: LexicalRankerOptions): Ranker {
  const scoring = options.scoring ?? 'tfidf';
  const topK = Math.max(1, options.topK ?? 5);
  const hiddenPenalty = options.hiddenPenalty ?? 0.5;
  const reasonTerms = options.reasonTerms ?? 4;
  const weighted = weightLibrary(options.library, options.feedback, {
    ...(options.now ? { now: options.now } : {}),
    ...(options.halfLifeDays !== undefined ? { halfLifeDays: options.halfLifeDays } : {}),
  });
  const hidden = (options.feedback?.hidden ?? []).filter((item) => item.title.trim() || item.abstract?.trim());

  // The vocabulary and library documents are built once; idf is recomputed per call.
  const vocabulary = new Map<string, number>();
  const surface: string[] = [];
  const documentOf = (title: string, abstract: string | undefined): Document => {
    const counts = new Map<number, number>();
    let length = 0;
    const add = (text: string, weight: number): void => {
      for (const [stemmed, word] of terms(text)) {
        let id = vocabulary.get(stemmed);
        if (id === undefined) {
          id = surface.length;
          vocabulary.set(stemmed, id);
          surface.push(word);
        }
        counts.set(id, (counts.get(id) ?? 0) + weight);
        length += weight;
      }
    };
    add(title, TITLE_WEIGHT);
    if (abstract) add(abstract, 1);
    return { counts, length };
  };
  const libraryDocuments = weighted.map(({ item }) => documentOf(item.title, item.abstract));
  const hiddenDocuments = hidden.map((item) => documentOf(item.title, item.abstract));

  return {
    method: `lexical-${scoring}`,
    async rank(papers: Paper[]): Promise<RankedPaper[]> {
      if (weighted.length === 0 && hiddenDocuments.length === 0) return neutral(papers.map((paper) => paper.id));
      const candidates = papers.map((paper) => documentOf(paper.title, paper.abstract));
      const all = [...libraryDocuments, ...hiddenDocuments, ...candidates];
      const documentFrequency = new Float64Array(surface.length);
      for (const document of all) for (const id of document.counts.keys()) documentFrequency[id]! += 1;
      const total = all.length;
      // Smoothed idf (as scikit-learn's smooth_idf): never zero, never negative.
      const idf = (id: number): number => Math.log((1 + total) / (1 + documentFrequency[id]!)) + 1;

      const vectorOf = (document: Document): Map<number, number> => {
        const vector = new Map<number, number>();
        let norm = 0;
        for (const [id, count] of document.counts) {
          const value = (1 + Math.log(count)) * idf(id);
          vector.set(id, value);
          norm += value * value;
        }
        norm = Math.sqrt(norm) || 1;
        for (const [id, value] of vector) vector.set(id, value / norm);
        return vector;
      };

      // Inverted indexes: term → [(item, weight of the term in the item)].
      const averageLength = libraryDocuments.reduce((sum, document) => sum + document.length, 0) / Math.max(1, libraryDocuments.length);
      const libraryVectors = libraryDocuments.map((document) => (scoring === 'tfidf' ? vectorOf(document) : bm25Weights(document, averageLength)));
      const libraryIndex = invert(libraryVectors);
      const hiddenIndex = invert(hiddenDocuments.map(vectorOf));
      const similarities = new Float64Array(libraryVectors.length);
      const hiddenSimilarities = new Float64Array(hiddenDocuments.length);

      /** The raw score of a document against the library (leaving out item `leaveOut`): `0.6 · best + 0.4 · mean of top k`. */
      const rawScore = (document: Document, query: Map<number, number>, leaveOut?: number): { score: number; best: number } => {
        similarities.fill(0);
        if (scoring === 'tfidf') accumulate(query, libraryIndex, similarities);
        else {
          // BM25: the document's terms are the query (each once, weighted by idf); normalized by the best a document could do.
          const bm25Query = new Map<number, number>();
          let ceiling = 0;
          for (const id of document.counts.keys()) {
            bm25Query.set(id, idf(id));
            ceiling += idf(id) * (BM25_K1 + 1);
          }
          accumulate(bm25Query, libraryIndex, similarities);
          for (let item = 0; item < similarities.length; item += 1) similarities[item] = similarities[item]! / (ceiling || 1);
        }
        if (leaveOut !== undefined) similarities[leaveOut] = -1;
        // The nearest items by weighted similarity.
        const order = topIndexes(similarities, weighted, leaveOut === undefined ? topK : Math.min(topK, weighted.length - 1));
        const best = order[0]!;
        const bestScore = Math.max(0, similarities[best]! * weighted[best]!.weight);
        const meanTop = order.reduce((sum, item) => sum + Math.max(0, similarities[item]! * weighted[item]!.weight), 0) / order.length;
        return { score: 0.6 * bestScore + 0.4 * meanTop, best };
      };

      /** The hidden paper nearest to a candidate, when any shares a term with it. */
      const nearestHiddenOf = (query: Map<number, number>): { title: string; similarity: number } | undefined => {
        if (hiddenDocuments.length === 0) return undefined;
        hiddenSimilarities.fill(0);
        accumulate(query, hiddenIndex, hiddenSimilarities);
        let nearestHidden = 0;
        for (let item = 1; item < hiddenSimilarities.length; item += 1)
          if (hiddenSimilarities[item]! > hiddenSimilarities[nearestHidden]!) nearestHidden = item;
        const similarity = hiddenSimilarities[nearestHidden]!;
        return similarity > 0 ? { title: hidden[nearestHidden]!.title, similarity } : undefined;
      };

      // No library and nothing starred, only hidden papers (decision 0051): papers like a hidden one sink, the rest keep their order.
      if (weighted.length === 0)
        return byScore(papers.map((paper, index) => rankedByHiddenOnly(paper.id, hiddenPenalty, nearestHiddenOf(vectorOf(candidates[index]!)))));

      // The library's own scale: how each of its items scores against the rest of it (decision 0022).
      const calibration = createCalibration(
        calibrationSample(weighted.length).map((item) => rawScore(libraryDocuments[item]!, vectorOf(libraryDocuments[item]!), item).score),
      );

      const ranked = papers.map((paper, index): RankedPaper => {
        const candidate = candidates[index]!;
        const query = vectorOf(candidate);
        const { best, score: raw } = rawScore(candidate, query);
        const bestScore = similarities[best]! * weighted[best]!.weight;
        let score = raw;

        const penalty = nearestHiddenOf(query);
        if (penalty) score = Math.max(0, score - hiddenPenalty * penalty.similarity);

        const nearestItem = weighted[best]!.item;
        const shared = bestScore > 0 ? sharedTerms(query, libraryVectors[best]!, reasonTerms).map((id) => surface[id]!) : [];
        const nearest =
          bestScore > 0
            ? {
                title: nearestItem.title,
                ...(nearestItem.arxivId ? { arxivId: nearestItem.arxivId } : {}),
                similarity: round(similarities[best]!),
                ...(weighted[best]!.starred ? { starred: true as const } : {}),
              }
            : undefined;
        const reason = {
          ...(nearest ? { nearest } : {}),
          terms: shared,
          ...(penalty ? { hidden: { title: penalty.title, similarity: round(penalty.similarity) } } : {}),
        };
        return { paperId: paper.id, score: Math.round(calibration(score) * 1e6) / 1e6, reason: { ...reason, text: reasonText(reason, penalty) } };
      });
      return byScore(ranked);
    },
  };
}

/** BM25 term weights of a library document (the document side of Okapi BM25). */
function bm25Weights(document: Document, averageLength: number): Map<number, number> {
  const weights = new Map<number, number>();
  const norm = BM25_K1 * (1 - BM25_B + (BM25_B * document.length) / (averageLength || 1));
  for (const [id, count] of document.counts) weights.set(id, (count * (BM25_K1 + 1)) / (count + norm));
  return weights;
}

function invert(vectors: Array<Map<number, number>>): Map<number, Array<[number, number]>> {
  const index = new Map<number, Array<[number, number]>>();
  vectors.forEach((vector, item) => {
    for (const [id, value] of vector) {
      let postings = index.get(id);
      if (!postings) index.set(id, (postings = []));
      postings.push([item, value]);
    }
  });
  return index;
}

function accumulate(query: Map<number, number>, index: Map<number, Array<[number, number]>>, into: Float64Array): void {
  for (const [id, value] of query) {
    const postings = index.get(id);
    if (!postings) continue;
    for (const [item, weight] of postings) into[item]! += value * weight;
  }
}

/** Indexes of the k largest `similarity · weight`, best first. */
function topIndexes(similarities: Float64Array, weighted: WeightedItem[], k: number): number[] {
  const top: number[] = [];
  for (let item = 0; item < similarities.length; item += 1) {
    const value = similarities[item]! * weighted[item]!.weight;
    if (top.length === k && value <= similarities[top[k - 1]!]! * weighted[top[k - 1]!]!.weight) continue;
    let at = top.length;
    while (at > 0 && similarities[top[at - 1]!]! * weighted[top[at - 1]!]!.weight < value) at -= 1;
    top.splice(at, 0, item);
    if (top.length > k) top.pop();
  }
  return top;
}

/** The terms that contribute most to the similarity of two vectors. */
function sharedTerms(a: Map<number, number>, b: Map<number, number>, count: number): number[] {
  const shared: Array<[number, number]> = [];
  for (const [id, value] of a) {
    const other = b.get(id);
    if (other) shared.push([id, value * other]);
  }
  return shared
    .sort((x, y) => y[1] - x[1])
    .slice(0, count)
    .map(([id]) => id);
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
