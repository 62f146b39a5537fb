/** The standalone HTML digest in real Chromium: Chinese glyphs, KaTeX, a 375 px phone, dark mode, and inert hostile input. */
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Digest } from '../../src/core/digest.js';
import { createHtmlRenderer } from '../../src/render/html/index.js';
import { startTestServer, type TestServer } from '../helpers/http-server.js';
import { digestEntry } from '../helpers/digest-entries.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumFor } from '../helpers/chromium.js';

// The callbacks passed to page.evaluate run in the page. The project compiles without the DOM library (adding it
// would change Node's stream types for every file), so the page's globals are declared here, untyped, for this file only.
declare const document: any;
declare const window: any;
declare const getComputedStyle: (element: unknown) => any;
declare const requestAnimationFrame: (callback: () => void) => void;

const hasChromium = chromiumFor('browser tests');

const entry = digestEntry;

const digest: Digest = {
  name: 'cs.CL/2026-11-24',
  subscription: 'cs.CL',
  day: '2026-11-24',
  style: 'native',
  lang: 'zh',
  createdAt: '2026-11-24T07:00:00Z',
  entries: [
    entry({
      paperId: '2611.00001',
      version: 2,
      updatedFrom: 1,
      title: 'Sparse attention in $\\mathcal{O}(n \\log n)$ with \\(\\alpha\\)-entmax',
      abstract:
        'We prove $$\\sum_{i=1}^{n} \\frac{x_i^2}{\\sqrt{1+\\lambda_i}} \\le \\int_0^1 f(x)\\,dx + \\left(\\prod_{j=1}^{m} \\frac{a_j}{b_j}\\right)^{2} + \\mathbb{E}[\\|\\nabla L\\|^2]$$ ' +
        'and a very long identifier Supercalifragilisticexpialidociousnessnessnessnessnessnessnessness at https://example.org/a/very/long/path/that/does/not/break/anywhere/naturally.',
      texts: {
        lang: 'zh',
        title: '稀疏注意力：$\\mathcal{O}(n \\log n)$ 复杂度与 $\\alpha$-entmax',
        tldr: '本文提出一种稀疏注意力机制，在保持精度的同时把复杂度降到 $O(n\\log n)$。',
        tldrEn: 'A sparse attention that runs in $O(n\\log n)$ without losing accuracy.',
        abstract: '我们证明了 $\\sum_i x_i^2 \\le 1$，并在中文、英文与代码数据上验证了该方法。'.repeat(3),
      },
      authors: ['张三', 'Ada Lovelace', 'Alan Turing'],
      categories: ['cs.CL', 'cs.LG'],
      links: { html: 'https://arxiv.org/html/2611.00001v2' },
      selection: { score: 0.91, reason: '与“长上下文”主题高度相关' },
    }),
    entry({ paperId: '2611.00002', textStatus: 'pending', title: 'Untranslated paper', abstract: 'Plain English abstract.' }),
  ],
};

const HOSTILE = [
  '<script>window.__pwned=1</script>',
  '<img src=x onerror="window.__pwned=2">',
  '"><svg onload="window.__pwned=3">',
  "' autofocus onfocus='window.__pwned=4",
  '<a href="javascript:window.__pwned=5">click</a>',
  '[md](javascript:window.__pwned=6) **b** | c',
  '$\\href{javascript:window.__pwned=7}{tex link}$ $</span><script>window.__pwned=8</script>$',
  '<iframe srcdoc="<script>parent.__pwned=9</script>"></iframe> <style>body{display:none}</style>',
  '\u202Eevil\u202C \u0000nul \ud800',
].join(' ');

const hostileDigest: Digest = {
  ...digest,
  entries: [
    entry({
      paperId: '2611.00003',
      link: 'javascript:window.__pwned=10',
      links: { pdf: 'javascript:window.__pwned=11', html: 'data:text/html,<script>alert(1)</script>' },
      title: HOSTILE,
      abstract: HOSTILE,
      authors: [HOSTILE],
      categories: [HOSTILE],
      texts: { lang: 'zh', title: HOSTILE, tldr: HOSTILE, tldrEn: HOSTILE, abstract: HOSTILE },
      selection: { score: 1, reason: HOSTILE },
    }),
    entry({ paperId: '2611.00004', textStatus: 'failed', textReason: HOSTILE }),
  ],
};

