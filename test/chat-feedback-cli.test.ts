/**
 * Feedback links in chat messages, end to end (docs/decisions/0040, 0046): `xivdigest run` (the built CLI, arXiv's feed
 * and an OpenAI-compatible API on local servers) delivers to local receivers speaking the Discord, Feishu, DingTalk and
 * WeCom protocols; `xivdigest serve` runs as a child process and answers each star/hide link taken from the messages;
 * the one-click POST is recorded for the subscription. A config without web.baseUrl sends the same messages without links.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliSandbox } from './helpers/cli.js';
import { goodPapers } from './helpers/good-papers.js';
import { startTestServer, type RecordedRequest, type TestServer } from './helpers/http-server.js';
import { startReaderWorld, type ReaderWorld } from './helpers/reader-world.js';

const KEY = 'sk-test-secret-chat-feedback-0123456789';
const NOW = '2026-11-23T06:00:00Z';
const ok = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"code":0,"errcode":0,"errmsg":"ok"}' };

/** Each platform: its receiver's path, its config entry, and the message texts of one request. */
const PLATFORMS = [
  { type: 'discord', path: '/api/webhooks/1/tok', texts: (body: any): string[] => [body.content] },
  {
    type: 'feishu',
    path: '/open-apis/bot/v2/hook/abc',
    texts: (body: any): string[] => body.card.elements.map((element: any) => element.text?.content ?? element.elements?.[0]?.content ?? ''),
  },
  { type: 'dingtalk', path: '/robot/send', query: '?access_token=t', texts: (body: any): string[] => [body.markdown.text] },
  { type: 'wecom', path: '/cgi-bin/webhook/send', query: '?key=k', texts: (body: any): string[] => [body.markdown.content] },
] as const;

const textOf = (platform: (typeof PLATFORMS)[number], requests: RecordedRequest[]): string =>
  requests.flatMap((request) => platform.texts(JSON.parse(request.body.toString('utf8')))).join('\n');

describe('feedback links in Discord, Feishu, DingTalk and WeCom messages sent by `xivdigest run`', () => {
  let world: ReaderWorld;
  let sandbox: CliSandbox;
  let chat: TestServer;
  let base: string;
  let env: Record<string, string>;
  const papers = goodPapers(2);

  /** The subscription: one channel per platform, each to its receiver on `chat`. */
  const subscriptionsIn = (dir: string) => [
    {
      name: 'nlp',
      categories: 'cs.CL',
      lang: 'en',
      outputs: {
        dir: join(dir, 'out'),
        formats: ['md'],
        channels: PLATFORMS.map((platform) => ({
          type: platform.type,
          webhookUrl: `${chat.url}${platform.path}${'query' in platform ? platform.query : ''}`,
          allowPrivateNetwork: true,
        })),
      },
    },
  ];
  const writeConfig = (web: boolean) =>
    writeFileSync(
      join(sandbox.dir, 'xivdigest.config.json'),
      JSON.stringify({
        ...(web ? { web: { baseUrl: base, secret: { env: 'XIVDIGEST_WEB_SECRET' } } } : {}),
        subscriptions: subscriptionsIn(sandbox.dir),
      }),
    );

  beforeAll(async () => {
    chat = await startTestServer(PLATFORMS.map((platform) => ({ method: 'POST', path: platform.path, reply: ok })));
    // web: { baseUrl, secret } only; no browser: the links are followed by `fetch`.
    world = await startReaderWorld({
      name: 'chat-feedback',
      apiKey: KEY,
      papers,
      accounts: false,
      browser: false,
      config: ({ sandbox }) => ({ subscriptions: subscriptionsIn(sandbox.dir) }),
    });
    ({ sandbox, base, env } = world);
  }, 60_000);

  afterAll(async () => {
    await world?.stop();
    await chat?.close();
  });

  it('each message carries star and hide links signed for its channel, and `serve` answers them', async () => {
    const run = await sandbox.run(['run', '--now', NOW], { env });
    expect(run.code, run.stderr).toBe(0);
    for (const platform of PLATFORMS) expect(run.stdout).toMatch(new RegExp(`${platform.type}:default: sent`));

    for (const platform of PLATFORMS) {
      const text = textOf(platform, chat.requestsTo(platform.path));
      // Markdown `[label](url)`, Discord's `[label](<url>)` and lark_md alike.
      const links = [...text.matchAll(/\[([^\]]+)\]\(<?(http[^)<>\s]+\/feedback\/link\?[^)<>\s]+)>?\)/g)].map((match) => ({
        label: match[1]!,
        url: match[2]!,
      }));
      expect(
        links.map((link) => link.label),
        `${platform.type}: ${text}`,
      ).toEqual(papers.flatMap(() => ['★ more like this', 'hide']));
      for (const [index, link] of links.entries()) {
        const url = new URL(link.url);
        const action = index % 2 === 0 ? 'star' : 'hide';
        expect(url.origin).toBe(base);
        expect(url.searchParams.get('r')).toBe(`${platform.type}:default`);
        expect(url.searchParams.get('a')).toBe(action);
        const paper = url.searchParams.get('p')!;
        expect(papers.map((item) => item.id)).toContain(paper);
        const page = await fetch(url, { headers: { 'accept-language': 'en' } });
        expect(page.status).toBe(200);
        const html = await page.text();
        expect(html).toContain(paper);
        expect(html).toContain(action === 'star' ? 'Star this paper (more like this)' : 'Hide this paper (less like this)');
      }
      // A tampered link is refused.
      expect((await fetch(links[0]!.url.replace('a=star', 'a=hide'))).status).toBe(403);
    }

    // The one click (the page's form) records the verdict for the subscription.
    const hide = [...textOf(PLATFORMS[0], chat.requestsTo(PLATFORMS[0].path)).matchAll(/\(<(http[^>]+a=hide[^>]+)>\)/g)][0]![1]!;
    const posted = await fetch(hide, { method: 'POST', headers: { 'accept-language': 'zh-CN' } });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toContain('已为 nlp 隐藏');
    const listed = await sandbox.run(['feedback', '--list', '--subscription', 'nlp'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(new URL(hide).searchParams.get('p')!);
    expect(listed.stdout).toContain('hide');
  }, 120_000);

  it('without web.baseUrl and web.secret the messages carry no feedback links, only arXiv links', async () => {
    writeConfig(false);
    const before = chat.requests.length;
    const run = await sandbox.run(['run', '--now', NOW, '--resend'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/digests carry no feedback or unsubscribe links/);
    const later = chat.requests.slice(before);
    for (const platform of PLATFORMS) {
      const text = textOf(
        platform,
        later.filter((request) => request.path === platform.path),
      );
      expect(text, platform.type).not.toContain('feedback/link');
      const targets = [...text.matchAll(/\]\(<?([^)<>\s]+)>?\)/g)].map((match) => match[1]!);
      expect(targets.length).toBeGreaterThanOrEqual(papers.length);
      for (const target of targets) expect(target).toMatch(/^https:\/\/arxiv\.org\/abs\//);
    }
  }, 120_000);
});
