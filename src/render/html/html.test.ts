/** Tests of the standalone HTML renderer: self-contained, math by KaTeX, every text and link inert. */
import { describe, expect, it } from 'vitest';
import type { Digest, DigestEntry } from '../../core/digest.js';
import { cleanText, createHtmlRenderer, escapeHtml, safeHttpUrl, splitMath, textWithMath } from './index.js';
import { digestEntry } from '../../../test/helpers/digest-entries.js';

const entry = digestEntry;

function digest(entries: DigestEntry[], extra: Partial<Digest> = {}): Digest {
  return { name: 'cs.CL', style: 'native', lang: 'zh', createdAt: '2026-11-24T07:00:00Z', entries, ...extra };
}

const renderer = createHtmlRenderer();

/** Every `<tag …>` of a document with its attribute names (a lenient scan, enough to find live markup). */
function tags(html: string): Array<{ name: string; attributes: string[] }> {
  return [...html.replace(/<style>[\s\S]*?<\/style>/, '').matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/g)].map((match) => ({
    name: match[1]!.toLowerCase(),
    attributes: [...match[2]!.matchAll(/([^\s"'=/]+)(?:=("[^"]*"|'[^']*'|[^\s>]*))?/g)].map((attribute) => attribute[1]!.toLowerCase()),
  }));
}

describe('createHtmlRenderer', () => {
  it('has the renderer seam metadata', () => {
    expect(renderer.format).toBe('html');
    expect(renderer.mediaType).toBe('text/html; charset=utf-8');
  });

  const html = renderer.render(
    digest(
      [
        entry({
          paperId: '2611.00001',
          version: 3,
          updatedFrom: 2,
          title: 'Scaling $\\mathcal{O}(n^2)$ attention',
          abstract: 'We show $$\\sum_{i=1}^n x_i^2 \\le \\int_0^1 f(x)\\,dx$$ and \\(\\alpha\\).',
          texts: { lang: 'zh', title: '扩展 $O(n^2)$ 注意力', tldr: '要点 $x$。', tldrEn: 'Point $y$.', abstract: '我们证明 $\\beta$。' },
          authors: ['Ada Lovelace', 'Alan Turing'],
          categories: ['cs.CL', 'cs.LG'],
          links: { html: 'https://arxiv.org/html/2611.00001v3' },
          selection: {
            score: 0.83,
            reason: 'close to "Attention" (0.05): matched "ti:llm*"',
            method: 'lexical-tfidf',
            why: { keywords: ['ti:llm*'], nearest: 'Attention Is All You Need' },
          },
        }),
        entry({ paperId: '2611.00002', textStatus: 'failed', textReason: 'LLM output invalid' }),
      ],
      { day: '2026-11-24', subscription: 'cs.CL' },
    ),
  );

  it('is one self-contained document: viewport, lang, CSP, inline CSS, no external URL but links', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="zh">')).toBe(true);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('prefers-color-scheme:dark');
    expect(html).not.toMatch(/<link\b|<script\b|<img\b|<iframe\b/i);
    expect(html).not.toMatch(/url\((?!data:)/);
    expect(html).not.toMatch(/@import/);
    // Every absolute URL is a link target or an XML namespace of KaTeX's MathML.
    const urls = [...html.matchAll(/https?:\/\/[^\s"'<>)]+/g)].map((match) => match[0]);
    for (const url of urls)
      expect(url, url).toMatch(
        /^https:\/\/arxiv\.org\/(?:abs|pdf|html)\/|^https:\/\/arxiv\.org\/list\/cs\.CL\/new$|^http:\/\/www\.w3\.org\/1998\/Math\/MathML$/,
      );
  });

  it('renders math with KaTeX and inlines only the fonts it uses', () => {
    expect(html).toContain('class="katex"');
    expect(html).toContain('class="katex-display"');
    expect(html).not.toContain('katex-error');
    const faces = [...html.matchAll(/@font-face\{[^}]*font-family:(KaTeX_\w+);font-style:\w+;font-weight:(\d+)/g)].map((match) => `${match[1]} ${match[2]}`);
    expect(faces.sort()).toEqual(['KaTeX_Caligraphic 400', 'KaTeX_Main 400', 'KaTeX_Math 400', 'KaTeX_Size2 400']);
    expect(html).toContain('data:font/woff2;base64,');
  });

  it('shows links, authors, categories, the update flag, the selection and the collapsible English abstract', () => {
    expect(html).toContain('<a href="https://arxiv.org/abs/2611.00001" rel="noopener noreferrer">arXiv</a>');
    expect(html).toContain('<a href="https://arxiv.org/pdf/2611.00001v3" rel="noopener noreferrer">PDF</a>');
    expect(html).toContain('<a href="https://arxiv.org/html/2611.00001v3" rel="noopener noreferrer">HTML</a>');
    expect(html).toContain('<p class="authors" lang="en">Ada Lovelace, Alan Turing</p>');
    expect(html).toContain('<span class="cat primary">cs.CL</span> <span class="cat">cs.LG</span>');
    expect(html).toContain('<span class="flag updated">更新 (v3)</span>');
    expect(html).toContain('<p class="selection">匹配你的关键词：llm；与你的文献库相似：Attention Is All You Need</p>');
    expect(html).not.toMatch(/lexical-tfidf|0\.83|ti:/);
    expect(html).toMatch(/<details><summary>英文摘要<\/summary><p lang="en">We show <span class="math-display">/);
    expect(html).toContain('<title>arXiv cs.CL · 2026-11-24</title>');
  });

  it('shows an entry without texts in English with a clear note', () => {
    expect(html).toContain('<p class="note failed">翻译暂不可用</p>');
    expect(html).not.toContain('LLM output invalid');
    expect(html).toMatch(/<h2><span class="index">2\.<\/span>A Title<\/h2>/);
  });

  it('uses English labels and no KaTeX CSS for a digest without math', () => {
    const plain = createHtmlRenderer().render(digest([entry({ paperId: '2611.00003' })], { lang: 'en' }));
    expect(plain).toContain('<html lang="en">');
    expect(plain).toContain('English abstract');
    expect(plain).not.toContain('KaTeX');
    expect(plain.length).toBeLessThan(12_000);
  });

  it('can leave the KaTeX fonts out', () => {
    const small = createHtmlRenderer({ katexFonts: 'none' }).render(digest([entry({ paperId: '2611.00004', title: '$x$' })]));
    expect(small).toContain('.katex');
    expect(small).not.toContain('@font-face');
  });

  it('says so for an empty digest', () => {
    expect(renderer.render(digest([]))).toContain('<p class="empty">今天没有论文。</p>');
  });
});

const HOSTILE = [
  '<script>window.__pwned=1</script>',
  '<img src=x onerror="window.__pwned=2">',
  '"><svg onload=alert(1)>',
  "' onmouseover='alert(2)",
  '[x](javascript:alert(3)) **bold** # head | cell [^1]',
  '$\\href{javascript:alert(4)}{click}$ $\\url{javascript:alert(5)}$ $\\htmlClass{x}{y}$ $</span><script>alert(6)</script>$',
  '\\(\\def\\a{\\a\\a}\\a\\)',
  '\u202Egnp.exe\u202C \u2066iso\u2069 \u0000nul\u0007bell\u001B[2J \ud800lone\udfff',
].join(' ');

describe('hostile input', () => {
  const html = renderer.render(
    digest([
      entry({
        paperId: '2611.00005" onclick="alert(7)',
        title: HOSTILE,
        abstract: HOSTILE,
        link: 'javascript:alert(8)',
        links: { pdf: 'javascript:alert(9)', html: 'data:text/html,<script>alert(10)</script>' },
        authors: [HOSTILE],
        categories: ['<b>cs.CL</b>'],
        texts: { lang: 'zh', title: HOSTILE, tldr: HOSTILE, tldrEn: HOSTILE, abstract: HOSTILE },
        selection: { score: Number.NaN, reason: HOSTILE, method: HOSTILE, why: { nearest: HOSTILE, keywords: [HOSTILE], authors: [HOSTILE] } },
        textReason: HOSTILE,
      }),
      entry({ paperId: '2611.00006', textStatus: 'pending', textReason: HOSTILE, title: HOSTILE, abstract: HOSTILE }),
    ]),
  );
  const allTags = tags(html);

  it('leaves no script, no event handler, no javascript: or data: link', () => {
    expect(allTags.filter((tag) => ['script', 'img', 'svg', 'iframe', 'object', 'embed'].includes(tag.name))).toEqual([]);
    expect(allTags.filter((tag) => tag.attributes.some((name) => name.startsWith('on')))).toEqual([]);
    expect(html).not.toMatch(/href="(?!https:\/\/arxiv\.org\/)/);
    expect(html).not.toMatch(/javascript:alert\((?:8|9)\)"/);
    expect(html).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
  });

  it('gives untrusted TeX no links and no HTML: \\href and \\url are refused with trust off', () => {
    // The header's arXiv listing; entry 1: the abstract page only (its id is not an arXiv id, so no PDF); entry 2:
    // abstract page and PDF.
    expect(allTags.filter((tag) => tag.name === 'a').length).toBe(4);
    expect(html).not.toMatch(/<a [^>]*href="javascript/);
    expect(html).not.toMatch(/class="[^"]*\bx\b[^"]*"/);
  });

  it('removes control and bidi characters and repairs lone surrogates', () => {
    expect(html).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u202E\u2066\u2069]/);
    expect(html).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    expect(html).toContain('\ufffdlone\ufffd');
  });

  it('keeps the id attribute safe', () => {
    expect(html).toContain('id="paper-2611.00005--onclick--alert-7-"');
  });
});

describe('splitMath', () => {
  it.each([
    ['costs $5 and $10', [{ kind: 'text', text: 'costs $5 and $10' }]],
    [
      'a $x$ b',
      [
        { kind: 'text', text: 'a ' },
        { kind: 'math', tex: 'x', display: false, source: '$x$' },
        { kind: 'text', text: ' b' },
      ],
    ],
    ['$$y$$', [{ kind: 'math', tex: 'y', display: true, source: '$$y$$' }]],
    [
      '\\(z\\) and \\[w\\]',
      [
        { kind: 'math', tex: 'z', display: false, source: '\\(z\\)' },
        { kind: 'text', text: ' and ' },
        { kind: 'math', tex: 'w', display: true, source: '\\[w\\]' },
      ],
    ],
    ['price \\$3 $ x$ open $', [{ kind: 'text', text: 'price $3 $ x$ open $' }]],
  ])('case %#', (input, expected) => {
    expect(splitMath(input)).toEqual(expected);
  });

  it('renders a broken formula as an escaped katex-error, not as markup', () => {
    const html = textWithMath('$\\frac{<b>$');
    expect(html).toContain('katex-error');
    expect(html).not.toContain('<b>');
  });
});

describe('helpers', () => {
  it('escapeHtml escapes the five specials and cleans text', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>\u0000\u202E`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(cleanText('a\r\nb\u2028c\ud800')).toBe('a\nb\nc\ufffd');
  });

  it('safeHttpUrl keeps http(s) only, normalized', () => {
    expect(safeHttpUrl('https://arxiv.org/abs/2403.10568')).toBe('https://arxiv.org/abs/2403.10568');
    expect(safeHttpUrl('https://arxiv.org/abs/a b"<')).toBe('https://arxiv.org/abs/a%20b%22%3C');
    expect(safeHttpUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeHttpUrl(' JaVaScRiPt:alert(1)')).toBeUndefined();
    expect(safeHttpUrl('data:text/html,x')).toBeUndefined();
    expect(safeHttpUrl('//evil.example/')).toBeUndefined();
    expect(safeHttpUrl('https://user:pass@evil.example/')).toBeUndefined();
  });
});
