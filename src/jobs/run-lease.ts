/**
 * One run per subscription at a time: the run claims `run:<subscription>` in the store (a lease with an owner, a
 * heartbeat and an expiry), renews it while it works and gives it back at the end. A second run waits or says who
 * holds the claim; a dead holder's claim expires (or, on the same host, is taken over at once) and the next run
 * takes over. Also: telling a `running` run that is really running from one that was killed.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { XivdigestError } from '../core/errors.js';
import { abortableSleep } from '../core/sleep.js';
import type { RunReport } from '../core/run-report.js';
import type { Lease, LeaseStore } from '../store/lease-store.js';
import type { RunRecord, Store } from '../store/store.js';

/** How long a claim lasts without a heartbeat, by default. */
export const DEFAULT_LEASE_TTL_MS = 60_000;

/** The lease key of a subscription's run. */
export const runLeaseKey = (subscription: string) => `run:${subscription}`;

export interface RunLeaseSettings {
  leases: LeaseStore;
  /** How long the claim lasts without a heartbeat (default 60 s). */
  ttlMs?: number;
  /** How often the claim is renewed (default a sixth of ttlMs: 10 s). */
  heartbeatMs?: number;
  /** How long to wait for another run's claim to end (default 0: fail at once with RUN_BUSY). */
  waitMs?: number;
  /** Told once when the run starts waiting for another holder. */
  onWait?(holder: Lease, message: string): void;
  /** Ends the wait for another holder early: the claim then fails with ABORTED. */
  signal?: AbortSignal;
}

export interface HeldRunLease {
  /** `host:pid:random`. */
  owner: string;
  /** The lease taken over from a holder that expired or died, when there was one. */
  previous?: Lease;
  /** Throws RUN_BUSY when the claim was lost (another run took it over after our heartbeats stopped). */
  check(): Promise<void>;
  /** Stops the heartbeat and gives the claim back. Never throws. */
  release(): Promise<void>;
}

/** This process's owner string: host, pid and a random part (a pid is reused; the random part is not). */
export function newLeaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** The host and pid of an owner string. */
export function parseLeaseOwner(owner: string): { host: string; pid: number | undefined } {
  const parts = owner.split(':');
  if (parts.length < 3) return { host: owner, pid: undefined };
  const pid = Number(parts.at(-2));
  return { host: parts.slice(0, -2).join(':'), pid: Number.isInteger(pid) && pid > 0 ? pid : undefined };
}

/** True when the owner ran on this host and its process is gone (a pid we cannot signal but that exists is alive). */
export function leaseOwnerIsDead(owner: string): boolean {
  const { host, pid } = parseLeaseOwner(owner);
  if (host !== hostname() || pid === undefined || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** "host h, pid 123, since …; the claim expires at … unless renewed". */
export function describeHolder(lease: Lease): string {
  const { host, pid } = parseLeaseOwner(lease.owner);
  return `host ${host}${pid !== undefined ? `, pid ${pid}` : ''}${lease.runId ? `, run ${lease.runId}` : ''}, since ${lease.acquiredAt}; the claim expires at ${lease.expiresAt} unless renewed (last heartbeat ${lease.heartbeatAt})`;
}

function busyError(subscription: string, holder: Lease, waitedMs: number | undefined, what?: string): XivdigestError {
  const waited = waitedMs !== undefined ? ` (waited ${Math.round(waitedMs / 1000)} s)` : '';
  return new XivdigestError({
    code: 'RUN_BUSY',
    message: `${what ?? `Subscription ${subscription} is being run`} by another process${waited}: ${describeHolder(holder)}`,
    hint: 'Let that run finish, or wait for it with --wait SECONDS; if that process is gone, its claim expires by itself and the next run takes over',
    isRetryable: true,
    details: { subscription, owner: holder.owner, ...(holder.runId ? { runId: holder.runId } : {}), expiresAt: holder.expiresAt },
  });
}

/**
 * Claims a subscription's run for `runId`, waiting up to `waitMs` for another holder, and keeps the claim alive with
 * a heartbeat until `release`. Throws RUN_BUSY when another run holds it after the wait.
 */
export async function claimRun(
  settings: RunLeaseSettings & {
    subscription: string;
    runId: string;
    /** Another claim than the subscription's run, e.g. one subscription-day's publishing (default `run:<subscription>`). */
    key?: string;
    /** What the claim is for, in messages (default "Subscription <name> is being run"). */
    what?: string;
  },
): Promise<HeldRunLease> {
  const { leases, subscription, runId } = settings;
  const ttlMs = Math.max(1, settings.ttlMs ?? DEFAULT_LEASE_TTL_MS);
  const heartbeatMs = Math.max(1, settings.heartbeatMs ?? Math.floor(ttlMs / 6));
  const waitMs = Math.max(0, settings.waitMs ?? 0);
  const key = settings.key ?? runLeaseKey(subscription);
  const owner = newLeaseOwner();
  const started = Date.now();
  let told = false;
  let claim = await leases.acquire({ key, owner, runId, ttlMs });
  while (!claim.acquired) {
    const holder = claim.lease;
    // A holder on this host whose process is gone will never renew: take it over now rather than at its expiry.
    const dead = leaseOwnerIsDead(holder.owner);
    if (!dead) {
      const waited = Date.now() - started;
      if (waited >= waitMs) throw busyError(subscription, holder, waitMs > 0 ? waited : undefined, settings.what);
      if (!told) {
        told = true;
        settings.onWait?.(holder, `waiting up to ${Math.round(waitMs / 1000)} s for ${describeHolder(holder)}`);
      }
      await abortableSleep(
        Math.min(1000, heartbeatMs, waitMs - waited),
        settings.signal,
        (reason) => new XivdigestError({ code: 'ABORTED', message: `Stopped waiting for ${describeHolder(holder)}`, hint: 'Run it again', cause: reason }),
      );
    }
    claim = await leases.acquire({ key, owner, runId, ttlMs, ...(dead ? { takeOver: holder.owner } : {}) });
  }

  let lost: Lease | undefined;
  let expiresAt = Date.parse(claim.lease.expiresAt);
  let beating: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    beating = leases.renew(key, owner, ttlMs).then(
      async (renewed) => {
        if (renewed) expiresAt = Date.parse(renewed.expiresAt);
        else lost ??= (await leases.get(key).catch(() => undefined)) ?? { key, owner: '(nobody)', acquiredAt: '', heartbeatAt: '', expiresAt: '' };
      },
      // A failed heartbeat (the database busy or away a moment) is tried again at the next beat; the claim holds
      // until it expires.
      () => undefined,
    );
  }, heartbeatMs);
  timer.unref();

  return {
    owner,
    ...(claim.previous ? { previous: claim.previous } : {}),
    async check() {
      await beating;
      if (!lost && Date.now() >= expiresAt) {
        // Our heartbeats did not get through in time: renew now, or learn that someone else has the claim.
        const renewed = await leases.renew(key, owner, ttlMs).catch(() => undefined);
        if (renewed) expiresAt = Date.parse(renewed.expiresAt);
        else lost = (await leases.get(key).catch(() => undefined)) ?? { key, owner: '(nobody)', acquiredAt: '', heartbeatAt: '', expiresAt: '' };
      }
      if (lost) {
        throw new XivdigestError({
          code: 'RUN_BUSY',
          message: `Run ${runId} of ${subscription} lost its claim (its heartbeats stopped for longer than ${Math.round(ttlMs / 1000)} s); ${lost.owner === '(nobody)' ? 'nobody holds it now' : `now held by ${describeHolder(lost)}`}. It stops before storing or sending anything more`,
          hint: 'Run again; what was stored is kept and nothing is sent twice',
          isRetryable: true,
        });
      }
    },
    async release() {
      clearInterval(timer);
      await beating;
      await leases.release(key, owner).catch(() => undefined);
    },
  };
}

