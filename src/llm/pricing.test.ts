/** The price table: known defaults, overrides, snapshot names, local models at 0, unknown models as null. */
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../core/errors.js';
import { BATCH_PRICE_FACTOR, costOf, createPriceTable, DEFAULT_PRICES, formatCost, listCostOf, priceOf } from './pricing.js';

describe('priceOf', () => {
  it('knows a few hosted models by name, whatever the provider adapter', () => {
    expect(priceOf(DEFAULT_PRICES, 'openai-compatible', 'gpt-4o-mini')).toEqual({ inputPerMillion: 0.15, outputPerMillion: 0.6, cachedInputPerMillion: 0.075 });
    expect(priceOf(DEFAULT_PRICES, 'azure', 'gpt-4o-mini')).toEqual({ inputPerMillion: 0.15, outputPerMillion: 0.6, cachedInputPerMillion: 0.075 });
    expect(priceOf(DEFAULT_PRICES, 'openai-compatible', 'deepseek-chat')).not.toBeNull();
    expect(priceOf(DEFAULT_PRICES, 'anthropic', 'claude-3-5-haiku')).not.toBeNull();
    expect(priceOf(DEFAULT_PRICES, 'anthropic', 'claude-haiku-4-5')).not.toBeNull();
  });

  it('reads dated snapshots as their model, and never matches by resemblance', () => {
    expect(priceOf(DEFAULT_PRICES, 'openai-compatible', 'gpt-4o-mini-2024-07-18')).toBe(DEFAULT_PRICES['gpt-4o-mini']);
    expect(priceOf(DEFAULT_PRICES, 'anthropic', 'claude-3-5-haiku-20241022')).toBe(DEFAULT_PRICES['claude-3-5-haiku']);
    expect(priceOf(DEFAULT_PRICES, 'anthropic', 'claude-3-5-haiku-latest')).toBe(DEFAULT_PRICES['claude-3-5-haiku']);
    expect(priceOf(DEFAULT_PRICES, 'openai-compatible', 'gpt-4o-mini-tts')).toBeNull();
    expect(priceOf(DEFAULT_PRICES, 'openai-compatible', 'my-finetune')).toBeNull();
  });

  it('prices every local model at 0', () => {
    expect(priceOf(DEFAULT_PRICES, 'llama-cpp', 'qwen2.5-1.5b-instruct-q4_k_m.gguf')).toEqual({ inputPerMillion: 0, outputPerMillion: 0 });
  });

  it('lets configured prices override the defaults and name a provider', () => {
    const table = createPriceTable({
      'gpt-4o-mini': { inputPerMillion: 1, outputPerMillion: 2 },
      'openai-compatible/qwen2.5:7b': { inputPerMillion: 0, outputPerMillion: 0 },
      'azure/*': { inputPerMillion: 3, outputPerMillion: 4 },
    });
    expect(priceOf(table, 'openai-compatible', 'gpt-4o-mini')).toEqual({ inputPerMillion: 1, outputPerMillion: 2 });
    expect(priceOf(table, 'openai-compatible', 'qwen2.5:7b')).toEqual({ inputPerMillion: 0, outputPerMillion: 0 });
    expect(priceOf(table, 'anthropic', 'qwen2.5:7b')).toBeNull();
    // A model named in the table wins over the provider's catch-all.
    expect(priceOf(table, 'azure', 'gpt-4o-mini')).toEqual({ inputPerMillion: 1, outputPerMillion: 2 });
    expect(priceOf(table, 'azure', 'my-deployment')).toEqual({ inputPerMillion: 3, outputPerMillion: 4 });
    expect(DEFAULT_PRICES['gpt-4o-mini']).toEqual({ inputPerMillion: 0.15, outputPerMillion: 0.6, cachedInputPerMillion: 0.075 });
  });

  it('rejects prices that are not numbers from 0', () => {
    for (const bad of [{ inputPerMillion: -1, outputPerMillion: 0 }, { inputPerMillion: 1 }, { inputPerMillion: Number.NaN, outputPerMillion: 1 }]) {
      let error: unknown;
      try {
        createPriceTable({ x: bad as never });
      } catch (caught) {
        error = caught;
      }
      expect(XivdigestError.isInstance(error) && error.code).toBe('CONFIG_INVALID');
    }
  });
});

describe('costOf', () => {
  it('charges input and output tokens at their own rates', () => {
    expect(costOf({ inputTokens: 1_000_000, outputTokens: 0 }, { inputPerMillion: 0.15, outputPerMillion: 0.6 })).toBeCloseTo(0.15, 10);
    expect(costOf({ inputTokens: 2000, outputTokens: 1000 }, { inputPerMillion: 0.15, outputPerMillion: 0.6 })).toBeCloseTo(0.0009, 12);
    expect(costOf({ inputTokens: 5000, outputTokens: 5000 }, { inputPerMillion: 0, outputPerMillion: 0 })).toBe(0);
  });

  it('is null, not 0, when the price is unknown', () => {
    expect(costOf({ inputTokens: 10, outputTokens: 10 }, null)).toBeNull();
    expect(formatCost(null)).toBe('unknown');
    expect(formatCost(0)).toBe('$0');
    expect(formatCost(0.0009)).toBe('$0.000900');
    expect(formatCost(1.23456)).toBe('$1.2346');
  });
});

describe('cached input and the batch discount', () => {
  const claude = DEFAULT_PRICES['claude-haiku-4-5']!;
  it('prices cached reads and cache writes at their own prices, and a batch call at half', () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 600_000, cacheWriteTokens: 100_000 };
    // 300k plain at $1, 600k read at $0.10, 100k written at $1.25.
    expect(costOf(usage, claude)).toBeCloseTo(0.3 + 0.06 + 0.125, 10);
    expect(costOf(usage, claude, { batch: true })).toBeCloseTo((0.3 + 0.06 + 0.125) * BATCH_PRICE_FACTOR, 10);
    expect(listCostOf(usage, claude)).toBeCloseTo(1, 10);
  });

  it('charges cached tokens at the input price when the table has no cached price: no saving is claimed', () => {
    const price = { inputPerMillion: 2, outputPerMillion: 4 };
    expect(costOf({ inputTokens: 1000, outputTokens: 10, cachedInputTokens: 900 }, price)).toBe(listCostOf({ inputTokens: 1000, outputTokens: 10 }, price));
  });

  it('takes configured cached prices, and refuses negative ones', () => {
    const table = createPriceTable({ 'my-model': { inputPerMillion: 1, outputPerMillion: 1, cachedInputPerMillion: 0.5 } });
    expect(costOf({ inputTokens: 2_000_000, outputTokens: 0, cachedInputTokens: 1_000_000 }, priceOf(table, 'x', 'my-model'))).toBeCloseTo(1.5, 10);
    expect(() => createPriceTable({ bad: { inputPerMillion: 1, outputPerMillion: 1, cachedInputPerMillion: -1 } })).toThrow(/cachedInputPerMillion/);
  });
});
