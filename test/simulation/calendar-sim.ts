/**
 * The weekend-and-holiday simulation (issue 8): four weeks of arXiv announcements (Thanksgiving 2026 included) served
 * by a local simulated arXiv, and the daily run at a random hour on random days (some skipped, a Friday before a weekend
 * among them, some run twice) through the job function with an injected clock. Used by the test (two seeds) and by
 * `npm run bench:calendar` (many).
 */
import { addDays, easternDay, easternInstant, expectedFeedDay, isAnnouncementDay } from '../../src/core/arxiv-calendar.js';
import type { RunReport } from '../../src/core/run-report.js';
import { runDaily } from '../../src/jobs/daily-run.js';
import { createRunCalendar } from '../../src/jobs/run-calendar.js';
import { createPaperFilter } from '../../src/select/filter.js';
import { createArxivRssSource } from '../../src/sources/arxiv-rss/index.js';
import { createOaiPmhSource } from '../../src/sources/oai-pmh/index.js';
import { createHttpClient } from '../../src/sources/shared/http.js';
import type { Store } from '../../src/store/store.js';
import { startArxivWorld, type ArxivWorld } from '../helpers/arxiv-world.js';
import { createRandom } from '../helpers/random.js';

/** Mon 2026-11-09 to Sun 2026-12-06: four weeks, with Thanksgiving (Thu 2026-11-26, no feed dated Fri 11-27). */
export const SIM_FROM = '2026-11-09';
export const SIM_DAYS = 28;
/** Forced into every schedule: Thursday runs, Friday is missed, Saturday runs (the issue's lost Friday). */
export const MISSED_FRIDAY = '2026-11-20';
/** The run after the four weeks that catches up whatever the last days left. */
const FINAL_RUN = '2026-12-08T17:00:00Z';

export interface RunOptionsForWorld {
  world: ArxivWorld;
  store: Store;
  now: Date;
  runId: string;
  maxCatchUpDays?: number;
}

/** One daily run of the subscription `nlp` (cs.CL, everything selected) against the simulated arXiv at `now`. */
export function runInWorld(options: RunOptionsForWorld) {
  const { world } = options;
  world.now = options.now;
  const http = createHttpClient({ minIntervalMs: 0, maxRetries: 0 });
  const rss = createArxivRssSource({ baseUrl: world.server.url, format: 'rss', http });
  const oai = createOaiPmhSource({ baseUrl: `${world.server.url}/oai`, http });
  return runDaily({
    store: options.store,
    subscription: { name: 'nlp', updates: true, replacements: false, maxCatchUpDays: options.maxCatchUpDays ?? 14, ranking: {} },
    categories: ['cs.CL'],
    now: options.now,
    runId: options.runId,
    lang: 'zh',
    calendar: createRunCalendar(),
    feed: (categories) => rss.fetch({ categories }),
    backfill: (categories, from, until) => oai.fetch({ categories, from, until }),
    filter: createPaperFilter({ categories: 'cs.CL', replacements: true }),
  });
}

/** Every paper id in the subscription's stored digests, once per digest entry (a paper delivered twice shows twice). */
export async function deliveredIds(store: Store): Promise<string[]> {
  const ids: string[] = [];
  for (const listed of await store.listDigests()) {
    const digest = await store.getDigest(listed.name);
    for (const entry of digest?.entries ?? []) ids.push(entry.paperId);
  }
  return ids;
}

export interface SimulationResult {
  seed: number;
  runs: number;
  /** Calendar days with no run, and with two. */
  skippedDays: number;
  twiceDays: number;
  announced: number;
  delivered: number;
  /** Papers delivered more than once, announced but never delivered, and delivered but never announced. */
  duplicates: string[];
  missing: string[];
  extra: string[];
  /** Runs that delivered nothing without saying why, and runs that threw unexpectedly. */
  unexplained: string[];
  errors: string[];
  /** Runs that stopped on a failing backfill day, naming it (fault mode). */
  stops: number;
  /** Injected faults: feeds served empty at first, OAI-PMH days failing, OAI-PMH days not caught up. */
  faults: number;
  /** How many runs said each reason for having nothing (weekend, holiday, not-yet, all-seen, …). */
  nothing: Record<string, number>;
  /** Days filled from OAI-PMH, and OAI-PMH requests. */
  backfilledDays: number;
  oaiRequests: number;
}

/** The run times of one seed: a random Eastern hour on random days, some days skipped, some run twice. */
export function schedule(seed: number): { times: Date[]; skippedDays: number; twiceDays: number } {
  const rng = createRandom(seed);
  const times: Date[] = [];
  let skippedDays = 0;
  let twiceDays = 0;
  const at = (day: string) => new Date(easternInstant(day, 0).getTime() + Math.floor(rng() * 24 * 60) * 60_000);
  for (let i = 0; i < SIM_DAYS; i++) {
    const day = addDays(SIM_FROM, i);
    const draw = rng();
    // The first day always runs (a first run covers only the latest day); the issue's Thursday, Friday and Saturday too.
    const runs =
      i === 0 || day === addDays(MISSED_FRIDAY, -1) || day === addDays(MISSED_FRIDAY, 1)
        ? 1
        : day === MISSED_FRIDAY
          ? 0
          : draw < 0.25
            ? 0
            : draw < 0.45
              ? 2
              : 1;
    if (runs === 0) skippedDays += 1;
    if (runs === 2) twiceDays += 1;
    const dayTimes = Array.from({ length: runs }, () => at(day)).sort((a, b) => a.getTime() - b.getTime());
    times.push(...dayTimes);
  }
  times.push(new Date(FINAL_RUN));
  return { times, skippedDays, twiceDays };
}

