/** `/digests/<name>`: one stored digest, cached by its name and createdAt. */
import { Hono } from 'hono';
import { XivdigestError } from '../../core/errors.js';
import { digestPage } from '../views/pages.js';
import { pathOf, restOfPath, sendPage, type RouteContext, type WebEnv } from './context.js';

export function digestRoutes(route: RouteContext): Hono<WebEnv> {
  return new Hono<WebEnv>().get('/digests/*', async (c) => {
    const name = restOfPath(c, '/digests/');
    const summary = (await route.digests()).find((digest) => digest.name === name);
    if (!summary) throw new XivdigestError({ code: 'NOT_FOUND', message: `No stored digest named "${name}"`, hint: 'The home page lists the stored digests' });
    return sendPage(c, route, `digest\u0000${name}\u0000${summary.createdAt}\u0000${pathOf(c)}`, async () => {
      const digest = await route.deps.store.getDigest(name);
      if (!digest) throw new XivdigestError({ code: 'NOT_FOUND', message: `No stored digest named "${name}"`, hint: 'The home page lists the stored digests' });
      return digestPage(digest, c.get('ui'), pathOf(c));
    });
  });
}
