import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Channel } from '../core/channel.js';
import { bigContent, hostileContent, instantSleep, makeContent, makeDigest, makeEntry } from '../../test/helpers/channel-digests.js';
import { useTestServers, type RecordedRequest, type TestResponse } from '../../test/helpers/http-server.js';
import { createDingTalkChannel } from './dingtalk/index.js';
import { createDiscordChannel } from './discord/index.js';
import { createFeishuChannel } from './feishu/index.js';
import type { RetryOptions } from './shared/http.js';
import { createSlackChannel } from './slack/index.js';
import { createTelegramChannel } from './telegram/index.js';
import { createWebhookChannel, type WebhookPayload } from './webhook/index.js';
import { createWeComChannel } from './wecom/index.js';

const serve = useTestServers();

type Body = Record<string, any>;

interface Platform {
  kind: string;
  path: string;
  ok: TestResponse;
  make(baseUrl: string, retry: RetryOptions): Channel;
  /** The human-visible texts of one request. */
  texts(body: Body): string[];
  /** Checks one request against the platform's size limits. */
  checkLimits(body: Body, raw: Buffer): void;
}

const json = (value: unknown): TestResponse => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
const TOKEN = '123456:AAE-secretTOKENvalue';

const platforms: Platform[] = [
  {
    kind: 'slack',
    path: '/services/T1/B2/secret',
    ok: { status: 200, body: 'ok' },
    make: (base, retry) => createSlackChannel({ webhookUrl: `${base}/services/T1/B2/secret`, allowPrivateNetwork: true, retry }),
    texts: (body) => [body.text, ...body.blocks.map((block: Body) => block.text?.text ?? block.elements?.map((element: Body) => element.text).join(' ') ?? '')],
    checkLimits: (body) => {
      expect(body.blocks.length).toBeLessThanOrEqual(50);
      for (const block of body.blocks) if (block.type === 'section') expect(block.text.text.length).toBeLessThanOrEqual(3000);
    },
  },
  {
    kind: 'discord',
    path: '/api/webhooks/42/tok',
    ok: { status: 204 },
    make: (base, retry) => createDiscordChannel({ webhookUrl: `${base}/api/webhooks/42/tok`, allowPrivateNetwork: true, retry }),
    texts: (body) => [body.content],
    checkLimits: (body) => expect(body.content.length).toBeLessThanOrEqual(2000),
  },
  {
    kind: 'telegram',
    path: `/bot${TOKEN}/sendMessage`,
    ok: json({ ok: true, result: { message_id: 1 } }),
    make: (base, retry) => createTelegramChannel({ botToken: TOKEN, chatId: '-1001234', baseUrl: base, allowPrivateNetwork: true, retry }),
    texts: (body) => [body.text],
    checkLimits: (body) => expect(body.text.length).toBeLessThanOrEqual(4096),
  },
  {
    kind: 'feishu',
    path: '/open-apis/bot/v2/hook/abc',
    ok: json({ code: 0, msg: 'success', data: {} }),
    make: (base, retry) => createFeishuChannel({ webhookUrl: `${base}/open-apis/bot/v2/hook/abc`, secret: 'feishu-secret', allowPrivateNetwork: true, retry }),
    texts: (body) => [
      body.card.header.title.content,
      ...body.card.elements.map((element: Body) => element.text?.content ?? element.elements?.[0]?.content ?? ''),
    ],
    checkLimits: (_body, raw) => expect(raw.byteLength).toBeLessThanOrEqual(30_000),
  },
  {
    kind: 'dingtalk',
    path: '/robot/send',
    ok: json({ errcode: 0, errmsg: 'ok' }),
    make: (base, retry) =>
      createDingTalkChannel({ webhookUrl: `${base}/robot/send?access_token=dt-token`, secret: 'SECdingtalk', allowPrivateNetwork: true, retry }),
    texts: (body) => [body.markdown.title, body.markdown.text],
    checkLimits: (body) => expect(Buffer.byteLength(body.markdown.text)).toBeLessThanOrEqual(20_000),
  },
  {
    kind: 'wecom',
    path: '/cgi-bin/webhook/send',
    ok: json({ errcode: 0, errmsg: 'ok' }),
    make: (base, retry) => createWeComChannel({ webhookUrl: `${base}/cgi-bin/webhook/send?key=wecom-key`, allowPrivateNetwork: true, retry }),
    texts: (body) => [body.markdown.content],
    checkLimits: (body) => expect(Buffer.byteLength(body.markdown.content)).toBeLessThanOrEqual(4096),
  },
];

