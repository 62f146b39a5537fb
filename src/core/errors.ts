/** The one error type of xivdigest: a code, a message that says what failed and what to do, and whether a retry may help. */

export type XivdigestErrorCode =
  | 'USAGE'
  | 'CONFIG_INVALID'
  | 'QUERY_INVALID'
  | 'NOT_FOUND'
  | 'SOURCE_HTTP'
  | 'SOURCE_TIMEOUT'
  | 'SOURCE_NETWORK'
  | 'ARXIV_FEED_ERROR'
  | 'ARXIV_API_ERROR'
  | 'OAI_PMH_ERROR'
  | 'XML_MALFORMED'
  | 'INPUT_MALFORMED'
  | 'FORMAT_UNKNOWN'
  | 'DIGEST_FORMAT'
  | 'STORE_ERROR'
  /** The job queue (Redis, queue.url) cannot be reached or failed. */
  | 'QUEUE_UNAVAILABLE'
  /** No worker served a queue that a command waited on, for queue.workerWaitSeconds: the jobs stay queued. */
  | 'QUEUE_NO_WORKER'
  | 'LLM_RATE_LIMITED'
  | 'LLM_OUTPUT_INVALID'
  | 'LLM_UNAVAILABLE'
  | 'LLM_TIMEOUT'
  | 'LLM_AUTH'
  | 'LLM_MODEL_MISSING'
  | 'BUDGET_EXCEEDED'
  | 'DELIVERY_FAILED'
  | 'DELIVERY_URL_REFUSED'
  | 'ABORTED'
  /** Another run holds the subscription's claim (or this run lost it): try again later. */
  | 'RUN_BUSY';

const marker = Symbol.for('xivdigest.error');

export interface XivdigestErrorOptions {
  code: XivdigestErrorCode;
  message: string;
  /** What the user can do next, printed after the message. */
  hint?: string;
  cause?: unknown;
  isRetryable?: boolean;
  /** Structured context: url, status, file, line, column, body excerpt, … */
  details?: Record<string, unknown>;
}

export class XivdigestError extends Error {
  private readonly [marker] = true;
  readonly code: XivdigestErrorCode;
  readonly hint: string | undefined;
  readonly isRetryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(options: XivdigestErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'XivdigestError';
    this.code = options.code;
    this.hint = options.hint;
    this.isRetryable = options.isRetryable ?? false;
    this.details = options.details ?? {};
  }

  /** Works across copies of this module (a marker, not instanceof), as vercel/ai's AISDKError does. */
  static isInstance(error: unknown): error is XivdigestError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }

  /** One line: the message, then the hint. */
  get oneLine(): string {
    if (!this.hint) return this.message;
    return `${this.message}${/[.!?]$/.test(this.message) ? '' : '.'} ${this.hint}`;
  }
}

/** Shortens a response body for an error message. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
