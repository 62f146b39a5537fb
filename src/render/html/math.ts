/** Server-side math: finds `$…$`, `$$…$$`, `\(…\)` and `\[…\]` in plain text and renders them with KaTeX, untrusted. */
import { createRequire } from 'node:module';
import type Katex from 'katex';
import { cleanText, escapeHtml } from './escape.js';
import { writeFormatting } from '../../core/tex-formatting.js';

// KaTeX loads the first time a formula is rendered, not with every command that opens the store (its CommonJS build,
// which `require` can load on demand; docs/decisions/0062-test-suite-time.md).
const require = createRequire(import.meta.url);
let katexModule: typeof Katex | undefined;
const katex = (): typeof Katex => (katexModule ??= require('katex') as typeof Katex);

/** A piece of text: plain, or TeX between math delimiters. */
export type MathSegment = { kind: 'text'; text: string } | { kind: 'math'; tex: string; display: boolean; source: string };

// Longest TeX we hand to KaTeX; a "formula" longer than this is almost surely a stray `$` pairing up with another.
const MAX_TEX_LENGTH = 2000;

/**
 * Splits text on math delimiters. `$$…$$` and `\[…\]` are display math; `$…$` and `\(…\)` inline. Pandoc's rule for
 * `$` keeps prices literal: the opening `$` must be followed by a non-space, the closing one preceded by a non-space
 * and not followed by a digit. `\$` is a literal dollar. Unclosed delimiters stay text.
 */
export function splitMath(text: string): MathSegment[] {
  const segments: MathSegment[] = [];
  let plain = '';
  let index = 0;
  const flush = (): void => {
    if (plain !== '') segments.push({ kind: 'text', text: plain });
    plain = '';
  };
  while (index < text.length) {
    const character = text[index]!;
    if (character === '\\' && text[index + 1] === '$') {
      plain += '$';
      index += 2;
      continue;
    }
    const found = matchMath(text, index);
    if (found) {
      flush();
      segments.push({ kind: 'math', tex: found.tex, display: found.display, source: text.slice(index, found.end) });
      index = found.end;
      continue;
    }
    plain += character;
    index++;
  }
  flush();
  return segments;
}

function matchMath(text: string, start: number): { tex: string; display: boolean; end: number } | undefined {
  if (text.startsWith('$$', start)) {
    const close = text.indexOf('$$', start + 2);
    return delimited(text, start + 2, close, 2, true);
  }
  if (text.startsWith('\\[', start)) return delimited(text, start + 2, text.indexOf('\\]', start + 2), 2, true);
  if (text.startsWith('\\(', start)) return delimited(text, start + 2, text.indexOf('\\)', start + 2), 2, false);
  if (text[start] === '$') {
    if (/\s/.test(text[start + 1] ?? ' ')) return undefined;
    let close = start + 1;
    for (;;) {
      close = text.indexOf('$', close);
      if (close < 0) return undefined;
      if (text[close - 1] === '\\') {
        close++;
        continue;
      }
      break;
    }
    if (/\s/.test(text[close - 1]!) || /\d/.test(text[close + 1] ?? '')) return undefined;
    return delimited(text, start + 1, close, 1, false);
  }
  return undefined;
}

function delimited(text: string, from: number, close: number, width: number, display: boolean) {
  if (close < 0) return undefined;
  const tex = text.slice(from, close);
  if (tex.trim() === '' || tex.length > MAX_TEX_LENGTH) return undefined;
  return { tex, display, end: close + width };
}

/**
 * KaTeX options for untrusted input. `trust: false` refuses `\href`, `\url`, `\includegraphics` and `\html*` (the only
 * commands that emit links, images or attributes); `maxExpand` stops macro bombs and `maxSize` absurd boxes;
 * `throwOnError: false` prints a bad formula as its (escaped) source in a `.katex-error` span. `strict` is about LaTeX
 * compatibility, not safety: 'ignore' lets Unicode text in math (common in translations) render instead of warning.
 */
const KATEX_OPTIONS = {
  throwOnError: false,
  trust: false,
  strict: 'ignore',
  output: 'htmlAndMathml',
  maxExpand: 200,
  maxSize: 20,
} as const;

/** Renders one formula; KaTeX escapes the TeX it prints. Anything KaTeX throws (it should not) falls back to escaped text. */
export function renderTex(tex: string, display: boolean): string {
  try {
    return katex().renderToString(cleanText(tex), { ...KATEX_OPTIONS, displayMode: display });
  } catch {
    return `<code class="tex">${escapeHtml(tex)}</code>`;
  }
}

/**
 * Text to HTML with its math rendered: plain parts escaped, with `\\textit{…}`/`\\emph{…}` as `<em>` and `\\textbf{…}`
 * as `<strong>`; math parts by KaTeX. Inline math sits in a span that
 * scrolls sideways when it is wider than the screen, so a long formula never widens the page.
 */
export function textWithMath(text: string): string {
  return splitMath(cleanText(text))
    .map((segment) =>
      segment.kind === 'text'
        ? writeFormatting(segment.text, { text: escapeHtml, wrap: (kind, content) => `<${kind}>${content}</${kind}>` })
        : `<span class="${segment.display ? 'math-display' : 'math-inline'}">${renderTex(segment.tex, segment.display)}</span>`,
    )
    .join('');
}
