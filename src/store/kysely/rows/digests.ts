/** The digests and digest_entries tables' rows: a digest to its rows and back, exactly as saved. */
import type { Insertable, Selectable } from 'kysely';
import type { Digest, DigestEntry, DigestStyle } from '../../../core/digest.js';
import type { StructuredSummary } from '../../../core/texts.js';
import type { DigestEntriesTable, DigestsTable } from '../../schema.js';
import { extraJson, readJsonValue } from './json.js';

/** The DigestEntry fields with columns of their own; any other field is kept in the `extra` JSON column. */
const ENTRY_COLUMN_FIELDS = new Set(['paperId', 'version', 'link', 'title', 'abstract', 'texts', 'textStatus', 'textReason', 'updatedFrom']);

/** The Digest fields with columns of their own (entries have their table). */
const DIGEST_COLUMN_FIELDS = new Set(['name', 'style', 'lang', 'createdAt', 'entries']);

export function digestToRow(digest: Digest): Insertable<DigestsTable> {
  return { name: digest.name, style: digest.style, lang: digest.lang, created_at: digest.createdAt, extra: extraJson(digest, DIGEST_COLUMN_FIELDS) };
}

export function entryToRow(digestName: string, position: number, entry: DigestEntry): Insertable<DigestEntriesTable> {
  return {
    digest_name: digestName,
    position,
    paper_id: entry.paperId,
    version: entry.version,
    link: entry.link,
    title: entry.title,
    abstract: entry.abstract,
    texts_lang: entry.texts.lang,
    texts_title: entry.texts.title,
    texts_tldr: entry.texts.tldr,
    texts_tldr_en: entry.texts.tldrEn,
    texts_abstract: entry.texts.abstract,
    text_status: entry.textStatus ?? null,
    text_reason: entry.textReason ?? null,
    updated_from: entry.updatedFrom ?? null,
    // The texts' structured summary has no column of its own: it rides in `extra` as `textsSummary`.
    extra: extraJson(entry.texts.summary ? { ...entry, textsSummary: entry.texts.summary } : entry, ENTRY_COLUMN_FIELDS),
  };
}

export function toDigest(row: Selectable<DigestsTable>, entries: Array<Selectable<DigestEntriesTable>>): Digest {
  return {
    ...(row.extra !== null && row.extra !== undefined ? readJsonValue<Record<string, unknown>>(row.extra) : {}),
    name: row.name,
    style: row.style as DigestStyle,
    lang: row.lang,
    createdAt: row.created_at,
    entries: entries.map((entry) => {
      const { textsSummary, ...extra } = entry.extra !== null && entry.extra !== undefined ? readJsonValue<Record<string, unknown>>(entry.extra) : {};
      const result: DigestEntry = {
        ...extra,
        paperId: entry.paper_id,
        version: entry.version,
        link: entry.link,
        title: entry.title,
        abstract: entry.abstract,
        texts: {
          lang: entry.texts_lang,
          title: entry.texts_title,
          tldr: entry.texts_tldr,
          tldrEn: entry.texts_tldr_en,
          abstract: entry.texts_abstract,
          ...(textsSummary ? { summary: textsSummary as StructuredSummary } : {}),
        },
      };
      if (entry.text_status !== null) result.textStatus = entry.text_status as DigestEntry['textStatus'];
      if (entry.text_reason !== null) result.textReason = entry.text_reason;
      if (entry.updated_from !== null) result.updatedFrom = Number(entry.updated_from);
      return result;
    }),
  };
}
