/** The embedded local LLM: a GGUF model run in-process by node-llama-cpp, its output held to the request's JSON schema by a grammar. */
import { availableParallelism, freemem } from 'node:os';
import type { Llama, LlamaChatSession, LlamaContext, LlamaContextSequence, LlamaGrammar, LlamaLogLevel, LlamaModel, Token, TokenBias } from 'node-llama-cpp';
import type * as NodeLlamaCppModule from 'node-llama-cpp';
import { XivdigestError, excerpt } from '../../core/errors.js';
import type { JsonSchema, LlmProvider, LlmProviderMetadata, LlmRequest, LlmResult } from '../../core/llm.js';
import { modelIdOf, resolveModelFile, type ModelFileOptions, type ModelProgressEvent } from './model-file.js';
import { calibrationFrom, chooseModel, chooseParallel, type Calibration } from './plan.js';

export { DEFAULT_MODEL, DEFAULT_HF_BASE_URL, MODEL_MISSING_HINT, parseHfUri, hfResolveUrl, resolveModelFile } from './model-file.js';
export type { ModelProgressEvent, ModelFile, HfModelRef } from './model-file.js';
export { describeLocalRun, PAPER_TOKENS, CPU_PARALLEL, GPU_PARALLEL, SMALL_MODEL } from './plan.js';
export type { Calibration, LocalRunFacts } from './plan.js';

export const metadata: LlmProviderMetadata = { id: 'llama-cpp', requires: [], concurrent: true };

type NodeLlamaCpp = typeof NodeLlamaCppModule;
let nodeLlamaCppModule: Promise<NodeLlamaCpp> | undefined;
/**
 * node-llama-cpp, imported at the first model load: it is some 400 modules (about 0.4 s of CPU per process), which
 * every command that builds the provider registry (run, today, enrich, serve) would otherwise load for nothing when
 * the local model is not in use.
 */
const nodeLlamaCpp = (): Promise<NodeLlamaCpp> => (nodeLlamaCppModule ??= import('node-llama-cpp'));

export interface LlamaCppProviderOptions {
  /** A .gguf path, an `hf:user/repo/file.gguf[#revision]` URI, an http(s) URL, or undefined for the default model. */
  model?: string;
  /** Where downloaded models go (the per-user data folder's `models/`). */
  modelsDir?: string;
  /** Default https://huggingface.co. */
  hfBaseUrl?: string;
  hfToken?: string;
  /** False: never download; a missing model is an error at once. Default true. */
  allowDownload?: boolean;
  /**
   * CPU threads for evaluation. Default: the cores llama.cpp counts as useful for math (physical cores). Never more
   * than the machine has: node-llama-cpp's own default is at least 4, which on a 2-core machine oversubscribes the
   * cores and makes generation hundreds of times slower.
   */
  threads?: number;
  /** Tokens per sequence (prompt plus answer). Default 4096. */
  contextSize?: number;
  /**
   * Sequences of the one context: how many `generate()` calls run at once, batched together. Default 4 (as many as
   * `llm.concurrency` keeps in flight; bench/README.md, "Local model"), fewer when free memory cannot hold their KV cache.
   */
  parallel?: number;
  /**
   * Time a short probe after loading (a 64-token prompt, then 4 tokens on every sequence) so that the run's duration
   * can be estimated on this machine (`info.calibration`). Default true; it costs about a second on a real model.
   */
  calibrate?: boolean;
  /**
   * `false` runs on the CPU; `'auto'` (default) lets node-llama-cpp pick Metal, CUDA or Vulkan when the machine has
   * one, else the CPU. The GPU binaries ship with the install (docs/decisions/0022-clean-install.md).
   */
  gpu?: false | 'auto';
  /**
   * Bans byte-fallback tokens `<0x80>`…`<0xFF>`: each is a lone UTF-8 byte, and a model that emits them out of order
   * writes invalid UTF-8 (random test weights do this all the time). Only SentencePiece vocabularies have such tokens;
   * byte-level BPE models (Qwen, the default) are unaffected. Default false: real SPM models spell rare CJK characters with them.
   */
  banHighByteTokens?: boolean;
  /** Further tokens never to generate: token ids, or texts (each token a text tokenizes to is banned). */
  bannedTokens?: (number | string)[];
  /** Default 0.2 (translation wants little randomness; pure greedy decoding makes small models loop). */
  temperature?: number;
  /** Sampling seed, for reproducible output. */
  seed?: number;
  /** Answer tokens when a request gives no `maxOutputTokens`. Default 1536. */
  maxTokens?: number;
  /** Aborts the model download and load, and every generation. */
  signal?: AbortSignal;
  /** Download and load progress (bytes, then a fraction), and where the model file went. */
  onProgress?: (event: ModelProgressEvent) => void;
  /** llama.cpp's own log lines (warnings and errors). Default: node-llama-cpp prints them to the console. */
  onLog?: (level: string, message: string) => void;
}

