/** Digest, category and search feeds against a real temp store, read back by Debian's feedparser and checked by xmllint. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasSharedFixtures, sharedFixtureFiles, sharedSkipReason } from '../../../test/helpers/shared-fixtures.js';
import { createTempStore, type TempStore } from '../../../test/helpers/temp-store.js';
import { archiveDeps, BASE_URL, seedArchive } from '../../../test/helpers/web-archive.js';
import { importDigest } from '../../jobs/import-digest.js';
import { parseMarkdownDigestFile } from '../../sources/digest-import/parse.js';
import { createApiRoutes } from '../api/index.js';
import { digestResponseSchema, paperResponseSchema, searchResponseSchema } from '../api/schemas.js';
import { createFeedRoutes } from './index.js';

const PYTHON = '/usr/bin/python3';
const feedparserMissing = spawnSync(PYTHON, ['-c', 'import feedparser'], { stdio: 'ignore' }).status !== 0;
const xmllintMissing = spawnSync('xmllint', ['--version'], { stdio: 'ignore' }).status !== 0;
if (feedparserMissing) console.warn(`feeds.test: feedparser checks skipped: ${PYTHON} cannot import feedparser (apt install python3-feedparser)`);
if (xmllintMissing) console.warn('feeds.test: xmllint checks skipped: xmllint is not installed (apt install libxml2-utils)');

/** What feedparser makes of a feed: the fields a reader shows. */
interface Parsed {
  bozo: boolean;
  bozo_exception: string | null;
  version: string;
  title: string;
  links: Array<{ rel: string; href: string; type?: string }>;
  language: string | null;
  entries: Array<{ id: string; title: string; link: string; summary: string | null; published: string | null; authors: string[]; tags: string[] }>;
}

const FEEDPARSER_SCRIPT = `
import json, sys, feedparser
# A local file has no Content-Type; feedparser picks its JSON Feed parser from the one the server sent.
d = feedparser.parse(sys.argv[1], response_headers={"content-type": sys.argv[2]})
print(json.dumps({
  "bozo": bool(d.bozo), "bozo_exception": str(d.get("bozo_exception")) if d.bozo else None,
  "version": d.version, "title": d.feed.get("title"), "language": d.feed.get("language"),
  "links": [{"rel": l.get("rel"), "href": l.get("href"), "type": l.get("type")} for l in d.feed.get("links", [])],
  "entries": [{"id": e.get("id"), "title": e.get("title"), "link": e.get("link"), "summary": e.get("summary"),
               "published": e.get("published"), "authors": [a.get("name") for a in e.get("authors", [])],
               "tags": [t.get("term") for t in e.get("tags", [])]} for e in d.entries],
}))
`;

let temp: TempStore;
let app: Hono;
let dir: string;

