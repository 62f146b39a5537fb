/** A provider that tells an observer about every call it makes: the one place LLM calls are counted, whoever makes them (enrichment, ranking). */
import { XivdigestError } from '../core/errors.js';
import type { LlmCallObserver, LlmCallRecord } from '../core/llm-observer.js';
import type { LlmProvider } from '../core/llm.js';

export function observeProvider(provider: LlmProvider, observer: LlmCallObserver): LlmProvider {
  const tell = (record: LlmCallRecord) => {
    try {
      observer.callFinished(record);
    } catch {
      // Counting is best effort: a broken observer must not fail a call that was paid for.
    }
  };
  return {
    id: provider.id,
    modelId: provider.modelId,
    async generate(request) {
      const started = performance.now();
      try {
        const result = await provider.generate(request);
        tell({ provider: provider.id, model: result.model || provider.modelId, usage: result.usage, durationMs: performance.now() - started });
        return result;
      } catch (error) {
        tell({
          provider: provider.id,
          model: provider.modelId,
          errorCode: XivdigestError.isInstance(error) ? error.code : 'INTERNAL',
          durationMs: performance.now() - started,
        });
        throw error;
      }
    },
    ...(provider.close ? { close: () => provider.close!() } : {}),
  };
}
