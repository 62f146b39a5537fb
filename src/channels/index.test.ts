import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { makeContent, makeDigest, makeEntry } from '../../test/helpers/channel-digests.js';
import { useTestServers } from '../../test/helpers/http-server.js';
import { channelSpecSchema, createChannel, type ChannelSpec } from '../app-channels.js';

const serve = useTestServers();

const specs: ChannelSpec[] = [
  { type: 'email', name: 'team', host: 'smtp.example.org', from: 'digest@example.org', to: ['a@example.org'], user: 'u', password: { env: 'SMTP_PASSWORD' } },
  { type: 'slack', name: 'feed', webhookUrl: { env: 'SLACK_WEBHOOK_URL' } },
  { type: 'discord', webhookUrl: 'https://discord.com/api/webhooks/1/abc' },
  { type: 'telegram', botToken: { env: 'TELEGRAM_BOT_TOKEN' }, chatId: -100123 },
  { type: 'feishu', webhookUrl: 'https://open.feishu.cn/open-apis/bot/v2/hook/x', secret: { env: 'FEISHU_SECRET' } },
  { type: 'dingtalk', webhookUrl: 'https://oapi.dingtalk.com/robot/send?access_token=x', secret: 'SECx' },
  { type: 'wecom', webhookUrl: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x' },
  { type: 'webhook', url: 'https://example.org/hook', headers: { authorization: { env: 'HOOK_AUTH' } } },
];

const env = {
  SMTP_PASSWORD: 'p',
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x',
  TELEGRAM_BOT_TOKEN: '1:abc',
  FEISHU_SECRET: 's',
  HOOK_AUTH: 'Bearer t',
};

describe('channelSpecSchema and createChannel', () => {
  it('accepts every channel type and creates it with its id and kind', () => {
    for (const spec of specs) {
      const parsed = channelSpecSchema.parse(spec);
      const channel = createChannel(parsed, { env });
      expect(channel.kind).toBe(spec.type);
      expect(channel.id).toBe(`${spec.type}:${spec.name ?? 'default'}`);
    }
  });

  it('is strict and says what is wrong', () => {
    expect(channelSpecSchema.safeParse({ type: 'slack', webhookUrl: 'https://hooks.slack.com/x', extra: 1 }).success).toBe(false);
    expect(channelSpecSchema.safeParse({ type: 'pager', url: 'https://x' }).success).toBe(false);
    expect(channelSpecSchema.safeParse({ type: 'email', host: 'h', from: 'a@b.c' }).error?.issues[0]?.message).toMatch(/recipient/);
    expect(channelSpecSchema.safeParse({ type: 'email', host: 'h', from: 'a@b.c', to: 'x@y.z', user: 'u' }).error?.issues[0]?.message).toMatch(
      /user and password/,
    );
    expect(channelSpecSchema.safeParse({ type: 'slack', webhookUrl: { env: 'not a name' } }).success).toBe(false);
    // The lead embeds it in the config schema, which is turned into a JSON Schema for editors.
    expect(JSON.stringify(z.toJSONSchema(channelSpecSchema, { io: 'input', unrepresentable: 'any' }))).toContain('allowPrivateNetwork');
  });

  it('names the missing environment variable', () => {
    expect(() => createChannel({ type: 'slack', name: 'feed', webhookUrl: { env: 'NOT_SET_ANYWHERE' } }, { env: {} })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('NOT_SET_ANYWHERE') as unknown,
        hint: expect.stringContaining('NOT_SET_ANYWHERE') as unknown,
      }),
    );
  });

  it('refuses a private URL unless the spec allows it', () => {
    expect(() => createChannel({ type: 'webhook', url: 'http://192.168.1.10/hook' }, { env })).toThrow(
      expect.objectContaining({ code: 'DELIVERY_URL_REFUSED' }),
    );
    expect(createChannel({ type: 'webhook', url: 'http://192.168.1.10/hook', allowPrivateNetwork: true }, { env }).kind).toBe('webhook');
  });

  it('delivers end to end with secrets from the environment and the retry settings of the spec', async () => {
    const server = await serve([{ method: 'POST', path: '/hook', reply: [{ status: 503 }, { status: 200 }] }]);
    const delays: number[] = [];
    const channel = createChannel(
      channelSpecSchema.parse({
        type: 'webhook',
        name: 'ci',
        url: { env: 'HOOK_URL' },
        secret: { env: 'HOOK_SECRET' },
        allowPrivateNetwork: true,
        maxAttempts: 2,
        retryBaseMs: 40,
      }),
      { env: { HOOK_URL: `${server.url}/hook`, HOOK_SECRET: 'k' }, sleep: async (ms) => void delays.push(ms), random: () => 1 },
    );
    const result = await channel.send(makeContent(makeDigest([makeEntry(1)])));
    expect(result).toMatchObject({ status: 'sent', attempts: 2 });
    expect(delays).toEqual([40]);
    const request = server.requests[1]!;
    expect(request.headers['x-xivdigest-signature']).toBe(`sha256=${createHmac('sha256', 'k').update(request.body).digest('hex')}`);
  });
});
