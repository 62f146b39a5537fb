/**
 * The channel registry: every delivery channel type with its options' zod schema (from channels/spec.ts, zod only) and
 * a lazy factory. The config schema's `outputs.channels` union, `config schema`'s JSON Schema and `config check` are
 * derived from it; the channels' code (SMTP, HTTP) loads only when a channel is created.
 */
import { z } from 'zod';
import type { Channel } from '../core/channel.js';
import type { ChannelRuntime } from '../channels/index.js';
import {
  dingTalkChannelSchema,
  discordChannelSchema,
  emailChannelSchema,
  feishuChannelSchema,
  slackChannelSchema,
  telegramChannelSchema,
  webhookChannelSchema,
  weComChannelSchema,
  type ChannelSpec,
} from '../channels/spec.js';
import { registryIds, type RegistryEntry } from './registry.js';

export type ChannelFactory = (spec: ChannelSpec, runtime: ChannelRuntime) => Channel;

export interface ChannelEntry extends RegistryEntry<ChannelFactory> {
  /** The zod schema of one entry of this type in `outputs.channels` (`type` is its discriminator). */
  options: z.ZodType;
  /** The Content-Type of the body it sends. */
  mediaType: string;
}

/** `createChannel` (channels/index.ts) makes every type, after the checks all channels share (secrets, URLs). */
const load = async (): Promise<ChannelFactory> => (await import('../channels/index.js')).createChannel;

export const channels = {
  email: { options: emailChannelSchema, mediaType: 'multipart/alternative', description: 'e-mail over SMTP: the HTML digest with a plain-text part', load },
  slack: { options: slackChannelSchema, mediaType: 'application/json; charset=utf-8', description: 'a Slack incoming webhook (Block Kit)', load },
  discord: { options: discordChannelSchema, mediaType: 'application/json; charset=utf-8', description: 'a Discord webhook (embeds)', load },
  telegram: { options: telegramChannelSchema, mediaType: 'application/json; charset=utf-8', description: 'a Telegram bot (Bot API sendMessage)', load },
  feishu: { options: feishuChannelSchema, mediaType: 'application/json; charset=utf-8', description: 'a Feishu / Lark custom bot (interactive card)', load },
  dingtalk: { options: dingTalkChannelSchema, mediaType: 'application/json; charset=utf-8', description: 'a DingTalk robot (Markdown message)', load },
  wecom: { options: weComChannelSchema, mediaType: 'application/json; charset=utf-8', description: 'a WeCom group robot (Markdown message)', load },
  webhook: { options: webhookChannelSchema, mediaType: 'application/json; charset=utf-8', description: 'any HTTP endpoint: the digest as signed JSON', load },
} as const satisfies { [Type in ChannelSpec['type']]: ChannelEntry & { options: z.ZodType<Extract<ChannelSpec, { type: Type }>> } };

export type ChannelType = keyof typeof channels;

export const CHANNEL_TYPES = registryIds(channels);

type ChannelOptions = (typeof channels)[ChannelType]['options'];

/** One delivery channel in the config, discriminated on `type`: the union of the registry's options schemas. */
export const channelSpecSchema = z
  .discriminatedUnion('type', Object.values(channels).map((entry) => entry.options) as unknown as [ChannelOptions, ...ChannelOptions[]])
  .describe(`A delivery channel: ${CHANNEL_TYPES.slice(0, -1).join(', ')} or ${CHANNEL_TYPES.at(-1)}.`);
