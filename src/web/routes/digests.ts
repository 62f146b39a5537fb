/**
 * `/digests/<name>`: one stored digest, cached by its name and createdAt. A reader's own digest (docs/decisions/0045)
 * opens only for that reader and admins; to anyone else it is not there.
 */
import { Hono, type Context } from 'hono';
import { XivdigestError } from '../../core/errors.js';
import { readerOf } from '../accounts/routes.js';
import { digestPrivacyOf } from '../private-digests.js';
import { digestPage, type DigestSummary } from '../views/pages.js';
import { seriesOf } from './home.js';
import { pathOf, restOfPath, sendPage, type RouteContext, type WebEnv } from './context.js';

const noSuchDigest = (name: string) =>
  new XivdigestError({ code: 'NOT_FOUND', message: `No stored digest named "${name}"`, hint: 'The home page lists the stored digests' });

/** The digests the visitor may open beside the public ones: a reader's own series (all of them for an admin). */
async function privateSeries(c: Context<WebEnv>, route: RouteContext, name: string): Promise<DigestSummary[] | undefined> {
  const reader = readerOf(c);
  if (!reader) return undefined;
  const owner = await digestPrivacyOf(route.deps.store).ownerOf(name);
  if (!owner) return undefined;
  const series = (await route.deps.store.listDigests()).filter((digest) => seriesOf(digest.name) === seriesOf(name));
  if (reader.role === 'admin') return series;
  // Digests made before the subscription was are another reader's of the same (reused) name.
  if (owner.readerId !== reader.id) return undefined;
  return series.filter((digest) => owner.since === undefined || digest.createdAt >= owner.since);
}

export function digestRoutes(route: RouteContext): Hono<WebEnv> {
  return new Hono<WebEnv>().get('/digests/*', async (c) => {
    const name = restOfPath(c, '/digests/');
    const all = await route.digests();
    let summary = all.find((digest) => digest.name === name);
    let series = all.filter((digest) => seriesOf(digest.name) === seriesOf(name));
    let own = false;
    if (!summary) {
      const mine = await privateSeries(c, route, name);
      summary = mine?.find((digest) => digest.name === name);
      if (mine) series = mine;
      own = summary !== undefined;
    }
    if (!summary) throw noSuchDigest(name);
    // Its series, newest first (listDigests' order): the neighbours link earlier and later digests, and are in the key.
    const at = series.indexOf(summary);
    const neighbours = { ...(series[at + 1] ? { earlier: series[at + 1]!.name } : {}), ...(at > 0 ? { later: series[at - 1]!.name } : {}) };
    const key = `digest\u0000${name}\u0000${summary.createdAt}\u0000${neighbours.earlier ?? ''}\u0000${neighbours.later ?? ''}\u0000${pathOf(c)}`;
    const response = await sendPage(c, route, key, async () => {
      const digest = await route.deps.store.getDigest(name);
      if (!digest) throw noSuchDigest(name);
      return digestPage(digest, c.get('ui'), pathOf(c), neighbours);
    });
    // The reader's own: kept by no shared cache (the accounts' middleware also marks it private).
    if (own) response.headers.set('Cache-Control', 'private, no-store');
    return response;
  });
}
