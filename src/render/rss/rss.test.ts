/** Tests of the RSS renderer: the original's feed byte for byte, and native feeds that are valid and inert. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedFixtures, sharedFixture } from '../../../test/helpers/shared-fixtures.js';
import type { Digest, DigestEntry } from '../../core/digest.js';
import { XivdigestError } from '../../core/errors.js';
import { parseMarkdownDigest } from '../../sources/digest-import/parse.js';
import { createRssRenderer, parseFeedDate, rfc822 } from './index.js';
import { childNamed, childrenNamed, parseXmlTree } from '../../../test/helpers/xml-tree.js';
import { digestEntry } from '../../../test/helpers/digest-entries.js';

const renderer = createRssRenderer();

const entry = digestEntry;

function digest(style: Digest['style'], entries: DigestEntry[], extra: Partial<Digest> = {}): Digest {
  return { name: 'cs.AI', style, lang: 'zh', createdAt: '2026-07-07T09:05:00.000Z', entries, ...extra };
}

/** The `<item>…</item>` strings of a feed, in order. */
function items(xml: string): string[] {
  return [...xml.matchAll(/<item>[\s\S]*?<\/item>/g)].map((match) => match[0]);
}

describe('createRssRenderer', () => {
  it('has the renderer seam metadata', () => {
    expect(renderer.format).toBe('rss');
    expect(renderer.mediaType).toBe('application/rss+xml; charset=utf-8');
  });
});

describe('legacy style (the original make_rss)', () => {
  it('writes the empty channel as ElementTree did', () => {
    expect(renderer.render(digest('legacy', []))).toBe(
      '<rss version="2.0"><channel><title>Chat Arxiv cs.AI</title><link>https://github.com/qhduan/cn-chat-arxiv</link>' +
        '<description>This is arxiv RSS feed for cs.AI</description></channel></rss>',
    );
  });

  it('writes one item: TL;DR title, link, 7 raw paragraphs, non-ASCII as decimal references, <x /> for empty text', () => {
    const xml = renderer.render(
      digest('legacy', [
        entry({
          paperId: '2301.00001',
          link: 'http://arxiv.org/abs/2301.00001',
          title: 'T & <b>. (arXiv:2301.00001v1 [cs.AI])',
          abstract: 'a\nb 😀',
          texts: { lang: 'zh', title: '标\n题', tldr: '', tldrEn: '', abstract: '摘' },
        }),
        entry({ paperId: '2301.00002', textStatus: 'failed' }),
      ]),
    );
    expect(items(xml)).toEqual([
      '<item><title /><link>http://arxiv.org/abs/2301.00001</link><description>&lt;p&gt;\n&#26631; &#39064;\n&lt;/p&gt;\n' +
        '&lt;p&gt;\nT &amp; &lt;b&gt;. (arXiv:2301.00001v1 [cs.AI])\n&lt;/p&gt;\n&lt;p&gt;\nhttp://arxiv.org/abs/2301.00001\n&lt;/p&gt;\n' +
        '&lt;p&gt;\n\n&lt;/p&gt;\n&lt;p&gt;\n\n&lt;/p&gt;\n&lt;p&gt;\n&#25688;\n&lt;/p&gt;\n&lt;p&gt;\na b &#128512;\n&lt;/p&gt;</description></item>',
    ]);
  });
});

describe.skipIf(!hasSharedFixtures)('conformance with the real cs.AI feed (../shared seed-outputs)', () => {
  it('renders the digest imported from the .md into the .xml the original published, byte for byte', () => {
    const markdown = readFileSync(sharedFixture('seed-outputs', 'cs.AI_2026-07-07_27c2083.md'), 'utf8');
    const expected = readFileSync(sharedFixture('seed-outputs', 'cs.AI_2026-07-07_27c2083.xml'), 'utf8');
    const imported = parseMarkdownDigest(markdown, { origin: 'cs.AI_2026-07-07_27c2083.md' });
    const xml = renderer.render({ ...imported.digest, name: 'cs.AI', createdAt: '2026-07-07T00:00:00Z' });
    const actualItems = items(xml);
    const expectedItems = items(expected);
    expect(actualItems).toHaveLength(expectedItems.length);
    expect(expectedItems.length).toBe(8);
    actualItems.forEach((item, index) => expect(item, `item ${index + 1}`).toBe(expectedItems[index]));
    expect(xml).toBe(expected);
  });
});

const HOSTILE = '<script>alert(1)</script> <img src=x onerror=alert(2)> ]]> &amp; | [^1]: x \u202Eevil\u202C \u0000nul\u0007 \ud800 lone # *md*';

