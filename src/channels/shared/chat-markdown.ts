/** The Markdown dialect of DingTalk and WeCom robots: what to escape and how an entry looks. */
import { updatedNote, type EntryView, type Labels } from './entries.js';

/**
 * Backslash-escapes Markdown punctuation (CommonMark §2.4) and writes `<`, `>` and `&` as character references, so that
 * digest text cannot format, link, or form WeCom's `<@userid>` mentions and `<font>` tags.
 */
export function escapeChatMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\*_~`[\]()#+\-!|]/g, (character) => `\\${character}`);
}

/** A URL inside `[label](url)`. */
export function markdownUrl(url: string): string {
  return url.replace(/[()<>\s[\]]/g, (character) => encodeURIComponent(character));
}

/** `**1.** [title](link) (updated v1→v2)` / TL;DR / reason / feedback links, one per line. */
export function chatMarkdownEntry(view: EntryView, labels: Labels, lineBreak = '\n'): string {
  const note = updatedNote(view, labels);
  const lines = [`**${view.number}.** [${escapeChatMarkdown(view.title)}](${markdownUrl(view.link)})${note ? ` *(${escapeChatMarkdown(note)})*` : ''}`];
  lines.push(escapeChatMarkdown(view.tldr || labels.missing));
  if (view.reason) lines.push(`*${escapeChatMarkdown(labels.reason)}: ${escapeChatMarkdown(view.reason)}*`);
  // One-click links (docs/decisions/0040), signed for the channel: Markdown `[label](url)`, as both robots render it.
  if (view.feedback)
    lines.push(
      `[${escapeChatMarkdown(labels.moreLikeThis)}](${markdownUrl(view.feedback.star)}) · [${escapeChatMarkdown(labels.hide)}](${markdownUrl(view.feedback.hide)})`,
    );
  return lines.join(lineBreak);
}
