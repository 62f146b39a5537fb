/** The state aggregate: small JSON values under keys (watermarks, the scheduler's slots, channel deliveries). */

/** Keyed state. */
export interface StateStore {
  /** A small JSON value under a key (watermarks, the scheduler's slots, channel deliveries), or undefined. */
  getState<T = unknown>(key: string): Promise<T | undefined>;
  /** Sets (or, with undefined, deletes) the value under a key. */
  setState(key: string, value: unknown): Promise<void>;
}
