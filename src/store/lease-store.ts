/** The lease seam: a claim on a key (one subscription's run) that one holder at a time has, renews, and gives back. */

/** A lease as stored. Times are ISO 8601 (UTC). */
export interface Lease {
  key: string;
  /** Who holds it: `host:pid:random`. */
  owner: string;
  /** The run the holder does under it, when it said. */
  runId?: string;
  acquiredAt: string;
  heartbeatAt: string;
  expiresAt: string;
}

export interface LeaseRequest {
  key: string;
  owner: string;
  runId?: string;
  /** How long the lease lasts without a renewal. */
  ttlMs: number;
  /** The clock (default: now). */
  now?: Date;
  /**
   * The owner of a lease the caller knows to be dead (its process is gone): taken over even before it expires, but
   * only while that owner still holds it.
   */
  takeOver?: string;
}

/** What `acquire` found and did. */
export interface LeaseClaim {
  /** True when the caller holds the lease now. */
  acquired: boolean;
  /** The lease as it is after the call: the caller's, or the other holder's. */
  lease: Lease;
  /** The lease that was there before and was taken over (expired, or `takeOver`'s), when there was one. */
  previous?: Lease;
}

/**
 * Leases, in the same database as the store (SQLite or PostgreSQL), so that processes on one machine or several
 * agree on who holds a key. Every method is one atomic step; none waits for a lease to be free.
 */
export interface LeaseStore {
  /** Takes the lease when nobody holds it, when it has expired, or from `takeOver`; else returns the holder's. */
  acquire(request: LeaseRequest): Promise<LeaseClaim>;
  /** Extends the caller's lease by `ttlMs` from `now`; undefined when the caller no longer holds it. */
  renew(key: string, owner: string, ttlMs: number, now?: Date): Promise<Lease | undefined>;
  /** Gives the lease back; false when the caller did not hold it. */
  release(key: string, owner: string): Promise<boolean>;
  /** The lease on a key, expired or not, or undefined. */
  get(key: string): Promise<Lease | undefined>;
}
