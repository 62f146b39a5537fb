/**
 * Feedback from wherever the reader is (docs/decisions/0040), through the real parts: a real SQLite store, the email
 * channel sending to a real SMTP server (smtp-server), the web app answering the links as a mail provider and a
 * browser would send them (`app.request()`), and the library's own BibTeX and RIS parsers reading the exports.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../../../test/helpers/smtp-sink.js';
import { createTempStore, type TempStore } from '../../../test/helpers/temp-store.js';
import { signedInSession } from '../../../test/helpers/store-session.js';
import { fillWebSite, type WebSiteFixture } from '../../../test/helpers/web-site.js';
import { useTestServers } from '../../../test/helpers/http-server.js';
import { createDingTalkChannel } from '../../channels/dingtalk/index.js';
import { createDiscordChannel } from '../../channels/discord/index.js';
import { createEmailChannel } from '../../channels/email/index.js';
import { createFeishuChannel } from '../../channels/feishu/index.js';
import { createWeComChannel } from '../../channels/wecom/index.js';
import type { Channel } from '../../core/channel.js';
import { createSlackChannel, formatSlackMessages } from '../../channels/slack/index.js';
import type { Renderer } from '../../core/render.js';
import { createLinkSigner, type LinkSigner } from '../../core/signed-links.js';
import { publishDigest } from '../../jobs/publish.js';
import { parseBibtex, parseRis } from '../../library/index.js';
import { createHtmlRenderer } from '../../render/html/index.js';
import { createTextRenderer } from '../../render/text/index.js';
import { marksStoreOf, readerStoreOf } from '../../store/index.js';
import { createSignInMailer } from '../accounts/setup.js';
import { createWebApp } from '../app.js';
import type { WebDeps } from '../deps.js';

const BASE = 'http://127.0.0.1:8080';
const SECRET = 'a-test-secret-of-more-than-32-characters';
const ADA = 'ada@example.org';
const BOB = 'bob@example.org';

const serve = useTestServers();
let temp: TempStore;
let sink: SmtpSink;
let site: WebSiteFixture;
let signer: LinkSigner;

beforeEach(async () => {
  temp = await createTempStore('sqlite');
  sink = await startSmtpSink();
  site = await fillWebSite(temp.store);
  signer = createLinkSigner({ secret: SECRET, baseUrl: BASE });
});
afterEach(async () => {
  await sink.close();
  await temp.cleanup();
});

function deps(extra: Partial<WebDeps> = {}): WebDeps {
  return {
    store: temp.store,
    search: temp.store,
    subscriptions: [
      { name: 'nlp', categories: ['cs.CL'], lang: 'zh' },
      { name: 'ml', categories: ['cs.LG'], lang: 'en' },
    ],
    baseUrl: BASE,
    lang: 'en',
    links: signer,
    ...extra,
  };
}

const local = (url: string) => url.slice(BASE.length);
const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/** A message's bodies, quoted-printable soft breaks and escapes undone. */
function decoded(message: SinkMessage): string {
  const body = message.raw.slice(message.raw.search(/\r?\n\r?\n/));
  const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
const header = (message: SinkMessage, name: string): string | undefined =>
  new RegExp(`^${name}: ?(.*(?:\\r?\\n[ \\t].*)*)`, 'im')
    .exec(message.raw.split(/\r?\n\r?\n/)[0]!)?.[1]
    ?.replace(/\r?\n[ \t]+/g, ' ')
    .trim();

describe('signed one-click links', () => {
  it('GET changes nothing and shows a one-click form; POST records; a replay is harmless; undo restores', async () => {
    const app = createWebApp(deps());
    const paper = site.digest.entries[0]!.paperId;
    const hide = signer.feedbackUrl('nlp', paper, 'hide', ADA);
    expect(hide.length).toBeLessThan(200);

    const shown = await app.request(local(hide));
    expect(shown.status).toBe(200);
    const html = await shown.text();
    expect(html).toContain('<form method="post"');
    expect(html).toMatch(/<script>document\.getElementById\('xd-act'\)\.submit\(\);<\/script>/);
    expect(shown.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(await temp.store.getFeedback('nlp')).toEqual([]);

    for (let time = 0; time < 2; time += 1) {
      const posted = await app.request(local(hide), form({}));
      expect(posted.status).toBe(200);
      expect(await posted.text()).toContain('Hidden for nlp');
    }
    expect((await temp.store.getFeedback('nlp')).map(({ paperId, kind }) => ({ paperId, kind }))).toEqual([{ paperId: paper, kind: 'hide' }]);
    expect(await temp.store.getFeedback('ml')).toEqual([]);

    const undone = await app.request(local(hide), form({ set: 'clear' }));
    expect(await undone.text()).toContain('undone');
    expect(await temp.store.getFeedback('nlp')).toEqual([]);
  });

  it('refuses altered, cross-reader, expired and incomplete links with a page that says so, and records nothing', async () => {
    const app = createWebApp(deps());
    const paper = site.digest.entries[0]!.paperId;
    const star = new URL(signer.feedbackUrl('nlp', paper, 'star', ADA));
    const changed = (name: string, value: string) => {
      const url = new URL(star);
      url.searchParams.set(name, value);
      return `${url.pathname}${url.search}`;
    };
    const cases: Array<[string, string, number, RegExp]> = [
      ['another paper', changed('p', site.digest.entries[1]!.paperId), 403, /not valid/],
      ['another action', changed('a', 'hide'), 403, /not valid/],
      ['another subscription', changed('s', 'ml'), 403, /another subscription, reader or paper/],
      ['another recipient', changed('r', BOB), 403, /not valid/],
      ['a later expiry', changed('x', String(Number(star.searchParams.get('x')) + 86400)), 403, /not valid/],
      ['a forged tag', changed('t', 'A'.repeat(22)), 403, /not valid/],
      ['no tag', `${star.pathname}?s=nlp&p=${paper}&a=star&r=${ADA}&x=9999999999`, 400, /incomplete/],
    ];
    for (const [why, path, status, words] of cases) {
      for (const init of [undefined, form({})]) {
        const response = await app.request(path, init);
        expect(response.status, why).toBe(status);
        expect(await response.text(), why).toMatch(words);
      }
    }
    // Signed for one subscription, the link is refused on another even when that one also exists.
    const past = createLinkSigner({ secret: SECRET, baseUrl: BASE, now: () => new Date(Date.now() - 61 * 86400_000) });
    const expired = await app.request(local(past.feedbackUrl('nlp', paper, 'star', ADA)), form({}));
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('expired');
    // Signed under another secret.
    const other = createLinkSigner({ secret: 'another-secret-of-more-than-32-characters!', baseUrl: BASE });
    expect((await app.request(local(other.feedbackUrl('nlp', paper, 'star', ADA)), form({}))).status).toBe(403);
    // A link for a subscription that is gone.
    expect((await app.request(local(signer.feedbackUrl('gone', paper, 'star', ADA)), form({}))).status).toBe(404);
    // An unsubscribe link cannot star, nor a star link unsubscribe.
    const unsubscribe = new URL(signer.unsubscribeUrl('nlp', ADA));
    expect((await app.request(`/feedback/link${unsubscribe.search}`, form({}))).status).toBe(403);
    expect((await app.request(`/unsubscribe${star.search}`, form({}))).status).toBe(403);
    expect(await temp.store.getFeedback('nlp')).toEqual([]);
    expect(await marksStoreOf(temp.store).unsubscribed('nlp')).toEqual([]);
  });
});

describe('delivery with links, and unsubscribe', () => {
  const renderers = { txt: createTextRenderer() as unknown as Renderer, html: createHtmlRenderer({ katexFonts: 'none' }) as unknown as Renderer };

  it('email: one message per recipient with its own links and RFC 8058 headers; a one-click POST leaves that address out', async () => {
    const email = createEmailChannel({
      host: '127.0.0.1',
      port: sink.port,
      ignoreTLS: true,
      from: 'digest@example.org',
      to: [ADA, BOB],
      retry: { maxAttempts: 1 },
    });
    const publish = () =>
      publishDigest(site.digest, '2026-11-24', {
        store: temp.store,
        subscription: 'nlp',
        renderers,
        formats: [],
        channels: [email],
        resend: true,
        subject: 'arXiv nlp',
        links: signer,
        unsubscribed: async () => new Set((await marksStoreOf(temp.store).unsubscribed('nlp')).map((item) => item.recipient)),
      });
    const [first] = await publish();
    expect(first).toMatchObject({ channel: 'email:default', status: 'sent', items: 2 });
    const toAda = await sink.waitFor(ADA);
    const toBob = await sink.waitFor(BOB);
    expect(toAda.to).toEqual([ADA]);
    const listUnsubscribe = header(toAda, 'List-Unsubscribe')!;
    expect(listUnsubscribe).toMatch(/^<https?:\/\/127\.0\.0\.1:8080\/unsubscribe\?[^>]+>$/);
    expect(header(toAda, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const body = decoded(toAda);
    const paper = site.digest.entries[0]!.paperId;
    // Both parts carry the links: the text part as "hide: URL", the HTML part as anchors.
    expect(body).toMatch(new RegExp(`隐藏: ${BASE.replace(/\./g, '\\.')}/feedback/link\\?s=nlp&p=${paper.replace('.', '\\.')}&a=hide&r=ada%40example\\.org`));
    expect(body).toContain('>★ 多推荐这类</a>');
    expect(body).toMatch(/退订: http:\/\/127\.0\.0\.1:8080\/unsubscribe\?/);
    expect(decoded(toBob)).toContain('r=bob%40example.org');
    expect(decoded(toBob)).not.toContain('r=ada%40example.org');

    // The mail provider's one-click POST: no cookie, no token (RFC 8058 §3.2).
    const app = createWebApp(deps());
    const target = listUnsubscribe.slice(1, -1);
    expect((await app.request(local(target))).status).toBe(200);
    expect(await marksStoreOf(temp.store).unsubscribed('nlp')).toEqual([]);
    const oneClick = await app.request(local(target), form({ 'List-Unsubscribe': 'One-Click' }));
    expect(oneClick.status).toBe(200);
    expect(await marksStoreOf(temp.store).unsubscribed('nlp')).toMatchObject([{ recipient: ADA, via: 'one-click' }]);
    // A replay is harmless.
    expect((await app.request(local(target), form({ 'List-Unsubscribe': 'One-Click' }))).status).toBe(200);

    const [second] = await publish();
    expect(second).toMatchObject({ status: 'sent', items: 1 });
    expect(second!.detail).toContain(`left out (unsubscribed): ${ADA}`);
    await sink.waitFor(BOB, 2);
    expect(sink.messages.filter((message) => message.to.includes(ADA))).toHaveLength(1);

    await app.request(local(signer.unsubscribeUrl('nlp', BOB)), form({}));
    const [third] = await publish();
    expect(third).toMatchObject({ status: 'sent', items: 0 });
    expect(third!.detail).toMatch(/no e-mail sent: every recipient has unsubscribed/);
    expect(sink.messages).toHaveLength(3);
  });

  it('Slack messages carry links signed for the channel', () => {
    const channel = createSlackChannel({ webhookUrl: 'https://hooks.slack.com/services/T0/B0/xyz', name: 'team' });
    const digest = {
      ...site.digest,
      entries: site.digest.entries.map((entry) => ({
        ...entry,
        feedback: { star: signer.feedbackUrl('nlp', entry.paperId, 'star', channel.id), hide: signer.feedbackUrl('nlp', entry.paperId, 'hide', channel.id) },
      })),
    };
    const text = JSON.stringify(formatSlackMessages({ subject: 'arXiv nlp', digest, text: '' }));
    expect(text).toContain(`&r=slack%3Ateam&`);
    expect(text).toMatch(/\|★ 多推荐这类> · <http:\/\/127\.0\.0\.1:8080\/feedback\/link\?[^|]+\|隐藏>/);
  });
});

/** The chat platforms without their own test above: the receiver's path and answer, the channel, the message texts. */
const chatPlatforms: Array<{ kind: string; path: string; answer: string; make(base: string): Channel; texts(body: any): string[] }> = [
  {
    kind: 'discord',
    path: '/api/webhooks/42/tok',
    answer: '',
    make: (base) => createDiscordChannel({ webhookUrl: `${base}/api/webhooks/42/tok`, allowPrivateNetwork: true, retry: { maxAttempts: 1 } }),
    texts: (body) => [body.content],
  },
  {
    kind: 'feishu',
    path: '/open-apis/bot/v2/hook/abc',
    answer: '{"code":0,"msg":"success"}',
    make: (base) => createFeishuChannel({ webhookUrl: `${base}/open-apis/bot/v2/hook/abc`, allowPrivateNetwork: true, retry: { maxAttempts: 1 } }),
    texts: (body) => body.card.elements.map((element: any) => element.text?.content ?? element.elements?.[0]?.content ?? ''),
  },
  {
    kind: 'dingtalk',
    path: '/robot/send',
    answer: '{"errcode":0,"errmsg":"ok"}',
    make: (base) => createDingTalkChannel({ webhookUrl: `${base}/robot/send?access_token=t`, allowPrivateNetwork: true, retry: { maxAttempts: 1 } }),
    texts: (body) => [body.markdown.text],
  },
  {
    kind: 'wecom',
    path: '/cgi-bin/webhook/send',
    answer: '{"errcode":0,"errmsg":"ok"}',
    make: (base) => createWeComChannel({ webhookUrl: `${base}/cgi-bin/webhook/send?key=k`, allowPrivateNetwork: true, retry: { maxAttempts: 1 } }),
    texts: (body) => [body.markdown.content],
  },
];

describe.each(chatPlatforms)('$kind messages and feedback links', (platform) => {
  const renderers = { txt: createTextRenderer() as unknown as Renderer };
  /** Publishes the digest to a local receiver speaking the platform's protocol; the link targets of the messages. */
  async function deliver(links?: LinkSigner): Promise<{ channel: Channel; text: string; targets: string[] }> {
    const server = await serve([{ method: 'POST', path: platform.path, reply: { status: platform.kind === 'discord' ? 204 : 200, body: platform.answer } }]);
    const channel = platform.make(server.url);
    const [report] = await publishDigest(site.digest, '2026-11-24', {
      store: temp.store,
      subscription: 'nlp',
      renderers,
      formats: [],
      channels: [channel],
      resend: true,
      subject: 'arXiv nlp',
      ...(links ? { links } : {}),
    });
    expect(report).toMatchObject({ status: 'sent' });
    const text = server.requests.flatMap((request) => platform.texts(JSON.parse(request.body.toString('utf8')))).join('\n');
    // Markdown `[label](url)`, Discord's `[label](<url>)` and lark_md alike.
    const targets = [...text.matchAll(/\]\(<?([^)<>\s]+)>?\)/g)].map((match) => match[1]!);
    return { channel, text, targets };
  }

  it('carries star and hide links signed for the channel, each opening the feedback page for its paper and action', async () => {
    const { channel, text, targets } = await deliver(signer);
    const app = createWebApp(deps());
    const entries = site.digest.entries;
    const feedback = targets.filter((target) => target.startsWith(`${BASE}/feedback/link?`));
    expect(feedback).toHaveLength(entries.length * 2);
    expect(text).toContain('★ 多推荐这类');
    expect(text).toContain('隐藏');
    for (const [index, entry] of entries.entries()) {
      for (const [offset, action] of (['star', 'hide'] as const).entries()) {
        const link = new URL(feedback[index * 2 + offset]!);
        expect(Object.fromEntries(link.searchParams)).toMatchObject({ s: 'nlp', p: entry.paperId, a: action, r: channel.id });
        const opened = await app.request(local(link.toString()));
        expect(opened.status).toBe(200);
        const html = await opened.text();
        expect(html).toContain(entry.paperId);
        expect(html).toContain(action === 'star' ? 'More like this' : 'Hide this paper');
      }
    }
    expect(await temp.store.getFeedback('nlp')).toEqual([]);
    // Opening the form's action records the verdict, as a click on it does.
    expect((await app.request(local(feedback[1]!), form({}))).status).toBe(200);
    expect((await temp.store.getFeedback('nlp')).map(({ paperId, kind }) => ({ paperId, kind }))).toEqual([{ paperId: entries[0]!.paperId, kind: 'hide' }]);
  });

  it('without web.baseUrl and web.secret carries no feedback links, and every link it has is absolute', async () => {
    const { text, targets } = await deliver();
    expect(text).not.toContain('feedback/link');
    expect(text).not.toContain('★');
    expect(targets.length).toBeGreaterThanOrEqual(site.digest.entries.length);
    for (const target of targets) expect(target).toMatch(/^https:\/\/arxiv\.org\/abs\/\d{4}\.\d{5}(v\d+)?$/);
  });
});

describe('star and hide on the web, /starred and its exports', () => {
  async function signedIn(email: string): Promise<string> {
    return `xd_session=${(await signedInSession(temp.store, email)).token}`;
  }

  it('a signed-in reader stars and hides from the pages; anonymous visitors see no buttons; exports parse', async () => {
    const app = createWebApp(
      deps({
        accounts: {
          readers: readerStoreOf(temp.store),
          mailer: createSignInMailer({ host: '127.0.0.1', port: sink.port, ignoreTLS: true, from: 'x@example.org' }, {}),
          secret: SECRET,
          signup: 'invite',
          admins: [],
          trustProxy: false,
        },
        subscriptionsOfReader: async (reader) => (reader.email === ADA ? ['nlp', 'ml'] : []),
      }),
    );
    const digestPath = `/digests/${site.digest.name}`;
    const anonymous = await (await app.request(digestPath)).text();
    expect(anonymous).not.toContain('action="/marks"');

    const cookie = await signedIn(ADA);
    const page = await app.request(digestPath, { headers: { cookie } });
    const html = await page.text();
    const forms = html.match(/<form method="post" action="\/marks"/g) ?? [];
    expect(forms.length).toBe(site.digest.entries.length);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const [first, second] = site.digest.entries.map((entry) => entry.paperId);
    const mark = (paper: string, kind: string, token = csrf) =>
      app.request('/marks', {
        ...form({ _csrf: token, paper: paper!, kind, back: digestPath }),
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      });
    expect((await mark(first!, 'star', 'forged')).status).toBe(403);
    const starred = await mark(first!, 'star');
    expect(starred.status).toBe(303);
    expect(starred.headers.get('location')).toBe(`${digestPath}#paper-${first}`);
    await mark(second!, 'hide');
    // The ETag changes with the reader's marks, so a revalidation never shows the old buttons.
    const again = await app.request(digestPath, { headers: { cookie, 'if-none-match': page.headers.get('etag')! } });
    expect(again.status).toBe(200);
    const after = await again.text();
    expect(after).toContain('>★ Starred</button>');
    expect(after).toContain('>Hidden<');
    // Both subscriptions of the reader learn from it.
    for (const subscription of ['nlp', 'ml']) {
      const kinds = Object.fromEntries((await temp.store.getFeedback(subscription)).map((item) => [item.paperId, item.kind]));
      expect(kinds).toEqual({ [first!]: 'star', [second!]: 'hide' });
    }
    // The search and paper pages carry the buttons too.
    expect(await (await app.request(`/papers/${first}`, { headers: { cookie } })).text()).toContain('>★ Starred</button>');

    const list = await (await app.request('/starred', { headers: { cookie } })).text();
    expect(list).toContain('My starred papers');
    expect(list).toContain(first!);
    expect(list).not.toContain(`>${second}<`);
    const bib = await app.request('/starred.bib', { headers: { cookie } });
    expect(bib.headers.get('content-type')).toContain('bibtex');
    const fromBib = parseBibtex(await bib.text(), 'starred.bib');
    expect(fromBib.problems).toEqual([]);
    expect(fromBib.items).toMatchObject([{ arxivId: first, authors: ['Ada Lovelace', 'Alan Turing'] }]);
    const fromRis = parseRis(await (await app.request('/starred.ris', { headers: { cookie } })).text(), 'starred.ris');
    expect(fromRis.problems).toEqual([]);
    expect(fromRis.items).toMatchObject([{ title: site.papers.find((paper) => paper.id === first)!.title }]);

    // Another reader sees none of Ada's marks; anonymous visitors are sent to sign in.
    const bob = await signedIn(BOB);
    expect(await (await app.request(digestPath, { headers: { cookie: bob } })).text()).not.toContain('aria-pressed="true"');
    expect((await app.request('/starred.bib')).status).toBe(303);
  });
});
