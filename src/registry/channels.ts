/**
 * The channel registry: every delivery channel type with its options' zod schema (`channels/<id>/options.ts`, zod
 * only), the Content-Type it sends, and a lazy factory from the config entry to the adapter's options. The config
 * schema's `outputs.channels` union, `config schema`'s JSON Schema, `config check` and `createChannel`
 * (src/app-channels.ts) are derived from it; the channels' code (SMTP, HTTP) loads only when a channel is created.
 */
import { z } from 'zod';
import type { Channel } from '../core/channel.js';
import type { ChannelContext } from '../channels/index.js';
import { dingTalkChannelSchema } from '../channels/dingtalk/options.js';
import { discordChannelSchema } from '../channels/discord/options.js';
import { emailChannelSchema } from '../channels/email/options.js';
import { feishuChannelSchema } from '../channels/feishu/options.js';
import { slackChannelSchema } from '../channels/slack/options.js';
import { telegramChannelSchema } from '../channels/telegram/options.js';
import { webhookChannelSchema } from '../channels/webhook/options.js';
import { weComChannelSchema } from '../channels/wecom/options.js';
import { registryIds, type RegistryEntry } from './registry.js';

/** Makes a channel from its (parsed) config entry, after the shared checks (`prepareChannel`) gave `context`. */
export type ChannelFactory<Spec = never> = (spec: Spec, context: ChannelContext) => Channel;

export interface ChannelEntry<Options extends z.ZodType<{ type: string }> = z.ZodType<{ type: string }>> extends RegistryEntry<
  ChannelFactory<z.output<Options>>
> {
  /** The zod schema of one entry of this type in `outputs.channels` (`type` is its discriminator). */
  options: Options;
  /** The Content-Type of the body it sends. */
  mediaType: string;
}

/** Types one entry: the factory's `spec` is what its `options` schema parses. */
function channel<Options extends z.ZodType<{ type: string }>>(entry: ChannelEntry<Options>): ChannelEntry<Options> {
  return entry;
}

const json = 'application/json; charset=utf-8';

