/**
 * Readers and sign-in through the app (`app.request()`): real SQLite, real SMTP (smtp-server) through the email
 * channel's path, a moved clock for expiry. Each "browser" is a cookie jar.
 */
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempStore, type TempStore } from '../../../test/helpers/temp-store.js';
import { signInLinkIn, startSmtpSink, type SmtpSink } from '../../../test/helpers/smtp-sink.js';
import { readerStoreOf } from '../../store/index.js';
import { createWebApp } from '../app.js';
import { createSignInMailer } from './setup.js';
import type { AccountSettings } from './service.js';

const BASE = 'http://127.0.0.1:8080';
const SECRET = 'a-test-secret-of-more-than-32-characters';

// One SMTP server per test: a sign-in email still on its way from the test before lands in the old one.
let sink: SmtpSink;

interface Page {
  status: number;
  text: string;
  location: string | null;
  setCookies: string[];
  headers: Headers;
}

type App = ReturnType<typeof createWebApp>;

/** A browser: keeps cookies, sends Origin on POST as browsers do, reads the CSRF token of the last form it saw. */
function browser(app: App, options: { ip?: string; origin?: string } = {}) {
  const jar = new Map<string, string>();
  let csrf = '';
  async function request(path: string, init: RequestInit = {}): Promise<Page> {
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    if (options.ip) headers.set('x-forwarded-for', options.ip);
    const response = await app.request(path.startsWith(BASE) ? path.slice(BASE.length) : path, { ...init, headers });
    const setCookies = response.headers.getSetCookie();
    for (const cookie of setCookies) {
      const [pair, ...attributes] = cookie.split(';');
      const [name, value = ''] = pair!.split('=');
      if (attributes.some((attribute) => /max-age=0/i.test(attribute.trim())) || value === '') jar.delete(name!.trim());
      else jar.set(name!.trim(), value);
    }
    const text = await response.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (token) csrf = token;
    return { status: response.status, text, location: response.headers.get('location'), setCookies, headers: response.headers };
  }
  return {
    jar,
    get: (path: string) => request(path),
    post: (path: string, fields: Record<string, string>, extra: { csrf?: string | null; origin?: string } = {}) => {
      const body = new URLSearchParams(fields);
      const token = extra.csrf === undefined ? csrf : extra.csrf;
      if (token !== null) body.set('_csrf', token);
      return request(path, {
        method: 'POST',
        body: body.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: extra.origin ?? options.origin ?? 'http://localhost' },
      });
    },
    get csrf() {
      return csrf;
    },
  };
}
type Browser = ReturnType<typeof browser>;

