/**
 * Signed one-click links (docs/decisions/0040): "★ more like this", "hide" and "unsubscribe" in delivered digests.
 * A link names its subscription, paper, action and recipient (an email address or a chat channel's id) and when it
 * expires, and carries HMAC-SHA256 of all of them under a key derived from the site's secret, so that none of them can
 * be changed. The same key and tag make the tokens of readers' private feed addresses (docs/decisions/0063).
 * Pure: node:crypto only.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type LinkAction = 'star' | 'hide' | 'unsubscribe';
export const LINK_ACTIONS: readonly LinkAction[] = ['star', 'hide', 'unsubscribe'];

export interface LinkClaims {
  action: LinkAction;
  subscription: string;
  /** The arXiv id; empty for `unsubscribe`. */
  paperId: string;
  /** An email address (lower-cased) or a channel id such as `slack:team`. */
  recipient: string;
  /** Unix seconds. */
  expires: number;
}

/** What a private feed address (docs/decisions/0063) binds: whose subscription, which one, and its key's generation. */
export interface FeedClaims {
  readerId: string;
  /** The subscription's id: a subscription deleted and made again under its name gets new addresses. */
  subscriptionId: string;
  /** The subscription's name: a rename gives a new address. */
  subscription: string;
  /** Raised by "reset the address": every older address stops working. */
  generation: number;
}

export type LinkCheck = { ok: true; claims: LinkClaims } | { ok: false; reason: 'malformed' | 'altered' | 'expired'; claims?: LinkClaims };

export interface LinkSignerOptions {
  /** The site's secret (`web.secret`, 32+ characters). */
  secret: string;
  /** The site's public address, e.g. `https://digest.example.org` (`web.baseUrl`). */
  baseUrl: string;
  /** How long feedback links work (default 60 days). */
  feedbackTtlDays?: number;
  /** How long unsubscribe links work (default 365 days). */
  unsubscribeTtlDays?: number;
  now?: () => Date;
}

export interface LinkSigner {
  /** The absolute URL of a star or hide link. */
  feedbackUrl(subscription: string, paperId: string, action: 'star' | 'hide', recipient: string): string;
  /** The absolute URL of an unsubscribe link (also the RFC 8058 one-click POST target). */
  unsubscribeUrl(subscription: string, recipient: string): string;
  /** Checks a link's query (`s`, `p`, `a`, `r`, `x`, `t`) against its signature and the clock. */
  verify(query: Readonly<Record<string, string | undefined>>): LinkCheck;
  /** The token of a private feed address (docs/decisions/0063): a capability, with no expiry, revoked by a new generation. */
  feedToken(claims: FeedClaims): string;
  /** Whether `token` is the one of these claims (in time that does not depend on where it differs). */
  verifyFeedToken(claims: FeedClaims, token: string): boolean;
}

export const FEEDBACK_PATH = '/feedback/link';
export const UNSUBSCRIBE_PATH = '/unsubscribe';

/** Emails are compared lower-cased and trimmed; channel ids as they are. */
export const normalizeRecipient = (recipient: string): string => (recipient.includes('@') ? recipient.trim().toLowerCase() : recipient.trim());

export function createLinkSigner(options: LinkSignerOptions): LinkSigner {
  // A key of its own, so that a link's tag can never be replayed as a CSRF token or a cookie signature.
  const key = createHmac('sha256', options.secret).update('xivdigest signed links v1', 'utf8').digest();
  const now = options.now ?? (() => new Date());
  const base = options.baseUrl.replace(/\/+$/, '');
  const tag = (claims: LinkClaims): string =>
    createHmac('sha256', key)
      .update(['v1', claims.action, claims.subscription, claims.paperId, claims.recipient, String(claims.expires)].join('\u0000'), 'utf8')
      .digest()
      .subarray(0, 16)
      .toString('base64url');
  // The same key and tag: a second field `private-feed` never equals a link's action, so no tag is valid as the other.
  const feedTag = (claims: FeedClaims): string =>
    createHmac('sha256', key)
      .update(['v1', 'private-feed', claims.readerId, claims.subscriptionId, claims.subscription, String(claims.generation)].join('\u0000'), 'utf8')
      .digest()
      .subarray(0, 16)
      .toString('base64url');
  const expiry = (days: number) => Math.floor(now().getTime() / 1000) + Math.round(days * 86400);
  const url = (path: string, claims: LinkClaims): string => {
    const query = new URLSearchParams({ s: claims.subscription });
    if (claims.paperId) query.set('p', claims.paperId);
    if (claims.action !== 'unsubscribe') query.set('a', claims.action);
    query.set('r', claims.recipient);
    query.set('x', String(claims.expires));
    query.set('t', tag(claims));
    return `${base}${path}?${query.toString()}`;
  };
  return {
    feedbackUrl(subscription, paperId, action, recipient) {
      return url(FEEDBACK_PATH, { action, subscription, paperId, recipient: normalizeRecipient(recipient), expires: expiry(options.feedbackTtlDays ?? 60) });
    },
    unsubscribeUrl(subscription, recipient) {
      return url(UNSUBSCRIBE_PATH, {
        action: 'unsubscribe',
        subscription,
        paperId: '',
        recipient: normalizeRecipient(recipient),
        expires: expiry(options.unsubscribeTtlDays ?? 365),
      });
    },
    verify(query) {
      const action = (query.a ?? 'unsubscribe') as LinkAction;
      const expires = Number(query.x);
      if (!query.s || !query.r || !query.t || !LINK_ACTIONS.includes(action) || !Number.isInteger(expires) || (action !== 'unsubscribe') !== Boolean(query.p)) {
        return { ok: false, reason: 'malformed' };
      }
      const claims: LinkClaims = { action, subscription: query.s, paperId: query.p ?? '', recipient: query.r, expires };
      const wanted = Buffer.from(tag(claims), 'utf8');
      const given = Buffer.from(query.t, 'utf8');
      if (wanted.length !== given.length || !timingSafeEqual(wanted, given)) return { ok: false, reason: 'altered', claims };
      if (expires * 1000 <= now().getTime()) return { ok: false, reason: 'expired', claims };
      return { ok: true, claims };
    },
    feedToken: feedTag,
    verifyFeedToken(claims, token) {
      const wanted = Buffer.from(feedTag(claims), 'utf8');
      const given = Buffer.from(token, 'utf8');
      return wanted.length === given.length && timingSafeEqual(wanted, given);
    },
  };
}