/** Mixed CJK and Latin in the TL;DR, and LaTeX emphasis outside math. */
const typographyDigest: Digest = {
  ...digest,
  entries: [
    entry({
      paperId: '2611.00009',
      title: 'Sparse Experts for \\textit{Efficient} Serving',
      texts: {
        lang: 'zh',
        title: '面向高效 LLM 推理的稀疏 Mixture-of-Experts',
        tldr: '本文提出 SpaRoute，一种用于 Transformer 推理的稀疏路由方法，且 \\emph{无需} 额外训练。',
        tldrEn: 'SpaRoute halves latency.',
        abstract: '我们提出 \\textbf{SpaRoute}，在 GPU 上运行，复杂度为 $\\textbf{O}(n)$。',
      },
    }),
  ],
};

describe.skipIf(!hasChromium)('standalone HTML digest in Chromium', () => {
  const renderer = createHtmlRenderer();
  let browser: Browser;
  let server: TestServer;
  let profile: string;

  beforeAll(async () => {
    profile = await mkdtemp(join(tmpdir(), 'xivdigest-chromium-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, env: { ...process.env, HOME: profile } });
    server = await startTestServer({
      '/digest.html': { headers: { 'content-type': 'text/html; charset=utf-8' }, body: renderer.render(digest) },
      '/hostile.html': { headers: { 'content-type': 'text/html; charset=utf-8' }, body: renderer.render(hostileDigest) },
      '/typography.html': { headers: { 'content-type': 'text/html; charset=utf-8' }, body: renderer.render(typographyDigest) },
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  /** A phone-sized page at `path`, recording every request it makes and every dialog it opens. */
  async function open(
    path: string,
    colorScheme: 'light' | 'dark' = 'light',
  ): Promise<{ context: BrowserContext; page: Page; requests: string[]; dialogs: string[] }> {
    const context = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, colorScheme });
    const page = await context.newPage();
    const requests: string[] = [];
    const dialogs: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${server.url}${path}`, { waitUntil: 'load' });
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
    return { context, page, requests, dialogs };
  }

  it('makes no request but the page itself, fits 375 px, renders Chinese and math, and saves a screenshot', async () => {
    const { context, page, requests } = await open('/digest.html');
    try {
      expect(requests).toEqual([`${server.url}/digest.html`]);

      // No horizontal scrolling on a phone, despite a long display formula, a long word and a long URL.
      const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, body: document.body.scrollWidth }));
      expect(widths.scroll).toBeLessThanOrEqual(375);
      expect(widths.body).toBeLessThanOrEqual(375);

      // Chinese glyphs, not tofu: missing glyphs all draw the same .notdef box, so two different characters drawn in
      // the page's font must give different pixels, and a CJK character must differ from a private-use one (tofu).
      const glyphs = await page.evaluate(() => {
        const font = getComputedStyle(document.querySelector('h2')!).fontFamily;
        const draw = (text: string): number[] => {
          const canvas = document.createElement('canvas');
          canvas.width = 64;
          canvas.height = 64;
          const context = canvas.getContext('2d')!;
          context.fillStyle = '#fff';
          context.fillRect(0, 0, 64, 64);
          context.fillStyle = '#000';
          context.font = `48px ${font}`;
          context.textBaseline = 'top';
          context.fillText(text, 8, 8);
          return Array.from(context.getImageData(0, 0, 64, 64).data);
        };
        const difference = (a: number[], b: number[]): number => a.reduce((count, value, index) => count + (value !== b[index] ? 1 : 0), 0);
        const zhong = draw('中');
        const guo = draw('国');
        const tofu = draw('\uE000');
        const ink = zhong.filter((value, index) => index % 4 === 0 && value < 128).length;
        const measure = (text: string): number => {
          const span = document.createElement('span');
          span.textContent = text;
          document.body.append(span);
          const width = span.getBoundingClientRect().width;
          span.remove();
          return width;
        };
        return {
          zhongVsGuo: difference(zhong, guo),
          zhongVsTofu: difference(zhong, tofu),
          ink,
          cjkWidth: measure('中文字体'),
          tofuWidth: measure('\uE000\uE001\uE002\uE003'),
        };
      });
      expect(glyphs.ink).toBeGreaterThan(20);
      expect(glyphs.zhongVsGuo).toBeGreaterThan(100);
      expect(glyphs.zhongVsTofu).toBeGreaterThan(100);
      expect(glyphs.cjkWidth).toBeGreaterThan(0);

      // Math: KaTeX elements with a size, no errors, and KaTeX's own (inlined) fonts loaded.
      const math = await page.evaluate(() => {
        const boxes = Array.from(document.querySelectorAll('.katex')).map((element: any) => element.getBoundingClientRect());
        return {
          count: boxes.length,
          empty: boxes.filter((box) => box.width === 0 || box.height === 0).length,
          errors: document.querySelectorAll('.katex-error').length,
          display: document.querySelectorAll('.katex-display').length,
          mainFont: document.fonts.check('16px KaTeX_Main'),
          loadedFaces: Array.from(document.fonts)
            .filter((face: any) => face.status === 'loaded')
            .map((face: any) => face.family),
        };
      });
      expect(math.count).toBeGreaterThanOrEqual(8);
      expect(math.empty).toBe(0);
      expect(math.errors).toBe(0);
      expect(math.display).toBe(1);
      expect(math.mainFont).toBe(true);
      expect(math.loadedFaces).toEqual(expect.arrayContaining(['KaTeX_Main', 'KaTeX_Math']));

      // The collapsed English abstract opens.
      await page.click('details summary');
      expect(await page.evaluate(() => document.querySelector('details')!.open)).toBe(true);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

      mkdirSync(resolve('test-output'), { recursive: true });
      await page.screenshot({ path: resolve('test-output', 'digest-mobile.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('draws Latin and CJK of the TL;DR at one weight, and LaTeX emphasis as italics and bold', async () => {
    const { context, page } = await open('/typography.html');
    try {
      const found = await page.evaluate(() => {
        const tldr = document.querySelector('.tldr');
        // Chromium synthesizes bold for CJK fonts (which have no bold face) only from 700: a weight in 500–650 would
        // show Latin bold beside regular CJK.
        const weights = [tldr, ...Array.from(tldr.querySelectorAll('*'))].map((element: any) => Number(getComputedStyle(element).fontWeight));
        return {
          tldrWeight: Number(getComputedStyle(tldr).fontWeight),
          inBetween: weights.filter((weight) => weight > 450 && weight < 700),
          em: tldr.querySelector('em')?.textContent,
          emStyle: tldr.querySelector('em') ? getComputedStyle(tldr.querySelector('em')).fontStyle : '',
          strong: document.querySelector('.abstract strong')?.textContent,
          titleEm: document.querySelector('.title-en em')?.textContent,
          raw: /\\(?:textit|textbf|emph)/.test(document.body.innerText),
        };
      });
      expect(found).toEqual({ tldrWeight: 400, inBetween: [], em: '无需', emStyle: 'italic', strong: 'SpaRoute', titleEm: 'Efficient', raw: false });
      mkdirSync(resolve('test-output'), { recursive: true });
      await page.screenshot({ path: resolve('test-output', 'digest-typography.png') });
    } finally {
      await context.close();
    }
  });

  it('follows the dark colour scheme', async () => {
    const background = async (scheme: 'light' | 'dark'): Promise<{ color: string; luminance: number }> => {
      const { context, page } = await open('/digest.html', scheme);
      try {
        return await page.evaluate(() => {
          const color = getComputedStyle(document.body).backgroundColor;
          const [r, g, b] = (color.match(/\d+/g) ?? ['0', '0', '0']).map(Number) as [number, number, number];
          return { color, luminance: (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 };
        });
      } finally {
        await context.close();
      }
    };
    const light = await background('light');
    const dark = await background('dark');
    expect(dark.color).not.toBe(light.color);
    expect(light.luminance).toBeGreaterThan(0.8);
    expect(dark.luminance).toBeLessThan(0.2);
  });

  it('keeps hostile titles, texts, links and TeX inert', async () => {
    const { context, page, requests, dialogs } = await open('/hostile.html');
    try {
      // Give any handler that could fire (onerror, onload, autofocus) the chance to.
      await page.focus('body');
      await page.mouse.move(100, 200);
      await page.evaluate(() => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))));
      const state = await page.evaluate(() => ({
        pwned: (window as unknown as { __pwned?: unknown }).__pwned,
        scripts: document.querySelectorAll('script').length,
        dangerous: document.querySelectorAll('img, svg, iframe, object, embed, style:not(head style), body link').length,
        handlers: Array.from(document.querySelectorAll('*')).filter((element: any) =>
          Array.from(element.attributes as ArrayLike<{ name: string }>).some((attribute) => attribute.name.toLowerCase().startsWith('on')),
        ).length,
        hrefs: Array.from(document.querySelectorAll('[href]')).map((element: any) => element.getAttribute('href') as string),
        visible: getComputedStyle(document.body).display,
        text: document.body.textContent ?? '',
      }));
      expect(state.pwned).toBeUndefined();
      expect(dialogs).toEqual([]);
      expect(state.scripts).toBe(0);
      expect(state.dangerous).toBe(0);
      expect(state.handlers).toBe(0);
      for (const href of state.hrefs) expect(href).toMatch(/^https:\/\/arxiv\.org\//);
      expect(state.visible).toBe('block');
      // The hostile text is shown as text.
      expect(state.text).toContain('<script>window.__pwned=1</script>');
      expect(state.text).not.toMatch(/[\u202E\u0000]/);
      expect(requests).toEqual([`${server.url}/hostile.html`]);
    } finally {
      await context.close();
    }
  });
});
