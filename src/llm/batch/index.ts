/** Batch APIs for enrichment at half price: the seam and its two protocols. */
export type { BatchClient, BatchItemOutcome, BatchProgress, BatchRequest } from './types.js';
export { createOpenAiBatchClient, type OpenAiBatchClientOptions } from './openai.js';
export { createAnthropicBatchClient, type AnthropicBatchClientOptions } from './anthropic.js';
