/**
 * The "publish a subscription-day" job (docs/decisions/0056): with `queue.url` set, `run` stores the digest, enqueues
 * one publish job for it and waits; `xivdigest worker` reads the stored digest, renders it and writes its files and
 * feeds under the output folder of the worker's own config (atomically: a temporary file renamed over the old one),
 * holding the subscription-day's claim in the store while it writes. Then `run` enqueues the deliveries (ADR 0053),
 * in the order the in-process path keeps: files first, channels after.
 */
import { createHash } from 'node:crypto';
import { XivdigestError } from '../core/errors.js';
import type { JobQueue, JobSettlement } from '../core/queue.js';
import type { DeliveryReport } from '../core/run-report.js';

/** The one queue of publishing: it needs no LLM account, so every worker that writes the output folder serves it. */
export const PUBLISH_QUEUE = 'publish';

/** What a publish job carries: names only; the worker reads the digest from the store and the outputs from its config. */
export interface PublishJobData {
  subscription: string;
  /** The stored digest's name, e.g. `nlp/2026-11-23`. */
  digest: string;
  /** Its label (the day, or the day with a counter): the files' name. */
  label: string;
  /** The run that asked for it: a job taken over after its files were written and recorded for this run writes nothing again. */
  runId: string;
}

/** What a publish job settles with: the files report, and the run that wrote them (`host:pid`). */
export interface PublishJobResult {
  report: DeliveryReport;
  by: string;
}

/** The store's record of a subscription-day's publishing, written after its files are all in place. */
export interface PublishRecord {
  runId: string;
  /** `host:pid:random` of the worker that wrote the files. */
  by: string;
  at: string;
  files: string[];
}

/** The store key of that record, and the lease key of the subscription-day's claim. */
export const publishRecordKey = (subscription: string, digest: string) => `published:${subscription}:${digest}`;
export const publishLeaseKey = (subscription: string, digest: string) => `publish:${subscription}:${digest}`;

/**
 * One id per subscription-day (the digest's name holds the day), so that enqueuing twice is one job: readable parts
 * (cleaned, BullMQ ids take no `:`) and a hash of the exact names, so two names that clean to the same text stay apart.
 */
export function publishJobId(data: Pick<PublishJobData, 'subscription' | 'digest'>): string {
  const clean = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  const hash = createHash('sha256').update(`${data.subscription}\u0000${data.digest}`, 'utf8').digest('hex').slice(0, 10);
  return `publish-${clean(data.digest)}-${hash}`;
}

export interface QueuedPublishOptions {
  queue: JobQueue;
  subscription: string;
  runId: string;
  signal?: AbortSignal;
  onProgress?(message: string): void;
}

/**
 * Enqueues the digest's publishing and waits for a worker; returns the files report as the in-process path does
 * (`files`, sent or failed). A job that failed on every attempt is reported `failed` with the workers' reason.
 */
export async function publishQueued(digest: string, label: string, options: QueuedPublishOptions): Promise<DeliveryReport> {
  const data: PublishJobData = { subscription: options.subscription, digest, label, runId: options.runId };
  const id = publishJobId(data);
  const added = await options.queue.add(PUBLISH_QUEUE, [{ id, data }]);
  options.onProgress?.(`queued the publishing of ${digest} on queue ${PUBLISH_QUEUE}${added === 0 ? ' (already queued)' : ''}; waiting for a worker`);
  let report: DeliveryReport | undefined;
  try {
    await options.queue.wait<PublishJobResult | undefined>(PUBLISH_QUEUE, [id], {
      onSettled(settlement: JobSettlement<PublishJobResult | undefined>) {
        if (!settlement.ok) report = { channel: 'files', status: 'failed', items: 0, detail: `the workers could not publish it: ${settlement.reason}` };
        else if (settlement.value) {
          report = settlement.value.report;
          options.onProgress?.(`published ${digest} (${settlement.value.by})`);
        }
        // A job removed from the queue before we looked (kept 24 h) settles without its value: its record is in the store.
        else report = { channel: 'files', status: 'sent', items: 0, detail: 'published by a worker (its report has expired)' };
      },
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } catch (error) {
    // No worker serves publish jobs (queue.workerWaitSeconds): the job stays queued; the run reports the files as
    // failed, so it ends partial and a rerun (once a worker runs) publishes and delivers.
    if (!XivdigestError.isInstance(error) || error.code !== 'QUEUE_NO_WORKER') throw error;
    return { channel: 'files', status: 'failed', items: 0, detail: `${error.message}; start ${String(error.details.start)}` };
  }
  return report!;
}

/**
 * The worker's side: runs `publish` and fails the job when the files could not be written, so that the queue retries
 * it with backoff (a full disk, a folder not yet mounted).
 */
export function createPublishJobHandler(publish: (data: PublishJobData) => Promise<PublishJobResult>): (data: PublishJobData) => Promise<PublishJobResult> {
  return async (data) => {
    const result = await publish(data);
    if (result.report.status === 'failed') throw new Error(`${data.digest}: ${result.report.detail ?? 'writing the files failed'}`);
    return result;
  };
}
