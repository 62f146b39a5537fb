/**
 * Channel secrets of readers' subscriptions (docs/decisions/0039): webhook URLs with their tokens, bot tokens, signing
 * secrets and the Zotero key, encrypted with AES-256-GCM under a key from the environment (`XIVDIGEST_SECRET_KEY`,
 * read from the config loader's frozen environment), bound to the subscription's id, and shown back only masked.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { XivdigestError } from '../../core/errors.js';

export const SECRET_KEY_VARIABLE = 'XIVDIGEST_SECRET_KEY';

/** Secrets by their dotted path in the subscription, e.g. `outputs.channels.1.webhookUrl`. */
export type SecretValues = Record<string, string>;

/**
 * The key from the environment: 32 bytes, written as 64 hex digits or base64 (e.g. `openssl rand -base64 32`).
 * Undefined when the variable is unset; CONFIG_INVALID naming the variable when it is set but not such a key.
 */
export function secretKeyFrom(env: Readonly<Record<string, string | undefined>>): Buffer | undefined {
  const text = env[SECRET_KEY_VARIABLE]?.trim();
  if (!text) return undefined;
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : /^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(text) ? Buffer.from(text, 'base64') : undefined;
  if (!key || key.length !== 32) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `The environment variable ${SECRET_KEY_VARIABLE} is not a 32-byte key`,
      hint: `Set it to 32 random bytes in base64 or hex, e.g. ${SECRET_KEY_VARIABLE}=$(openssl rand -base64 32)`,
    });
  }
  return key;
}

/** The error a reader sees when they enter a secret and the site has no key to keep it with. */
export function noSecretKeyError(): XivdigestError {
  return new XivdigestError({
    code: 'CONFIG_INVALID',
    message: `This site cannot keep secrets (webhook URLs, bot tokens, API keys) yet: the environment variable ${SECRET_KEY_VARIABLE} is not set`,
    hint: `Ask the operator to set ${SECRET_KEY_VARIABLE} to 32 random bytes (openssl rand -base64 32) and restart xivdigest serve`,
  });
}

/** `v1.<iv>.<tag>.<ciphertext>` (base64url) of the secrets as JSON, with the subscription's id as associated data. */
export function encryptSecrets(key: Buffer, subscriptionId: string, values: SecretValues): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`xivdigest-subscription:${subscriptionId}`, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

/** The secrets back; STORE_ERROR when the key is missing or another one, or the text was altered or moved to another row. */
export function decryptSecrets(key: Buffer | undefined, subscriptionId: string, text: string): SecretValues {
  if (!key) throw noSecretKeyError();
  const [version, iv, tag, ciphertext] = text.split('.');
  try {
    if (version !== 'v1' || !iv || !tag || ciphertext === undefined) throw new Error('not a v1 ciphertext');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(`xivdigest-subscription:${subscriptionId}`, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const plain = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    return JSON.parse(plain) as SecretValues;
  } catch (cause) {
    throw new XivdigestError({
      code: 'STORE_ERROR',
      message: `The secrets of subscription ${subscriptionId} cannot be decrypted`,
      hint: `${SECRET_KEY_VARIABLE} must be the key they were stored with; if it was changed, the reader enters the secrets again`,
      cause,
    });
  }
}

/** A secret as the form shows it: its last 4 characters only (none of a short one). */
export function maskSecret(value: string): string {
  return value.length >= 12 ? `••••${value.slice(-4)}` : '••••';
}
