/**
 * The static edition as a GitHub Pages reader meets it: files written from a web app, served by a static server under
 * a project path (`/repo/`), searched in Chromium (two-character Chinese words included), every internal link alive.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abstractHash } from '../../core/hash.js';
import type { StoredTexts } from '../../core/texts.js';
import { makePaper } from '../../../test/helpers/select-papers.js';
import { startStaticServer, type StaticServer } from '../../../test/helpers/static-server.js';
import { createTempSqliteDatabase, type TempDatabase } from '../../../test/helpers/temp-store.js';
import { createStore } from '../../store/index.js';
import type { Store } from '../../store/store.js';
import { urls } from '../urls.js';
import { writeStaticEdition, staticTokens, type StaticEditionResult } from './index.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumFor } from '../../../test/helpers/chromium.js';

// page.evaluate callbacks run in the page; the project compiles without the DOM library.
declare const document: { querySelectorAll(selector: string): Array<{ textContent: string | null; getAttribute(name: string): string | null }> };

const hasChromium = chromiumFor('static edition browser tests');

describe('staticTokens', () => {
  it('cuts CJK runs into bigrams, so two-character words match inside longer ones', () => {
    expect(staticTokens('大模型')).toEqual(['大模', '模型']);
    expect(staticTokens('模型')).toEqual(['模型']);
    expect(staticTokens('语言模型')).toContain('模型');
    expect(staticTokens('模')).toEqual(['模']);
  });
  it('lower-cases, folds diacritics and keeps digits, as the served search does', () => {
    expect(staticTokens('Diffusion Models für Schrödinger, GPT-4 class')).toEqual(['diffusion', 'models', 'fur', 'schrodinger', 'gpt', '4', 'class']);
  });
});

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A small site shaped like the real one: pages, a stylesheet with fonts, feeds, a search form, server-only links. */
function testSite(store: Store, baseUrl: string): Hono {
  const page = (title: string, body: string) =>
    `<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>${escape(title)}</title>` +
    `<link rel="stylesheet" href="${urls.asset('site.css')}"><link rel="alternate" type="application/atom+xml" href="${urls.digestFeed('cs.CL/2026-11-24', 'atom')}">` +
    `</head><body><header><a href="${urls.home()}">home</a> <a href="${urls.archive()}">archive</a> ` +
    `<form action="${urls.search()}" method="get" role="search"><label>search <input name="q"></label><button>go</button></form></header>` +
    `<main>${body}</main></body></html>`;
  const app = new Hono();
  app.get('/', async (c) => {
    const papers = await store.getPapers();
    return c.html(
      page(
        'home',
        `<h1>home</h1><ul>${papers.map((paper) => `<li><a href="${urls.paper(paper.id)}">${escape(paper.title)}</a></li>`).join('')}</ul><a href="${urls.search({ q: 'diffusion' })}">saved search</a>`,
      ),
    );
  });
  app.get('/archive', (c) => c.html(page('archive', `<h1>archive</h1><a href="${urls.archiveCalendar('cs.CL+cs.AI-cs.CY')}">cs.CL+cs.AI-cs.CY</a>`)));
  app.get('/archive/:expression', (c) => c.html(page('calendar', `<h1>${escape(c.req.param('expression'))}</h1><a href="../">up</a>`)));
  app.get('/papers/*', async (c) => {
    const id = decodeURIComponent(c.req.path.slice('/papers/'.length));
    const [paper] = await store.getPapers({ ids: [id] });
    if (!paper) return c.html(page('not found', '<h1>not found</h1>'), 404);
    return c.html(
      page(
        paper.title,
        `<h1>${escape(paper.title)}</h1><p>${escape(paper.abstract)}</p><a href="${urls.api.paper(id)}">JSON</a> <a href="${urls.home()}#top">top</a>`,
      ),
    );
  });
  app.get('/search', (c) => c.html(page('search', '<h1>search</h1>')));
  app.get('/assets/site.css', (c) =>
    c.body('body{font-family:"WenQuanYi Micro Hei"}@font-face{font-family:x;src:url(/assets/fonts/x.woff2)}', 200, {
      'content-type': 'text/css; charset=utf-8',
    }),
  );
  app.get('/assets/fonts/x.woff2', (c) => c.body(new Uint8Array([0x77, 0x4f, 0x46, 0x32]), 200, { 'content-type': 'font/woff2' }));
  app.get('/feeds/digests/*', (c) =>
    c.body(`<feed xmlns="http://www.w3.org/2005/Atom"><link href="${baseUrl}/"/></feed>`, 200, { 'content-type': 'application/atom+xml' }),
  );
  app.notFound((c) => c.html(page('not found', `<h1>404</h1><a href="${urls.home()}">home</a>`), 404));
  return app;
}

const HOSTILE = '<img src=x onerror="window.__pwned=1"> Hostile </script> title';

