/** The few cryptographic steps of accounts (docs/decisions/0038): random tokens, their hashes, and keyed tags. */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url: a sign-in link's token, a session id, a browser id. */
export const randomToken = (): string => randomBytes(32).toString('base64url');

/** What the database keeps instead of a token: its SHA-256, hex. */
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** HMAC-SHA256 of `parts` under the site's secret, base64url. */
export const keyedTag = (secret: string, ...parts: string[]): string => createHmac('sha256', secret).update(parts.join('\u0000'), 'utf8').digest('base64url');

/** Compares two strings in time that does not depend on where they differ. */
export function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