/** Facts about the loaded model. */
export interface LlamaCppModelInfo {
  path: string;
  modelId: string;
  downloaded: boolean;
  threads: number;
  contextSize: number;
  parallel: number;
  gpu: string | false;
  /** Why this model and parallelism, in words (memory, GPU or not, configured). */
  reason: string;
  /** Throughput measured right after loading, unless `calibrate: false`. */
  calibration: Calibration | undefined;
}

export interface LlamaCppProvider extends LlmProvider {
  /** Finds (downloading if needed) and loads the model; `generate()` does this on first use. Safe to call twice. */
  load(): Promise<LlamaCppModelInfo>;
  close(): Promise<void>;
}

interface Loaded {
  /** node-llama-cpp itself, imported by the load. */
  lib: NodeLlamaCpp;
  llama: Llama;
  releaseLlama: () => Promise<void>;
  model: LlamaModel;
  context: LlamaContext;
  pool: SequencePool;
  tokenBias: TokenBias | undefined;
  info: LlamaCppModelInfo;
}

/** Creates the provider. Nothing is read or loaded until `load()` or the first `generate()`. */
export function createLlamaCppProvider(options: LlamaCppProviderOptions = {}): LlamaCppProvider {
  // No model configured: the default, or its smaller sibling when the free memory cannot hold it.
  const choice = chooseModel(options.model, freemem());
  const settings = Object.freeze({ ...options, ...(choice.model === undefined ? {} : { model: choice.model }) });
  const modelReason = choice.reason;
  const modelId = modelIdOf(settings.model);
  let loading: Promise<Loaded> | undefined;
  let closed = false;
  const grammars = new Map<string, Promise<LlamaGrammar>>();

  const load = (): Promise<Loaded> => {
    if (closed) return Promise.reject(closedError());
    loading ??= loadModel(settings, modelReason).catch((error: unknown) => {
      loading = undefined; // a later call may succeed (the network came back, the file was put in place)
      throw error;
    });
    return loading;
  };

  const grammarFor = (loaded: Loaded, schema: JsonSchema): Promise<LlamaGrammar> => {
    const key = JSON.stringify(schema);
    let grammar = grammars.get(key);
    if (!grammar) {
      // The schema is only known at run time; node-llama-cpp's parameter type infers the answer type from a literal.
      grammar = loaded.llama.createGrammarForJsonSchema(toGrammarSchema(schema) as never).catch((error: unknown) => {
        grammars.delete(key);
        throw new XivdigestError({
          code: 'CONFIG_INVALID',
          message: `llama-cpp: cannot build a grammar for the JSON schema: ${error instanceof Error ? error.message : String(error)}`,
          cause: error,
        });
      });
      grammars.set(key, grammar);
    }
    return grammar;
  };

  return {
    id: metadata.id,
    modelId,
    async load() {
      return (await load()).info;
    },
    async generate(request: LlmRequest): Promise<LlmResult> {
      const loaded = await load();
      const waitSignal = anySignal([request.signal, settings.signal]);
      const sequence = await loaded.pool.acquire(waitSignal);
      try {
        return await generateOn(loaded, sequence, request, await grammarFor(loaded, request.schema), settings);
      } finally {
        loaded.pool.release(sequence);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      const current = loading;
      loading = undefined;
      const loaded = await current?.catch(() => undefined);
      if (!loaded) return;
      loaded.pool.close();
      await loaded.context.dispose();
      await loaded.model.dispose();
      await loaded.releaseLlama();
    },
  };
}

async function loadModel(settings: LlamaCppProviderOptions, modelReason: string): Promise<Loaded> {
  const fileOptions: ModelFileOptions = {
    model: settings.model,
    modelsDir: settings.modelsDir,
    hfBaseUrl: settings.hfBaseUrl,
    hfToken: settings.hfToken,
    allowDownload: settings.allowDownload,
    onProgress: settings.onProgress,
    signal: settings.signal,
  };
  const file = await resolveModelFile(fileOptions);
  const gpu = settings.gpu ?? 'auto';
  const lib = await nodeLlamaCpp();
  const shared = await acquireLlama(lib, gpu, settings.threads ?? availableParallelism(), settings.onLog);
  const { llama } = shared;
  try {
    const coreThreads = settings.threads ?? Math.max(1, Math.min(llama.cpuMathCores, availableParallelism()));
    const model = await llama
      .loadModel({
        modelPath: file.path,
        gpuLayers: gpu === false ? 0 : 'auto',
        onLoadProgress: (fraction) => settings.onProgress?.({ type: 'model-load-progressed', path: file.path, fraction }),
        ...(settings.signal ? { loadSignal: settings.signal } : {}),
      })
      .catch((error: unknown) => {
        throw new XivdigestError({
          code: 'LLM_MODEL_MISSING',
          message: `llama-cpp: cannot load ${file.path} (${error instanceof Error ? error.message : String(error)})`,
          hint: 'The file may be truncated or not a GGUF model llama.cpp supports; delete it to download it again, or pass another --model',
          cause: error,
          details: { path: file.path },
        });
      });
    // On a busy CPU llama.cpp's spinning worker threads fight the other processes: 2 threads measured ~10× slower than
    // 1 on the loaded development machine (bench/README.md). Unless threads are configured, time both and keep the faster.
    let threads = coreThreads;
    let threadReason = settings.threads === undefined ? `threads: ${coreThreads} (the physical cores)` : 'threads: configured';
    if (settings.threads === undefined && coreThreads > 1 && settings.calibrate !== false && llama.gpu === false) {
      const one = await threadProbe(model, 1);
      const all = await threadProbe(model, coreThreads);
      if (one < all * 0.8) {
        threads = 1;
        threadReason = `threads: 1, as ${coreThreads} threads measured ${(all / one).toFixed(1)}× slower here (a busy CPU)`;
      }
    }
    const contextSize = Math.min(settings.contextSize ?? 4096, model.trainContextSize);
    const chosen = chooseParallel({
      ...(settings.parallel === undefined ? {} : { configured: settings.parallel }),
      gpu: llama.gpu,
      freeBytes: freemem(),
      modelBytes: 0,
      contextSize,
    });
    const parallel = chosen.parallel;
    const context = await model.createContext({ contextSize, sequences: parallel, threads });
    const sequences = Array.from({ length: parallel }, () => context.getSequence());
    const calibration = settings.calibrate === false ? undefined : await calibrate(model, sequences);
    const tokenBias = bannedTokenBias(lib, model, settings);
    settings.onProgress?.({ type: 'model-loaded', path: file.path });
    return {
      lib,
      llama,
      releaseLlama: shared.release,
      model,
      context,
      pool: new SequencePool(sequences),
      tokenBias,
      info: {
        path: file.path,
        modelId: file.modelId,
        downloaded: file.downloaded,
        threads,
        contextSize: context.contextSize,
        parallel,
        gpu: llama.gpu,
        reason: `model: ${modelReason}; sequences: ${chosen.reason}; ${threadReason}`,
        calibration,
      },
    };
  } catch (error) {
    await shared.release();
    throw error;
  }
}

const PROBE_TEXT = 'We study how large language models translate the abstracts of research papers, and measure their speed. ';

/**
 * After an untimed 8-token warm-up, times a 64-token prompt on one sequence and 4 generated tokens on every sequence at
 * once, then clears them: the machine's prompt and (summed) generation rates for this model, threads and parallelism.
 */
async function calibrate(model: LlamaModel, sequences: LlamaContextSequence[]): Promise<Calibration> {
  const unit = model.tokenize(PROBE_TEXT);
  const prompt: Token[] = [];
  while (prompt.length < 64) prompt.push(...unit);
  prompt.length = Math.min(64, Math.floor(sequences[0]!.contextSize / 4));
  // Untimed warm-up: the first evaluation pages the weights in and allocates llama.cpp's compute buffers.
  await sequences[0]!.evaluateWithoutGeneratingNewTokens(prompt.slice(0, 8));
  await sequences[0]!.clearHistory();
  let started = performance.now();
  await sequences[0]!.evaluateWithoutGeneratingNewTokens(prompt);
  const promptSeconds = (performance.now() - started) / 1000;
  const steps = 4;
  started = performance.now();
  await Promise.all(
    sequences.map(async (sequence, index) => {
      let produced = 0;
      for await (const token of sequence.evaluate([prompt[index % prompt.length]!], { temperature: 0 })) {
        void token;
        if (++produced >= steps) break;
      }
    }),
  );
  const generateSeconds = (performance.now() - started) / 1000;
  for (const sequence of sequences) await sequence.clearHistory();
  return calibrationFrom(prompt.length, promptSeconds, steps * sequences.length, generateSeconds);
}

/** Seconds for a 32-token prompt and 4 generated tokens on a throwaway one-sequence context with `threads` threads. */
async function threadProbe(model: LlamaModel, threads: number): Promise<number> {
  const context = await model.createContext({ contextSize: 256, sequences: 1, threads });
  try {
    const sequence = context.getSequence();
    const unit = model.tokenize(PROBE_TEXT);
    const prompt: Token[] = [];
    while (prompt.length < 32) prompt.push(...unit);
    prompt.length = 32;
    await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, 8)); // warm-up
    await sequence.clearHistory();
    const started = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(prompt);
    let produced = 0;
    for await (const token of sequence.evaluate([prompt[0]!], { temperature: 0 })) {
      void token;
      if (++produced >= 4) break;
    }
    return (performance.now() - started) / 1000;
  } finally {
    await context.dispose();
  }
}

