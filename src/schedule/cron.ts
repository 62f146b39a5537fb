/** Cron expressions and time zones: validation with errors that point at the config field, and upcoming run times. */
import { Cron } from 'croner';
import { XivdigestError } from '../core/errors.js';

/** A schedule that never fires again is treated as a mistake (e.g. `0 0 31 2 *`). */
const HORIZON_MS = 4 * 366 * 86_400_000;

/** Throws CONFIG_INVALID unless `timezone` is an IANA zone name this runtime knows. */
export function validateTimezone(timezone: string, path = 'timezone'): void {
  let valid = typeof timezone === 'string' && timezone.trim() !== '';
  if (valid) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    } catch {
      valid = false;
    }
  }
  if (!valid) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `${path}: ${JSON.stringify(timezone)} is not a time zone`,
      hint: 'Use an IANA time zone name such as America/New_York, Europe/Berlin, Asia/Shanghai or UTC.',
      details: { path, value: timezone },
    });
  }
}

/**
 * Parses `cron` (5 fields, or 6 with seconds first; croner's syntax, including `L`, `#` and `@daily`) in `timezone`,
 * throwing CONFIG_INVALID with the field's path when either is wrong or the expression never fires.
 */
export function parseCron(cron: string, timezone: string, path = 'cron', timezonePath = 'timezone'): Cron {
  validateTimezone(timezone, timezonePath);
  let parsed: Cron;
  try {
    // No callback: croner only computes times here; the scheduler keeps its own timers and clock.
    parsed = new Cron(cron, { timezone, paused: true });
  } catch (error) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `${path}: ${JSON.stringify(cron)} is not a cron expression (${error instanceof Error ? error.message : String(error)})`,
      hint: 'Write five fields, minute hour day-of-month month day-of-week, e.g. "30 0 * * 1-5" (00:30 Monday to Friday).',
      cause: error,
      details: { path, value: cron },
    });
  }
  const next = parsed.nextRun(new Date());
  if (!next || next.getTime() - Date.now() > HORIZON_MS) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `${path}: ${JSON.stringify(cron)} never runs (no time matches it in the next four years)`,
      hint: 'Check the day-of-month and month fields, e.g. "0 0 31 2 *" asks for 31 February.',
      details: { path, value: cron },
    });
  }
  return parsed;
}

export interface ScheduleRun {
  at: Date;
  /** `Mon 2026-11-30 00:30 EST` in the schedule's zone. */
  local: string;
  /** `Mon 2026-11-30 05:30 UTC`. */
  utc: string;
}

export interface ScheduleDescription {
  cron: string;
  timezone: string;
  runs: ScheduleRun[];
  /** One line per run, for `serve --schedule` to print at start. */
  lines: string[];
}

/** The next `count` run times of a schedule, in its zone and in UTC. */
export function describeSchedule(cron: string, timezone: string, options: { count?: number; from?: Date } = {}): ScheduleDescription {
  const parsed = parseCron(cron, timezone);
  const runs = parsed.nextRuns(options.count ?? 5, options.from ?? new Date()).map((at) => ({
    at,
    local: formatInZone(at, timezone),
    utc: formatInZone(at, 'UTC'),
  }));
  return { cron, timezone, runs, lines: runs.map((run) => `${run.local}  (${run.utc})`) };
}

/** `Mon 2026-11-30 00:30 EST`. */
export function formatInZone(at: Date, timezone: string): string {
  const parts: Record<string, string> = {};
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  });
  for (const part of format.formatToParts(at)) parts[part.type] = part.value;
  return `${parts.weekday} ${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}
