/** The search aggregate's queries (core/search.ts PaperSearch), on the index the writes keep in step (ADR 0028). */
import type { PaperSearch } from '../../../core/search.js';
import type { Queries } from '../query.js';
import { announcementDays, archiveCategories, searchPapers } from './search.js';

export const searchQueries = {
  search: {
    kind: 'read',
    action: () => 'search the archive',
    run: (executor, context, request) => searchPapers(executor, context.dialect.kind, request),
  },

  announcementDays: {
    kind: 'read',
    action: () => 'list announcement days',
    run: (executor, context, query) => announcementDays(executor, context.dialect.kind, query),
  },

  archiveCategories: {
    kind: 'read',
    action: () => 'list archive categories',
    run: (executor, context) => archiveCategories(executor, context.dialect.kind),
  },
} satisfies Queries<PaperSearch>;
