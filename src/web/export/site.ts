/**
 * The static edition: crawls the web app from `/` through `app.request()`, the same pages the server serves, and
 * writes them as files a static host (GitHub Pages) serves as they are. Root-relative links become relative ones, so
 * the site works under any path (`https://user.github.io/repo/`). The server's search page is replaced by the static
 * search (search/search.js over an index the caller writes), and what only a server can answer (the JSON API, MCP,
 * search feeds) is left out.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { STATIC_RESULTS_ID } from './client.js';

/** Anything that answers a request for a path, like Hono's `app.request()`. */
export type SiteRequest = (path: string) => Promise<Response>;

export interface ExportSiteOptions {
  request: SiteRequest;
  dir: string;
  /** The site's path on its host, e.g. `/repo/` for a GitHub Pages project site (for 404.html, whose depth varies). */
  basePath: string;
  /** Paths only a server answers; never fetched, and links to them are left as they are. */
  serverOnly?: (path: string) => boolean;
  /** Called after each fetched path. */
  onProgress?: (progress: { done: number; queued: number; path: string }) => void;
  signal?: AbortSignal;
}

export interface ExportSiteResult {
  pages: number;
  files: number;
  bytes: number;
  /** Internal links whose target did not answer 200, with the page that links to it. */
  broken: Array<{ from: string; to: string; status: number }>;
}

