/** `/papers/<id>`: every language's texts, the version history with abstract changes, provenance and links. */
import { Hono } from 'hono';
import { parseArxivId } from '../../core/arxiv-id.js';
import { XivdigestError } from '../../core/errors.js';
import { paperPage } from '../views/pages.js';
import { pathOf, restOfPath, sendPage, type RouteContext, type WebEnv } from './context.js';

export function paperRoutes(route: RouteContext): Hono<WebEnv> {
  return new Hono<WebEnv>().get('/papers/*', async (c) => {
    const text = restOfPath(c, '/papers/');
    const id = parseArxivId(text)?.id ?? text;
    return sendPage(
      c,
      route,
      `paper\u0000${pathOf(c)}`,
      async () => {
        const [paper] = await route.deps.store.getPapers({ ids: [id] });
        if (!paper) throw new XivdigestError({ code: 'NOT_FOUND', message: `No stored paper ${id}`, hint: 'Search the archive for it' });
        const [versions, texts] = await Promise.all([route.deps.store.getVersions(id), route.deps.store.getTexts([id])]);
        return paperPage({ paper, versions, texts }, c.get('ui'), pathOf(c));
      },
      route.briefMs,
    );
  });
}
