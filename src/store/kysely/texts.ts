/** The texts aggregate's queries (TextStore): generated texts, saved by their cache key, and the search index kept in step. */
import type { Insertable } from 'kysely';
import type { StoredTexts } from '../../core/texts.js';
import type { StoreDatabase } from '../schema.js';
import type { TextStore } from '../text-store.js';
import { chunks, compare, IDS_PER_QUERY, type Queries } from './query.js';
import { textsKey, textsToRow, toStoredTexts } from './rows/texts.js';
import { indexPapers } from './search/index-docs.js';

const TEXTS_KEY_COLUMNS = ['paper_id', 'version', 'lang', 'provider', 'model', 'prompt_version', 'abstract_hash'] as const;
const TEXTS_COLUMN_COUNT = 17;

export const textQueries = {
  saveTexts: {
    kind: 'write',
    action: (texts) => `save ${texts.length} generated texts`,
    outcome: 'none of them was saved',
    nothing: (texts) => (texts.length === 0 ? { inserted: 0, replaced: 0 } : undefined),
    run: async (trx, context, texts) => {
      const counts = { inserted: 0, replaced: 0 };
      const existing = new Set<string>();
      const paperIds = [...new Set(texts.map((item) => item.paperId))];
      for (const chunk of chunks(paperIds, IDS_PER_QUERY)) {
        const keys = await trx.selectFrom('paper_texts').select(TEXTS_KEY_COLUMNS).where('paper_id', 'in', chunk).execute();
        for (const key of keys) existing.add(textsKey(key));
      }
      // The same key twice in one batch: the last one wins (one statement may not update a row twice).
      const rows = new Map<string, Insertable<StoreDatabase['paper_texts']>>();
      for (const item of texts) {
        const row = textsToRow(item);
        const key = textsKey(row);
        if (existing.has(key) || rows.has(key)) counts.replaced += 1;
        else counts.inserted += 1;
        rows.delete(key);
        rows.set(key, row);
      }
      for (const chunk of chunks([...rows.values()], context.rowsPerInsert(TEXTS_COLUMN_COUNT))) {
        await trx
          .insertInto('paper_texts')
          .values(chunk)
          .onConflict((conflict) =>
            conflict.columns([...TEXTS_KEY_COLUMNS]).doUpdateSet((eb) => ({
              title: eb.ref('excluded.title'),
              tldr: eb.ref('excluded.tldr'),
              tldr_en: eb.ref('excluded.tldr_en'),
              abstract: eb.ref('excluded.abstract'),
              status: eb.ref('excluded.status'),
              reason: eb.ref('excluded.reason'),
              flags: eb.ref('excluded.flags'),
              total_tokens: eb.ref('excluded.total_tokens'),
              created_at: eb.ref('excluded.created_at'),
              summary: eb.ref('excluded.summary'),
            })),
          )
          .execute();
      }
      // The search index holds every ok translation: in step, in the same transaction (ADR 0028).
      await indexPapers(trx, context.dialect.kind, paperIds);
      return counts;
    },
  },

  getTexts: {
    kind: 'read',
    action: () => 'read generated texts',
    run: async (executor, _context, paperIds) => {
      const result: StoredTexts[] = [];
      for (const chunk of chunks([...new Set(paperIds)], IDS_PER_QUERY)) {
        const rows = await executor.selectFrom('paper_texts').selectAll().where('paper_id', 'in', chunk).execute();
        for (const row of rows) result.push(toStoredTexts(row));
      }
      // Newest first; ties in a stable, meaningful order (paper, newer version, language, provider, model).
      return result.sort(
        (a, b) =>
          compare(b.createdAt, a.createdAt) ||
          compare(a.paperId, b.paperId) ||
          (b.version ?? 0) - (a.version ?? 0) ||
          compare(a.lang, b.lang) ||
          compare(a.provider, b.provider) ||
          compare(a.model, b.model) ||
          compare(a.promptVersion, b.promptVersion) ||
          compare(a.abstractHash, b.abstractHash),
      );
    },
  },
} satisfies Queries<TextStore>;
