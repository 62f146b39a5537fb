/**
 * Issue 14 item 6: the README's ranking example, run through the built CLI's `select` over a local feed of 20 papers
 * close to a 5-entry library and 20 unrelated ones, keeps most of the close ones, drops the unrelated ones and prints
 * scores on the documented 0–1 scale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rssFeed, type FeedPaper } from './helpers/arxiv-feeds.js';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/http-server.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NOW = '2026-11-23T06:00:00Z'; // Mon 01:00 EST: the feed dated Mon 2026-11-23 is out.

/** The `ranking` object of the README's subscription example, as written there. */
function readmeRanking(): { method: string; topK: number; threshold: number } {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const line = /^\s*"ranking": (\{[^\n]*\}),?$/m.exec(readme);
  expect(line, 'README has a "ranking": {…} line in its subscription example').not.toBeNull();
  return JSON.parse(line![1]!);
}

// A reader of language-model papers: five library entries, as a BibTeX export.
const LIBRARY = [
  [
    'Instruction Tuning of Large Language Models',
    'We fine-tune a large language model on instructions written by annotators and measure how well it follows unseen instructions.',
  ],
  [
    'Retrieval-Augmented Generation for Knowledge-Intensive Tasks',
    'A language model retrieves passages from a large corpus before generating; retrieval reduces hallucination in open-domain question answering.',
  ],
  [
    'Reinforcement Learning from Human Feedback for Language Model Alignment',
    'A reward model trained on human preference comparisons steers a pretrained language model toward helpful and harmless answers.',
  ],
  [
    'Chain-of-Thought Prompting Elicits Reasoning in Language Models',
    'Prompting large language models with worked examples of intermediate reasoning steps improves arithmetic and commonsense reasoning.',
  ],
  [
    'Efficient Inference of Large Language Models with Quantization',
    'Weights of large language models are quantized to four bits, with calibration, so that inference fits on a single GPU with little loss.',
  ],
];

const bibtex = LIBRARY.map(
  ([title, abstract], index) => `@article{lib${index},\n  title = {${title}},\n  abstract = {${abstract}},\n  author = {Doe, Jane},\n  year = {2025}\n}\n`,
).join('\n');

// Twenty papers a reader of that library wants: the same field, other words and combinations.
const CLOSE: Array<[string, string]> = [
  [
    'Scaling Instruction Data for Multilingual Language Models',
    'We collect instructions in forty languages and fine-tune a large language model; instruction following improves for low-resource languages.',
  ],
  [
    'Self-Generated Instructions Improve Small Language Models',
    'A language model writes its own instructions and answers, which are filtered and used to fine-tune a smaller model that follows instructions better.',
  ],
  [
    'Retrieval Heads in Long-Context Language Models',
    'We find attention heads that retrieve passages from long contexts and show that pruning them increases hallucination of the language model.',
  ],
  [
    'Dense Retrieval for Grounded Generation in Question Answering',
    'Retrieved passages ground the answers of a generative language model for open-domain question answering and reduce hallucination.',
  ],
  [
    'Citation-Aware Retrieval-Augmented Language Models',
    'A retrieval-augmented language model cites the retrieved passages it uses, which makes its answers verifiable and reduces hallucination.',
  ],
  [
    'Direct Preference Optimization without a Reward Model',
    'We align a language model with human preference comparisons directly, without training a separate reward model or reinforcement learning.',
  ],
  [
    'Reward Hacking in Language Model Alignment',
    'Policies optimized against a learned reward model from human feedback exploit its errors; we measure reward hacking during alignment of language models.',
  ],
  [
    'Constitutional Feedback for Harmless Assistants',
    'Instead of human preference labels, a language model critiques answers against written principles, producing feedback for alignment toward harmless answers.',
  ],
  [
    'Self-Consistency Improves Chain-of-Thought Reasoning',
    'Sampling several chains of reasoning from a large language model and voting on the answer improves arithmetic and commonsense reasoning.',
  ],
  [
    'Least-to-Most Prompting for Compositional Reasoning',
    'Prompting a large language model to split a problem into simpler subproblems improves reasoning on compositional tasks beyond chain-of-thought prompting.',
  ],
  [
    'Verifying Intermediate Reasoning Steps of Language Models',
    'A verifier scores each intermediate reasoning step of a language model, which improves accuracy on arithmetic word problems.',
  ],
  [
    'Tree Search over Thoughts for Language Model Reasoning',
    'A large language model explores a tree of intermediate thoughts with lookahead and backtracking, improving reasoning on puzzles and arithmetic.',
  ],
  [
    'Two-Bit Quantization of Large Language Models',
    'We quantize the weights of large language models to two bits with a learned calibration, keeping most accuracy while inference memory drops.',
  ],
  [
    'Speculative Decoding for Faster Language Model Inference',
    'A small draft model proposes tokens that a large language model verifies in parallel, making inference two to three times faster on a GPU.',
  ],
  [
    'KV Cache Compression for Long-Context Inference',
    'Compressing the key-value cache of a large language model lets inference over long contexts fit on one GPU with little loss in quality.',
  ],
  [
    'Pruning Large Language Models in One Shot',
    'We prune half the weights of a large language model without retraining, using calibration data, so that inference is cheaper.',
  ],
  [
    'Instruction-Following Evaluation of Language Models',
    'A benchmark of verifiable instructions measures whether large language models follow formatting and length instructions.',
  ],
  [
    'Hallucination Detection in Retrieval-Augmented Generation',
    'We detect answers of a retrieval-augmented language model that are not supported by the retrieved passages, flagging hallucination.',
  ],
  [
    'Preference Data Quality in Alignment of Language Models',
    'Noisy human preference comparisons hurt reward models; cleaning the preference data improves alignment of the language model.',
  ],
  [
    'Prompting Language Models to Reason about Tables',
    'Chain-of-thought prompting adapted to tables improves the reasoning of large language models on table question answering.',
  ],
];

