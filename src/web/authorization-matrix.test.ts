/**
 * The authorization matrix (issue 11, part 4: "Reader A can never see or change reader B's subscriptions, library,
 * feedback, deliveries or channel secrets, by any route, API or MCP tool"). The routes are read from the app itself
 * (`app.routes`), and every method and path must have a row below, so a route added later without one fails here.
 * Each row is run as anonymous, reader A (ada), reader B (bob) and an admin (root), on the objects of A and of B.
 * Public pages must answer anonymously and show no reader's data; the MCP tools are listed through the SDK's client
 * transport (over `app.request`) and each needs a row too. In-process (`app.request()`), real SQLite in a temp dir,
 * sign-in emails to a real SMTP sink.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../test/helpers/smtp-sink.js';
import { createTempStore, type TempStore } from '../../test/helpers/temp-store.js';
import { addSessionFor, signedInSession } from '../../test/helpers/store-session.js';
import { subscriptionForm } from '../../test/helpers/subscription-form.js';
import { archiveDeps, BASE_URL, seedArchive } from '../../test/helpers/web-archive.js';
import { createLinkSigner, type LinkSigner } from '../core/signed-links.js';
import { checkSubscription } from '../config.js';
import { buildDigest } from '../jobs/build-digest.js';
import { marksStoreOf, readerStoreOf, subscriptionStoreOf } from '../store/index.js';
import type { Reader } from '../store/reader-store.js';
import { hashToken, keyedTag, randomToken } from './accounts/crypto.js';
import { createSignInMailer } from './accounts/setup.js';
import { createWebApp } from './app.js';
import { writeStaticEdition } from './export/index.js';
import { createMetrics } from './metrics.js';
import { secretKeyFrom } from './subscriptions/secrets.js';

const SECRET = 'an-authorization-matrix-secret-of-40-characters';
const ENV = { XIVDIGEST_SECRET_KEY: randomBytes(32).toString('base64') };
const DAY = '2026-11-24';
/** What a reader's library and secrets hold: none of it may show outside their own pages. */
const PRIVATE = {
  ada: { library: 'Adas Private Library Paper On Terminology Retrieval', webhook: 'https://hooks.example.org/services/T0/B0/ada-webhook-secret-1234' },
  bob: { library: 'Bobs Private Library Paper On Segmentation', webhook: 'https://hooks.example.org/services/T0/B0/bob-webhook-secret-5678' },
};

type Actor = 'anonymous' | 'ada' | 'bob' | 'root';
type Owner = 'ada' | 'bob';
const ACTORS: readonly Actor[] = ['anonymous', 'ada', 'bob', 'root'];
const OWNERS: readonly Owner[] = ['ada', 'bob'];
const EMAIL: Record<Exclude<Actor, 'anonymous'> | 'cyd', string> = {
  ada: 'ada@example.org',
  bob: 'bob@example.org',
  root: 'root@example.org',
  cyd: 'cyd@example.org',
};

interface Answer {
  status: number;
  text: string;
  location: string | null;
  headers: Headers;
}

