/**
 * `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. The one parser every HTTP client here uses;
 * the cap on a long wait is the caller's (each has its own limit and error).
 */

const DELAY_SECONDS = /^\d+(?:\.\d+)?$/;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY = '(?:mon|tue|wed|thu|fri|sat|sun)';
const LONG_DAY = '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)';
const MONTH = '(?<month>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)';
const TIME = '(?<hours>\\d{2}):(?<minutes>\\d{2}):(?<seconds>\\d{2})';
/** IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`. */
const IMF_FIXDATE = new RegExp(`^${DAY}, (?<day>\\d{2}) ${MONTH} (?<year>\\d{4}) ${TIME} GMT$`, 'i');
/** Obsolete RFC 850 form: `Sunday, 06-Nov-94 08:49:37 GMT`. */
const RFC850_DATE = new RegExp(`^${LONG_DAY}, (?<day>\\d{2})-${MONTH}-(?<year>\\d{2}) ${TIME} GMT$`, 'i');
/** Obsolete asctime form: `Sun Nov  6 08:49:37 1994` (always UTC). */
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} (?<day>[ \\d]\\d) ${TIME} (?<year>\\d{4})$`, 'i');

/**
 * Parses an HTTP-date (RFC 9110 §5.6.7: IMF-fixdate, or the obsolete RFC 850 and asctime forms a recipient must
 * accept) to epoch milliseconds; undefined for anything else, including strings `Date.parse` would guess at.
 */
export function parseHttpDate(value: string, now: number = Date.now()): number | undefined {
  const text = value.trim();
  const groups = (IMF_FIXDATE.exec(text) ?? RFC850_DATE.exec(text) ?? ASCTIME_DATE.exec(text))?.groups;
  if (!groups) return undefined;
  const day = Number(groups['day']!.trim());
  const month = MONTHS.indexOf(groups['month']!.toLowerCase());
  let year = Number(groups['year']);
  if (groups['year']!.length === 2) {
    // RFC 9110 §5.6.7: a two-digit year that looks more than 50 years ahead is the most recent past such year.
    year += 2000;
    if (year > new Date(now).getUTCFullYear() + 50) year -= 100;
  }
  const hours = Number(groups['hours']);
  const minutes = Number(groups['minutes']);
  const seconds = Number(groups['seconds']);
  if (hours > 23 || minutes > 59 || seconds > 60) return undefined;
  const epoch = Date.UTC(year, month, day, hours, minutes, Math.min(seconds, 59));
  // An impossible day (31 Feb) is unreadable, not rolled over into the next month.
  return new Date(epoch).getUTCDate() === day ? epoch : undefined;
}

/**
 * The wait a `Retry-After` asks for, in milliseconds: delay-seconds (a fractional value is accepted and rounded to
 * the millisecond, as some servers send it) or an HTTP-date, measured from the response's `Date` header when it is a
 * valid HTTP-date (so a skewed local clock does not stretch or shrink the wait), else from `now`. A date in the past
 * gives 0. Absent, empty, negative or unreadable values give undefined.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now(), responseDate?: string | null): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (DELAY_SECONDS.test(text)) return Math.round(Number(text) * 1000);
  const at = parseHttpDate(text, now);
  if (at === undefined) return undefined;
  const base = (responseDate ? parseHttpDate(responseDate, now) : undefined) ?? now;
  return Math.max(0, at - base);
}

/**
 * `retry-after-ms` (OpenAI, Azure): a non-negative number of milliseconds, rounded. Undefined when absent, empty,
 * negative or not a plain decimal number.
 */
export function parseRetryAfterMs(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  return DELAY_SECONDS.test(text) ? Math.round(Number(text)) : undefined;
}
