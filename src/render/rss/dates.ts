/** Feed dates: RFC 822 (RSS 2.0, with a four-digit year as the spec advises) and RFC 3339 (Atom, JSON Feed), in UTC. */
import type { Digest, DigestEntry } from '../../core/digest.js';
import { XivdigestError } from '../../core/errors.js';

const DAY_ONLY = /^\d{4}-\d{2}-\d{2}$/;
// ISO 8601 as the project writes it: a date, `T`, a time, and `Z` or an offset (a time without a zone would be local).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Parses `YYYY-MM-DD` (midnight UTC) or an ISO 8601 date-time with a zone. Throws XivdigestError `INPUT_MALFORMED`
 * naming `field` for anything else: a feed with an invalid date is rejected by readers or sorted wrongly.
 */
export function parseFeedDate(text: string, field: string): Date {
  const trimmed = text.trim();
  const date = DAY_ONLY.test(trimmed) ? new Date(`${trimmed}T00:00:00Z`) : DATE_TIME.test(trimmed) ? new Date(trimmed) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new XivdigestError({
      code: 'INPUT_MALFORMED',
      message: `${field} is not a date: ${JSON.stringify(trimmed.slice(0, 40))}`,
      hint: 'Use YYYY-MM-DD or an ISO 8601 date-time with a zone, e.g. 2026-11-24T07:00:00Z.',
      details: { field, value: trimmed.slice(0, 100) },
    });
  }
  return date;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (value: number): string => String(value).padStart(2, '0');

/** `Tue, 24 Nov 2026 07:22:14 +0000` (RFC 822 §5, as updated by RFC 1123: four-digit year). */
export function rfc822(date: Date): string {
  return (
    `${DAYS[date.getUTCDay()]}, ${pad(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** `2026-11-24T07:22:14Z` (RFC 3339 §5.6; whole seconds). */
export function rfc3339(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** When the digest was made. */
export function digestDate(digest: Pick<Digest, 'createdAt'>): Date {
  return parseFeedDate(digest.createdAt, 'digest.createdAt');
}

/** When an entry was announced: `announced`, else the digest's day, else when the digest was made. */
export function entryDate(entry: Pick<DigestEntry, 'announced' | 'paperId'>, digest: Pick<Digest, 'createdAt' | 'day'>): Date {
  if (entry.announced !== undefined) return parseFeedDate(entry.announced, `announced of ${entry.paperId}`);
  if (digest.day !== undefined) return parseFeedDate(digest.day, 'digest.day');
  return digestDate(digest);
}
