/** Token prices (USD per million input, cached-input and output tokens) by provider and model, the batch discount, and the cost of a call; unknown models cost `null`, never a guess. */
import { XivdigestError } from '../core/errors.js';
import type { LlmUsage } from '../core/llm.js';

/** What one model costs, in US dollars per 1,000,000 tokens. */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
  /** Input tokens read from the provider's prompt cache; without it they cost `inputPerMillion` (no saving is claimed). */
  cachedInputPerMillion?: number;
  /** Input tokens written to the prompt cache (Anthropic: 1.25× input); without it they cost `inputPerMillion`. */
  cacheWritePerMillion?: number;
}

/** What the batch APIs (OpenAI Batch, Anthropic Message Batches) charge, as a share of the synchronous price. */
export const BATCH_PRICE_FACTOR = 0.5;

export interface CostOptions {
  /** The call went through a batch API: everything at {@link BATCH_PRICE_FACTOR}. */
  batch?: boolean;
}

/**
 * Prices keyed by `provider/model` (`openai-compatible/deepseek-chat`), by model alone (`gpt-4o-mini`, any provider),
 * or `provider/*` (every model of a provider, e.g. the local `llama-cpp/*` at 0).
 */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * List prices as published by OpenAI, DeepSeek and Anthropic in 2025 (standard tier), with the cached-input prices;
 * the batch discount is {@link BATCH_PRICE_FACTOR}. Prices change: configure your own where it matters; they override
 * these key by key.
 */
export const DEFAULT_PRICES: PriceTable = Object.freeze({
  // OpenAI, https://openai.com/api/pricing (cached input: 50 % for 4o, 25 % for 4.1, 10 % for 5)
  'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6, cachedInputPerMillion: 0.075 },
  'gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10, cachedInputPerMillion: 1.25 },
  'gpt-4.1-nano': { inputPerMillion: 0.1, outputPerMillion: 0.4, cachedInputPerMillion: 0.025 },
  'gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6, cachedInputPerMillion: 0.1 },
  'gpt-4.1': { inputPerMillion: 2, outputPerMillion: 8, cachedInputPerMillion: 0.5 },
  'gpt-5-nano': { inputPerMillion: 0.05, outputPerMillion: 0.4, cachedInputPerMillion: 0.005 },
  'gpt-5-mini': { inputPerMillion: 0.25, outputPerMillion: 2, cachedInputPerMillion: 0.025 },
  // DeepSeek, https://api-docs.deepseek.com/quick_start/pricing (V3.2; input at the cache-miss price, cache hits 10 %)
  'deepseek-chat': { inputPerMillion: 0.28, outputPerMillion: 0.42, cachedInputPerMillion: 0.028 },
  // Anthropic, https://www.anthropic.com/pricing#api (cache reads 10 %, 5-minute cache writes 125 % of input)
  'claude-3-haiku': { inputPerMillion: 0.25, outputPerMillion: 1.25, cachedInputPerMillion: 0.03, cacheWritePerMillion: 0.3 },
  'claude-3-5-haiku': { inputPerMillion: 0.8, outputPerMillion: 4, cachedInputPerMillion: 0.08, cacheWritePerMillion: 1 },
  'claude-haiku-4-5': { inputPerMillion: 1, outputPerMillion: 5, cachedInputPerMillion: 0.1, cacheWritePerMillion: 1.25 },
  // The embedded model runs on this machine.
  'llama-cpp/*': { inputPerMillion: 0, outputPerMillion: 0 },
});

/** The defaults with `overrides` laid over them; throws CONFIG_INVALID for a negative or non-numeric price. */
export function createPriceTable(overrides: Record<string, ModelPrice> = {}, base: PriceTable = DEFAULT_PRICES): PriceTable {
  for (const [key, price] of Object.entries(overrides)) {
    for (const field of ['inputPerMillion', 'outputPerMillion', 'cachedInputPerMillion', 'cacheWritePerMillion'] as const) {
      const value = price?.[field];
      if (value === undefined && (field === 'cachedInputPerMillion' || field === 'cacheWritePerMillion')) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new XivdigestError({
          code: 'CONFIG_INVALID',
          message: `The price of ${key} needs ${field} as a number of US dollars from 0, got ${JSON.stringify(value)}`,
          hint: 'Write prices as { "inputPerMillion": 0.15, "outputPerMillion": 0.6 }',
          details: { key, field },
        });
      }
    }
  }
  return Object.freeze({ ...base, ...overrides });
}

/** A dated snapshot suffix (`-2024-07-18`, `-20241022`) or `-latest`: the same model and price as the name without it. */
const SNAPSHOT_SUFFIX = /-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

/**
 * The price of a model, or null when the table does not know it. Looks up `provider/model`, then `model`, each also
 * without a dated snapshot suffix (APIs answer `gpt-4o-mini-2024-07-18` for `gpt-4o-mini`), then `provider/*`. Never
 * matches by resemblance: `gpt-4o-mini-tts` is not `gpt-4o-mini`.
 */
export function priceOf(table: PriceTable, provider: string, model: string): ModelPrice | null {
  const names = [model];
  const undated = model.replace(SNAPSHOT_SUFFIX, '');
  if (undated !== model) names.push(undated);
  for (const name of names) {
    const found = table[`${provider}/${name}`] ?? table[name];
    if (found) return found;
  }
  return table[`${provider}/*`] ?? null;
}

/**
 * The cost of a call in US dollars, or null when the price is unknown. Cached input tokens cost the cached-input
 * price, cache writes the cache-write price (each the input price when the table has none); a batch call costs
 * {@link BATCH_PRICE_FACTOR} of it all (the providers apply both discounts together).
 */
export function costOf(
  usage: Pick<LlmUsage, 'inputTokens' | 'outputTokens' | 'cachedInputTokens' | 'cacheWriteTokens'>,
  price: ModelPrice | null,
  options: CostOptions = {},
): number | null {
  if (price === null) return null;
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens);
  const written = Math.min(usage.cacheWriteTokens ?? 0, usage.inputTokens - cached);
  const plain = usage.inputTokens - cached - written;
  const dollars =
    plain * price.inputPerMillion +
    cached * (price.cachedInputPerMillion ?? price.inputPerMillion) +
    written * (price.cacheWritePerMillion ?? price.inputPerMillion) +
    usage.outputTokens * price.outputPerMillion;
  return (dollars * (options.batch ? BATCH_PRICE_FACTOR : 1)) / 1_000_000;
}

/** What the call would have cost synchronously with no prompt cache: the base of "saved" in reports. */
export function listCostOf(usage: Pick<LlmUsage, 'inputTokens' | 'outputTokens'>, price: ModelPrice | null): number | null {
  if (price === null) return null;
  return (usage.inputTokens * price.inputPerMillion + usage.outputTokens * price.outputPerMillion) / 1_000_000;
}

/** `$0.0123`, or `unknown` for null: for reports, which never show a guess as a price. */
export function formatCost(cost: number | null): string {
  if (cost === null) return 'unknown';
  if (cost === 0) return '$0';
  return cost < 0.01 ? `$${cost.toPrecision(3)}` : `$${cost.toFixed(cost < 10 ? 4 : 2)}`;
}
