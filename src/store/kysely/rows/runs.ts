/** The decisions and runs tables' rows: a decision or a run to its row and back. */
import type { Insertable, Selectable } from 'kysely';
import type { PaperDecision, RunRecord } from '../../run-store.js';
import type { DecisionsTable, RunsTable } from '../../schema.js';
import { readJsonValue } from './json.js';

export const DECISION_COLUMN_COUNT = 11;

export function decisionToRow(decision: PaperDecision): Insertable<DecisionsTable> {
  return {
    subscription: decision.subscription,
    paper_id: decision.paperId,
    abstract_hash: decision.abstractHash,
    version: decision.version,
    day: decision.day ?? null,
    run_id: decision.runId,
    decision: decision.decision,
    reason: decision.reason,
    score: decision.score ?? null,
    updated_from: decision.updatedFrom ?? null,
    decided_at: decision.decidedAt,
  };
}

export function toDecision(row: Selectable<DecisionsTable>): PaperDecision {
  const decision: PaperDecision = {
    subscription: row.subscription,
    paperId: row.paper_id,
    abstractHash: row.abstract_hash,
    version: row.version === null ? null : Number(row.version),
    runId: row.run_id,
    decision: row.decision as PaperDecision['decision'],
    reason: row.reason,
    decidedAt: row.decided_at,
  };
  if (row.day !== null) decision.day = row.day;
  if (row.score !== null) decision.score = Number(row.score);
  if (row.updated_from !== null) decision.updatedFrom = Number(row.updated_from);
  return decision;
}

export function toRunRecord(row: Selectable<RunsTable>): RunRecord {
  const run: RunRecord = { id: row.id, startedAt: row.started_at, status: row.status, report: readJsonValue(row.report) };
  if (row.subscription !== null) run.subscription = row.subscription;
  if (row.finished_at !== null) run.finishedAt = row.finished_at;
  return run;
}