const bodyOf = (request: RecordedRequest): Body => JSON.parse(request.body.toString('utf8')) as Body;

describe.each(platforms)('$kind', (platform) => {
  it('splits 120 long entries into messages under the limit, every entry once and in order, parts numbered', async () => {
    const server = await serve([{ method: 'POST', path: platform.path, reply: platform.ok }]);
    const channel = platform.make(server.url, { sleep: instantSleep().sleep });
    const result = await channel.send(bigContent(120));
    expect(result.status).toBe('sent');
    expect(server.requests.length).toBeGreaterThan(1);
    expect(result.messages).toBe(server.requests.length);
    expect(result.attempts).toBe(server.requests.length);
    const ids: string[] = [];
    server.requests.forEach((request, index) => {
      const body = bodyOf(request);
      platform.checkLimits(body, request.body);
      const text = platform.texts(body).join('\n');
      expect(text).toContain(`(${index + 1}/${server.requests.length})`);
      ids.push(...[...text.matchAll(/abs\/(2411\.\d{5})/g)].map((match) => match[1]!));
    });
    expect(ids).toEqual(Array.from({ length: 120 }, (_, index) => `2411.${10001 + index}`));
  });

  it('sends a small digest as one message with the updated flag and the selection reason', async () => {
    const server = await serve([{ method: 'POST', path: platform.path, reply: platform.ok }]);
    const content = makeContent(makeDigest([makeEntry(1, { reason: '与检索增强相关' }), makeEntry(2, { updatedFrom: 1 })]));
    const result = await platform.make(server.url, {}).send(content);
    expect(result).toMatchObject({ status: 'sent', messages: 1, attempts: 1 });
    const text = platform.texts(bodyOf(server.requests[0]!)).join('\n');
    expect(text).not.toContain('(1/1)');
    expect(text).toContain('第1篇');
    expect(text).toContain('入选理由');
    expect(text).toContain('与检索增强相关');
    expect(text).toContain('更新 v1→v2');
  });

  it('retries after 500s and succeeds, with backoff delays from the policy', async () => {
    const server = await serve([{ method: 'POST', path: platform.path, reply: [{ status: 500, body: 'boom' }, { status: 502 }, platform.ok] }]);
    const { sleep, delays } = instantSleep();
    const result = await platform.make(server.url, { sleep, baseDelayMs: 100, random: () => 0.5 }).send(makeContent(makeDigest([makeEntry(1)])));
    expect(result).toMatchObject({ status: 'sent', messages: 1, attempts: 3 });
    expect(delays).toEqual([75, 150]);
  });

  it('honours Retry-After on 429', async () => {
    const server = await serve([{ method: 'POST', path: platform.path, reply: [{ status: 429, headers: { 'retry-after': '7' }, body: '{}' }, platform.ok] }]);
    const { sleep, delays } = instantSleep();
    const result = await platform.make(server.url, { sleep }).send(makeContent(makeDigest([makeEntry(1)])));
    expect(result).toMatchObject({ status: 'sent', attempts: 2 });
    expect(delays).toEqual([7000]);
  });

  it('does not retry a 400, and reports the failure without throwing', async () => {
    const server = await serve([
      { method: 'POST', path: platform.path, reply: { status: 400, body: '{"ok":false,"description":"Bad Request: can\'t parse entities"}' } },
    ]);
    const { sleep, delays } = instantSleep();
    const result = await platform.make(server.url, { sleep }).send(makeContent(makeDigest([makeEntry(1)])));
    expect(result.status).toBe('failed');
    expect(result.attempts).toBe(1);
    expect(delays).toEqual([]);
    expect(result.error?.code).toBe('DELIVERY_FAILED');
    expect(result.error?.message).toContain('400');
    expect(result.error?.hint).toBeTruthy();
    expect(server.requests).toHaveLength(1);
  });

  it('reports partial when a later part fails, without sending the earlier parts again', async () => {
    const server = await serve([{ method: 'POST', path: platform.path, reply: [platform.ok, { status: 400, body: 'bad' }] }]);
    const result = await platform.make(server.url, { sleep: instantSleep().sleep }).send(bigContent(120));
    expect(result.status).toBe('partial');
    expect(result.messages).toBe(1);
    expect(server.requests).toHaveLength(2);
    expect(bodyOf(server.requests[0]!)).not.toEqual(bodyOf(server.requests[1]!));
  });

  it('gives up after maxAttempts when the server is unreachable', async () => {
    const server = await serve({});
    const base = server.url;
    await server.close();
    const { sleep, delays } = instantSleep();
    const result = await platform.make(base, { sleep, maxAttempts: 3 }).send(makeContent(makeDigest([makeEntry(1)])));
    expect(result.status).toBe('failed');
    expect(result.attempts).toBe(3);
    expect(delays).toHaveLength(2);
    expect(result.error?.message).toMatch(/could not be reached: ECONNREFUSED.*gave up after 3 attempts/);
  });

  it('cuts a single entry larger than the limit at character boundaries, each message under the limit', async () => {
    const server = await serve([{ method: 'POST', path: platform.path, reply: platform.ok }]);
    const huge = `${'超长摘要😀<b>&'.repeat(1500)}结尾`;
    const result = await platform.make(server.url, {}).send(makeContent(makeDigest([makeEntry(1, { tldr: huge }), makeEntry(2)])));
    expect(result.status).toBe('sent');
    // Slack cuts the entry into several sections of one message; the others into several messages.
    if (platform.kind === 'slack') expect(bodyOf(server.requests[0]!).blocks.length).toBeGreaterThan(3);
    else expect(server.requests.length).toBeGreaterThan(1);
    let text = '';
    for (const request of server.requests) {
      const body = bodyOf(request);
      platform.checkLimits(body, request.body);
      const texts = platform.texts(body).join('\n');
      // No lone surrogate: a pair was never cut.
      expect(texts).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      text += texts;
    }
    expect(text.split('😀').length - 1).toBe(1500);
    expect(text).toContain('结尾');
    expect(text).toContain('abs/2411.10002');
  });

  it('sends nothing when the signal is already aborted', async () => {
    const server = await serve([{ method: 'POST', path: platform.path, reply: platform.ok }]);
    const result = await platform.make(server.url, {}).send(makeContent(makeDigest([makeEntry(1)])), { signal: AbortSignal.abort() });
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('ABORTED');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a loopback URL without allowPrivateNetwork', () => {
    expect(() => recreateWithoutAllow(platform.kind)).toThrow(expect.objectContaining({ code: 'DELIVERY_URL_REFUSED' }));
  });
});

