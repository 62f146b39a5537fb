/** `/archive`, `/archive/<expression>` (a calendar of days) and `/archive/<expression>/<day>` (that day's papers). */
import { Hono } from 'hono';
import { XivdigestError } from '../../core/errors.js';
import { urls } from '../urls.js';
import { archiveIndexPage, calendarPage, dayPage } from '../views/pages.js';
import { categoryExpression, pathOf, restOfPath, sendPage, validDay, type RouteContext, type WebEnv } from './context.js';

const DAY_PAGE_SIZE = 100;

export function archiveRoutes(route: RouteContext): Hono<WebEnv> {
  return new Hono<WebEnv>()
    .get('/archive', (c) =>
      sendPage(
        c,
        route,
        `archive\u0000${pathOf(c)}`,
        async () => archiveIndexPage(await route.deps.search.archiveCategories(), c.get('ui'), pathOf(c)),
        route.briefMs,
      ),
    )
    .get('/archive/*', async (c) => {
      const rest = restOfPath(c, '/archive/');
      const [text = '', day, ...extra] = rest.split('/');
      if (extra.length > 0)
        throw new XivdigestError({
          code: 'NOT_FOUND',
          message: `No page at /archive/${rest}`,
          hint: 'Archive pages are /archive/<categories> and /archive/<categories>/<YYYY-MM-DD>',
        });
      if (day === undefined) {
        const { algebra, expression } = categoryExpression(text);
        return sendPage(
          c,
          route,
          `calendar\u0000${pathOf(c)}`,
          async () =>
            calendarPage(
              expression,
              await route.deps.search.announcementDays({ categories: algebra.include, excludeCategories: algebra.exclude }),
              c.get('ui'),
              pathOf(c),
            ),
          route.briefMs,
        );
      }
      const valid = validDay(day);
      if (!valid) throw new XivdigestError({ code: 'NOT_FOUND', message: `"${day}" is not a day`, hint: 'Days are written YYYY-MM-DD' });
      const { algebra, expression } = categoryExpression(text, (fixed) => urls.archiveDay(fixed, valid));
      const page = Math.max(1, Number.parseInt(c.req.query('page') ?? '1', 10) || 1);
      return sendPage(
        c,
        route,
        `day\u0000${pathOf(c)}`,
        async () => {
          const response = await route.deps.search.search({
            q: '',
            from: valid,
            until: valid,
            categories: algebra.include,
            excludeCategories: algebra.exclude,
            sort: 'date',
            page,
            pageSize: DAY_PAGE_SIZE,
            lang: route.deps.lang,
          });
          return dayPage(expression, valid, response, c.get('ui'), pathOf(c));
        },
        route.briefMs,
      );
    });
}
