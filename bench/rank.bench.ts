/**
 * `npx tsx bench/rank.bench.ts` (`npm run bench:rank`): offline evaluation of the rankers on real arXiv metadata, with
 * arXiv categories as relevance labels. For each target category a library of N papers from it, a pool of 2,000 other
 * papers (mixed categories); relevant = same primary category. Seeded, so every run draws the same splits.
 *
 * Options: `--library N[,N…]` (default 10,30), `--pool N` (default 2000), `--seed S` (default 42),
 * `--embeddings` (adds the tiny random-weight GGUF as a plumbing check: it needs the node-llama-cpp CPU binary).
 */
import { existsSync } from 'node:fs';
import type { LibraryItem } from '../src/core/library.js';
import type { Paper } from '../src/core/paper.js';
import type { Ranker } from '../src/core/rank.js';
import { createLexicalRanker } from '../src/rank/lexical/index.js';
import { fileInput } from '../src/sources/shared/document-input.js';
import { parseKaggle } from '../src/sources/kaggle/parse.js';
import { parseSeedCache } from '../src/sources/seed-cache/parse.js';
import { hasSharedFixtures, sharedFixture, sharedSkipReason } from '../test/helpers/shared-fixtures.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const librarySizes = (option('--library') ?? '10,30').split(',').map(Number);
const poolSize = Number(option('--pool') ?? 2000);
const seed = Number(option('--seed') ?? 42);
const withEmbeddings = args.includes('--embeddings');
const TARGETS = ['cs.CL', 'cs.CV', 'cs.IR', 'stat.ML', 'cs.RO', 'cs.CR'];

if (!hasSharedFixtures) {
  console.log(`bench:rank skipped: ${sharedSkipReason}`);
  process.exit(0);
}