export const channels = {
  email: channel({
    options: emailChannelSchema,
    mediaType: 'multipart/alternative',
    description: 'e-mail over SMTP: the HTML digest with a plain-text part',
    load: async () => {
      const { createEmailChannel } = await import('../channels/email/index.js');
      return (spec, { base, secret }) =>
        createEmailChannel({
          ...base,
          host: spec.host,
          ...(spec.port !== undefined ? { port: spec.port } : {}),
          ...(spec.secure !== undefined ? { secure: spec.secure } : {}),
          ...(spec.requireTLS !== undefined ? { requireTLS: spec.requireTLS } : {}),
          ...(spec.ignoreTLS !== undefined ? { ignoreTLS: spec.ignoreTLS } : {}),
          ...(spec.tls ? { tls: spec.tls } : {}),
          ...(spec.user !== undefined && spec.password !== undefined ? { auth: { user: spec.user, pass: secret(spec.password, 'password') } } : {}),
          from: spec.from,
          ...(spec.replyTo ? { replyTo: spec.replyTo } : {}),
          to: spec.to ?? [],
          ...(spec.cc ? { cc: spec.cc } : {}),
          ...(spec.bcc ? { bcc: spec.bcc } : {}),
        });
    },
  }),
  slack: channel({
    options: slackChannelSchema,
    mediaType: json,
    description: 'a Slack incoming webhook (Block Kit)',
    load: async () => {
      const { createSlackChannel } = await import('../channels/slack/index.js');
      return (spec, { base, secret }) => createSlackChannel({ ...base, webhookUrl: secret(spec.webhookUrl, 'webhookUrl') });
    },
  }),
  discord: channel({
    options: discordChannelSchema,
    mediaType: json,
    description: 'a Discord webhook (embeds)',
    load: async () => {
      const { createDiscordChannel } = await import('../channels/discord/index.js');
      return (spec, { base, secret }) =>
        createDiscordChannel({ ...base, webhookUrl: secret(spec.webhookUrl, 'webhookUrl'), ...(spec.username ? { username: spec.username } : {}) });
    },
  }),
  telegram: channel({
    options: telegramChannelSchema,
    mediaType: json,
    description: 'a Telegram bot (Bot API sendMessage)',
    load: async () => {
      const { createTelegramChannel } = await import('../channels/telegram/index.js');
      return (spec, { base, secret }) =>
        createTelegramChannel({
          ...base,
          botToken: secret(spec.botToken, 'botToken'),
          chatId: spec.chatId,
          ...(spec.baseUrl ? { baseUrl: spec.baseUrl } : {}),
          ...(spec.messageThreadId !== undefined ? { messageThreadId: spec.messageThreadId } : {}),
          ...(spec.disableNotification !== undefined ? { disableNotification: spec.disableNotification } : {}),
        });
    },
  }),
  feishu: channel({
    options: feishuChannelSchema,
    mediaType: json,
    description: 'a Feishu / Lark custom bot (interactive card)',
    load: async () => {
      const { createFeishuChannel } = await import('../channels/feishu/index.js');
      return (spec, { base, secret }) =>
        createFeishuChannel({
          ...base,
          webhookUrl: secret(spec.webhookUrl, 'webhookUrl'),
          ...(spec.secret ? { secret: secret(spec.secret, 'secret') } : {}),
          ...(spec.template ? { template: spec.template } : {}),
        });
    },
  }),
  dingtalk: channel({
    options: dingTalkChannelSchema,
    mediaType: json,
    description: 'a DingTalk robot (Markdown message)',
    load: async () => {
      const { createDingTalkChannel } = await import('../channels/dingtalk/index.js');
      return (spec, { base, secret }) =>
        createDingTalkChannel({
          ...base,
          webhookUrl: secret(spec.webhookUrl, 'webhookUrl'),
          ...(spec.secret ? { secret: secret(spec.secret, 'secret') } : {}),
        });
    },
  }),
  wecom: channel({
    options: weComChannelSchema,
    mediaType: json,
    description: 'a WeCom group robot (Markdown message)',
    load: async () => {
      const { createWeComChannel } = await import('../channels/wecom/index.js');
      return (spec, { base, secret }) => createWeComChannel({ ...base, webhookUrl: secret(spec.webhookUrl, 'webhookUrl') });
    },
  }),
  webhook: channel({
    options: webhookChannelSchema,
    mediaType: json,
    description: 'any HTTP endpoint: the digest as signed JSON',
    load: async () => {
      const { createWebhookChannel } = await import('../channels/webhook/index.js');
      return (spec, { base, secret }) =>
        createWebhookChannel({
          ...base,
          url: secret(spec.url, 'url'),
          ...(spec.secret ? { secret: secret(spec.secret, 'secret') } : {}),
          ...(spec.headers
            ? { headers: Object.fromEntries(Object.entries(spec.headers).map(([name, value]) => [name, secret(value, `headers.${name}`)])) }
            : {}),
          ...(spec.includeRenderings !== undefined ? { includeRenderings: spec.includeRenderings } : {}),
        });
    },
  }),
};

export type ChannelType = keyof typeof channels;

export const CHANNEL_TYPES = registryIds(channels);

type ChannelOptions = (typeof channels)[ChannelType]['options'];

/** One delivery channel in the config, discriminated on `type`: the union of the registry's options schemas. */
export const channelSpecSchema = z
  .discriminatedUnion('type', Object.values(channels).map((entry) => entry.options) as unknown as [ChannelOptions, ...ChannelOptions[]])
  .describe(`A delivery channel: ${CHANNEL_TYPES.slice(0, -1).join(', ')} or ${CHANNEL_TYPES.at(-1)}.`);

export type ChannelSpec = z.infer<typeof channelSpecSchema>;