// Twenty papers from other fields the same day.
const UNRELATED: Array<[string, string]> = [
  [
    'Galaxy Cluster Masses from Weak Gravitational Lensing',
    'We measure the masses of galaxy clusters from the weak lensing shear of background galaxies in wide-field imaging.',
  ],
  [
    'Tropical Rainfall and Sea Surface Temperature Cycles',
    'Rainfall over the tropics follows cycles of sea surface temperature; we model the coupling with thirty years of satellite observations.',
  ],
  ['Soil Moisture Predicts Crop Yields', 'Soil moisture measured by satellites predicts maize and wheat yields weeks before harvest across three continents.'],
  [
    'Superconductivity in Twisted Bilayer Graphene',
    'Transport measurements in twisted bilayer graphene near the magic angle reveal superconducting domes next to correlated insulating states.',
  ],
  [
    'A Walking Controller for Quadruped Robots on Ice',
    'A quadruped robot learns a walking gait that keeps its footing on ice and snow, tested outdoors over slippery terrain.',
  ],
  [
    'Protein Folding Kinetics under Crowding',
    'Molecular crowding in cells slows protein folding; simulations of crowded solutions match measured folding rates.',
  ],
  [
    'Traffic Flow on Ring Roads with Autonomous Vehicles',
    'A few autonomous vehicles damp stop-and-go waves in traffic flow on a ring road, as shown in field experiments.',
  ],
  ['Coral Reef Recovery after Bleaching Events', 'Surveys of coral reefs over a decade show how coral cover recovers after marine heatwaves and bleaching.'],
  [
    'Lithium Dendrite Growth in Solid-State Batteries',
    'Imaging of solid electrolytes shows where lithium dendrites nucleate and how stack pressure slows their growth.',
  ],
  ['Seismic Imaging of a Subduction Zone', 'Ocean-bottom seismometers image the plate interface of a subduction zone and locate slow slip events.'],
  [
    'Bird Migration Timing and Spring Temperatures',
    'Decades of banding records show songbirds arriving earlier as spring temperatures rise along their migration routes.',
  ],
  [
    'Topological Phases of Cold Atoms in Optical Lattices',
    'Ultracold atoms in a shaken optical lattice realize a topological band structure with measurable Chern numbers.',
  ],
  [
    'Urban Heat Islands and Tree Canopy Cover',
    'City blocks with more tree canopy are cooler on summer afternoons; we map urban heat islands with thermal imagery.',
  ],
  [
    'Gut Microbiome Changes after Antibiotics',
    'Sequencing stool samples before and after antibiotics shows how gut bacterial communities lose and regain diversity.',
  ],
  [
    'Stellar Flares on Young Red Dwarfs',
    'Space photometry of young red dwarf stars records frequent flares and their energies, relevant to planet habitability.',
  ],
  [
    'Wind Turbine Wake Interactions in Offshore Farms',
    'Lidar measurements of offshore wind farms show how turbine wakes merge and reduce the power of downstream turbines.',
  ],
  ['Glacier Retreat in the Southern Andes', 'Satellite images from four decades document glacier retreat and lake growth in the southern Andes.'],
  ['Market Microstructure of Electricity Auctions', 'Bids in day-ahead electricity auctions reveal how generators price scarcity during heat waves.'],
  ['Fatigue Cracks in Welded Steel Bridges', 'Strain gauges on a steel bridge track fatigue crack growth at welded joints under truck traffic.'],
  [
    'Photosynthesis Efficiency of Algae under Flashing Light',
    'Algae grown under flashing light convert more of it into biomass than under steady light of the same mean intensity.',
  ],
];

