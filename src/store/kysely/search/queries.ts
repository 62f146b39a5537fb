/** The search aggregate's queries (core/search.ts PaperSearch), on the index the writes keep in step (ADR 0028). */
import type { PaperSearch } from '../../../core/search.js';
import type { Kysely } from 'kysely';
import type { Queries } from '../query.js';
import { flushPending } from './pending.js';
import { announcementDays, archiveCategories, searchPapers } from './search.js';

export const searchQueries = {
  search: {
    kind: 'read',
    action: () => 'search the archive',
    // The store's statistics of the index are kept per store (its Kysely instance), read once for many searches (ADR 0064).
    run: async (executor, context, request) => searchPapers(await flushed(executor), context.dialect.kind, request, { statisticsKey: context.db }),
  },

  announcementDays: {
    kind: 'read',
    action: () => 'list announcement days',
    run: async (executor, context, query) => announcementDays(await flushed(executor), context.dialect.kind, query),
  },

  archiveCategories: {
    kind: 'read',
    action: () => 'list archive categories',
    run: async (executor, context) => archiveCategories(await flushed(executor), context.dialect.kind),
  },
} satisfies Queries<PaperSearch>;

/**
 * The connection a search reads through, once the documents its transaction holds back are in the index (ADR 0055):
 * a search inside the transaction that stored the papers finds them.
 */
async function flushed(executor: Kysely<any>): Promise<Kysely<any>> {
  await flushPending(executor);
  return executor;
}