function recreateWithoutAllow(kind: string): Channel {
  const base = 'http://127.0.0.1:9';
  switch (kind) {
    case 'slack':
      return createSlackChannel({ webhookUrl: `${base}/services/x` });
    case 'discord':
      return createDiscordChannel({ webhookUrl: `${base}/api/webhooks/1/x` });
    case 'telegram':
      return createTelegramChannel({ botToken: TOKEN, chatId: 1, baseUrl: base });
    case 'feishu':
      return createFeishuChannel({ webhookUrl: `${base}/open-apis/bot/v2/hook/x` });
    case 'dingtalk':
      return createDingTalkChannel({ webhookUrl: `${base}/robot/send?access_token=x` });
    case 'wecom':
      return createWeComChannel({ webhookUrl: `${base}/cgi-bin/webhook/send?key=x` });
    default:
      return createWebhookChannel({ url: `${base}/x` });
  }
}

describe('escaping of hostile digest text', () => {
  async function deliver(platform: Platform): Promise<Body[]> {
    const server = await serve([{ method: 'POST', path: platform.path, reply: platform.ok }]);
    const result = await platform.make(server.url, {}).send(hostileContent());
    expect(result.status).toBe('sent');
    return server.requests.map(bodyOf);
  }
  const byKind = (kind: string): Platform => platforms.find((platform) => platform.kind === kind)!;

  it('Slack: no mentions, no injected links; < > & escaped', async () => {
    const [body] = await deliver(byKind('slack'));
    const texts = byKind('slack').texts(body!).join('\n');
    expect(texts).not.toMatch(/<!channel>|<!here>|<@U|<https:\/\/evil/);
    // Every `<` that is left opens one of our own links.
    for (const match of texts.matchAll(/</g)) {
      expect(texts.slice(match.index, match.index + 40)).toMatch(/^<https:\/\/(arxiv\.org\/abs\/|digest\.example\.org\/)/);
    }
    expect(texts).toContain('&lt;!channel&gt;');
    expect(texts).toContain('&lt;script&gt;');
  });

  it('Discord: mentions disabled, Markdown escaped, no injected link', async () => {
    const [body] = await deliver(byKind('discord'));
    expect(body!.allowed_mentions).toEqual({ parse: [] });
    const content = body!.content as string;
    expect(content).toContain('\\*\\*bold\\*\\*');
    expect(content).not.toMatch(/(?<!\\)\[link\]/);
    expect(content).not.toMatch(/(?<!\\)@everyone/);
    expect(content).not.toMatch(/(?<!\\)<@/);
  });

  it('Telegram: only our own b, i and a tags, balanced, with our own hrefs', async () => {
    const [body] = await deliver(byKind('telegram'));
    expect(body).toMatchObject({ parse_mode: 'HTML', disable_web_page_preview: true, chat_id: -1001234 });
    const text = body!.text as string;
    const stack: string[] = [];
    for (const match of text.matchAll(/<(\/?)([a-z]+)([^>]*)>/g)) {
      const [, slash, name, attributes] = match;
      expect(['b', 'i', 'a']).toContain(name);
      if (name === 'a' && !slash) expect(attributes).toMatch(/^ href="https:\/\/(arxiv\.org\/abs\/|digest\.example\.org\/)[^"]*"$/);
      if (slash) expect(stack.pop()).toBe(name);
      else stack.push(name!);
    }
    expect(stack).toEqual([]);
    expect(text).toContain('&lt;script&gt;');
    expect(text).toContain('&amp;amp;');
  });

  it('Feishu: digest text only in plain_text, lark_md only for our links', async () => {
    const [body] = await deliver(byKind('feishu'));
    expect(body!.msg_type).toBe('interactive');
    const walk = (node: unknown, visit: (node: Body) => void): void => {
      if (Array.isArray(node)) node.forEach((child) => walk(child, visit));
      else if (node && typeof node === 'object') {
        visit(node as Body);
        Object.values(node).forEach((child) => walk(child, visit));
      }
    };
    let plain = '';
    walk(body!.card, (node) => {
      if (node.tag === 'lark_md') expect(node.content).toMatch(/^\[[A-Za-z0-9:. 完整摘要-]+\]\(https:\/\/(arxiv\.org\/abs\/|digest\.example\.org\/)[^)\s]*\)$/);
      if (node.tag === 'plain_text') plain += node.content;
    });
    expect(plain).toContain('<at id=all></at>');
  });

  it.each(['dingtalk', 'wecom'])('%s: no raw <, Markdown escaped, nobody mentioned', async (kind) => {
    const [body] = await deliver(byKind(kind));
    const text = byKind(kind).texts(body!).slice(-1)[0]!;
    expect(text).not.toContain('<');
    expect(text).toContain('&lt;@zhangsan&gt;');
    expect(text).not.toMatch(/(?<!\\)\[link\]/);
    expect(text).toContain('\\*\\*bold\\*\\*');
    if (kind === 'dingtalk') expect(body!.at).toEqual({ isAtAll: false, atMobiles: [], atUserIds: [] });
  });
});

