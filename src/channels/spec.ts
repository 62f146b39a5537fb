/** The channels' config schema (zod only, so that loading the config does not load SMTP or HTTP code). */
import { z } from 'zod';
import { hasUserinfo } from '../core/redact.js';

/** A secret: the value itself, or `{ env: 'NAME' }` to read it from the environment when the channel is created. */
export const secretSchema = z
  .union([z.string().min(1), z.object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') }).strict()])
  .describe('A secret value, or { "env": "VARIABLE" } to read it from the environment (keeps it out of the file).');

export type Secret = z.infer<typeof secretSchema>;

const userinfoMessage = 'a URL with user:password@ in the config file is refused: put the whole URL in the environment and write { "env": "VARIABLE" } here (decision 0025)';
/** A URL secret: written in the file, it must not carry `user:password@` (such a secret belongs in the environment). */
const urlSecretSchema = secretSchema.refine((value) => typeof value !== 'string' || !hasUserinfo(value), { message: userinfoMessage });

const common = {
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash or underscore').optional().describe('Names the channel in its id, `<type>:<name>`, and in run records (default `default`).'),
  allowPrivateNetwork: z.boolean().optional().describe('Allow URLs that point to private, loopback or link-local addresses (refused by default).'),
  timeoutMs: z.number().int().positive().optional().describe('Per-request timeout in milliseconds (default 30 000).'),
  maxAttempts: z.number().int().min(1).max(10).optional().describe('Tries per message, the first included (default 4; e-mail 3).'),
  retryBaseMs: z.number().int().min(0).optional().describe('First retry delay; it doubles each time, with jitter (default 1000; e-mail 5000).'),
  maxRetryDelayMs: z.number().int().min(0).optional().describe('Longest wait between tries; a longer Retry-After fails instead (default 60 000).'),
};

const httpUrl = z.string().url().refine((value) => !hasUserinfo(value), { message: userinfoMessage });
const addresses = z.union([z.string().min(3), z.array(z.string().min(3)).min(1)]);

export const emailChannelSchema = z
  .object({
    type: z.literal('email'),
    ...common,
    host: z.string().min(1).describe('SMTP server host.'),
    port: z.number().int().min(1).max(65535).optional().describe('Default 465 with secure, else 587.'),
    secure: z.boolean().optional().describe('Implicit TLS (port 465).'),
    requireTLS: z.boolean().optional().describe('Require STARTTLS (port 587).'),
    ignoreTLS: z.boolean().optional().describe('Never use STARTTLS (trusted local relay only).'),
    tls: z
      .object({ rejectUnauthorized: z.boolean().optional(), servername: z.string().optional(), ca: z.string().optional() })
      .strict()
      .optional()
      .describe('TLS settings: a private CA (PEM), the name to verify, or (tests only) no verification.'),
    user: z.string().min(1).optional().describe('SMTP AUTH user.'),
    password: secretSchema.optional().describe('SMTP AUTH password.'),
    from: z.string().min(3).describe('Sender, e.g. "xivdigest <digest@example.org>".'),
    replyTo: z.string().min(3).optional(),
    to: addresses.optional(),
    cc: addresses.optional(),
    bcc: addresses.optional(),
  })
  .strict()
  .refine((spec) => spec.to !== undefined || spec.cc !== undefined || spec.bcc !== undefined, { message: 'give at least one recipient in to, cc or bcc' })
  .refine((spec) => (spec.user === undefined) === (spec.password === undefined), { message: 'give both user and password, or neither' });

export const slackChannelSchema = z
  .object({ type: z.literal('slack'), ...common, webhookUrl: urlSecretSchema.describe('Incoming webhook URL (a secret).') })
  .strict();

export const discordChannelSchema = z
  .object({
    type: z.literal('discord'),
    ...common,
    webhookUrl: urlSecretSchema.describe('Webhook URL (a secret: it holds the token).'),
    username: z.string().min(1).max(80).optional(),
  })
  .strict();

export const telegramChannelSchema = z
  .object({
    type: z.literal('telegram'),
    ...common,
    botToken: secretSchema.describe('Bot token from @BotFather.'),
    chatId: z.union([z.string().min(1), z.number().int()]).describe('Chat id (e.g. -1001234567890) or @channelusername.'),
    baseUrl: httpUrl.optional().describe('Bot API root (default https://api.telegram.org).'),
    messageThreadId: z.number().int().optional(),
    disableNotification: z.boolean().optional(),
  })
  .strict();

export const feishuChannelSchema = z
  .object({
    type: z.literal('feishu'),
    ...common,
    webhookUrl: urlSecretSchema.describe('Custom bot webhook URL (open.feishu.cn or open.larksuite.com).'),
    secret: secretSchema.optional().describe('Signing secret, when the bot has signature verification on.'),
    template: z.string().min(1).optional().describe('Card header colour (default blue).'),
  })
  .strict();

export const dingTalkChannelSchema = z
  .object({
    type: z.literal('dingtalk'),
    ...common,
    webhookUrl: urlSecretSchema.describe('Robot webhook URL with access_token.'),
    secret: secretSchema.optional().describe('Signing secret (SEC…), when the robot uses 加签.'),
  })
  .strict();

export const weComChannelSchema = z
  .object({ type: z.literal('wecom'), ...common, webhookUrl: urlSecretSchema.describe('Group robot webhook URL with key.') })
  .strict();

export const webhookChannelSchema = z
  .object({
    type: z.literal('webhook'),
    ...common,
    url: urlSecretSchema.describe('Where the JSON payload is POSTed.'),
    secret: secretSchema.optional().describe('HMAC-SHA256 key for X-Xivdigest-Signature.'),
    headers: z.record(z.string(), secretSchema).optional().describe('Extra request headers, e.g. Authorization.'),
    includeRenderings: z.boolean().optional().describe('Include the HTML and Markdown renderings (default true).'),
  })
  .strict();

/** One delivery channel in the config, discriminated on `type`. */
export const channelSpecSchema = z
  .discriminatedUnion('type', [
    emailChannelSchema,
    slackChannelSchema,
    discordChannelSchema,
    telegramChannelSchema,
    feishuChannelSchema,
    dingTalkChannelSchema,
    weComChannelSchema,
    webhookChannelSchema,
  ])
  .describe('A delivery channel: email, slack, discord, telegram, feishu, dingtalk, wecom or webhook.');

export type ChannelSpec = z.infer<typeof channelSpecSchema>;
export type ChannelType = ChannelSpec['type'];