describe('the static edition', () => {
  let database: TempDatabase;
  let store: Store;
  let dir: string;
  let server: StaticServer;
  let result: StaticEditionResult;
  let browser: Browser | undefined;

  beforeAll(async () => {
    database = await createTempSqliteDatabase();
    store = await createStore({ url: database.url });
    const papers = [
      makePaper({ id: '2611.00001', title: 'Scaling Large Language Models', abstract: 'We train a large language model.', announced: '2026-11-24' }),
      makePaper({
        id: '2611.00002',
        title: 'Evaluating Language Models',
        abstract: 'An evaluation of language models on translation.',
        announced: '2026-11-24',
      }),
      makePaper({ id: '2611.00003', title: 'Diffusion for Images', abstract: 'A diffusion approach to image generation.', announced: '2026-11-23' }),
      makePaper({ id: '2611.00004', title: HOSTILE, abstract: 'Hostile text that mentions nothing else.', announced: '2026-11-23' }),
      makePaper({ id: 'hep-th/9901001', title: 'An Old Style Identifier', abstract: 'Strings.', categories: ['hep-th'], announced: '1999-01-04' }),
    ];
    await store.upsertPapers(papers);
    const zh: Record<string, [string, string]> = {
      '2611.00001': ['扩展大模型', '我们训练了一个大模型。'],
      '2611.00002': ['评估语言模型', '对语言模型在翻译上的评估。'],
      '2611.00003': ['用于图像的扩散', '一种用于图像生成的扩散方法。'],
      '2611.00004': [`${HOSTILE} 中文`, '恶意文本。'],
    };
    const texts: StoredTexts[] = papers
      .filter((paper) => zh[paper.id])
      .map((paper) => ({
        paperId: paper.id,
        version: 1,
        abstractHash: abstractHash(paper.abstract),
        provider: 'test',
        model: 'test',
        promptVersion: 'v1',
        createdAt: '2026-11-24T00:00:00Z',
        lang: 'zh',
        title: zh[paper.id]![0],
        tldr: zh[paper.id]![1],
        tldrEn: 'TL;DR',
        abstract: zh[paper.id]![1],
        status: 'ok',
      }));
    await store.saveTexts(texts);
    dir = await mkdtemp(join(tmpdir(), 'xivdigest-static-'));
    const baseUrl = 'https://reader.github.io/repo';
    const app = testSite(store, baseUrl);
    result = await writeStaticEdition({ store, request: (path) => Promise.resolve(app.request(path)), dir, baseUrl, lang: 'zh', ui: 'zh' });
    server = await startStaticServer(dir, '/repo/');
    if (hasChromium) browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await store?.close();
    await database?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes every page, asset and feed the site links to, and leaves out what only a server answers', async () => {
    expect(result.indexed).toBe(5);
    expect(result.broken).toEqual([]);
    for (const file of [
      'index.html',
      'archive/index.html',
      'archive/cs.CL+cs.AI-cs.CY/index.html',
      'papers/2611.00001/index.html',
      'papers/hep-th/9901001/index.html',
      'search/index.html',
      'search/search.js',
      'search/index/meta.json',
      'assets/site.css',
      'assets/fonts/x.woff2',
      'feeds/digests/cs.CL/2026-11-24.atom',
      '404.html',
      '.nojekyll',
    ]) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(existsSync(join(dir, 'api'))).toBe(false);
    const paper = await readFile(join(dir, 'papers/2611.00001/index.html'), 'utf8');
    expect(paper).toContain('href="../../assets/site.css"');
    expect(paper).toContain('href="../../#top"');
    expect(paper).toContain('action="../../search/"');
    expect(paper).not.toContain('/api/');
    expect(await readFile(join(dir, 'assets/site.css'), 'utf8')).toContain('url(fonts/x.woff2)');
    expect(await readFile(join(dir, '404.html'), 'utf8')).toContain('href="/repo/"');
    const feed = await readFile(join(dir, 'feeds/digests/cs.CL/2026-11-24.atom'), 'utf8');
    expect(feed).toContain('https://reader.github.io/repo/');
  });

  it('has no broken internal link when served under /repo/', async () => {
    const pending = [server.url];
    const seen = new Set(pending);
    while (pending.length > 0) {
      const url = pending.pop()!;
      const response = await fetch(url);
      expect(response.status, url).toBe(200);
      if (!response.headers.get('content-type')?.startsWith('text/html')) continue;
      const html = await response.text();
      for (const match of html.matchAll(/\b(?:href|src|action)="([^"]*)"/g)) {
        const target = new URL(match[1]!.replace(/&amp;/g, '&'), url);
        target.hash = '';
        if (target.origin !== new URL(server.url).origin || seen.has(target.href)) continue;
        expect(target.pathname.startsWith('/repo/'), `${url} links outside the site: ${match[1]}`).toBe(true);
        seen.add(target.href);
        pending.push(target.href);
      }
    }
    expect(seen.size).toBeGreaterThan(8);
  });

  it.skipIf(!hasChromium)(
    'searches in the browser: two-character Chinese words, English words, paging-free small results, hostile titles inert',
    async () => {
      const page = await browser!.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('response', (response) => {
        if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
      });
      const search = async (query: string): Promise<string[]> => {
        await page.goto(`${server.url}search/?q=${encodeURIComponent(query)}`);
        await page.waitForSelector('#xivdigest-static-results[data-state]', { state: 'attached' });
        expect(await page.getAttribute('#xivdigest-static-results', 'data-state')).toBe('done');
        return page.evaluate(() => Array.from(document.querySelectorAll('#xivdigest-static-results li a')).map((link) => link.getAttribute('href') ?? ''));
      };
      expect((await search('模型')).map((href) => href.split('/').slice(-2)[0])).toEqual(expect.arrayContaining(['2611.00001', '2611.00002']));
      expect(await search('模型')).toHaveLength(2);
      expect(await search('大模型')).toHaveLength(1);
      expect(await search('diffusion')).toHaveLength(1);
      expect(await search('扩散 图像')).toHaveLength(1);
      expect(await search('nothingmatchesthis')).toHaveLength(0);
      const hostile = await search('hostile');
      expect(hostile).toHaveLength(1);
      expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.locator('#xivdigest-static-results img').count()).toBe(0);
      await page.goto(`${server.url}search/?q=${encodeURIComponent('模型')}`);
      await page.locator('#xivdigest-static-results li a').first().click();
      await page.waitForLoadState();
      expect(page.url()).toMatch(/\/repo\/papers\/2611\.0000[12]\/$/);
      expect(errors).toEqual([]);
      await page.close();
    },
    60_000,
  );
});
