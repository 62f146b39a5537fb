/** A rich Markdown layout for native digests (GitHub-flavoured): one section per paper with links, authors, flags and reasons. */
import type { Digest, DigestEntry } from '../../core/digest.js';
import { cleanLine, entryLinks, hasTexts, isChinese, readableEntry } from '../html/escape.js';
import { digestTitle } from '../html/index.js';
import { resolveLabels, type RenderLabels } from '../html/labels.js';
import { escapeMarkdownInline } from './escape.js';

export interface RichMarkdownOptions {
  labels?: Partial<RenderLabels>;
}

/** One line of inline Markdown; a trailing `#` run is escaped too, or an ATX heading would drop it as its closing sequence. */
function inline(text: string): string {
  return escapeMarkdownInline(text).replace(/#+$/, (hashes) => `\\${hashes}`);
}

/** A link whose URL is http(s) only and percent-encoded by the URL parser; `(`, `)` and spaces are encoded too. */
function markdownLink(text: string, url: string): string {
  return `[${inline(text)}](${url.replace(/[()\s<>]/g, (character) => encodeURIComponent(character).replace('(', '%28').replace(')', '%29'))})`;
}

/**
 * Renders a digest as:
 * ```
 * # arXiv cs.CL · 2026-11-24
 *
 * 12 papers
 *
 * ## 1. <translated title>
 *
 * *<English title>* · `cs.CL` `cs.LG` · **updated (v2)**
 *
 * <authors>
 *
 * [arXiv](…) · [PDF](…) · [HTML](…)
 *
 * > Score 0.91: <reason>
 *
 * **TL;DR**: <TL;DR>
 *
 * <English TL;DR>
 *
 * <translated abstract>
 *
 * <details><summary>English abstract</summary>
 *
 * <English abstract>
 *
 * </details>
 * ```
 * Every text goes through escapeMarkdownInline, so it stays one inert line; the legacy and native layouts are untouched.
 */
export function renderRichMarkdown(digest: Digest, options: RichMarkdownOptions = {}): string {
  const labels = resolveLabels(digest.lang, options.labels);
  const blocks = [`# ${inline(digestTitle(digest))}`, inline(labels.count(digest.entries.length))];
  if (digest.entries.length === 0) blocks.push(inline(labels.empty));
  digest.entries.forEach((entry, position) =>
    blocks.push(...richEntry(readableEntry(entry, digest.style), position + 1, labels, isChinese(digest.lang) ? '：' : ': ')),
  );
  return `${blocks.join('\n\n')}\n`;
}

function richEntry(entry: DigestEntry, index: number, labels: RenderLabels, colon: string): string[] {
  const ok = hasTexts(entry);
  const links = entryLinks(entry);
  const translatedTitle = ok && cleanLine(entry.texts.title) !== '' ? entry.texts.title : '';
  const blocks = [`## ${index}. ${inline(translatedTitle || entry.title)}`];
  const meta: string[] = [];
  if (translatedTitle) meta.push(`*${inline(entry.title)}*`);
  const categories = (entry.categories ?? []).map(cleanLine).filter((category) => category !== '');
  // Category names are [a-z.-]; anything else is dropped rather than risk breaking a code span.
  const codeSafe = categories.filter((category) => /^[A-Za-z0-9.-]+$/.test(category));
  if (codeSafe.length > 0) meta.push(codeSafe.map((category) => `\`${category}\``).join(' '));
  if (entry.updatedFrom !== undefined) meta.push(`**${inline(labels.updated(entry))}**`);
  if (meta.length > 0) blocks.push(meta.join(' · '));
  if (entry.authors && entry.authors.length > 0) blocks.push(inline(entry.authors.map(cleanLine).join(', ')));
  blocks.push(
    [
      markdownLink(labels.abstractPage, links.abs),
      links.pdf ? markdownLink(labels.pdf, links.pdf) : '',
      links.html ? markdownLink(labels.html, links.html) : '',
    ]
      .filter((link) => link !== '')
      .join(' · '),
  );
  const why = entry.selection ? cleanLine(labels.selection(entry.selection)) : '';
  if (why !== '') blocks.push(`> ${inline(why)}`);
  if (ok) {
    // Only the label is bold: Latin words in a bold CJK sentence look randomly bold (CJK fonts have no bold face).
    if (cleanLine(entry.texts.tldr) !== '') blocks.push(`**${inline(labels.tldr)}**${colon}${inline(entry.texts.tldr)}`);
    if (cleanLine(entry.texts.tldrEn) !== '') blocks.push(inline(entry.texts.tldrEn));
    if (cleanLine(entry.texts.abstract) !== '') blocks.push(inline(entry.texts.abstract));
    blocks.push(`<details><summary>${inline(labels.englishAbstract)}</summary>`, inline(entry.abstract), '</details>');
  } else {
    blocks.push(`> ${inline(labels.untranslated(entry))}`, inline(entry.abstract));
  }
  return blocks;
}
