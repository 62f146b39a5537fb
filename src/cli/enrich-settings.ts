/** The enrichment settings and model-progress reporting shared by `enrich` and `today`; loaded only when they run. */
import type { chooseProvider } from '../app-llm.js';
import type { LlmConfig } from '../core/config/schema.js';
import type { EnrichOptions } from '../jobs/enrich.js';
import { PAPER_TEXTS_STRUCTURED_PROMPT_VERSION } from '../llm/prompts/index.js';
import { DEFAULT_PRICES } from '../llm/pricing.js';
import { formatCount, type Reporter } from './output.js';

/** The enrichment settings of the config's `llm` section (concurrency, pacing, retries, budget, prices, prompt). */
export function enrichSettings(llm: LlmConfig): Omit<EnrichOptions, 'store' | 'provider' | 'papers'> {
  return {
    concurrency: llm.concurrency,
    ...(llm.rpm ? { rpm: llm.rpm } : {}),
    ...(llm.tpm ? { tpm: llm.tpm } : {}),
    ...(llm.timeoutMs ? { timeoutMs: llm.timeoutMs } : {}),
    maxAttempts: llm.maxAttempts,
    maxRepairs: llm.maxRepairs,
    ...(llm.budget !== undefined ? { budget: llm.budget } : {}),
    // Configured prices override the built-in list key by key.
    prices: { ...DEFAULT_PRICES, ...llm.prices },
    ...(llm.structuredSummary ? { promptVersion: PAPER_TEXTS_STRUCTURED_PROMPT_VERSION } : {}),
  };
}

/** Reports the local model's download (a progress bar) and load, for commands that may start it. */
export function reportModelProgress(reporter: Reporter): NonNullable<Parameters<typeof chooseProvider>[0]['onModelProgress']> {
  const modelProgress = reporter.progress('local model');
  return (event) => {
    if (event.type === 'download-started') reporter.info(`downloading the model to ${event.path}${event.resumeFrom > 0 ? ` (resuming at ${formatCount(event.resumeFrom)} bytes)` : ''}`);
    else if (event.type === 'download-progressed') modelProgress.update(event.receivedBytes, event.totalBytes);
    else if (event.type === 'model-downloaded') modelProgress.finish(`saved ${event.path}`);
    else if (event.type === 'model-loaded') reporter.verbose(`loaded ${event.path}`);
  };
}
