/** What `xivdigest status` gathers and prints: the store, each subscription's last run, runs in progress, texts, the next slot, recent failures. */
import type { Subscription } from '../core/config/schema.js';
import type { QueueCounts, QueueCountsReader } from '../core/queue.js';
import type { RunReport } from '../core/run-report.js';
import { parseLeaseOwner, runLeaseKey } from '../jobs/run-lease.js';
import { describeSchedule } from '../schedule/index.js';
import { leaseStoreOf, opsReaderOf, type StoreHealth, type TextCount } from '../store/index.js';
import type { RunRecord, Store } from '../store/store.js';
import { formatDuration } from './output.js';
import { searchLine, searchStatus, type SearchStatus } from './search-status.js';
import { shown } from './run-view.js';

export interface LastRun {
  id: string;
  status: string;
  startedAt: string;
  finishedAt?: string;
  /** Papers selected into the digest. */
  papers: number;
  /** Papers not translated plus failed or partial deliveries. */
  failures: number;
  /** The first problem line, when the run had one. */
  reason?: string;
}

export interface SubscriptionStatus {
  name: string;
  /** The configured schedule and its next slot (absent for a subscription no longer configured). */
  schedule?: { cron: string; timezone: string; next: string; nextLocal: string };
  lastRun?: LastRun;
}

export interface RunningRun {
  id: string;
  subscription: string;
  startedAt: string;
  /** Who holds the subscription's claim. */
  holder?: { host: string; pid?: number; owner: string };
  /** Seconds since the holder's last heartbeat. */
  heartbeatAgeSeconds?: number;
  /** What the stored report says so far. */
  progress: string;
  /** When it should end, from the median length of the subscription's finished runs (ISO 8601), when there are any. */
  eta?: string;
}

export interface Failure {
  runId: string;
  subscription?: string;
  status: string;
  at: string;
  reason: string;
}

export interface StatusReport {
  /** ISO 8601: when the status was read. */
  at: string;
  /**
   * `search`: SQLite's ranking function (ADR 0054), with why it fell back to bm25(); PostgreSQL ranks with ts_rank, and
   * `index` says whether the GIN index over (day, document) serves it (ADR 0067), with why not and what to do.
   */
  store: { location: string; migrations: StoreHealth; search: SearchStatus };
  subscriptions: SubscriptionStatus[];
  running: RunningRun[];
  texts: Array<{ lang: string; ok: number; failed: number; pending: number }>;
  failures: Failure[];
  /** Present only when a job queue is configured. */
  queues?: QueueCounts[];
  /** Why the exit code is 1: one line each; empty when all is well. */
  attention: string[];
}

export interface StatusSources {
  store: Store;
  subscriptions: readonly Subscription[];
  now?: Date;
  /** Injected when a queue is configured (`queue.url`); absent otherwise. */
  queues?: QueueCountsReader;
  /** Recent runs read for failures and ETAs (default 50). */
  recent?: number;
}

const NEEDS_ATTENTION = new Set(['failed', 'partial', 'interrupted']);

function reasonOf(report: Partial<RunReport> | undefined, status: string): string {
  const problem = report?.problems?.[0];
  if (problem) return problem;
  if (report?.nothing) return report.nothing.message;
  return status;
}

