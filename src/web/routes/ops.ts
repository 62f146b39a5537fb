/**
 * The operator's endpoints (docs/decisions/0042): `/healthz` (alive), `/readyz` (the store answers and its migrations
 * match), `/metrics` (Prometheus text; a bearer token, else loopback only unless opened).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { Metrics } from '../metrics.js';
import type { WebEnv } from './context.js';

export interface OpsRouteOptions {
  /** Absent: /metrics answers 404. */
  metrics?: Metrics;
  /** The bearer token /metrics requires (web.metricsToken); absent: see `metricsOpen`. */
  metricsToken?: string;
  /** Without a token: true lets anyone read /metrics; false (the default) only direct requests from this machine. */
  metricsOpen?: boolean;
  /** Why the service cannot serve (store unreachable, migrations differ), or undefined when it can. */
  notReady?: () => Promise<string | undefined>;
}

const sameToken = (given: string, expected: string): boolean => {
  // Hashes first, so that the comparison takes the same time whatever the lengths.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
};

/** True for a request that came straight from this machine: a loopback peer and no proxy header (a proxy on this host forwards others). */
function fromLoopback(c: Context): boolean {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  const address = incoming?.socket?.remoteAddress ?? '';
  if (c.req.header('x-forwarded-for') !== undefined || c.req.header('forwarded') !== undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

const plain = (c: Context, status: 200 | 401 | 403 | 503, text: string) => {
  c.header('Cache-Control', 'no-store');
  return c.text(`${text}\n`, status);
};

export function opsRoutes(options: OpsRouteOptions): Hono<WebEnv> {
  const routes = new Hono<WebEnv>();
  routes.get('/healthz', (c) => plain(c, 200, 'ok'));
  routes.get('/readyz', async (c) => {
    const reason = options.notReady ? await options.notReady() : undefined;
    return reason === undefined ? plain(c, 200, 'ready') : plain(c, 503, `not ready: ${reason}`);
  });
  const { metrics } = options;
  if (metrics) {
    routes.get('/metrics', async (c) => {
      if (options.metricsToken !== undefined) {
        const header = c.req.header('authorization') ?? '';
        const given = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
        if (given === undefined || !sameToken(given, options.metricsToken)) {
          c.header('WWW-Authenticate', 'Bearer realm="metrics"');
          return plain(c, 401, 'a bearer token is required: Authorization: Bearer <web.metricsToken>');
        }
      } else if (!options.metricsOpen && !fromLoopback(c)) {
        return plain(c, 403, 'metrics are served to this machine only: set web.metricsToken to read them from elsewhere (or web.metricsOpen: true)');
      }
      const { contentType, body } = await metrics.render();
      c.header('Cache-Control', 'no-store');
      return c.body(body, 200, { 'Content-Type': contentType });
    });
  }
  return routes;
}
