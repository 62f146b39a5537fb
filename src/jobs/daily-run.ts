/**
 * The daily run of one subscription: cover every announcement day since its watermark (today's feed, missed days
 * from a backfill), decide each new paper once, enrich what is selected, build and store the digest, advance the
 * watermark in the same transaction, then publish. Every step lands in the run report.
 */
import type { Digest, DigestEntry } from '../core/digest.js';
import type { StoredPaper } from '../core/paper.js';
import type { DeliveryReport, NothingReason, RunReport } from '../core/run-report.js';
import type { SourceEvent } from '../core/source.js';
import type { StoredTexts } from '../core/texts.js';
import type { Store, PaperDecision } from '../store/store.js';
import { buildDigest } from './build-digest.js';
import type { EnrichResult } from './enrich.js';
import type { Ranker } from '../core/rank.js';
import { planSelection, type PaperFilter, type SelectedCandidate, type SelectionPlan, type SkippedCandidate } from './select-papers.js';
import { coverDays } from './cover-days.js';
import { XivdigestError } from '../core/errors.js';
import { claimRun, markTakenOver, type HeldRunLease, type RunLeaseSettings } from './run-lease.js';

/** arXiv's announcement calendar, as the run needs it (src/core/arxiv-calendar.ts provides it). */
export interface RunCalendar {
  /** The most recent announcement day that has happened by `now`. */
  latestDay(now: Date): string;
  /** Every announcement day after `after` up to the latest at `now`, oldest first. */
  daysAfter(after: string, now: Date): string[];
  /** Why there is nothing new at `now`: weekend, holiday or not yet announced. */
  whyNothing(now: Date): NothingReason;
  /** What a feed still dated `feedDay` (or undated) at `now` means: not yet announced, or late. */
  feedNotCurrent(feedDay: string | undefined, now: Date): string;
}

/** The part of a subscription the run reads (the config's Subscription fits). */
export interface RunSubscription {
  name: string;
  updates: boolean;
  replacements: boolean;
  maxCatchUpDays: number;
  ranking: { topK?: number | undefined; threshold?: number | undefined };
}

export interface DailyRunOptions {
  store: Store;
  subscription: RunSubscription;
  /** The categories to fetch, e.g. `['cs.CL', 'cs.AI']` (the union part of the subscription's expression). */
  categories: string[];
  now: Date;
  runId: string;
  lang: string;
  calendar: RunCalendar;
  /** Today's announcement feed for the categories (rss.arxiv.org). */
  feed(categories: string[]): AsyncIterable<SourceEvent>;
  /** Papers announced on the days from..until (inclusive), from OAI-PMH or the API. */
  backfill(categories: string[], from: string, until: string): AsyncIterable<SourceEvent>;
  filter: PaperFilter;
  ranker?: Ranker;
  /** Enriches the selected papers (the enrich job with the shared cache and budget); absent in a dry run. */
  enrich?(papers: StoredPaper[]): Promise<EnrichResult>;
  /** Writes files and delivers to channels; returns one report per output. Absent in a dry run. */
  publish?(digest: Digest, label: string): Promise<DeliveryReport[]>;
  /** Lists what would happen, writes no decisions, watermark, digest or run. */
  dryRun?: boolean;
  /** Claim the subscription's run in the store first (one run at a time; see run-lease.ts). Not taken in a dry run. */
  lease?: RunLeaseSettings;
  onProgress?(message: string): void;
}

export interface DailyRunResult {
  report: RunReport;
  plan?: SelectionPlan;
  digest?: Digest;
}

const WATERMARK = (name: string) => `watermark:${name}`;
const LAST_DIGEST = (name: string) => `last-digest:${name}`;

interface Watermark {
  day: string;
  runId: string;
  at: string;
}

function timed<T>(durations: Record<string, number>, step: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  return work().finally(() => {
    durations[step] = Math.round((durations[step] ?? 0) + performance.now() - start);
  });
}

export async function runDaily(options: DailyRunOptions): Promise<DailyRunResult> {
  // One run per subscription at a time: claimed before the watermark is read, given back at the end (a killed run's
  // claim expires, or is taken over at once on the same host).
  const held =
    options.lease && !options.dryRun ? await claimRun({ ...options.lease, subscription: options.subscription.name, runId: options.runId }) : undefined;
  try {
    return await runClaimed(options, held);
  } finally {
    await held?.release();
  }
}

