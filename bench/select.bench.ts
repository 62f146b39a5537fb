/** `npx tsx bench/select.bench.ts`: papers per second through compiled subscription filters, on real arXiv feed items. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Paper } from '../src/core/paper.js';
import { createPaperFilter, type FilterSpec } from '../src/select/index.js';
import { parseArxivRss } from '../src/sources/arxiv-rss/parse.js';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const shared = process.env.XIVDIGEST_SHARED_FIXTURES ?? resolve(root, '..', 'shared', 'fixtures');
const TARGET = 20_000;

async function loadPapers(): Promise<{ origin: string; papers: Paper[] }> {
  const real = resolve(shared, 'arxiv', 'rss-new-all-archives-2024-11-28.TRUNCATED.xml');
  const origin = existsSync(real) ? real : resolve(root, 'test', 'fixtures', 'feeds', 'rss-new-sample.xml');
  const papers: Paper[] = [];
  for await (const event of parseArxivRss(readFileSync(origin, 'utf8'), { origin })) if (event.type === 'paper') papers.push(event.paper);
  return { origin, papers };
}

const SPECS: Record<string, FilterSpec> = {
  'categories only': { categories: 'cs+stat.ML-cs.CY' },
  query: { categories: 'cs+stat+math', query: '(ti:"language model*" OR llm* OR transformer*) AND NOT (survey OR review) cat:cs.*' },
  'keywords + authors': {
    categories: 'cs+physics+quant-ph+cond-mat',
    include: ['neural network', 'deep learning', 'diffusion', 'quantum error correction', 'graph*'],
    exclude: ['survey', 'tutorial'],
    authors: ['Yoshua Bengio', 'G. Hinton', 'Yann LeCun', 'Smith, J.', 'Wang, Xiaoming', 'Müller, K.', 'J. Preskill', 'Del Maestro, A.'],
  },
  everything: {
    categories: 'cs+math+physics+quant-ph+astro-ph+cond-mat+stat+eess+q-bio-cs.CY',
    crossLists: false,
    replacements: false,
    query: 'learning OR model* OR "dark matter" OR au:Wang OR cat:math.PR',
    include: ['data', 'theory', 'network*'],
    exclude: ['erratum'],
    authors: ['Yoshua Bengio', 'G. Hinton', 'Wang, X.', 'Zhang, Y.'],
  },
};

const { origin, papers: sample } = await loadPapers();
// Copies are new objects, so that nothing cached on one paper helps the next.
const papers: Paper[] = Array.from({ length: TARGET }, (_, index) => ({ ...(sample[index % sample.length] as Paper) }));
console.log(`${papers.length} papers (copies of ${sample.length} from ${origin})\n`);
console.log('| filter | compile ms | filter ms (best of 5) | papers/s | passed |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [name, spec] of Object.entries(SPECS)) {
  const compileStart = performance.now();
  const filter = createPaperFilter(spec);
  const compileMs = performance.now() - compileStart;
  let best = Infinity;
  let passed = 0;
  for (let round = 0; round < 5; round += 1) {
    const copies = papers.map((paper) => ({ ...paper }));
    const start = performance.now();
    passed = 0;
    for (const paper of copies) if (filter(paper).pass) passed += 1;
    best = Math.min(best, performance.now() - start);
  }
  console.log(`| ${name} | ${compileMs.toFixed(2)} | ${best.toFixed(1)} | ${Math.round(papers.length / (best / 1000)).toLocaleString('en-US')} | ${passed} |`);
}
