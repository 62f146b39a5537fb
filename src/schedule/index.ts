/** The built-in scheduler and its defaults: run each subscription shortly after rss.arxiv.org builds the day's feed. */
import { ARXIV_TIMEZONE } from '../core/arxiv-calendar.js';

export {
  createScheduler,
  stopOnSignals,
  type Scheduler,
  type SchedulerEvent,
  type SchedulerOptions,
  type ScheduledJob,
  type ScheduledRunContext,
} from './scheduler.js';
export { describeSchedule, formatInZone, parseCron, validateTimezone, type ScheduleDescription, type ScheduleRun } from './cron.js';
export { createManualClock, systemClock, type ManualClock, type SchedulerClock } from './clock.js';
export type { ScheduledRunRecord, ScheduledRunStatus, ScheduleStateStore } from '../core/schedule-state.js';

/**
 * 00:30 Eastern, Monday to Friday. arXiv mails at 20:00 Eastern Sunday to Thursday, but rss.arxiv.org builds the feed
 * for that mailing only at midnight Eastern (info.arxiv.org/help/rss.html; the real feeds' lastBuildDate agrees), so a
 * run at 20:30 would still read the previous day's feed. Thirty minutes leaves room for a slow build; Saturday and
 * Sunday have no new feed. See docs/decisions/0013-arxiv-calendar-and-scheduler.md.
 */
export const DEFAULT_SCHEDULE = { cron: '30 0 * * 1-5', timezone: ARXIV_TIMEZONE } as const;

/** A second try three hours later for feeds that were late (`feedStatus` said `not-yet`); a no-op run when nothing is new. */
export const DEFAULT_RETRY_SCHEDULE = { cron: '30 3 * * 1-5', timezone: ARXIV_TIMEZONE } as const;
