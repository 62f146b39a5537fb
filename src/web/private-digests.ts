/**
 * Which stored digests belong to a reader (docs/decisions/0045): those made by a reader's own web subscription
 * (docs/decisions/0039). They show what the reader follows (their library's nearest paper, keywords, authors), so the
 * public archive (pages, API, feeds, MCP, the static export) never lists or serves them; only their reader and admins
 * open them, on `/digests/<name>` when signed in.
 */
import type { DigestSummary } from '../store/digest-store.js';
import { subscriptionStoreOf } from '../store/index.js';
import type { ReaderStore } from '../store/reader-store.js';
import type { Store } from '../store/store.js';

/** Every web subscription name the site has seen, with its reader: kept after the subscription (or reader) is deleted. */
export const WEB_SUBSCRIPTION_NAMES_KEY = 'web-subscriptions:owners';

export interface DigestOwner {
  /** The reader whose subscription it is now; undefined when it is gone (then only admins open its digests). */
  readerId?: string;
  /** When that subscription was made: digests older than it are never shown to its reader. */
  since?: string;
}

export interface DigestPrivacy {
  /** The digest's owner when it is a reader's, else undefined (a public digest). */
  ownerOf(name: string): Promise<DigestOwner | undefined>;
  /** The list without readers' digests. */
  publicOnly<T extends Pick<DigestSummary, 'name'>>(digests: readonly T[]): Promise<T[]>;
  /** Records web subscriptions' names and readers, so that their digests stay private after they are deleted. */
  remember(rows: ReadonlyArray<{ name: string; readerId: string }>): Promise<void>;
  /**
   * Whether `readerId` may name a subscription `name`: false when another reader's subscription had it, so that
   * nobody inherits another's digests, feedback or watermarks kept under that name.
   */
  mayName(name: string, readerId: string): Promise<boolean>;
}

/** The readers' subscriptions of `store` (one reader's with `readerId`). */
async function subscriptionRows(store: Store, readerId?: string) {
  try {
    return await subscriptionStoreOf(store).list(readerId === undefined ? {} : { readerId });
  } catch {
    // A store that keeps no readers' subscriptions (not opened by createStore) has none.
    return [];
  }
}

/**
 * Removes the reader of `email` with everything about them (or withdraws their invitation), remembering the names of
 * their subscriptions first: their subscriptions go with them, and without the names their digests would turn public
 * and another reader could take a name and inherit its feedback and watermark; their private feeds' key generations go
 * after them. Used by the site's account deletion and admin page and by `xivdigest readers remove`. False when there
 * was no such reader.
 */
export async function removeReaderKeepingDigestsPrivate(store: Store, readers: ReaderStore, email: string): Promise<boolean> {
  const reader = await readers.getReader({ email });
  const rows = reader ? await subscriptionRows(store, reader.id) : [];
  if (reader) await digestPrivacyOf(store).remember(rows);
  const removed = await readers.removeReader(email);
  const ids = rows.map((row) => row.id);
  if (removed) await forgetPrivateFeeds(store, ids);
  return removed;
}

/**
 * The state entry of a web subscription's private feed key generation (docs/decisions/0063): `{ generation }`, 0 when
 * absent (no migration).
 */
export const privateFeedStateKey = (subscriptionId: string): string => `private-feed:${subscriptionId}`;

/** Forgets the private feed key generations of deleted subscriptions (ids are never given again). */
export async function forgetPrivateFeeds(store: Store, subscriptionIds: readonly string[]): Promise<void> {
  for (const id of subscriptionIds) await store.setState(privateFeedStateKey(id), undefined);
}

/** The series of a digest: `ada-nlp/2026-11-24` → `ada-nlp`; a name without `/` is its own series. */
const seriesOf = (name: string): string => (name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : name);

const privacies = new WeakMap<Store, DigestPrivacy>();

/** The privacy of `store`'s digests (one per store). */
export function digestPrivacyOf(store: Store): DigestPrivacy {
  const known = privacies.get(store);
  if (known) return known;
  const rows = () => subscriptionRows(store);
  const remembered = async (): Promise<Record<string, string>> => (await store.getState<Record<string, string>>(WEB_SUBSCRIPTION_NAMES_KEY)) ?? {};
  const remember = async (items: ReadonlyArray<{ name: string; readerId: string }>) => {
    const owners = await remembered();
    const fresh = items.filter((item) => !Object.hasOwn(owners, item.name));
    if (fresh.length === 0) return;
    for (const item of fresh) owners[item.name] = item.readerId;
    await store.setState(WEB_SUBSCRIPTION_NAMES_KEY, owners);
  };
  /** Every name that is or was a web subscription's; names seen now are remembered for after their deletion. */
  const privateNames = async () => {
    const [current, owners] = await Promise.all([rows(), remembered()]);
    const missing = current.filter((row) => !Object.hasOwn(owners, row.name));
    if (missing.length > 0) await remember(missing);
    return { current, names: new Set([...Object.keys(owners), ...current.map((row) => row.name)]) };
  };
  const privacy: DigestPrivacy = {
    async ownerOf(name) {
      const { current, names } = await privateNames();
      const series = seriesOf(name);
      if (!names.has(series) && !names.has(name)) return undefined;
      const row = current.find((item) => item.name === series || item.name === name);
      return row ? { readerId: row.readerId, since: row.createdAt } : {};
    },
    async publicOnly(digests) {
      const { names } = await privateNames();
      if (names.size === 0) return [...digests];
      return digests.filter((digest) => !names.has(seriesOf(digest.name)) && !names.has(digest.name));
    },
    remember,
    async mayName(name, readerId) {
      const owners = await remembered();
      return !Object.hasOwn(owners, name) || owners[name] === readerId;
    },
  };
  privacies.set(store, privacy);
  return privacy;
}
