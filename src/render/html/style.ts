/** The inline CSS of the standalone HTML digest: the page's own rules and KaTeX's, with only the fonts a digest uses. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** KaTeX's stylesheet split into its rules without `@font-face` and its font faces. Read once, on first use. */
interface KatexStyles {
  rules: string;
  faces: FontFace[];
  /** `[selector classes, font family]` for every rule that sets a KaTeX font family. */
  familyRules: Array<{ classes: string[]; family: string }>;
}

interface FontFace {
  family: string;
  weight: string;
  style: string;
  /** Absolute path of the woff2 file. */
  file: string;
}

let katexStyles: KatexStyles | undefined;

function loadKatexStyles(): KatexStyles {
  if (katexStyles) return katexStyles;
  const cssPath = require.resolve('katex/dist/katex.min.css');
  const css = readFileSync(cssPath, 'utf8');
  const faces: FontFace[] = [];
  const rules = css.replace(/@font-face\{([^}]*)\}/g, (_, body: string) => {
    const family = /font-family:([^;]+)/.exec(body)?.[1]?.trim();
    const woff2 = /url\(([^)]+\.woff2)\)/.exec(body)?.[1];
    if (family && woff2) {
      faces.push({
        family,
        weight: /font-weight:([^;]+)/.exec(body)?.[1]?.trim() ?? '400',
        style: /font-style:([^;]+)/.exec(body)?.[1]?.trim() ?? 'normal',
        file: join(dirname(cssPath), woff2),
      });
    }
    return '';
  });
  const familyRules: KatexStyles['familyRules'] = [];
  for (const match of rules.matchAll(/([^{}]+)\{([^{}]*font(?:-family)?:[^{}]*KaTeX_[A-Za-z0-9]+[^{}]*)\}/g)) {
    const family = /KaTeX_[A-Za-z0-9]+/.exec(match[2]!)![0];
    for (const selector of match[1]!.split(',')) {
      const classes = [...selector.matchAll(/\.([A-Za-z0-9_-]+)/g)].map((found) => found[1]!).filter((name) => name !== 'katex');
      familyRules.push({ classes, family });
    }
  }
  katexStyles = { rules, faces, familyRules };
  return katexStyles;
}

const fontData = new Map<string, string>();

function fontDataUrl(file: string): string {
  let data = fontData.get(file);
  if (data === undefined) {
    data = `data:font/woff2;base64,${readFileSync(file).toString('base64')}`;
    fontData.set(file, data);
  }
  return data;
}

/** How KaTeX's fonts reach the page: inlined as data: URLs (only the faces the math uses), or not at all. */
export type KatexFonts = 'inline' | 'none';

/**
 * KaTeX's CSS for a page whose HTML is `html`, or '' when it has no math. With `fonts: 'inline'` the families its
 * classes select are embedded as base64 woff2 (upright regular faces; bold and italic faces only when bold or italic
 * commands occur): 60–130 KB for typical abstracts. With 'none' the browser falls back to the page's serif font:
 * formulas stay legible but large operators and delimiters lose their shapes.
 */
export function katexCss(html: string, fonts: KatexFonts): string {
  if (!html.includes('class="katex')) return '';
  const styles = loadKatexStyles();
  if (fonts === 'none') return styles.rules;
  const used = new Set<string>(['KaTeX_Main']);
  const classes = new Set<string>();
  for (const match of html.matchAll(/class="([^"]*)"/g)) for (const name of match[1]!.split(/\s+/)) classes.add(name);
  for (const rule of styles.familyRules) {
    if (rule.classes.length > 0 && rule.classes.every((name) => classes.has(name))) used.add(rule.family);
  }
  const bold = ['mathbf', 'boldsymbol', 'textbf', 'mathboldsf', 'mathboldfrak'].some((name) => classes.has(name));
  const italic = ['textit', 'mathit', 'mathitsf', 'mathsfit', 'textitsf'].some((name) => classes.has(name));
  // A family's italic face is needed only for italic commands, unless italic is all it has (KaTeX_Math).
  const hasUpright = (family: string): boolean => styles.faces.some((face) => face.family === family && face.style === 'normal');
  const faces = styles.faces.filter(
    (face) =>
      used.has(face.family) && (bold || face.weight === '400' || face.weight === 'normal') && (italic || face.style === 'normal' || !hasUpright(face.family)),
  );
  const fontFaces = faces
    .map(
      (face) =>
        `@font-face{font-display:swap;font-family:${face.family};font-style:${face.style};font-weight:${face.weight};src:url(${fontDataUrl(face.file)}) format("woff2")}`,
    )
    .join('\n');
  return `${fontFaces}\n${styles.rules}`;
}

