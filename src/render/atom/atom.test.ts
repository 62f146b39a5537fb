/** Tests of the Atom renderer: parsed back with the project's XML reader and checked against RFC 4287's rules. */
import { describe, expect, it } from 'vitest';
import type { Digest, DigestEntry } from '../../core/digest.js';
import { childNamed, childrenNamed, parseXmlTree, type XmlNode } from '../../../test/helpers/xml-tree.js';
import { createAtomRenderer, feedId } from './index.js';
import { digestEntry } from '../../../test/helpers/digest-entries.js';

const ATOM = 'http://www.w3.org/2005/Atom';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const HOSTILE = '<script>alert(1)</script> <img src=x onerror=alert(2)> ]]> & "q" \u202Eevil \u0000nul\u001B \udc00 $x<y$';

const entry = (overrides: Partial<DigestEntry> & { paperId: string }): DigestEntry => digestEntry({ version: 2, ...overrides });

const digest: Digest = {
  name: 'cs.CL/2026-11-24',
  subscription: 'cs.CL',
  style: 'native',
  lang: 'zh',
  createdAt: '2026-11-24T07:00:00.000Z',
  day: '2026-11-24',
  entries: [
    entry({
      paperId: '2611.00001',
      authors: ['Ada Lovelace', HOSTILE],
      categories: ['cs.CL', 'cs.LG'],
      announced: '2026-11-23T20:00:00-05:00',
      updatedFrom: 1,
      links: { html: 'https://arxiv.org/html/2611.00001v2' },
    }),
    entry({
      paperId: '2611.00002',
      title: HOSTILE,
      abstract: HOSTILE,
      link: 'javascript:alert(1)',
      texts: { lang: 'zh', title: HOSTILE, tldr: HOSTILE, tldrEn: HOSTILE, abstract: HOSTILE },
    }),
    entry({ paperId: 'hep-th/9901001', version: null, textStatus: 'failed', textReason: 'gate: too short' }),
  ],
};

const renderer = createAtomRenderer({ selfUrl: 'https://example.org/feeds/cs.CL.atom' });
const xml = renderer.render(digest);
const feed = parseXmlTree(xml, 'digest.atom');
const entries = childrenNamed(feed, 'entry', ATOM);

function text(node: XmlNode, name: string): string | undefined {
  return childNamed(node, name, ATOM)?.text;
}

describe('createAtomRenderer', () => {
  it('has the renderer seam metadata', () => {
    expect(renderer.format).toBe('atom');
    expect(renderer.mediaType).toBe('application/atom+xml; charset=utf-8');
  });

  it('writes a feed with the elements RFC 4287 §4.1.1 requires', () => {
    expect(feed.ns).toBe(ATOM);
    expect(feed.local).toBe('feed');
    expect(text(feed, 'id')).toBe('tag:xivdigest,2026:feed/cs.CL');
    expect(text(feed, 'title')).toBe('xivdigest cs.CL');
    expect(text(feed, 'updated')).toBe('2026-11-24T07:00:00Z');
    expect(childNamed(feed, 'author', ATOM)).toBeDefined();
    const links = childrenNamed(feed, 'link', ATOM).map((link) => [link.attributes.rel, link.attributes.href]);
    expect(links).toEqual([
      ['alternate', 'https://arxiv.org/list/cs.CL/new'],
      ['self', 'https://example.org/feeds/cs.CL.atom'],
    ]);
    expect(feed.attributes['xml:lang']).toBe('zh');
  });

  it('gives every entry a permanent id, a title, RFC 3339 dates and an alternate link', () => {
    expect(entries).toHaveLength(3);
    expect(entries.map((node) => text(node, 'id'))).toEqual([
      'https://arxiv.org/abs/2611.00001v2',
      'https://arxiv.org/abs/2611.00002v2',
      'https://arxiv.org/abs/hep-th/9901001',
    ]);
    for (const node of entries) {
      expect(text(node, 'title')).toBeTruthy();
      expect(text(node, 'updated')).toMatch(RFC3339);
      expect(childrenNamed(node, 'link', ATOM).some((link) => link.attributes.rel === 'alternate')).toBe(true);
      expect(childNamed(node, 'content', ATOM)!.attributes.type).toBe('html');
    }
    expect(text(entries[0]!, 'updated')).toBe('2026-11-24T01:00:00Z');
    expect(text(entries[0]!, 'title')).toBe('标题 [更新 (v2)]');
  });

  it('lists authors, categories as terms with arXiv scheme, and the PDF and HTML versions', () => {
    const first = entries[0]!;
    expect(childrenNamed(first, 'author', ATOM).map((author) => text(author, 'name'))).toEqual([
      'Ada Lovelace',
      '<script>alert(1)</script> <img src=x onerror=alert(2)> ]]> & "q" evil nul \ufffd $x<y$',
    ]);
    expect(childrenNamed(first, 'category', ATOM).map((category) => category.attributes.term)).toEqual(['cs.CL', 'cs.LG']);
    const related = childrenNamed(first, 'link', ATOM).filter((link) => link.attributes.rel === 'related');
    expect(related.map((link) => [link.attributes.type, link.attributes.href])).toEqual([
      ['application/pdf', 'https://arxiv.org/pdf/2611.00001v2'],
      ['text/html', 'https://arxiv.org/html/2611.00001v2'],
    ]);
  });

  it('keeps hostile text as text: escaped HTML content, no javascript: link, no control characters', () => {
    expect(xml).not.toContain('javascript:');
    expect(xml).not.toMatch(/[\u0000\u001B\u202E]/);
    const content = childNamed(entries[1]!, 'content', ATOM)!.text;
    expect(content).not.toMatch(/<script|<img/);
    expect(content).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(childrenNamed(entries[1]!, 'link', ATOM)[0]!.attributes.href).toBe('https://arxiv.org/abs/2611.00002');
  });

  it('marks an entry whose texts failed, in its summary', () => {
    expect(text(entries[2]!, 'summary')).toBe('翻译暂不可用');
    expect(text(entries[2]!, 'title')).toBe('A Title');
  });

  it('derives the feed id from the subscription so every day is the same feed', () => {
    expect(feedId({ name: 'cs.CL/2026-11-25', subscription: 'cs.CL' })).toBe(text(feed, 'id'));
    expect(feedId({ name: 'my list' })).toBe('tag:xivdigest,2026:feed/my%20list');
  });
});
