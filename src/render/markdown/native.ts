/** Native digests (made by xivdigest): the original's skeleton, with the English TL;DR, full abstracts and escaping. */
import type { Digest, DigestEntry } from '../../core/digest.js';
import { untranslatedNote } from '../../core/reader-words.js';
import { escapeMarkdownInline, safeMarkdownLink } from './escape.js';
import { assembleDigest, detailBlock, summaryRow } from '../../core/legacy-format/markdown.js';

/** Labels a native digest prints; each receives the entry and returns plain text (it is escaped afterwards). */
export interface NativeLabels {
  /** Shown in the TL;DR slot of an entry whose texts are missing. Default: `翻译暂不可用` for zh (see reader-words). */
  untranslated?: (entry: DigestEntry, lang: string) => string;
  /** Appended to the translated title of a newer version of a paper the reader already received. */
  updated?: (entry: DigestEntry, lang: string) => string;
}

/**
 * Renders a `native` digest. Same sections, table and footnote layout as the original, so readers and tools see one
 * format; but every text is escaped (see escapeMarkdownInline), links are http(s) only, the English TL;DR slot is
 * filled and the abstract is printed whole. An entry whose texts are not `ok` shows its English title and abstract,
 * with the reader's untranslated note in the TL;DR slot and an empty translated-abstract slot.
 */
export function renderNativeMarkdown(digest: Pick<Digest, 'entries' | 'lang'>, labels: NativeLabels = {}): string {
  const untranslated = labels.untranslated ?? defaultUntranslated;
  const updated = labels.updated ?? defaultUpdated;
  const rows: string[] = [];
  const blocks: string[] = [];
  digest.entries.forEach((entry, position) => {
    const index = position + 1;
    const link = safeMarkdownLink(entry.link, entry.paperId);
    const title = escapeMarkdownInline(entry.title);
    const abstract = escapeMarkdownInline(entry.abstract);
    const ok = (entry.textStatus ?? 'ok') === 'ok';
    const update = entry.updatedFrom !== undefined ? ` ${updated(entry, digest.lang)}` : '';
    const slots = ok
      ? {
          translatedTitle: escapeMarkdownInline(entry.texts.title + update),
          tldr: escapeMarkdownInline(entry.texts.tldr),
          tldrEn: escapeMarkdownInline(entry.texts.tldrEn),
          translatedAbstract: escapeMarkdownInline(entry.texts.abstract),
        }
      : {
          translatedTitle: escapeMarkdownInline(entry.title + update),
          tldr: escapeMarkdownInline(untranslated(entry, digest.lang)),
          tldrEn: '',
          translatedAbstract: '',
        };
    rows.push(summaryRow(index, { tableTitle: title, link, tldr: slots.tldr }));
    blocks.push(detailBlock(index, { ...slots, title, link, abstract }));
  });
  return assembleDigest(rows, blocks);
}

/** Reader words only: `entry.textReason` may hold an endpoint URL or an excerpt of a rejected answer. */
function defaultUntranslated(_entry: DigestEntry, lang: string): string {
  return untranslatedNote(lang);
}

function defaultUpdated(entry: DigestEntry, lang: string): string {
  const to = entry.version === null ? '' : ` → v${entry.version}`;
  return lang.toLowerCase().startsWith('zh') ? `（更新：v${entry.updatedFrom}${to}）` : `(updated: v${entry.updatedFrom}${to})`;
}