beforeAll(async () => {
  temp = await createTempStore('sqlite');
  await seedArchive(temp.store);
  app = new Hono().route('/feeds', createFeedRoutes(archiveDeps(temp.store)));
  dir = mkdtempSync(join(tmpdir(), 'xivdigest-feeds-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await temp?.cleanup();
});

let fileCounter = 0;
function saved(text: string, extension: string): string {
  fileCounter += 1;
  const path = join(dir, `feed-${fileCounter}.${extension}`);
  writeFileSync(path, text);
  return path;
}

async function fetchFeed(path: string): Promise<{ text: string; response: Response }> {
  const response = await app.request(path);
  expect(response.status, `${path}: ${response.status}`).toBe(200);
  return { text: await response.text(), response };
}

/** Fetches an Atom feed, checks its media type, that xmllint finds it well-formed and that feedparser reads it cleanly. */
async function atom(path: string): Promise<Parsed | undefined> {
  const { text, response } = await fetchFeed(path);
  expect(response.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
  const file = saved(text, 'atom');
  if (!xmllintMissing) expect(spawnSync('xmllint', ['--noout', file], { encoding: 'utf8' }).stderr).toBe('');
  return feedparse(file, 'atom10', response.headers.get('content-type')!);
}

/**
 * Fetches a JSON Feed and checks its media type and what JSON Feed 1.1 requires or strongly recommends (Debian's
 * feedparser 6.0 reads no JSON Feed, so the spec's rules are checked here).
 */
async function jsonFeed(path: string): Promise<{ feed: Record<string, unknown> & { items: Array<Record<string, unknown>> } }> {
  const { text, response } = await fetchFeed(path);
  expect(response.headers.get('content-type')).toBe('application/feed+json; charset=utf-8');
  const feed = JSON.parse(text) as Record<string, unknown> & { items: Array<Record<string, unknown>> };
  expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
  expect(typeof feed.title).toBe('string');
  expect(feed.home_page_url).toMatch(/^http:\/\/127\.0\.0\.1:8080\//);
  expect(feed.feed_url).toMatch(/^http:\/\/127\.0\.0\.1:8080\/feeds\//);
  expect(Array.isArray(feed.items)).toBe(true);
  for (const item of feed.items) {
    expect(typeof item.id).toBe('string');
    expect(typeof item.content_html === 'string' || typeof item.content_text === 'string').toBe(true);
    expect(item.date_published).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  }
  return { feed };
}

function feedparse(file: string, version: string, contentType: string): Parsed | undefined {
  if (feedparserMissing) return undefined;
  const parsed = JSON.parse(execFileSync(PYTHON, ['-c', FEEDPARSER_SCRIPT, file, contentType], { encoding: 'utf8' })) as Parsed;
  expect(parsed.bozo_exception).toBeNull();
  expect(parsed.version).toBe(version);
  return parsed;
}

const link = (parsed: Parsed, rel: string) => parsed.links.find((item) => item.rel === rel)?.href;

describe('digest feeds', () => {
  it('serves a stored digest as Atom, with its page and self links and translated entries', async () => {
    const parsed = await atom('/feeds/digests/cs.CL/2026-11-24.atom');
    if (!parsed) return;
    expect(parsed.title).toBe('arXiv cs.CL, 2026-11-24');
    expect(link(parsed, 'self')).toBe(`${BASE_URL}/feeds/digests/cs.CL/2026-11-24.atom`);
    expect(link(parsed, 'alternate')).toBe(`${BASE_URL}/digests/cs.CL/2026-11-24`);
    expect(parsed.entries.map((entry) => entry.id)).toEqual([
      'https://arxiv.org/abs/2611.00001v2',
      'https://arxiv.org/abs/2611.00002v1',
      'https://arxiv.org/abs/2611.00004v1',
    ]);
    expect(parsed.entries[0]).toMatchObject({ title: '科学摘要的检索增强翻译', summary: '用术语检索翻译科学摘要。', authors: ['Ada Example', 'Bo Sample'] });
    expect(JSON.stringify(parsed)).not.toContain('secret-host');
  });

  it('serves the same digest as JSON Feed', async () => {
    const { feed } = await jsonFeed('/feeds/digests/cs.CL/2026-11-24.json');
    expect(feed).toMatchObject({ feed_url: `${BASE_URL}/feeds/digests/cs.CL/2026-11-24.json`, home_page_url: `${BASE_URL}/digests/cs.CL/2026-11-24` });
    expect(feed.items.map((item) => item.title)).toEqual(['科学摘要的检索增强翻译', '大语言模型的政策问题', 'Tokenization Matters for Chinese Translation']);
  });

  it("merges a subscription's newest daily digests into its feed", async () => {
    const parsed = await atom('/feeds/digests/cs.CL.atom');
    const { feed } = await jsonFeed('/feeds/digests/cs.CL.json');
    expect(feed.items.map((item) => (item._arxiv as { id: string }).id)).toEqual(['2611.00001', '2611.00002', '2611.00004', '2611.00003']);
    if (!parsed) return;
    expect(link(parsed, 'self')).toBe(`${BASE_URL}/feeds/digests/cs.CL.atom`);
    // An entry from the older digest keeps that digest's day.
    expect(parsed.entries[3]!.published).toContain('2026-11-23');
  });

  it('answers 404 JSON for an unknown digest', async () => {
    const response = await app.request('/feeds/digests/cs.XX/2026-01-01.atom');
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });
});

describe('archive feeds', () => {
  it('holds the papers of the last announcement days of a category expression, with canonical links', async () => {
    const parsed = await atom(`/feeds/archive/${encodeURIComponent('cs.CL+cs.AI-cs.CY')}.atom`);
    const { feed } = await jsonFeed('/feeds/archive/cs.CL%20cs.AI-cs.CY.json');
    expect(feed.feed_url).toBe(`${BASE_URL}/feeds/archive/cs.CL%2Bcs.AI-cs.CY.json`);
    expect(feed.items.map((item) => (item._arxiv as { id: string }).id)).toEqual(['2611.00001', '2611.00003', '2611.00004']);
    if (!parsed) return;
    expect(parsed.title).toBe('arXiv cs.CL+cs.AI-cs.CY · xivdigest');
    expect(link(parsed, 'self')).toBe(`${BASE_URL}/feeds/archive/cs.CL%2Bcs.AI-cs.CY.atom`);
    expect(link(parsed, 'alternate')).toBe(`${BASE_URL}/archive/cs.CL%2Bcs.AI-cs.CY`);
    expect(parsed.entries[0]).toMatchObject({ title: '科学摘要的检索增强翻译', tags: ['cs.CL', 'cs.AI'] });
    // Without texts, the English title stays and the reader sees the untranslated note.
    expect(parsed.entries[2]!.title).toBe('Tokenization Matters for Chinese Translation');
  });

  it('serves an old-style archive and answers 400 for an unknown category', async () => {
    const { feed } = await jsonFeed('/feeds/archive/hep-th.json');
    expect(feed.items).toHaveLength(1);
    const response = await app.request('/feeds/archive/cs.Cl.atom');
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('did you mean cs.CL?');
  });
});

describe('search feeds', () => {
  it('holds the newest papers matching q and the filters, linking to the search page', async () => {
    const parsed = await atom('/feeds/search.atom?q=translation&category=cs.CL');
    const { feed } = await jsonFeed('/feeds/search.json?q=translation&category=cs.CL');
    expect(feed.items.map((item) => (item._arxiv as { id: string }).id)).toEqual(['2611.00001', '2611.00004']);
    expect(feed.feed_url).toBe(`${BASE_URL}/feeds/search.json?q=translation&category=cs.CL`);
    if (!parsed) return;
    expect(parsed.title).toBe('xivdigest search: translation · cs.CL');
    expect(link(parsed, 'self')).toBe(`${BASE_URL}/feeds/search.atom?q=translation&category=cs.CL`);
    expect(link(parsed, 'alternate')).toBe(`${BASE_URL}/search?q=translation&category=cs.CL&sort=date`);
  });

  it('translates into the requested language and keeps it in its self link', async () => {
    const { feed } = await jsonFeed('/feeds/search.json?q=retrieval&lang=ja');
    expect(feed.feed_url).toBe(`${BASE_URL}/feeds/search.json?q=retrieval&lang=ja`);
    expect(feed.items[0]!.title).toBe('科学論文要旨の検索拡張翻訳');
    const archive = await jsonFeed('/feeds/archive/cs.AI.json?lang=ja');
    expect(archive.feed.feed_url).toBe(`${BASE_URL}/feeds/archive/cs.AI.json?lang=ja`);
  });

  it('is a valid, empty feed when nothing matches, and 400 for bad parameters', async () => {
    const parsed = await atom('/feeds/search.atom?q=nothingmatchesthis');
    if (parsed) expect(parsed.entries).toEqual([]);
    expect((await app.request('/feeds/search.atom?from=someday')).status).toBe(400);
  });
});

describe('HTTP', () => {
  it('answers 304 to a reader that has the current version (ETag)', async () => {
    const first = await app.request('/feeds/digests/cs.CL/2026-11-24.atom');
    const tag = first.headers.get('etag');
    expect(tag).toBeTruthy();
    const again = await app.request('/feeds/digests/cs.CL/2026-11-24.atom', { headers: { 'If-None-Match': tag! } });
    expect(again.status).toBe(304);
  });

  it('allows cross-origin GET and answers 404 for other paths', async () => {
    const response = await app.request('/feeds/search.json?q=x', { headers: { Origin: 'https://reader.example' } });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect((await app.request('/feeds/digests/cs.CL/2026-11-24.rss')).status).toBe(404);
    expect((await app.request('/feeds/archive/.atom')).status).toBe(404);
  });
});

describe.skipIf(!hasSharedFixtures)('real cn-chat-arxiv digests (../shared/fixtures/digests)', () => {
  if (!hasSharedFixtures) console.warn(`feeds.test: ${sharedSkipReason}`);
  const files = sharedFixtureFiles('digests', (name) => name.endsWith('.md'));
  let real: TempStore;
  let site: Hono;

  beforeAll(async () => {
    real = await createTempStore('sqlite');
    for (const [index, file] of files.entries()) await importDigest(real.store, `real/${index}`, await parseMarkdownDigestFile(file));
    const deps = archiveDeps(real.store);
    site = new Hono().route('/feeds', createFeedRoutes(deps)).route('/api', createApiRoutes(deps));
  });
  afterAll(async () => real?.cleanup());

  it('serves each imported digest as a clean Atom feed and JSON Feed, and through the API', async () => {
    expect(files.length).toBeGreaterThan(0);
    for (const [index] of files.entries()) {
      const name = `real/${index}`;
      const api = digestResponseSchema.parse(await (await site.request(`/api/digests/${name}`)).json());
      expect(api.style).toBe('legacy');
      const response = await site.request(`/feeds/digests/${name}.atom`);
      expect(response.status).toBe(200);
      const file = saved(await response.text(), 'atom');
      if (!xmllintMissing) expect(spawnSync('xmllint', ['--noout', file], { encoding: 'utf8' }).stderr, files[index]).toBe('');
      const parsed = feedparse(file, 'atom10', response.headers.get('content-type')!);
      if (parsed) {
        expect(parsed.entries, files[index]).toHaveLength(api.entries.length);
        // Legacy titles lose the old feed's `(arXiv:…)` suffix in feeds, as in the API.
        expect(parsed.entries.every((entry) => !/\(arXiv:/.test(entry.title))).toBe(true);
      }
      const json = JSON.parse(await (await site.request(`/feeds/digests/${name}.json`)).text()) as { items: unknown[] };
      expect(json.items).toHaveLength(api.entries.length);
    }
  });

  it('finds an imported paper by a word of its title and shows its imported translation with provenance', async () => {
    // One real digest is empty (a day without papers); take the first paper of the first that is not.
    const digests = await Promise.all(
      files.map(async (_file, index) => digestResponseSchema.parse(await (await site.request(`/api/digests/real/${index}`)).json())),
    );
    const first = digests.flatMap((digest) => digest.entries)[0]!;
    const paper = paperResponseSchema.parse(await (await site.request(`/api/papers/${first.id}`)).json());
    expect(paper.texts.find((texts) => texts.lang === 'zh')).toMatchObject({ status: 'ok', provenance: { provider: 'cn-chat-arxiv' } });
    const word = first.title.split(/\W+/).find((part) => part.length > 6)!;
    const found = searchResponseSchema.parse(await (await site.request(`/api/search?q=${encodeURIComponent(word)}&pageSize=100`)).json());
    expect(found.results.map((result) => result.id)).toContain(first.id);
  });
});
