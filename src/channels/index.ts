/** `prepareChannel`: the checks every channel type shares (secrets, URLs, retries); the types are listed in src/registry/channels.ts. */
import { hasUserinfo, rememberSecrets } from '../core/redact.js';
import { XivdigestError } from '../core/errors.js';
import type { RetryOptions } from './shared/http.js';

export { secretSchema, type Secret } from './spec.js';
import type { Secret } from './spec.js';

/** What every channel entry of the config holds besides its own options (channels/spec.ts's `channelCommon`). */
export interface CommonChannelSpec {
  type: string;
  name?: string | undefined;
  allowPrivateNetwork?: boolean | undefined;
  timeoutMs?: number | undefined;
  maxAttempts?: number | undefined;
  retryBaseMs?: number | undefined;
  maxRetryDelayMs?: number | undefined;
}

/** What a channel type's factory (its entry in src/registry/channels.ts) gets besides its spec. */
export interface ChannelContext {
  /** The common options every `create*Channel` takes: name, private network, timeout, retries. */
  base: { name?: string; allowPrivateNetwork?: boolean; timeoutMs?: number; retry: RetryOptions };
  /** Resolves a secret (`{ env }` from the environment); throws CONFIG_INVALID naming the field and the variable. */
  secret(value: Secret, field: string): string;
}

/** What `createChannel` (src/app-channels.ts) takes besides the spec. */
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

/**
 * The checks every channel shares, before its type's factory runs: a URL with `user:password@` is refused, secrets are
 * resolved from the environment on demand, retries and timeouts are gathered. Throws CONFIG_INVALID.
 */
export function prepareChannel(spec: CommonChannelSpec, runtime: ChannelRuntime): ChannelContext {
  const env = runtime.env;
  const where = (field: string): string => `${spec.type} channel ${spec.name ?? 'default'}: ${field}`;
  refuseUserinfo(spec, where);
  const retry: RetryOptions = {
    ...(spec.maxAttempts !== undefined ? { maxAttempts: spec.maxAttempts } : {}),
    ...(spec.retryBaseMs !== undefined ? { baseDelayMs: spec.retryBaseMs } : {}),
    ...(spec.maxRetryDelayMs !== undefined ? { maxDelayMs: spec.maxRetryDelayMs } : {}),
    ...(runtime.sleep ? { sleep: runtime.sleep } : {}),
    ...(runtime.random ? { random: runtime.random } : {}),
  };
  return {
    base: {
      ...(spec.name !== undefined ? { name: spec.name } : {}),
      ...(spec.allowPrivateNetwork !== undefined ? { allowPrivateNetwork: spec.allowPrivateNetwork } : {}),
      ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
      retry,
    },
    secret: (value, field) => resolveSecret(value, where(field), env),
  };
}

/** A URL written in the config with `user:password@` is refused: that secret belongs in the environment (decision 0025). */
function refuseUserinfo(spec: CommonChannelSpec, where: (field: string) => string): void {
  for (const field of ['url', 'webhookUrl', 'baseUrl'] as const) {
    const value = (spec as unknown as Record<string, unknown>)[field];
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
