/** `/search?q=&category=&from=&until=&sort=&page=`: results with counts, highlighted snippets and paging. */
import { Hono } from 'hono';
import { XivdigestError } from '../../core/errors.js';
import type { SearchParams } from '../urls.js';
import { searchPage } from '../views/pages.js';
import { categoryExpression, pathOf, sendPage, validDay, type RouteContext, type WebEnv } from './context.js';

const PAGE_SIZE = 20;

function usage(message: string, hint: string): XivdigestError {
  return new XivdigestError({ code: 'USAGE', message, hint });
}

export function searchRoutes(route: RouteContext): Hono<WebEnv> {
  return new Hono<WebEnv>().get('/search', async (c) => {
    const query = c.req.query();
    const params: SearchParams = {};
    if (query.q !== undefined) params.q = query.q;
    for (const key of ['from', 'until'] as const) {
      const value = query[key];
      if (value === undefined || value === '') continue;
      if (!validDay(value)) throw usage(`${key}: "${value}" is not a day`, 'Write days as YYYY-MM-DD');
      params[key] = value;
    }
    if (query.sort !== undefined && query.sort !== '') {
      if (query.sort !== 'relevance' && query.sort !== 'date') throw usage(`sort: "${query.sort}" is not relevance or date`, 'Use sort=relevance or sort=date');
      params.sort = query.sort;
    }
    if (query.page !== undefined && query.page !== '') {
      const page = Number(query.page);
      if (!Number.isInteger(page) || page < 1 || page > 10_000) throw usage(`page: "${query.page}" is not a page number`, 'Pages are numbered from 1');
      params.page = page;
    }
    let categories: { include: string[]; exclude: string[] } | undefined;
    if (query.category !== undefined && query.category.trim() !== '') {
      try {
        const parsed = categoryExpression(query.category, () => '');
        categories = parsed.algebra;
        params.category = parsed.expression;
      } catch (error) {
        if (XivdigestError.isInstance(error)) throw usage(`category: ${error.message}`, error.hint ?? '');
        throw error;
      }
    }
    const ran = params.q !== undefined || categories !== undefined || params.from !== undefined || params.until !== undefined;
    return sendPage(
      c,
      route,
      `search\u0000${pathOf(c)}`,
      async () => {
        const response = ran
          ? await route.deps.search.search({
              q: params.q ?? '',
              ...(params.from ? { from: params.from } : {}),
              ...(params.until ? { until: params.until } : {}),
              ...(categories ? { categories: categories.include, excludeCategories: categories.exclude } : {}),
              ...(params.sort ? { sort: params.sort } : {}),
              page: params.page ?? 1,
              pageSize: PAGE_SIZE,
              lang: route.deps.lang,
            })
          : undefined;
        return searchPage(params, response, c.get('ui'), pathOf(c));
      },
      route.briefMs,
    );
  });
}
