/** The plain-text renderer, for email alternatives and chat: numbered entries, one unwrapped line per field. */
import type { Digest, DigestEntry } from '../../core/digest.js';
import { digestTitle } from '../html/index.js';
import { cleanLine, entryLinks, hasTexts, readableEntry } from '../html/escape.js';
import { resolveLabels, type RenderLabels } from '../html/labels.js';
import { plainFormatting } from '../../core/tex-formatting.js';

export interface TextRendererOptions {
  labels?: Partial<RenderLabels>;
  /** Print each entry's selection reason when it has one. Default true. */
  reasons?: boolean;
  /** Print the English TL;DR under the translated one. Default false (chat messages stay short). */
  englishTldr?: boolean;
}

export interface TextRenderer {
  format: 'text';
  mediaType: 'text/plain; charset=utf-8';
  render(digest: Digest): string;
}

export function createTextRenderer(options: TextRendererOptions = {}): TextRenderer {
  return {
    format: 'text',
    mediaType: 'text/plain; charset=utf-8',
    render(digest) {
      return renderText(digest, resolveLabels(digest.lang, options.labels), options);
    },
  };
}

/**
 * ```
 * arXiv cs.CL · 2026-11-24
 * 12 papers
 *
 * 1. <translated title> [updated (v2)]
 *    <TL;DR>
 *    https://arxiv.org/abs/2403.10568
 *    <reason>
 * ```
 * Nothing is wrapped (mail clients and chats wrap for themselves); every field is cleaned to one line, so control
 * characters, bidi overrides and line breaks in a text cannot forge another entry.
 */
function renderText(digest: Digest, labels: RenderLabels, options: TextRendererOptions): string {
  const lines = [digestTitle(digest), cleanLine(labels.count(digest.entries.length))];
  if (digest.entries.length === 0) lines.push('', cleanLine(labels.empty));
  digest.entries.forEach((entry, position) => {
    lines.push('', ...entryLines(readableEntry(entry, digest.style), position + 1, labels, options));
  });
  if (digest.unsubscribe) lines.push('', `${cleanLine(labels.unsubscribe)}: ${cleanLine(digest.unsubscribe)}`);
  return `${lines.join('\n')}\n`;
}

function entryLines(entry: DigestEntry, index: number, labels: RenderLabels, options: TextRendererOptions): string[] {
  const ok = hasTexts(entry);
  const indent = ' '.repeat(`${index}. `.length);
  const title = plainFormatting(ok && cleanLine(entry.texts.title) !== '' ? cleanLine(entry.texts.title) : cleanLine(entry.title));
  const update = entry.updatedFrom !== undefined ? ` [${cleanLine(labels.updated(entry))}]` : '';
  const lines = [`${index}. ${title}${update}`];
  const body = ok
    ? [plainFormatting(cleanLine(entry.texts.tldr)), options.englishTldr ? plainFormatting(cleanLine(entry.texts.tldrEn)) : '']
    : [cleanLine(labels.untranslated(entry))];
  for (const line of body) if (line !== '') lines.push(indent + line);
  lines.push(indent + entryLinks(entry).abs);
  const why = entry.selection ? cleanLine(labels.selection(entry.selection)) : '';
  if ((options.reasons ?? true) && why !== '') lines.push(indent + why);
  if (entry.feedback) {
    lines.push(
      `${indent}${cleanLine(labels.moreLikeThis)}: ${cleanLine(entry.feedback.star)}`,
      `${indent}${cleanLine(labels.hide)}: ${cleanLine(entry.feedback.hide)}`,
    );
  }
  return lines;
}
