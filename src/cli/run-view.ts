/** How `xivdigest runs` shows a stored run: a `running` run whose claim or process is gone is shown as interrupted. */
import type { RunReport } from '../core/run-report.js';
import { interruptedReport, runLeaseKey, viewRun } from '../jobs/run-lease.js';
import { leaseStoreOf } from '../store/index.js';
import type { RunRecord, Store } from '../store/store.js';

/**
 * The run as shown: one stored as `running` whose claim is gone or expired, or whose process on this host is gone,
 * was killed or crashed, and is shown as `interrupted` with what it had stored.
 */
export async function shown(store: Store, run: RunRecord): Promise<RunRecord> {
  if (run.status !== 'running' || !run.subscription) return run;
  const lease = await leaseStoreOf(store).get(runLeaseKey(run.subscription));
  const view = viewRun(run, lease);
  if (view.status !== 'interrupted') return run;
  return { ...run, status: 'interrupted', report: interruptedReport(run.report as RunReport, view.interrupted!) };
}
