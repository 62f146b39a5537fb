/**
 * A link checker over the whole served site: from `/`, every internal link (`<a href>`, `<link href>`, form actions
 * with their fields' defaults) is followed, in both interface languages, and must answer 200; every `#fragment` must
 * name an element of its page. Feeds, the JSON API and MCP are mounted in the same app, so their links count too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebApp } from '../src/web/app.js';
import { createTempStore, type TempStore } from './helpers/temp-store.js';
import { fillWebSite } from './helpers/web-site.js';

const decode = (text: string): string =>
  text
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');

describe('every internal link of the served site', () => {
  let temp: TempStore;
  let app: ReturnType<typeof createWebApp>;

  beforeAll(async () => {
    temp = await createTempStore('sqlite');
    await fillWebSite(temp.store, { papers: 30 });
    app = createWebApp({
      store: temp.store,
      search: temp.store,
      subscriptions: [{ name: 'nlp', categories: ['cs.CL'], lang: 'zh' }],
      baseUrl: 'http://127.0.0.1:8080',
      lang: 'zh',
    });
  });
  afterAll(async () => {
    await temp.store.close();
    await temp.cleanup();
  });

  it('crawls from / and finds no broken link or fragment', async () => {
    const seen = new Set<string>(['/']);
    const queue = ['/'];
    const broken: string[] = [];
    const external = new Set<string>();
    let pages = 0;
    while (queue.length > 0) {
      const path = queue.shift()!;
      const response = await app.request(path);
      if (response.status !== 200) {
        broken.push(`${path} → ${response.status}`);
        continue;
      }
      if (!(response.headers.get('content-type') ?? '').startsWith('text/html')) continue;
      pages++;
      const html = await response.text();
      const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((match) => decode(match[1]!)));
      const targets = [...html.matchAll(/<(?:a|link)\s[^>]*?href="([^"]*)"/g)].map((match) => decode(match[1]!));
      // A search form: submitting it with its defaults.
      for (const form of html.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)) {
        const fields = [...form[2]!.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map(
          (match) => `${match[1]}=${encodeURIComponent(decode(match[2]!))}`,
        );
        targets.push(`${decode(form[1]!)}?${fields.join('&')}`);
      }
      for (const target of targets) {
        if (target.startsWith('#')) {
          if (!ids.has(decodeURIComponent(target.slice(1)))) broken.push(`${path}: ${target} names no element`);
          continue;
        }
        const url = new URL(target, `http://127.0.0.1${path}`);
        if (url.host !== '127.0.0.1') {
          external.add(url.origin);
          continue;
        }
        const next = `${url.pathname}${url.search}`;
        if (url.hash && next === path && !ids.has(decodeURIComponent(url.hash.slice(1)))) broken.push(`${path}: ${target} names no element`);
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    console.log(`web-links: ${pages} pages, ${seen.size} links checked; outside hosts linked: ${[...external].join(', ')}`);
    expect(broken).toEqual([]);
    expect(pages).toBeGreaterThan(60);
    // Links out go to arXiv only.
    expect([...external].every((origin) => /^https:\/\/arxiv\.org$/.test(origin))).toBe(true);
  }, 120_000);
});
