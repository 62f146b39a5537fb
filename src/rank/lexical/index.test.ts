/** Tests of the lexical ranker: nearest items and shared terms, recency, starred and hidden feedback, the empty library. */
import { describe, expect, it } from 'vitest';
import type { LibraryItem } from '../../core/library.js';
import type { Paper } from '../../core/paper.js';
import { createLexicalRanker } from './index.js';

function paper(id: string, title: string, abstract: string): Paper {
  return {
    id,
    version: 1,
    title,
    abstract,
    authors: [],
    categories: [],
    links: { abs: `https://arxiv.org/abs/${id}` },
    versions: [{ version: 1 }],
    source: 'arxiv-rss',
  };
}

function item(title: string, abstract: string, extra: Partial<LibraryItem> = {}): LibraryItem {
  return { title, abstract, authors: [], source: 'test', ...extra };
}

const now = new Date('2026-01-01T00:00:00Z');

const library = [
  item('Attention Is All You Need', 'Sequence transduction with a transformer built solely on attention mechanisms, dispensing with recurrence.', {
    arxivId: '1706.03762',
    added: '2025-12-01',
  }),
  item(
    'Dense Passage Retrieval for Open-Domain Question Answering',
    'Retrieval of passages with dense embeddings learned by a dual encoder for question answering.',
    {
      added: '2025-11-15',
    },
  ),
];

const candidates = [
  paper('2601.00001', 'Galaxy Cluster Masses from Weak Lensing', 'We measure galaxy cluster masses with weak gravitational lensing of background galaxies.'),
  paper('2601.00002', 'Sparse Attention Transformers for Long Sequences', 'A transformer whose attention is sparse, so that long sequences cost linear time.'),
  paper('2601.00003', 'Tropical Rainfall Variability', 'Rainfall over the tropics varies with ocean temperature cycles.'),
  paper(
    '2601.00004',
    'Dense Retrieval with Hard Negatives for Question Answering',
    'Dense passage retrieval improves when the dual encoder trains on hard negatives.',
  ),
];

describe('createLexicalRanker', () => {
  it('ranks papers close to the library first and explains with the nearest item and shared terms', async () => {
    const ranker = createLexicalRanker({ library, now });
    expect(ranker.method).toBe('lexical-tfidf');
    const ranked = await ranker.rank(candidates);
    expect(
      ranked
        .map((entry) => entry.paperId)
        .slice(0, 2)
        .sort(),
    ).toEqual(['2601.00002', '2601.00004']);
    const sparse = ranked.find((entry) => entry.paperId === '2601.00002')!;
    expect(sparse.reason.nearest).toMatchObject({ title: 'Attention Is All You Need', arxivId: '1706.03762' });
    expect(sparse.reason.terms).toEqual(expect.arrayContaining(['attention', 'transformer']));
    expect(sparse.reason.text).toMatch(/^close to "Attention Is All You Need" \(0\.\d\d\): /);
    for (const unrelated of ['2601.00001', '2601.00003']) {
      const entry = ranked.find((rankedPaper) => rankedPaper.paperId === unrelated)!;
      expect(entry.score).toBe(0);
      expect(entry.reason).toEqual({ terms: [], text: 'nothing similar in the library' });
    }
    for (const entry of ranked) expect(entry.score).toBeGreaterThanOrEqual(0);
    for (const entry of ranked) expect(entry.score).toBeLessThanOrEqual(1);
  });

  it('ranks with BM25 too', async () => {
    const ranked = await createLexicalRanker({ library, now, scoring: 'bm25' }).rank(candidates);
    expect(
      ranked
        .map((entry) => entry.paperId)
        .slice(0, 2)
        .sort(),
    ).toEqual(['2601.00002', '2601.00004']);
    expect(ranked[3]!.score).toBe(0);
  });

  it('weighs recently added items more, by the half-life', async () => {
    const dated = [
      { ...library[0]!, added: '2015-01-01' },
      { ...library[1]!, added: '2025-12-20' },
    ];
    const recentFirst = await createLexicalRanker({ library: dated, now, halfLifeDays: 180 }).rank(candidates);
    expect(recentFirst[0]!.paperId).toBe('2601.00004');
    const swapped = [
      { ...library[0]!, added: '2025-12-20' },
      { ...library[1]!, added: '2015-01-01' },
    ];
    const otherFirst = await createLexicalRanker({ library: swapped, now, halfLifeDays: 180 }).rank(candidates);
    expect(otherFirst[0]!.paperId).toBe('2601.00002');
    // The year stands in for a missing added date.
    const byYear = [
      { ...library[0]!, added: undefined, year: 2010 },
      { ...library[1]!, added: undefined, year: 2025 },
    ];
    expect((await createLexicalRanker({ library: byYear, now, halfLifeDays: 180 }).rank(candidates))[0]!.paperId).toBe('2601.00004');
  });

  it('counts starred papers as strong library items and pushes papers like hidden ones down', async () => {
    const starred = [item('Weak Lensing Mass Calibration of Galaxy Clusters', 'Cluster masses calibrated with weak lensing shear.')];
    const withStar = await createLexicalRanker({ library, now, feedback: { starred, hidden: [] } }).rank(candidates);
    const lensing = withStar.find((entry) => entry.paperId === '2601.00001')!;
    expect(lensing.score).toBeGreaterThan(0);
    expect(lensing.reason.nearest?.title).toBe('Weak Lensing Mass Calibration of Galaxy Clusters');

    const before = (await createLexicalRanker({ library, now }).rank(candidates)).find((entry) => entry.paperId === '2601.00002')!;
    const hidden = [item('Sparse Attention Is Not Needed', 'Sparse attention for long sequences in transformers.')];
    const after = (await createLexicalRanker({ library, now, feedback: { starred: [], hidden } }).rank(candidates)).find(
      (entry) => entry.paperId === '2601.00002',
    )!;
    expect(after.score).toBeLessThan(before.score);
    expect(after.reason.text).toMatch(/lowered: like hidden "Sparse Attention Is Not Needed"/);
  });

  it('gives neutral scores with the reason "no library" when the library has no text, in input order', async () => {
    const ranker = createLexicalRanker({ library: [{ title: '', authors: [], arxivId: '1706.03762', source: 'ids:1' }] });
    const ranked = await ranker.rank(candidates);
    expect(ranked.map((entry) => entry.paperId)).toEqual(candidates.map((candidate) => candidate.id));
    expect(ranked[0]).toEqual({ paperId: '2601.00001', score: 0, reason: { terms: [], text: 'no library' } });
    expect(await createLexicalRanker({ library: [] }).rank([])).toEqual([]);
  });

  it('with no library and only hidden papers, sinks papers like a hidden one and keeps the others in input order (decision 0051)', async () => {
    const hidden = [item('Sparse Attention Is Not Needed', 'Sparse attention for long sequences in transformers.')];
    const ranked = await createLexicalRanker({ library: [], now, feedback: { starred: [], hidden } }).rank(candidates);
    expect(ranked.map((entry) => entry.paperId)).toEqual(['2601.00001', '2601.00003', '2601.00004', '2601.00002']);
    expect(ranked[0]).toEqual({ paperId: '2601.00001', score: 0.5, reason: { terms: [], text: 'no library; not like any hidden paper' } });
    const sunk = ranked[3]!;
    expect(sunk.score).toBeLessThan(0.5);
    expect(sunk.score).toBeGreaterThanOrEqual(0);
    expect(sunk.reason.text).toMatch(/^no library; lowered: like hidden "Sparse Attention Is Not Needed" \(0\.\d\d\)$/);
  });
});

