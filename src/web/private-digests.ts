/**
 * Which stored digests belong to a reader (docs/decisions/0045): those made by a reader's own web subscription
 * (docs/decisions/0039). They show what the reader follows (their library's nearest paper, keywords, authors), so the
 * public archive (pages, API, feeds, MCP, the static export) never lists or serves them; only their reader and admins
 * open them, on `/digests/<name>` when signed in.
 */
import type { DigestSummary } from '../store/digest-store.js';
import { subscriptionStoreOf } from '../store/index.js';
import type { Store } from '../store/store.js';

/** The names of every web subscription the site has seen, kept after the subscription (or its reader) is deleted. */
export const WEB_SUBSCRIPTION_NAMES_KEY = 'web-subscriptions:names';

export interface DigestOwner {
  /** The reader whose subscription it is now; undefined when it is gone (then only admins open its digests). */
  readerId?: string;
  /** When that subscription was made: digests older than it were another's of the same name, never shown to this one. */
  since?: string;
}

export interface DigestPrivacy {
  /** The digest's owner when it is a reader's, else undefined (a public digest). */
  ownerOf(name: string): Promise<DigestOwner | undefined>;
  /** The list without readers' digests. */
  publicOnly<T extends Pick<DigestSummary, 'name'>>(digests: readonly T[]): Promise<T[]>;
  /** Records web subscription names so that their digests stay private after the subscription is deleted. */
  remember(names: readonly string[]): Promise<void>;
}

/** The series of a digest: `ada-nlp/2026-11-24` → `ada-nlp`; a name without `/` is its own series. */
const seriesOf = (name: string): string => (name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : name);

const privacies = new WeakMap<Store, DigestPrivacy>();

/** The privacy of `store`'s digests (one per store). */
export function digestPrivacyOf(store: Store): DigestPrivacy {
  const known = privacies.get(store);
  if (known) return known;
  const rows = async () => {
    try {
      return await subscriptionStoreOf(store).list();
    } catch {
      // A store that keeps no readers' subscriptions (not opened by createStore) has none.
      return [];
    }
  };
  const remembered = async (): Promise<Set<string>> => new Set((await store.getState<string[]>(WEB_SUBSCRIPTION_NAMES_KEY)) ?? []);
  const remember = async (names: readonly string[]) => {
    const known = await remembered();
    const fresh = names.filter((name) => !known.has(name));
    if (fresh.length > 0) await store.setState(WEB_SUBSCRIPTION_NAMES_KEY, [...known, ...fresh].sort());
  };
  /** Every name that is or was a web subscription's; names seen now are remembered for after their deletion. */
  const privateNames = async () => {
    const [current, known] = await Promise.all([rows(), remembered()]);
    const missing = current.map((row) => row.name).filter((name) => !known.has(name));
    if (missing.length > 0) await remember(missing);
    return { current, names: new Set([...known, ...current.map((row) => row.name)]) };
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
  };
  privacies.set(store, privacy);
  return privacy;
}