async function runClaimed(options: DailyRunOptions, held: HeldRunLease | undefined): Promise<DailyRunResult> {
  const { store, subscription, now } = options;
  const startedAt = new Date().toISOString();
  const durations: Record<string, number> = {};
  const watermark = await store.getState<Watermark>(WATERMARK(subscription.name));
  const report: RunReport = {
    id: options.runId,
    subscription: subscription.name,
    now: now.toISOString(),
    startedAt,
    status: 'ok',
    days: [],
    watermark: { ...(watermark ? { before: watermark.day } : {}) },
    fetched: { papers: 0, byAnnounceType: {}, sources: [] },
    alreadyDecided: 0,
    selected: [],
    skipped: [],
    deliveries: [],
    problems: [],
    durationsMs: durations,
    ...(held ? { owner: held.owner } : {}),
  };
  if (held) {
    // Stored as running at once, so that a kill from here on leaves a run that `runs` shows as interrupted.
    await markTakenOver(store, held.previous, options.runId);
    await store.saveRun({ id: options.runId, subscription: subscription.name, startedAt, status: 'running', report });
  }

  try {
    return await runSteps(options, report, watermark, held);
  } catch (error) {
    // A run that stops is stored too, with what it did and what stopped it; the error still reaches the caller.
    if (!options.dryRun) {
      const message = error instanceof Error ? error.message : String(error);
      const at = report.watermark.after ?? report.watermark.before;
      report.status = 'failed';
      report.finishedAt = new Date().toISOString();
      report.problems.push(`the run stopped: ${message}; the watermark is ${at ?? 'not set'}, so the next run covers every day after it`);
      await store
        .saveRun({ id: options.runId, subscription: subscription.name, startedAt, finishedAt: report.finishedAt, status: 'failed', report })
        .catch(() => undefined);
    }
    throw error;
  }
}