describe('authorization matrix: every route and MCP tool, as anonymous, reader A, reader B and admin', () => {
  let temp: TempStore;
  let sink: SmtpSink;
  let app: ReturnType<typeof createWebApp>;
  let signer: LinkSigner;
  const readers = new Map<string, Reader>();
  const sessions = new Map<string, string>();
  const browsers = new Map<Actor | 'cyd', string>();
  const subscriptionIds = new Map<Owner, string>();
  /** Every cell that ran, `actor route → what`; the count is checked at the end. */
  const cells: string[] = [];

  const cookieOf = (actor: Actor | 'cyd', options: { session?: boolean } = {}) =>
    [`xd_browser=${browsers.get(actor)}`, ...(options.session !== false && sessions.has(actor) ? [`xd_session=${sessions.get(actor)}`] : [])].join('; ');
  const csrfOf = (actor: Actor | 'cyd', options: { session?: boolean } = {}) =>
    options.session !== false && sessions.has(actor)
      ? keyedTag(SECRET, 'csrf', `session:${sessions.get(actor)}`)
      : keyedTag(SECRET, 'csrf', `browser:${browsers.get(actor)}`);
  const read = async (response: Response): Promise<Answer> => ({
    status: response.status,
    text: await response.text(),
    location: response.headers.get('location'),
    headers: response.headers,
  });

  /** A browser of `actor`: their cookies, their CSRF token unless told otherwise (null: none). */
  function as(actor: Actor | 'cyd', options: { session?: boolean } = {}) {
    return {
      get: async (path: string) => read(await app.request(path, { headers: { cookie: cookieOf(actor, options) } })),
      post: async (
        path: string,
        fields: Record<string, string> = {},
        extra: { csrf?: string | null; file?: { name: string; text: string }; headers?: Record<string, string> } = {},
      ) => {
        const body = new FormData();
        for (const [name, value] of Object.entries(fields)) body.set(name, value);
        const token = extra.csrf === undefined ? csrfOf(actor, options) : extra.csrf;
        if (token !== null) body.set('_csrf', token);
        if (extra.file) body.set('library_file', new File([extra.file.text], extra.file.name));
        return read(await app.request(path, { method: 'POST', body, headers: { cookie: cookieOf(actor, options), ...extra.headers } }));
      },
    };
  }

  const cell = (actor: Actor, route: string, what: string) => cells.push(`${actor} ${route} → ${what}`);
  const signedIn = (actor: Actor): actor is Exclude<Actor, 'anonymous'> => actor !== 'anonymous';
  const toSignIn = (answer: Answer, label: string) => {
    expect(answer.status, label).toBe(303);
    expect(answer.location, label).toBe('/signin');
  };

  /** Nothing of any reader but the actor themselves: other emails, libraries, secrets, sessions, private digests. */
  function clean(text: string, actor: Actor, label: string, asked: readonly string[] = []): void {
    // What the requester typed may come back in a "not found" message; that is theirs, not a reader's.
    for (const name of asked) text = text.replaceAll(name, '<asked>');
    for (const [who, email] of Object.entries(EMAIL)) if (who !== actor) expect(text, `${label}: ${email}`).not.toContain(email);
    for (const [, values] of Object.entries(PRIVATE)) {
      expect(text, `${label}: a library`).not.toContain(values.library);
      expect(text, `${label}: a webhook`).not.toContain(values.webhook);
    }
    for (const name of ['ada-nlp', 'bob-nlp', 'cyd-nlp']) expect(text, `${label}: ${name}`).not.toContain(name);
    for (const [who, token] of sessions) expect(text, `${label}: ${who}'s session`).not.toContain(token);
  }

  /** The star and hide buttons on a page are the actor's own marks, with their own CSRF token; none for anonymous. */
  function ownMarks(text: string, actor: Actor, label: string): void {
    const forms = [...text.matchAll(/<form method="post" action="\/marks" class="marks" data-paper="([^"]+)">(.*?)<\/form>/g)];
    if (!signedIn(actor)) {
      expect(forms, label).toEqual([]);
      return;
    }
    expect(forms.length, label).toBeGreaterThan(0);
    const stars = { ada: ['2611.00001'], bob: ['2611.00003'], root: [] as string[] }[actor];
    const hides = { ada: [] as string[], bob: ['2611.00002'], root: [] as string[] }[actor];
    for (const [, paper, inner] of forms) {
      expect(inner, `${label}: csrf`).toContain(`name="_csrf" value="${csrfOf(actor)}"`);
      // The star button comes first, then hide; a pressed one is the viewer's own mark (in either interface language).
      const pressed = [...inner!.matchAll(/<button [^>]*aria-pressed="(true|false)"/g)].map((match) => match[1] === 'true');
      expect(pressed.length, `${label}: buttons on ${paper}`).toBe(2);
      expect(pressed[0], `${label}: star on ${paper}`).toBe(stars.includes(paper!));
      expect(pressed[1], `${label}: hide on ${paper}`).toBe(hides.includes(paper!));
    }
  }

  /** A public page: answers anonymously and everyone alike, and shows no reader's data. */
  async function publicPage(actor: Actor, route: string, path: string, options: { marks?: boolean; status?: number; asked?: string } = {}) {
    const answer = await as(actor).get(path);
    expect(answer.status, `${actor} ${path}`).toBe(options.status ?? 200);
    clean(answer.text, actor, `${actor} ${path}`, options.asked ? [options.asked] : []);
    if (options.asked) {
      // Not there, exactly as a name that never was: no sign that it exists.
      const never = await as(actor).get(path.replace(options.asked, 'zz-never'));
      expect(never.status).toBe(answer.status);
      expect(never.text.replaceAll('zz-never', '<asked>')).toBe(answer.text.replaceAll(options.asked, '<asked>'));
    }
    if (options.marks) ownMarks(answer.text, actor, `${actor} ${path}`);
    cell(actor, route, path);
    return answer;
  }

  const library = (title: string) => `@article{lib,\n  title = {${title}},\n  abstract = {Terminology retrieval for translation.},\n  year = {2025}\n}\n`;

  /** A private digest of a reader's subscription, whose entries say why: the reader's library and keywords. */
  async function privateDigest(subscription: string, nearest: string): Promise<void> {
    const papers = await temp.store.getPapers({ ids: ['2611.00001', '2611.00004'] });
    const digest = buildDigest({ name: `${subscription}/${DAY}`, papers, texts: [], lang: 'zh', now: new Date() });
    digest.entries = digest.entries.map((entry) => ({ ...entry, selection: { score: 0.9, reason: 'lexical', why: { nearest, keywords: ['terminology'] } } }));
    await temp.store.saveDigest({ ...digest, subscription, day: DAY, title: `xivdigest ${subscription}` });
  }

  /** A sign-in link as the site stores it, bound to `browser` when given. */
  async function signInLink(email: string, options: { browser?: string; expired?: boolean; used?: boolean } = {}): Promise<string> {
    const token = randomToken();
    const now = Date.now();
    await readerStoreOf(temp.store).addSignInToken({
      tokenHash: hashToken(token),
      email,
      ...(options.browser ? { browserHash: hashToken(options.browser) } : {}),
      createdAt: new Date(now - 60_000).toISOString(),
      expiresAt: new Date(now + (options.expired ? -1000 : 15 * 60_000)).toISOString(),
    });
    if (options.used) await readerStoreOf(temp.store).useSignInToken(hashToken(token));
    return token;
  }

  beforeAll(async () => {
    temp = await createTempStore('sqlite');
    sink = await startSmtpSink();
    await seedArchive(temp.store);
    const store = temp.store;
    const mail = { host: '127.0.0.1', port: sink.port, ignoreTLS: true, from: 'xivdigest <noreply@example.org>' };
    signer = createLinkSigner({ secret: SECRET, baseUrl: BASE_URL });
    app = createWebApp(
      {
        ...archiveDeps(store),
        accounts: {
          readers: readerStoreOf(store),
          mailer: createSignInMailer(mail, {}),
          secret: SECRET,
          signup: 'invite',
          admins: [EMAIL.root],
          trustProxy: false,
          perAddress: 1000,
          perIp: 1000,
        },
        readerSubscriptions: {
          subscriptions: subscriptionStoreOf(store),
          // A config subscription that emails both readers: each sees it listed, never the other's address.
          configSubscriptions: [
            checkSubscription({
              name: 'lab-shared',
              categories: 'cs.CL',
              outputs: { channels: [{ type: 'email', host: '127.0.0.1', port: 25, from: 'x@example.org', to: [EMAIL.ada, EMAIL.bob] }] },
            }).subscription!,
          ],
          mail,
          key: secretKeyFrom(ENV),
          env: ENV,
        },
        links: signer,
        // The config subscription cs.CL emails ada: her web marks feed it.
        subscriptionsOfReader: async (reader) => (reader.email === EMAIL.ada ? ['cs.CL'] : []),
      },
      { operations: { metrics: createMetrics() } },
    );
    for (const actor of [...ACTORS, 'cyd'] as const) browsers.set(actor, randomToken());
    for (const who of ['ada', 'bob', 'root', 'cyd'] as const) {
      const { reader, token } = await signedInSession(store, EMAIL[who], who === 'root' ? 'admin' : 'reader');
      readers.set(who, reader);
      sessions.set(who, token);
    }
    // Each reader's subscription, made through the form: a library and a webhook whose URL is a secret.
    for (const who of ['ada', 'bob', 'cyd'] as const) {
      const values = who === 'cyd' ? { library: 'Cyd library', webhook: 'https://hooks.example.org/services/T0/B0/cyd-webhook-000' } : PRIVATE[who];
      const saved = await as(who).post('/subscriptions', subscriptionForm('nlp', { webhook_url: values.webhook }), {
        file: { name: 'mine.bib', text: library(values.library) },
      });
      expect(saved.status, saved.text).toBe(303);
      const [row] = await subscriptionStoreOf(store).list({ readerId: readers.get(who)!.id });
      if (who !== 'cyd') subscriptionIds.set(who, row!.id);
      await privateDigest(`${who}-nlp`, values.library);
    }
    await marksStoreOf(store).setMark(readers.get('ada')!.id, '2611.00001', 'star');
    await marksStoreOf(store).setMark(readers.get('bob')!.id, '2611.00003', 'star');
    await marksStoreOf(store).setMark(readers.get('bob')!.id, '2611.00002', 'hide');
    // Cyd deletes their account: their session cookie, subscription and digests must not come back to anyone.
    expect((await as('cyd').post('/account/delete', { confirm: 'yes' })).status).toBe(200);
  });

  afterAll(async () => {
    await sink?.close();
    await temp?.cleanup();
  });

  /** A signed feedback or unsubscribe link's path and query, for ada's or bob's address. */
  const linkOf = (url: string) => url.slice(BASE_URL.length);
  const feedbackLink = (owner: Owner, action: 'star' | 'hide' = 'star') => linkOf(signer.feedbackUrl('cs.CL', '2611.00004', action, EMAIL[owner]));
  const unsubscribeLink = (owner: Owner) => linkOf(signer.unsubscribeUrl('cs.CL', EMAIL[owner]));
  const withParam = (path: string, name: string, value: string | undefined) => {
    const url = new URL(path, BASE_URL);
    if (value === undefined) url.searchParams.delete(name);
    else url.searchParams.set(name, value);
    return `${url.pathname}${url.search}`;
  };
  /** The refusals every signed link gets, whoever opens it: altered (another reader, subscription, paper), expired, incomplete. */
  async function linkRefusals(actor: Actor, route: string, method: 'get' | 'post', path: string, owner: Owner) {
    const other = owner === 'ada' ? EMAIL.bob : EMAIL.ada;
    const expiredSigner = createLinkSigner({ secret: SECRET, baseUrl: BASE_URL, now: () => new Date(Date.now() - 400 * 86400_000) });
    const expired = path.startsWith('/unsubscribe')
      ? linkOf(expiredSigner.unsubscribeUrl('cs.CL', EMAIL[owner]))
      : linkOf(expiredSigner.feedbackUrl('cs.CL', '2611.00004', 'star', EMAIL[owner]));
    const cases: Array<[string, string, number]> = [
      ['cross-reader', withParam(path, 'r', other), 403],
      ['another subscription', withParam(path, 's', 'lab'), 403],
      ['a later expiry', withParam(path, 'x', String(Math.floor(Date.now() / 1000) + 900 * 86400)), 403],
      // An unsubscribe link names no paper: one that does is malformed.
      ['another paper', withParam(path, 'p', '2611.00001'), path.startsWith('/unsubscribe') ? 400 : 403],
      ['expired', expired, 410],
      ['incomplete', withParam(path, 't', undefined), 400],
      ['forged tag', withParam(path, 't', randomBytes(16).toString('base64url')), 403],
    ];
    const before = JSON.stringify(await temp.store.getFeedback('cs.CL'));
    const unsubscribedBefore = JSON.stringify(await marksStoreOf(temp.store).unsubscribed('cs.CL'));
    for (const [what, target, status] of cases) {
      const answer = method === 'get' ? await as(actor).get(target) : await as(actor).post(target, {}, { csrf: null });
      expect(answer.status, `${actor} ${method} ${what}`).toBe(status);
      cell(actor, route, `${owner}'s link, ${what}`);
    }
    // Refused links change nothing.
    expect(JSON.stringify(await temp.store.getFeedback('cs.CL'))).toBe(before);
    expect(JSON.stringify(await marksStoreOf(temp.store).unsubscribed('cs.CL'))).toBe(unsubscribedBefore);
  }

  /** The private feed address (Atom) the owner's subscription page shows them, as a path with its token. */
  async function feedAddress(owner: Owner): Promise<string> {
    const page = await as(owner).get(`/subscriptions/${subscriptionIds.get(owner)}`);
    const url = /id="f-private-feed-atom"[^>]*value="([^"]+)"/.exec(page.text)?.[1]?.replaceAll('&amp;', '&');
    expect(url, `${owner}'s page shows a private feed address`).toBeDefined();
    return url!.slice(BASE_URL.length);
  }

  /** One row per registered method and path: what it must do for each actor, on A's and B's objects. */
  const ROWS: Record<string, (actor: Actor, route: string) => Promise<void>> = {
    // The site-wide middleware (language, security headers, the accounts' visitor): on every answer.
    'ALL /*': async (actor, route) => {
      const answer = await as(actor).get('/');
      expect(answer.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(answer.headers.get('x-frame-options')).toBe('DENY');
      // A signed-in reader's page is never kept by a shared cache.
      if (signedIn(actor)) expect(answer.headers.get('cache-control')).toMatch(/^private/);
      if (signedIn(actor)) expect(answer.headers.get('etag') ?? '').not.toContain(sessions.get(actor)!);
      cell(actor, route, 'headers');
      // A form posted from another site is refused even with the right token (the accounts' and the subscriptions' checks).
      for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }] as Array<Record<string, string>>) {
        expect((await as(actor).post('/signin', { email: EMAIL.ada }, { headers })).status).toBe(403);
        if (!signedIn(actor)) continue;
        expect((await as(actor).post('/marks', { paper: '2611.00004', kind: 'star' }, { headers })).status).toBe(403);
        const id = subscriptionIds.get(actor === 'bob' ? 'bob' : 'ada')!;
        expect((await as(actor).post(`/subscriptions/${id}/delete`, { confirm: 'yes' }, { headers })).status).not.toBe(303);
        expect(await subscriptionStoreOf(temp.store).get({ id })).toBeDefined();
      }
      expect(await marksStoreOf(temp.store).getMarks(readers.get('ada')!.id, { paperIds: ['2611.00004'] })).toEqual([]);
      cell(actor, route, 'cross-site forms refused');
    },
    'GET /healthz': async (actor, route) => void (await publicPage(actor, route, '/healthz')),
    'GET /readyz': async (actor, route) => void (await publicPage(actor, route, '/readyz')),
    // No bearer token configured and no loopback socket under app.request: refused to everyone, sessions or not.
    'GET /metrics': async (actor, route) => void (await publicPage(actor, route, '/metrics', { status: 403 })),

    'GET /signin': async (actor, route) => {
      const answer = await as(actor).get('/signin');
      if (signedIn(actor)) expect(answer.location).toBe('/account');
      else expect(answer.status).toBe(200);
      cell(actor, route, 'form');
    },
    'POST /signin': async (actor, route) => {
      expect((await as(actor).post('/signin', { email: EMAIL.ada }, { csrf: null })).status).toBe(403);
      cell(actor, route, 'no CSRF token: refused');
      expect((await as(actor).post('/signin', { email: EMAIL.ada }, { csrf: csrfOf(actor === 'ada' ? 'bob' : 'ada') })).status).toBe(403);
      cell(actor, route, "another browser's token: refused");
      const known = actor === 'root' ? EMAIL.ada : EMAIL.root;
      const sent = await as(actor).post('/signin', { email: known });
      expect(sent.status).toBe(200);
      // The same answer for anyone: it says nothing of whether the address is a reader.
      const unknown = await as(actor).post('/signin', { email: 'nobody@example.org' });
      expect(unknown.text.replace(/nobody@example\.org/g, 'X').replace(/value="[^"]*"/g, '')).toBe(
        sent.text.replaceAll(known, 'X').replace(/value="[^"]*"/g, ''),
      );
      cell(actor, route, 'sends a link, answering alike for anyone');
    },
    'GET /signin/verify': async (actor, route) => {
      const browser = browsers.get(actor)!;
      const open = (token: string | undefined) =>
        as(actor, { session: false }).get(`/signin/verify${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`);
      expect((await open(undefined)).status).toBe(400);
      expect((await open(randomToken())).status).toBe(400);
      expect((await open(await signInLink(EMAIL.ada, { browser, expired: true }))).status).toBe(400);
      expect((await open(await signInLink(EMAIL.ada, { browser, used: true }))).status).toBe(400);
      cell(actor, route, 'missing, unknown, expired, replayed: refused');
      for (const owner of OWNERS) {
        // A link asked for in another browser (another reader's): refused, and still good where it was asked for.
        const theirs = await signInLink(EMAIL[owner], { browser: browsers.get(owner === actor ? 'root' : owner)! });
        const refused = await open(theirs);
        expect(refused.status, `${actor} opens ${owner}'s link`).toBe(403);
        expect(refused.headers.get('set-cookie') ?? '').not.toContain('xd_session=');
        const altered = await open(`${theirs.slice(0, -2)}${theirs.endsWith('AA') ? 'BB' : 'AA'}`);
        expect(altered.status).toBe(400);
        expect((await readerStoreOf(temp.store).getSignInToken(hashToken(theirs)))?.usedAt).toBeUndefined();
        cell(actor, route, `${owner}'s link from another browser, altered: refused, not used up`);
      }
      const own = await signInLink(EMAIL[signedIn(actor) ? actor : 'ada'], { browser });
      const signed = await open(own);
      expect(signed.status).toBe(303);
      expect(signed.headers.get('set-cookie')).toContain('xd_session=');
      expect((await open(own)).status, 'replayed').toBe(400);
      cell(actor, route, 'own link in own browser: signs in once; replayed: refused');
    },
    'POST /signin/verify': async (actor, route) => {
      const browser = as(actor, { session: false });
      const invitation = await signInLink(EMAIL.bob);
      expect((await browser.post('/signin/verify', { token: invitation }, { csrf: null })).status).toBe(403);
      cell(actor, route, 'no CSRF token: refused');
      const other = await signInLink(EMAIL.ada, { browser: browsers.get(actor === 'ada' ? 'bob' : 'ada')! });
      expect((await browser.post('/signin/verify', { token: other })).status).toBe(403);
      cell(actor, route, 'a link bound to another browser: refused');
      expect((await browser.post('/signin/verify', { token: await signInLink(EMAIL.ada, { expired: true }) })).status).toBe(400);
      const accepted = await browser.post('/signin/verify', { token: invitation });
      expect(accepted.status).toBe(303);
      expect((await browser.post('/signin/verify', { token: invitation })).status, 'replayed').toBe(400);
      cell(actor, route, 'invitation: once; expired and replayed: refused');
    },
    'POST /signout': async (actor, route) => {
      expect((await as(actor).post('/signout', {}, { csrf: null })).status).toBe(403);
      if (signedIn(actor)) expect((await as(actor).get('/account')).status, 'still signed in').toBe(200);
      cell(actor, route, 'no CSRF token: refused, session kept');
      if (!signedIn(actor)) return;
      // A second session of the same reader signs out; the first one (another browser) is untouched.
      const second = await addSessionFor(temp.store, readers.get(actor)!);
      const post = (fields: Record<string, string>) => {
        const body = new FormData();
        for (const [name, value] of Object.entries(fields)) body.set(name, value);
        return app.request('/signout', { method: 'POST', body, headers: { cookie: `xd_session=${second}` } });
      };
      // Another reader's token does not sign this one out.
      expect((await post({ _csrf: csrfOf(actor === 'ada' ? 'bob' : 'ada') })).status).toBe(403);
      expect((await post({ _csrf: keyedTag(SECRET, 'csrf', `session:${second}`) })).status).toBe(303);
      expect(await readerStoreOf(temp.store).getSession(hashToken(second))).toBeUndefined();
      expect((await as(actor).get('/account')).status).toBe(200);
      cell(actor, route, 'signs out its own session only');
    },
    'GET /account': async (actor, route) => {
      const answer = await as(actor).get('/account');
      if (!signedIn(actor)) return void (toSignIn(answer, route), cell(actor, route, 'to sign-in'));
      expect(answer.status).toBe(200);
      expect(answer.text).toContain(EMAIL[actor]);
      clean(answer.text, actor, route);
      cell(actor, route, 'own account only');
    },
    'GET /account/export.json': async (actor, route) => {
      for (const path of ['/account/export.json', `/account/export.json?reader=${readers.get('ada')!.id}`, `/account/export.json?email=${EMAIL.bob}`]) {
        const answer = await as(actor).get(path);
        if (!signedIn(actor)) {
          toSignIn(answer, path);
          cell(actor, route, `${path}: to sign-in`);
          continue;
        }
        expect(answer.status).toBe(200);
        const exported = JSON.parse(answer.text) as { reader: Reader; subscriptions: Array<{ name: string }>; marks: Array<{ paperId: string }> };
        expect(exported.reader.email).toBe(EMAIL[actor]);
        expect(exported.subscriptions.map((row) => row.name)).toEqual(actor === 'root' ? [] : [`${actor}-nlp`]);
        expect(exported.marks.map((mark) => mark.paperId).sort()).toEqual({ ada: ['2611.00001'], bob: ['2611.00002', '2611.00003'], root: [] }[actor]);
        // Secrets never, their own included; nothing of another reader.
        for (const values of Object.values(PRIVATE)) expect(answer.text).not.toContain(values.webhook);
        for (const [who, values] of Object.entries(PRIVATE)) if (who !== actor) expect(answer.text).not.toContain(values.library);
        for (const [who, email] of Object.entries(EMAIL)) if (who !== actor) expect(answer.text).not.toContain(email);
        cell(actor, route, `${path}: own data only`);
      }
    },
    'POST /account/delete': async (actor, route) => {
      const client = as(actor);
      const noToken = await client.post('/account/delete', { confirm: 'yes' }, { csrf: null });
      if (!signedIn(actor)) {
        toSignIn(noToken, route);
        return void cell(actor, route, 'to sign-in');
      }
      expect(noToken.status).toBe(403);
      expect((await client.post('/account/delete', { confirm: 'yes' }, { csrf: csrfOf(actor === 'ada' ? 'bob' : 'ada') })).status).toBe(403);
      expect((await client.post('/account/delete', {})).status).toBe(400);
      expect(await readerStoreOf(temp.store).getReader({ email: EMAIL[actor] })).toBeDefined();
      cell(actor, route, 'without a token, with another session’s, unconfirmed: nothing deleted');
      // The deleted account's session cookie opens nothing.
      const cyd = as('cyd');
      for (const path of ['/account', '/account/export.json', '/starred', '/starred.bib', '/subscriptions', '/subscriptions/new', '/admin/readers'])
        toSignIn(await cyd.get(path), `deleted account ${path}`);
      toSignIn(await cyd.post('/marks', { paper: '2611.00001', kind: 'star' }), 'deleted account marks');
      toSignIn(await cyd.post('/account/delete', { confirm: 'yes' }), 'deleted account delete');
      cell(actor, route, "a deleted account's session: signed out everywhere");
    },
    'GET /admin/readers': async (actor, route) => {
      const answer = await as(actor).get('/admin/readers');
      if (!signedIn(actor)) toSignIn(answer, route);
      else if (actor !== 'root') {
        expect(answer.status).toBe(403);
        clean(answer.text, actor, route);
      } else {
        expect(answer.status).toBe(200);
        expect(answer.text).toContain(EMAIL.ada);
        expect(answer.text).toContain(EMAIL.bob);
      }
      cell(actor, route, 'admins only');
    },
    'POST /admin/readers/invite': async (actor, route) => {
      const email = `invited-by-${actor}@example.org`;
      const answer = await as(actor).post('/admin/readers/invite', { email });
      if (!signedIn(actor)) toSignIn(answer, route);
      else if (actor !== 'root') expect(answer.status).toBe(403);
      else {
        expect((await as(actor).post('/admin/readers/invite', { email: 'x@example.org' }, { csrf: null })).status).toBe(403);
        expect(answer.status).toBe(200);
      }
      expect((await readerStoreOf(temp.store).getInvitation(email)) !== undefined).toBe(actor === 'root');
      expect(await readerStoreOf(temp.store).getInvitation('x@example.org')).toBeUndefined();
      cell(actor, route, 'admins only, with a token');
    },
    'POST /admin/readers/remove': async (actor, route) => {
      for (const owner of OWNERS) {
        const answer = await as(actor).post('/admin/readers/remove', { email: EMAIL[owner] }, actor === 'root' ? { csrf: null } : {});
        if (!signedIn(actor)) toSignIn(answer, route);
        else expect(answer.status).toBe(403);
        expect(await readerStoreOf(temp.store).getReader({ email: EMAIL[owner] }), `${actor} removes ${owner}`).toBeDefined();
        cell(actor, route, `remove ${owner}: ${actor === 'root' ? 'no token: refused' : 'refused'}`);
      }
      if (actor === 'root') {
        await readerStoreOf(temp.store).ensureReader('gone@example.org', { role: 'reader' });
        expect((await as('root').post('/admin/readers/remove', { email: 'gone@example.org' })).status).toBe(200);
        expect(await readerStoreOf(temp.store).getReader({ email: 'gone@example.org' })).toBeUndefined();
        cell(actor, route, 'removes a reader');
      }
    },
    'POST /marks': async (actor, route) => {
      const marks = marksStoreOf(temp.store);
      const before = { ada: await marks.getMarks(readers.get('ada')!.id), bob: await marks.getMarks(readers.get('bob')!.id) };
      // Clearing the other reader's marked papers, with and without a token: their marks stay.
      for (const paper of ['2611.00001', '2611.00002', '2611.00003']) {
        const own = signedIn(actor) && before[actor as Owner]?.some((mark) => mark.paperId === paper);
        if (own) continue;
        const noToken = await as(actor).post('/marks', { paper, kind: 'clear' }, { csrf: null });
        if (!signedIn(actor)) toSignIn(noToken, route);
        else expect(noToken.status).toBe(403);
        if (signedIn(actor)) expect((await as(actor).post('/marks', { paper, kind: 'clear', back: '/' })).status).toBe(303);
        // Back to this site only, never to another (`/\\host` is `//host` to a browser).
        if (signedIn(actor)) {
          const away = await as(actor).post('/marks', { paper, kind: 'clear', back: '/\\evil.example/' });
          expect(away.location).toMatch(/^\/papers\//);
        }
        cell(actor, route, `clear ${paper}`);
      }
      expect(await marks.getMarks(readers.get('ada')!.id)).toEqual(before.ada);
      expect(await marks.getMarks(readers.get('bob')!.id)).toEqual(before.bob);
    },
    'GET /starred': async (actor, route) => {
      const answer = await as(actor).get('/starred');
      if (!signedIn(actor)) return void (toSignIn(answer, route), cell(actor, route, 'to sign-in'));
      expect(answer.status).toBe(200);
      expect(answer.text.includes('2611.00001'), 'ada’s star').toBe(actor === 'ada');
      expect(answer.text.includes('2611.00003'), 'bob’s star').toBe(actor === 'bob');
      clean(answer.text, actor, route);
      cell(actor, route, 'own stars only');
    },
    'GET /starred.bib': async (actor, route) => {
      const answer = await as(actor).get('/starred.bib');
      if (!signedIn(actor)) return void (toSignIn(answer, route), cell(actor, route, 'to sign-in'));
      expect(answer.text.includes('eprint = {2611.00001}')).toBe(actor === 'ada');
      expect(answer.text.includes('eprint = {2611.00003}')).toBe(actor === 'bob');
      cell(actor, route, 'own stars only');
    },
    'GET /starred.ris': async (actor, route) => {
      const answer = await as(actor).get('/starred.ris');
      if (!signedIn(actor)) return void (toSignIn(answer, route), cell(actor, route, 'to sign-in'));
      expect(answer.text.includes('arXiv:2611.00001')).toBe(actor === 'ada');
      expect(answer.text.includes('arXiv:2611.00003')).toBe(actor === 'bob');
      cell(actor, route, 'own stars only');
    },
    'GET /feedback/link': async (actor, route) => {
      for (const owner of OWNERS) {
        const before = JSON.stringify(await temp.store.getFeedback('cs.CL'));
        const answer = await as(actor).get(feedbackLink(owner));
        expect(answer.status).toBe(200);
        // A GET changes nothing (a mail scanner opens links).
        expect(JSON.stringify(await temp.store.getFeedback('cs.CL'))).toBe(before);
        cell(actor, route, `${owner}'s link: shown, nothing recorded`);
        await linkRefusals(actor, route, 'get', feedbackLink(owner), owner);
      }
    },
    'POST /feedback/link': async (actor, route) => {
      for (const owner of OWNERS) {
        await linkRefusals(actor, route, 'post', feedbackLink(owner, 'hide'), owner);
        const link = feedbackLink(owner, 'hide');
        expect((await as(actor).post(link, {}, { csrf: null })).status).toBe(200);
        // Replayed: one verdict, not two.
        expect((await as(actor).post(link, {}, { csrf: null })).status).toBe(200);
        expect((await temp.store.getFeedback('cs.CL')).filter((item) => item.paperId === '2611.00004')).toEqual([expect.objectContaining({ kind: 'hide' })]);
        expect((await as(actor).post(link, { set: 'clear' }, { csrf: null })).status).toBe(200);
        cell(actor, route, `${owner}'s link: recorded once, replay harmless`);
        // The reader's own web subscription: their link records for it; made for the other reader, refused.
        const own = linkOf(signer.feedbackUrl(`${owner}-nlp`, '2611.00004', 'star', EMAIL[owner]));
        expect((await as(actor).post(withParam(own, 's', `${owner === 'ada' ? 'bob' : 'ada'}-nlp`), {}, { csrf: null })).status).toBe(403);
        expect((await as(actor).post(own, {}, { csrf: null })).status).toBe(200);
        expect((await temp.store.getFeedback(`${owner}-nlp`)).map((item) => item.paperId)).toEqual(['2611.00004']);
        expect((await as(actor).post(own, { set: 'clear' }, { csrf: null })).status).toBe(200);
        expect(await temp.store.getFeedback(`${owner}-nlp`)).toEqual([]);
        cell(actor, route, `${owner}'s web subscription's link: its own only`);
      }
    },
    // A reader's own web subscription's links work too, for that subscription and address only.
    'GET /unsubscribe': async (actor, route) => {
      for (const owner of OWNERS) {
        expect((await as(actor).get(unsubscribeLink(owner))).status).toBe(200);
        // A feedback link is not an unsubscribe link.
        expect((await as(actor).get(feedbackLink(owner).replace('/feedback/link', '/unsubscribe'))).status).toBe(403);
        cell(actor, route, `${owner}'s link`);
        await linkRefusals(actor, route, 'get', unsubscribeLink(owner), owner);
      }
    },
    'POST /unsubscribe': async (actor, route) => {
      for (const owner of OWNERS) {
        await linkRefusals(actor, route, 'post', unsubscribeLink(owner), owner);
        expect((await as(actor).post(unsubscribeLink(owner), { 'List-Unsubscribe': 'One-Click' }, { csrf: null })).status).toBe(200);
        expect((await marksStoreOf(temp.store).unsubscribed('cs.CL')).map((item) => item.recipient)).toEqual([EMAIL[owner]]);
        expect((await as(actor).post(unsubscribeLink(owner), { undo: '1' }, { csrf: null })).status).toBe(200);
        expect(await marksStoreOf(temp.store).unsubscribed('cs.CL')).toEqual([]);
        cell(actor, route, `${owner}'s link: only that address`);
      }
    },

    'GET /subscriptions': async (actor, route) => {
      const answer = await as(actor).get('/subscriptions');
      if (!signedIn(actor)) return void (toSignIn(answer, route), cell(actor, route, 'to sign-in'));
      expect(answer.text.includes('ada-nlp')).toBe(actor === 'ada' || actor === 'root');
      expect(answer.text.includes('bob-nlp')).toBe(actor === 'bob' || actor === 'root');
      expect(answer.text).toContain('lab-shared');
      if (actor !== 'root') for (const [who, email] of Object.entries(EMAIL)) if (who !== actor) expect(answer.text).not.toContain(email);
      for (const values of Object.values(PRIVATE)) expect(answer.text).not.toContain(values.webhook);
      cell(actor, route, 'own (all for the admin)');
    },
    'GET /subscriptions/categories.json': async (actor, route) => {
      const answer = await as(actor).get('/subscriptions/categories.json');
      if (!signedIn(actor)) toSignIn(answer, route);
      else expect(answer.status).toBe(200);
      cell(actor, route, 'signed in only');
    },
    'GET /subscriptions/check.json': async (actor, route) => {
      const answer = await as(actor).get('/subscriptions/check.json?categories=cs.CL&query=ti:x');
      if (!signedIn(actor)) toSignIn(answer, route);
      else expect(answer.status).toBe(200);
      cell(actor, route, 'signed in only');
    },
    'GET /subscriptions/new': async (actor, route) => {
      const answer = await as(actor).get('/subscriptions/new');
      if (!signedIn(actor)) toSignIn(answer, route);
      else expect(answer.status).toBe(200);
      cell(actor, route, 'signed in only');
    },
    'POST /subscriptions': async (actor, route) => {
      const name = `made${actor.length}`;
      const noToken = await as(actor).post('/subscriptions', subscriptionForm(name), { csrf: null });
      if (!signedIn(actor)) return void (toSignIn(noToken, route), cell(actor, route, 'to sign-in'));
      expect(noToken.status).toBe(403);
      const made = await as(actor).post('/subscriptions', subscriptionForm(name));
      expect(made.status).toBe(303);
      const rows = await subscriptionStoreOf(temp.store).list({ readerId: readers.get(actor)!.id });
      expect(rows.map((row) => row.name)).toContain(`${actor}-${name}`);
      cell(actor, route, 'made for the reader who posts it; no token: refused');
    },
    'POST /subscriptions/preview': async (actor, route) => {
      const plain = await as(actor).post('/subscriptions/preview', subscriptionForm('x'));
      if (!signedIn(actor)) return void (toSignIn(plain, route), cell(actor, route, 'to sign-in'));
      expect(plain.status).toBe(200);
      expect((await as(actor).post('/subscriptions/preview', subscriptionForm('x'), { csrf: null })).status).toBe(403);
      for (const owner of OWNERS) {
        const answer = await as(actor).post('/subscriptions/preview', { ...subscriptionForm('x'), id: subscriptionIds.get(owner)! });
        // Another's stored library never joins a preview, admins' included.
        expect(answer.status, `${actor} previews with ${owner}'s id`).toBe(actor === owner ? 200 : 404);
        if (actor !== owner) clean(answer.text, actor, route);
        cell(actor, route, `with ${owner}'s id`);
      }
    },
    'GET /subscriptions/:id': async (actor, route) => {
      for (const owner of OWNERS) {
        const answer = await as(actor).get(`/subscriptions/${subscriptionIds.get(owner)}`);
        if (!signedIn(actor)) toSignIn(answer, route);
        else if (actor === owner || actor === 'root') {
          expect(answer.status).toBe(200);
          // The secret shows masked to its owner and the admin, never whole.
          expect(answer.text).not.toContain(PRIVATE[owner].webhook);
          expect(answer.text).toContain(`••••${PRIVATE[owner].webhook.slice(-4)}`);
        } else {
          expect(answer.status).toBe(404);
          clean(answer.text, actor, route);
        }
        cell(actor, route, `${owner}'s`);
      }
    },
    'POST /subscriptions/:id': async (actor, route) => {
      const store = subscriptionStoreOf(temp.store);
      for (const owner of OWNERS) {
        const id = subscriptionIds.get(owner)!;
        const before = await store.get({ id });
        const answer = await as(actor).post(`/subscriptions/${id}`, subscriptionForm('nlp', { topK: '4' }));
        const after = await store.get({ id });
        if (!signedIn(actor)) toSignIn(answer, route);
        else if (actor === owner) {
          expect(answer.status).toBe(303);
          expect((after!.subscription.ranking as { topK: number }).topK).toBe(4);
          // Left blank, the stored secret and library are kept.
          expect(after!.secrets).toBeDefined();
          expect(after!.libraryFiles).toEqual(before!.libraryFiles);
        } else expect(answer.status, `${actor} changes ${owner}'s`).toBe(404);
        if (actor !== owner) expect(after).toEqual(before);
        // Without a token, not even its owner.
        if (actor === owner) expect((await as(actor).post(`/subscriptions/${id}`, subscriptionForm('nlp'), { csrf: null })).status).toBe(403);
        cell(actor, route, `${owner}'s`);
      }
    },
    'POST /subscriptions/:id/delete': async (actor, route) => {
      const store = subscriptionStoreOf(temp.store);
      for (const owner of OWNERS) {
        const id = subscriptionIds.get(owner)!;
        // Unconfirmed (400) where allowed, so the row stays for the other cells; refused elsewhere.
        const answer = await as(actor).post(`/subscriptions/${id}/delete`, {});
        if (!signedIn(actor)) toSignIn(answer, route);
        else expect(answer.status, `${actor} deletes ${owner}'s`).toBe(actor === owner || actor === 'root' ? 400 : 404);
        if (signedIn(actor) && actor !== owner && actor !== 'root') {
          expect((await as(actor).post(`/subscriptions/${id}/delete`, { confirm: 'yes' })).status).toBe(404);
        }
        if (actor === owner) expect((await as(actor).post(`/subscriptions/${id}/delete`, { confirm: 'yes' }, { csrf: null })).status).toBe(403);
        expect(await store.get({ id })).toBeDefined();
        cell(actor, route, `${owner}'s`);
      }
    },
    'GET /subscriptions/:id/preview': async (actor, route) => {
      for (const owner of OWNERS) {
        const answer = await as(actor).get(`/subscriptions/${subscriptionIds.get(owner)}/preview`);
        if (!signedIn(actor)) toSignIn(answer, route);
        else expect(answer.status, `${actor} previews ${owner}'s`).toBe(actor === owner || actor === 'root' ? 200 : 404);
        if (signedIn(actor) && actor !== owner && actor !== 'root') clean(answer.text, actor, route);
        cell(actor, route, `${owner}'s`);
      }
    },

    'POST /subscriptions/:id/private-feed': async (actor, route) => {
      for (const owner of OWNERS) {
        const id = subscriptionIds.get(owner)!;
        const before = await feedAddress(owner);
        const answer = await as(actor).post(`/subscriptions/${id}/private-feed`);
        if (!signedIn(actor)) toSignIn(answer, route);
        else if (actor === owner) {
          expect(answer.status).toBe(303);
          // Reset: the old address is a feed that never was, the new one works.
          expect((await as('anonymous').get(before)).status).toBe(404);
          expect((await as('anonymous').get(await feedAddress(owner))).status).toBe(200);
          expect((await as(actor).post(`/subscriptions/${id}/private-feed`, {}, { csrf: null })).status).toBe(403);
        } else {
          // Another reader's, the admin's too: not there to reset.
          expect(answer.status, `${actor} resets ${owner}'s feed address`).toBe(404);
          clean(answer.text, actor, route);
        }
        if (actor !== owner) expect(await feedAddress(owner)).toBe(before);
        cell(actor, route, `${owner}'s`);
      }
    },

    // The public archive: readable anonymously, the same for everyone but each reader's own buttons, no reader data.
    'GET /': async (actor, route) => void (await publicPage(actor, route, '/')),
    'GET /digests/*': async (actor, route) => {
      await publicPage(actor, route, `/digests/cs.CL/${DAY}`, { marks: true });
      // A reader's digest (it says why each paper was chosen: their library, their keywords) is theirs and admins'.
      for (const owner of [...OWNERS, 'cyd'] as const) {
        const allowed = actor === owner || actor === 'root';
        if (!allowed) {
          await publicPage(actor, route, `/digests/${owner}-nlp/${DAY}`, { status: 404, asked: `${owner}-nlp` });
          continue;
        }
        const answer = await as(actor).get(`/digests/${owner}-nlp/${DAY}`);
        expect(answer.status, `${actor} opens ${owner}'s digest`).toBe(200);
        expect(answer.headers.get('cache-control')).toContain('no-store');
        cell(actor, route, `${owner}'s digest`);
      }
    },
    'GET /archive': async (actor, route) => void (await publicPage(actor, route, '/archive')),
    'GET /archive/*': async (actor, route) => {
      await publicPage(actor, route, '/archive/cs.CL');
      await publicPage(actor, route, `/archive/cs.CL/${DAY}`, { marks: true });
    },
    'GET /papers/*': async (actor, route) => {
      for (const id of ['2611.00001', '2611.00002', '2611.00003']) await publicPage(actor, route, `/papers/${id}`, { marks: true });
    },
    'GET /search': async (actor, route) => void (await publicPage(actor, route, '/search?q=translation', { marks: true })),
    'GET /assets/*': async (actor, route) => {
      const home = await as(actor).get('/');
      const asset = /href="(\/assets\/[^"]+)"/.exec(home.text)![1]!;
      await publicPage(actor, route, asset);
    },

    // The JSON API knows no reader: public data only, sessions or not.
    'ALL /api/*': async (actor, route) => void (await publicPage(actor, route, '/api/no-such-route', { status: 404 })),
    'GET /api/search': async (actor, route) => void (await publicPage(actor, route, '/api/search?q=translation')),
    'GET /api/papers/:id{.+}': async (actor, route) => void (await publicPage(actor, route, '/api/papers/2611.00001')),
    'GET /api/digests': async (actor, route) => {
      const answer = await publicPage(actor, route, '/api/digests');
      expect((JSON.parse(answer.text) as { digests: Array<{ name: string }> }).digests.map((digest) => digest.name)).toContain(`cs.CL/${DAY}`);
    },
    'GET /api/digests/:name{.+}': async (actor, route) => {
      await publicPage(actor, route, `/api/digests/cs.CL/${DAY}`);
      for (const owner of [...OWNERS, 'cyd']) await publicPage(actor, route, `/api/digests/${owner}-nlp/${DAY}`, { status: 404, asked: `${owner}-nlp` });
    },
    'GET /api/archive/days': async (actor, route) => void (await publicPage(actor, route, '/api/archive/days?category=cs.CL')),
    'GET /api/archive/categories': async (actor, route) => void (await publicPage(actor, route, '/api/archive/categories')),
    'GET /api/openapi.json': async (actor, route) => void (await publicPage(actor, route, '/api/openapi.json')),

    'ALL /feeds/*': async (actor, route) => void (await publicPage(actor, route, '/feeds/nothing', { status: 404 })),
    'GET /feeds/digests/:file{.+\\.(?:atom|json)}': async (actor, route) => {
      await publicPage(actor, route, `/feeds/digests/cs.CL/${DAY}.atom`);
      await publicPage(actor, route, '/feeds/digests/cs.CL.json');
      for (const owner of [...OWNERS, 'cyd']) {
        await publicPage(actor, route, `/feeds/digests/${owner}-nlp.atom`, { status: 404, asked: `${owner}-nlp` });
        await publicPage(actor, route, `/feeds/digests/${owner}-nlp/${DAY}.json`, { status: 404, asked: `${owner}-nlp` });
      }
    },
    // A reader's private feed (docs/decisions/0063): its address is the capability, whoever holds it; no cookie opens it.
    'GET /feeds/private/:file{[^/]+\\.(?:atom|json)}': async (actor, route) => {
      for (const owner of OWNERS) {
        const address = await feedAddress(owner);
        const feed = await as(actor).get(address);
        expect(feed.status, `${actor} with ${owner}'s address`).toBe(200);
        expect(feed.headers.get('cache-control')).toMatch(/^private/);
        expect(feed.headers.get('x-robots-tag')).toBe('noindex');
        expect(feed.text).toContain(`${owner}-nlp/${DAY}`);
        cell(actor, route, `${owner}'s address`);
        const other = new URL(await feedAddress(owner === 'ada' ? 'bob' : 'ada'), BASE_URL).searchParams.get('token')!;
        const token = new URL(address, BASE_URL).searchParams.get('token')!;
        // No token (a session or an admin is none), another's token, an altered one: a feed that never was.
        for (const [what, path] of [
          ['no token', address.replace(/\?.*$/, '')],
          ["the other reader's token", address.replace(token, other)],
          ['an altered token', address.replace(token, `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`)],
          ['the json feed, no token', address.replace(/\.atom\?.*$/, '.json')],
        ]) {
          await publicPage(actor, route, path!, { status: 404, asked: `${owner}-nlp` });
          cell(actor, route, `${owner}'s feed, ${what}`);
        }
      }
      // The deleted reader's subscription has no feed, whatever the token.
      await publicPage(actor, route, `/feeds/private/cyd-nlp.atom?token=${'A'.repeat(22)}`, { status: 404, asked: 'cyd-nlp' });
    },
    'GET /feeds/archive/:file{.+\\.(?:atom|json)}': async (actor, route) => void (await publicPage(actor, route, '/feeds/archive/cs.CL.atom')),
    'GET /feeds/search.atom': async (actor, route) => void (await publicPage(actor, route, '/feeds/search.atom?q=translation')),
    'GET /feeds/search.json': async (actor, route) => void (await publicPage(actor, route, '/feeds/search.json?q=translation')),

    'POST /mcp': async (actor, route) => {
      // The SDK's client transport, its requests answered by the app in-process, carrying the actor's cookies.
      const client = new Client({ name: 'authorization-matrix', version: '1.0.0' });
      const cookie = cookieOf(actor);
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${BASE_URL}/mcp`), {
          fetch: async (url, init) => {
            const headers = new Headers(init?.headers);
            headers.set('cookie', cookie);
            return app.request(String(url), { ...init, headers });
          },
        }),
      );
      // A page of another site cannot call the tools from a reader's browser (DNS rebinding, MCP's transport spec).
      const foreign = await app.request('/mcp', {
        method: 'POST',
        headers: { origin: 'https://evil.example', 'content-type': 'application/json', accept: 'application/json, text/event-stream', cookie },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(foreign.status).toBe(403);
      cell(actor, route, 'another origin: refused');
      try {
        const { tools } = await client.listTools();
        // Every tool has a row: a tool added later without one fails here.
        expect(tools.map((tool) => tool.name).sort()).toEqual(Object.keys(TOOL_ROWS).sort());
        for (const tool of tools) {
          for (const [args, expectError] of TOOL_ROWS[tool.name]!) {
            const result = (await client.callTool({ name: tool.name, arguments: args })) as CallToolResult;
            const text = JSON.stringify(result);
            expect(Boolean(result.isError), `${actor} ${tool.name} ${JSON.stringify(args)}: ${text.slice(0, 300)}`).toBe(expectError);
            clean(text, actor, `${actor} ${tool.name}`, expectError ? Object.values(args).map(String) : []);
            cell(actor, route, `${tool.name} ${JSON.stringify(args)}`);
          }
        }
      } finally {
        await client.close();
      }
    },
    'GET /mcp': async (actor, route) => void (await publicPage(actor, route, '/mcp', { status: 405 })),
    'DELETE /mcp': async (actor, route) => {
      const answer = await read(await app.request('/mcp', { method: 'DELETE', headers: { cookie: cookieOf(actor) } }));
      expect(answer.status).toBe(405);
      cell(actor, route, 'refused');
    },
  };

  /** Each MCP tool's calls, and whether each must be a tool error; none may carry a reader's data. */
  const TOOL_ROWS: Record<string, Array<[Record<string, unknown>, boolean]>> = {
    search_papers: [
      [{ query: 'translation' }, false],
      [{ query: 'terminology' }, false],
    ],
    get_paper: [[{ id: '2611.00001' }, false]],
    list_digests: [
      [{}, false],
      [{ subscription: 'ada-nlp' }, false],
    ],
    get_digest: [
      [{ name: `cs.CL/${DAY}` }, false],
      [{ name: `ada-nlp/${DAY}` }, true],
      [{ subscription: 'bob-nlp' }, true],
      [{ subscription: 'cyd-nlp', day: DAY }, true],
    ],
  };

  it('has a row for every registered route, and every row holds for every actor', async () => {
    const registered = [...new Set(app.routes.map((route) => `${route.method} ${route.path}`))];
    const missing = registered.filter((route) => !(route in ROWS));
    expect(missing, 'routes without a row in the authorization matrix').toEqual([]);
    const stale = Object.keys(ROWS).filter((route) => !registered.includes(route));
    expect(stale, 'rows for routes the app no longer has').toEqual([]);
    // Every cell runs, and every failing one is named (a first failure does not hide the others).
    const failures: string[] = [];
    for (const route of registered) {
      for (const actor of ACTORS) {
        const before = cells.length;
        try {
          await ROWS[route]!(actor, route);
          if (cells.length === before) failures.push(`${actor} ${route}: no cell checked`);
        } catch (error) {
          failures.push(`${actor} ${route}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // Every (route, actor) pair ran at least one cell; most ran one per owner.
    expect(new Set(cells.map((label) => label.split(' → ')[0])).size).toBe(registered.length * ACTORS.length);
  });

  it("never hands a deleted reader's subscription name to another reader: its digests, feedback and watermark stay theirs", async () => {
    // Another cyd (another domain) gets the same prefix, `cyd-`, as the deleted one.
    const { token } = await signedInSession(temp.store, 'cyd@other.example.org');
    const post = async (short: string) => {
      const body = new FormData();
      for (const [name, value] of Object.entries(subscriptionForm(short))) body.set(name, value);
      body.set('_csrf', keyedTag(SECRET, 'csrf', `session:${token}`));
      // In English: the form's problems speak the page's language (docs/decisions/0051).
      return read(await app.request('/subscriptions', { method: 'POST', body, headers: { cookie: `xd_session=${token}`, 'accept-language': 'en' } }));
    };
    const taken = await post('nlp');
    expect(taken.status).toBe(400);
    expect(taken.text).toContain('the name cyd-nlp is taken');
    expect((await app.request(`/digests/cyd-nlp/${DAY}`, { headers: { cookie: `xd_session=${token}` } })).status).toBe(404);
    // A fresh name is theirs.
    expect((await post('mine')).status).toBe(303);
  });

  it('the static edition (export-site crawls the app) holds no reader data and none of their digests', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xivdigest-authz-export-'));
    try {
      const result = await writeStaticEdition({ store: temp.store, request: async (path) => app.request(path), dir, baseUrl: BASE_URL, lang: 'zh', ui: 'en' });
      expect(result.pages).toBeGreaterThan(5);
      const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
      for (const file of files) {
        const path = join(file.parentPath, file.name);
        expect(path).not.toMatch(/(ada|bob|cyd)-nlp/);
        clean(await readFile(path, 'utf8'), 'anonymous', path);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
