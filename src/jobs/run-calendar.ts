/** arXiv's calendar as the daily run needs it: the days whose feeds exist at a moment, and why none is new. */
import {
  announcementDaysBetween,
  expectedFeedDay,
  feedStatus,
  latestAnnouncement,
  whyNoAnnouncement,
  describeAnnouncementTime,
  feedBuiltAt,
  type CalendarOptions,
} from '../core/arxiv-calendar.js';
import type { RunCalendar } from './daily-run.js';

/**
 * A run covers feed days: rss.arxiv.org builds the feed of day D at 00:00 Eastern on D, four hours after the 20:00
 * mailing, so between the mailing and midnight the newest announcement is out but its feed is not.
 */
export function createRunCalendar(options: CalendarOptions = {}): RunCalendar {
  return {
    latestDay: (now) => expectedFeedDay(now, options),
    daysAfter(after, now) {
      const feedDay = expectedFeedDay(now, options);
      return announcementDaysBetween(after, now, options).filter((day) => day <= feedDay);
    },
    whyNothing(now) {
      const announced = latestAnnouncement(now, options);
      const feedDay = expectedFeedDay(now, options);
      if (announced.day > feedDay) {
        return {
          kind: 'not-yet',
          message: `arXiv announced ${announced.day} at ${describeAnnouncementTime(announced.at)}; its feed is built at ${describeAnnouncementTime(feedBuiltAt(announced.day))}: run again after that`,
        };
      }
      const reason = whyNoAnnouncement(now, options);
      return { kind: reason.kind, message: reason.message };
    },
    feedNotCurrent: (feedDay, now) => feedStatus(feedDay, now, options).message,
  };
}