interface SharedLlama {
  llama: Llama;
  release(): Promise<void>;
}

const llamas = new Map<string, { llama: Promise<Llama>; users: number }>();

/**
 * One llama.cpp binding per process and settings, shared by providers: getLlama() tests the prebuilt binary in a child
 * process first (seconds), which a second provider need not pay again. A provider with its own log handler gets its own.
 */
async function acquireLlama(
  { getLlama, LlamaLogLevel: logLevels }: NodeLlamaCpp,
  gpu: false | 'auto',
  maxThreads: number,
  onLog: LlamaCppProviderOptions['onLog'],
): Promise<SharedLlama> {
  const key = onLog ? undefined : `${gpu}:${maxThreads}`;
  let entry = key === undefined ? undefined : llamas.get(key);
  if (!entry) {
    // build 'never' + skipDownload: use a prebuilt binary or fail; never compile llama.cpp or fetch its sources.
    const llama = getLlama({
      gpu,
      build: 'never',
      skipDownload: true,
      progressLogs: false,
      usePrebuiltBinaries: true,
      maxThreads,
      logLevel: logLevels.warn,
      ...(onLog ? { logger: (level: LlamaLogLevel, message: string) => onLog(level, message) } : {}),
    });
    entry = { llama, users: 0 };
    if (key !== undefined) {
      llamas.set(key, entry);
      llama.catch(() => llamas.delete(key));
    }
  }
  entry.users++;
  const current = entry;
  const llama = await current.llama.catch((error: unknown) => {
    throw new XivdigestError({
      code: 'LLM_UNAVAILABLE',
      message: `llama-cpp: no usable llama.cpp binary for ${process.platform}-${process.arch} (${error instanceof Error ? error.message : String(error)})`,
      hint: 'xivdigest ships the CPU binaries for linux-x64, macOS and win-x64 only; use an API provider (OPENAI_API_KEY) on this machine',
      cause: error,
    });
  });
  let released = false;
  return {
    llama,
    async release() {
      if (released) return;
      released = true;
      current.users--;
      if (current.users > 0) return;
      if (key !== undefined && llamas.get(key) === current) llamas.delete(key);
      await llama.dispose();
    },
  };
}