function feedPapers(): FeedPaper[] {
  const all = [...CLOSE.map((paper) => ['close', ...paper]), ...UNRELATED.map((paper) => ['other', ...paper])];
  // Interleaved, so that the feed's order says nothing.
  const order = all.map((_, index) => index).sort((a, b) => ((a * 7) % all.length) - ((b * 7) % all.length));
  return order.map((index, position) => ({
    id: `2611.${String(10001 + position)}`,
    version: 1,
    title: all[index]![1]!,
    abstract: all[index]![2]!,
    authors: ['A. Author'],
    categories: ['cs.CL'],
    announceType: 'new' as const,
  }));
}

describe('the README ranking example through `xivdigest select`', () => {
  let sandbox: CliSandbox;
  let arxiv: TestServer;
  const papers = feedPapers();
  const close = new Set(papers.filter((paper) => CLOSE.some(([title]) => title === paper.title)).map((paper) => paper.id));

  beforeAll(async () => {
    sandbox = createCliSandbox();
    arxiv = await startTestServer({ '/rss/cs.CL': { headers: { 'content-type': 'application/rss+xml' }, body: rssFeed('cs.CL', '2026-11-23', papers) } });
    writeFileSync(join(sandbox.dir, 'library.bib'), bibtex);
    writeFileSync(
      join(sandbox.dir, 'xivdigest.config.json'),
      JSON.stringify({ subscriptions: [{ name: 'nlp', categories: 'cs.CL', library: { files: ['library.bib'] }, ranking: readmeRanking() }] }),
    );
  });
  afterAll(async () => {
    await arxiv.close();
    sandbox.cleanup();
  });

  it('keeps most of the 20 close papers, none of the 20 unrelated ones, with scores from 0 to 1', async () => {
    const ranking = readmeRanking();
    expect(ranking.method).toBe('lexical');
    const result = await sandbox.run(['select', '--subscription', 'nlp', '--now', NOW, '--json'], { env: { XIVDIGEST_ARXIV_RSS_URL: arxiv.url } });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { selected: Array<{ id: string; score?: number }>; skipped: Array<{ id: string; reason: string }> };
    const selected = report.selected.map((paper) => paper.id);
    const keptClose = selected.filter((id) => close.has(id));
    const keptOther = selected.filter((id) => !close.has(id));
    expect(keptClose.length, `kept ${keptClose.length} of 20 close papers`).toBeGreaterThanOrEqual(16);
    expect(keptOther, 'unrelated papers kept').toEqual([]);
    // Skipped papers carry their score in the reason: "score 0.012 is below the threshold 0.1".
    const skippedScores = report.skipped.map((paper) => Number(/^score (\d+(?:\.\d+)?) is below the threshold/.exec(paper.reason)?.[1] ?? NaN));
    const scores = [...report.selected.map((paper) => paper.score!), ...skippedScores];
    expect(scores).toHaveLength(40);
    for (const score of scores) {
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(1);
    }
    // The close papers score like the library's own (its middle is 0.5), the unrelated ones near 0.
    const closeScores = report.selected
      .filter((paper) => close.has(paper.id))
      .map((paper) => paper.score!)
      .sort((a, b) => a - b);
    expect(closeScores[Math.floor(closeScores.length / 2)]!).toBeGreaterThan(0.3);
    for (const paper of report.skipped.filter((skipped) => !close.has(skipped.id))) expect(paper.reason).toMatch(/below the threshold/);
  });

  it('prints the scores with the scale in the text report', async () => {
    const result = await sandbox.run(['select', '--subscription', 'nlp', '--now', NOW], { env: { XIVDIGEST_ARXIV_RSS_URL: arxiv.url } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/scores run 0-1 on your library's scale: 0\.5 = as close as its median paper/);
    expect(result.stdout).toMatch(/\+ 2611\.\d+v1 \[0\.\d{3}\] /);
  });

  it('documents the scale in `select --help`', async () => {
    const result = await sandbox.run(['select', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Scores (ranking.method "lexical", the default) run from 0 to 1 on your library\'s own scale');
    expect(result.stdout).toContain('0.5 is as close to your');
  });
});