async function runSteps(options: DailyRunOptions, report: RunReport, watermark: Watermark | undefined, held?: HeldRunLease): Promise<DailyRunResult> {
  const { store, subscription, now } = options;
  const progress = options.onProgress ?? (() => undefined);
  const startedAt = report.startedAt;
  const durations = report.durationsMs;
  // 1-2. Which announcement days this run covers, and their papers: the calendar decides, the feed proves only its own
  // day, every other day comes from the backfill before the watermark passes it (ADR 0024).
  const coverage = await coverDays(options, report, watermark?.day);
  const { ids, late } = coverage;
  const covered = coverage.days;
  report.days = covered;

  // 3. Select: every fetched paper is decided once; earlier decisions are not repeated.
  const candidates = ids.size > 0 ? await store.getPapers({ ids: [...ids] }) : [];
  const prior =
    candidates.length > 0
      ? await store.getDecisions(
          subscription.name,
          candidates.map((paper) => paper.id),
        )
      : [];
  const plan = await timed(durations, 'select', () =>
    planSelection({
      candidates,
      prior,
      filter: options.filter,
      ...(options.ranker ? { ranker: options.ranker } : {}),
      updates: subscription.updates,
      replacements: subscription.replacements,
      ...(subscription.ranking.topK !== undefined ? { topK: subscription.ranking.topK } : {}),
      ...(subscription.ranking.threshold !== undefined ? { threshold: subscription.ranking.threshold } : {}),
    }),
  );
  report.alreadyDecided = plan.alreadyDecided.length;
  report.selected = plan.selected.map((item) => ({
    id: item.paper.id,
    version: item.paper.version,
    title: item.paper.title,
    reason: item.reason,
    ...(item.score !== undefined ? { score: item.score } : {}),
    ...(item.updatedFrom !== undefined ? { updatedFrom: item.updatedFrom } : {}),
  }));
  report.skipped = plan.skipped.map((item) => ({ id: item.paper.id, version: item.paper.version, title: item.paper.title, reason: item.reason }));
  progress(`selected ${plan.selected.length}, skipped ${plan.skipped.length}, decided earlier ${plan.alreadyDecided.length}`);

  if (plan.selected.length === 0) report.nothing = covered.length === 0 && late ? late : nothingReason(options, covered, plan, now);

  if (options.dryRun) {
    report.status = 'dry-run';
    report.finishedAt = new Date().toISOString();
    return { report, plan };
  }

  // 4. Enrich what is selected (cache first; failures keep the paper, marked).
  const selectedPapers = plan.selected.map((item) => item.paper);
  let texts: StoredTexts[] = [];
  if (selectedPapers.length > 0 && options.enrich) {
    progress(`enriching ${selectedPapers.length} paper(s)`);
    const enriched = await timed(durations, 'enrich', () => options.enrich!(selectedPapers));
    report.enrichment = {
      provider: enriched.provider,
      model: enriched.model,
      enriched: enriched.done,
      cached: enriched.cached + enriched.reused,
      failed: enriched.failed.map((failure) => ({ id: failure.id, reason: failure.reason })),
      remaining: enriched.remaining,
      tokens: enriched.tokens.total,
      cost: enriched.cost,
      cachedTokens: enriched.tokens.cachedInput,
      saved: enriched.saved,
      ...(enriched.batch ? { batches: enriched.batch.ids } : {}),
    };
    for (const failure of enriched.failed) report.problems.push(`${failure.id}: not translated (${failure.reason}); delivered with the English text`);
    if (enriched.remaining > 0) {
      report.problems.push(
        `${enriched.remaining} paper(s) not translated: ${enriched.stoppedForBudget ? 'the budget was reached' : 'the run stopped'}; delivered with the English text`,
      );
    }
  }
  if (selectedPapers.length > 0) texts = await store.getTexts(selectedPapers.map((paper) => paper.id));

  // 5. Store the digest, the decisions, the watermark and the run together: the watermark never passes unsaved work.
  let digest: Digest | undefined;
  let label: string | undefined;
  const newWatermark = covered.at(-1);
  await held?.check();
  await timed(durations, 'store', () =>
    store.transaction(async (tx) => {
      if (plan.selected.length > 0) {
        label = await freeLabel(tx, subscription.name, covered.at(-1) ?? now.toISOString().slice(0, 10));
        digest = { ...digestOf(plan, texts, options.lang, `${subscription.name}/${label}`, subscription.name, label, now), categories: options.categories };
        await tx.saveDigest(digest);
        await tx.setState(LAST_DIGEST(subscription.name), { name: digest.name, label });
      }
      const decide = (item: SelectedCandidate | SkippedCandidate, decision: PaperDecision['decision']): PaperDecision => ({
        subscription: subscription.name,
        paperId: item.paper.id,
        abstractHash: item.hash,
        version: item.paper.version,
        ...(item.paper.announced ? { day: item.paper.announced } : {}),
        runId: options.runId,
        decision,
        reason: item.reason,
        ...(item.score !== undefined ? { score: item.score } : {}),
        ...('updatedFrom' in item && item.updatedFrom !== undefined ? { updatedFrom: item.updatedFrom } : {}),
        decidedAt: now.toISOString(),
      });
      const decisions = [...plan.selected.map((item) => decide(item, 'selected')), ...plan.skipped.map((item) => decide(item, 'skipped'))];
      if (decisions.length > 0) await tx.recordDecisions(decisions);
      if (newWatermark !== undefined && (!watermark || newWatermark > watermark.day)) {
        await tx.setState(WATERMARK(subscription.name), { day: newWatermark, runId: options.runId, at: new Date().toISOString() } satisfies Watermark);
        report.watermark.after = newWatermark;
      } else if (watermark) {
        report.watermark.after = watermark.day;
      }
      report.status = plan.selected.length === 0 ? 'nothing' : 'ok';
      await tx.saveRun({ id: options.runId, subscription: subscription.name, startedAt, status: 'running', report });
    }),
  );

  // 6. Publish: the new digest, or else the last one, whose failed deliveries a rerun retries (sent ones are skipped).
  if (options.publish) {
    let target = digest && label ? { digest, label } : undefined;
    if (!target) {
      const last = await store.getState<{ name: string; label: string }>(LAST_DIGEST(subscription.name));
      const lastDigest = last ? await store.getDigest(last.name) : undefined;
      if (last && lastDigest) target = { digest: lastDigest, label: last.label };
    }
    if (target) {
      await held?.check();
      progress(`publishing ${target.digest.name}`);
      report.deliveries = await timed(durations, 'publish', () => options.publish!(target.digest, target.label));
    }
  }
  for (const delivery of report.deliveries) {
    if (delivery.status === 'failed' || delivery.status === 'partial') {
      report.problems.push(
        `${delivery.channel}: ${delivery.status}${delivery.detail ? `: ${delivery.detail}` : ''}; run again to retry (what was sent is not sent twice)`,
      );
    }
  }
  const failedDeliveries = report.deliveries.some((delivery) => delivery.status === 'failed' || delivery.status === 'partial');
  const failedTexts = (report.enrichment?.failed.length ?? 0) > 0 || (report.enrichment?.remaining ?? 0) > 0;
  if (failedDeliveries || failedTexts) report.status = 'partial';
  report.finishedAt = new Date().toISOString();
  await store.saveRun({ id: options.runId, subscription: subscription.name, startedAt, finishedAt: report.finishedAt, status: report.status, report });
  // The days before the one the backfill could not give are covered and delivered; the run still stops with the error.
  if (coverage.failed) throw dayUnavailable(coverage.failed, report.watermark.after ?? report.watermark.before);
  return { report, plan, ...(digest ? { digest } : {}) };
}

