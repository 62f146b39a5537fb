/** What every ranker shares: recency weights, feedback as weighted library items, ordering, and reason lines. */
import type { LibraryItem, RankFeedback } from '../core/library.js';
import type { RankedPaper, RankReason } from '../core/rank.js';

const DAY_MS = 86_400_000;

/** A library item with the weight ranking gives it. */
export interface WeightedItem {
  item: LibraryItem;
  /** Recency weight in (0, 1]; starred papers 1. */
  weight: number;
  /** Whether it came from feedback (starred). */
  starred: boolean;
}

export interface RecencyOptions {
  now?: Date;
  /** Half-life of a library item's weight, in days (default 365). */
  halfLifeDays?: number;
  /** The least weight an old item keeps (default 0.3), so that a reader's classics still count. */
  floor?: number;
}

/** When the reader added an item: `added`, else the middle of its `year`; undefined when neither is known. */
export function itemTime(item: LibraryItem): number | undefined {
  if (item.added) {
    const time = Date.parse(item.added);
    if (!Number.isNaN(time)) return time;
  }
  if (item.year !== undefined) return Date.UTC(item.year, 6, 1);
  return undefined;
}

/**
 * Exponential decay by age: `floor + (1 - floor) · 0.5^(age / halfLife)`. An item without a date counts as one
 * half-life old; an item dated in the future counts as new.
 */
export function recencyWeight(item: LibraryItem, options: RecencyOptions = {}): number {
  const now = (options.now ?? new Date()).getTime();
  const halfLifeDays = options.halfLifeDays ?? 365;
  const floor = options.floor ?? 0.3;
  const time = itemTime(item);
  const ageDays = time === undefined ? halfLifeDays : Math.max(0, (now - time) / DAY_MS);
  return floor + (1 - floor) * 0.5 ** (ageDays / halfLifeDays);
}

/** The library plus starred feedback, weighted; items without any text are left out (resolve id-only items first). */
export function weightLibrary(library: LibraryItem[], feedback: RankFeedback | undefined, options: RecencyOptions): WeightedItem[] {
  const weighted: WeightedItem[] = [];
  for (const item of library) {
    if (!hasText(item)) continue;
    weighted.push({ item, weight: recencyWeight(item, options), starred: false });
  }
  // Starred papers are the freshest signal there is: full weight, whatever their date.
  for (const item of feedback?.starred ?? []) {
    if (hasText(item)) weighted.push({ item, weight: 1, starred: true });
  }
  return weighted;
}

export function hasText(item: LibraryItem): boolean {
  return item.title.trim() !== '' || (item.abstract ?? '').trim() !== '';
}

/** Sorts by score, highest first; ties keep the input order (Array.prototype.sort is stable). */
export function byScore(ranked: RankedPaper[]): RankedPaper[] {
  return ranked.sort((a, b) => b.score - a.score);
}

/** The score every paper gets when there is nothing to compare with. */
export function neutral(paperIds: string[], text = 'no library'): RankedPaper[] {
  return paperIds.map((paperId) => ({ paperId, score: 0, reason: { terms: [], text } }));
}

/**
 * The score of a paper when the reader has no library and no starred paper but has hidden some (decision 0051): every
 * paper starts at this neutral middle and loses `hiddenPenalty · similarity to the nearest hidden paper`, so papers like
 * a hidden one sink below the rest while the others keep their order.
 */
export const HIDDEN_ONLY_BASE = 0.5;

/** A paper ranked by hidden papers alone (no library, nothing starred), with its reason line. */
export function rankedByHiddenOnly(paperId: string, hiddenPenalty: number, penalty?: { title: string; similarity: number }): RankedPaper {
  const similarity = penalty && penalty.similarity > 0 ? penalty.similarity : 0;
  const score = Math.max(0, HIDDEN_ONLY_BASE - hiddenPenalty * similarity);
  const text =
    similarity > 0 ? `no library; lowered: like hidden "${shorten(penalty!.title)}" (${similarity.toFixed(2)})` : 'no library; not like any hidden paper';
  return {
    paperId,
    score: Math.round(score * 1e6) / 1e6,
    reason: { terms: [], ...(similarity > 0 ? { hidden: { title: penalty!.title, similarity: Math.round(similarity * 10_000) / 10_000 } } : {}), text },
  };
}

/** `close to "Attention Is All You Need" (0.42): transformer, attention`, plus a note when hidden papers pulled it down. */
export function reasonText(reason: Omit<RankReason, 'text'>, penalty?: { title: string; similarity: number }): string {
  let text = reason.nearest ? `close to "${shorten(reason.nearest.title)}" (${reason.nearest.similarity.toFixed(2)})` : 'nothing similar in the library';
  if (reason.terms.length > 0) text += `: ${reason.terms.join(', ')}`;
  if (penalty && penalty.similarity > 0) text += `; lowered: like hidden "${shorten(penalty.title)}" (${penalty.similarity.toFixed(2)})`;
  return text;
}

function shorten(title: string, max = 80): string {
  return title.length > max ? `${title.slice(0, max - 1)}…` : title;
}

/** At most this many library items set the scale (evenly spaced), so that a large library costs O(200 · n), not O(n²). */
const CALIBRATION_ITEMS = 200;

/** Which library items set the scale: all of them up to 200, else 200 evenly spaced; none for a library of one. */
export function calibrationSample(size: number): number[] {
  if (size < 2) return [];
  const count = Math.min(size, CALIBRATION_ITEMS);
  return Array.from({ length: count }, (_, index) => Math.floor((index * size) / count));
}

/**
 * The documented score scale (README, "ranking"; decision 0022): a raw similarity score mapped onto the library's own
 * papers. `reference` holds how each library item scores against the rest of the library (leave one out). Sorted,
 * the i-th of n sits at (i − ½)/n; a raw score between two of them is interpolated, below the least it falls linearly
 * to 0 at raw 0, above the greatest it rises linearly to 1 at raw 1. So 0.5 reads "as close to the library as its
 * median paper is to the rest of it", 1 "closer than any of its papers", 0 "nothing in common". The map is increasing,
 * so the order is the raw one. With fewer than two items there is nothing to compare with: the raw score is kept.
 */
export function createCalibration(reference: number[]): (raw: number) => number {
  const sorted = reference.filter((value) => Number.isFinite(value) && value > 0).sort((a, b) => a - b);
  if (sorted.length === 0) return (raw) => Math.min(1, Math.max(0, raw));
  const n = sorted.length;
  const at = (index: number): number => (index + 0.5) / n;
  return (raw) => {
    if (!(raw > 0)) return 0;
    if (raw <= sorted[0]!) return (at(0) * raw) / sorted[0]!;
    const last = sorted[n - 1]!;
    if (raw >= last) return last >= 1 ? 1 : Math.min(1, at(n - 1) + ((1 - at(n - 1)) * (raw - last)) / (1 - last));
    let low = 0;
    while (sorted[low + 1]! < raw) low += 1;
    const span = sorted[low + 1]! - sorted[low]!;
    return span > 0 ? at(low) + ((at(low + 1) - at(low)) * (raw - sorted[low]!)) / span : at(low + 1);
  };
}
