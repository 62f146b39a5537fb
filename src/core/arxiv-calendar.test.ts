/** arXiv's announcement calendar against real feed dates, arXiv's holiday lists, DST switches and the 20:00 edge. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedFixtures, sharedFixtureFiles, sharedSkipReason } from '../../test/helpers/shared-fixtures.js';
import {
  ARXIV_HOLIDAYS,
  ARXIV_TIMEZONE,
  addDays,
  announcementAt,
  announcementDaysBetween,
  describeAnnouncementTime,
  easternDay,
  expectedFeedDay,
  feedBuiltAt,
  feedStatus,
  holidayFor,
  isAnnouncementDay,
  isFeedLate,
  latestAnnouncement,
  nextAnnouncement,
  whyNoAnnouncement,
} from './arxiv-calendar.js';
import { XivdigestError } from './errors.js';

const at = (iso: string) => new Date(iso);

describe('isAnnouncementDay', () => {
  it.each([
    // Real feeds (../shared/fixtures/arxiv): quant-ph Mon 2025-04-28, all archives Thu 2024-11-28 (Thanksgiving Day: the
    // Wednesday mailing went out and is dated Thursday).
    ['2025-04-28', true],
    ['2024-11-28', true],
    ['2024-11-29', false], // no Thanksgiving-evening mailing
    ['2024-11-30', false], // Saturday
    ['2024-12-01', false], // Sunday
    ['2024-12-02', true],
    ['2026-11-26', true], // Thanksgiving 2026: Wednesday's mailing
    ['2026-11-27', false],
    ['2026-11-30', true],
    ['2025-07-07', false], // arXiv listed "Sun 6 July" 2025
    ['2025-07-03', true],
    ['2025-07-04', true], // Thursday 3 July mailed as usual
    ['2026-06-22', false], // Fri 19 June 2026 holiday: no Sunday mailing
    ['2026-06-19', true], // the Thursday 18 June mailing, dated Friday
    ['2026-01-02', false], // Thu 1 January 2026
    ['2026-01-20', false], // Mon 19 January 2026 (MLK day)
    ['2026-12-28', false], // Fri 25 December 2026: no Sunday 27 mailing
    ['2026-12-30', false], // Tue 29 December 2026
    ['2027-01-01', false], // Thu 31 December 2026
    ['2025-12-31', false], // the empty real feed of Wed 2025-12-31
    ['2027-11-26', true], // beyond the table: weekdays only
    ['2023-11-24', true],
  ])('%s → %s', (day, expected) => {
    expect(isAnnouncementDay(day)).toBe(expected);
  });

  it('the feed day after every holiday in the table is not an announcement day', () => {
    for (const holiday of ARXIV_HOLIDAYS) {
      const dow = new Date(`${holiday.listed}T12:00:00Z`).getUTCDay();
      const skippedEvening = dow === 5 ? addDays(holiday.listed, 2) : dow === 6 ? addDays(holiday.listed, 1) : holiday.listed;
      const feedDay = addDays(skippedEvening, 1);
      expect(isAnnouncementDay(feedDay), `${holiday.listed} ${holiday.name}`).toBe(false);
      expect(holidayFor(feedDay)).toBe(holiday);
    }
  });

  it('takes extraHolidays in arXiv’s form, and rejects a bad one with the config path', () => {
    expect(isAnnouncementDay('2027-11-26')).toBe(true);
    expect(isAnnouncementDay('2027-11-26', { extraHolidays: ['2027-11-25'] })).toBe(false);
    expect(isAnnouncementDay('2027-11-29', { extraHolidays: ['2027-11-26'] })).toBe(false); // a Friday: the Sunday mailing
    try {
      isAnnouncementDay('2027-11-26', { extraHolidays: ['2027-11-25', '25/11/2027'] });
      expect.unreachable();
    } catch (error) {
      expect(XivdigestError.isInstance(error) && error.code).toBe('CONFIG_INVALID');
      expect((error as XivdigestError).details.path).toBe('extraHolidays.1');
    }
  });

  it('rejects a day that is not a date', () => {
    expect(() => isAnnouncementDay('2026-02-30')).toThrow(/not a date/);
    let caught: unknown;
    try {
      isAnnouncementDay('2026-2-3');
    } catch (error) {
      caught = error;
    }
    expect(XivdigestError.isInstance(caught) && caught.code).toBe('USAGE');
    expect((caught as XivdigestError).hint).toContain('YYYY-MM-DD');
  });
});

describe('announcement instants, DST-aware', () => {
  it.each([
    ['2026-03-02', '2026-03-02T01:00:00.000Z'], // Sun 1 March 20:00 EST
    ['2026-03-09', '2026-03-09T00:00:00.000Z'], // Sun 8 March, the day DST starts: 20:00 EDT
    ['2026-03-06', '2026-03-06T01:00:00.000Z'], // Thu 5 March 20:00 EST
    ['2026-10-30', '2026-10-30T00:00:00.000Z'], // Thu 29 October 20:00 EDT
    ['2026-11-02', '2026-11-02T01:00:00.000Z'], // Sun 1 November, the day DST ends: 20:00 EST
  ])('feed day %s was mailed at %s', (day, instant) => {
    expect(announcementAt(day).toISOString()).toBe(instant);
  });

  it('the feed is built at midnight Eastern of its day', () => {
    expect(feedBuiltAt('2025-04-28').toISOString()).toBe('2025-04-28T04:00:00.000Z');
    expect(feedBuiltAt('2024-11-28').toISOString()).toBe('2024-11-28T05:00:00.000Z');
    expect(easternDay(at('2024-11-28T04:59:59Z'))).toBe('2024-11-27');
    expect(ARXIV_TIMEZONE).toBe('America/New_York');
  });
});

describe('latestAnnouncement and nextAnnouncement at the 20:00 edge', () => {
  it.each([
    // Sunday 1 March 2026 (EST): 19:59 still shows Friday's; 20:01 has Monday's.
    ['2026-03-02T00:59:00Z', '2026-02-27', '2026-03-02'],
    ['2026-03-02T01:01:00Z', '2026-03-02', '2026-03-03'],
    // Friday 6 March: no mailing at 20:00, before or after.
    ['2026-03-07T00:59:00Z', '2026-03-06', '2026-03-09'],
    ['2026-03-07T01:01:00Z', '2026-03-06', '2026-03-09'],
    // Saturday 7 March, 19:59 and 20:01 EST.
    ['2026-03-08T00:59:00Z', '2026-03-06', '2026-03-09'],
    ['2026-03-08T01:01:00Z', '2026-03-06', '2026-03-09'],
    // Sunday 8 March, DST has started: 20:00 EDT is 00:00 UTC.
    ['2026-03-08T23:59:00Z', '2026-03-06', '2026-03-09'],
    ['2026-03-09T00:01:00Z', '2026-03-09', '2026-03-10'],
    // Sunday 1 November, DST has ended: 20:00 EST is 01:00 UTC.
    ['2026-11-02T00:30:00Z', '2026-10-30', '2026-11-02'],
    ['2026-11-02T01:00:00Z', '2026-11-02', '2026-11-03'],
    // Thanksgiving 2026, Thursday 21:00 EST: Thursday's mailing is skipped.
    ['2026-11-27T02:00:00Z', '2026-11-26', '2026-11-30'],
  ])('at %s the latest is %s and the next %s', (now, latest, next) => {
    expect(latestAnnouncement(at(now)).day).toBe(latest);
    expect(nextAnnouncement(at(now)).day).toBe(next);
    expect(latestAnnouncement(at(now)).at.getTime()).toBeLessThanOrEqual(at(now).getTime());
    expect(nextAnnouncement(at(now)).at.getTime()).toBeGreaterThan(at(now).getTime());
  });

  it('describes a time in Eastern and UTC', () => {
    expect(describeAnnouncementTime(announcementAt('2026-11-30'))).toBe('Sun 2026-11-29 at 20:00 EST (01:00 UTC Mon 2026-11-30)');
    expect(describeAnnouncementTime(announcementAt('2026-06-23'))).toBe('Mon 2026-06-22 at 20:00 EDT (00:00 UTC Tue 2026-06-23)');
  });
});

describe('whyNoAnnouncement', () => {
  it('names the holiday', () => {
    const reason = whyNoAnnouncement(at('2026-11-26T15:00:00Z'));
    expect(reason.kind).toBe('holiday');
    expect(reason.holiday?.name).toBe('Thanksgiving');
    expect(reason.next).toEqual({ day: '2026-11-30', at: at('2026-11-30T01:00:00Z') });
    expect(reason.message).toBe(
      'arXiv makes no announcement on the evening of Thu 2026-11-26 (Thanksgiving); arXiv announces next on Sun 2026-11-29 at 20:00 EST (01:00 UTC Mon 2026-11-30), the feed dated 2026-11-30',
    );
  });

  it('a Friday holiday removes the Sunday mailing, and is named over the weekend', () => {
    const reason = whyNoAnnouncement(at('2026-06-20T15:00:00Z'));
    expect(reason.kind).toBe('holiday');
    expect(reason.message).toContain('evening of Sun 2026-06-21 (Juneteenth)');
    expect(reason.next.day).toBe('2026-06-23');
  });

  it('says weekend on Friday and Saturday', () => {
    for (const now of ['2026-03-06T15:00:00Z', '2026-03-07T15:00:00Z', '2026-03-08T20:00:00Z']) {
      const reason = whyNoAnnouncement(at(now));
      expect(reason.kind, now).toBe('weekend');
      expect(reason.message).toBe(
        'arXiv makes no announcements on Friday and Saturday evenings; arXiv announces next on Sun 2026-03-08 at 20:00 EDT (00:00 UTC Mon 2026-03-09), the feed dated 2026-03-09',
      );
    }
  });

  it('says not yet on a weekday before 20:00', () => {
    const reason = whyNoAnnouncement(at('2026-03-10T15:00:00Z'));
    expect(reason.kind).toBe('not-yet');
    expect(reason.next.day).toBe('2026-03-11');
    expect(reason.message).toMatch(/^the next mailing is not out yet: arXiv announces next on Tue 2026-03-10 at 20:00 EDT/);
  });
});

describe('announcementDaysBetween', () => {
  const now = at('2026-11-30T02:00:00Z'); // Sunday 29 November, 21:00 EST

  it('lists the days after the watermark, oldest first, skipping the holiday and the weekend', () => {
    expect(announcementDaysBetween('2026-11-20', now)).toEqual(['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-30']);
    expect(announcementDaysBetween('2026-11-30', now)).toEqual([]);
    expect(announcementDaysBetween('2026-11-26', at('2026-11-27T15:00:00Z'))).toEqual([]);
  });

  it('caps a long catch-up to the newest days, and a first run to firstRunDays', () => {
    expect(announcementDaysBetween('2026-11-20', now, { limit: 2 })).toEqual(['2026-11-26', '2026-11-30']);
    expect(announcementDaysBetween(undefined, now)).toEqual(['2026-11-30']);
    expect(announcementDaysBetween(undefined, now, { firstRunDays: 3 })).toEqual(['2026-11-25', '2026-11-26', '2026-11-30']);
  });

  it('spans a year end with arXiv’s winter break', () => {
    expect(announcementDaysBetween('2026-12-22', at('2027-01-05T12:00:00Z'))).toEqual([
      '2026-12-23',
      '2026-12-24',
      '2026-12-25',
      '2026-12-29',
      '2026-12-31',
      '2027-01-04',
      '2027-01-05',
    ]);
  });
});

describe('expectedFeedDay and feedStatus', () => {
  it('the feed of a 20:00 mailing is expected only from midnight', () => {
    // Sunday 29 November 22:00 EST: Monday's mailing is out, its feed is not built yet.
    expect(latestAnnouncement(at('2026-11-30T03:00:00Z')).day).toBe('2026-11-30');
    expect(expectedFeedDay(at('2026-11-30T03:00:00Z'))).toBe('2026-11-26');
    expect(expectedFeedDay(at('2026-11-30T05:00:00Z'))).toBe('2026-11-30');
  });

  it('is not-yet within the grace, late after it, current once the day shows', () => {
    expect(feedStatus('2026-11-26', at('2026-11-30T05:30:00Z'))).toMatchObject({ state: 'not-yet', expected: '2026-11-30' });
    expect(feedStatus('2026-11-26', at('2026-11-30T05:30:00Z')).message).toContain('not announced yet, retry later');
    expect(feedStatus('2026-11-26', at('2026-11-30T07:01:00Z')).state).toBe('late');
    expect(feedStatus(undefined, at('2026-11-30T07:01:00Z')).state).toBe('late');
    expect(feedStatus('2026-11-30', at('2026-11-30T05:30:00Z')).state).toBe('current');
    expect(isFeedLate('2026-11-26', at('2026-11-30T07:01:00Z'))).toBe(true);
    expect(isFeedLate('2026-11-26', at('2026-11-30T07:01:00Z'), 240)).toBe(false);
    expect(isFeedLate('2026-11-26', at('2026-11-30T04:00:00Z'))).toBe(false); // Sunday 23:00 EST: nothing is due
  });

  it('an empty holiday feed newer than expected counts as current (real capture: physics, Wed 2025-12-31)', () => {
    const now = at('2025-12-31T05:00:02Z');
    expect(expectedFeedDay(now)).toBe('2025-12-30');
    expect(feedStatus('2025-12-31', now).state).toBe('current');
  });
});

describe('the real feeds in ../shared/fixtures', () => {
  const feeds = sharedFixtureFiles('arxiv', (name) => name.startsWith('rss-new-'));
  if (!hasSharedFixtures || feeds.length === 0) {
    it.skip(sharedSkipReason, () => undefined);
    return;
  }
  it.each(feeds.map((file) => [file.split('/').pop()!, file]))('%s is dated an announcement day and built after its midnight', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const channel = text.slice(0, text.indexOf('<item') === -1 ? undefined : text.indexOf('<item'));
    const pubDate = /<pubDate>([^<]+)<\/pubDate>/.exec(channel)![1]!;
    const lastBuild = new Date(/<lastBuildDate>([^<]+)<\/lastBuildDate>/.exec(channel)![1]!);
    // The feed's day, as src/sources/arxiv-rss/parse.ts derives `announced` (the date written in pubDate).
    const day = easternDay(new Date(pubDate));
    expect(new Date(pubDate).getTime()).toBe(feedBuiltAt(day).getTime());
    expect(isAnnouncementDay(day)).toBe(true);
    expect(lastBuild.getTime()).toBeGreaterThanOrEqual(feedBuiltAt(day).getTime());
    expect(expectedFeedDay(lastBuild)).toBe(day);
    expect(feedStatus(day, lastBuild).state).toBe('current');
  });
});
