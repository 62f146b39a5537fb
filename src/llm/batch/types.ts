/** The batch seam: submit many structured calls at once, look at the batch, collect the answers (half price, answered within 24 h). */
import type { XivdigestError } from '../../core/errors.js';
import type { LlmRequest, LlmResult } from '../../core/llm.js';

/** One call of a batch. */
export interface BatchRequest {
  /** Unique within the batch; Anthropic allows `^[A-Za-z0-9_-]{1,64}$`, so callers use their own short ids, not arXiv ids. */
  customId: string;
  /** The same request a synchronous call would send (signal and timeout are ignored). */
  request: LlmRequest;
}

/** Where a batch stands, in the provider's counts. */
export interface BatchProgress {
  id: string;
  /** The provider's word: `validating`, `in_progress`, `finalizing`, `completed`, `expired`, `failed`, `ended`, … */
  status: string;
  total: number;
  /** Items with an answer or an error so far. */
  finished: number;
  /** Items that failed so far (errored, expired, cancelled). */
  failed: number;
  /** True when the batch will change no more: collect it now. */
  ended: boolean;
  /** Why the whole batch failed (OpenAI `failed`: a malformed input file), when it did. */
  error?: string;
}

/** The outcome of one item: an answer to gate like a synchronous one, or why there is none. */
export type BatchItemOutcome =
  | { customId: string; ok: true; result: LlmResult }
  | {
      customId: string;
      ok: false;
      error: XivdigestError;
      /** True when the item was never answered (expired, cancelled, the batch failed): a synchronous call may answer it. */
      unanswered: boolean;
    };

export interface BatchClient {
  /** `openai` (OpenAI-compatible `/files` + `/batches`) or `anthropic` (Message Batches). */
  protocol: 'openai' | 'anthropic';
  /** Uploads and creates the batch; returns its id. Throws XivdigestError (LLM_AUTH, LLM_UNAVAILABLE, …). */
  submit(requests: readonly BatchRequest[], signal?: AbortSignal): Promise<string>;
  /** The batch's status and counts. */
  poll(id: string, signal?: AbortSignal): Promise<BatchProgress>;
  /** Every item's outcome, once the batch has ended; items the provider reports on nowhere are not in the list. */
  collect(id: string, signal?: AbortSignal): Promise<BatchItemOutcome[]>;
}
