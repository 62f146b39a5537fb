/**
 * Private feeds of readers' web subscriptions (docs/decisions/0063), through `app.request()` on a real SQLite store:
 * the address shown on the subscription's page opens the feed with no cookie, feedparser reads it, and a wrong,
 * reset, missing or another subscription's token gets the answer of a feed that never was. The token stays out of
 * the server's log and its metrics.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempStore, type TempStore } from '../../../test/helpers/temp-store.js';
import { signedInSession } from '../../../test/helpers/store-session.js';
import { subscriptionForm } from '../../../test/helpers/subscription-form.js';
import { archiveDeps, archiveTexts, BASE_URL, seedArchive } from '../../../test/helpers/web-archive.js';
import { createLinkSigner } from '../../core/signed-links.js';
import { buildDigest } from '../../jobs/build-digest.js';
import { readerStoreOf, subscriptionStoreOf } from '../../store/index.js';
import type { Store } from '../../store/store.js';
import { keyedTag } from '../accounts/crypto.js';
import { createSignInMailer } from '../accounts/setup.js';
import { createWebApp } from '../app.js';
import type { WebDeps } from '../deps.js';
import { createMetrics } from '../metrics.js';
import { secretKeyFrom } from '../subscriptions/secrets.js';
import { privateFeedStateKey } from '../private-digests.js';

const PYTHON = '/usr/bin/python3';
const feedparserMissing = spawnSync(PYTHON, ['-c', 'import feedparser'], { stdio: 'ignore' }).status !== 0;
if (feedparserMissing) console.warn(`private-feed.test: feedparser checks skipped: ${PYTHON} cannot import feedparser (apt install python3-feedparser)`);

const SECRET = 'a-private-feed-test-secret-of-40-characters';
const ENV = { XIVDIGEST_SECRET_KEY: randomBytes(32).toString('base64') };
const ADA = 'ada@example.org';
const BOB = 'bob@example.org';
const ROOT = 'root@example.org';
const DAY = '2026-11-24';

type App = ReturnType<typeof createWebApp>;

/** The site over `deps`; readers and their subscriptions are kept in `accounts` (the same store unless a test breaks `deps.store`). */
function appOf(deps: WebDeps, options: { links: boolean; metrics?: ReturnType<typeof createMetrics>; accounts?: Store }): App {
  const accounts = options.accounts ?? deps.store;
  const mail = { host: '127.0.0.1', port: 9, ignoreTLS: true, from: 'xivdigest <noreply@example.org>' };
  return createWebApp(
    {
      ...deps,
      accounts: { readers: readerStoreOf(accounts), mailer: createSignInMailer(mail, {}), secret: SECRET, signup: 'invite', admins: [ROOT], trustProxy: false },
      readerSubscriptions: { subscriptions: subscriptionStoreOf(accounts), configSubscriptions: [], mail, key: secretKeyFrom(ENV), env: ENV },
      ...(options.links ? { links: createLinkSigner({ secret: SECRET, baseUrl: BASE_URL }) } : {}),
    },
    options.metrics ? { operations: { metrics: options.metrics } } : {},
  );
}

