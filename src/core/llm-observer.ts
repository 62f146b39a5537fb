/** The hook through which every LLM call is counted (metrics), so that neither jobs nor providers know prom-client. */
import type { LlmUsage } from './llm.js';

/** One finished attempt of an LLM call: an answer, or the error the provider threw. */
export interface LlmCallRecord {
  /** The provider's id (`openai-compatible`, `anthropic`, `azure`, `llama-cpp`). */
  provider: string;
  model: string;
  /** Usage the provider reported, on success. */
  usage?: LlmUsage;
  /** The XivdigestError code (or `INTERNAL`) on failure. */
  errorCode?: string;
  durationMs: number;
}

export interface LlmCallObserver {
  /** Told once per attempt, after it ends; must not throw (an observer cannot fail a paid call). */
  callFinished(call: LlmCallRecord): void;
}
