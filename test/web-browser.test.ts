/**
 * The whole site in Chromium against `xivdigest serve` run as a child process (the built CLI) on a store filled with
 * our small archive: navigation, a two-character Chinese search, math, a 375 px phone, dark mode, no console errors,
 * no request leaving 127.0.0.1 (every request is intercepted and checked), and hostile titles inert. Each test has a
 * browser context of its own, so they run two at a time, and the last one, which looks at all their pages, alone.
 */
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createStore } from '../src/store/index.js';
import { urls } from '../src/web/urls.js';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { startCli, type CliProcess } from './helpers/cli-process.js';
import { CHINESE_WORD, fillWebSite, HOSTILE_PAPER, type WebSiteFixture } from './helpers/web-site.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumFor } from './helpers/chromium.js';

// page.evaluate callbacks run in the page; the project compiles without the DOM library (see test/browser/).
declare const document: any;
declare const window: any;
declare const getComputedStyle: (element: unknown) => any;

const hasChromium = chromiumFor('web browser tests');

// Two pages at a time: one renders while the other waits on the server (ADR 0066).
vi.setConfig({ maxConcurrency: 2 });

(hasChromium ? describe.concurrent : describe.skip)('the web site in Chromium, served by `xivdigest serve`', () => {
  let sandbox: CliSandbox;
  let serving: CliProcess;
  let site: WebSiteFixture;
  let base: string;
  let browser: Browser;
  let profile: string;
  /** Every request any page made to a host other than 127.0.0.1 (aborted), and every console error or page error. */
  const outside: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    // Chromium starts while the archive is filled and served.
    const launching = (async () => {
      profile = await mkdtemp(join(tmpdir(), 'xivdigest-chromium-'));
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, env: { ...process.env, HOME: profile } });
    })();
    launching.catch(() => undefined); // awaited below, after the server
    sandbox = createCliSandbox();
    const store = await createStore({ url: sandbox.db });
    site = await fillWebSite(store, { papers: 30 });
    await store.close();
    writeFileSync(join(sandbox.dir, 'xivdigest.config.json'), JSON.stringify({ subscriptions: [{ name: 'nlp', categories: 'cs.CL' }] }));
    serving = startCli(sandbox, ['serve', '--port', '0']);
    const stderr = await serving.waitForStderr(/serving the web archive at http:\/\/127\.0\.0\.1:\d+\//);
    base = /serving the web archive at (http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr)![1]!;
    await launching;
  });

  afterAll(async () => {
    await browser?.close();
    serving?.kill();
    sandbox?.cleanup();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  async function phone(options: { colorScheme?: 'light' | 'dark'; locale?: string } = {}): Promise<{ context: BrowserContext; page: Page; dialogs: string[] }> {
    const context = await browser.newContext({
      viewport: { width: 375, height: 812 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      colorScheme: options.colorScheme ?? 'light',
      locale: options.locale ?? 'zh-CN',
    });
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1') return route.continue();
      outside.push(url.href);
      return route.abort();
    });
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    return { context, page, dialogs };
  }

  const scrollWidth = (page: Page) => page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));

  it('navigates home → digest → overview jump → paper → archive → calendar → day, each fitting 375 px', async () => {
    const { context, page } = await phone();
    try {
      await page.goto(`${base}/`);
      expect(await page.locator('h1').count()).toBe(1);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(375);
      await page.click(`a[href="${urls.digest(site.digest.name)}"]`);
      await page.waitForURL(`${base}${urls.digest(site.digest.name)}`);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(375);
      const first = site.digest.entries[0]!.paperId;
      await page.click(`ol.overview a[href="#paper-${first}"]`);
      expect(page.url()).toBe(`${base}${urls.digest(site.digest.name)}#paper-${first}`);
      await page.click(`[id="paper-${first}"] a[href="${urls.paper(first)}"]`);
      await page.waitForURL(`${base}${urls.paper(first)}`);
      expect(await page.locator('h1').count()).toBe(1);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(375);
      await page.click(`header nav a[href="${urls.archive()}"]`);
      await page.waitForURL(`${base}${urls.archive()}`);
      await page.click(`a[href="${urls.archiveCalendar('cs.AI')}"]`);
      await page.waitForURL(`${base}${urls.archiveCalendar('cs.AI')}`);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(375);
      await page.locator('.days a').first().click();
      await page.waitForURL(/\/archive\/cs\.AI\/\d{4}-\d{2}-\d{2}$/);
      expect(await page.locator('li.hit').count()).toBeGreaterThan(0);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(375);
      // Keyboard: the first Tab reaches the skip link, which moves focus to <main>.
      await page.goto(`${base}/`);
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip');
      await page.keyboard.press('Enter');
      // The fragment navigation lands after the key press returns (once, in CI, it had not yet when the URL was read).
      await page.waitForURL(`${base}/#main`);
      expect(await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName)).toMatch(/^(main|MAIN)$/);
    } finally {
      await context.close();
    }
  });

  it(`finds a two-character Chinese word (${CHINESE_WORD}) from the search box, with counts, marks and paging`, async () => {
    const { context, page } = await phone();
    try {
      await page.goto(`${base}/`);
      await page.getByLabel('搜索论文').first().fill(CHINESE_WORD);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/search\?q=/);
      expect(await page.locator('[role=status]').textContent()).toContain(`共 ${site.papers.length} 条结果`);
      expect(await page.locator('mark', { hasText: CHINESE_WORD }).count()).toBeGreaterThan(0);
      expect(await page.locator('li.hit').count()).toBe(20);
      await page.click('a[rel=next]');
      await page.waitForURL(/page=2/);
      expect(await page.locator('li.hit').count()).toBe(site.papers.length - 20);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(375);
    } finally {
      await context.close();
    }
  });

  it('renders math with KaTeX and its fonts, served by the site itself', async () => {
    const { context, page } = await phone();
    try {
      await page.goto(`${base}${urls.digest(site.digest.name)}`);
      await page.evaluate(() => document.fonts.ready.then(() => undefined));
      const math = await page.evaluate(() => {
        const boxes = Array.from(document.querySelectorAll('.katex')).map((element: any) => element.getBoundingClientRect());
        return {
          count: boxes.length,
          empty: boxes.filter((box: any) => box.width === 0 || box.height === 0).length,
          errors: document.querySelectorAll('.katex-error').length,
          loaded: Array.from(document.fonts)
            .filter((face: any) => face.status === 'loaded')
            .map((face: any) => face.family),
        };
      });
      expect(math.count).toBeGreaterThan(0);
      expect(math.empty).toBe(0);
      expect(math.errors).toBe(0);
      expect(math.loaded).toEqual(expect.arrayContaining(['KaTeX_Main']));
      expect(await scrollWidth(page)).toBeLessThanOrEqual(375);
    } finally {
      await context.close();
    }
  });

  it('follows the dark color scheme, and English from ?ui=en', async () => {
    const { context, page } = await phone({ colorScheme: 'dark', locale: 'en-US' });
    try {
      await page.goto(`${base}/`);
      const colors = await page.evaluate(() => ({ bg: getComputedStyle(document.body).backgroundColor, fg: getComputedStyle(document.body).color }));
      const luminance = (rgb: string) => {
        const [r, g, b] = rgb.match(/\d+/g)!.map(Number) as [number, number, number];
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      expect(luminance(colors.bg)).toBeLessThan(60);
      expect(luminance(colors.fg)).toBeGreaterThan(180);
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      await page.click('header nav a[hreflang="zh"]');
      expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
      // The choice is remembered: the next page is Chinese although the browser asks for English.
      await page.click(`header nav a[href="${urls.archive()}"]`);
      expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    } finally {
      await context.close();
    }
  });

  it('keeps hostile titles inert on the digest, paper and search pages', async () => {
    const { context, page, dialogs } = await phone();
    try {
      for (const path of [
        urls.digest(site.digest.name),
        urls.paper(HOSTILE_PAPER),
        urls.search({ q: 'Hostile' }),
        urls.archiveDay('cs.CL', site.papers.find((p) => p.id === HOSTILE_PAPER)!.announced!),
      ]) {
        await page.goto(`${base}${path}`);
        const found = await page.evaluate(() => ({
          pwned: window.__pwned,
          images: document.querySelectorAll('img').length,
          scripts: document.querySelectorAll('script').length,
          text: document.body.innerText,
        }));
        expect(found.pwned, path).toBeUndefined();
        expect(found.images, path).toBe(0);
        expect(found.scripts, path).toBe(0);
        expect(found.text, path).toContain('<img src=x onerror=');
      }
      expect(dialogs).toEqual([]);
    } finally {
      await context.close();
    }
  });

  // After all the others (sequential in a concurrent block): it checks what their pages did.
  it.sequential('made no request beyond 127.0.0.1 and logged no console error on any page', () => {
    expect(outside).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