describe('native style', () => {
  const hostile = digest(
    'native',
    [
      entry({
        paperId: '2607.00001',
        version: 3,
        updatedFrom: 2,
        title: HOSTILE,
        abstract: HOSTILE,
        texts: { lang: 'zh', title: HOSTILE, tldr: HOSTILE, tldrEn: HOSTILE, abstract: HOSTILE },
        authors: ['Ada <Lovelace>', 'Bob "B" & Co'],
        categories: ['cs.AI', 'cs.CL'],
        announced: '2026-07-06',
        selection: { score: 0.875, reason: HOSTILE, why: { nearest: HOSTILE } },
      }),
      entry({ paperId: '2607.00002', link: 'javascript:alert(3)', textStatus: 'pending' }),
    ],
    { subscription: 'cs.AI', day: '2026-07-07' },
  );
  const xml = renderer.render(hostile);

  it('is well-formed RSS 2.0 with the required channel elements', () => {
    const rss = parseXmlTree(xml, 'native.rss');
    expect(rss.local).toBe('rss');
    expect(rss.attributes.version).toBe('2.0');
    const channel = childNamed(rss, 'channel')!;
    for (const name of ['title', 'link', 'description']) expect(childNamed(channel, name)?.text).toBeTruthy();
    expect(childNamed(channel, 'link')!.text).toBe('https://arxiv.org/list/cs.AI/new');
    expect(childNamed(channel, 'lastBuildDate')!.text).toBe('Tue, 07 Jul 2026 09:05:00 +0000');
    expect(childrenNamed(channel, 'item')).toHaveLength(2);
  });

  it('gives each item a permanent guid with the version, an RFC 822 date, authors and categories', () => {
    const [first, second] = childrenNamed(childNamed(parseXmlTree(xml, 'native.rss'), 'channel')!, 'item');
    expect(childNamed(first!, 'guid')!.text).toBe('https://arxiv.org/abs/2607.00001v3');
    expect(childNamed(first!, 'guid')!.attributes.isPermaLink).toBe('true');
    expect(childNamed(first!, 'pubDate')!.text).toBe('Mon, 06 Jul 2026 00:00:00 +0000');
    expect(childNamed(first!, 'creator', 'http://purl.org/dc/elements/1.1/')!.text).toBe('Ada <Lovelace>, Bob "B" & Co');
    expect(childrenNamed(first!, 'category').map((node) => node.text)).toEqual(['cs.AI', 'cs.CL']);
    // The second entry has no `announced`: the digest's day.
    expect(childNamed(second!, 'pubDate')!.text).toBe('Tue, 07 Jul 2026 00:00:00 +0000');
    expect(childNamed(second!, 'link')!.text).toBe('https://arxiv.org/abs/2607.00002');
    expect(childNamed(second!, 'title')!.text).toBe('A Title');
  });

  it('keeps the original item layout: TL;DR title and the 7 paragraphs first, HTML-escaped', () => {
    const first = childrenNamed(childNamed(parseXmlTree(xml, 'native.rss'), 'channel')!, 'item')[0]!;
    const description = childNamed(first, 'description')!.text;
    const paragraphs = [...description.matchAll(/<p>\n([\s\S]*?)\n<\/p>/g)].map((match) => match[1]!);
    expect(paragraphs.length).toBeGreaterThanOrEqual(7);
    expect(paragraphs[2]).toBe('<a href="https://arxiv.org/abs/2607.00001">https://arxiv.org/abs/2607.00001</a>');
    expect(paragraphs[7]).toBe('更新 (v3)');
    // The decoded description is HTML in which the hostile text is only text.
    expect(description).not.toMatch(/<script|<img|\u202E|\u0000|\u0007/);
    expect(description).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(description).toContain('\uFFFD lone');
    expect(childNamed(first, 'title')!.text).toContain('<script>alert(1)</script>');
    expect(childNamed(first, 'title')!.text).not.toMatch(/[\u0000\u0007\u202E]/);
  });

  it('shows an untranslated entry with its note and never a javascript: link', () => {
    expect(xml).not.toContain('javascript:');
    expect(xml).toContain('翻译暂不可用');
  });

  it('rejects an invalid date with a clear error', () => {
    const bad = digest('native', [entry({ paperId: '2607.00003', announced: 'yesterday' })]);
    expect(() => renderer.render(bad)).toThrowError(XivdigestError);
    try {
      renderer.render(bad);
    } catch (error) {
      expect(XivdigestError.isInstance(error) && error.code).toBe('INPUT_MALFORMED');
      expect((error as Error).message).toContain('announced of 2607.00003');
    }
  });
});

describe('dates', () => {
  it.each([
    ['2026-11-24', 'Tue, 24 Nov 2026 00:00:00 +0000'],
    ['2026-11-24T07:22:14.123Z', 'Tue, 24 Nov 2026 07:22:14 +0000'],
    ['2026-03-01T01:00:00+02:00', 'Sat, 28 Feb 2026 23:00:00 +0000'],
  ])('%s → %s', (input, expected) => {
    expect(rfc822(parseFeedDate(input, 'x'))).toBe(expected);
  });

  it('refuses dates without a zone or out of range', () => {
    expect(() => parseFeedDate('2026-11-24T07:22:14', 'x')).toThrowError(/not a date/);
    expect(() => parseFeedDate('2026-13-40', 'x')).toThrowError(/not a date/);
  });
});