describe('the lexical score scale (0–1, against the library’s own papers)', () => {
  const topics = [
    [
      'Instruction Tuning of Large Language Models',
      'We tune a large language model on instructions written by people and measure how well the language model follows new instructions.',
    ],
    [
      'Retrieval-Augmented Language Models for Question Answering',
      'A language model retrieves passages before answering questions; retrieval reduces hallucinated answers of large language models.',
    ],
    [
      'Reward Models for Aligning Large Language Models',
      'Reward models trained on human preferences steer large language models through reinforcement learning from human feedback.',
    ],
    ['Evaluating Reasoning in Large Language Models', 'We evaluate the step-by-step reasoning of large language models on arithmetic and logic benchmarks.'],
    ['Efficient Inference for Large Language Models', 'Quantization and caching make inference of large language models cheaper on a single accelerator.'],
  ];
  const five = topics.map(([title, abstract]) => item(title!, abstract!, { added: '2025-12-01' }));

  it('scores a paper like the library’s own near the middle, one like none of them near 0', async () => {
    const ranked = await createLexicalRanker({ library: five, now }).rank([
      paper(
        '2601.00010',
        'Preference Optimization for Aligning Language Models with Human Feedback',
        'Large language models are aligned with human preferences without a separate reward model, using feedback from people.',
      ),
      paper(
        '2601.00011',
        'Benchmarking Arithmetic Reasoning of Language Models',
        'A benchmark of arithmetic word problems evaluates step-by-step reasoning of large language models.',
      ),
      paper(
        '2601.00012',
        'Galaxy Cluster Masses from Weak Lensing',
        'We measure galaxy cluster masses with weak gravitational lensing of background galaxies.',
      ),
      paper(
        '2601.00013',
        'Soil Moisture and Crop Yields',
        'Soil moisture measured by satellites predicts crop yields across a season; we evaluate the model on farms.',
      ),
    ]);
    const score = (id: string) => ranked.find((entry) => entry.paperId === id)!.score;
    for (const id of ['2601.00010', '2601.00011']) expect(score(id), id).toBeGreaterThan(0.3);
    for (const id of ['2601.00012', '2601.00013']) expect(score(id), id).toBeLessThan(0.1);
    for (const entry of ranked) expect(entry.score).toBeGreaterThanOrEqual(0);
    for (const entry of ranked) expect(entry.score).toBeLessThanOrEqual(1);
  });

  it('gives the library’s own papers, ranked against the rest of it, the scores (i − ½)/n', async () => {
    // Each library paper as a candidate against the other four: its score is its place in the library's own spread.
    const scores: number[] = [];
    for (let index = 0; index < five.length; index += 1) {
      const others = five.filter((_, other) => other !== index);
      const [ranked] = await createLexicalRanker({ library: five, now }).rank([paper(`2601.0002${index}`, five[index]!.title, five[index]!.abstract!)]);
      expect(ranked!.score).toBeGreaterThan(0.9); // identical to a library paper: closer than any library paper is to the rest
      const [alone] = await createLexicalRanker({ library: others, now }).rank([paper(`2601.0003${index}`, five[index]!.title, five[index]!.abstract!)]);
      scores.push(alone!.score);
    }
    // Against four others the scale is set by those four, so the scores spread over the whole range rather than bunching.
    expect(Math.max(...scores) - Math.min(...scores)).toBeGreaterThan(0.3);
  });
});
