/** arXiv's announcement calendar: which days have a mailing, when it goes out, and why a run found nothing new. Pure. */
import { XivdigestError } from './errors.js';

/** arXiv's clock: every time in its schedule is US Eastern, with daylight saving. */
export const ARXIV_TIMEZONE = 'America/New_York';

/** arXiv mails its announcement at 20:00 Eastern, Sunday to Thursday (info.arxiv.org/help/availability.html). */
export const ANNOUNCEMENT_HOUR = 20;

/**
 * rss.arxiv.org builds the feed for day D at 00:00 Eastern on D, four hours after the 20:00 mailing of the evening before
 * ("Feeds are updated daily at midnight Eastern Standard Time", info.arxiv.org/help/rss.html). The real feeds agree:
 * quant-ph for Mon 2025-04-28 has `<lastBuildDate>Mon, 28 Apr 2025 04:00:00 +0000` (midnight EDT) and every feed's
 * `<pubDate>` is midnight Eastern of its day, e.g. `Thu, 28 Nov 2024 00:00:00 -0500`.
 */
export const FEED_BUILD_HOUR = 0;

/** Where a holiday entry comes from. */
export type HolidaySource = 'published' | 'observed' | 'assumed';

export interface ArxivHoliday {
  /** The date as arXiv lists it (YYYY-MM-DD, Eastern). */
  listed: string;
  name: string;
  /** `published`: on arXiv's page; `observed`: seen in a real feed; `assumed`: the usual US holiday, not yet confirmed. */
  source: HolidaySource;
}

/**
 * arXiv's holidays: the days on whose evening arXiv makes no 20:00 mailing ("On Deferred Mailings",
 * https://info.arxiv.org/help/availability.html#holiday, sources below). The feed day that goes missing is the day
 * after: no mailing on Thanksgiving Thursday means no feed dated Friday. A holiday listed on a Friday (when there is no
 * mailing anyway) removes the following Sunday's mailing, the one the Friday's moderation prepares: arXiv listed the
 * Friday 4 July 2025 holiday as "Sun 6 July".
 */
export const ARXIV_HOLIDAYS: readonly ArxivHoliday[] = [
  // 2024: arXiv's 2024 list was not retrievable here (the arxiv-docs history and search hold the 2023 and 2025 lists
  // only). These are the US holidays arXiv observed in both 2023 and 2025. The real feed dated Thu 2024-11-28
  // (Thanksgiving) holds 926 new papers: the Wednesday mailing went out, so the skipped mailing is Thursday's.
  { listed: '2024-01-01', name: "New Year's Day", source: 'assumed' },
  { listed: '2024-01-15', name: 'Martin Luther King Jr. Day', source: 'assumed' },
  { listed: '2024-06-19', name: 'Juneteenth', source: 'assumed' },
  { listed: '2024-07-04', name: 'Independence Day', source: 'assumed' },
  { listed: '2024-09-02', name: 'Labor Day', source: 'assumed' },
  { listed: '2024-11-28', name: 'Thanksgiving', source: 'assumed' },
  { listed: '2024-12-25', name: 'Christmas', source: 'assumed' },
  // 2025: arXiv/arxiv-docs source/help/availability.md @ 782dfdf015f67b22cfea0e5398a5c9d3ebca8b49 ("2025 Holidays";
  // "December Holidays are not yet scheduled" at that commit).
  { listed: '2025-01-01', name: "New Year's Day", source: 'published' },
  { listed: '2025-01-20', name: 'Martin Luther King Jr. Day', source: 'published' },
  { listed: '2025-06-19', name: 'Juneteenth', source: 'published' },
  { listed: '2025-07-06', name: 'Independence Day (Fri 4 July)', source: 'published' },
  { listed: '2025-09-01', name: 'Labor Day', source: 'published' },
  { listed: '2025-11-27', name: 'Thanksgiving', source: 'published' },
  { listed: '2025-12-25', name: 'Christmas', source: 'assumed' },
  // A real rss.arxiv.org/rss/physics capture dated Wed 2025-12-31 (built 05:00 UTC) has no items: no Tuesday mailing.
  { listed: '2025-12-30', name: 'winter break', source: 'observed' },
  // 2026: info.arxiv.org/help/availability.html, "2026 Holidays".
  { listed: '2026-01-01', name: "New Year's Day", source: 'published' },
  { listed: '2026-01-19', name: 'Martin Luther King Jr. Day', source: 'published' },
  { listed: '2026-06-19', name: 'Juneteenth', source: 'published' },
  { listed: '2026-07-03', name: 'Independence Day (observed)', source: 'published' },
  { listed: '2026-09-07', name: 'Labor Day', source: 'published' },
  { listed: '2026-11-26', name: 'Thanksgiving', source: 'published' },
  { listed: '2026-12-25', name: 'Christmas', source: 'published' },
  { listed: '2026-12-29', name: 'winter break', source: 'published' },
  { listed: '2026-12-31', name: "New Year's Eve", source: 'published' },
];

