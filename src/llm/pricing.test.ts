/** The price table: known defaults, overrides, snapshot names, local models at 0, unknown models as null. */
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../core/errors.js';
import { costOf, createPriceTable, DEFAULT_PRICES, formatCost, priceOf } from './pricing.js';

describe('priceOf', () => {
  it('knows a few hosted models by name, whatever the provider adapter', () => {
    expect(priceOf(DEFAULT_PRICES, 'openai-compatible', 'gpt-4o-mini')).toEqual({ inputPerMillion: 0.15, outputPerMillion: 0.6 });
    expect(priceOf(DEFAULT_PRICES, 'azure', 'gpt-4o-mini')).toEqual({ inputPerMillion: 0.15, outputPerMillion: 0.6 });
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
    expect(DEFAULT_PRICES['gpt-4o-mini']).toEqual({ inputPerMillion: 0.15, outputPerMillion: 0.6 });
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
