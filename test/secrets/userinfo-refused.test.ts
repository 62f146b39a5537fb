/** A URL with `user:password@` written in the config is refused with a hint to use the environment (decision 0025). */
import { describe, expect, it } from 'vitest';
import { createChannel, channelSpecSchema, type ChannelSpec } from '../../src/app-channels.js';
import { configSchema } from '../../src/core/config/schema.js';
import { XivdigestError } from '../../src/core/errors.js';

function refusal(spec: Record<string, unknown>): XivdigestError {
  try {
    createChannel(spec as ChannelSpec, { env: { HOOK: 'https://u:pw-from-env@hooks.example.org/in' } });
  } catch (error) {
    if (XivdigestError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('userinfo in configured URLs', () => {
  for (const spec of [
    { type: 'webhook', url: 'https://user:hunter22@hooks.example.org/in' },
    { type: 'slack', webhookUrl: 'https://x:y@hooks.slack.com/services/T1/B2/abc' },
    { type: 'discord', webhookUrl: 'https://token@discord.com/api/webhooks/1/abc' },
    { type: 'telegram', botToken: '1:abc', chatId: 1, baseUrl: 'https://u:p@api.telegram.org' },
  ]) {
    it(`refuses ${spec.type} with user:password@, naming the field and the environment`, () => {
      const error = refusal(spec);
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.oneLine).toMatch(/user:password@/);
      expect(error.oneLine).toMatch(/environment variable/);
      expect(error.oneLine).not.toMatch(/hunter22/);
      expect(channelSpecSchema.safeParse(spec).success).toBe(false);
    });
  }

  it('accepts the same URL from the environment (and it is not refused at creation)', () => {
    expect(channelSpecSchema.safeParse({ type: 'webhook', url: { env: 'HOOK' } }).success).toBe(true);
    expect(() =>
      createChannel({ type: 'webhook', url: { env: 'HOOK' }, allowPrivateNetwork: true } as ChannelSpec, {
        env: { HOOK: 'https://u:pw-from-env@hooks.example.org/in' },
      }),
    ).not.toThrow();
  });

  it('refuses llm.baseUrl with user:password@ in the config schema', () => {
    const parsed = configSchema.safeParse({ llm: { baseUrl: 'https://key:secret@api.example.org/v1' } });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toMatch(/user:password@ is refused/);
    expect(configSchema.safeParse({ llm: { baseUrl: 'https://api.example.org/v1' } }).success).toBe(true);
  });
});
