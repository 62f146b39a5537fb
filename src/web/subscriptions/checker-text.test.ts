/**
 * The subscription form's field problems, the live query check and the preview's reasons speak the page's language
 * (docs/decisions/0046): through `app.request()` with Accept-Language, on a real SQLite store. The config checker the
 * CLI shares keeps its English (asserted on the English pages and with `checkSubscription` directly).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempStore, type TempStore } from '../../../test/helpers/temp-store.js';
import { signedInSession } from '../../../test/helpers/store-session.js';
import { fillWebSite, type WebSiteFixture } from '../../../test/helpers/web-site.js';
import { checkSubscription } from '../../config.js';
import { readerStoreOf, subscriptionStoreOf } from '../../store/index.js';
import { keyedTag } from '../accounts/crypto.js';
import { createWebApp } from '../app.js';
import type { UiLang } from '../i18n.js';
import { problemText, reasonText } from './checker-text.js';
import { secretKeyFrom } from './secrets.js';
import { NEW_FIELDS } from './views.js';

const SECRET = 'a-test-secret-of-more-than-32-characters';
const KEY_ENV = { XIVDIGEST_SECRET_KEY: randomBytes(32).toString('base64') };
const ADA = 'ada@example.org';
const ACCEPT: Record<UiLang, string> = { zh: 'zh-CN,zh;q=0.9,en;q=0.8', en: 'en-GB,en;q=0.9' };

/** Unescapes the few entities the views write, so that messages can be compared as text. */
const textOf = (html: string) =>
  html
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

