/**
 * The "deliver to a channel" job (docs/decisions/0053): with `queue.url` set, `run` enqueues one job per
 * subscription-day × channel and waits; `xivdigest worker` loads the stored digest and delivers it through publish.ts,
 * whose store record (intent before the send, outcome after) and idempotency key make a retried or duplicated job
 * send once, or again with the same key after a crash mid-send.
 */
import { createHash } from 'node:crypto';
import type { JobQueue, JobSettlement } from '../core/queue.js';
import { XivdigestError } from '../core/errors.js';
import type { DeliveryReport } from '../core/run-report.js';

/** The one queue of deliveries: a delivery needs no LLM account, so every worker of the installation serves it. */
export const DELIVER_QUEUE = 'deliver';

/** What a deliver job carries: names only; the worker reads the digest from the store and the channel from its config. */
export interface DeliverJobData {
  subscription: string;
  /** The stored digest's name, e.g. `nlp/2026-11-23`. */
  digest: string;
  /** Its label (the day, or the day with a counter), for the subject and the published URL. */
  label: string;
  /** The channel's id (`webhook:local`), as the subscription's config names it. */
  channel: string;
  /** `run --resend`: send again to a channel that already received this digest (a new key). */
  resend?: boolean;
}

/**
 * One id per subscription-day × channel, so that enqueuing twice is one job: readable parts (cleaned, BullMQ ids take
 * no `:`) and a hash of the exact names, so two names that clean to the same text stay apart.
 */
export function deliverJobId(data: Pick<DeliverJobData, 'subscription' | 'digest' | 'channel'>): string {
  const clean = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  const hash = createHash('sha256').update(`${data.subscription}\u0000${data.digest}\u0000${data.channel}`, 'utf8').digest('hex').slice(0, 10);
  return `deliver-${clean(data.digest)}-${clean(data.channel)}-${hash}`;
}

export interface QueuedDeliverOptions {
  queue: JobQueue;
  subscription: string;
  /** The ids of the subscription's channels. */
  channels: readonly string[];
  resend?: boolean;
  signal?: AbortSignal;
  onProgress?(message: string): void;
}

/**
 * Enqueues the digest's deliveries (one job per channel) and waits for the workers; returns one report per channel,
 * as the in-process path does. A job that failed on every attempt is reported `failed` with the workers' reason.
 */
export async function deliverQueued(digest: string, label: string, options: QueuedDeliverOptions): Promise<DeliveryReport[]> {
  if (options.channels.length === 0) return [];
  const jobs = options.channels.map((channel) => {
    const data: DeliverJobData = { subscription: options.subscription, digest, label, channel, ...(options.resend ? { resend: true } : {}) };
    return { id: deliverJobId(data), data };
  });
  const added = await options.queue.add(DELIVER_QUEUE, jobs);
  options.onProgress?.(`queued ${jobs.length} delivery job(s) on queue ${DELIVER_QUEUE} (${added} new); waiting for the workers`);
  const byId = new Map(jobs.map((job) => [job.id, job.data.channel]));
  const reports = new Map<string, DeliveryReport>();
  try {
    await options.queue.wait<DeliveryReport | undefined>(DELIVER_QUEUE, [...byId.keys()], {
      onSettled(settlement: JobSettlement<DeliveryReport | undefined>) {
        const channel = byId.get(settlement.id)!;
        if (!settlement.ok) reports.set(channel, { channel, status: 'failed', items: 0, detail: `the workers could not deliver it: ${settlement.reason}` });
        // A job removed from the queue before we looked (kept 24 h) settles without its value: its outcome is in the store.
        else reports.set(channel, settlement.value ?? { channel, status: 'sent', items: 0, detail: 'delivered by a worker (its report has expired)' });
      },
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } catch (error) {
    // No worker serves deliver jobs (queue.workerWaitSeconds): those not delivered yet stay queued and are reported
    // failed, so the run ends partial; a rerun sends what is left (what was sent is not sent twice).
    if (!XivdigestError.isInstance(error) || error.code !== 'QUEUE_NO_WORKER') throw error;
    const detail = `${error.message}; start ${String(error.details.start)}`;
    for (const channel of options.channels) if (!reports.has(channel)) reports.set(channel, { channel, status: 'failed', items: 0, detail });
  }
  return options.channels.map((channel) => reports.get(channel)!);
}

/**
 * The worker's side: runs `deliver` (the same publish path as `run` in one process, for the one channel) and fails the
 * job when the delivery failed, so that the queue retries it with backoff; the store keeps its key for the retry.
 */
export function createDeliverJobHandler(deliver: (data: DeliverJobData) => Promise<DeliveryReport>): (data: DeliverJobData) => Promise<DeliveryReport> {
  return async (data) => {
    const report = await deliver(data);
    if (report.status === 'failed') throw new Error(`${data.channel}: ${report.detail ?? 'the delivery failed'}`);
    return report;
  };
}
