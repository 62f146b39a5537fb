/** `/`: the latest digest of each subscription (and of each other stored series) and each category's latest day. */
import { Hono } from 'hono';
import { homePage, type HomeData } from '../views/pages.js';
import { pathOf, sendPage, type RouteContext, type WebEnv } from './context.js';

/** The series a digest belongs to: the part before the last `/` (`nlp/2026-11-24` → `nlp`), or its whole name. */
export const seriesOf = (name: string): string => (name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : name);

export function homeRoutes(route: RouteContext): Hono<WebEnv> {
  return new Hono<WebEnv>().get('/', (c) =>
    sendPage(
      c,
      route,
      `home\u0000${pathOf(c)}`,
      async () => {
        const [digests, categories] = await Promise.all([route.digests(), route.deps.search.archiveCategories()]);
        const latest: HomeData['latest'] = [];
        const seen = new Set<string>();
        const counts = new Map<string, number>();
        for (const digest of digests) counts.set(seriesOf(digest.name), (counts.get(seriesOf(digest.name)) ?? 0) + 1);
        // Subscriptions first, in the config's order; then every other series, newest first.
        for (const subscription of route.deps.subscriptions) {
          const digest = digests.find((d) => seriesOf(d.name) === subscription.name);
          seen.add(subscription.name);
          latest.push({ subject: subscription.name, ...(digest ? { digest } : {}), older: (counts.get(subscription.name) ?? 1) - 1 });
        }
        for (const digest of digests) {
          const series = seriesOf(digest.name);
          if (seen.has(series)) continue;
          seen.add(series);
          latest.push({ subject: series, digest, older: (counts.get(series) ?? 1) - 1 });
        }
        return homePage({ latest, categories }, c.get('ui'), pathOf(c));
      },
      route.briefMs,
    ),
  );
}