/** The error of a run that could not get one announcement day: it names the day, and says where the watermark stays. */
function dayUnavailable(failed: { day: string; error: unknown }, watermark: string | undefined): XivdigestError {
  const cause = failed.error;
  const message = cause instanceof Error ? cause.message : String(cause);
  return new XivdigestError({
    code: XivdigestError.isInstance(cause) ? cause.code : 'SOURCE_NETWORK',
    message: `could not get arXiv's announcement of ${failed.day} from the backfill: ${message}`,
    hint: `The run stopped before ${failed.day} (the watermark is ${watermark ?? 'not set'}, before that day); run again to retry ${failed.day}`,
    isRetryable: true,
    cause,
    details: { day: failed.day, ...(watermark ? { watermark } : {}) },
  });
}

/** The digest's label: the day, or the day with a counter when a digest of that day was already made. */
async function freeLabel(store: Store, subscription: string, day: string): Promise<string> {
  if (!(await store.getDigest(`${subscription}/${day}`))) return day;
  for (let counter = 2; ; counter += 1) {
    const label = `${day}-${counter}`;
    if (!(await store.getDigest(`${subscription}/${label}`))) return label;
  }
}

function digestOf(plan: SelectionPlan, texts: StoredTexts[], lang: string, name: string, subscription: string, day: string, now: Date): Digest {
  const base = buildDigest({ name, papers: plan.selected.map((item) => item.paper), texts, lang, now });
  const entries: DigestEntry[] = base.entries.map((entry, index) => {
    const item = plan.selected[index]!;
    const paper = item.paper;
    return {
      ...entry,
      authors: paper.authors.map((author) => author.name),
      categories: paper.categories,
      links: { ...(paper.links.pdf ? { pdf: paper.links.pdf } : {}), ...(paper.links.html ? { html: paper.links.html } : {}) },
      ...(paper.announced ? { announced: paper.announced } : {}),
      ...(paper.announceType ? { announceType: paper.announceType } : {}),
      selection: { score: item.score ?? 0, reason: item.reason, ...(plan.rankedBy ? { method: plan.rankedBy } : {}), ...(item.why ? { why: item.why } : {}) },
      ...(item.updatedFrom !== undefined ? { updatedFrom: item.updatedFrom } : {}),
    } as DigestEntry;
  });
  return { ...base, entries, subscription, day: day.slice(0, 10) } as Digest;
}

function nothingReason(options: DailyRunOptions, covered: string[], plan: SelectionPlan, now: Date): NothingReason {
  if (covered.length === 0) return options.calendar.whyNothing(now);
  const days = covered.length === 1 ? covered[0] : `${covered[0]} to ${covered.at(-1)}`;
  if (plan.skipped.length > 0) {
    return {
      kind: 'all-filtered',
      message: `arXiv announced ${plan.skipped.length + plan.alreadyDecided.length} paper(s) in these categories on ${days}; all ${plan.skipped.length} new ones were skipped by this subscription's filters or ranking (see skipped)`,
    };
  }
  if (plan.alreadyDecided.length > 0) {
    return { kind: 'all-seen', message: `every paper announced on ${days} was already decided in an earlier run; nothing is sent twice` };
  }
  return { kind: 'no-papers', message: `arXiv announced no papers in ${options.categories.join('+')} on ${days}` };
}

/** A run id that sorts by time: `YYYYMMDDTHHMMSS-xxxx`. */
export function newRunId(clock: Date = new Date()): string {
  const stamp = clock.toISOString().replace(/[-:]/g, '').slice(0, 15);
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}