/**
 * The page's own CSS: fluid single column, system fonts with CJK fallbacks, light and dark schemes. No weight between
 * normal and 700 on mixed text: CJK fonts have no bold face and Chromium synthesizes one only from 700, so a 600 TL;DR
 * showed its Latin words bold beside regular CJK. The TL;DR stands out by a tinted band instead.
 */
export const PAGE_CSS = `
:root{color-scheme:light dark;--bg:#fdfdfc;--fg:#1b1b1f;--muted:#5d5f66;--line:#e2e2e6;--card:#ffffff;--accent:#0b57d0;--flag:#8a4b00;--flag-bg:#fff1dc;--note:#8c1d18;--note-bg:#fde7e4;--tldr-bg:#eef3fd}
@media (prefers-color-scheme:dark){:root{--bg:#121316;--fg:#e6e6ea;--muted:#a4a6ad;--line:#2d2f35;--card:#1b1c20;--accent:#8ab4f8;--flag:#ffcf8a;--flag-bg:#3a2a12;--note:#ffb4ab;--note-bg:#3d1a17;--tldr-bg:#1d2636}}
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",sans-serif;overflow-wrap:anywhere;word-break:normal}
main{max-width:46rem;margin:0 auto;padding:1rem}
header h1{font-size:1.5rem;line-height:1.3;margin:.5rem 0}
.meta,.authors,.links,.cats{color:var(--muted);font-size:.9rem}
ol.entries{list-style:none;margin:0;padding:0}
.entry{background:var(--card);border:1px solid var(--line);border-radius:.75rem;padding:1rem;margin:1rem 0}
.entry h2{font-size:1.15rem;line-height:1.4;margin:0 0 .25rem}
.entry h2 .index{color:var(--muted);font-weight:normal;margin-right:.35em}
.title-en{margin:0 0 .5rem;color:var(--muted);font-style:italic}
.entry p{margin:.5rem 0}
a{color:var(--accent)}
.links a{margin-right:.75em}
.flag{display:inline-block;font-size:.8rem;padding:0 .5em;border-radius:1em;background:var(--flag-bg);color:var(--flag);margin-right:.35em}
.cat{display:inline-block;font-size:.8rem;margin-right:.35em}
.cat.primary{font-weight:600}
.tldr{font-weight:normal;background:var(--tldr-bg);padding:.45em .7em;border-radius:.5em}
.tldr-en{color:var(--muted)}
.summary{margin:.4em 0;display:grid;grid-template-columns:auto 1fr;gap:.15em .6em}
.summary dt{font-weight:700;color:var(--muted)}
.summary dd{margin:0}
.selection{font-size:.9rem;border-left:3px solid var(--accent);padding-left:.6em}
.note{background:var(--note-bg);color:var(--note);padding:.5em .75em;border-radius:.5em}
details{margin-top:.5rem}
summary{cursor:pointer;color:var(--muted)}
.math-inline{display:inline-block;max-width:100%;overflow-x:auto;overflow-y:hidden;vertical-align:middle}
.math-display{display:block;max-width:100%;overflow-x:auto;overflow-y:hidden}
.katex{font-size:1.05em}
.katex-display{margin:.5em 0}
footer{color:var(--muted);font-size:.8rem;margin:2rem 0 1rem}
`;