/** One call on one sequence: a fresh chat session (the sequence keeps its tokens, so a shared system prompt is reused). */
async function generateOn(
  loaded: Loaded,
  sequence: LlamaContextSequence,
  request: LlmRequest,
  grammar: LlamaGrammar,
  settings: LlamaCppProviderOptions,
): Promise<LlmResult> {
  const session = new loaded.lib.LlamaChatSession({ contextSequence: sequence, systemPrompt: request.system, autoDisposeSequence: false });
  const timeout = request.timeoutMs === undefined ? undefined : AbortSignal.timeout(request.timeoutMs);
  const signal = anySignal([request.signal, settings.signal, timeout]);
  try {
    const inputTokens = promptTokenCount(session, loaded.model, request);
    const room = sequence.contextSize - inputTokens - 1;
    if (room < 16) {
      throw new XivdigestError({
        code: 'CONFIG_INVALID',
        message: `llama-cpp: the prompt takes ${inputTokens} tokens and leaves no room in the ${sequence.contextSize}-token context`,
        hint: 'Raise llm.local.contextSize in the config (the model allows up to its training context), or choose a model with a larger one',
        details: { inputTokens, contextSize: sequence.contextSize },
      });
    }
    // Keep the answer inside the context: past it node-llama-cpp would shift the window and drop the prompt's start.
    const maxTokens = Math.min(request.maxOutputTokens ?? settings.maxTokens ?? 1536, room);
    let outputTokens = 0;
    const response = await session.promptWithMeta(request.prompt, {
      grammar,
      maxTokens,
      temperature: request.temperature ?? settings.temperature ?? 0.2,
      ...(settings.seed === undefined ? {} : { seed: settings.seed }),
      ...(loaded.tokenBias ? { tokenBias: loaded.tokenBias } : {}),
      ...(signal ? { signal } : {}),
      onToken: (tokens) => {
        outputTokens += tokens.length;
      },
    });
    const text = response.responseText;
    const usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
    const finishReason = response.stopReason === 'maxTokens' ? 'length' : response.stopReason === 'functionCalls' ? 'other' : 'stop';
    let object: unknown;
    try {
      object = JSON.parse(text);
    } catch (error) {
      const truncated = finishReason === 'length';
      throw new XivdigestError({
        code: 'LLM_OUTPUT_INVALID',
        message: truncated
          ? `llama-cpp: ${loaded.info.modelId} stopped at the ${maxTokens}-token limit before the JSON was complete: ${excerpt(text)}`
          : `llama-cpp: ${loaded.info.modelId} returned text that is not JSON: ${excerpt(text)}`,
        hint: truncated ? 'Raise maxOutputTokens (and contextSize if the prompt is long)' : undefined,
        cause: error,
        isRetryable: !truncated,
        details: { finishReason, text, usage, model: loaded.info.modelId },
      });
    }
    return { object, text, usage, model: loaded.info.modelId, finishReason };
  } catch (error) {
    if (XivdigestError.isInstance(error)) throw error;
    if (timeout?.aborted) {
      throw new XivdigestError({
        code: 'LLM_TIMEOUT',
        message: `llama-cpp: ${loaded.info.modelId} did not finish within ${request.timeoutMs} ms`,
        hint: 'Raise the timeout, lower maxOutputTokens, or use fewer parallel sequences on a slow CPU',
        cause: error,
        isRetryable: true,
      });
    }
    if (signal?.aborted) throw new XivdigestError({ code: 'ABORTED', message: 'llama-cpp: generation aborted', cause: error });
    throw new XivdigestError({
      code: 'LLM_UNAVAILABLE',
      message: `llama-cpp: generation failed (${error instanceof Error ? error.message : String(error)})`,
      cause: error,
      isRetryable: true,
    });
  } finally {
    session.dispose({ disposeSequence: false });
  }
}