describe('checker problems and preview reasons in the page’s language', () => {
  let temp: TempStore;
  let site: WebSiteFixture;
  let app: ReturnType<typeof createWebApp>;
  let token: string;

  beforeAll(async () => {
    temp = await createTempStore('sqlite');
    site = await fillWebSite(temp.store);
    const mail = { host: '127.0.0.1', port: 2525, ignoreTLS: true, from: 'xivdigest <noreply@example.org>' };
    app = createWebApp({
      store: temp.store,
      search: temp.store,
      subscriptions: [],
      baseUrl: 'http://127.0.0.1:8080',
      lang: 'en',
      accounts: {
        readers: readerStoreOf(temp.store),
        mailer: { send: async () => undefined } as never,
        secret: SECRET,
        signup: 'open',
        admins: [],
        trustProxy: false,
      },
      readerSubscriptions: { subscriptions: subscriptionStoreOf(temp.store), configSubscriptions: [], mail, key: secretKeyFrom(KEY_ENV), env: KEY_ENV },
    });
    ({ token } = await signedInSession(temp.store, ADA));
  });
  afterAll(async () => {
    await temp?.cleanup();
  });

  const headers = (ui: UiLang) => ({ 'accept-language': ACCEPT[ui], cookie: `xd_session=${token}` });
  async function post(
    path: string,
    fields: Record<string, string>,
    ui: UiLang,
    file?: { name: string; text: string },
  ): Promise<{ status: number; text: string }> {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.set(name, value);
    body.set('_csrf', keyedTag(SECRET, 'csrf', `session:${token}`));
    if (file) body.set('library_file', new File([file.text], file.name, { type: 'application/octet-stream' }));
    const response = await app.request(path, { method: 'POST', body, headers: { ...headers(ui), 'sec-fetch-site': 'same-origin' } });
    return { status: response.status, text: textOf(await response.text()) };
  }
  // The new-subscription form's own defaults, with a name and a category.
  const form = (more: Record<string, string>) => ({ ...NEW_FIELDS, name: 'nlp', categories: 'cs.CL', ...more });
  const BAD = { categories: 'cs.XY', query: 'ti:(llm AND', topK: '0', threshold: '2', lang: 'klingon!!' };

  it('shows the checker’s field problems in Chinese on a Chinese page, each next to its field', async () => {
    const page = await post('/subscriptions', form(BAD), 'zh');
    expect(page.status).toBe(400);
    const errors = [...page.text.matchAll(/<pre class="field-error" id="error-([\w-]+)" role="alert">([\s\S]*?)<\/pre>/g)].map((m) => [m[1], m[2]]);
    expect(Object.fromEntries(errors)).toEqual({
      categories: '分类表达式第 1 列有误：“cs.XY” 不是 arXiv 的分类或大类；你是不是想写 cs.CY？\n  cs.XY\n  ^',
      query: '检索式第 12 列有误：AND 之后应当有一个检索词，但检索式已结束\n  ti:(llm AND\n             ^',
      topK: '太小：应大于 0',
      threshold: '太大：应不大于 1',
      lang: '应为语言代码，如 zh、ja、fr 或 zh-TW',
    });
  });

  it('keeps the English messages on an English page, as the CLI prints them', async () => {
    const page = await post('/subscriptions', form(BAD), 'en');
    expect(page.status).toBe(400);
    const cli = checkSubscription({
      name: 'x',
      categories: 'cs.XY',
      filters: { query: 'ti:(llm AND', authors: [], include: [], exclude: [] },
      ranking: { method: 'lexical', topK: 0, threshold: 2 },
      lang: 'klingon!!',
    }).problems;
    expect(cli.length).toBeGreaterThanOrEqual(4);
    for (const problem of cli.filter((item) => item.path !== 'outputs')) {
      expect(problem.message).not.toMatch(/[\u3400-\u9fff]/);
      expect(page.text).toContain(problem.message.split('\n')[0]);
    }
  });

  it('answers the live query check in the page’s language', async () => {
    const ask = async (ui: UiLang) =>
      (await (await app.request('/subscriptions/check.json?categories=cs.CL&query=foo%3Abar', { headers: headers(ui) })).json()) as {
        ok: boolean;
        problems: Array<{ field: string; message: string; position: number | null }>;
      };
    const zh = await ask('zh');
    expect(zh.ok).toBe(false);
    expect(zh.problems[0]!.message).toMatch(/^query：检索式第 1 列有误：未知字段 “foo:”；可用的字段是 ti:、abs:、au: 和 cat:\n/);
    expect((await ask('en')).problems[0]!.message).toMatch(/^query: query error at column 1: unknown field "foo:"; the fields are ti:, abs:, au: and cat:\n/);
  });

  it('falls back to the English message for a problem it does not know', () => {
    expect(problemText('something new went wrong', 'zh')).toBe('something new went wrong');
    expect(problemText('query error at column 3: a problem nobody mapped\n  ab\n    ^', 'zh')).toBe('检索式第 3 列有误：a problem nobody mapped\n  ab\n    ^');
    expect(reasonText('by Ada (followed); an LLM said so', 'zh')).toBe('作者 Ada（你关注的）；an LLM said so');
    expect(reasonText('no library; lowered: like hidden "Speech; Noise" (0.88)', 'zh')).toBe('没有文献库；已降低：像你隐藏的 “Speech; Noise”（0.88）');
  });

  it('gives the preview’s reasons in Chinese: the library’s nearest paper, the shared terms, and the cut', async () => {
    const [first, second] = site.papers;
    const library = [first!, second!]
      .map(
        (paper, index) =>
          `@article{lib${index},\n  title = {${paper.title}},\n  abstract = {${paper.abstract}},\n  author = {Author, A.},\n  year = {2025}\n}\n`,
      )
      .join('\n');
    const fields = form({ topK: '1' });
    const zh = await post('/subscriptions/preview', fields, 'zh', { name: 'library.bib', text: library });
    expect(zh.status, zh.text.slice(0, 2000)).toBe(200);
    const rows = (table: string, text: string) =>
      [...(new RegExp(`<table class="${table}">([\\s\\S]*?)</table>`).exec(text)?.[1] ?? '').matchAll(/<tr class="\w+">([\s\S]*?)<\/tr>/g)].map(
        (m) => [...m[1]!.matchAll(/<td>([\s\S]*?)<\/td>/g)].at(-1)![1]!,
      );
    const selected = rows('preview-selected', zh.text);
    const skipped = rows('preview-skipped', zh.text);
    expect(selected).toHaveLength(1);
    expect(selected[0]).toMatch(/^接近 “[^”]+”（[01]\.\d\d）：/);
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.filter((reason) => /^排在前 1 篇之后（得分 \d\.\d+）$/.test(reason)).length).toBeGreaterThan(0);
    // The fixture's v2 paper: a replacement the subscription never delivered.
    expect(skipped).toContain('本订阅从未推送过的论文的替换版本（v2）；替换版本已关闭');
    for (const reason of skipped) expect(reason).not.toMatch(/[a-z]{4,} [a-z]{4,}/);
    // The English page says it as the run report does.
    const en = await post('/subscriptions/preview', fields, 'en', { name: 'library.bib', text: library });
    expect(rows('preview-selected', en.text)[0]).toMatch(/^close to "[^"]+" \([01]\.\d\d\): /);
    expect(rows('preview-skipped', en.text)).toContain('replacement (v2) of a paper this subscription never delivered; replacements are off');
  });
});