function lastRunOf(run: RunRecord): LastRun {
  const report = run.report as Partial<RunReport> | undefined;
  const failures =
    (report?.enrichment?.failed.length ?? 0) +
    (report?.deliveries ?? []).filter((delivery) => delivery.status === 'failed' || delivery.status === 'partial').length;
  return {
    id: run.id,
    status: run.status,
    startedAt: run.startedAt,
    ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
    papers: report?.selected?.length ?? 0,
    failures,
    ...(NEEDS_ATTENTION.has(run.status) || (report?.problems?.length ?? 0) > 0 ? { reason: reasonOf(report, run.status) } : {}),
  };
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function progressOf(report: Partial<RunReport> | undefined): string {
  if (!report) return 'started';
  const parts: string[] = [];
  if (report.days?.length) parts.push(`days ${report.days.join(', ')}`);
  parts.push(`${report.fetched?.papers ?? 0} fetched`);
  if (report.selected?.length) parts.push(`${report.selected.length} selected`);
  if (report.enrichment) parts.push(`${report.enrichment.enriched + report.enrichment.cached} translated`);
  return parts.join(', ');
}

/** Reads everything `status` shows. Cheap: a handful of indexed reads and one grouped count. */
export async function collectStatus(sources: StatusSources): Promise<StatusReport> {
  const { store } = sources;
  const now = sources.now ?? new Date();
  const ops = opsReaderOf(store);
  const leases = leaseStoreOf(store);
  const [health, textCounts, recentStored, searchIndex, missingDocuments] = await Promise.all([
    ops.health(),
    ops.textCounts(),
    store.listRuns({ limit: sources.recent ?? 50 }),
    ops.searchIndex(),
    ops.missingDocuments(),
  ]);
  const recent: RunRecord[] = [];
  for (const run of recentStored) recent.push(await shown(store, run));

  const names = [
    ...new Set([...sources.subscriptions.map((subscription) => subscription.name), ...recent.flatMap((run) => (run.subscription ? [run.subscription] : []))]),
  ];
  const configured = new Map(sources.subscriptions.map((subscription) => [subscription.name, subscription]));
  const subscriptions: SubscriptionStatus[] = [];
  const attention: string[] = [];
  for (const name of names) {
    const subscription = configured.get(name);
    const stored = recent.find((run) => run.subscription === name) ?? (await store.listRuns({ subscription: name, limit: 1 }))[0];
    const last = stored ? await shown(store, stored) : undefined;
    const item: SubscriptionStatus = {
      name,
      ...(last && last.status !== 'running' ? { lastRun: lastRunOf(last) } : {}),
    };
    if (subscription) {
      const next = describeSchedule(subscription.schedule.cron, subscription.schedule.timezone, { count: 1, from: now }).runs[0];
      item.schedule = {
        cron: subscription.schedule.cron,
        timezone: subscription.schedule.timezone,
        next: next?.at.toISOString() ?? '',
        nextLocal: next?.local ?? '',
      };
    }
    if (last && NEEDS_ATTENTION.has(last.status))
      attention.push(`${name}: the last run ${last.id} is ${last.status}: ${reasonOf(last.report as Partial<RunReport>, last.status)}`);
    subscriptions.push(item);
  }

  const running: RunningRun[] = [];
  for (const run of recent.filter((item) => item.status === 'running' && item.subscription)) {
    const lease = await leases.get(runLeaseKey(run.subscription!));
    const lengths = recent
      .filter((item) => item.subscription === run.subscription && item.finishedAt && item.status !== 'failed')
      .map((item) => Date.parse(item.finishedAt!) - Date.parse(item.startedAt));
    const typical = median(lengths);
    running.push({
      id: run.id,
      subscription: run.subscription!,
      startedAt: run.startedAt,
      ...(lease ? { holder: { ...parseLeaseOwner(lease.owner), owner: lease.owner } } : {}),
      ...(lease ? { heartbeatAgeSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(lease.heartbeatAt)) / 1000)) } : {}),
      progress: progressOf(run.report as Partial<RunReport>),
      ...(typical !== undefined ? { eta: new Date(Math.max(now.getTime(), Date.parse(run.startedAt) + typical)).toISOString() } : {}),
    });
  }

  const texts = new Map<string, { lang: string; ok: number; failed: number; pending: number }>();
  for (const count of textCounts as TextCount[]) {
    const entry = texts.get(count.lang) ?? { lang: count.lang, ok: 0, failed: 0, pending: 0 };
    if (count.status === 'ok' || count.status === 'failed' || count.status === 'pending') entry[count.status] += count.count;
    texts.set(count.lang, entry);
  }

  const failures: Failure[] = recent
    .filter((run) => NEEDS_ATTENTION.has(run.status))
    .slice(0, 10)
    .map((run) => ({
      runId: run.id,
      ...(run.subscription ? { subscription: run.subscription } : {}),
      status: run.status,
      at: run.finishedAt ?? run.startedAt,
      reason: reasonOf(run.report as Partial<RunReport>, run.status),
    }));

  if (health.pending.length > 0) attention.push(`the database lacks migrations ${health.pending.join(', ')}`);
  if (health.unknown.length > 0) attention.push(`the database has migrations this version does not know (${health.unknown.join(', ')}): upgrade xivdigest`);

  const queues = sources.queues ? await sources.queues() : undefined;
  for (const queue of queues ?? []) if (queue.failed > 0) attention.push(`queue ${queue.queue}: ${queue.failed} failed job(s)`);

  return {
    at: now.toISOString(),
    store: { location: store.location, migrations: health, search: searchStatus(searchIndex, missingDocuments) },
    subscriptions,
    running,
    texts: [...texts.values()],
    failures,
    ...(queues ? { queues } : {}),
    attention,
  };
}