/** Tokens of the prompt as the chat wrapper renders it (system, user, the model turn's opening): the usage's input. */
function promptTokenCount(session: LlamaChatSession, model: LlamaModel, request: LlmRequest): number {
  const { contextText } = session.chatWrapper.generateContextState({
    chatHistory: [
      { type: 'system', text: request.system },
      { type: 'user', text: request.prompt },
      { type: 'model', response: [] },
    ],
  });
  return contextText.tokenize(model.tokenizer).length;
}

function bannedTokenBias({ TokenBias }: NodeLlamaCpp, model: LlamaModel, settings: LlamaCppProviderOptions): TokenBias | undefined {
  const banned = new Set<Token>();
  if (settings.banHighByteTokens) {
    for (const token of model.iterateAllTokens()) {
      // A byte token's text is its one byte: ASCII bytes come back as themselves, 0x80–0xFF as U+FFFD.
      if (model.getTokenAttributes(token).byte && !/^[\x00-\x7f]$/.test(model.detokenize([token]))) banned.add(token);
    }
  }
  const bias = new TokenBias(model.tokenizer);
  for (const entry of settings.bannedTokens ?? []) {
    if (typeof entry === 'number') banned.add(entry as Token);
    else bias.set(entry, 'never');
  }
  if (banned.size === 0 && !settings.bannedTokens?.length) return undefined;
  if (banned.size > 0) bias.set([...banned], 'never');
  return bias;
}

