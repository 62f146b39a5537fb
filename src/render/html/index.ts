/** The standalone HTML renderer: one self-contained, phone-friendly page per digest, math rendered, every text escaped. */
import type { Digest, DigestEntry } from '../../core/digest.js';
import { cleanLine, entryLinks, escapeHtml, hasTexts, readableEntry } from './escape.js';
import { resolveLabels, type RenderLabels } from './labels.js';
import { textWithMath } from './math.js';
import { arxivListing } from '../listing.js';
import { katexCss, PAGE_CSS, type KatexFonts } from './style.js';

export {
  cleanLine,
  cleanText,
  entryLinks,
  entryPermalink,
  entryVersionedId,
  escapeHtml,
  hasTexts,
  isChinese,
  readableEntry,
  safeHttpUrl,
  type EntryLinks,
} from './escape.js';
export { entryFeedHtml, entryFeedParagraphs, entryFeedText } from './feed-content.js';
export { resolveLabels, type RenderLabels } from './labels.js';
export { renderTex, splitMath, textWithMath, type MathSegment } from './math.js';
export type { KatexFonts } from './style.js';

export interface HtmlRendererOptions {
  /** Replace single labels (link texts, the "updated" flag, …). */
  labels?: Partial<RenderLabels>;
  /** KaTeX fonts: inlined as data: URLs (default; only the faces used), or 'none' (smaller; the fallback font draws math). */
  katexFonts?: KatexFonts;
}

export interface HtmlRenderer {
  format: 'html';
  mediaType: 'text/html; charset=utf-8';
  /** A complete `<!DOCTYPE html>` document that makes no request of its own. */
  render(digest: Digest): string;
}

// Defence in depth: even if a text escaped its escaping, the page could run no script and load nothing from outside.
const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; font-src data:; img-src data:; base-uri 'none'; form-action 'none'";

export function createHtmlRenderer(options: HtmlRendererOptions = {}): HtmlRenderer {
  const fonts = options.katexFonts ?? 'inline';
  return {
    format: 'html',
    mediaType: 'text/html; charset=utf-8',
    render(digest) {
      return renderHtmlDocument(digest, resolveLabels(digest.lang, options.labels), fonts);
    },
  };
}

/** The page title: the digest's title, else its subscription or name and day. */
export function digestTitle(digest: Pick<Digest, 'title' | 'subscription' | 'name' | 'day'>): string {
  if (digest.title !== undefined && cleanLine(digest.title) !== '') return cleanLine(digest.title);
  const subject = cleanLine(digest.subscription ?? digest.name);
  return digest.day ? `arXiv ${subject} · ${cleanLine(digest.day)}` : `arXiv ${subject}`;
}

