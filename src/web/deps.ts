/** What the web service is built from: the composition root (cli/commands/serve.ts) passes these in. */
import type { PaperSearch } from '../core/search.js';
import type { Store } from '../store/store.js';
import type { LinkSigner } from '../core/signed-links.js';
import type { Reader } from '../store/reader-store.js';
import type { AccountSettings } from './accounts/service.js';
import type { SubscriptionSettings } from './subscriptions/routes.js';

/** A subscription as the web shows it (from the config file). */
export interface WebSubscription {
  name: string;
  categories: string[];
  /** Language of its texts, e.g. `zh`. */
  lang: string;
}

export interface WebDeps {
  store: Store;
  /** Full-text search and the archive's calendar (the store implements it). */
  search: PaperSearch;
  subscriptions: WebSubscription[];
  /** Where the site is reached, without a trailing slash, e.g. `http://127.0.0.1:8080`: feeds and the API need absolute links. */
  baseUrl: string;
  /** The language of generated texts shown by default, e.g. `zh`. */
  lang: string;
  /** Readers and sign-in (docs/decisions/0038); absent: the site has no accounts. */
  accounts?: AccountSettings;
  /** Readers' own subscriptions (docs/decisions/0039); needs `accounts`. */
  readerSubscriptions?: SubscriptionSettings;
  /** Verifies the signed one-click links of delivered digests (docs/decisions/0040); absent: those routes are off. */
  links?: LinkSigner;
  /**
   * The subscriptions a reader's web star or hide feeds (docs/decisions/0040). Default: the config subscriptions whose
   * email channel lists the reader's address (cli/web-deps.ts); database subscriptions owned by readers join later.
   */
  subscriptionsOfReader?: (reader: Reader) => Promise<string[]>;
}
