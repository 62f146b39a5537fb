/** What the web app is built from, taken from the config: shared by `serve` and `export-site`. */
import type { Store } from '../store/store.js';
import type { WebDeps } from '../web/deps.js';

interface WebConfig {
  llm: { lang: string };
  subscriptions: Array<{ name: string; categories: string; lang?: string }>;
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
  };
}