const DEFAULT_SERVER_ONLY = (path: string): boolean => /^\/(api|mcp)(\/|$)/.test(path) || path.startsWith('/feeds/search.');
const ORIGIN = 'http://site.invalid';
const LINK_ATTRIBUTE = /\b(href|src|action)=("([^"]*)"|'([^']*)')/g;
const CSS_URL = /url\(\s*(['"]?)([^'")]+)\1\s*\)/g;

function decodeAttribute(value: string): string {
  return value.replace(/&(amp|quot|#39|lt|gt);/g, (_, name: string) => ({ amp: '&', quot: '"', '#39': "'", lt: '<', gt: '>' })[name]!);
}

/** The internal path a link points to (query and hash kept apart), or undefined for other hosts and schemes. */
function resolveLink(link: string, from: string): URL | undefined {
  if (link.startsWith('//') || /^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith('#')) return undefined;
  const url = new URL(link, ORIGIN + from);
  return url.origin === ORIGIN ? url : undefined;
}

/** Where a fetched path is written: pages as `<path>/index.html`, everything else under its own name. */
function fileFor(path: string, isPage: boolean): string {
  const clean = decodeURIComponent(path).replace(/^\/+/, '');
  if (!isPage) return clean;
  return clean === '' || clean.endsWith('/') ? `${clean}index.html` : `${clean}/index.html`;
}

/** The link from the file of `from` to the file of `to`, relative, pages as directories (`../x/`). */
function relativeLink(from: string, fromIsPage: boolean, to: string, toIsPage: boolean): string {
  const fromDir = posix.dirname(`/${fileFor(from, fromIsPage)}`);
  const target = `/${fileFor(to, toIsPage)}`;
  let relative = posix.relative(fromDir, toIsPage ? posix.dirname(target) : target);
  if (toIsPage) relative = relative === '' ? './' : `${relative}/`;
  return relative
    .split('/')
    .map((segment) => (segment === '..' || segment === '.' ? segment : encodeURIComponent(segment)))
    .join('/');
}

export async function exportSite(options: ExportSiteOptions): Promise<ExportSiteResult> {
  const serverOnly = options.serverOnly ?? DEFAULT_SERVER_ONLY;
  const kinds = new Map<string, 'page' | 'css' | 'file'>();
  const bodies = new Map<string, string>();
  const failed = new Map<string, number>();
  const linkedFrom = new Map<string, string>();
  const queue: string[] = ['/', '/search'];
  const seen = new Set(queue);
  const result: ExportSiteResult = { pages: 0, files: 0, bytes: 0, broken: [] };
  const enqueue = (url: URL | undefined, from: string) => {
    if (!url) return;
    const path = url.pathname;
    if (serverOnly(path) || seen.has(path)) return;
    seen.add(path);
    linkedFrom.set(path, from);
    queue.push(path);
  };

  for (let index = 0; index < queue.length; index += 1) {
    options.signal?.throwIfAborted();
    const path = queue[index]!;
    const response = await options.request(path);
    if (response.status !== 200) {
      failed.set(path, response.status);
      await response.body?.cancel();
      continue;
    }
    const type = response.headers.get('content-type') ?? '';
    if (type.startsWith('text/html')) {
      const html = await response.text();
      kinds.set(path, 'page');
      bodies.set(path, html);
      for (const match of html.matchAll(LINK_ATTRIBUTE)) enqueue(resolveLink(decodeAttribute(match[3] ?? match[4] ?? ''), path), path);
    } else if (type.startsWith('text/css')) {
      const css = await response.text();
      kinds.set(path, 'css');
      bodies.set(path, css);
      for (const match of css.matchAll(CSS_URL)) enqueue(resolveLink(match[2]!, path), path);
    } else {
      const bytes = new Uint8Array(await response.arrayBuffer());
      kinds.set(path, 'file');
      await writeOut(options.dir, fileFor(path, false), bytes);
      result.files += 1;
      result.bytes += bytes.length;
    }
    options.onProgress?.({ done: index + 1, queued: queue.length, path });
  }
  for (const [path, status] of failed) result.broken.push({ from: linkedFrom.get(path) ?? '/', to: path, status });

  // Second pass: every root-relative link becomes relative to the file it is written in.
  // undefined: leave the link; null: a server-only target, so the attribute goes (the element stays, inert).
  const rewrite = (link: string, from: string, fromIsPage: boolean): string | null | undefined => {
    const url = resolveLink(link, from);
    if (!url || !link.startsWith('/')) return undefined;
    if (serverOnly(url.pathname)) return null;
    if (url.pathname === '/search') return `${relativeLink(from, fromIsPage, '/search', true)}${url.search}${url.hash}`;
    const kind = kinds.get(url.pathname);
    if (!kind) return undefined;
    return `${relativeLink(from, fromIsPage, url.pathname, kind === 'page')}${url.hash}`;
  };
  for (const [path, body] of bodies) {
    const isPage = kinds.get(path) === 'page';
    let text = isPage
      ? body.replace(LINK_ATTRIBUTE, (whole, name: string, _quoted, double?: string, single?: string) => {
          const value = decodeAttribute(double ?? single ?? '');
          const relative = rewrite(value, path, true);
          if (relative === null) return '';
          return relative === undefined ? whole : `${name}="${relative.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`;
        })
      : body.replace(CSS_URL, (whole, quote: string, value: string) => {
          const relative = rewrite(value, path, false);
          return relative == null ? whole : `url(${quote}${relative}${quote})`;
        });
    if (path === '/search') text = staticSearchPage(text);
    const bytes = Buffer.from(text, 'utf8');
    await writeOut(options.dir, fileFor(path, isPage), bytes);
    if (isPage) result.pages += 1;
    else result.files += 1;
    result.bytes += bytes.length;
  }

  // GitHub Pages serves 404.html at any depth: its links are absolute paths under the site's base.
  const missing = await options.request('/404-not-found');
  if (missing.headers.get('content-type')?.startsWith('text/html')) {
    const base = options.basePath.endsWith('/') ? options.basePath : `${options.basePath}/`;
    const html = (await missing.text()).replace(LINK_ATTRIBUTE, (whole, name: string, _quoted, double?: string, single?: string) => {
      const value = decodeAttribute(double ?? single ?? '');
      const url = resolveLink(value, '/');
      if (!url || !value.startsWith('/')) return whole;
      const kind = kinds.get(url.pathname);
      const target = kind === 'page' || url.pathname === '/search' ? posix.dirname(`/${fileFor(url.pathname, true)}`).replace(/\/?$/, '/') : url.pathname;
      return `${name}="${(base + target.replace(/^\//, '')).replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`;
    });
    await writeOut(options.dir, '404.html', Buffer.from(html, 'utf8'));
  }
  // Without it GitHub Pages runs Jekyll, which drops files and folders whose names start with "_".
  await writeOut(options.dir, '.nojekyll', Buffer.alloc(0));
  return result;
}

/** The server's search page, its results replaced by the static search's container and script. */
function staticSearchPage(html: string): string {
  const container = `<div id="${STATIC_RESULTS_ID}" aria-live="polite"></div><script src="search.js" defer></script>`;
  return html.includes('</main>') ? html.replace('</main>', `${container}</main>`) : html.replace('</body>', `${container}</body>`);
}

async function writeOut(dir: string, file: string, bytes: Uint8Array): Promise<void> {
  const path = join(dir, file);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}
