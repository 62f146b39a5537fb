/** Small pieces the pages share: search hits with highlighted snippets, a pager, the word diff of two abstracts. */
import type { SearchHit, SearchSnippet } from '../../core/search.js';
import { cleanLine, escapeHtml } from '../../render/html/escape.js';
import { textWithMath } from '../../render/html/math.js';
import { UI_TEXT, type UiLang } from '../i18n.js';
import { urls } from '../urls.js';
import { attr } from './layout.js';
import { marksSlot } from '../feedback/slot.js';

/** A snippet's text escaped, its highlighted spans in `<mark>`. */
export function snippetHtml(snippet: SearchSnippet): string {
  let html = '';
  let at = 0;
  for (const [start, end] of snippet.highlights) {
    if (start < at || end > snippet.text.length || end <= start) continue;
    html += escapeHtml(snippet.text.slice(at, start)) + `<mark>${escapeHtml(snippet.text.slice(start, end))}</mark>`;
    at = end;
  }
  html += escapeHtml(snippet.text.slice(at));
  return html;
}

/** One hit: translated title (link to the paper page), English title, day and categories, TL;DR, snippets. */
export function hitHtml(hit: SearchHit, ui: UiLang): string {
  const t = UI_TEXT[ui];
  const title = hit.translatedTitle && hit.translatedTitle.trim() !== '' ? hit.translatedTitle : hit.title;
  const parts = [`<h2><a href="${attr(urls.paper(hit.id))}">${textWithMath(title)}</a></h2>`];
  if (title !== hit.title) parts.push(`<p class="title-en" lang="en">${textWithMath(hit.title)}</p>`);
  const meta = [hit.id, hit.announced ? `${t.announced} ${hit.announced}` : '', hit.categories.join(' ')].filter((part) => part !== '');
  parts.push(`<p class="meta">${escapeHtml(cleanLine(meta.join(' · ')))}</p>`);
  if (hit.authors.length > 0)
    parts.push(`<p class="authors" lang="en">${escapeHtml(cleanLine(hit.authors.slice(0, 8).join(', ') + (hit.authors.length > 8 ? ', …' : '')))}</p>`);
  if (hit.tldr && hit.tldr.trim() !== '') parts.push(`<p class="tldr">${textWithMath(hit.tldr)}</p>`);
  for (const snippet of hit.snippets) parts.push(`<p class="snippet">${snippetHtml(snippet)}</p>`);
  parts.push(marksSlot(hit.id));
  return `<li class="hit"><article>${parts.join('')}</article></li>`;
}

/** Previous/next links and "page n of m"; `href(page)` makes a page's URL. */
/** Previous and next links; `more` when there are more than `total` results (the number of pages is not known). */
export function pagerHtml(page: number, pageSize: number, total: number, ui: UiLang, href: (page: number) => string, more = false): string {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1 && !more) return '';
  const t = UI_TEXT[ui];
  const previous = page > 1 ? `<a href="${attr(href(page - 1))}" rel="prev">${escapeHtml(t.previous)}</a>` : '<span></span>';
  const next = more || page < pages ? `<a href="${attr(href(page + 1))}" rel="next">${escapeHtml(t.next)}</a>` : '<span></span>';
  const label = more ? t.pageOpen(page) : t.page(Math.min(page, pages), pages);
  return `<nav class="pager" aria-label="${attr(more ? label : t.page(page, pages))}">${previous}<span>${escapeHtml(label)}</span>${next}</nav>`;
}

const MAX_DIFF_WORDS = 1500;

/** The word diff of two texts as HTML: removed words in `<del>`, added in `<ins>` (LCS over whitespace-split words). */
export function wordDiffHtml(before: string, after: string): string {
  const a = cleanLine(before).split(' ');
  const b = cleanLine(after).split(' ');
  if (a.length > MAX_DIFF_WORDS || b.length > MAX_DIFF_WORDS) {
    return `<del>${escapeHtml(a.join(' '))}</del> <ins>${escapeHtml(b.join(' '))}</ins>`;
  }
  const rows = a.length + 1;
  const cols = b.length + 1;
  const table = new Uint16Array(rows * cols);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i * cols + j] = a[i] === b[j] ? table[(i + 1) * cols + j + 1]! + 1 : Math.max(table[(i + 1) * cols + j]!, table[i * cols + j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  const push = (kind: 'same' | 'del' | 'ins', word: string): void => {
    out.push(kind === 'same' ? escapeHtml(word) : `<${kind}>${escapeHtml(word)}</${kind}>`);
  };
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      push('same', a[i]!);
      i++;
      j++;
    } else if (table[(i + 1) * cols + j]! >= table[i * cols + j + 1]!) push('del', a[i++]!);
    else push('ins', b[j++]!);
  }
  while (i < a.length) push('del', a[i++]!);
  while (j < b.length) push('ins', b[j++]!);
  return out
    .join(' ')
    .replace(/<\/del> <del>/g, ' ')
    .replace(/<\/ins> <ins>/g, ' ');
}
