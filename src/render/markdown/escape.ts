/** Escaping for native digests: any title or text stays one inert Markdown line, inside a table cell or a footnote. */
import { absLink, parseArxivId } from '../../core/arxiv-id.js';

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const BROKEN_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Bidi embeddings, overrides and isolates reorder what the reader sees around them; they never carry meaning here.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\uFEFF]/g;
// C0 and C1 controls (tab, CR and LF included), DEL, and the Unicode line and paragraph separators: all would end a
// line, start a new table row or footnote paragraph, or be invisible.
const LINE_BREAKING = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g;
const WHITESPACE_RUN = /\s+/g;
// Characters that have meaning in CommonMark/GFM inline syntax (and GitHub's math) or HTML: they could open a link, a
// footnote reference, a code span, a table cell, an HTML element, emphasis (`*`, `_`), strikethrough (`~`) or math
// (`$`). All are escaped, so GitHub shows a paper's title exactly as arXiv has it (decision 0021); LaTeX in a native
// digest reads as its source, as on the arXiv listing. Legacy digests are never escaped (byte-exact with the original).
const INLINE_SPECIAL = /[\\`|[\]<>&*_~$]/g;
const INLINE_REPLACEMENT: Record<string, string> = {
  '\\': '\\\\',
  '`': '\\`',
  '|': '\\|',
  '[': '\\[',
  ']': '\\]',
  '<': '&lt;',
  '>': '&gt;',
  '&': '&amp;',
  '*': '\\*',
  _: '\\_',
  '~': '\\~',
  $: '\\$',
};
// At the start of a line these open a heading, quote, list, thematic break, setext underline or fence.
const LEADING_BLOCK_MARKER = /^(?:[#>+\-*=~:]|\d+(?=[.)]))/;
// The original's table title is `re.sub(r'\s*\(arXiv.+', '', title)`. Writing `(` as a character reference before
// "arXiv" keeps a native digest readable by the cn-chat-arxiv importer, which applies that rule.
const ARXIV_PAREN = /\(arXiv/g;

/** Replaces broken UTF-16 surrogates with U+FFFD (String.prototype.toWellFormed is ES2024). */
export function toWellFormed(text: string): string {
  return text.replace(BROKEN_SURROGATE, '\uFFFD');
}

/**
 * Makes any text safe as inline Markdown on one line: newlines, tabs and control characters become single spaces,
 * Markdown and HTML specials are escaped (`|` → `\|`, `[` → `\[`, `<` → `&lt;`, …), and a leading block marker is
 * escaped. The result renders as the original text and never contains a newline or an unescaped `|`, `[` or `]`.
 */
export function escapeMarkdownInline(text: string): string {
  const flat = toWellFormed(text).replace(BIDI_CONTROLS, '').replace(LINE_BREAKING, ' ').replace(WHITESPACE_RUN, ' ').trim();
  const escaped = flat.replace(INLINE_SPECIAL, (character) => INLINE_REPLACEMENT[character]!).replace(ARXIV_PAREN, '&#40;arXiv');
  return escaped.replace(LEADING_BLOCK_MARKER, (marker) => (/^\d/.test(marker) ? `${marker}\\` : `\\${marker}`));
}

// RFC 3986 unreserved and reserved characters, plus `%`, less the ones Markdown gives meaning to in a link:
// `(` `)` end the destination, `[` `]` the text, `|` the table cell, `\` escapes, `<` `>` autolinks.
const URL_SAFE = /[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]/;

/**
 * A link safe in both `[LINK](LINK)` and a table cell: http(s) only, with every other character percent-encoded.
 * Anything else (a `javascript:` URL, an empty link) falls back to the paper's arXiv abstract page.
 */
export function safeMarkdownLink(link: string, paperId: string): string {
  const trimmed = toWellFormed(link).trim();
  if (/^https?:\/\/[^\s/?#]+/i.test(trimmed)) {
    return encodeUnsafe(trimmed, URL_SAFE);
  }
  const parsed = parseArxivId(paperId);
  return absLink(parsed ? parsed.id : encodeUnsafe(toWellFormed(paperId), /[A-Za-z0-9\-._~/]/));
}

function encodeUnsafe(text: string, safe: RegExp): string {
  let result = '';
  for (const character of text) {
    // encodeURIComponent leaves `(` `)` `!` `'` `*` alone; `(` and `)` would end the link destination.
    result += safe.test(character) ? character : encodeURIComponent(character).replace(/[()!'*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  }
  return result;
}