interface FaultWindow {
  kind: 'emptyFeed' | 'oaiFails' | 'oaiEmpty';
  day: string;
  from: number;
  until: number;
}

/**
 * Faults arXiv has shown, at random: a feed served empty (dated today) for the first hours of its day before the full
 * one; OAI-PMH failing for a day for up to two days; OAI-PMH not having a day's records for the first hours after the
 * mailing.
 */
export function faultPlan(seed: number): FaultWindow[] {
  const rng = createRandom(seed * 31 + 7);
  const windows: FaultWindow[] = [];
  const hours = (n: number) => n * 3_600_000;
  for (let i = 0; i < SIM_DAYS; i++) {
    const day = addDays(SIM_FROM, i);
    if (!isAnnouncementDay(day)) continue;
    const midnight = easternInstant(day, 0).getTime();
    if (rng() < 0.15) windows.push({ kind: 'emptyFeed', day, from: midnight, until: midnight + hours(1 + rng() * 6) });
    if (rng() < 0.1) windows.push({ kind: 'oaiFails', day, from: midnight, until: midnight + hours(4 + rng() * 44) });
    if (rng() < 0.15) windows.push({ kind: 'oaiEmpty', day, from: midnight - hours(4), until: midnight + hours(rng() * 8) });
  }
  return windows;
}

export interface SimulationOptions {
  /** Inject the faults of `faultPlan(seed)`. */
  faults?: boolean;
  onRun?(line: string): void;
}

/** Runs one seed's four weeks on `store` (empty) and checks what reached the reader. */
export async function simulateCalendar(seed: number, store: Store, options: SimulationOptions = {}): Promise<SimulationResult> {
  const world = await startArxivWorld({ from: SIM_FROM, until: addDays(SIM_FROM, SIM_DAYS + 2), rng: createRandom(seed * 7919 + 1) });
  const onRun = options.onRun;
  try {
    const plan = schedule(seed);
    const windows = options.faults ? faultPlan(seed) : [];
    const reports: RunReport[] = [];
    const errors: string[] = [];
    let stops = 0;
    for (const [index, now] of plan.times.entries()) {
      for (const set of Object.values(world.faults)) set.clear();
      for (const window of windows) if (now.getTime() >= window.from && now.getTime() < window.until) world.faults[window.kind].add(window.day);
      try {
        const { report } = await runInWorld({ world, store, now, runId: `s${seed}-${String(index).padStart(3, '0')}` });
        reports.push(report);
        onRun?.(
          `${now.toISOString()} ${report.status} days=${report.days.join(',') || '-'} selected=${report.selected.length}${report.nothing ? ` (${report.nothing.kind})` : ''}`,
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        // A failing backfill day stops the run, which must name the day; anything else is a failure of the run.
        const day = /could not get arXiv's announcement of (\d{4}-\d{2}-\d{2})/.exec(message)?.[1];
        if (day && world.faults.oaiFails.has(day)) stops += 1;
        else errors.push(`${now.toISOString()} (${easternDay(now)} Eastern): ${message}`);
      }
    }
    const lastDay = expectedFeedDay(new Date(FINAL_RUN));
    const announced = world.papersBetween(SIM_FROM, lastDay).map((paper) => paper.id);
    const delivered = await deliveredIds(store);
    const counts = new Map<string, number>();
    for (const id of delivered) counts.set(id, (counts.get(id) ?? 0) + 1);
    const nothing: Record<string, number> = {};
    const unexplained: string[] = [];
    for (const report of reports) {
      if (report.selected.length > 0) continue;
      if (!report.nothing?.message) unexplained.push(`${report.now}: no papers and no reason`);
      else nothing[report.nothing.kind] = (nothing[report.nothing.kind] ?? 0) + 1;
    }
    for (const report of reports) {
      for (const day of report.coverage ?? [])
        if (day.status !== 'feed' && day.status !== 'backfill' && !day.note) unexplained.push(`${report.now}: ${day.day} ${day.status} without a note`);
    }
    return {
      seed,
      runs: plan.times.length,
      skippedDays: plan.skippedDays,
      twiceDays: plan.twiceDays,
      announced: announced.length,
      delivered: delivered.length,
      duplicates: [...counts].filter(([, count]) => count > 1).map(([id]) => id),
      missing: announced.filter((id) => !counts.has(id)),
      extra: [...counts.keys()].filter((id) => !announced.includes(id)),
      unexplained,
      errors,
      stops,
      faults: windows.length,
      nothing,
      backfilledDays: reports.reduce((sum, report) => sum + (report.coverage ?? []).filter((day) => day.status === 'backfill').length, 0),
      oaiRequests: world.oaiRequests().length,
    };
  } finally {
    await world.close();
  }
}
