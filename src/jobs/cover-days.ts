/**
 * Which announcement days a run covers, and where each day's papers come from (ADR 0024): the calendar says which days
 * arXiv announced; the feed proves something only about its own day; every other day is fetched from the backfill,
 * day by day, before the watermark may pass it. The first day that cannot be got stops the coverage there.
 */
import type { DayCoverage, NothingReason, RunReport } from '../core/run-report.js';
import type { SourceEvent } from '../core/source.js';
import type { Store } from '../store/store.js';
import type { DailyRunOptions } from './daily-run.js';
import { storeEvents, type StoreEventsResult } from './store-events.js';

export interface Coverage {
  /** The days covered, oldest first, without a gap: the watermark may move to the last. */
  days: string[];
  /** The papers of the covered days (papers of later days are stored but left for the run that covers them). */
  ids: Set<string>;
  /** Set when the run stopped before a day that is not out yet (a late feed, nothing for a day yet): run again later. */
  late?: NothingReason;
  /** Set when the backfill failed for a day: the run covers the days before it, then stops with this error. */
  failed?: { day: string; error: unknown };
}

/** Covers the announcement days after `watermarkDay` (or the latest one on a first run) as far as the sources allow. */
export async function coverDays(options: DailyRunOptions, report: RunReport, watermarkDay: string | undefined): Promise<Coverage> {
  const { store, subscription, now, calendar } = options;
  const categories = options.categories.join('+');
  const progress = options.onProgress ?? (() => undefined);
  const coverage: DayCoverage[] = [];
  report.coverage = coverage;
  const result: Coverage = { days: [], ids: new Set() };

  let days = watermarkDay ? calendar.daysAfter(watermarkDay, now) : [calendar.latestDay(now)];
  if (days.length > subscription.maxCatchUpDays) {
    const dropped = days.slice(0, days.length - subscription.maxCatchUpDays);
    days = days.slice(-subscription.maxCatchUpDays);
    for (const day of dropped)
      coverage.push({ day, status: 'skipped', papers: 0, note: `beyond maxCatchUpDays (${subscription.maxCatchUpDays}): not fetched` });
    report.problems.push(
      `${dropped.length} older announcement day(s) (${dropped[0]} to ${dropped.at(-1)}) were skipped, not filled (maxCatchUpDays is ${subscription.maxCatchUpDays}); ` +
        `fetch them with: xivdigest fetch --source oai --category ${options.categories.join('+')} --from ${dropped[0]} --until ${dropped.at(-1)}`,
    );
  }
  if (days.length === 0) return result;
  const last = days.at(-1)!;

  // 1. The feed. Dated day D with papers, it covers D. Empty, it only proves that D had no announcement, which a day the
  // calendar says arXiv announced needs more than (arXiv has served an empty feed dated today before the full one), so
  // such a day goes to the backfill as well. Undated, or dated before the expected day, it proves nothing about `last`.
  progress(`fetching the ${categories} feed for ${last}`);
  const feedIds = new Set<string>();
  const feed = await timed(report.durationsMs, 'fetch', () => fetchInto(store, options.feed(options.categories), feedIds));
  report.fetched.sources.push('feed');
  const feedDay = feed.feed?.announced;
  const fresh = feedDay !== undefined && feedDay >= last;
  const fromFeed = feedIds.size > 0 && feedDay !== undefined && (fresh || days.includes(feedDay)) ? feedDay : undefined;
  if (fromFeed !== undefined) count(report, feed);
  // Days before the expected one are out whatever the feed shows; the expected one is asked of the backfill only once
  // the feed has moved to it (or past it) without bringing its papers.
  const toBackfill = days.filter((day) => day !== fromFeed && (fresh || day < last));

  // 2. The backfill, one request per day, oldest first, so that every paper is known by the day it was announced.
  const backfilled = new Map<string, Set<string>>();
  let failed: { day: string; error: unknown } | undefined;
  if (toBackfill.length > 0) {
    progress(`fetching ${toBackfill.length} announcement day(s) from the backfill: ${toBackfill.join(', ')}`);
    report.fetched.sources.push('backfill');
  }
  for (const day of toBackfill) {
    const ids = new Set<string>();
    try {
      count(report, await timed(report.durationsMs, 'fetch', () => fetchInto(store, options.backfill(options.categories, day, day), ids)));
    } catch (error) {
      failed = { day, error };
      break;
    }
    backfilled.set(day, ids);
  }

  // 3. Cover the days in order, up to the first one that cannot be got.
  const sequence = [...new Set([...days, ...(fromFeed !== undefined ? [fromFeed] : [])])].sort();
  const papersAfter = (day: string) => (fromFeed !== undefined && fromFeed > day) || [...backfilled].some(([other, ids]) => other > day && ids.size > 0);
  let stopped: string | undefined;
  for (const day of sequence) {
    if (stopped !== undefined) {
      coverage.push({ day, status: 'later', papers: 0, note: `after ${stopped}: a later run covers it` });
      continue;
    }
    const cover = (ids: Set<string>, entry: Omit<DayCoverage, 'day' | 'papers'>) => {
      for (const id of ids) result.ids.add(id);
      result.days.push(day);
      coverage.push({ day, papers: ids.size, ...entry });
    };
    if (day === fromFeed) {
      cover(feedIds, { status: 'feed' });
      continue;
    }
    if (failed?.day === day) {
      const message = failed.error instanceof Error ? failed.error.message : String(failed.error);
      coverage.push({ day, status: 'failed', papers: 0, note: `the backfill failed: ${message}` });
      result.failed = failed;
      report.problems.push(`could not get ${day} from the backfill (${message}); the run covers the days before it, and the next run retries ${day}`);
      stopped = day;
      continue;
    }
    const ids = backfilled.get(day);
    if (ids === undefined) {
      // The expected day, and the feed does not show it yet.
      const message = `${categories}: ${calendar.feedNotCurrent(feedDay, now)}; ${day} stays uncovered until a run finds it`;
      coverage.push({ day, status: 'not-yet', papers: 0, note: message });
      result.late = { kind: 'not-yet', message, retry: true };
      report.problems.push(message);
      stopped = day;
      continue;
    }
    if (ids.size > 0) {
      cover(ids, { status: 'backfill' });
      continue;
    }
    // Nothing for a day the calendar says arXiv announced: a quiet day for these categories, a mailing arXiv skipped
    // that the calendar does not list, or a backfill that has not caught up. Only papers of a later day rule out the last.
    if (papersAfter(day)) {
      cover(ids, { status: 'empty', note: `arXiv announced no papers in ${categories} on ${day} (the backfill has none, and has papers of a later day)` });
      continue;
    }
    const message =
      `${categories}: the backfill has no papers announced on ${day} yet (arXiv's calendar lists an announcement that day); ` +
      `${day} stays uncovered until its papers, or a later day's, are out: retry later`;
    coverage.push({ day, status: 'not-yet', papers: 0, note: message });
    result.late = { kind: 'not-yet', message, retry: true };
    report.problems.push(message);
    stopped = day;
  }
  if (feedDay !== undefined && fromFeed === undefined && feedIds.size === 0 && feedDay > last) {
    coverage.push({ day: feedDay, status: 'empty', papers: 0, note: `the feed dated ${feedDay} is empty: arXiv made no announcement that day` });
  }
  return result;
}

function count(report: RunReport, fetched: StoreEventsResult): void {
  report.fetched.papers += fetched.papers;
  for (const [key, value] of Object.entries(fetched.byAnnounceType)) report.fetched.byAnnounceType[key] = (report.fetched.byAnnounceType[key] ?? 0) + value;
}

/** Feeds a source into the store and collects the ids of the papers it gave. */
async function fetchInto(store: Store, events: AsyncIterable<SourceEvent>, ids: Set<string>): Promise<StoreEventsResult> {
  async function* collect(): AsyncIterable<SourceEvent> {
    for await (const event of events) {
      if (event.type === 'paper') ids.add(event.paper.id);
      yield event;
    }
  }
  return storeEvents(collect(), store);
}

function timed<T>(durations: Record<string, number>, step: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  return work().finally(() => {
    durations[step] = Math.round((durations[step] ?? 0) + performance.now() - start);
  });
}