describe('readers and sign-in through the app', () => {
  let temp: TempStore;
  let app: App;
  let clock: Date;
  let settings: AccountSettings;

  function makeApp(overrides: Partial<AccountSettings> = {}): App {
    settings = {
      readers: readerStoreOf(temp.store),
      mailer: createSignInMailer({ host: '127.0.0.1', port: sink.port, ignoreTLS: true, from: 'xivdigest <noreply@example.org>' }, {}),
      secret: SECRET,
      signup: 'invite',
      admins: ['ada@example.org'],
      trustProxy: true,
      now: () => clock,
      ...overrides,
    };
    return createWebApp({ store: temp.store, search: temp.store, subscriptions: [], baseUrl: BASE, lang: 'en', accounts: settings });
  }

  beforeEach(async () => {
    temp = await createTempStore('sqlite');
    clock = new Date('2026-12-06T08:00:00Z');
    sink = await startSmtpSink();
    app = makeApp();
  });
  afterEach(async () => {
    // Let sign-in emails still being sent in the background finish before the store closes.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sink.close();
    await temp.cleanup();
  });

  /** Asks for a link in `who` and returns it once the email arrives. */
  async function askLink(who: Browser, email: string, count = 1): Promise<string> {
    await who.get('/signin');
    const sent = await who.post('/signin', { email });
    expect(sent.status).toBe(200);
    return signInLinkIn(await sink.waitFor(email, count));
  }

  async function signedIn(email: string, ip = '10.0.0.1'): Promise<Browser> {
    const who = browser(app, { ip });
    const link = await askLink(who, email);
    const done = await who.get(link);
    expect(done.status).toBe(303);
    expect(done.location).toBe('/account');
    return who;
  }

  it('signs an admin in by an emailed link bound to the browser, with an HttpOnly SameSite cookie, and shows them in the header', async () => {
    const ada = browser(app, { ip: '10.0.0.1' });
    const home = await ada.get('/');
    expect(home.text).toContain('<a href="/signin">Sign in</a>');
    expect((await app.request('/?ui=zh')).status).toBe(200);
    expect(await (await app.request('/?ui=zh')).text()).toContain('<a href="/signin">登录</a>');
    // Assets are served without a session lookup, and untouched.
    const css = /href="(\/assets\/[^"]+\.css)"/.exec(home.text)?.[1];
    if (css) expect((await ada.get(css)).status).toBe(200);
    const form = await ada.get('/signin');
    expect(form.status).toBe(200);
    expect(form.text).toMatch(/<form method="post" action="\/signin"[^>]*><input type="hidden" name="_csrf" value="[^"]+">/);
    expect(form.setCookies.join('\n')).toMatch(/xd_browser=[^;]+;.*HttpOnly/);
    const sent = await ada.post('/signin', { email: ' Ada@Example.org ' });
    expect(sent.text).toContain('If ada@example.org may sign in here, a sign-in link is on its way');
    const message = await sink.waitFor('ada@example.org');
    const link = signInLinkIn(message);
    expect(link.startsWith(`${BASE}/signin/verify?token=`)).toBe(true);
    // The token itself is nowhere in the database, only its hash.
    const token = new URL(link).searchParams.get('token')!;
    expect(JSON.stringify(await temp.query('select * from reader_sign_in_tokens'))).not.toContain(token);
    const done = await ada.get(link);
    expect(done.status).toBe(303);
    const session = done.setCookies.find((cookie) => cookie.startsWith('xd_session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).toMatch(/Path=\//);
    expect(session).not.toMatch(/Secure/);
    expect(JSON.stringify(await temp.query('select * from reader_sessions'))).not.toContain(ada.jar.get('xd_session'));
    const account = await ada.get('/account');
    expect(account.text).toContain('ada@example.org');
    expect(account.text).toContain('<dd>admin</dd>');
    expect((await ada.get('/')).text).toContain('<a href="/account" class="reader">ada@example.org</a>');
    // Replayed: refused.
    const again = await ada.get(link);
    expect(again.status).toBe(400);
    expect(again.text).toContain('was used already');
    // Sign out ends the session.
    await ada.get('/account');
    const out = await ada.post('/signout', {});
    expect(out.status).toBe(303);
    expect((await ada.get('/account')).location).toBe('/signin');
  });

  it('marks the session cookie Secure over HTTPS and behind a trusted proxy saying https', async () => {
    const ada = browser(app, { ip: '10.0.0.1' });
    const link = await askLink(ada, 'ada@example.org');
    const path = new URL(link).pathname + new URL(link).search;
    const response = await app.request(`https://localhost${path}`, { headers: { cookie: `xd_browser=${ada.jar.get('xd_browser')}` } });
    expect(response.status).toBe(303);
    expect(response.headers.getSetCookie().find((cookie) => cookie.startsWith('xd_session='))).toMatch(/Secure/);
    const proxied = browser(app, { ip: '10.0.0.2' });
    const second = await askLink(proxied, 'ada@example.org', 2);
    const viaProxy = await app.request(second.slice(BASE.length), {
      headers: { cookie: `xd_browser=${proxied.jar.get('xd_browser')}`, 'x-forwarded-proto': 'https' },
    });
    expect(viaProxy.headers.getSetCookie().find((cookie) => cookie.startsWith('xd_session='))).toMatch(/Secure/);
  });

  it("refuses a POST without its CSRF token, with another session's token, or from another origin", async () => {
    const ada = browser(app, { ip: '10.0.0.1' });
    await ada.get('/signin');
    expect((await ada.post('/signin', { email: 'ada@example.org' }, { csrf: null })).status).toBe(403);
    expect((await ada.post('/signin', { email: 'ada@example.org' }, { csrf: 'forged' })).status).toBe(403);
    expect((await ada.post('/signin', { email: 'ada@example.org' }, { origin: 'https://evil.example' })).status).toBe(403);
    // A cross-site form in a browser (Sec-Fetch-Site), even with a token it somehow has and Origin: null.
    const crossSite = await app.request('/signin', {
      method: 'POST',
      body: new URLSearchParams({ _csrf: ada.csrf, email: 'ada@example.org' }).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `xd_browser=${ada.jar.get('xd_browser')}`,
        'sec-fetch-site': 'cross-site',
        origin: 'null',
      },
    });
    expect(crossSite.status).toBe(403);
    expect(sink.messages).toHaveLength(0);
    // No browser cookie at all (a cross-site form posted by another page): refused.
    const stranger = browser(app);
    expect((await stranger.post('/signin', { email: 'ada@example.org' }, { csrf: ada.csrf })).status).toBe(403);
    // Signed in: another reader's token does not pass for this session.
    app = makeApp({ signup: 'open' });
    const signedAda = await signedIn('ada@example.org');
    const bob = await signedIn('bob@example.org', '10.0.0.2');
    await signedAda.get('/account');
    await bob.get('/account');
    const forged = await bob.post('/account/delete', { confirm: 'yes' }, { csrf: signedAda.csrf });
    expect(forged.status).toBe(403);
    expect(await readerStoreOf(temp.store).getReader({ email: 'bob@example.org' })).toBeDefined();
  });

  it('keeps the browser cookie when the first visit to /signin also switches the language', async () => {
    const who = browser(app, { ip: '10.0.0.1' });
    const form = await who.get('/signin?ui=zh');
    expect(form.setCookies.some((cookie) => cookie.startsWith('ui=zh'))).toBe(true);
    expect(form.setCookies.some((cookie) => cookie.startsWith('xd_browser='))).toBe(true);
    expect(form.text).toContain('<h1>登录</h1>');
    expect(form.text).toContain('发送登录链接');
    const sent = await who.post('/signin', { email: 'ada@example.org' });
    expect(sent.status).toBe(200);
    expect(sent.text).toContain('请查收邮件');
  });

  it('answers the same for an address that may not join, and sends it nothing', async () => {
    const who = browser(app, { ip: '10.0.0.1' });
    await who.get('/signin');
    const outsider = await who.post('/signin', { email: 'mallory@example.org' });
    const admin = await who.post('/signin', { email: 'ada@example.org' });
    expect(outsider.status).toBe(admin.status);
    expect(outsider.text.replace('mallory@example.org', 'X')).toBe(admin.text.replace('ada@example.org', 'X'));
    await sink.waitFor('ada@example.org');
    expect(sink.messages.flatMap((message) => message.to)).toEqual(['ada@example.org']);
    expect(await temp.query("select * from reader_sign_in_tokens where email = 'mallory@example.org'")).toEqual([]);
  });

  it('refuses expired, altered, other-browser and cross-reader links; the right browser can still use one refused elsewhere', async () => {
    app = makeApp({ signup: { domains: ['example.org'] } });
    const ada = browser(app, { ip: '10.0.0.1' });
    const first = await askLink(ada, 'ada@example.org');
    clock = new Date(clock.getTime() + 16 * 60_000);
    const expired = await ada.get(first);
    expect(expired.status).toBe(400);
    expect(expired.text).toContain('has expired');

    const link = await askLink(ada, 'ada@example.org', 2);
    const altered = link.replace(/token=(.)/, (_, c: string) => `token=${c === 'A' ? 'B' : 'A'}`);
    const alteredPage = await ada.get(altered);
    expect(alteredPage.status).toBe(400);
    expect(alteredPage.text).toContain('not valid');
    expect((await ada.get(link.slice(0, -1))).status).toBe(400);

    // Opened in another browser: not signed in there; it asks to send a link for that browser instead.
    const elsewhere = browser(app, { ip: '10.0.0.9' });
    const other = await elsewhere.get(link);
    expect(other.status).toBe(403);
    expect(other.text).toContain('was asked for in another browser');
    expect(other.setCookies.some((cookie) => cookie.startsWith('xd_session='))).toBe(false);
    // Bob, signed in, opens Ada's link: refused, and he stays Bob.
    const bob = await signedIn('bob@example.org', '10.0.0.2');
    expect((await bob.get(link)).status).toBe(403);
    expect((await bob.get('/account')).text).toContain('bob@example.org');
    expect((await bob.get('/account')).text).not.toContain('ada@example.org');
    // Ada's own browser still signs in with it.
    expect((await ada.get(link)).status).toBe(303);
    expect((await ada.get('/account')).text).toContain('ada@example.org');
  });

  it('limits sign-in requests per address and per IP', async () => {
    app = makeApp({ signup: 'open', perAddress: 3, perIp: 5 });
    const who = browser(app, { ip: '10.0.0.1' });
    await who.get('/signin');
    for (let i = 0; i < 3; i += 1) expect((await who.post('/signin', { email: 'ada@example.org' })).status).toBe(200);
    const limited = await who.post('/signin', { email: 'ADA@example.org' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('900');
    // Same IP, other addresses: one more, then the IP's limit (refused requests count too).
    expect((await who.post('/signin', { email: 'bob@example.org' })).status).toBe(200);
    expect((await who.post('/signin', { email: 'carol@example.org' })).status).toBe(429);
    const fresh = browser(app, { ip: '10.0.0.2' });
    await fresh.get('/signin');
    expect((await fresh.post('/signin', { email: 'carol@example.org' })).status).toBe(200);
    expect((await fresh.post('/signin', { email: 'ada@example.org' })).status).toBe(429);
    // A new window lets the address ask again.
    clock = new Date(clock.getTime() + 15 * 60_000);
    expect((await fresh.post('/signin', { email: 'ada@example.org' })).status).toBe(200);
  });

  it('lets an admin invite by email (the invitation link asks to confirm) and remove a reader, whose session dies', async () => {
    const ada = await signedIn('ada@example.org');
    const admin = await ada.get('/admin/readers');
    expect(admin.status).toBe(200);
    const invited = await ada.post('/admin/readers/invite', { email: 'Bob@Example.org' });
    expect(invited.text).toContain('Invited bob@example.org');
    const link = signInLinkIn(await sink.waitFor('bob@example.org'));
    const bob = browser(app, { ip: '10.0.0.2' });
    const confirm = await bob.get(link);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Sign in as bob@example.org?');
    expect(confirm.setCookies.some((cookie) => cookie.startsWith('xd_session='))).toBe(false);
    const token = new URL(link).searchParams.get('token')!;
    expect((await bob.post('/signin/verify', { token }, { csrf: null })).status).toBe(403);
    expect((await bob.post('/signin/verify', { token })).status).toBe(303);
    const account = await bob.get('/account');
    expect(account.text).toContain('bob@example.org');
    expect(await readerStoreOf(temp.store).getReader({ email: 'bob@example.org' })).toMatchObject({ role: 'reader', invitedBy: 'ada@example.org' });
    // A reader is not an admin.
    expect((await bob.get('/admin/readers')).status).toBe(403);

    await ada.get('/admin/readers');
    const removed = await ada.post('/admin/readers/remove', { email: 'bob@example.org' });
    expect(removed.text).toContain('Removed bob@example.org');
    expect((await bob.get('/account')).location).toBe('/signin');
    // Not invited any more: a new link is not sent.
    await bob.get('/signin');
    await bob.post('/signin', { email: 'bob@example.org' });
    await ada.post('/signout', {});
    expect(await temp.query("select * from reader_sign_in_tokens where email = 'bob@example.org' and used_at is null")).toEqual([]);
  });

  it('exports everything held about the reader and deletes the account when confirmed', async () => {
    const ada = await signedIn('ada@example.org');
    const exported = await app.request('/account/export.json', { headers: { cookie: `xd_session=${ada.jar.get('xd_session')}` } });
    expect(exported.headers.get('content-disposition')).toContain('attachment');
    expect(exported.headers.get('cache-control')).toContain('no-store');
    const data = (await exported.json()) as { reader: { email: string }; sessions: unknown[]; signInLinks: Array<{ usedAt?: string }> };
    expect(data.reader.email).toBe('ada@example.org');
    expect(data.sessions).toHaveLength(1);
    expect(data.signInLinks[0]?.usedAt).toBeDefined();
    expect(JSON.stringify(data)).not.toContain(ada.jar.get('xd_session')!);
    await ada.get('/account');
    const unconfirmed = await ada.post('/account/delete', {});
    expect(unconfirmed.status).toBe(400);
    const deleted = await ada.post('/account/delete', { confirm: 'yes' });
    expect(deleted.status).toBe(200);
    expect(deleted.text).toContain('Your account is deleted');
    expect(await temp.query('select * from readers')).toEqual([]);
    expect(await temp.query('select * from reader_sessions')).toEqual([]);
    expect(await temp.query('select * from reader_sign_in_tokens')).toEqual([]);
    expect((await ada.get('/account')).location).toBe('/signin');
  });

  it('keeps readers apart: A cannot read or change B, anonymous goes to /signin, a reader gets 403 on /admin', async () => {
    app = makeApp({ signup: 'open' });
    const anonymous = browser(app);
    for (const path of ['/account', '/account/export.json', '/admin/readers']) {
      const page = await anonymous.get(path);
      expect(page.status, path).toBe(303);
      expect(page.location, path).toBe('/signin');
    }
    expect((await anonymous.post('/account/delete', { confirm: 'yes' })).location).toBe('/signin');
    expect((await anonymous.post('/admin/readers/remove', { email: 'ada@example.org' })).location).toBe('/signin');

    const a = await signedIn('alice@example.org', '10.0.0.1');
    const b = await signedIn('bob@example.org', '10.0.0.2');
    const bob = await readerStoreOf(temp.store).getReader({ email: 'bob@example.org' });
    // A's export is A's, whatever the query names.
    for (const path of ['/account/export.json', `/account/export.json?reader=${bob!.id}`, `/account/export.json?email=bob@example.org`]) {
      const text = (await a.get(path)).text;
      expect(text, path).toContain('alice@example.org');
      expect(text, path).not.toContain('bob@example.org');
    }
    // A reader cannot use the admin pages, by GET or POST.
    expect((await a.get('/admin/readers')).status).toBe(403);
    await a.get('/account');
    expect((await a.post('/admin/readers/remove', { email: 'bob@example.org' })).status).toBe(403);
    expect((await a.post('/admin/readers/invite', { email: 'eve@example.org' })).status).toBe(403);
    // A deleting "B's" account deletes only A's.
    expect((await a.post('/account/delete', { confirm: 'yes', email: 'bob@example.org', reader: bob!.id })).status).toBe(200);
    expect(await readerStoreOf(temp.store).getReader({ email: 'bob@example.org' })).toBeDefined();
    expect((await b.get('/account')).text).toContain('bob@example.org');
    // B's page never shows A, and the cached home page differs per reader.
    const homeB = await b.get('/');
    expect(homeB.text).toContain('bob@example.org');
    expect(homeB.text).not.toContain('alice@example.org');
  });

  it("sends each reader their own page, not a 304 of another reader's cached one", async () => {
    app = makeApp({ signup: 'open' });
    const a = await signedIn('alice@example.org', '10.0.0.1');
    const first = await a.get('/');
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const revalidated = await app.request('/', { headers: { cookie: `xd_session=${a.jar.get('xd_session')}`, 'if-none-match': etag! } });
    expect(revalidated.status).toBe(304);
    // A gzipped cached page gets the reader's header too.
    const zipped = await app.request('/', { headers: { cookie: `xd_session=${a.jar.get('xd_session')}`, 'accept-encoding': 'gzip' } });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await zipped.arrayBuffer())).toString('utf8')).toContain('alice@example.org');
    // The same ETag from a browser that is now anonymous (signed out): a full page, with the sign-in link.
    const anonymous = await app.request('/', { headers: { 'if-none-match': etag! } });
    expect(anonymous.status).toBe(200);
    expect(await anonymous.text()).toContain('<a href="/signin">Sign in</a>');
  });
});
