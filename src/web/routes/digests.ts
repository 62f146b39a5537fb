/** `/digests/<name>`: one stored digest, cached by its name and createdAt. */
import { Hono } from 'hono';
import { XivdigestError } from '../../core/errors.js';
import { digestPage } from '../views/pages.js';
import { seriesOf } from './home.js';
import { pathOf, restOfPath, sendPage, type RouteContext, type WebEnv } from './context.js';

export function digestRoutes(route: RouteContext): Hono<WebEnv> {
  return new Hono<WebEnv>().get('/digests/*', async (c) => {
    const name = restOfPath(c, '/digests/');
    const all = await route.digests();
    const summary = all.find((digest) => digest.name === name);
    if (!summary) throw new XivdigestError({ code: 'NOT_FOUND', message: `No stored digest named "${name}"`, hint: 'The home page lists the stored digests' });
    // Its series, newest first (listDigests' order): the neighbours link earlier and later digests, and are in the key.
    const series = all.filter((digest) => seriesOf(digest.name) === seriesOf(name));
    const at = series.indexOf(summary);
    const neighbours = { ...(series[at + 1] ? { earlier: series[at + 1]!.name } : {}), ...(at > 0 ? { later: series[at - 1]!.name } : {}) };
    const key = `digest\u0000${name}\u0000${summary.createdAt}\u0000${neighbours.earlier ?? ''}\u0000${neighbours.later ?? ''}\u0000${pathOf(c)}`;
    return sendPage(c, route, key, async () => {
      const digest = await route.deps.store.getDigest(name);
      if (!digest) throw new XivdigestError({ code: 'NOT_FOUND', message: `No stored digest named "${name}"`, hint: 'The home page lists the stored digests' });
      return digestPage(digest, c.get('ui'), pathOf(c), neighbours);
    });
  });
}
