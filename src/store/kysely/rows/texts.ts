/** The paper_texts table's rows: generated texts to a row and back, and their cache key. */
import type { Insertable, Selectable } from 'kysely';
import type { StoredTexts, StructuredSummary, TextStatus } from '../../../core/texts.js';
import type { PaperTextsTable } from '../../schema.js';
import { canonicalJson, readJsonValue } from './json.js';

/** Texts to their row; an unknown version is stored as 0 so that the cache key is a plain primary key. */
export function textsToRow(texts: StoredTexts): Insertable<PaperTextsTable> {
  return {
    paper_id: texts.paperId,
    version: texts.version ?? 0,
    lang: texts.lang,
    abstract_hash: texts.abstractHash,
    provider: texts.provider,
    model: texts.model,
    prompt_version: texts.promptVersion,
    title: texts.title,
    tldr: texts.tldr,
    tldr_en: texts.tldrEn,
    abstract: texts.abstract,
    status: texts.status,
    reason: texts.reason ?? null,
    flags: texts.flags && texts.flags.length > 0 ? canonicalJson(texts.flags) : null,
    total_tokens: texts.totalTokens ?? null,
    created_at: texts.createdAt,
    summary: texts.summary ? canonicalJson(texts.summary) : null,
  };
}

export function toStoredTexts(row: Selectable<PaperTextsTable>): StoredTexts {
  const texts: StoredTexts = {
    paperId: row.paper_id,
    version: row.version === 0 ? null : row.version,
    abstractHash: row.abstract_hash,
    lang: row.lang,
    title: row.title,
    tldr: row.tldr,
    tldrEn: row.tldr_en,
    abstract: row.abstract,
    provider: row.provider,
    model: row.model,
    promptVersion: row.prompt_version,
    createdAt: row.created_at,
    status: row.status as TextStatus,
  };
  if (row.total_tokens !== null) texts.totalTokens = Number(row.total_tokens);
  if (row.reason !== null) texts.reason = row.reason;
  if (row.flags !== null) texts.flags = readJsonValue<string[]>(row.flags);
  if (row.summary !== null && row.summary !== undefined) texts.summary = readJsonValue<StructuredSummary>(row.summary);
  return texts;
}

/** The cache key of texts, as one string. */
export function textsKey(row: Pick<PaperTextsTable, 'paper_id' | 'version' | 'lang' | 'provider' | 'model' | 'prompt_version' | 'abstract_hash'>): string {
  return JSON.stringify([row.paper_id, row.version, row.lang, row.provider, row.model, row.prompt_version, row.abstract_hash]);
}
