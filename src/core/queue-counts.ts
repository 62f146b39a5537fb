/** What an operator sees of one job queue (BullMQ on Redis, or the in-process one): the section `status` and /metrics add when a queue is configured. */

export interface QueueCounts {
  /** The queue's name, e.g. `enrich`. */
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed?: number;
  /** True while the queue is paused (a provider's Retry-After, or by hand). */
  paused?: boolean;
  /** Worker processes attached to it, when the engine can tell. */
  workers?: number;
}

/** Reads every queue's counts; injected by the composition root, absent when no queue is configured. */
export type QueueCountsReader = () => Promise<QueueCounts[]>;
