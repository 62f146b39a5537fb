/**
 * Private feeds of readers' web subscriptions (docs/decisions/0063): `/feeds/private/<name>.atom?token=…` (or `.json`)
 * serves the subscription's newest digests to whoever holds the address, as GitHub's private Atom feeds and secret
 * calendar addresses do. The token is the site's signed-link HMAC (core/signed-links.ts) of the reader, the
 * subscription's id and name, and its feed key generation (a state entry, raised by "reset the address"). A wrong,
 * stale or missing token gets the answer of a feed that never was.
 */
import { Hono } from 'hono';
import { etag } from 'hono/etag';
import type { Digest } from '../../core/digest.js';
import type { FeedClaims, LinkSigner } from '../../core/signed-links.js';
import type { Store } from '../../store/store.js';
import type { ReaderSubscription, SubscriptionStore } from '../../store/subscription-store.js';
import { absolute } from '../api/archive.js';
import { jsonErrorHandler } from '../api/errors.js';
import type { WebDeps } from '../deps.js';
import { urls, type FeedKind } from '../urls.js';
import { isDailyDigestOf, mergeDailyDigests, noSuchFeed, send, splitKind, SUBSCRIPTION_FEED_DIGESTS } from './index.js';
import { privateFeedStateKey } from '../private-digests.js';

/** The feed key generation of a subscription: its private feed addresses carry it. */
export async function privateFeedGeneration(store: Store, subscriptionId: string): Promise<number> {
  const state = await store.getState<{ generation?: number }>(privateFeedStateKey(subscriptionId));
  return typeof state?.generation === 'number' ? state.generation : 0;
}

/** "Reset the private feed address": a new generation, so every address given before stops working. */
export async function resetPrivateFeed(store: Store, subscriptionId: string): Promise<number> {
  const generation = (await privateFeedGeneration(store, subscriptionId)) + 1;
  await store.setState(privateFeedStateKey(subscriptionId), { generation });
  return generation;
}

const claimsOf = (row: Pick<ReaderSubscription, 'id' | 'readerId' | 'name'>, generation: number): FeedClaims => ({
  readerId: row.readerId,
  subscriptionId: row.id,
  subscription: row.name,
  generation,
});

/** The subscription's private feed addresses (absolute), as its page shows them to its reader. */
export async function privateFeedUrls(
  deps: Pick<WebDeps, 'store' | 'baseUrl'>,
  signer: LinkSigner,
  row: ReaderSubscription,
): Promise<Record<FeedKind, string>> {
  const token = signer.feedToken(claimsOf(row, await privateFeedGeneration(deps.store, row.id)));
  return { atom: absolute(deps, urls.privateFeed(row.name, 'atom', token)), json: absolute(deps, urls.privateFeed(row.name, 'json', token)) };
}

/** A token to check when there is no such subscription, so that its answer takes about as long as a wrong token's. */
const NOBODY: FeedClaims = { readerId: '', subscriptionId: '', subscription: '', generation: -1 };

/** The route, mounted at `/feeds/private` before the public feeds; absent without `web.secret` (then the public feeds' 404). */
export function createPrivateFeedRoutes(deps: WebDeps, signer: LinkSigner, subscriptions: SubscriptionStore): Hono {
  const app = new Hono();
  app.onError(jsonErrorHandler);
  app.get('/:file{[^/]+\\.(?:atom|json)}', etag(), async (c) => {
    const { base: name, kind } = splitKind(c.req.param('file'));
    const token = c.req.query('token') ?? '';
    const row = await subscriptions.get({ name });
    const generation = row ? await privateFeedGeneration(deps.store, row.id) : 0;
    const verified = signer.verifyFeedToken(row ? claimsOf(row, generation) : NOBODY, token);
    if (!row || !verified) throw noSuchFeed();
    const { digest, newest } = await feedDigest(deps, row);
    const self = { atom: absolute(deps, urls.privateFeed(row.name, 'atom', token)), json: absolute(deps, urls.privateFeed(row.name, 'json', token)) };
    // The feed links to the reader's pages, which ask them to sign in; the feed itself holds the digests' entries.
    const page = absolute(deps, newest ? urls.digest(newest) : `/subscriptions/${encodeURIComponent(row.id)}`);
    c.header('X-Robots-Tag', 'noindex');
    return send(
      c,
      kind,
      digest,
      { title: `xivdigest ${row.name}`, page, self, id: `tag:xivdigest,2026:private-feed/${encodeURIComponent(row.id)}` },
      // A reader's own: kept by their feed reader, never by a shared cache.
      'private, max-age=300',
    );
  });
  return app;
}

/**
 * The subscription's newest daily digests merged, as its public counterpart's feed is; only those made since the
 * subscription was (older ones of the same name are not its reader's, as on `/digests/<name>`). Empty before the first.
 */
async function feedDigest(deps: WebDeps, row: ReaderSubscription): Promise<{ digest: Digest; newest?: string }> {
  const daily = (await deps.store.listDigests())
    .filter((digest) => isDailyDigestOf(digest.name, row.name) && digest.createdAt >= row.createdAt)
    .slice(0, SUBSCRIPTION_FEED_DIGESTS);
  const digests = (await Promise.all(daily.map((digest) => deps.store.getDigest(digest.name)))).filter((digest): digest is Digest => digest !== undefined);
  const newest = digests[0];
  if (!newest) return { digest: { name: row.name, style: 'native', lang: deps.lang, createdAt: row.createdAt, entries: [], subscription: row.name } };
  return { digest: mergeDailyDigests(row.name, newest, digests), newest: newest.name };
}
