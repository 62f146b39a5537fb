/**
 * The readers' pages and emails in both interface languages (docs/decisions/0046), chosen as the archive's pages
 * choose (Accept-Language here): every page through `app.request()` on a real SQLite store, the sign-in and invitation
 * emails through the email channel to a real SMTP server, and every message catalogue walked for missing Chinese.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../../test/helpers/smtp-sink.js';
import { createTempStore, type TempStore } from '../../test/helpers/temp-store.js';
import { signedInSession } from '../../test/helpers/store-session.js';
import { fillWebSite, type WebSiteFixture } from '../../test/helpers/web-site.js';
import { createLinkSigner, type LinkSigner } from '../core/signed-links.js';
import { marksStoreOf, readerStoreOf, subscriptionStoreOf } from '../store/index.js';
import { keyedTag } from './accounts/crypto.js';
import { createSignInMailer } from './accounts/setup.js';
import { ACCOUNT_TEXT, MAIL_TEXT } from './accounts/text.js';
import { createWebApp } from './app.js';
import { FEEDBACK_TEXT } from './feedback/text.js';
import { UI_TEXT, type UiLang } from './i18n.js';
import { secretKeyFrom } from './subscriptions/secrets.js';
import { SUBSCRIPTION_TEXT } from './subscriptions/text.js';

const BASE = 'http://127.0.0.1:8080';
const SECRET = 'a-test-secret-of-more-than-32-characters';
const KEY_ENV = { XIVDIGEST_SECRET_KEY: randomBytes(32).toString('base64') };
const ADA = 'ada@example.org';
const ROOT = 'root@example.org';
const CJK = /[\u3400-\u9fff]/;

const LANGS: Array<{ ui: UiLang; acceptLanguage: string }> = [
  { ui: 'zh', acceptLanguage: 'zh-CN,zh;q=0.9,en;q=0.8' },
  { ui: 'en', acceptLanguage: 'en-GB,en;q=0.9' },
];

/** Every catalogue of interface words; each is `Record<UiLang, …>`. */
const CATALOGUES: Record<string, Record<UiLang, object>> = {
  archive: UI_TEXT,
  accounts: ACCOUNT_TEXT,
  mail: MAIL_TEXT,
  subscriptions: SUBSCRIPTION_TEXT,
  feedback: FEEDBACK_TEXT,
};
/** Chinese entries that rightly hold no Chinese: names, and the switch that names the other language. */
const SAME_IN_BOTH = new Set(['archive.siteName', 'archive.atom', 'archive.jsonFeed', 'archive.otherLanguage', 'archive.dayOf']);

/** Each entry of a catalogue as text: strings as they are, functions called with sample arguments, records walked. */
function entries(value: unknown, path: string): Array<[string, string]> {
  if (typeof value === 'string') return [[path, value]];
  if (typeof value === 'function') {
    const fn = value as (...args: unknown[]) => unknown;
    // Numbers where a count is meant, an object for the one that takes its facts by name; 2 reads as both.
    const args = Array.from({ length: Math.max(fn.length, 1) }, () => 2);
    const result = path.endsWith('previewSummary') ? fn({ day: '2026-11-24', selected: 2, skipped: 3 }) : fn(...args);
    return [[path, String(result)]];
  }
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, child]) => entries(child, `${path}.${key}`));
  return [[path, String(value)]];
}

describe('message catalogues', () => {
  it('have the same entries in Chinese and English, each Chinese one in Chinese and each English one in English', () => {
    for (const [name, catalogue] of Object.entries(CATALOGUES)) {
      const zh = entries(catalogue.zh, name);
      const en = entries(catalogue.en, name);
      expect(
        zh.map(([path]) => path),
        name,
      ).toEqual(en.map(([path]) => path));
      const englishOnly = zh.filter(([path, text]) => !SAME_IN_BOTH.has(path) && !CJK.test(text)).map(([path, text]) => `${path}: ${text}`);
      expect(englishOnly, `${name}: Chinese entries without Chinese`).toEqual([]);
      const chineseInEnglish = en.filter(([path, text]) => !SAME_IN_BOTH.has(path) && CJK.test(text)).map(([path]) => path);
      expect(chineseInEnglish, `${name}: English entries with Chinese`).toEqual([]);
    }
  });
});

