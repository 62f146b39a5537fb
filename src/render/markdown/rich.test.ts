/** Tests of the rich Markdown layout: its sections, and hostile text that cannot add headings, links or HTML. */
import { describe, expect, it } from 'vitest';
import type { Digest, DigestEntry } from '../../core/digest.js';
import { renderRichMarkdown } from './rich.js';
import { digestEntry } from '../../../test/helpers/digest-entries.js';

const entry = digestEntry;

function digest(entries: DigestEntry[], lang = 'zh'): Digest {
  return { name: 'cs.CL', subscription: 'cs.CL', day: '2026-11-24', style: 'native', lang, createdAt: '2026-11-24T07:00:00Z', entries };
}

describe('renderRichMarkdown', () => {
  it('lays out each paper as a section', () => {
    const text = renderRichMarkdown(
      digest([
        entry({
          paperId: '2611.00001',
          version: 2,
          updatedFrom: 1,
          authors: ['Ada Lovelace', 'Alan Turing'],
          categories: ['cs.CL', 'cs.LG'],
          selection: { score: 0.5, reason: 'on topic', why: { keywords: ['"on topic"'] } },
          links: { html: 'https://arxiv.org/html/2611.00001v2' },
        }),
        entry({ paperId: '2611.00002', textStatus: 'failed', textReason: 'quota' }),
      ]),
    );
    expect(text).toBe(
      [
        '# arXiv cs.CL · 2026-11-24',
        '2 篇论文',
        '## 1. 标题',
        '*A Title* · `cs.CL` `cs.LG` · **更新 (v2)**',
        'Ada Lovelace, Alan Turing',
        '[arXiv](https://arxiv.org/abs/2611.00001) · [PDF](https://arxiv.org/pdf/2611.00001v2) · [HTML](https://arxiv.org/html/2611.00001v2)',
        '> 匹配你的关键词：on topic',
        '**要点**：要点。',
        'The point.',
        '摘要。',
        '<details><summary>英文摘要</summary>',
        'An abstract.',
        '</details>',
        '## 2. A Title',
        '[arXiv](https://arxiv.org/abs/2611.00002) · [PDF](https://arxiv.org/pdf/2611.00002v1)',
        '> 翻译暂不可用',
        'An abstract.',
      ].join('\n\n') + '\n',
    );
  });

  it('keeps hostile text inert: no new headings, links, footnotes, HTML or control characters', () => {
    const hostile = 'C #\n## 99. forged\n[x](javascript:alert(1)) [^1]: note <script>alert(2)</script> `code` | cell \u202Eevil\u0000 \ud800 #';
    const text = renderRichMarkdown(
      digest([
        entry({
          paperId: '2611.00003',
          link: 'javascript:alert(3)',
          links: { pdf: 'https://arxiv.org/pdf/x (y)' },
          title: hostile,
          abstract: hostile,
          authors: [hostile],
          categories: ['cs.CL', 'cs.CL` <b>x</b>'],
          texts: { lang: 'zh', title: hostile, tldr: hostile, tldrEn: hostile, abstract: hostile },
          selection: { score: 1, reason: hostile, why: { nearest: hostile } },
        }),
      ]),
    );
    const lines = text.split('\n');
    expect(lines.filter((line) => line.startsWith('#'))).toEqual(['# arXiv cs.CL · 2026-11-24', expect.stringMatching(/^## 1\. C # ## 99\. forged .* \\#$/)]);
    expect(text).not.toMatch(/(?<!\\)\]\(javascript:/);
    expect(text).not.toContain('javascript:alert(3)');
    expect(text).not.toMatch(/<script|<b>/);
    expect(text).not.toMatch(/(?<!\\)\[\^1\]/);
    expect(text).not.toMatch(/[\u0000\u202E]|[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(text).toContain('[PDF](https://arxiv.org/pdf/x%20%28y%29)');
    expect(lines.find((line) => line.startsWith('*C'))).toMatch(/ · `cs\.CL`$/);
    // Each text is one line: the blocks are separated by single blank lines.
    expect(text).not.toContain('\n\n\n');
  });
});
