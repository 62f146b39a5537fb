/**
 * The ranker registry: the `ranking.method`s a subscription can choose, each with a lazy factory that gets the
 * library and feedback (loaded by jobs/ranking-inputs.ts) and the subscription's ranking settings. `none` is not a
 * ranker: it leaves papers in feed order.
 */
import type { Subscription } from '../core/config/schema.js';
import { XivdigestError } from '../core/errors.js';
import type { LibraryItem, RankFeedback } from '../core/library.js';
import type { LlmProvider } from '../core/llm.js';
import type { Ranker } from '../core/rank.js';
import { registryIds, type RegistryEntry } from './registry.js';

export interface RankerInput {
  library: LibraryItem[];
  feedback: RankFeedback;
  now: Date;
  ranking: Subscription['ranking'];
  /** The subscription's place in the config, e.g. `subscriptions[0]`, for error messages. */
  path: string;
  /** The environment, for OPENAI_API_BASE and OPENAI_API_KEY. */
  env: Readonly<Record<string, string | undefined>>;
  /** The configured LLM provider (made only by the rankers that call it). */
  provider(): LlmProvider;
}

export type RankerFactory = (input: RankerInput) => Ranker;

export interface RankerEntry extends RegistryEntry<RankerFactory> {
  /** Settings under `ranking` the method needs (`config check` reports each one missing, with this message). */
  needs?: readonly { setting: string; message: string }[];
}

/** The lexical ranker of the input: the default method, and the prefilter of the LLM rubric. */
async function lexicalOf(): Promise<(input: RankerInput) => Ranker> {
  const { createLexicalRanker } = await import('../rank/lexical/index.js');
  return ({ library, feedback, now, ranking }) => createLexicalRanker({ library, feedback, now, halfLifeDays: ranking.halfLifeDays });
}

function required(path: string, method: string, hint: string): XivdigestError {
  return new XivdigestError({ code: 'CONFIG_INVALID', message: `${path} is required for the ${method} method`, hint });
}

export const rankers = {
  lexical: { description: 'tf-idf similarity to your library and starred papers (offline, the default)', load: lexicalOf },
  embeddings: {
    description: 'cosine similarity of embeddings from an OpenAI-compatible API',
    needs: [{ setting: 'embeddings.model', message: 'required for the embeddings method (an embedding model such as text-embedding-3-small)' }],
    load: async () => {
      const { createEmbeddingRanker, createOpenAiEmbedder } = await import('../rank/index.js');
      return ({ library, feedback, now, ranking, path, env }) => {
        const options = ranking.embeddings ?? {};
        if (!options.model) throw required(`${path}.ranking.embeddings.model`, 'embeddings', 'Name the embedding model, e.g. text-embedding-3-small');
        const apiKey = options.apiKey ?? env.OPENAI_API_KEY;
        const embedder = createOpenAiEmbedder({
          baseUrl: options.baseUrl ?? env.OPENAI_API_BASE ?? 'https://api.openai.com/v1',
          model: options.model,
          ...(apiKey ? { apiKey } : {}),
        });
        return createEmbeddingRanker({ embedder, library, feedback, now, halfLifeDays: ranking.halfLifeDays });
      };
    },
  },
  'local-embeddings': {
    description: 'cosine similarity of embeddings from a local GGUF model',
    needs: [{ setting: 'embeddings.model', message: 'required for the local-embeddings method (the path of a GGUF embedding model)' }],
    load: async () => {
      const { createEmbeddingRanker, createLlamaCppEmbedder } = await import('../rank/index.js');
      return ({ library, feedback, now, ranking, path }) => {
        const model = ranking.embeddings?.model;
        if (!model) throw required(`${path}.ranking.embeddings.model`, 'local-embeddings', 'Give the path of a GGUF embedding model');
        return createEmbeddingRanker({ embedder: createLlamaCppEmbedder({ modelPath: model }), library, feedback, now, halfLifeDays: ranking.halfLifeDays });
      };
    },
  },
  llm: {
    description: "the LLM scores the lexical ranker's best candidates against your stated interests",
    needs: [{ setting: 'interests', message: 'required for the llm method: your interests in a few sentences' }],
    load: async () => {
      const [{ createLlmRubricRanker }, lexical] = await Promise.all([import('../rank/index.js'), lexicalOf()]);
      return (input) => {
        const interests = input.ranking.interests;
        if (!interests) throw required(`${input.path}.ranking.interests`, 'llm', 'Describe your interests in a few sentences');
        return createLlmRubricRanker({ provider: input.provider(), interests, library: input.library, prefilter: lexical(input) });
      };
    },
  },
} satisfies Record<string, RankerEntry>;

export type RankingMethod = keyof typeof rankers;

/** `ranking.method`: each ranker, then `none` (no ranking). */
export const RANKING_METHODS = [...registryIds(rankers), 'none'] as const;
