/** The cn-chat-arxiv digest format, byte for byte: a port of the original's `make_markdown` (Python). */
import type { Digest, DigestEntry } from '../digest.js';
import { cleanLegacyTitle, flattenLegacyText } from './text.js';

/** The fixed text before the summary rows. */
export const DIGEST_HEAD = '# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n';
/** The fixed text between the summary rows and the footnotes. */
export const DIGEST_MIDDLE = '\n\n# 详细\n\n';
/** The fixed text after the footnotes. */
export const DIGEST_TAIL = '\n\n';

/** The strings one entry prints, in the order the original printed them. Only `title` may hold newlines. */
export interface LegacySlots {
  /** Translated title (TT). */
  translatedTitle: string;
  /** The title in the table's link text (the original's `clean_title`). */
  tableTitle: string;
  /** The raw title on the footnote's second line. */
  title: string;
  link: string;
  tldr: string;
  /** The English TL;DR slot: always empty in the original's output (it read `en_tldr`, but stored `en_tdlr`). */
  tldrEn: string;
  translatedAbstract: string;
  abstract: string;
}

/** `| [^i] | [CLEAN](LINK) | TLDR |` */
export function summaryRow(index: number, slots: Pick<LegacySlots, 'tableTitle' | 'link' | 'tldr'>): string {
  return `| [^${index}] | [${slots.tableTitle}](${slots.link}) | ${slots.tldr} |`;
}

/** One footnote, ending in `\n    ` as the original's triple-quoted string did. */
export function detailBlock(index: number, slots: Omit<LegacySlots, 'tableTitle'>): string {
  return (
    `[^${index}]: ${slots.translatedTitle}\n\n    ${slots.title}\n\n    [${slots.link}](${slots.link})\n\n    ` +
    `${slots.tldr}\n\n    ${slots.tldrEn}\n\n    ${slots.translatedAbstract}\n\n    ${slots.abstract}\n    `
  );
}

/** Puts rows and footnotes into the fixed skeleton. */
export function assembleDigest(rows: string[], blocks: string[]): string {
  return DIGEST_HEAD + rows.join('\n') + DIGEST_MIDDLE + blocks.join('\n') + DIGEST_TAIL;
}

/** The slots of an entry exactly as the original printed them: `\n` becomes a space everywhere but the raw title. */
export function legacySlots(entry: DigestEntry): LegacySlots {
  return {
    translatedTitle: flattenLegacyText(entry.texts.title),
    tableTitle: cleanLegacyTitle(entry.title),
    title: entry.title,
    link: entry.link,
    tldr: flattenLegacyText(entry.texts.tldr),
    tldrEn: flattenLegacyText(entry.texts.tldrEn),
    translatedAbstract: flattenLegacyText(entry.texts.abstract),
    abstract: flattenLegacyText(entry.abstract),
  };
}

/**
 * Renders a `legacy` digest as the original did, with no escaping. Entries whose texts are not `ok` are left out and
 * the numbering closes up, as the original left out items that had no translation (`ind = len(summary) + 1`).
 */
export function renderLegacyMarkdown(digest: Pick<Digest, 'entries'>): string {
  const rows: string[] = [];
  const blocks: string[] = [];
  for (const entry of digest.entries) {
    if ((entry.textStatus ?? 'ok') !== 'ok') continue;
    const slots = legacySlots(entry);
    const index = rows.length + 1;
    rows.push(summaryRow(index, slots));
    blocks.push(detailBlock(index, slots));
  }
  return assembleDigest(rows, blocks);
}
