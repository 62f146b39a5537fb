/** What the web app is built from, taken from the config: shared by `serve` and `export-site`. */
import type { Store } from '../store/store.js';
import type { Reader } from '../store/reader-store.js';
import type { WebDeps } from '../web/deps.js';

interface WebConfig {
  llm: { lang: string };
  subscriptions: Array<{ name: string; categories: string; lang?: string; outputs?: { channels?: ReadonlyArray<Record<string, unknown>> } }>;
}

const addressesOf = (value: unknown): string[] =>
  (Array.isArray(value) ? value : typeof value === 'string' ? [value] : [])
    .filter((item): item is string => typeof item === 'string')
    .map((item) => (/<([^>]+)>/.exec(item)?.[1] ?? item).trim().toLowerCase());

/**
 * The subscriptions a reader's web star or hide feeds (docs/decisions/0040): those of the config whose email channel
 * lists the reader's address in to, cc or bcc.
 */
export function configSubscriptionsOfReader(config: WebConfig): (reader: Reader) => Promise<string[]> {
  return async (reader) => {
    const email = reader.email.trim().toLowerCase();
    return config.subscriptions
      .filter((subscription) =>
        (subscription.outputs?.channels ?? []).some(
          (channel) => channel.type === 'email' && [channel.to, channel.cc, channel.bcc].some((value) => addressesOf(value).includes(email)),
        ),
      )
      .map((subscription) => subscription.name);
  };
}

/** The store is also the search seam (full-text search, the archive's days and categories). */
export function webDepsFromConfig(store: Store, config: WebConfig, baseUrl: string): WebDeps {
  return {
    store,
    search: store,
    subscriptions: config.subscriptions.map((subscription) => ({
      name: subscription.name,
      categories: subscription.categories.split(/[+ ]/).filter((part) => part !== '' && !part.startsWith('-')),
      lang: subscription.lang ?? config.llm.lang,
    })),
    baseUrl,
    lang: config.llm.lang,
    subscriptionsOfReader: configSubscriptionsOfReader(config),
  };
}
