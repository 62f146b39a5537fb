/** Readers' subscriptions from the config (docs/decisions/0039), for `serve` (the pages) and `run` / `serve --schedule` (their runs). */
import type { Subscription } from '../../core/config/schema.js';
import type { LoadedConfig } from '../../core/config/load.js';
import { XivdigestError } from '../../core/errors.js';
import { subscriptionStoreOf } from '../../store/index.js';
import type { Store } from '../../store/store.js';
import { resolveWebSubscription } from './model.js';
import type { SubscriptionSettings } from './routes.js';
import { secretKeyFrom } from './secrets.js';

type Loaded = Pick<LoadedConfig, 'config' | 'env'>;

export function subscriptionSettingsFromConfig(loaded: Loaded, store: Store): SubscriptionSettings {
  return {
    subscriptions: subscriptionStoreOf(store),
    configSubscriptions: loaded.config.subscriptions,
    mail: loaded.config.web.mail as Record<string, unknown> | undefined,
    allowPrivateNetwork: loaded.config.web.allowPrivateNetwork,
    key: secretKeyFrom(loaded.env),
    env: loaded.env,
  };
}

/**
 * The readers' subscriptions as runs take them, after the config file's (whose names they never take). One that
 * cannot be made ready (its secrets unreadable, no longer valid) is reported in `problems` and left out; the others run.
 */
export async function webSubscriptionsForRun(loaded: Loaded, store: Store): Promise<{ subscriptions: Subscription[]; problems: string[] }> {
  const rows = await subscriptionStoreOf(store).list();
  if (rows.length === 0) return { subscriptions: [], problems: [] };
  const key = secretKeyFrom(loaded.env);
  const configNames = new Set(loaded.config.subscriptions.map((subscription) => subscription.name));
  const subscriptions: Subscription[] = [];
  const problems: string[] = [];
  for (const row of rows) {
    if (configNames.has(row.name)) {
      problems.push(`the web subscription ${row.name} has the name of a config-file subscription; the config's runs, the web one is left out`);
      continue;
    }
    try {
      subscriptions.push(
        await resolveWebSubscription(row, {
          key,
          mail: loaded.config.web.mail as Record<string, unknown> | undefined,
          allowPrivateNetwork: loaded.config.web.allowPrivateNetwork,
          env: loaded.env,
        }),
      );
    } catch (error) {
      if (!XivdigestError.isInstance(error)) throw error;
      problems.push(`${row.name}: ${error.message}${error.hint ? ` (${error.hint})` : ''}`);
    }
  }
  return { subscriptions, problems };
}
