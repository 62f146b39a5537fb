/**
 * A small archive for the web tests and bench:web: papers over three announcement days in cs.CL and cs.AI (one with a
 * second version whose abstract changed, one with a hostile title, titles with math), Chinese texts for each, and a
 * digest `nlp/<day>` of them. `fillWebSite(store, { digestPapers: 700 })` makes the big digest of the bench.
 */
import type { Digest, DigestEntry } from '../../src/core/digest.js';
import { abstractHash } from '../../src/core/hash.js';
import type { Paper } from '../../src/core/paper.js';
import type { StoredTexts } from '../../src/core/texts.js';
import type { Store } from '../../src/store/store.js';

export const WEB_DAYS = ['2026-11-23', '2026-11-24', '2026-11-25'] as const;
export const HOSTILE_TITLE = '<img src=x onerror="window.__pwned=1"></script><script>window.__pwned=2</script> Hostile';
/** A Chinese two-character word that only the translated texts contain. */
export const CHINESE_WORD = '翻译';
export const MATH_PAPER = '2611.00002';
export const VERSIONED_PAPER = '2611.00003';
export const HOSTILE_PAPER = '2611.00004';

const TOPICS = [
  { en: 'Sparse Expert Routing for Speech Recognition', zh: '面向语音识别的稀疏专家路由', tldr: '稀疏专家让语音识别在噪声中更准。' },
  { en: 'Scaling Laws of $O(n \\log n)$ Attention', zh: '$O(n \\log n)$ 注意力的扩展规律', tldr: '近线性注意力遵循幂律 $L \\propto N^{-\\alpha}$。' },
  { en: 'Machine Translation of Low-Resource Dialects', zh: '低资源方言的机器翻译', tldr: '用回译改进方言的机器翻译。' },
  { en: 'Retrieval-Augmented Question Answering', zh: '检索增强的问答', tldr: '检索短段落再逐步推理。' },
];

export interface WebSiteFixture {
  papers: Paper[];
  digest: Digest;
}

function paperAt(index: number, day: string): Paper {
  const id = `2611.${String(index + 1).padStart(5, '0')}`;
  const topic = TOPICS[index % TOPICS.length]!;
  const hostile = id === HOSTILE_PAPER;
  return {
    id,
    version: 1,
    title: hostile ? HOSTILE_TITLE : index < TOPICS.length ? topic.en : `${topic.en} ${index}`,
    authors: [{ name: 'Ada Lovelace' }, { name: hostile ? '<b>Mallory</b>' : 'Alan Turing' }],
    abstract: `We study ${topic.en.toLowerCase()}. Our method improves accuracy by 3 points on ${index % 2 ? 'two' : 'three'} benchmarks, and we release code.`,
    categories: index % 3 === 2 ? ['cs.AI', 'cs.CL'] : ['cs.CL'],
    links: { abs: `https://arxiv.org/abs/${id}`, pdf: `https://arxiv.org/pdf/${id}v1` },
    announced: day,
    announceType: 'new',
    submitted: `${day}T12:00:00Z`,
    versions: [{ version: 1, submitted: `${day}T12:00:00Z` }],
    source: 'arxiv-rss',
  };
}

function textsOf(paper: Paper, index: number): StoredTexts {
  const topic = TOPICS[index % TOPICS.length]!;
  return {
    paperId: paper.id,
    version: paper.version,
    abstractHash: abstractHash(paper.abstract),
    lang: 'zh',
    title: paper.id === HOSTILE_PAPER ? `${HOSTILE_TITLE}（译）` : topic.zh,
    tldr: topic.tldr,
    tldrEn: `In short: ${topic.en}.`,
    abstract: `我们研究${topic.zh}。本文的${CHINESE_WORD}与方法在基准上提高了 3 分。`,
    provider: 'openai-compatible',
    model: 'gpt-4o-mini',
    promptVersion: 'p7',
    createdAt: '2026-11-24T06:00:00.000Z',
    status: 'ok',
  };
}

/** Stores the papers (with a v2 of VERSIONED_PAPER), their texts and one digest; returns what it stored. */
export async function fillWebSite(store: Store, options: { papers?: number; digestPapers?: number } = {}): Promise<WebSiteFixture> {
  const count = Math.max(options.papers ?? 12, options.digestPapers ?? 0);
  const papers = Array.from({ length: count }, (_, index) => paperAt(index, WEB_DAYS[index % WEB_DAYS.length]!));
  await store.upsertPapers(papers);
  const v1 = papers.find((paper) => paper.id === VERSIONED_PAPER);
  if (v1) {
    const v2: Paper = {
      ...v1,
      version: 2,
      abstract: `${v1.abstract.replace('3 points', '5 points')} We add a new ablation.`,
      announceType: 'replace',
      versions: [{ version: 2, submitted: '2026-11-26T12:00:00Z' }],
    };
    await store.upsertPapers([v2]);
  }
  await store.saveTexts(papers.map((paper, index) => textsOf(paper, index)));
  const chosen = papers.slice(0, options.digestPapers ?? Math.min(papers.length, 8));
  const entries: DigestEntry[] = chosen.map((paper, index) => {
    const texts = textsOf(paper, index);
    return {
      paperId: paper.id,
      version: paper.version,
      link: paper.links.abs,
      title: paper.title,
      abstract: paper.abstract,
      texts: { lang: 'zh', title: texts.title, tldr: texts.tldr, tldrEn: texts.tldrEn, abstract: texts.abstract },
      authors: paper.authors.map((author) => author.name),
      categories: paper.categories,
      announced: paper.announced!,
      announceType: 'new',
    };
  });
  const digest: Digest = {
    name: `nlp/${WEB_DAYS[1]}`,
    style: 'native',
    lang: 'zh',
    createdAt: '2026-11-24T06:30:00.000Z',
    entries,
    subscription: 'nlp',
    categories: ['cs.CL'],
    day: WEB_DAYS[1],
  };
  await store.saveDigest(digest);
  return { papers, digest };
}
