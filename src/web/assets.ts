/**
 * The files the pages load, all served by the app itself (the CSP allows no other host): the site's stylesheet, and
 * KaTeX's stylesheet and fonts from node_modules/katex/dist. Names carry a content hash or KaTeX's version, so they
 * are cached for a year.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PAGE_CSS } from '../render/html/style.js';

const require = createRequire(import.meta.url);

export interface Asset {
  body: Uint8Array;
  type: string;
}

/** The site's own rules, after the digest renderer's PAGE_CSS (cards, TL;DR band, dark scheme, CJK font stack). */
const SITE_CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei","WenQuanYi Zen Hei",sans-serif}
.skip{position:absolute;left:-999px;top:0;background:var(--card);padding:.5rem 1rem;z-index:2}
.skip:focus{left:.5rem}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.site{border-bottom:1px solid var(--line);background:var(--card)}
.site-inner{max-width:46rem;margin:0 auto;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
.site .brand{font-weight:700;text-decoration:none;color:var(--fg)}
.site nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
.site form{display:flex;gap:.35rem;flex:1 1 14rem;min-width:0}
.site input[type=search]{flex:1;min-width:0}
input,select,button{font:inherit;color:inherit;background:var(--bg);border:1px solid var(--line);border-radius:.4rem;padding:.3rem .5rem}
button{cursor:pointer;background:var(--tldr-bg)}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.page-foot{max-width:46rem;margin:0 auto;padding:0 1rem}
.feeds{color:var(--muted);font-size:.9rem}
.feeds a{margin-right:.6em}
ol.overview{padding-left:2.2em}
ol.overview li{margin:.25rem 0;line-height:1.45}
ol.overview .tl{display:block;color:var(--muted);font-size:.9rem;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
ol.overview a{display:block;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.entry{content-visibility:auto;contain-intrinsic-size:auto 30rem}
ul.plain{list-style:none;padding:0}
ul.plain li{margin:.35rem 0}
.month{margin:1rem 0}
.month h3{font-size:1rem;margin:.25rem 0}
.days{display:grid;grid-template-columns:repeat(7,minmax(0,1fr));gap:2px;list-style:none;padding:0;margin:0}
.days li{border:1px solid var(--line);border-radius:.3rem;min-height:2.6rem;padding:.1rem .25rem;font-size:.8rem}
.days li.pad{border:0}
.days a{display:block;text-decoration:none}
.days .count{display:block;color:var(--muted);font-size:.75rem}
.hit{border-bottom:1px solid var(--line);padding:.75rem 0}
.hit h2{font-size:1.05rem;margin:0 0 .25rem}
.hit p{margin:.25rem 0}
mark{background:#ffe58f;color:#1b1b1f;border-radius:.15em}
@media (prefers-color-scheme:dark){mark{background:#7a5d00;color:#fff}}
.pager{display:flex;gap:1rem;justify-content:space-between;margin:1rem 0}
.diff ins{background:#d7f5dd;text-decoration:none}
.diff del{background:#fde0e0}
@media (prefers-color-scheme:dark){.diff ins{background:#1f4d2a}.diff del{background:#5a1f1f}}
.search-form{display:grid;gap:.5rem;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));margin:1rem 0}
.search-form label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted)}
.error-box{background:var(--note-bg);color:var(--note);padding:.75rem 1rem;border-radius:.5rem;white-space:pre-wrap;overflow-x:auto;font:.9rem/1.5 ui-monospace,"SFMono-Regular",Menlo,Consolas,"WenQuanYi Micro Hei Mono",monospace}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.25rem .4rem;border-bottom:1px solid var(--line);vertical-align:top}
`;

const hash = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex').slice(0, 12);

export interface SiteAssets {
  /** Paths (relative to `/assets/`) of the stylesheets every page links. */
  siteCss: string;
  katexCss: string;
  /** A file by its path under `/assets/`, or undefined. */
  get(file: string): Asset | undefined;
}

let cached: SiteAssets | undefined;

export function siteAssets(): SiteAssets {
  if (cached) return cached;
  const css = `${PAGE_CSS}${SITE_CSS}`;
  const siteCss = `site-${hash(css)}.css`;
  const katexDir = dirname(require.resolve('katex/dist/katex.min.css'));
  const katexVersion = (JSON.parse(readFileSync(join(katexDir, '..', 'package.json'), 'utf8')) as { version: string }).version;
  const prefix = `katex-${katexVersion}/`;
  const files = new Map<string, Asset>([[siteCss, { body: new TextEncoder().encode(css), type: 'text/css; charset=utf-8' }]]);
  const katexFile = (name: string): Asset | undefined => {
    if (name === 'katex.min.css') return { body: readFileSync(join(katexDir, name)), type: 'text/css; charset=utf-8' };
    const font = /^fonts\/(KaTeX_[A-Za-z0-9_-]+)\.(woff2|woff|ttf)$/.exec(name);
    if (!font) return undefined;
    try {
      return { body: readFileSync(join(katexDir, 'fonts', `${font[1]}.${font[2]}`)), type: `font/${font[2]}` };
    } catch {
      return undefined;
    }
  };
  cached = {
    siteCss,
    katexCss: `${prefix}katex.min.css`,
    get(file) {
      const found = files.get(file);
      if (found) return found;
      if (!file.startsWith(prefix)) return undefined;
      const asset = katexFile(file.slice(prefix.length));
      if (asset) files.set(file, asset);
      return asset;
    },
  };
  return cached;
}
