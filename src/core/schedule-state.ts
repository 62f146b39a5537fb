/** The scheduler's memory across restarts: the last (job, slot) it started and how that run ended. */

export type ScheduledRunStatus = 'running' | 'done' | 'failed';

export interface ScheduledRunRecord {
  /** The scheduled instant the run was for, ISO 8601 in UTC (`2026-11-30T05:30:00.000Z`): sorts as it compares. */
  slot: string;
  status: ScheduledRunStatus;
  /** When this status was recorded (ISO 8601). */
  at: string;
}

/** Implemented on the database by the store, and in memory or a JSON file by src/schedule. */
export interface ScheduleStateStore {
  /** The record of the job's latest slot, or undefined when it never ran. */
  getLastRun(job: string): Promise<ScheduledRunRecord | undefined>;
  /** Records that the job's run for `slot` started (`running`) or ended; replaces the job's previous record. */
  recordRun(job: string, slot: string, status: ScheduledRunStatus): Promise<void>;
}