function renderHtmlDocument(digest: Digest, labels: RenderLabels, fonts: KatexFonts): string {
  const title = digestTitle(digest);
  const listing = arxivListing(digest);
  const entries = digest.entries.map((entry, position) => renderEntryHtml(readableEntry(entry, digest.style), position + 1, labels));
  const body =
    `<main>\n<header><h1>${escapeHtml(title)}</h1><p class="meta">${escapeHtml(labels.count(digest.entries.length))}${listing ? ` · ${link(listing, listing.replace(/^https:\/\//, ''))}` : ''}</p></header>\n` +
    (entries.length === 0 ? `<p class="empty">${escapeHtml(labels.empty)}</p>\n` : `<ol class="entries">\n${entries.join('\n')}\n</ol>\n`) +
    `<footer>xivdigest · ${digest.unsubscribe ? `${link(safeLink(digest.unsubscribe), labels.unsubscribe)} · ` : ''}<time datetime="${escapeHtml(digest.createdAt)}">${escapeHtml(digest.createdAt)}</time></footer>\n</main>`;
  const css = `${PAGE_CSS}${katexCss(body, fonts)}`;
  const lang = cleanLine(digest.lang).replace(/[^A-Za-z0-9-]/g, '') || 'und';
  return (
    `<!DOCTYPE html>\n<html lang="${lang}">\n<head>\n<meta charset="utf-8">\n` +
    `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">\n` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="color-scheme" content="light dark">\n` +
    `<meta name="referrer" content="no-referrer">\n<title>${escapeHtml(title)}</title>\n<style>${css}</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`
  );
}

function link(href: string | undefined, text: string): string {
  // entryLinks returns only http(s) URLs normalized by the URL parser; escapeHtml makes them safe in the attribute.
  return href === undefined ? '' : `<a href="${escapeHtml(href)}" rel="noopener noreferrer">${escapeHtml(text)}</a>`;
}

/** A signed link (docs/decisions/0040) when it is http(s), else nothing. */
function safeLink(href: string): string | undefined {
  return /^https?:\/\//i.test(href) ? href : undefined;
}

/** One entry as an `<li>` card. */
export function renderEntryHtml(entry: DigestEntry, index: number, labels: RenderLabels): string {
  const ok = hasTexts(entry);
  const links = entryLinks(entry);
  const anchor = `paper-${cleanLine(entry.paperId).replace(/[^A-Za-z0-9._-]/g, '-')}`;
  const parts: string[] = [];
  const heading = ok && entry.texts.title.trim() !== '' ? textWithMath(entry.texts.title) : textWithMath(entry.title);
  parts.push(`<h2><span class="index">${index}.</span>${heading}</h2>`);
  if (ok && entry.texts.title.trim() !== '') parts.push(`<p class="title-en" lang="en">${textWithMath(entry.title)}</p>`);
  const flags: string[] = [];
  if (entry.updatedFrom !== undefined) flags.push(`<span class="flag updated">${escapeHtml(labels.updated(entry))}</span>`);
  (entry.categories ?? []).forEach((category, position) => {
    flags.push(`<span class="cat${position === 0 ? ' primary' : ''}">${escapeHtml(cleanLine(category))}</span>`);
  });
  if (flags.length > 0) parts.push(`<p class="cats">${flags.join(' ')}</p>`);
  if (entry.authors && entry.authors.length > 0) {
    parts.push(`<p class="authors" lang="en">${entry.authors.map((author) => escapeHtml(cleanLine(author))).join(', ')}</p>`);
  }
  parts.push(
    `<p class="links">${[link(links.abs, labels.abstractPage), link(links.pdf, labels.pdf), link(links.html, labels.html)].filter((html) => html !== '').join(' ')}</p>`,
  );
  if (entry.feedback) {
    parts.push(`<p class="feedback">${link(safeLink(entry.feedback.star), labels.moreLikeThis)} · ${link(safeLink(entry.feedback.hide), labels.hide)}</p>`);
  }
  const why = entry.selection ? cleanLine(labels.selection(entry.selection)) : '';
  if (why !== '') parts.push(`<p class="selection">${escapeHtml(why)}</p>`);
  if (ok) {
    if (entry.texts.tldr.trim() !== '') parts.push(`<p class="tldr">${textWithMath(entry.texts.tldr)}</p>`);
    if (entry.texts.tldrEn.trim() !== '') parts.push(`<p class="tldr-en" lang="en">${textWithMath(entry.texts.tldrEn)}</p>`);
    const summary = entry.texts.summary;
    if (summary) {
      const rows = (['motivation', 'method', 'result', 'conclusion'] as const)
        .filter((part) => typeof summary[part] === 'string' && summary[part].trim() !== '')
        .map((part) => `<dt>${escapeHtml(labels.summaryParts[part])}</dt><dd>${textWithMath(summary[part])}</dd>`);
      if (rows.length > 0) parts.push(`<dl class="summary">${rows.join('')}</dl>`);
    }
    if (entry.texts.abstract.trim() !== '') parts.push(`<p class="abstract">${textWithMath(entry.texts.abstract)}</p>`);
    parts.push(`<details><summary>${escapeHtml(labels.englishAbstract)}</summary><p lang="en">${textWithMath(entry.abstract)}</p></details>`);
  } else {
    parts.push(`<p class="note ${entry.textStatus === 'pending' ? 'pending' : 'failed'}">${escapeHtml(cleanLine(labels.untranslated(entry)))}</p>`);
    parts.push(`<p class="abstract" lang="en">${textWithMath(entry.abstract)}</p>`);
  }
  return `<li class="entry" id="${escapeHtml(anchor)}"><article>\n${parts.join('\n')}\n</article></li>`;
}
