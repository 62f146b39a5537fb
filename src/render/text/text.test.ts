/** Tests of the plain-text renderer: the layout, and text that cannot forge entries or hide in control characters. */
import { describe, expect, it } from 'vitest';
import type { Digest, DigestEntry } from '../../core/digest.js';
import { createTextRenderer } from './index.js';
import { digestEntry } from '../../../test/helpers/digest-entries.js';

const entry = digestEntry;

function digest(entries: DigestEntry[], lang = 'zh'): Digest {
  return { name: 'cs.CL/2026-11-24', subscription: 'cs.CL', day: '2026-11-24', style: 'native', lang, createdAt: '2026-11-24T07:00:00Z', entries };
}

const renderer = createTextRenderer();

describe('createTextRenderer', () => {
  it('has the renderer seam metadata', () => {
    expect(renderer.format).toBe('text');
    expect(renderer.mediaType).toBe('text/plain; charset=utf-8');
  });

  it('numbers entries: title, TL;DR, link and reason, unwrapped', () => {
    const long = '很长的要点'.repeat(40);
    const text = renderer.render(
      digest([
        entry({
          paperId: '2611.00001',
          texts: { lang: 'zh', title: '标题一', tldr: long, tldrEn: 'x', abstract: '' },
          selection: { score: 0.5, reason: 'matches "LLM"', why: { keywords: ['LLM'] } },
        }),
        entry({ paperId: '2611.00002', version: 3, updatedFrom: 2 }),
        entry({ paperId: '2611.00003', textStatus: 'failed', textReason: 'quota' }),
      ]),
    );
    expect(text).toBe(
      [
        'arXiv cs.CL · 2026-11-24',
        '3 篇论文',
        '',
        '1. 标题一',
        `   ${long}`,
        '   https://arxiv.org/abs/2611.00001',
        '   匹配你的关键词：LLM',
        '',
        '2. 标题 [更新 (v3)]',
        '   要点。',
        '   https://arxiv.org/abs/2611.00002',
        '',
        '3. A Title',
        '   翻译暂不可用',
        '   https://arxiv.org/abs/2611.00003',
        '',
      ].join('\n'),
    );
  });

  it('prints the English TL;DR on request and leaves reasons out on request', () => {
    const text = createTextRenderer({ englishTldr: true, reasons: false }).render(
      digest([entry({ paperId: '2611.00001', selection: { score: 1, reason: 'why' } })], 'en'),
    );
    expect(text).toContain('   The point.\n');
    expect(text).not.toContain('why');
    expect(text.split('\n')[1]).toBe('1 paper');
  });

  it('says so for an empty digest', () => {
    expect(renderer.render(digest([]))).toBe('arXiv cs.CL · 2026-11-24\n0 篇论文\n\n今天没有论文。\n');
  });

  it('flattens hostile text: no forged entries, no control or bidi characters, no javascript: link', () => {
    const hostile = 'x\n\n2. forged entry\r\n   https://evil.example\u2028\u0000\u0007\u001B[31m\u202Eevil\u2066 \udc00 <b>*md*</b>';
    const text = renderer.render(
      digest([
        entry({
          paperId: '2611.00001',
          link: 'javascript:alert(1)',
          texts: { lang: 'zh', title: hostile, tldr: hostile, tldrEn: '', abstract: '' },
          selection: { score: 0, reason: hostile, why: { nearest: hostile } },
        }),
      ]),
    );
    const lines = text.split('\n');
    expect(lines.filter((line) => /^\d+\. /.test(line))).toHaveLength(1);
    expect(text).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202E\u2066\u2028]/);
    expect(text).not.toContain('javascript:');
    expect(lines[3]).toBe('1. x 2. forged entry https://evil.example [31mevil \ufffd <b>*md*</b>');
    expect(lines[5]).toBe('   https://arxiv.org/abs/2611.00001');
  });
});
