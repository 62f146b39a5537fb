/** Tests of the JSON Feed renderer: the fields JSON Feed 1.1 requires, stable ids and dates, inert hostile text. */
import { describe, expect, it } from 'vitest';
import type { Digest } from '../../core/digest.js';
import { createJsonFeedRenderer } from './index.js';
import { digestEntry } from '../../../test/helpers/digest-entries.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const HOSTILE = '<script>alert(1)</script> <a href="javascript:alert(2)">x</a> \u202Eevil \u0000nul\u0085 \ud800 **md** [^1]';

const entry = digestEntry;

const digest: Digest = {
  name: 'cs.CL',
  style: 'native',
  lang: 'zh',
  createdAt: '2026-11-24T07:00:00.000Z',
  homepage: 'https://digests.example.org/cs.CL/',
  entries: [
    entry({
      paperId: '2611.00001',
      authors: ['Ada Lovelace'],
      categories: ['cs.CL', 'cs.AI'],
      selection: { score: 0.9, reason: 'close to x', method: 'embedding', why: { nearest: 'On topic' } },
      announceType: 'new',
    }),
    entry({
      paperId: '2611.00002',
      link: 'javascript:alert(1)',
      title: HOSTILE,
      abstract: HOSTILE,
      texts: { lang: 'zh', title: HOSTILE, tldr: HOSTILE, tldrEn: HOSTILE, abstract: HOSTILE },
    }),
    entry({ paperId: '2611.00003', textStatus: 'pending' }),
  ],
};

const renderer = createJsonFeedRenderer({ feedUrl: 'https://digests.example.org/cs.CL/feed.json' });
const text = renderer.render(digest);
const feed = JSON.parse(text) as Record<string, unknown> & { items: Array<Record<string, unknown>> };

describe('createJsonFeedRenderer', () => {
  it('has the renderer seam metadata', () => {
    expect(renderer.format).toBe('json-feed');
    expect(renderer.mediaType).toBe('application/feed+json; charset=utf-8');
  });

  it('has the top-level fields JSON Feed 1.1 requires and recommends', () => {
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(typeof feed.title).toBe('string');
    expect(feed.home_page_url).toBe('https://digests.example.org/cs.CL/');
    expect(feed.feed_url).toBe('https://digests.example.org/cs.CL/feed.json');
    expect(Array.isArray(feed.items)).toBe(true);
    // 1.1 replaced `author` with `authors`; extension keys must start with `_`.
    expect(feed).not.toHaveProperty('author');
  });

  it('gives each item a string id, content_html or content_text, RFC 3339 dates, and only `_` extensions', () => {
    const known = new Set([
      'id',
      'url',
      'external_url',
      'title',
      'content_html',
      'content_text',
      'summary',
      'image',
      'banner_image',
      'date_published',
      'date_modified',
      'authors',
      'tags',
      'language',
      'attachments',
    ]);
    expect(feed.items.map((item) => item.id)).toEqual([
      'https://arxiv.org/abs/2611.00001v1',
      'https://arxiv.org/abs/2611.00002v1',
      'https://arxiv.org/abs/2611.00003v1',
    ]);
    for (const item of feed.items) {
      expect(typeof item.id).toBe('string');
      expect(typeof item.content_html === 'string' || typeof item.content_text === 'string').toBe(true);
      expect(item.date_published).toMatch(RFC3339);
      for (const key of Object.keys(item)) expect(known.has(key) || key.startsWith('_'), key).toBe(true);
    }
    expect(feed.items[0]!.date_published).toBe('2026-11-24T07:00:00Z');
  });

  it('carries authors, categories as tags, the PDF, and the selection', () => {
    const first = feed.items[0]!;
    expect(first.authors).toEqual([{ name: 'Ada Lovelace' }]);
    expect(first.tags).toEqual(['cs.CL', 'cs.AI']);
    expect(first.attachments).toEqual([{ url: 'https://arxiv.org/pdf/2611.00001v1', mime_type: 'application/pdf', title: 'PDF' }]);
    expect(first._arxiv).toMatchObject({
      id: '2611.00001',
      version: 1,
      announce_type: 'new',
      selection: { score: 0.9, reason: '与你的文献库相似：On topic', method: 'embedding' },
    });
    expect(first.content_html).toContain('与你的文献库相似：On topic');
  });

  it('keeps hostile text inert and clean', () => {
    const hostile = feed.items[1]!;
    expect(hostile.url).toBe('https://arxiv.org/abs/2611.00002');
    expect(text).not.toContain('javascript:alert(1)');
    expect(hostile.content_html).not.toMatch(/<script|<a href="javascript/);
    expect(hostile.content_html).toContain('&lt;a href=&quot;javascript:alert(2)&quot;&gt;');
    expect(hostile.title).toBe('<script>alert(1)</script> <a href="javascript:alert(2)">x</a> evil nul \ufffd **md** [^1]');
    expect(JSON.stringify(feed)).not.toMatch(/\\u0000|\\u0085|\\u202e|\\ud800/i);
  });

  it('shows an untranslated entry with its note, in English', () => {
    const pending = feed.items[2]!;
    expect(pending.summary).toBe('翻译暂不可用');
    expect(pending.language).toBe('en');
    expect(pending._arxiv).toMatchObject({ text_status: 'pending' });
  });
});
