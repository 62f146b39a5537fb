/** The runs aggregate's queries (RunStore): run reports, the decisions ledger, and readers' feedback. */
import { redactDeep } from '../../core/redact.js';
import type { Feedback, PaperDecision, RunStore } from '../run-store.js';
import { chunks, compare, IDS_PER_QUERY, type Queries } from './query.js';
import { canonicalJson } from './rows/json.js';
import { DECISION_COLUMN_COUNT, decisionToRow, toDecision, toRunRecord } from './rows/runs.js';

export const runQueries = {
  recordDecisions: {
    kind: 'write',
    action: (decisions) => `record ${decisions.length} decision${decisions.length === 1 ? '' : 's'}`,
    outcome: 'none of them was recorded',
    run: async (trx, context, decisions) => {
      let inserted = 0;
      for (const chunk of chunks(decisions.map(decisionToRow), context.rowsPerInsert(DECISION_COLUMN_COUNT))) {
        const result = await trx
          .insertInto('decisions')
          .values(chunk)
          .onConflict((conflict) => conflict.columns(['subscription', 'paper_id', 'abstract_hash']).doNothing())
          .executeTakeFirst();
        inserted += Number(result.numInsertedOrUpdatedRows ?? 0n);
      }
      return { inserted, existing: decisions.length - inserted };
    },
  },

  getDecisions: {
    kind: 'read',
    action: (subscription) => `read the decisions of ${subscription}`,
    run: async (executor, _context, subscription, paperIds) => {
      const result: PaperDecision[] = [];
      for (const chunk of chunks([...new Set(paperIds)], IDS_PER_QUERY)) {
        const rows = await executor.selectFrom('decisions').selectAll().where('subscription', '=', subscription).where('paper_id', 'in', chunk).execute();
        for (const row of rows) result.push(toDecision(row));
      }
      return result.sort((a, b) => compare(a.decidedAt, b.decidedAt) || compare(a.paperId, b.paperId));
    },
  },

  getRunDecisions: {
    kind: 'read',
    action: (runId) => `read the decisions of run ${runId}`,
    run: async (executor, _context, runId) => {
      const rows = await executor.selectFrom('decisions').selectAll().where('run_id', '=', runId).execute();
      return rows.map(toDecision).sort((a, b) => compare(a.decidedAt, b.decidedAt) || compare(a.paperId, b.paperId));
    },
  },

  saveRun: {
    kind: 'write',
    action: (run) => `save run ${run.id}`,
    outcome: 'the run saved earlier, if any, is unchanged',
    run: async (trx, _context, run) => {
      const row = {
        id: run.id,
        subscription: run.subscription ?? null,
        started_at: run.startedAt,
        finished_at: run.finishedAt ?? null,
        status: run.status,
        report: canonicalJson(redactDeep(run.report)),
      };
      await trx
        .insertInto('runs')
        .values(row)
        .onConflict((conflict) =>
          conflict.column('id').doUpdateSet({
            subscription: row.subscription,
            started_at: row.started_at,
            finished_at: row.finished_at,
            status: row.status,
            report: row.report,
          }),
        )
        .execute();
    },
  },

  getRun: {
    kind: 'read',
    action: (id) => `read run ${id}`,
    run: async (executor, _context, id) => {
      const row = await executor.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toRunRecord(row);
    },
  },

  listRuns: {
    kind: 'read',
    action: () => 'list runs',
    run: async (executor, _context, query = {}) => {
      let select = executor.selectFrom('runs').selectAll();
      if (query.subscription !== undefined) select = select.where('subscription', '=', query.subscription);
      select = select.orderBy('started_at', 'desc').orderBy('id', 'desc');
      if (query.limit !== undefined) select = select.limit(query.limit);
      return (await select.execute()).map(toRunRecord);
    },
  },

  setFeedback: {
    kind: 'write',
    action: (feedback) => `save feedback on ${feedback.paperId} for ${feedback.subscription}`,
    outcome: 'earlier feedback, if any, is unchanged',
    run: async (trx, _context, feedback) => {
      await trx.deleteFrom('feedback').where('subscription', '=', feedback.subscription).where('paper_id', '=', feedback.paperId).execute();
      if (feedback.kind === 'clear') return;
      await trx
        .insertInto('feedback')
        .values({ subscription: feedback.subscription, paper_id: feedback.paperId, kind: feedback.kind, at: feedback.at })
        .execute();
    },
  },

  getFeedback: {
    kind: 'read',
    action: (subscription) => `read the feedback of ${subscription}`,
    run: async (executor, _context, subscription) => {
      const rows = await executor.selectFrom('feedback').selectAll().where('subscription', '=', subscription).orderBy('at').orderBy('paper_id').execute();
      return rows.map((row) => ({ subscription: row.subscription, paperId: row.paper_id, kind: row.kind as Feedback['kind'], at: row.at }));
    },
  },
} satisfies Queries<RunStore>;
