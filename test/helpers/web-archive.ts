/**
 * A small archive for the API, feed and MCP tests: papers (new- and old-style ids, several categories and days), texts
 * in two languages with provenance, a failed text, and two digests, written to a real temp store; plus WebDeps over it.
 */
import { abstractHash } from '../../src/core/hash.js';
import type { Paper } from '../../src/core/paper.js';
import type { StoredTexts } from '../../src/core/texts.js';
import { buildDigest } from '../../src/jobs/build-digest.js';
import type { Store } from '../../src/store/store.js';
import type { WebDeps } from '../../src/web/deps.js';

export const BASE_URL = 'http://127.0.0.1:8080';

function paper(id: string, fields: Partial<Paper> & Pick<Paper, 'title' | 'abstract' | 'categories'>): Paper {
  return {
    id,
    version: 1,
    authors: [{ name: 'Ada Example' }, { name: 'Bo Sample', affiliations: ['Example University'] }],
    links: { abs: `https://arxiv.org/abs/${id}` },
    versions: [{ version: 1, submitted: '2026-11-20T10:00:00Z' }],
    source: 'arxiv-rss',
    announceType: 'new',
    ...fields,
  };
}

export const archivePapers: Paper[] = [
  paper('2611.00001', {
    title: 'Retrieval-Augmented Translation of Scientific Abstracts',
    abstract: 'We translate scientific abstracts with retrieval of terminology & show gains on <b>five</b> language pairs.',
    categories: ['cs.CL', 'cs.AI'],
    announced: '2026-11-24',
    version: 2,
    versions: [
      { version: 1, submitted: '2026-11-19T10:00:00Z' },
      { version: 2, submitted: '2026-11-21T10:00:00Z' },
    ],
    doi: '10.1000/example.1',
  }),
  paper('2611.00002', {
    title: 'Policy Questions of Large Language Models',
    abstract: 'A survey of policy questions raised by large language models in society.',
    categories: ['cs.CY', 'cs.CL'],
    announced: '2026-11-24',
  }),
  paper('2611.00003', {
    title: 'Planning with Graph Neural Networks',
    abstract: 'Graph neural networks plan routes for robots in warehouses.',
    categories: ['cs.AI'],
    announced: '2026-11-23',
  }),
  paper('2611.00004', {
    title: 'Tokenization Matters for Chinese Translation',
    abstract: 'Segmentation of Chinese text changes translation quality more than model size.',
    categories: ['cs.CL'],
    announced: '2026-11-20',
  }),
  paper('hep-th/9901001', {
    title: 'Strings on Old Identifiers',
    abstract: 'An old-style arXiv identifier keeps its slash.',
    categories: ['hep-th'],
    announced: '1999-01-04',
    announceType: undefined,
  }),
];

const provenance = { provider: 'openai-compatible', model: 'test-model', promptVersion: 'p3', createdAt: '2026-11-24T08:00:00Z' };

function texts(paperId: string, lang: string, fields: Partial<StoredTexts> = {}): StoredTexts {
  const source = archivePapers.find((item) => item.id === paperId)!;
  return {
    paperId,
    version: source.version,
    abstractHash: abstractHash(source.abstract),
    lang,
    title: `[${lang}] ${source.title}`,
    tldr: `[${lang}] TLDR of ${paperId}`,
    tldrEn: `TLDR of ${paperId}`,
    abstract: `[${lang}] ${source.abstract}`,
    status: 'ok',
    ...provenance,
    ...fields,
  };
}

export const archiveTexts: StoredTexts[] = [
  texts('2611.00001', 'zh', { title: '科学摘要的检索增强翻译', tldr: '用术语检索翻译科学摘要。' }),
  texts('2611.00001', 'ja', { provider: 'anthropic', model: 'claude-test', title: '科学論文要旨の検索拡張翻訳' }),
  texts('2611.00002', 'zh', { title: '大语言模型的政策问题', tldr: '大语言模型引发的政策问题综述。' }),
  texts('2611.00003', 'zh'),
  // A failed attempt whose reason names an endpoint: the API must never show it.
  texts('2611.00004', 'zh', { status: 'failed', title: '', tldr: '', tldrEn: '', abstract: '', reason: 'HTTP 500 from http://secret-host.internal/v1' }),
];

/** Writes the archive and two digests (`cs.CL/2026-11-24` native, `legacy-one`) into `store`. */
export async function seedArchive(store: Store): Promise<void> {
  await store.upsertPapers(archivePapers);
  await store.saveTexts(archiveTexts);
  const papers = await store.getPapers({ ids: ['2611.00001', '2611.00002', '2611.00004'] });
  const digest = buildDigest({ name: 'cs.CL/2026-11-24', papers, texts: archiveTexts, lang: 'zh', now: new Date('2026-11-24T09:00:00Z') });
  digest.entries = digest.entries.map((entry) => ({
    ...entry,
    ...(entry.textStatus === 'failed' ? { textReason: 'HTTP 500 from http://secret-host.internal/v1' } : {}),
    authors: ['Ada Example', 'Bo Sample'],
    categories: papers.find((item) => item.id === entry.paperId)?.categories ?? [],
    announced: papers.find((item) => item.id === entry.paperId)?.announced,
  }));
  await store.saveDigest({ ...digest, subscription: 'cs.CL', day: '2026-11-24', title: 'arXiv cs.CL, 2026-11-24', categories: ['cs.CL'] });
  const older = buildDigest({
    name: 'cs.CL/2026-11-23',
    papers: await store.getPapers({ ids: ['2611.00003'] }),
    texts: archiveTexts,
    lang: 'zh',
    now: new Date('2026-11-23T09:00:00Z'),
  });
  await store.saveDigest({ ...older, subscription: 'cs.CL', day: '2026-11-23' });
}

/** WebDeps over a seeded store, which is also the archive's search (store.search). */
export function archiveDeps(store: Store): WebDeps {
  return { store, search: store, subscriptions: [{ name: 'cs.CL', categories: ['cs.CL'], lang: 'zh' }], baseUrl: BASE_URL, lang: 'zh' };
}