/**
 * Free sequences of the context, handed out first come, first served. `generate()` takes one for its whole call, so
 * at most `parallel` calls run at once; node-llama-cpp batches their tokens into shared evaluations.
 */
class SequencePool {
  private readonly waiters: { resolve: (sequence: LlamaContextSequence) => void; reject: (error: unknown) => void }[] = [];
  private closed = false;

  constructor(private readonly free: LlamaContextSequence[]) {}

  acquire(signal: AbortSignal | undefined): Promise<LlamaContextSequence> {
    if (this.closed) return Promise.reject(closedError());
    if (signal?.aborted) return Promise.reject(abortedWhileWaiting(signal));
    const sequence = this.free.pop();
    if (sequence) return Promise.resolve(sequence);
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (value: LlamaContextSequence) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(value);
        },
        reject: (error: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(abortedWhileWaiting(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(sequence: LlamaContextSequence): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(sequence);
    else this.free.push(sequence);
  }

  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter.reject(closedError());
  }
}

/**
 * The request's JSON Schema in the subset node-llama-cpp turns into a grammar. Its differences from JSON Schema: every
 * listed property is generated (`required` is implied) and `additionalProperties` defaults to false; `anyOf` becomes
 * `oneOf`; annotations other than `description` are dropped.
 */
export function toGrammarSchema(schema: JsonSchema): JsonSchema {
  const kept: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    switch (key) {
      case 'type':
      case 'const':
      case 'enum':
      case 'description':
      case 'minLength':
      case 'maxLength':
      case 'minItems':
      case 'maxItems':
      case 'minProperties':
      case 'maxProperties':
      case '$ref':
        kept[key] = value;
        break;
      case 'format':
        if (value === 'date-time' || value === 'date' || value === 'time') kept[key] = value;
        break;
      case 'properties':
      case '$defs':
        kept[key] = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([name, inner]) => [name, toGrammarSchema(inner)]));
        break;
      case 'items':
      case 'additionalProperties':
        kept[key] = typeof value === 'object' && value !== null ? toGrammarSchema(value as JsonSchema) : value;
        break;
      case 'prefixItems':
      case 'oneOf':
      case 'anyOf':
        kept[key === 'anyOf' ? 'oneOf' : key] = (value as JsonSchema[]).map(toGrammarSchema);
        break;
      default:
        break;
    }
  }
  return kept;
}

function anySignal(signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}

function closedError(): XivdigestError {
  return new XivdigestError({ code: 'LLM_UNAVAILABLE', message: 'llama-cpp: the provider was closed' });
}

function abortedWhileWaiting(signal: AbortSignal): XivdigestError {
  return new XivdigestError({ code: 'ABORTED', message: 'llama-cpp: aborted while waiting for a free sequence', cause: signal.reason });
}
