/** The HTML body of one entry inside a feed (RSS description, Atom content, JSON Feed content_html): no CSS, no KaTeX. */
import type { DigestEntry } from '../../core/digest.js';
import { cleanLine, entryLinks, escapeHtml, hasTexts } from './escape.js';
import type { RenderLabels } from './labels.js';
import { plainFormatting, writeFormattingOutsideMath } from '../../core/tex-formatting.js';

/**
 * The paragraphs of cn-chat-arxiv's feed items, in its order: translated title, English title, link, TL;DR, English
 * TL;DR, translated abstract, English abstract; then, when known, the update flag, authors, categories and why the
 * entry was selected. An entry without texts has the untranslated note in the translated slots. Feed readers drop
 * stylesheets, so math stays as its TeX source (readers that render TeX still can).
 */
export function entryFeedParagraphs(entry: DigestEntry, labels: RenderLabels): string[] {
  const ok = hasTexts(entry);
  const links = entryLinks(entry);
  const note = ok ? '' : cleanLine(labels.untranslated(entry));
  const paragraphs = [
    ok ? formattedHtml(cleanLine(entry.texts.title)) : escapeHtml(note),
    formattedHtml(cleanLine(entry.title)),
    `<a href="${escapeHtml(links.abs)}">${escapeHtml(links.abs)}</a>`,
    formattedHtml(ok ? cleanLine(entry.texts.tldr) : ''),
    formattedHtml(ok ? cleanLine(entry.texts.tldrEn) : ''),
    formattedHtml(ok ? cleanLine(entry.texts.abstract) : ''),
    formattedHtml(cleanLine(entry.abstract)),
  ];
  if (entry.updatedFrom !== undefined) paragraphs.push(escapeHtml(labels.updated(entry)));
  if (entry.authors && entry.authors.length > 0) paragraphs.push(escapeHtml(entry.authors.map(cleanLine).join(', ')));
  const extraLinks = [
    links.pdf ? `<a href="${escapeHtml(links.pdf)}">${escapeHtml(labels.pdf)}</a>` : '',
    links.html ? `<a href="${escapeHtml(links.html)}">${escapeHtml(labels.html)}</a>` : '',
  ].filter((html) => html !== '');
  if (extraLinks.length > 0) paragraphs.push(extraLinks.join(' '));
  if (entry.categories && entry.categories.length > 0) paragraphs.push(escapeHtml(entry.categories.map(cleanLine).join(', ')));
  const why = entry.selection ? cleanLine(labels.selection(entry.selection)) : '';
  if (why !== '') paragraphs.push(escapeHtml(why));
  return paragraphs;
}

/** Escaped text with `\\textit{…}`/`\\emph{…}` as `<em>` and `\\textbf{…}` as `<strong>` outside math (math stays TeX). */
function formattedHtml(text: string): string {
  return writeFormattingOutsideMath(text, { text: escapeHtml, wrap: (kind, content) => `<${kind}>${content}</${kind}>` }, escapeHtml);
}

/** The paragraphs as `<p>…</p>` lines, laid out as the original's description (`<p>\n…\n</p>`). */
export function entryFeedHtml(entry: DigestEntry, labels: RenderLabels): string {
  return entryFeedParagraphs(entry, labels)
    .map((paragraph) => `<p>\n${paragraph}\n</p>`)
    .join('\n');
}

/** The same content as plain text, one paragraph per line group, for JSON Feed's content_text. */
export function entryFeedText(entry: DigestEntry, labels: RenderLabels): string {
  const ok = hasTexts(entry);
  const links = entryLinks(entry);
  const lines = [
    ok ? plainFormatting(cleanLine(entry.texts.title)) : cleanLine(labels.untranslated(entry)),
    plainFormatting(cleanLine(entry.title)),
    links.abs,
    ok ? plainFormatting(cleanLine(entry.texts.tldr)) : '',
    ok ? plainFormatting(cleanLine(entry.texts.tldrEn)) : '',
    ok ? plainFormatting(cleanLine(entry.texts.abstract)) : '',
    plainFormatting(cleanLine(entry.abstract)),
  ];
  if (entry.updatedFrom !== undefined) lines.push(labels.updated(entry));
  // An empty reason (nothing beyond the subscription's categories) is dropped with the other empty lines.
  if (entry.selection) lines.push(cleanLine(labels.selection(entry.selection)));
  return lines.filter((line) => line !== '').join('\n\n');
}