describe('private feeds of readers’ subscriptions', () => {
  let temp: TempStore;
  let app: App;
  let dir: string;
  const metrics = createMetrics();
  const sessions = new Map<string, string>();
  const ids = new Map<string, string>();
  /** Everything the server logged while the tests ran. */
  const logged: string[] = [];
  const originals = { error: console.error, warn: console.warn, log: console.log, info: console.info };

  const cookie = (who?: string) => (who ? { cookie: `xd_session=${sessions.get(who)!}` } : undefined);
  const get = (path: string, who?: string, ui = 'en') => app.request(path, { headers: { 'accept-language': ui, ...cookie(who) } });
  const post = (path: string, who: string, fields: Record<string, string> = {}, csrf = true) => {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.set(name, value);
    if (csrf) body.set('_csrf', keyedTag(SECRET, 'csrf', `session:${sessions.get(who)!}`));
    return app.request(path, { method: 'POST', body, headers: { 'sec-fetch-site': 'same-origin', ...cookie(who) } });
  };
  /** The addresses the subscription's page shows its reader (the page's path, query included; undefined: none). */
  async function shownAddress(who: string, id: string, kind: 'atom' | 'json' = 'atom'): Promise<string | undefined> {
    const html = await (await get(`/subscriptions/${id}`, who)).text();
    const url = new RegExp(`id="f-private-feed-${kind}"[^>]*value="([^"]+)"`).exec(html)?.[1]?.replaceAll('&amp;', '&');
    return url?.slice(BASE_URL.length);
  }
  const withToken = (path: string, token: string | undefined) => {
    const url = new URL(path, BASE_URL);
    if (token === undefined) url.searchParams.delete('token');
    else url.searchParams.set('token', token);
    return `${url.pathname}${url.search}`;
  };
  /** What a feed that never was answers: every refusal must be the same, byte for byte. */
  async function never(): Promise<{ status: number; text: string }> {
    const answer = await get(`/feeds/private/zz-never.atom?token=${'A'.repeat(22)}`);
    return { status: answer.status, text: (await answer.text()).replaceAll('zz-never', '<name>') };
  }
  async function refused(path: string, label: string, name: string) {
    const answer = await get(path);
    const expected = await never();
    expect(answer.status, label).toBe(404);
    expect((await answer.text()).replaceAll(name, '<name>'), label).toBe(expected.text);
    expect(answer.headers.get('x-robots-tag'), label).toBeNull();
  }

  beforeAll(async () => {
    for (const level of ['error', 'warn', 'log', 'info'] as const) {
      console[level] = (...args: unknown[]) => {
        logged.push(args.map(String).join(' '));
        originals[level](...args);
      };
    }
    dir = mkdtempSync(join(tmpdir(), 'xivdigest-private-feed-'));
    temp = await createTempStore('sqlite');
    await seedArchive(temp.store);
    app = appOf(archiveDeps(temp.store), { links: true, metrics });
    for (const [email, role] of [
      [ADA, 'reader'],
      [BOB, 'reader'],
      [ROOT, 'admin'],
    ] as const)
      sessions.set(email, (await signedInSession(temp.store, email, role)).token);
    // A digest of the name from before ada's subscription was made: not hers, never in her feed.
    await saveDigest(temp.store, 'ada-nlp', '2026-11-20', ['2611.00003'], new Date(Date.now() - 86400_000));
    for (const who of [ADA, BOB]) {
      const saved = await post('/subscriptions', who, subscriptionForm('nlp'));
      expect(saved.status, await saved.clone().text()).toBe(303);
      const reader = await readerStoreOf(temp.store).getReader({ email: who });
      ids.set(who, (await subscriptionStoreOf(temp.store).list({ readerId: reader!.id }))[0]!.id);
    }
    await saveDigest(temp.store, 'ada-nlp', DAY, ['2611.00001', '2611.00004'], new Date(Date.now() + 1000));
    await saveDigest(temp.store, 'bob-nlp', DAY, ['2611.00002'], new Date(Date.now() + 1000));
  });
  afterAll(async () => {
    Object.assign(console, originals);
    rmSync(dir, { recursive: true, force: true });
    await temp?.cleanup();
  });

  async function saveDigest(store: Store, subscription: string, day: string, paperIds: string[], now: Date) {
    const papers = await store.getPapers({ ids: paperIds });
    const digest = buildDigest({ name: `${subscription}/${day}`, papers, texts: archiveTexts, lang: 'zh', now });
    await store.saveDigest({ ...digest, subscription, day, title: `xivdigest ${subscription}` });
  }

  it('shows its reader the address, with the warning and a reset button; others see none', async () => {
    const html = await (await get(`/subscriptions/${ids.get(ADA)}`, ADA)).text();
    expect(html).toContain('Anyone with this address can read your digests');
    expect(html).toMatch(/<form method="post" action="\/subscriptions\/[^"]+\/private-feed" class="account-form"><input type="hidden" name="_csrf"/);
    expect(await shownAddress(ADA, ids.get(ADA)!)).toMatch(/^\/feeds\/private\/ada-nlp\.atom\?token=[\w-]{22}$/);
    expect(await shownAddress(ADA, ids.get(ADA)!, 'json')).toMatch(/^\/feeds\/private\/ada-nlp\.json\?token=[\w-]{22}$/);
    // The admin may look at ada's subscription, but her feed address is hers to give.
    const admin = await get(`/subscriptions/${ids.get(ADA)}`, ROOT);
    expect(admin.status).toBe(200);
    expect(await admin.text()).not.toContain('/feeds/private/');
    const zh = await (await get(`/subscriptions/${ids.get(ADA)}`, ADA, 'zh-CN')).text();
    expect(zh).toContain('任何拿到这个地址的人都能读到你的日报');
  });

  it('serves the reader’s digests to a feed reader holding the address, with no cookie', async () => {
    const path = (await shownAddress(ADA, ids.get(ADA)!))!;
    const answer = await get(path);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(answer.headers.get('cache-control')).toMatch(/^private/);
    expect(answer.headers.get('x-robots-tag')).toBe('noindex');
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    const text = await answer.text();
    expect(text).toContain(`<link rel="alternate" type="text/html" href="${BASE_URL}/digests/ada-nlp/${DAY}" />`);
    if (!feedparserMissing) {
      const file = join(dir, 'ada.atom');
      writeFileSync(file, text);
      const parsed = JSON.parse(
        execFileSync(
          PYTHON,
          [
            '-c',
            'import json,sys,feedparser\nd=feedparser.parse(sys.argv[1])\nprint(json.dumps({"bozo":bool(d.bozo),"version":d.version,"title":d.feed.get("title"),"entries":[{"title":e.get("title"),"id":e.get("id"),"content":" ".join(c.get("value","") for c in e.get("content",[]))} for e in d.entries]}))',
            file,
          ],
          { encoding: 'utf8' },
        ),
      ) as { bozo: boolean; version: string; title: string; entries: Array<{ title: string; id: string; content: string }> };
      expect(parsed.bozo).toBe(false);
      expect(parsed.version).toBe('atom10');
      expect(parsed.title).toBe('xivdigest ada-nlp');
      // Her digest's two papers, with their content; the older digest of the name (before her subscription) is not hers.
      expect(parsed.entries.map((entry) => entry.id).join(' ')).toMatch(/2611\.00001.*2611\.00004|2611\.00004.*2611\.00001/);
      expect(parsed.entries).toHaveLength(2);
      // The digest's content is in the feed, as the public feeds carry it: the reader needs no sign-in to read it.
      expect(parsed.entries.map((entry) => entry.content).join(' ')).toContain('Segmentation of Chinese text');
    }
    const json = await get((await shownAddress(ADA, ids.get(ADA)!, 'json'))!);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/feed+json; charset=utf-8');
    const feed = (await json.json()) as { feed_url: string; items: Array<{ id: string }> };
    expect(feed.items).toHaveLength(2);
    expect(feed.feed_url).toBe(`${BASE_URL}${(await shownAddress(ADA, ids.get(ADA)!, 'json'))!}`);
    // A poll with the ETag costs nothing new.
    const again = await app.request(path, { headers: { 'if-none-match': answer.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('answers a wrong, missing or another subscription’s token as it answers a feed that never was', async () => {
    const ada = (await shownAddress(ADA, ids.get(ADA)!))!;
    const bob = (await shownAddress(BOB, ids.get(BOB)!))!;
    const bobToken = new URL(bob, BASE_URL).searchParams.get('token')!;
    const adaToken = new URL(ada, BASE_URL).searchParams.get('token')!;
    await refused(withToken(ada, undefined), 'no token', 'ada-nlp');
    await refused(withToken(ada, ''), 'empty token', 'ada-nlp');
    await refused(withToken(ada, `${adaToken.slice(0, -1)}${adaToken.endsWith('A') ? 'B' : 'A'}`), 'altered token', 'ada-nlp');
    await refused(withToken(ada, bobToken), "bob's token on ada's subscription", 'ada-nlp');
    await refused(withToken(bob, adaToken), "ada's token on bob's subscription", 'bob-nlp');
    // A token made under another secret (another site) is not this site's.
    const foreign = createLinkSigner({ secret: `${SECRET}-other`, baseUrl: BASE_URL });
    const reader = await readerStoreOf(temp.store).getReader({ email: ADA });
    await refused(
      withToken(ada, foreign.feedToken({ readerId: reader!.id, subscriptionId: ids.get(ADA)!, subscription: 'ada-nlp', generation: 0 })),
      'foreign secret',
      'ada-nlp',
    );
    // And the public feeds still know no reader's digest.
    expect((await get('/feeds/digests/ada-nlp.atom')).status).toBe(404);
    // A signed-in reader's or admin's cookie is no token.
    for (const who of [ADA, ROOT]) expect((await get(withToken(ada, undefined), who)).status).toBe(404);
  });

  it('resets the address: the old one stops working, only its reader can, with the form’s CSRF token', async () => {
    const before = (await shownAddress(ADA, ids.get(ADA)!))!;
    // Bob and the admin cannot reset ada's; nobody can without the token.
    for (const who of [BOB, ROOT]) expect((await post(`/subscriptions/${ids.get(ADA)}/private-feed`, who)).status).toBe(404);
    expect((await post(`/subscriptions/${ids.get(ADA)}/private-feed`, ADA, {}, false)).status).toBe(403);
    expect((await app.request(`/subscriptions/${ids.get(ADA)}/private-feed`, { method: 'POST' })).status).toBe(303);
    expect((await get(before)).status).toBe(200);
    const reset = await post(`/subscriptions/${ids.get(ADA)}/private-feed`, ADA);
    expect(reset.status).toBe(303);
    expect(reset.headers.get('location')).toBe(`/subscriptions/${ids.get(ADA)}?feed=reset#private-feed`);
    expect(await (await get(reset.headers.get('location')!, ADA)).text()).toContain('The private feed address was reset');
    await refused(before, 'the address before the reset', 'ada-nlp');
    const after = (await shownAddress(ADA, ids.get(ADA)!))!;
    expect(after).not.toBe(before);
    expect((await get(after)).status).toBe(200);
    // Bob's own address is untouched by ada's reset.
    expect((await get((await shownAddress(BOB, ids.get(BOB)!))!)).status).toBe(200);
  });

  it('a subscription deleted and made again under its name gets a new address', async () => {
    // Reset once, so that its key generation is stored; deleting the subscription forgets it.
    expect((await post(`/subscriptions/${ids.get(BOB)}/private-feed`, BOB)).status).toBe(303);
    const deleted = ids.get(BOB)!;
    expect(await temp.store.getState(privateFeedStateKey(deleted))).toEqual({ generation: 1 });
    const before = (await shownAddress(BOB, ids.get(BOB)!))!;
    expect((await post(`/subscriptions/${ids.get(BOB)}/delete`, BOB, { confirm: 'yes' })).status).toBe(303);
    await refused(before, 'the deleted subscription', 'bob-nlp');
    expect(await temp.store.getState(privateFeedStateKey(deleted))).toBeUndefined();
    expect((await post('/subscriptions', BOB, subscriptionForm('nlp'))).status).toBe(303);
    const reader = await readerStoreOf(temp.store).getReader({ email: BOB });
    ids.set(BOB, (await subscriptionStoreOf(temp.store).list({ readerId: reader!.id }))[0]!.id);
    await refused(before, 'the old address of a name made again', 'bob-nlp');
    expect((await get((await shownAddress(BOB, ids.get(BOB)!))!)).status).toBe(200);
  });

  it('without web.secret: the page says private feeds need it and the route is the public feeds’ 404', async () => {
    const address = (await shownAddress(ADA, ids.get(ADA)!))!;
    const plain = appOf(archiveDeps(temp.store), { links: false });
    const page = await (await plain.request(`/subscriptions/${ids.get(ADA)}`, { headers: { 'accept-language': 'en', ...cookie(ADA) } })).text();
    expect(page).toContain('Private feeds need the site’s secret (web.secret');
    expect(page).not.toContain('/feeds/private/');
    const answer = await plain.request(address);
    expect(answer.status).toBe(404);
    expect(await answer.text()).toBe((await never()).text);
    expect((await plain.request(`/subscriptions/${ids.get(ADA)}/private-feed`, { method: 'POST', headers: cookie(ADA) })).status).toBe(404);
  });

  it('keeps the token out of the log and the metrics, even when the feed fails', async () => {
    const address = (await shownAddress(ADA, ids.get(ADA)!))!;
    const token = new URL(address, BASE_URL).searchParams.get('token')!;
    // A store whose digest listing fails: the server logs the failure (and must not log the address's token).
    const broken = new Proxy(temp.store, {
      get(target, property) {
        if (property === 'listDigests') return () => Promise.reject(new Error('disk failure'));
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const failing = appOf({ ...archiveDeps(temp.store), store: broken }, { links: true, accounts: temp.store });
    const failed = await failing.request(address);
    expect(failed.status).toBe(500);
    expect(logged.some((line) => line.includes('/feeds/private/ada-nlp.atom failed'))).toBe(true);
    for (const line of logged) expect(line).not.toContain(token);
    // The metrics count the feed by a route pattern, never its path or query.
    const { body } = await metrics.render();
    expect(body).toMatch(/route="\/feeds\/private\/:file[^"]*",status="200"/);
    expect(body).not.toContain('route="/feeds/*"');
    expect(body).not.toContain(token);
  });
});