export interface CalendarOptions {
  /** More holidays, as arXiv lists them (YYYY-MM-DD, the day of the skipped 20:00 mailing; a Friday means the Sunday). */
  extraHolidays?: readonly string[];
}

/** One announcement: the day the feeds date it, and the instant of its 20:00 Eastern mailing (the evening before). */
export interface Announcement {
  day: string;
  at: Date;
}

export interface NoAnnouncementReason {
  /** `weekend`: no mailings Friday and Saturday; `holiday`: arXiv skipped a mailing; `not-yet`: the next is still to come. */
  kind: 'weekend' | 'holiday' | 'not-yet';
  message: string;
  next: Announcement;
  /** The holiday that removed a mailing, for `holiday`. */
  holiday?: ArxivHoliday;
}

export type FeedState = 'current' | 'not-yet' | 'late';

export interface FeedStatus {
  /** `current`: the feed shows the latest day; `not-yet`: it should appear soon (within the grace); `late`: overdue. */
  state: FeedState;
  /** The feed day rss.arxiv.org should serve now. */
  expected: string;
  /** When that feed was due (00:00 Eastern on its day). */
  dueAt: Date;
  message: string;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
// Far enough for any real gap (the longest arXiv break is about two weeks); guards the loops against bad input.
const SEARCH_LIMIT_DAYS = 60;

const easternParts = new Intl.DateTimeFormat('en-US', {
  timeZone: ARXIV_TIMEZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const easternZoneName = new Intl.DateTimeFormat('en-US', { timeZone: ARXIV_TIMEZONE, timeZoneName: 'short' });

/** Throws USAGE unless `day` is a real YYYY-MM-DD date. */
function parseDay(day: string, what = 'day'): number {
  const match = DAY.exec(day);
  const time = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== day) {
    throw new XivdigestError({
      code: 'USAGE',
      message: `${what} ${JSON.stringify(day)} is not a date`,
      hint: 'Write days as YYYY-MM-DD, e.g. 2026-11-30.',
      details: { day },
    });
  }
  return time;
}

/** `day` moved by `days` calendar days. */
export function addDays(day: string, days: number): string {
  return new Date(parseDay(day) + days * 86_400_000).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. */
function weekday(day: string): number {
  return new Date(parseDay(day)).getUTCDay();
}

/** The Eastern calendar day of an instant: `2024-11-28T04:59:59Z` gives `2024-11-27`. */
export function easternDay(instant: Date): string {
  const parts = partsOf(instant);
  return `${parts.year}-${parts.month}-${parts.day}`;
}

function partsOf(instant: Date): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of easternParts.formatToParts(instant)) out[part.type] = part.value;
  return out;
}

/** The instant of `hour`:00 Eastern on `day`, DST-aware (never called for a time inside a DST gap: 00:00 and 20:00). */
export function easternInstant(day: string, hour: number): Date {
  const wall = parseDay(day) + hour * 3_600_000;
  // Guess with EST, then correct by the offset found at the guess; twice settles it on both sides of a switch.
  let utc = wall + 5 * 3_600_000;
  for (let i = 0; i < 2; i++) {
    const parts = partsOf(new Date(utc));
    const shown = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
    utc += wall - shown;
  }
  return new Date(utc);
}

/** The Friday-to-Sunday rule: the evening whose mailing a listed holiday removes. */
function skippedEvening(listed: string): string {
  const dow = weekday(listed);
  if (dow === 5) return addDays(listed, 2);
  if (dow === 6) return addDays(listed, 1);
  return listed;
}

const builtInByEvening = new Map<string, ArxivHoliday>(ARXIV_HOLIDAYS.map((holiday) => [skippedEvening(holiday.listed), holiday]));
const extraCache = new WeakMap<readonly string[], Map<string, ArxivHoliday>>();

function holidaysByEvening(options: CalendarOptions | undefined): Map<string, ArxivHoliday> {
  const extra = options?.extraHolidays;
  if (!extra || extra.length === 0) return builtInByEvening;
  let map = extraCache.get(extra);
  if (!map) {
    map = new Map(builtInByEvening);
    extra.forEach((listed, index) => {
      try {
        parseDay(listed);
      } catch (error) {
        throw new XivdigestError({
          code: 'CONFIG_INVALID',
          message: `extraHolidays[${index}]: ${JSON.stringify(listed)} is not a date`,
          hint: 'List days as arXiv does, YYYY-MM-DD (the day of the skipped 20:00 Eastern mailing).',
          cause: error,
          details: { path: `extraHolidays.${index}`, value: listed },
        });
      }
      map!.set(skippedEvening(listed), { listed, name: 'holiday (extraHolidays)', source: 'published' });
    });
    extraCache.set(extra, map);
  }
  return map;
}

/** The holiday that removed the feed dated `day`, if any (weekends are not holidays). */
export function holidayFor(day: string, options?: CalendarOptions): ArxivHoliday | undefined {
  return holidaysByEvening(options).get(addDays(day, -1));
}

/**
 * Whether arXiv announces papers dated `day` (YYYY-MM-DD, as `Paper.announced` and the feeds date them): Monday to
 * Friday, the mornings after the Sunday-to-Thursday 20:00 mailings, less the days after a skipped mailing.
 */
export function isAnnouncementDay(day: string, options?: CalendarOptions): boolean {
  const dow = weekday(day);
  if (dow === 0 || dow === 6) return false;
  return holidayFor(day, options) === undefined;
}

/** The instant of the mailing whose feed is dated `day`: 20:00 Eastern the evening before. */
export function announcementAt(day: string): Date {
  return easternInstant(addDays(day, -1), ANNOUNCEMENT_HOUR);
}

/** When rss.arxiv.org builds the feed dated `day`: 00:00 Eastern on `day`. */
export function feedBuiltAt(day: string): Date {
  return easternInstant(day, FEED_BUILD_HOUR);
}

/** The most recent announcement that has happened by `now`. */
export function latestAnnouncement(now: Date, options?: CalendarOptions): Announcement {
  // After 20:00 Eastern, tomorrow's feed day has been announced.
  let day = addDays(easternDay(now), 1);
  for (let i = 0; i < SEARCH_LIMIT_DAYS; i++, day = addDays(day, -1)) {
    if (!isAnnouncementDay(day, options)) continue;
    const at = announcementAt(day);
    if (at.getTime() <= now.getTime()) return { day, at };
  }
  throw noneWithin(now, 'before');
}

/** The first announcement after `now`. */
export function nextAnnouncement(now: Date, options?: CalendarOptions): Announcement {
  let day = easternDay(now);
  for (let i = 0; i < SEARCH_LIMIT_DAYS; i++, day = addDays(day, 1)) {
    if (!isAnnouncementDay(day, options)) continue;
    const at = announcementAt(day);
    if (at.getTime() > now.getTime()) return { day, at };
  }
  throw noneWithin(now, 'after');
}

function noneWithin(now: Date, side: 'before' | 'after'): XivdigestError {
  return new XivdigestError({
    code: 'CONFIG_INVALID',
    message: `no arXiv announcement within ${SEARCH_LIMIT_DAYS} days ${side} ${now.toISOString()}`,
    hint: 'Check extraHolidays: it removes too many days.',
    details: { path: 'extraHolidays', now: now.toISOString() },
  });
}

export interface AnnouncementDaysOptions extends CalendarOptions {
  /** With no watermark (a first run): how many of the latest announcement days to return. Default 1. */
  firstRunDays?: number;
  /** At most this many days, the newest kept (a catch-up after a long pause). Default: no cap. */
  limit?: number;
}

/**
 * Every announcement day after the watermark day `afterDay`, up to the latest already announced at `now`, oldest first.
 * Without a watermark, the latest `firstRunDays` of them.
 */
export function announcementDaysBetween(afterDay: string | undefined, now: Date, options: AnnouncementDaysOptions = {}): string[] {
  const latest = latestAnnouncement(now, options).day;
  let cap = options.limit ?? Number.POSITIVE_INFINITY;
  const days: string[] = [];
  if (afterDay === undefined) {
    cap = Math.min(cap, options.firstRunDays ?? 1);
    for (let day = latest, i = 0; days.length < cap && i < SEARCH_LIMIT_DAYS * 4; day = addDays(day, -1), i++) {
      if (isAnnouncementDay(day, options)) days.push(day);
    }
    return days.reverse();
  }
  parseDay(afterDay, 'the watermark day');
  for (let day = latest; day > afterDay && days.length < cap; day = addDays(day, -1)) {
    if (isAnnouncementDay(day, options)) days.push(day);
  }
  return days.reverse();
}

/** "Sun 2026-11-29 at 20:00 EST (01:00 UTC Mon 2026-11-30)". */
export function describeAnnouncementTime(at: Date): string {
  const local = easternDay(at);
  const parts = partsOf(at);
  const zone = easternZoneName.formatToParts(at).find((part) => part.type === 'timeZoneName')?.value ?? 'ET';
  const utcDay = at.toISOString().slice(0, 10);
  const utcTime = at.toISOString().slice(11, 16);
  const utcLabel = utcDay === local ? `${utcTime} UTC` : `${utcTime} UTC ${WEEKDAY_NAMES[weekday(utcDay)]} ${utcDay}`;
  return `${WEEKDAY_NAMES[weekday(local)]} ${local} at ${parts.hour}:${parts.minute} ${zone} (${utcLabel})`;
}

/**
 * Why there is nothing newer than the latest announcement at `now`: the evenings between it and the next mailing hold a
 * holiday, or only Friday and Saturday, or none (the next mailing is simply still to come).
 */
export function whyNoAnnouncement(now: Date, options?: CalendarOptions): NoAnnouncementReason {
  const latest = latestAnnouncement(now, options);
  const next = nextAnnouncement(now, options);
  const nextText = `arXiv announces next on ${describeAnnouncementTime(next.at)}, the feed dated ${next.day}`;
  const holidays = holidaysByEvening(options);
  let weekend = false;
  // The evenings strictly between the latest mailing and the next one: each is a Friday, a Saturday or a skipped mailing.
  for (let evening = latest.day; evening < addDays(next.day, -1); evening = addDays(evening, 1)) {
    const holiday = holidays.get(evening);
    const dow = weekday(evening);
    if (holiday && dow !== 5 && dow !== 6) {
      return {
        kind: 'holiday',
        holiday,
        next,
        message: `arXiv makes no announcement on the evening of ${WEEKDAY_NAMES[dow]} ${evening} (${holiday.name}); ${nextText}`,
      };
    }
    if (dow === 5 || dow === 6) weekend = true;
  }
  if (weekend) {
    return { kind: 'weekend', next, message: `arXiv makes no announcements on Friday and Saturday evenings; ${nextText}` };
  }
  return { kind: 'not-yet', next, message: `the next mailing is not out yet: ${nextText}` };
}

/** The feed day rss.arxiv.org should serve at `now`: the latest announcement day whose feed has been built. */
export function expectedFeedDay(now: Date, options?: CalendarOptions): string {
  let day = easternDay(now);
  for (let i = 0; i < SEARCH_LIMIT_DAYS; i++, day = addDays(day, -1)) {
    if (isAnnouncementDay(day, options) && feedBuiltAt(day).getTime() <= now.getTime()) return day;
  }
  throw noneWithin(now, 'before');
}

export interface FeedStatusOptions extends CalendarOptions {
  /** How long after its build time a missing feed is still "not yet" rather than "late". Default 120 minutes. */
  graceMinutes?: number;
}

/**
 * Compares the day of a fetched feed (its `<pubDate>` day, `FeedInfo.announced`) with the day arXiv should be serving,
 * so a run can say "not announced yet, retry later" instead of "no new papers". A feed newer than expected (the empty
 * feed arXiv builds for a holiday's day) counts as current.
 */
export function feedStatus(feedDay: string | undefined, now: Date, options: FeedStatusOptions = {}): FeedStatus {
  const expected = expectedFeedDay(now, options);
  const dueAt = feedBuiltAt(expected);
  if (feedDay !== undefined && feedDay >= expected) {
    return { state: 'current', expected, dueAt, message: `the feed is current (dated ${feedDay})` };
  }
  const graceMs = (options.graceMinutes ?? 120) * 60_000;
  const shown = feedDay === undefined ? 'the feed has no date' : `the feed is still dated ${feedDay}`;
  if (now.getTime() - dueAt.getTime() < graceMs) {
    return {
      state: 'not-yet',
      expected,
      dueAt,
      message: `${shown}; the feed for ${expected} is due from ${describeAnnouncementTime(dueAt)}: not announced yet, retry later`,
    };
  }
  return {
    state: 'late',
    expected,
    dueAt,
    message: `${shown}, but the feed for ${expected} was due at ${describeAnnouncementTime(dueAt)}: arXiv is late; retry later or check https://status.arxiv.org`,
  };
}

/** True when the feed should show a newer day and is more than `graceMinutes` overdue (see `feedStatus`). */
export function isFeedLate(feedDay: string | undefined, now: Date, graceMinutes = 120, options?: CalendarOptions): boolean {
  return feedStatus(feedDay, now, { ...options, graceMinutes }).state === 'late';
}