/** mulberry32: a small seeded generator, so that splits are the same on every machine. */
function rng(state: number): () => number {
  let value = state >>> 0;
  return () => {
    value = (value + 0x6d2b79f5) >>> 0;
    let t = value;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

async function loadPapers(): Promise<{ papers: Paper[]; note: string }> {
  const papers: Paper[] = [];
  const corpus = sharedFixture('corpus', 'cn-chat-arxiv-papers-3000.jsonl');
  let corpusCount = 0;
  for await (const item of parseSeedCache(fileInput(corpus), { origin: corpus })) {
    // Only old-feed records name a category (in the title suffix); the rest cannot be labelled.
    if (item.type === 'record' && item.paper.categories.length > 0 && item.paper.abstract) {
      papers.push(item.paper);
      corpusCount += 1;
    }
  }
  const kaggle = sharedFixture('arxiv', 'kaggle-arxiv-metadata-oai-snapshot-first200.jsonl');
  let kaggleCount = 0;
  if (existsSync(kaggle)) {
    for await (const event of parseKaggle(fileInput(kaggle), { origin: kaggle })) {
      if (event.type === 'paper') {
        papers.push(event.paper);
        kaggleCount += 1;
      }
    }
  }
  const unique = [...new Map(papers.map((paper) => [paper.id, paper])).values()];
  return { papers: unique, note: `${corpusCount} labelled corpus papers + ${kaggleCount} Kaggle papers (${unique.length} unique)` };
}

function libraryItem(paper: Paper, random: () => number): LibraryItem {
  // Added dates spread over the two years before "now", so that recency weighting has something to act on.
  const added = new Date(Date.UTC(2025, 11, 31) - Math.floor(random() * 730) * 86_400_000).toISOString().slice(0, 10);
  return { title: paper.title, abstract: paper.abstract, authors: paper.authors.map((author) => author.name), arxivId: paper.id, added, source: 'bench' };
}

interface Metrics {
  precision10: number;
  ndcg10: number;
  averagePrecision: number;
  ms: number;
}

function evaluate(order: string[], relevant: Set<string>, ms: number): Metrics {
  const top = order.slice(0, 10);
  const hits = top.filter((id) => relevant.has(id)).length;
  let dcg = 0;
  top.forEach((id, index) => {
    if (relevant.has(id)) dcg += 1 / Math.log2(index + 2);
  });
  let ideal = 0;
  for (let index = 0; index < Math.min(10, relevant.size); index += 1) ideal += 1 / Math.log2(index + 2);
  let found = 0;
  let sum = 0;
  order.forEach((id, index) => {
    if (relevant.has(id)) {
      found += 1;
      sum += found / (index + 1);
    }
  });
  return { precision10: hits / 10, ndcg10: ideal ? dcg / ideal : 0, averagePrecision: relevant.size ? sum / relevant.size : 0, ms };
}

type Method = { name: string; make: (library: LibraryItem[]) => Ranker | 'random' };

const now = new Date('2026-01-01T00:00:00Z');
const methods: Method[] = [
  { name: 'random (baseline)', make: () => 'random' },
  { name: 'lexical tf-idf cosine (default, k=5)', make: (library) => createLexicalRanker({ library, now }) },
  { name: 'lexical tf-idf, no recency (half-life 10⁶ d)', make: (library) => createLexicalRanker({ library, now, halfLifeDays: 1e6 }) },
  { name: 'lexical tf-idf, nearest only (k=1)', make: (library) => createLexicalRanker({ library, now, topK: 1 }) },
  { name: 'lexical tf-idf, k=10', make: (library) => createLexicalRanker({ library, now, topK: 10 }) },
  { name: 'lexical BM25', make: (library) => createLexicalRanker({ library, now, scoring: 'bm25' }) },
];

if (withEmbeddings) {
  const { createTinyEmbeddingMethod } = await import('./rank-embeddings.js');
  methods.push(await createTinyEmbeddingMethod());
}

const { papers, note } = await loadPapers();
const rows: Array<{ method: string; size: number; metrics: Metrics[]; base: number[] }> = [];
for (const size of librarySizes) {
  for (const method of methods) rows.push({ method: method.name, size, metrics: [], base: [] });
}

const perTarget: string[] = [];
const SCALE_THRESHOLDS = [0.05, 0.1, 0.2, 0.3, 0.5];
const scale: Array<{ size: number; threshold: number; relevant: number; other: number }> = [];
const share = (scores: number[], threshold: number): number => scores.filter((score) => score >= threshold).length / Math.max(1, scores.length);
for (const target of TARGETS) {
  const random = rng(seed ^ target.split('').reduce((hash, char) => Math.imul(hash, 31) + char.charCodeAt(0), 7));
  const inTarget = shuffle(
    papers.filter((paper) => paper.categories[0] === target),
    random,
  );
  for (const size of librarySizes) {
    if (inTarget.length < size + 20) {
      perTarget.push(`${target}: only ${inTarget.length} papers, library ${size} skipped`);
      continue;
    }
    const libraryPapers = inTarget.slice(0, size);
    const libraryIds = new Set(libraryPapers.map((paper) => paper.id));
    const library = libraryPapers.map((paper) => libraryItem(paper, random));
    const pool = shuffle(
      papers.filter((paper) => !libraryIds.has(paper.id)),
      random,
    ).slice(0, poolSize);
    const relevant = new Set(pool.filter((paper) => paper.categories[0] === target).map((paper) => paper.id));
    for (const method of methods) {
      const ranker = method.make(library);
      const started = performance.now();
      const rankedPool = ranker === 'random' ? undefined : await ranker.rank(pool);
      const order = rankedPool
        ? rankedPool.map((entry) => entry.paperId)
        : shuffle(
            pool.map((paper) => paper.id),
            rng(seed + size),
          );
      if (rankedPool && method.name.includes('(default')) {
        // The score scale (0-1 against the library's own papers): what a threshold keeps.
        const relevantScores = rankedPool.filter((entry) => relevant.has(entry.paperId)).map((entry) => entry.score);
        const otherScores = rankedPool.filter((entry) => !relevant.has(entry.paperId)).map((entry) => entry.score);
        for (const threshold of SCALE_THRESHOLDS) {
          scale.push({ size, threshold, relevant: share(relevantScores, threshold), other: share(otherScores, threshold) });
        }
      }
      const ms = performance.now() - started;
      const row = rows.find((candidate) => candidate.method === method.name && candidate.size === size)!;
      row.metrics.push(evaluate(order, relevant, ms));
      row.base.push(relevant.size / pool.length);
    }
    perTarget.push(`${target}, library ${size}: pool ${pool.length}, ${relevant.size} relevant (${((100 * relevant.size) / pool.length).toFixed(1)} %)`);
  }
}

const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
console.log(`# bench:rank — ${note}; seed ${seed}; targets ${TARGETS.join(', ')}; pool ${poolSize}`);
console.log('');
for (const line of perTarget) console.log(`- ${line}`);
console.log('');
console.log('Means over the targets. Relevant = same primary arXiv category as the library. Time: one rank() of the whole pool, this machine.');
console.log('Library `added` dates are drawn at random, so the recency rows show only that recency weighting costs little when dates carry no signal.');
console.log('');
console.log('| method | library | P@10 | nDCG@10 | MAP | rank time (ms) | relevant share |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) {
  if (row.metrics.length === 0) continue;
  console.log(
    `| ${row.method} | ${row.size} | ${mean(row.metrics.map((m) => m.precision10)).toFixed(3)} | ${mean(row.metrics.map((m) => m.ndcg10)).toFixed(3)} | ` +
      `${mean(row.metrics.map((m) => m.averagePrecision)).toFixed(3)} | ${mean(row.metrics.map((m) => m.ms)).toFixed(0)} | ${mean(row.base).toFixed(3)} |`,
  );
}

console.log('');
console.log('Score scale of the default (0-1 against the library): share of the pool at or above a threshold, means over the targets.');
console.log('');
console.log('| library | threshold | relevant kept | others kept |');
console.log('| ---: | ---: | ---: | ---: |');
for (const size of librarySizes) {
  for (const threshold of SCALE_THRESHOLDS) {
    const rowsAt = scale.filter((entry) => entry.size === size && entry.threshold === threshold);
    if (rowsAt.length === 0) continue;
    console.log(
      `| ${size} | ${threshold} | ${mean(rowsAt.map((entry) => entry.relevant)).toFixed(3)} | ${mean(rowsAt.map((entry) => entry.other)).toFixed(3)} |`,
    );
  }
}
