/** Personal ranking: rankers that order candidate papers by the reader's library (lexical, embeddings, LLM rubric). */
export type { Ranker, RankedPaper, RankReason } from '../core/rank.js';
export { createLexicalRanker, type LexicalRankerOptions, type LexicalScoring } from './lexical/index.js';
export {
  createEmbeddingRanker,
  createMemoryEmbeddingCache,
  embeddingCacheKey,
  embeddingText,
  type Embedder,
  type EmbeddingCache,
  type EmbeddingRankerOptions,
} from './embedding/index.js';
export { createOpenAiEmbedder, type OpenAiEmbedderOptions } from './embedding/openai.js';
export { createLlamaCppEmbedder, type LlamaCppEmbedderOptions } from './embedding/llama-cpp.js';
export { createLlmRubricRanker, type LlmRubricRankerOptions, type LlmRubricReport } from './llm-rubric/index.js';
export { recencyWeight, type RecencyOptions } from './shared.js';
export { stem, tokenize } from './text.js';
