/** The papers aggregate's queries (PaperStore): the batch upsert (paper-upsert.ts), and papers and versions read back. */
import type { Kysely, Selectable } from 'kysely';
import { XivdigestError } from '../../core/errors.js';
import type { PaperStore } from '../paper-store.js';
import type { PapersTable, StoreDatabase } from '../schema.js';
import { nothingWritten, storeAction, UPSERT_OUTCOME, upsertPrepared } from './paper-upsert.js';
import { chunks, IDS_PER_QUERY, type Queries } from './query.js';
import { paperRowFromDb, toStoredPaper } from './rows/papers.js';
import { preparePapers } from './rows/prepared.js';
import { rowVersionFactsFromDb, rowVersionRecord, toStoredVersion, type VersionFacts, type VersionRow } from './rows/versions.js';

export const paperQueries = {
  upsertPapers: {
    kind: 'write',
    action: (papers) => storeAction(papers.length),
    outcome: UPSERT_OUTCOME,
    nothing: (papers) => (papers.length === 0 ? nothingWritten() : undefined),
    // Prepared inside the write, so that a malformed record fails as a STORE_ERROR like any failed write.
    run: (trx, context, papers, options) => upsertPrepared(trx, context, papers.length, () => preparePapers(papers, new Date().toISOString()), options),
  },
  upsertPreparedPapers: {
    kind: 'write',
    action: (prepared) => storeAction(prepared.versionCounts.length),
    outcome: UPSERT_OUTCOME,
    nothing: (prepared) => (prepared.versionCounts.length === 0 ? nothingWritten() : undefined),
    run: (trx, context, prepared, options) => upsertPrepared(trx, context, prepared.versionCounts.length, () => prepared, options),
  },
  getPapers: {
    kind: 'read',
    action: () => 'read papers',
    run: async (executor, context, query = {}) => {
      const limit = query.limit;
      const offset = query.offset ?? 0;
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw invalidQuery('limit', limit);
      if (!Number.isInteger(offset) || offset < 0) throw invalidQuery('offset', offset);
      let rows: Array<Selectable<PapersTable>>;
      if (query.ids) {
        const ids = [...new Set(query.ids)];
        const byId = new Map<string, Selectable<PapersTable>>();
        for (const chunk of chunks(ids, IDS_PER_QUERY)) {
          let select = executor.selectFrom('papers').selectAll().where('id', 'in', chunk);
          if (query.category !== undefined) select = select.where(context.dialect.hasCategory(query.category));
          for (const row of await select.execute()) byId.set(row.id, row);
        }
        rows = ids.flatMap((id) => byId.get(id) ?? []);
        rows = rows.slice(offset, limit === undefined ? undefined : offset + limit);
      } else {
        let select = executor.selectFrom('papers').selectAll().orderBy('sort_day', 'desc').orderBy('id', 'desc');
        if (query.category !== undefined) select = select.where(context.dialect.hasCategory(query.category));
        // SQLite accepts OFFSET only after a LIMIT; a limit beyond any table means "no limit" on both databases.
        if (limit !== undefined || offset > 0) select = select.limit(limit ?? Number.MAX_SAFE_INTEGER).offset(offset);
        rows = await select.execute();
      }
      const versions = await versionsOf(executor, rows);
      return rows.map((row) => toStoredPaper(row, versions.get(row.id) ?? []));
    },
  },

  getVersions: {
    kind: 'read',
    action: (paperId) => `read the versions of ${paperId}`,
    run: async (executor, _context, paperId) => {
      const rows: VersionRow[] = await executor.selectFrom('paper_versions').selectAll().where('paper_id', '=', paperId).orderBy('version').execute();
      // The record of the paper row's version, when it lives in that row.
      const paper = await executor.selectFrom('papers').selectAll().where('id', '=', paperId).executeTakeFirst();
      const own = paper && rowVersionFactsFromDb(paper);
      if (paper && own) {
        rows.push(rowVersionRecord(paperRowFromDb(paper), own));
        rows.sort((a, b) => a.version - b.version);
      }
      return rows.map(toStoredVersion);
    },
  },
} satisfies Queries<PaperStore>;

/** The version facts of these papers, oldest first, by paper: their paper_versions rows and the records in the rows. */
async function versionsOf(executor: Kysely<StoreDatabase>, papers: Array<Selectable<PapersTable>>): Promise<Map<string, VersionFacts[]>> {
  const byPaper = new Map<string, VersionFacts[]>();
  for (const chunk of chunks(
    papers.map((paper) => paper.id),
    IDS_PER_QUERY,
  )) {
    const rows = await executor
      .selectFrom('paper_versions')
      .select(['paper_id', 'version', 'submitted_at', 'size', 'source_type'])
      .where('paper_id', 'in', chunk)
      .orderBy('paper_id')
      .orderBy('version')
      .execute();
    for (const row of rows) {
      const list = byPaper.get(row.paper_id);
      if (list) list.push(row);
      else byPaper.set(row.paper_id, [row]);
    }
  }
  for (const paper of papers) {
    const own = rowVersionFactsFromDb(paper);
    if (!own) continue;
    const facts: VersionFacts = { paper_id: paper.id, version: paper.version!, ...own };
    const list = byPaper.get(paper.id);
    if (!list) byPaper.set(paper.id, [facts]);
    else {
      list.push(facts);
      list.sort((a, b) => a.version - b.version);
    }
  }
  return byPaper;
}

function invalidQuery(field: string, value: unknown): XivdigestError {
  return new XivdigestError({
    code: 'STORE_ERROR',
    message: `Could not read papers: ${field} must be a whole number of 0 or more, not ${String(value)}`,
    hint: `Pass a non-negative integer as ${field}`,
  });
}
