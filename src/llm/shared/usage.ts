/** Token usage as each protocol reports it, cached prompt tokens included, in the one shape of LlmUsage. */
import type { LlmUsage } from '../../core/llm.js';

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * The `usage` of an OpenAI-compatible chat completion. `prompt_tokens` counts every input token; the cached part is
 * `prompt_tokens_details.cached_tokens` (OpenAI, Azure) or `prompt_cache_hit_tokens` (DeepSeek, which also reports
 * `prompt_cache_miss_tokens`).
 */
export function usageFromOpenAi(raw: unknown): LlmUsage {
  const usage = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const details = (typeof usage.prompt_tokens_details === 'object' && usage.prompt_tokens_details !== null ? usage.prompt_tokens_details : {}) as Record<
    string,
    unknown
  >;
  const inputTokens = count(usage.prompt_tokens);
  const outputTokens = count(usage.completion_tokens);
  const cached = count(details.cached_tokens) || count(usage.prompt_cache_hit_tokens);
  return {
    inputTokens,
    outputTokens,
    totalTokens: count(usage.total_tokens) || inputTokens + outputTokens,
    ...(cached > 0 ? { cachedInputTokens: cached } : {}),
  };
}

/**
 * The `usage` of an Anthropic message. Anthropic's `input_tokens` leaves out the tokens read from the cache
 * (`cache_read_input_tokens`) and those written to it (`cache_creation_input_tokens`); LlmUsage counts all three.
 */
export function usageFromAnthropic(raw: unknown): LlmUsage {
  const usage = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const read = count(usage.cache_read_input_tokens);
  const write = count(usage.cache_creation_input_tokens);
  const inputTokens = count(usage.input_tokens) + read + write;
  const outputTokens = count(usage.output_tokens);
  return {
    inputTokens,
    outputTokens,
    totalTokens: inputTokens + outputTokens,
    ...(read > 0 ? { cachedInputTokens: read } : {}),
    ...(write > 0 ? { cacheWriteTokens: write } : {}),
  };
}

/** Adds `b` to `a` in place, cached and cache-write counts included. */
export function addUsage(a: Required<LlmUsage>, b: LlmUsage): void {
  a.inputTokens += b.inputTokens;
  a.outputTokens += b.outputTokens;
  a.totalTokens += b.totalTokens;
  a.cachedInputTokens += b.cachedInputTokens ?? 0;
  a.cacheWriteTokens += b.cacheWriteTokens ?? 0;
}
