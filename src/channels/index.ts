/** `createChannel(spec)`: the checks every channel shares (secrets, URLs, retries), then the type's factory; the registry of types is src/registry/channels.ts. */
import { hasUserinfo, rememberSecrets } from '../core/redact.js';
import type { Channel } from '../core/channel.js';
import { XivdigestError } from '../core/errors.js';
import { createDingTalkChannel } from './dingtalk/index.js';
import { createDiscordChannel } from './discord/index.js';
import { createEmailChannel } from './email/index.js';
import { createFeishuChannel } from './feishu/index.js';
import type { RetryOptions } from './shared/http.js';
import { createSlackChannel } from './slack/index.js';
import { createTelegramChannel } from './telegram/index.js';
import { createWebhookChannel } from './webhook/index.js';
import { createWeComChannel } from './wecom/index.js';

export { createDingTalkChannel, createDiscordChannel, createEmailChannel, createFeishuChannel, createSlackChannel, createTelegramChannel, createWebhookChannel, createWeComChannel };

export {
  channelSpecSchema,
  secretSchema,
  type ChannelSpec,
  type ChannelType,
  type Secret,
} from './spec.js';
import { channelSpecSchema, type ChannelSpec, type Secret } from './spec.js';

/** What `createChannel` takes besides the spec. */
export interface ChannelRuntime {
  /** Where `{ env }` secrets are read: the config loader's environment (only the loader reads `process.env`). */
  env: Readonly<Record<string, string | undefined>>;
  /** Wait and jitter for retries (tests make them instant). */
  sleep?: RetryOptions['sleep'];
  random?: RetryOptions['random'];
}

/** Resolves a secret; throws CONFIG_INVALID naming the missing variable. */
export function resolveSecret(secret: Secret, where: string, env: Readonly<Record<string, string | undefined>>): string {
  if (typeof secret === 'string') return secret;
  const value = env[secret.env];
  if (value === undefined || value.trim() === '') {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `${where} is read from the environment variable ${secret.env}, which is not set`,
      hint: `Set ${secret.env} in the environment (or the .env file) of the process that delivers`,
      details: { variable: secret.env },
    });
  }
  rememberSecrets(value.trim());
  return value.trim();
}

/** Creates a channel from its config; throws CONFIG_INVALID (bad or missing settings) or DELIVERY_URL_REFUSED. */
export function createChannel(spec: ChannelSpec, runtime: ChannelRuntime): Channel {
  const env = runtime.env;
  const where = (field: string): string => `${spec.type} channel ${spec.name ?? 'default'}: ${field}`;
  refuseUserinfo(spec, where);
  const secret = (value: Secret, field: string): string => resolveSecret(value, where(field), env);
  const retry: RetryOptions = {
    ...(spec.maxAttempts !== undefined ? { maxAttempts: spec.maxAttempts } : {}),
    ...(spec.retryBaseMs !== undefined ? { baseDelayMs: spec.retryBaseMs } : {}),
    ...(spec.maxRetryDelayMs !== undefined ? { maxDelayMs: spec.maxRetryDelayMs } : {}),
    ...(runtime.sleep ? { sleep: runtime.sleep } : {}),
    ...(runtime.random ? { random: runtime.random } : {}),
  };
  const base = {
    ...(spec.name !== undefined ? { name: spec.name } : {}),
    ...(spec.allowPrivateNetwork !== undefined ? { allowPrivateNetwork: spec.allowPrivateNetwork } : {}),
    ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
    retry,
  };
  switch (spec.type) {
    case 'email':
      return createEmailChannel({
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
    case 'slack':
      return createSlackChannel({ ...base, webhookUrl: secret(spec.webhookUrl, 'webhookUrl') });
    case 'discord':
      return createDiscordChannel({ ...base, webhookUrl: secret(spec.webhookUrl, 'webhookUrl'), ...(spec.username ? { username: spec.username } : {}) });
    case 'telegram':
      return createTelegramChannel({
        ...base,
        botToken: secret(spec.botToken, 'botToken'),
        chatId: spec.chatId,
        ...(spec.baseUrl ? { baseUrl: spec.baseUrl } : {}),
        ...(spec.messageThreadId !== undefined ? { messageThreadId: spec.messageThreadId } : {}),
        ...(spec.disableNotification !== undefined ? { disableNotification: spec.disableNotification } : {}),
      });
    case 'feishu':
      return createFeishuChannel({
        ...base,
        webhookUrl: secret(spec.webhookUrl, 'webhookUrl'),
        ...(spec.secret ? { secret: secret(spec.secret, 'secret') } : {}),
        ...(spec.template ? { template: spec.template } : {}),
      });
    case 'dingtalk':
      return createDingTalkChannel({ ...base, webhookUrl: secret(spec.webhookUrl, 'webhookUrl'), ...(spec.secret ? { secret: secret(spec.secret, 'secret') } : {}) });
    case 'wecom':
      return createWeComChannel({ ...base, webhookUrl: secret(spec.webhookUrl, 'webhookUrl') });
    case 'webhook':
      return createWebhookChannel({
        ...base,
        url: secret(spec.url, 'url'),
        ...(spec.secret ? { secret: secret(spec.secret, 'secret') } : {}),
        ...(spec.headers ? { headers: Object.fromEntries(Object.entries(spec.headers).map(([name, value]) => [name, secret(value, `headers.${name}`)])) } : {}),
        ...(spec.includeRenderings !== undefined ? { includeRenderings: spec.includeRenderings } : {}),
      });
    default: {
      // Unreachable for a spec the config schema accepted; a new type without a case fails to compile here.
      const unknown: never = spec;
      throw new XivdigestError({
        code: 'CONFIG_INVALID',
        message: `unknown channel type ${JSON.stringify((unknown as { type?: unknown }).type)}`,
        hint: `Use one of: ${channelSpecSchema.options.map((option) => option.shape.type.value).join(', ')}`,
      });
    }
  }
}

/** A URL written in the config with `user:password@` is refused: that secret belongs in the environment (decision 0025). */
function refuseUserinfo(spec: ChannelSpec, where: (field: string) => string): void {
  for (const field of ['url', 'webhookUrl', 'baseUrl'] as const) {
    const value = (spec as Record<string, unknown>)[field];
    if (typeof value === 'string' && hasUserinfo(value)) {
      throw new XivdigestError({
        code: 'CONFIG_INVALID',
        message: `${where(field)} carries user:password@ in the config file`,
        hint: `Move the whole URL to an environment variable and write { "env": "VARIABLE" } as ${field}`,
        details: { field },
      });
    }
  }
}
