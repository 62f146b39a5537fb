/** What `serve` (and later `worker`) gives operators: the metrics registry and the /healthz, /readyz, /metrics settings, from the config. */
import { resolveSecret } from '../channels/index.js';
import type { LoadedConfig } from '../core/config/load.js';
import type { QueueCountsReader } from '../core/queue.js';
import { opsReaderOf } from '../store/index.js';
import type { Store } from '../store/store.js';
import { createMetrics, type Metrics } from '../web/metrics.js';
import type { OpsRouteOptions } from '../web/routes/ops.js';

/** How long /readyz waits for the store before it says it does not answer. */
const READY_TIMEOUT_MS = 5000;

/** Why the store cannot serve, or undefined when it can: it must answer within 5 s and its migrations must match. */
export async function storeNotReady(store: Store): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`the store did not answer within ${READY_TIMEOUT_MS / 1000} s`), READY_TIMEOUT_MS);
  });
  try {
    const checked = opsReaderOf(store)
      .health()
      .then((health) => {
        if (health.pending.length > 0) return `the database lacks migrations ${health.pending.join(', ')}`;
        if (health.unknown.length > 0) return `the database was migrated by a newer xivdigest (${health.unknown.join(', ')}): upgrade this one`;
        return undefined;
      })
      .catch((error: unknown) => `the store does not answer: ${error instanceof Error ? error.message : String(error)}`);
    return await Promise.race([checked, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface Operations {
  metrics: Metrics;
  routes: OpsRouteOptions;
}

export function createOperations(loaded: LoadedConfig, store: Store, queues?: QueueCountsReader): Operations {
  const web = loaded.config.web;
  const metrics = createMetrics({ store, ...(queues ? { queues } : {}) });
  const token = web.metricsToken === undefined ? undefined : resolveSecret(web.metricsToken, 'web.metricsToken', loaded.env);
  return {
    metrics,
    routes: {
      metrics,
      ...(token !== undefined ? { metricsToken: token } : {}),
      metricsOpen: web.metricsOpen,
      notReady: () => storeNotReady(store),
    },
  };
}
