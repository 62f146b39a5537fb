/** The LLM provider seam: one structured generation call, with usage and rate-limit facts for the scheduler. */

/** A JSON Schema object (draft 2020-12 subset: object, string, array, required, additionalProperties). */
export type JsonSchema = Record<string, unknown>;

export interface LlmRequest {
  /** System instructions. */
  system: string;
  /** The user message. */
  prompt: string;
  /** The JSON Schema the answer must follow; providers use native structured output where they can. */
  schema: JsonSchema;
  /** A short name for the schema (some APIs require one), e.g. `paper_texts`. */
  schemaName: string;
  maxOutputTokens?: number;
  temperature?: number;
  /** Per-call timeout; the provider aborts and throws LLM_TIMEOUT after it. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface LlmUsage {
  /** Every input token, cached ones and cache writes included. */
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** Input tokens read from the provider's prompt cache (billed at the cached-input price); part of `inputTokens`. */
  cachedInputTokens?: number;
  /** Input tokens written to the prompt cache (Anthropic bills them at 1.25× the input price); part of `inputTokens`. */
  cacheWriteTokens?: number;
}

export interface LlmResult {
  /** The parsed JSON answer (not yet validated against the schema by the caller's quality gate). */
  object: unknown;
  /** The raw text of the answer, kept for diagnostics. */
  text: string;
  usage: LlmUsage;
  /** The model that answered, as the API reports it. */
  model: string;
  finishReason: 'stop' | 'length' | 'content-filter' | 'error' | 'other' | 'unknown';
  /** Rate-limit headroom the API reported (x-ratelimit-* headers), for adaptive concurrency. */
  rateLimit?: { remainingRequests?: number; remainingTokens?: number; resetMs?: number };
}

export interface LlmProvider {
  /** `openai-compatible`, `azure`, `anthropic`, `llama-cpp`. */
  id: string;
  modelId: string;
  /** One call. Throws XivdigestError: LLM_RATE_LIMITED (details.retryAfterMs), LLM_TIMEOUT, LLM_UNAVAILABLE, LLM_AUTH, LLM_OUTPUT_INVALID. */
  generate(request: LlmRequest): Promise<LlmResult>;
  /** Releases resources (a loaded local model). */
  close?(): Promise<void>;
}

/** Static facts an adapter folder exports beside its factory. */
export interface LlmProviderMetadata {
  id: string;
  /** Environment variables it needs, for error messages and docs. */
  requires: string[];
  /** Whether it can run several calls at once. */
  concurrent: boolean;
}