describe('signatures and platform answers', () => {
  it('Feishu signs with base64(HMAC-SHA256(key = timestamp\\nsecret, empty message)), checked by the server', async () => {
    const server = await serve([
      {
        method: 'POST',
        path: '/hook',
        reply: (request) => {
          const body = bodyOf(request);
          const expected = createHmac('sha256', `${body.timestamp}\nfeishu-secret`).update('').digest('base64');
          return body.sign === expected ? json({ code: 0, msg: 'success' }) : json({ code: 19021, msg: 'sign match fail' });
        },
      },
    ]);
    const now = Date.UTC(2026, 10, 24, 6, 0, 0);
    const channel = createFeishuChannel({ webhookUrl: `${server.url}/hook`, secret: 'feishu-secret', allowPrivateNetwork: true, now: () => now });
    expect(await channel.send(makeContent(makeDigest([makeEntry(1)])))).toMatchObject({ status: 'sent' });
    expect(bodyOf(server.requests[0]!).timestamp).toBe(String(now / 1000));

    const wrong = createFeishuChannel({
      webhookUrl: `${server.url}/hook`,
      secret: 'wrong-secret',
      allowPrivateNetwork: true,
      retry: { sleep: instantSleep().sleep },
    });
    const failed = await wrong.send(makeContent(makeDigest([makeEntry(1)])));
    expect(failed.status).toBe('failed');
    expect(failed.attempts).toBe(1);
    expect(failed.error?.message).toContain('code 19021');
    expect(failed.error?.message).not.toContain('wrong-secret');
  });

  it('DingTalk signs timestamp and sign query parameters, checked by the server', async () => {
    const server = await serve([
      {
        method: 'POST',
        path: '/robot/send',
        reply: (request) => {
          const { timestamp, sign, access_token: token } = request.query;
          const expected = createHmac('sha256', 'SECabc').update(`${timestamp}\nSECabc`).digest('base64');
          // The raw query must carry the signature percent-encoded.
          const encoded = request.url.includes(`sign=${encodeURIComponent(expected)}`);
          return token === 'tok' && sign === expected && encoded ? json({ errcode: 0, errmsg: 'ok' }) : json({ errcode: 310000, errmsg: 'sign not match' });
        },
      },
    ]);
    const channel = createDingTalkChannel({
      webhookUrl: `${server.url}/robot/send?access_token=tok`,
      secret: 'SECabc',
      allowPrivateNetwork: true,
      now: () => 1732427400123,
    });
    const result = await channel.send(makeContent(makeDigest([makeEntry(1)])));
    expect(result).toMatchObject({ status: 'sent' });
    expect(server.requests[0]!.query.timestamp).toBe('1732427400123');
    expect(bodyOf(server.requests[0]!).msgtype).toBe('markdown');
  });

  it('DingTalk and WeCom: HTTP 200 with a non-zero errcode is a failure; rate limits are retried', async () => {
    const server = await serve([
      { method: 'POST', path: '/cgi-bin/webhook/send', reply: [json({ errcode: 45009, errmsg: 'api freq out of limit' }), json({ errcode: 0, errmsg: 'ok' })] },
      { method: 'POST', path: '/robot/send', reply: json({ errcode: 300001, errmsg: 'token is not exist' }) },
    ]);
    const { sleep, delays } = instantSleep();
    const wecom = createWeComChannel({ webhookUrl: `${server.url}/cgi-bin/webhook/send?key=k-123456`, allowPrivateNetwork: true, retry: { sleep } });
    expect(await wecom.send(makeContent(makeDigest([makeEntry(1)])))).toMatchObject({ status: 'sent', attempts: 2 });
    expect(delays).toEqual([60_000]);
    const dingtalk = createDingTalkChannel({ webhookUrl: `${server.url}/robot/send?access_token=t-123456`, allowPrivateNetwork: true, retry: { sleep } });
    const failed = await dingtalk.send(makeContent(makeDigest([makeEntry(1)])));
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.error?.message).toContain('errcode 300001');
    expect(failed.error?.message).not.toContain('t-123456');
    expect(failed.error?.details.url).toContain('access_token=***');
  });

  it('Telegram: ok:false with retry_after is retried after that many seconds; the token never shows', async () => {
    const server = await serve([
      {
        method: 'POST',
        path: `/bot${TOKEN}/sendMessage`,
        reply: [
          {
            status: 429,
            body: JSON.stringify({ ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } }),
          },
          { status: 400, body: JSON.stringify({ ok: false, error_code: 400, description: `Bad Request: chat not found for /bot${TOKEN}/sendMessage` }) },
        ],
      },
    ]);
    const { sleep, delays } = instantSleep();
    const channel = createTelegramChannel({ botToken: TOKEN, chatId: '@my_channel', baseUrl: server.url, allowPrivateNetwork: true, retry: { sleep } });
    const result = await channel.send(makeContent(makeDigest([makeEntry(1)])));
    expect(delays).toEqual([3000]);
    expect(result.status).toBe('failed');
    expect(result.attempts).toBe(2);
    expect(bodyOf(server.requests[0]!).chat_id).toBe('@my_channel');
    const everything = JSON.stringify({ result, message: result.error?.message, hint: result.error?.hint, details: result.error?.details });
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain('secretTOKEN');
    expect(result.error?.message).toContain('bot***');
    expect(result.error?.message).toContain('chat not found');
  });

  it('Slack: a 404 channel_not_found is not retried and hides the webhook path', async () => {
    const server = await serve([{ method: 'POST', path: '/services/T1/B2/s3cr3t', reply: { status: 404, body: 'channel_not_found' } }]);
    const channel = createSlackChannel({ webhookUrl: `${server.url}/services/T1/B2/s3cr3t`, allowPrivateNetwork: true });
    const result = await channel.send(makeContent(makeDigest([makeEntry(1)])));
    expect(result).toMatchObject({ status: 'failed', attempts: 1 });
    expect(result.error?.message).toContain('channel_not_found');
    expect(JSON.stringify(result.error?.details) + result.error!.message).not.toContain('s3cr3t');
  });

  it('webhook: the documented payload, signed with X-Xivdigest-Signature over the raw body', async () => {
    const server = await serve([{ method: 'POST', path: '/receive', reply: { status: 202 } }]);
    const channel = createWebhookChannel({
      url: `${server.url}/receive`,
      secret: 'hook-secret',
      headers: { authorization: 'Bearer abc123' },
      allowPrivateNetwork: true,
    });
    const content = { ...hostileContent(), html: '<p>hi</p>', markdown: '# hi' };
    const result = await channel.send(content);
    expect(result).toMatchObject({ status: 'sent', messages: 1 });
    const request = server.requests[0]!;
    const expected = `sha256=${createHmac('sha256', 'hook-secret').update(request.body).digest('hex')}`;
    expect(request.headers['x-xivdigest-signature']).toBe(expected);
    expect(request.headers.authorization).toBe('Bearer abc123');
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    const payload = JSON.parse(request.body.toString('utf8')) as WebhookPayload;
    expect(payload).toMatchObject({ type: 'xivdigest.digest', version: 1, subject: content.subject, html: '<p>hi</p>', markdown: '# hi' });
    expect(payload.digest).toMatchObject({ name: 'cs.CL/2026-11-24', lang: 'zh', entryCount: 2, url: 'https://digest.example.org/cs.CL/2026-11-24' });
    expect(payload.entries.map((entry) => entry.paperId)).toEqual(['2411.10001', '2411.10002']);
    expect(payload.entries[0]!.selection?.reason).toContain('<!channel>');
    expect(payload.entries[1]!.updatedFrom).toBe(1);
  });
});
