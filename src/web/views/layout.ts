/** The page frame: head (CSP-friendly: no inline script or style), skip link, landmarks, the search form, feeds. */
import { escapeHtml } from '../../render/html/escape.js';
import { siteAssets } from '../assets.js';
import { UI_TEXT, type UiLang } from '../i18n.js';
import { urls } from '../urls.js';

/** A page's feeds: linked in the head (`rel="alternate"`) and visibly. */
export interface PageFeeds {
  title: string;
  atom: string;
  json: string;
}

export interface PageOptions {
  ui: UiLang;
  title: string;
  /** The `<main>` content; it must hold the page's one `<h1>`. */
  body: string;
  feeds?: PageFeeds;
  /** The current path and query, for the language switch. */
  path: string;
  /** Whether the page has KaTeX markup (links KaTeX's stylesheet). */
  math?: boolean;
  /** The search box's current text. */
  q?: string;
}

/** `href` escaped for an attribute. */
export const attr = (value: string): string => escapeHtml(value);

/** The path with `ui` set to `lang` (other query parameters kept). */
export function withUi(path: string, lang: UiLang): string {
  const [pathname, query = ''] = path.split('?', 2) as [string, string?];
  const params = new URLSearchParams(query);
  params.set('ui', lang);
  return `${pathname}?${params.toString()}`;
}

export function page(options: PageOptions): string {
  const t = UI_TEXT[options.ui];
  const assets = siteAssets();
  const other: UiLang = options.ui === 'zh' ? 'en' : 'zh';
  const feeds = options.feeds;
  const head = [
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<title>${escapeHtml(options.title)} · xivdigest</title>`,
    `<link rel="stylesheet" href="${attr(urls.asset(assets.siteCss))}">`,
    options.math ? `<link rel="stylesheet" href="${attr(urls.asset(assets.katexCss))}">` : '',
    feeds ? `<link rel="alternate" type="application/atom+xml" title="${attr(feeds.title)} (Atom)" href="${attr(feeds.atom)}">` : '',
    feeds ? `<link rel="alternate" type="application/feed+json" title="${attr(feeds.title)} (JSON Feed)" href="${attr(feeds.json)}">` : '',
  ].filter((line) => line !== '');
  const header =
    `<a class="skip" href="#main">${escapeHtml(t.skip)}</a>\n` +
    `<header class="site"><div class="site-inner">` +
    `<a class="brand" href="${attr(urls.home())}">xivdigest</a>` +
    `<nav aria-label="${attr(options.ui === 'zh' ? '站点' : 'Site')}"><ul>` +
    `<li><a href="${attr(urls.home())}">${escapeHtml(t.home)}</a></li>` +
    `<li><a href="${attr(urls.archive())}">${escapeHtml(t.archive)}</a></li>` +
    `<li><a href="${attr(urls.search())}">${escapeHtml(t.search)}</a></li>` +
    `<li><a href="${attr(withUi(options.path, other))}" lang="${other}" hreflang="${other}">${escapeHtml(t.otherLanguage)}</a></li>` +
    `<!--account-->` +
    `</ul></nav>` +
    `<form role="search" action="${attr(urls.search())}" method="get"><label class="visually-hidden" for="site-q">${escapeHtml(t.searchLabel)}</label>` +
    `<input id="site-q" type="search" name="q" value="${attr(options.q ?? '')}" placeholder="${attr(t.searchPlaceholder)}">` +
    `<button type="submit">${escapeHtml(t.searchButton)}</button></form>` +
    `</div></header>`;
  const footer = `<footer class="page-foot"><div class="feeds">${
    feeds ? `${escapeHtml(t.feeds)}: <a href="${attr(feeds.atom)}">${escapeHtml(t.atom)}</a><a href="${attr(feeds.json)}">${escapeHtml(t.jsonFeed)}</a>` : ''
  }</div><p>xivdigest</p></footer>`;
  return (
    `<!DOCTYPE html>\n<html lang="${options.ui === 'zh' ? 'zh-CN' : 'en'}">\n<head>\n${head.join('\n')}\n</head>\n<body>\n${header}\n` +
    `<main id="main" tabindex="-1">\n${options.body}\n</main>\n${footer}\n</body>\n</html>\n`
  );
}