/** How a stored run looks to a reader: `running` only while its claim is alive, else `interrupted`. */
export interface RunView {
  status: string;
  /** Why the run is shown as interrupted. */
  interrupted?: string;
}

/**
 * Whether a run stored as `running` still runs: its claim must be alive (held for this run, not expired) and, when
 * it ran on this host, its process must exist. A run killed with kill -9 (or a crashed machine) is `interrupted`.
 */
export function viewRun(run: RunRecord, lease: Lease | undefined, now: Date = new Date()): RunView {
  if (run.status !== 'running') return { status: run.status };
  const owner = (run.report as Partial<RunReport> | undefined)?.owner;
  const where = owner
    ? (() => {
        const { host, pid } = parseLeaseOwner(owner);
        return ` (host ${host}${pid !== undefined ? `, pid ${pid}` : ''})`;
      })()
    : '';
  const ours = lease !== undefined && lease.runId === run.id && (owner === undefined || lease.owner === owner);
  if (ours && owner !== undefined && leaseOwnerIsDead(owner)) {
    return { status: 'interrupted', interrupted: `its process${where} is gone: it was killed or crashed before finishing` };
  }
  if (ours && lease.expiresAt > now.toISOString()) return { status: 'running' };
  const why = ours
    ? `its claim expired at ${lease.expiresAt} without a heartbeat`
    : lease !== undefined && lease.runId !== undefined
      ? `run ${lease.runId} holds the subscription's claim now`
      : "it no longer holds the subscription's claim";
  return { status: 'interrupted', interrupted: `the run${where} stopped before finishing (killed or crashed): ${why}` };
}

/** The report of an interrupted run as shown: status `interrupted` and a problem line saying so and what is next. */
export function interruptedReport(report: RunReport, why: string): RunReport {
  return {
    ...report,
    status: 'interrupted',
    problems: [
      ...report.problems,
      `interrupted: ${why}; shown is what it had stored (fetched, decided, built${report.deliveries.length ? ', delivered' : ''}); the next run does the rest, and a delivery it had started is sent again with the same idempotency key, marked "possibly duplicated"`,
    ],
  };
}

/**
 * Marks the run of a claim that was taken over (expired, or its process gone) as interrupted in the store, if it is
 * still stored as running. Best effort: `runs` recognises such a run anyway.
 */
export async function markTakenOver(store: Pick<Store, 'getRun' | 'saveRun'>, previous: Lease | undefined, runId: string): Promise<void> {
  if (!previous?.runId || previous.runId === runId) return;
  try {
    const run = await store.getRun(previous.runId);
    if (!run || run.status !== 'running') return;
    const why = `run ${runId} took over the subscription's claim at ${new Date().toISOString()} (${leaseOwnerIsDead(previous.owner) ? 'its process was gone' : `its claim had expired at ${previous.expiresAt}`})`;
    await store.saveRun({ ...run, status: 'interrupted', report: interruptedReport(run.report as RunReport, why) });
  } catch {
    // The next `runs` shows it as interrupted from the lease.
  }
}
