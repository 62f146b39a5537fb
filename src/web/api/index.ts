/** The read-only JSON API (mounted at /api): search, papers, digests, the archive's calendar, and its OpenAPI document. */
import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import type { z } from 'zod';
import type { WebDeps } from '../deps.js';
import { archiveCategories, archiveDays, listDigests, readDigest, readPaper, searchArchive } from './archive.js';
import { jsonErrorHandler, notFound, queryInvalid } from './errors.js';
import { buildOpenApiDocument } from './openapi.js';
import { daysQuerySchema, paperQuerySchema, searchQuerySchema } from './schemas.js';

/**
 * The query parameters of a request, validated by `schema`; an empty parameter (`from=`) counts as absent, as forms
 * send them. Throws QUERY_INVALID naming each bad parameter.
 */
export function parseQuery<Schema extends z.ZodType>(c: Context, schema: Schema): z.infer<Schema> {
  const raw = Object.fromEntries(Object.entries(c.req.query()).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw queryInvalid(parsed.error);
  return parsed.data;
}

/** Cross-origin GET from anywhere, without credentials: the archive is public and read-only. */
export const publicReadCors = () => cors({ origin: '*', allowMethods: ['GET', 'HEAD', 'OPTIONS'], credentials: false, maxAge: 86_400 });

export function createApiRoutes(deps: WebDeps): Hono {
  const app = new Hono();
  app.use('*', publicReadCors());
  app.onError(jsonErrorHandler);
  // Built on first request: the schemas do not change while the server runs.
  let openapi: Record<string, unknown> | undefined;

  app.get('/search', async (c) => c.json(await searchArchive(deps, parseQuery(c, searchQuerySchema))));
  app.get('/papers/:id{.+}', async (c) => c.json(await readPaper(deps, c.req.param('id'), parseQuery(c, paperQuerySchema).lang)));
  app.get('/digests', async (c) => c.json(await listDigests(deps)));
  app.get('/digests/:name{.+}', async (c) => c.json(await readDigest(deps, c.req.param('name'))));
  app.get('/archive/days', async (c) => c.json(await archiveDays(deps, parseQuery(c, daysQuerySchema))));
  app.get('/archive/categories', async (c) => c.json(await archiveCategories(deps)));
  app.get('/openapi.json', (c) => c.json((openapi ??= buildOpenApiDocument(deps.baseUrl))));
  // Unknown API paths answer JSON too (a mounted app's notFound handler is not used; this route is).
  app.all('*', () => {
    throw notFound('no such API route', 'See /api/openapi.json for the routes.');
  });
  return app;
}
