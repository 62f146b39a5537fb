/**
 * The web site through `app.request()`, on a real SQLite store filled with our own small archive (and the real
 * cn-chat-arxiv digests from ../shared/fixtures when present): every page, its headers, the errors and the caching.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestText, importDigest } from '../jobs/import-digest.js';
import { parseMarkdownDigest } from '../sources/digest-import/parse.js';
import { hasSharedFixtures, sharedFixtureFiles, sharedSkipReason } from '../../test/helpers/shared-fixtures.js';
import { createTempStore, testDatabases, type TempStore } from '../../test/helpers/temp-store.js';
import { CHINESE_WORD, fillWebSite, HOSTILE_PAPER, MATH_PAPER, VERSIONED_PAPER, WEB_DAYS, type WebSiteFixture } from '../../test/helpers/web-site.js';
import { createWebApp } from './app.js';
import type { WebDeps } from './deps.js';
import { urls } from './urls.js';

describe.each(testDatabases())('the web site through app.request() on $kind', ({ kind, skipReason }) => {
  if (skipReason) console.warn(skipReason);
  const test = skipReason ? it.skip : it;
  let temp: TempStore;
  let site: WebSiteFixture;
  let deps: WebDeps;
  let app: ReturnType<typeof createWebApp>;
  const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers: { 'accept-language': 'zh-CN,zh;q=0.9', ...headers } });
  const text = async (path: string, headers?: Record<string, string>) => {
    const response = await get(path, headers);
    return { response, html: await response.text() };
  };

  beforeAll(async () => {
    if (skipReason) return;
    temp = await createTempStore(kind);
    site = await fillWebSite(temp.store, { papers: 30 });
    deps = {
      store: temp.store,
      search: temp.store,
      subscriptions: [{ name: 'nlp', categories: ['cs.CL'], lang: 'zh' }],
      baseUrl: 'http://127.0.0.1:8080',
      lang: 'zh',
    };
    app = createWebApp(deps);
  });
  afterAll(async () => {
    await temp?.store.close();
    await temp?.cleanup();
  });

  test('home: the latest digest of each subscription, the latest day per category, feeds, landmarks, security headers', async () => {
    const { response, html } = await text('/');
    expect(response.status).toBe(200);
    expect(html).toContain(`href="${urls.digest(site.digest.name)}"`);
    expect(html).toContain(`href="${urls.archiveDay('cs.CL', WEB_DAYS[2])}"`);
    expect(html).toContain(`href="${urls.archiveDay('cs.AI', WEB_DAYS[2])}"`);
    expect(html).toMatch(/<link rel="alternate" type="application\/atom\+xml"[^>]+href="\/feeds\/search\.atom"/);
    expect(html.match(/<h1[\s>]/g)).toHaveLength(1);
    for (const landmark of ['<header', '<nav', '<main id="main"', '<a class="skip" href="#main"', '<label class="visually-hidden" for="site-q"'])
      expect(html).toContain(landmark);
    expect(html).toContain('<html lang="zh-CN">');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(html).not.toMatch(/<script|https?:\/\/(?!arxiv\.org)[^"]*"\s*rel="stylesheet"/);
  });

  test('digest: the compact overview first with jump links, then the full entries; math rendered; hostile title inert', async () => {
    const { response, html } = await text(urls.digest(site.digest.name));
    expect(response.status).toBe(200);
    const overview = html.indexOf('id="overview"');
    const entries = html.indexOf('id="entries"');
    expect(overview).toBeGreaterThan(0);
    expect(entries).toBeGreaterThan(overview);
    for (const entry of site.digest.entries) {
      const anchor = `paper-${entry.paperId}`;
      expect(html).toContain(`href="#${anchor}"`);
      expect(html).toContain(`id="${anchor}"`);
      expect(html).toContain(`href="${urls.paper(entry.paperId)}"`);
    }
    expect(html).toContain('class="katex');
    expect(html).toMatch(/<link rel="stylesheet" href="\/assets\/katex-[\d.]+\/katex\.min\.css">/);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>window.__pwned');
    expect(html).toContain('&lt;img src=x onerror=');
    expect(html).toMatch(/href="\/feeds\/digests\/nlp\/2026-11-24\.atom"/);
    expect(html).toMatch(/href="\/feeds\/digests\/nlp\/2026-11-24\.json"/);
  });

  test('digest: cached with an ETag, 304 on If-None-Match, re-rendered when the digest is saved again', async () => {
    const first = await get(urls.digest(site.digest.name));
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const again = await get(urls.digest(site.digest.name), { 'if-none-match': etag });
    expect(again.status).toBe(304);
    // gzip for readers that accept it: the same page, its own ETag.
    const zipped = await get(urls.digest(site.digest.name), { 'accept-encoding': 'gzip, br' });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(zipped.headers.get('etag')).not.toBe(etag);
    const { gunzipSync } = await import('node:zlib');
    expect(gunzipSync(Buffer.from(await zipped.arrayBuffer())).toString('utf8')).toBe(await first.text());
    const fresh = createWebApp(deps, { briefMs: 0 });
    const before = await fresh.request(urls.digest(site.digest.name), { headers: { 'accept-language': 'zh' } });
    await temp.store.saveDigest({ ...site.digest, createdAt: '2026-11-24T07:00:00.000Z', title: 'Renamed digest' });
    const after = await fresh.request(urls.digest(site.digest.name), { headers: { 'accept-language': 'zh', 'if-none-match': before.headers.get('etag')! } });
    expect(after.status).toBe(200);
    expect(await after.text()).toContain('Renamed digest');
    await temp.store.saveDigest(site.digest);
  });

  test('archive: the categories, a calendar for the category algebra, one day of papers with paging', async () => {
    const index = await text(urls.archive());
    expect(index.response.status).toBe(200);
    expect(index.html).toContain(`href="${urls.archiveCalendar('cs.CL')}"`);
    const calendar = await text(urls.archiveCalendar('cs.CL+cs.AI-cs.CY'));
    expect(calendar.response.status).toBe(200);
    for (const day of WEB_DAYS) expect(calendar.html).toContain(`href="${urls.archiveDay('cs.CL+cs.AI-cs.CY', day)}"`);
    expect(calendar.html).toContain('href="/feeds/archive/cs.CL%2Bcs.AI-cs.CY.atom"');
    // `+` may also arrive as a space (a form) or unencoded.
    expect((await get('/archive/cs.CL+cs.AI-cs.CY')).status).toBe(200);
    const day = await text(urls.archiveDay('cs.AI', WEB_DAYS[2]));
    expect(day.response.status).toBe(200);
    const inAi = site.papers.filter((paper) => paper.categories.includes('cs.AI') && paper.announced === WEB_DAYS[2]);
    expect(inAi.length).toBeGreaterThan(0);
    for (const paper of inAi) expect(day.html).toContain(`href="${urls.paper(paper.id)}"`);
    const excluded = await text(urls.archiveDay('cs.CL-cs.AI', WEB_DAYS[2]));
    for (const paper of inAi) expect(excluded.html).not.toContain(`href="${urls.paper(paper.id)}"`);
  });

  test('archive: an unknown category is a 404 with did-you-mean; a malformed expression or day is a 404', async () => {
    const typo = await text(urls.archiveCalendar('cs.Cl+cs.AI'));
    expect(typo.response.status).toBe(404);
    expect(typo.html).toContain('unknown category &quot;cs.Cl&quot;');
    expect(typo.html).toContain(`href="${urls.archiveCalendar('cs.CL+cs.AI')}"`);
    expect((await get('/archive/cs.CL+')).status).toBe(404);
    expect((await get('/archive/cs.CL/2026-02-30')).status).toBe(404);
    expect((await get('/archive/cs.CL/2026-11-24/extra')).status).toBe(404);
  });

  test('paper: texts with provenance, the version history with what changed in the abstract, links to arXiv, PDF and HTML', async () => {
    const { response, html } = await text(urls.paper(VERSIONED_PAPER));
    expect(response.status).toBe(200);
    expect(html).toContain('gpt-4o-mini');
    expect(html).toContain('p7');
    expect(html).toMatch(/<del>3<\/del> <ins>5<\/ins>|<del>3 points<\/del>|<ins>5/);
    expect(html).toContain('<ins>We add a new ablation.</ins>');
    expect(html).toContain(`href="https://arxiv.org/abs/${VERSIONED_PAPER}"`);
    expect(html).toContain(`href="https://arxiv.org/pdf/`);
    expect(html).toContain(`href="https://arxiv.org/html/${VERSIONED_PAPER}"`);
    const math = await text(urls.paper(MATH_PAPER));
    expect(math.html).toContain('class="katex');
    const hostile = await text(urls.paper(HOSTILE_PAPER));
    expect(hostile.html).not.toContain('<img src=x');
    expect(hostile.html).not.toContain('<b>Mallory');
    expect((await get(urls.paper('2611.99999'))).status).toBe(404);
    // A versioned id finds the paper too.
    expect((await get(urls.paper(`${VERSIONED_PAPER}v2`))).status).toBe(200);
  });

  test('search: a two-character Chinese word, counts, highlighted snippets, paging; a bad parameter is a 400', async () => {
    const { response, html } = await text(urls.search({ q: CHINESE_WORD }));
    expect(response.status).toBe(200);
    expect(html).toMatch(new RegExp(`共 ${site.papers.length} 条结果`));
    expect(html).toContain(`<mark>${CHINESE_WORD}</mark>`);
    expect(html).toContain(`href="${urls.search({ q: CHINESE_WORD, page: 2 }).replace('&', '&amp;')}"`);
    expect(html).toContain('第 1 / 2 页');
    const second = await text(urls.search({ q: CHINESE_WORD, page: 2 }));
    expect(second.html).toContain('第 2 / 2 页');
    expect(second.html.match(/<li class="hit"/g)).toHaveLength(site.papers.length - 20);
    expect((await get('/search?from=2026-13-01')).status).toBe(400);
    const badCategory = await text('/search?q=x&category=cs.Cl');
    expect(badCategory.response.status).toBe(400);
    expect(badCategory.html).toContain('did you mean cs.CL?');
    const empty = await text(urls.search());
    expect(empty.response.status).toBe(200);
    expect(empty.html).toContain('<label for="f-q">');
  });

  test('a query error is a 400 showing its position; anything else a 500 without internals', async () => {
    const bad = await get(urls.search({ q: '(a OR b' }));
    expect(bad.status).toBe(400);
    const body = await bad.text();
    expect(body).toMatch(/column 1: this \( is never closed/);
    expect(body).toContain('<pre class="error-box">');
    expect(body).toContain('value="(a OR b"');
    const closed = await createTempStore('sqlite');
    await closed.store.close();
    const broken = createWebApp({ ...deps, store: closed.store, search: closed.store });
    const error = await broken.request(urls.paper(VERSIONED_PAPER));
    expect(error.status).toBe(500);
    const text500 = await error.text();
    expect(text500).not.toContain(closed.url);
    expect(text500).not.toContain('closed');
    expect(error.headers.get('content-security-policy')).toContain("default-src 'self'");
    await closed.cleanup();
    expect((await get('/no/such/page')).status).toBe(404);
  });

  test('interface language: ?ui= (remembered in a cookie), then the cookie, then Accept-Language, then the default', async () => {
    const en = await get('/?ui=en');
    expect(await en.text()).toContain('<html lang="en">');
    expect(en.headers.get('set-cookie')).toMatch(/^ui=en;/);
    expect(await (await get('/', { cookie: 'ui=en' })).text()).toContain('<html lang="en">');
    expect(await (await get('/', { 'accept-language': 'en-US,en;q=0.9' })).text()).toContain('<html lang="en">');
    expect(await (await app.request('/')).text()).toContain('<html lang="zh-CN">');
    expect(await (await get('/?ui=zh', { 'accept-language': 'en' })).text()).toContain('最新日报');
  });

  test('assets: the stylesheet, KaTeX CSS and fonts, cached for a year; nothing outside the asset folder', async () => {
    const home = await (await get('/')).text();
    const css = /href="(\/assets\/site-[0-9a-f]+\.css)"/.exec(home)![1]!;
    const sheet = await get(css);
    expect(sheet.status).toBe(200);
    expect(sheet.headers.get('cache-control')).toContain('immutable');
    const body = await sheet.text();
    expect(body).toContain('prefers-color-scheme:dark');
    expect(body).toContain('WenQuanYi Micro Hei');
    const digest = await (await get(urls.digest(site.digest.name))).text();
    const katex = /href="(\/assets\/katex-[\d.]+\/katex\.min\.css)"/.exec(digest)![1]!;
    const katexCss = await (await get(katex)).text();
    const font = /url\((fonts\/KaTeX_Main-Regular\.woff2)\)/.exec(katexCss)![1]!;
    const fontResponse = await get(katex.replace('katex.min.css', font));
    expect(fontResponse.status).toBe(200);
    expect(fontResponse.headers.get('content-type')).toBe('font/woff2');
    expect((await get(katex.replace('katex.min.css', '../package.json'))).status).toBe(404);
    expect((await get(katex.replace('katex.min.css', '%2e%2e/package.json'))).status).toBe(404);
  });

  test('a series: the home page shows its newest digest and how many earlier; digest pages link earlier and later', async () => {
    const later = {
      ...site.digest,
      name: 'nlp/2026-11-25',
      day: '2026-11-25',
      createdAt: '2026-11-25T06:30:00.000Z',
      entries: site.digest.entries.slice(0, 2),
    };
    // Last in the suite: the store cannot delete a digest, and this one changes the home page.
    await temp.store.saveDigest(later);
    const fresh = createWebApp({ ...deps, subscriptions: [...deps.subscriptions, { name: 'empty', categories: ['math.AP'], lang: 'zh' }] }, { briefMs: 0 });
    const request = async (path: string) => (await fresh.request(path, { headers: { 'accept-language': 'zh' } })).text();
    const home = await request('/');
    expect(home).toContain(`href="${urls.digest(later.name)}"`);
    expect(home).not.toContain(`href="${urls.digest(site.digest.name)}"`);
    expect(home).toContain('另有 1 期');
    expect(home).toMatch(/empty <span class="meta">还没有日报<\/span>/);
    expect(await request(urls.digest(later.name))).toContain(`<a href="${urls.digest(site.digest.name)}" rel="prev">`);
    expect(await request(urls.digest(site.digest.name))).toContain(`<a href="${urls.digest(later.name)}" rel="next">`);
  });

  describe.skipIf(!hasSharedFixtures)('the real cn-chat-arxiv digests', () => {
    if (!hasSharedFixtures) console.warn(sharedSkipReason);
    test('each imported digest renders as a page with its overview and entries', async () => {
      const files = sharedFixtureFiles('digests', (name) => name.endsWith('.md'));
      expect(files.length).toBeGreaterThan(0);
      const real = await createTempStore(kind);
      try {
        for (const file of files) {
          const name = basename(file, '.md');
          await importDigest(real.store, name, parseMarkdownDigest(digestText(readFileSync(file), file), { origin: file }));
        }
        const realApp = createWebApp({ ...deps, store: real.store, search: real.store, subscriptions: [] });
        const home = await (await realApp.request('/')).text();
        for (const file of files) {
          const name = basename(file, '.md');
          expect(home).toContain(`href="${urls.digest(name)}"`);
          const page = await realApp.request(urls.digest(name));
          expect(page.status, name).toBe(200);
          const html = await page.text();
          const digest = (await real.store.getDigest(name))!;
          expect(html.match(/<li class="entry"/g)?.length ?? 0, name).toBe(digest.entries.length);
          expect(html, name).not.toMatch(/<script/);
        }
      } finally {
        await real.store.close();
        await real.cleanup();
      }
    }, 60_000);
  });
});