const oneLine = (text: string, width = 160) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
};

/** The report for a terminal. */
export function formatStatus(status: StatusReport): string[] {
  const lines = [`store: ${status.store.location} (${status.store.migrations.applied} migrations applied)`, searchLine(status.store.search)];
  lines.push('', 'subscriptions:');
  if (status.subscriptions.length === 0) lines.push('  none configured and no runs stored');
  for (const item of status.subscriptions) {
    const last = item.lastRun;
    const lastText = last
      ? `last run ${last.status} at ${last.finishedAt ?? last.startedAt}, ${last.papers} paper(s)${last.failures ? `, ${last.failures} failure(s)` : ''} (${last.id})`
      : 'never run';
    lines.push(`  ${item.name}: ${lastText}`);
    if (item.schedule) lines.push(`    next slot: ${item.schedule.nextLocal} (${item.schedule.next}) on ${item.schedule.cron} ${item.schedule.timezone}`);
    if (last?.reason) lines.push(`    ${oneLine(last.reason)}`);
  }
  lines.push('', 'running:');
  if (status.running.length === 0) lines.push('  nothing');
  const at = Date.parse(status.at);
  for (const run of status.running) {
    const holder = run.holder ? `host ${run.holder.host}${run.holder.pid !== undefined ? `, pid ${run.holder.pid}` : ''}` : 'no claim';
    const beat = run.heartbeatAgeSeconds !== undefined ? `, heartbeat ${run.heartbeatAgeSeconds} s ago` : '';
    const eta = run.eta ? `, ETA ${formatDuration(Math.max(0, Date.parse(run.eta) - at) / 1000)}` : '';
    lines.push(`  ${run.subscription}: run ${run.id} since ${run.startedAt} (${holder}${beat}): ${run.progress}${eta}`);
  }
  lines.push('', 'texts:');
  if (status.texts.length === 0) lines.push('  none stored');
  for (const text of status.texts) lines.push(`  ${text.lang}: ${text.ok} ok, ${text.failed} failed, ${text.pending} pending`);
  if (status.queues) {
    lines.push('', 'queues:');
    for (const queue of status.queues) {
      lines.push(
        `  ${queue.queue}: ${queue.waiting} waiting, ${queue.active} active, ${queue.delayed} delayed, ${queue.failed} failed${queue.paused ? ', paused' : ''}${queue.workers !== undefined ? `, ${queue.workers} worker(s)` : ''}`,
      );
    }
  }
  lines.push('', 'recent failures:');
  if (status.failures.length === 0) lines.push('  none');
  for (const failure of status.failures)
    lines.push(`  ${failure.at} ${failure.subscription ?? '-'} ${failure.status}: ${oneLine(failure.reason)} (${failure.runId})`);
  lines.push('', status.attention.length === 0 ? 'all well' : `needs attention:\n${status.attention.map((line) => `  ${oneLine(line)}`).join('\n')}`);
  return lines;
}
