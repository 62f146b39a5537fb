/** The one `Retry-After` parser (RFC 9110 §10.2.3) every HTTP client uses: seconds or an HTTP-date, nothing guessed. */
import { describe, expect, it } from 'vitest';
import { parseHttpDate, parseRetryAfter, parseRetryAfterMs } from './retry-after.js';

const now = Date.parse('2025-04-28T12:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delay-seconds, trimmed, and rounds a fractional value to the millisecond', () => {
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('0.5', now)).toBe(500);
    expect(parseRetryAfter('1.2345', now)).toBe(1235);
  });

  it('reads an HTTP-date in the future as the time until it, and one in the past as 0', () => {
    expect(parseRetryAfter('Mon, 28 Apr 2025 12:01:30 GMT', now)).toBe(90_000);
    expect(parseRetryAfter('Mon, 28 Apr 2025 11:00:00 GMT', now)).toBe(0);
    // The obsolete forms a recipient must accept (RFC 9110 §5.6.7); asctime is UTC, not local time.
    expect(parseRetryAfter('Monday, 28-Apr-25 12:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Mon Apr 28 12:00:20 2025', now)).toBe(20_000);
    expect(parseRetryAfter('Mon Apr  7 12:00:00 2025', now)).toBe(0);
  });

  it("measures an HTTP-date from the response's Date header when there is a valid one", () => {
    // The server's clock is 5 s behind ours: the wait it means is 60 s, not 55 s.
    expect(parseRetryAfter('Mon, 28 Apr 2025 12:00:55 GMT', now, 'Mon, 28 Apr 2025 11:59:55 GMT')).toBe(60_000);
    expect(parseRetryAfter('Mon, 28 Apr 2025 12:00:55 GMT', now, 'garbage')).toBe(55_000);
    expect(parseRetryAfter('7', now, 'Mon, 28 Apr 2025 11:59:55 GMT')).toBe(7000);
  });

  it('gives undefined for absent, empty, negative, signed, exponent and unreadable values', () => {
    for (const value of [null, undefined, '', '   ', '-5', '-0.5', '+5', '1e3', '0x10', '5s', '.5', '5.', 'soon', 'Infinity', 'NaN']) {
      expect(parseRetryAfter(value, now), String(value)).toBeUndefined();
    }
    // Strings Date.parse would guess a date from are not HTTP-dates.
    for (const value of ['2025-04-28T12:01:00Z', '5 apples', 'April 28, 2025', 'Mon, 28 Apr 2025 12:01:30 +0000', 'Mon, 31 Feb 2025 12:00:00 GMT']) {
      expect(parseRetryAfter(value, now), value).toBeUndefined();
    }
  });
});

describe('parseHttpDate', () => {
  it('reads the three forms to the same instant and is case-insensitive in names', () => {
    const expected = Date.parse('1994-11-06T08:49:37Z');
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(expected);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(expected);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(expected);
    expect(parseHttpDate('SUN, 06 NOV 1994 08:49:37 gmt')).toBe(expected);
  });

  it('refuses hours, minutes or days out of range', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 24:00:00 GMT')).toBeUndefined();
    expect(parseHttpDate('Sun, 06 Nov 1994 08:60:00 GMT')).toBeUndefined();
    expect(parseHttpDate('Sun, 00 Nov 1994 08:00:00 GMT')).toBeUndefined();
  });
});

describe('parseRetryAfterMs', () => {
  it('reads non-negative milliseconds, rounded, and nothing else', () => {
    expect(parseRetryAfterMs('1500')).toBe(1500);
    expect(parseRetryAfterMs(' 20.6 ')).toBe(21);
    for (const value of [null, undefined, '', '-1', 'abc', '1e3']) expect(parseRetryAfterMs(value), String(value)).toBeUndefined();
  });
});
