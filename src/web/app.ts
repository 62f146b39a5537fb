/**
 * The reader's web site: server-rendered pages (home, digests, archive, papers, search) with no client script, every
 * asset served by the app itself under a strict CSP, Chinese and English interface text. See docs/decisions/0029.
 */
import { Hono, type Context } from 'hono';
import { XivdigestError } from '../core/errors.js';
import { CONTENT_SECURITY_POLICY } from './csp.js';
import { mountFeedbackLinks } from './feedback/links.js';
import { marksFiller, mountMarks } from './feedback/marks.js';
import { marksStoreOf } from '../store/index.js';
import { redact } from '../core/redact.js';
import { digestPrivacyOf } from './private-digests.js';
import { createPageCache, memoize, type PageCache } from './cache.js';
import type { WebDeps } from './deps.js';
import { chooseUi, UI_LANGS, type UiLang } from './i18n.js';
import { createApiRoutes } from './api/index.js';
import { createFeedRoutes } from './feeds/index.js';
import { createPrivateFeedRoutes } from './feeds/private.js';
import { createMcpRoutes } from './mcp/index.js';
import { mountAccounts } from './accounts/routes.js';
import { mountSubscriptions } from './subscriptions/routes.js';
import { archiveRoutes } from './routes/archive.js';
import { assetRoutes } from './routes/assets.js';
import { pathOf, type RouteContext, type WebEnv } from './routes/context.js';
import { digestRoutes } from './routes/digests.js';
import { homeRoutes } from './routes/home.js';
import { opsRoutes, type OpsRouteOptions } from './routes/ops.js';
import { paperRoutes } from './routes/papers.js';
import { searchRoutes } from './routes/search.js';
import { errorPage } from './views/pages.js';

export { CONTENT_SECURITY_POLICY } from './csp.js';

export interface WebAppOptions {
  /** The page cache (default: a new one with a 64 Mi-character budget). */
  cache?: PageCache;
  /** How long home, archive, paper and search pages are reused, and the digest list is trusted (default 2000 ms). */
  briefMs?: number;
  /** /healthz, /readyz and /metrics (docs/decisions/0042); /healthz and /readyz answer even without it. */
  operations?: OpsRouteOptions;
}

/** HTTP status and the words for an error: XivdigestError codes map here and nowhere else. */
function statusOf(error: unknown): 400 | 404 | 500 {
  if (!XivdigestError.isInstance(error)) return 500;
  if (error.code === 'NOT_FOUND') return 404;
  if (error.code === 'QUERY_INVALID' || error.code === 'USAGE') return 400;
  return 500;
}

export function createWebApp(deps: WebDeps, options: WebAppOptions = {}): Hono<WebEnv> {
  const briefMs = options.briefMs ?? 2000;
  const route: RouteContext = {
    deps,
    cache: options.cache ?? createPageCache(),
    briefMs,
    // Readers' own digests are not the public archive's (docs/decisions/0045): the digest page opens them for their reader.
    digests: memoize(
      async () =>
        (await digestPrivacyOf(deps.store).publicOnly(await deps.store.listDigests())).map(({ name, entries, createdAt }) => ({ name, entries, createdAt })),
      briefMs,
    ),
  };
  const app = new Hono<WebEnv>();
  const operations = options.operations ?? {};
  if (operations.metrics) app.use('*', operations.metrics.middleware);
  app.use('*', async (c, next) => {
    const requested = c.req.query('ui');
    const ui: UiLang = chooseUi({ query: requested, cookie: c.req.header('cookie'), acceptLanguage: c.req.header('accept-language'), fallback: deps.lang });
    c.set('ui', ui);
    // Set before the handler runs, so that every response (pages, assets, errors) is made with them at once: touching
    // a made response's headers afterwards costs @hono/node-server its fast path (about half the throughput).
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    c.header('Content-Language', ui === 'zh' ? 'zh-CN' : 'en');
    c.header('Vary', 'Accept-Language, Cookie, Accept-Encoding');
    if (requested && (UI_LANGS as readonly string[]).includes(requested)) c.header('Set-Cookie', `ui=${requested}; Path=/; Max-Age=31536000; SameSite=Lax`);
    await next();
  });
  // Before the accounts: a probe or a scraper never signs in.
  app.route('/', opsRoutes(operations));
  if (deps.accounts) {
    const forms = mountAccounts(
      app,
      deps,
      deps.accounts,
      marksFiller(() => marksStoreOf(deps.store)),
    );
    mountMarks(app, deps, forms);
  }
  if (deps.links) mountFeedbackLinks(app, deps, deps.links);
  if (deps.accounts && deps.readerSubscriptions) mountSubscriptions(app, deps, deps.readerSubscriptions);
  app.route('/', homeRoutes(route));
  app.route('/', digestRoutes(route));
  app.route('/', archiveRoutes(route));
  app.route('/', paperRoutes(route));
  app.route('/', searchRoutes(route));
  app.route('/', assetRoutes());
  // The JSON API, the feeds and MCP answer in their own formats, errors included (their own onError and notFound).
  app.route('/api', createApiRoutes(deps));
  // Readers' private feeds (docs/decisions/0063) before the public ones: without web.secret, the public feeds' 404.
  if (deps.accounts && deps.readerSubscriptions && deps.links)
    app.route('/feeds/private', createPrivateFeedRoutes(deps, deps.links, deps.readerSubscriptions.subscriptions));
  app.route('/feeds', createFeedRoutes(deps));
  app.route('/mcp', createMcpRoutes(deps));
  const fail = (c: Context<WebEnv>, status: 400 | 404 | 500, message: string, suggestion?: { text: string; href: string }) => {
    const ui = c.get('ui') ?? chooseUi({ fallback: deps.lang });
    return c.html(errorPage(status, message, ui, pathOf(c), suggestion, c.req.query('q')), status);
  };
  app.notFound((c) => fail(c, 404, `No page at ${new URL(c.req.url).pathname}`));
  app.onError((error, c) => {
    const status = statusOf(error);
    if (status === 500 || !XivdigestError.isInstance(error)) {
      // Internals (stack, SQL, paths) go to the log, never to the reader.
      console.error(`xivdigest web: ${c.req.method} ${new URL(c.req.url).pathname} failed: ${redact(error instanceof Error ? error.message : String(error))}`);
      return fail(c, 500, c.get('ui') === 'zh' ? '出了点问题，请稍后再试。' : 'Something went wrong; please try again later.');
    }
    const { suggestion, href } = error.details as { suggestion?: string; href?: string };
    const message = error.hint ? `${error.message}\n${error.hint}` : error.message;
    return fail(c, status, message, suggestion && href ? { text: suggestion, href } : undefined);
  });
  return app;
}
