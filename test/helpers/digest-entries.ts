/** A digest entry for renderer tests: a paper with Chinese texts, any field overridden. */
import type { DigestEntry } from '../../src/core/digest.js';

export function digestEntry(overrides: Partial<DigestEntry> & { paperId: string }): DigestEntry {
  return {
    version: 1,
    link: `https://arxiv.org/abs/${overrides.paperId}`,
    title: 'A Title',
    abstract: 'An abstract.',
    texts: { lang: 'zh', title: '标题', tldr: '要点。', tldrEn: 'The point.', abstract: '摘要。' },
    ...overrides,
  };
}