describe('reader pages and emails in Chinese and English', () => {
  let temp: TempStore;
  let sink: SmtpSink;
  let site: WebSiteFixture;
  let signer: LinkSigner;
  let app: ReturnType<typeof createWebApp>;
  let subscriptionId: string;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    temp = await createTempStore('sqlite');
    sink = await startSmtpSink();
    site = await fillWebSite(temp.store);
    signer = createLinkSigner({ secret: SECRET, baseUrl: BASE });
    const mail = { host: '127.0.0.1', port: sink.port, ignoreTLS: true, from: 'xivdigest <noreply@example.org>' };
    app = createWebApp({
      store: temp.store,
      search: temp.store,
      subscriptions: [{ name: 'nlp', categories: ['cs.CL'], lang: 'zh' }],
      baseUrl: BASE,
      lang: 'en',
      links: signer,
      accounts: { readers: readerStoreOf(temp.store), mailer: createSignInMailer(mail, {}), secret: SECRET, signup: 'open', admins: [ROOT], trustProxy: false },
      readerSubscriptions: { subscriptions: subscriptionStoreOf(temp.store), configSubscriptions: [], mail, key: secretKeyFrom(KEY_ENV), env: KEY_ENV },
      subscriptionsOfReader: async () => ['nlp'],
    });
    for (const email of [ADA, ROOT]) tokens.set(email, (await signedInSession(temp.store, email, email === ROOT ? 'admin' : 'reader')).token);
    const saved = await post(ADA, '/subscriptions', {
      name: 'nlp',
      categories: 'cs.CL',
      crossLists: 'yes',
      updates: 'yes',
      ranking_method: 'none',
      cron: '30 0 * * 1-5',
      timezone: 'America/New_York',
      channel_email: 'yes',
    });
    expect(saved.status, await saved.clone().text()).toBe(303);
    const list = await (await get('/subscriptions', 'en', ADA)).text();
    subscriptionId = /href="\/subscriptions\/([^"/]+)\/preview"/.exec(list)![1]!;
    // Ada stars a paper, so that /starred lists it with its buttons.
    await marksStoreOf(temp.store).setMark(
      (await readerStoreOf(temp.store).getReader({ email: ADA }))!.id,
      site.digest.entries[0]!.paperId,
      'star',
      new Date(),
    );
  });
  afterAll(async () => {
    await sink?.close();
    await temp?.cleanup();
  });

  const acceptOf = (ui: UiLang) => LANGS.find((lang) => lang.ui === ui)!.acceptLanguage;
  const cookieOf = (who?: string): Record<string, string> => (who ? { cookie: `xd_session=${tokens.get(who)!}` } : {});
  function get(path: string, ui: UiLang, who?: string) {
    return app.request(path, { headers: { 'accept-language': acceptOf(ui), ...cookieOf(who) } });
  }
  function post(who: string, path: string, fields: Record<string, string>, ui: UiLang = 'en') {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.set(name, value);
    body.set('_csrf', keyedTag(SECRET, 'csrf', `session:${tokens.get(who)!}`));
    return app.request(path, { method: 'POST', body, headers: { 'accept-language': acceptOf(ui), 'sec-fetch-site': 'same-origin', ...cookieOf(who) } });
  }
  const local = (url: string) => url.slice(BASE.length);
  const paper = () => site.digest.entries[0]!.paperId;

  /** Each page: how to fetch it, and a phrase of it in each language. */
  const pages: Array<{ name: string; fetch(ui: UiLang): Response | Promise<Response>; zh: string; en: string; noEnglish?: boolean }> = [
    { name: '/signin', fetch: (ui) => get('/signin', ui), zh: '发送登录链接', en: 'Email me a link', noEnglish: true },
    { name: '/account', fetch: (ui) => get('/account', ui, ADA), zh: '退出登录', en: 'Sign out', noEnglish: true },
    { name: '/admin/readers', fetch: (ui) => get('/admin/readers', ui, ROOT), zh: '通过邮箱邀请', en: 'Invite by email' },
    { name: '/subscriptions', fetch: (ui) => get('/subscriptions', ui, ADA), zh: '新建订阅', en: 'New subscription', noEnglish: true },
    { name: '/subscriptions/new', fetch: (ui) => get('/subscriptions/new', ui, ADA), zh: '排除的关键词', en: 'Keywords to skip', noEnglish: true },
    {
      name: '/subscriptions/:id',
      fetch: (ui) => get(`/subscriptions/${subscriptionId}`, ui, ADA),
      zh: '删除此订阅',
      en: 'Delete this subscription',
      noEnglish: true,
    },
    {
      name: '/subscriptions/:id (its private feed, docs/decisions/0063)',
      fetch: (ui) => get(`/subscriptions/${subscriptionId}`, ui, ADA),
      zh: '任何拿到这个地址的人都能读到你的日报',
      en: 'Anyone with this address can read your digests',
      noEnglish: true,
    },
    {
      name: '/subscriptions/:id/private-feed (reset)',
      fetch: async (ui) => {
        const reset = await post(ADA, `/subscriptions/${subscriptionId}/private-feed`, {}, ui);
        expect(reset.status).toBe(303);
        return get(reset.headers.get('location')!, ui, ADA);
      },
      zh: '私人订阅源地址已重置',
      en: 'The private feed address was reset',
      noEnglish: true,
    },
    {
      name: '/subscriptions/:id (field errors)',
      fetch: (ui) => post(ADA, `/subscriptions/${subscriptionId}`, { name: 'nlp', categories: 'cs.CL', cron: '30 0 * * 1-5', timezone: 'UTC', topK: 'x' }, ui),
      zh: '请修改下面标出的',
      en: 'Please correct the',
    },
    {
      name: '/subscriptions/:id/preview',
      fetch: (ui) => get(`/subscriptions/${subscriptionId}/preview`, ui, ADA),
      zh: '没有发送或记录任何内容',
      en: 'Nothing was sent or recorded',
    },
    {
      name: '/subscriptions/:id/delete (unconfirmed)',
      fetch: (ui) => post(ADA, `/subscriptions/${subscriptionId}/delete`, {}, ui),
      zh: '请先勾选确认框',
      en: 'Tick the box to confirm',
    },
    { name: '/subscriptions/missing', fetch: (ui) => get('/subscriptions/nope', ui, ADA), zh: '没有对应的订阅', en: 'No subscription at' },
    { name: '/starred', fetch: (ui) => get('/starred', ui, ADA), zh: '我收藏的论文', en: 'My starred papers' },
    { name: 'star buttons on a paper page', fetch: (ui) => get(`/papers/${paper()}`, ui, ADA), zh: '★ 已收藏', en: '★ Starred' },
    {
      name: 'GET /feedback/link',
      fetch: (ui) => get(local(signer.feedbackUrl('nlp', paper(), 'star', ADA)), ui),
      zh: '收藏这篇论文（多推荐这类）',
      en: 'Star this paper (more like this)',
    },
    {
      name: 'POST /feedback/link',
      fetch: (ui) => app.request(local(signer.feedbackUrl('nlp', paper(), 'hide', ADA)), { method: 'POST', headers: { 'accept-language': acceptOf(ui) } }),
      zh: '已为 nlp 隐藏',
      en: 'Hidden for nlp',
    },
    {
      name: 'a changed /feedback/link',
      fetch: (ui) => get(local(signer.feedbackUrl('nlp', paper(), 'star', ADA)).replace('a=star', 'a=hide'), ui),
      zh: '链接无效',
      en: 'This link is not valid',
      noEnglish: true,
    },
    { name: 'GET /unsubscribe', fetch: (ui) => get(local(signer.unsubscribeUrl('nlp', ADA)), ui), zh: '不再把日报', en: 'Stop sending the digest' },
    {
      name: 'POST /unsubscribe',
      fetch: (ui) => app.request(local(signer.unsubscribeUrl('nlp', ADA)), { method: 'POST', headers: { 'accept-language': acceptOf(ui) } }),
      zh: '不会再收到日报 nlp',
      en: 'no longer gets the digest nlp',
    },
  ];

  /** The page's visible text: no tags, scripts or entities. */
  const visible = (html: string) =>
    html
      .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/g, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&[#\w]+;/g, ' ')
      .replace(/\s+/g, ' ');

  describe.each(pages)('$name', (page) => {
    it.each(LANGS)('in $ui for Accept-Language $acceptLanguage', async ({ ui }) => {
      const response = await page.fetch(ui);
      const html = await response.text();
      expect(response.status, html.slice(0, 500)).toBeLessThan(500);
      expect(html).toContain(`<html lang="${ui === 'zh' ? 'zh' : 'en'}`);
      expect(html).toContain(ui === 'zh' ? page.zh : page.en);
      expect(html).not.toContain(ui === 'zh' ? page.en : page.zh);
      // A page with no paper titles on it: no run of English words is left in its Chinese text.
      if (ui === 'zh' && page.noEnglish) expect(visible(html)).not.toMatch(/\b[A-Za-z]{2,} [a-z]{2,} [a-z]{2,}\b/);
    });
  });

  /** The text of a message's bodies, whatever their transfer encoding. */
  function bodyOf(message: SinkMessage): string {
    const unfolded = message.raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    const base64 = [...message.raw.matchAll(/\r?\n\r?\n([A-Za-z0-9+/=\r\n]{40,})/g)].map((match) =>
      Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64').toString('utf8'),
    );
    return [Buffer.from(unfolded, 'latin1').toString('utf8'), ...base64].join('\n');
  }

  it.each(LANGS)('the sign-in email is in $ui when the sign-in page was', async ({ ui }) => {
    const email = `reader-${ui}@example.org`;
    const page = await get('/signin', ui);
    const browser = /xd_browser=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')![1]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const sent = await app.request('/signin', {
      method: 'POST',
      body: new URLSearchParams({ email, _csrf: csrf }).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'accept-language': acceptOf(ui),
        cookie: `xd_browser=${browser}`,
        'sec-fetch-site': 'same-origin',
      },
    });
    expect(sent.status).toBe(200);
    const body = bodyOf(await sink.waitFor(email));
    const t = MAIL_TEXT[ui];
    expect(body).toContain(t.ignore);
    expect(body).toContain(t.worksOnceHere(t.lasts(15)));
    expect(body).not.toContain(MAIL_TEXT[ui === 'zh' ? 'en' : 'zh'].ignore);
  });

  it.each(LANGS)('the invitation email is in $ui when the admin page was', async ({ ui }) => {
    const email = `invited-${ui}@example.org`;
    const answer = await post(ROOT, '/admin/readers/invite', { email }, ui);
    expect(answer.status).toBeLessThan(400);
    const body = bodyOf(await sink.waitFor(email));
    const t = MAIL_TEXT[ui];
    expect(body).toContain(t.invitedYou(ROOT, BASE));
    expect(body).toContain(t.worksOnce(t.lasts(48 * 60)));
  });
});
