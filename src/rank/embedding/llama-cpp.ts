/** Embeddings from a local GGUF model through node-llama-cpp, CPU only by default (decision 0008). */
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { getLlama, LlamaLogLevel, type Llama, type LlamaEmbeddingContext, type LlamaModel } from 'node-llama-cpp';
import { XivdigestError } from '../../core/errors.js';
import type { Embedder } from './index.js';

export interface LlamaCppEmbedderOptions {
  /** Path of a GGUF file: an embedding model such as nomic-embed-text or bge, or any model (its hidden states are pooled). */
  modelPath: string;
  /** CPU threads (default: the cores llama.cpp counts as useful for math). Tests pass 1. */
  threads?: number;
  /** Tokens per text; longer texts are cut (default 512). */
  contextSize?: number;
  /** `'auto'` (default): a GPU when the machine has one (Metal, CUDA, Vulkan), else the CPU; `false`: the CPU. */
  gpu?: false | 'auto';
}

export const metadata = { id: 'llama-cpp-embeddings', requires: [] as string[] };

/**
 * Creates an embedder that loads the model on the first `embed()` and keeps it until `close()`. Texts are embedded one
 * after another in one context (llama.cpp evaluates a sequence at a time here) and cut to `contextSize` tokens first,
 * since node-llama-cpp refuses longer input. Fails with LLM_UNAVAILABLE when no llama.cpp binary fits this machine and
 * LLM_MODEL_MISSING when the file cannot be loaded.
 */
export function createLlamaCppEmbedder(options: LlamaCppEmbedderOptions): Embedder {
  const contextSize = options.contextSize ?? 512;
  let loaded: Promise<{ llama: Llama; model: LlamaModel; context: LlamaEmbeddingContext }> | undefined;

  async function load(): Promise<{ llama: Llama; model: LlamaModel; context: LlamaEmbeddingContext }> {
    let llama: Llama;
    try {
      // build 'never' + skipDownload: a prebuilt binary or nothing; never compile or download (decision 0008).
      llama = await getLlama({
        gpu: options.gpu ?? 'auto',
        build: 'never',
        skipDownload: true,
        usePrebuiltBinaries: true,
        progressLogs: false,
        logLevel: LlamaLogLevel.error,
      });
    } catch (cause) {
      throw new XivdigestError({
        code: 'LLM_UNAVAILABLE',
        message: `llama-cpp embeddings: no usable llama.cpp binary for ${process.platform}-${process.arch} (${(cause as Error).message})`,
        hint: 'Use the lexical ranker or an embeddings API on this machine',
        cause,
      });
    }
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: options.modelPath, gpuLayers: options.gpu === false ? 0 : 'auto' });
    } catch (cause) {
      throw new XivdigestError({
        code: 'LLM_MODEL_MISSING',
        message: `llama-cpp embeddings: cannot load ${options.modelPath} (${(cause as Error).message})`,
        hint: 'Check rank.embedding.modelPath: it must be a GGUF file',
        cause,
        details: { file: options.modelPath },
      });
    }
    const threads = options.threads ?? Math.max(1, Math.min(llama.cpuMathCores, availableParallelism()));
    const context = await model.createEmbeddingContext({ contextSize, batchSize: contextSize, threads });
    return { llama, model, context };
  }

  return {
    model: basename(options.modelPath),
    async embed(texts, signal) {
      loaded ??= load().catch((error: unknown) => {
        loaded = undefined;
        throw error;
      });
      const { model, context } = await loaded;
      const vectors: number[][] = [];
      for (const text of texts) {
        if (signal?.aborted) throw new XivdigestError({ code: 'ABORTED', message: 'llama-cpp embeddings aborted' });
        // Room for the BOS/EOS tokens the context may add.
        const tokens = model.tokenize(text).slice(0, contextSize - 4);
        const embedding = await context.getEmbeddingFor(tokens.length > 0 ? tokens : model.tokenize(' '));
        vectors.push([...embedding.vector]);
      }
      return vectors;
    },
    async close() {
      const current = loaded;
      loaded = undefined;
      if (!current) return;
      // The Llama binding itself stays: other users in this process (the LLM provider) may share it.
      const { model, context } = await current.catch(() => ({ model: undefined, context: undefined }));
      await context?.dispose();
      await model?.dispose();
    },
  };
}
