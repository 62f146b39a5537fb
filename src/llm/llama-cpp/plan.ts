/**
 * How the local model runs on this machine, and how long a run will take: the model and parallelism chosen by memory
 * and GPU, the reason said in words, and a per-machine calibration (a quick probe after loading) turned into an
 * estimate for N papers. Figures and choices: bench/README.md ("Local model") and docs/decisions/0035.
 */
import { DEFAULT_MODEL } from './model-file.js';

/**
 * Tokens one paper costs, measured by bench/local-lengths.ts with Qwen's BPE vocabulary: `input` is the mean prompt
 * (ChatML system + user of prompts/paper-texts.v1.md) over the 966 `new` items of the shared RSS fixtures, `output`
 * the mean JSON answer (title, tldr, tldrEn, full abstract) predicted for those abstracts from the 2,943 real answers
 * in the shared corpus. `system` is the shared prefix a sequence keeps between papers.
 */
export const PAPER_TOKENS = Object.freeze({ input: 494, output: 323, system: 236 });

/** The smaller sibling used when memory is short (about 0.49 GB on disk; not pinned to a checksum). */
export const SMALL_MODEL = Object.freeze({ uri: 'hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf' });

/**
 * Parallel sequences on a CPU. bench:local (bench/README.md): for the 1.5B on 2 idle cores, 4 sequences give 364
 * papers/h against 328 for 1 (8 give 400, but `llm.concurrency` defaults to 4 calls in flight, so more sequences than
 * that would sit idle; set both to 8 for the last 10%). At 1 thread (the 1.5B) 1–8 sequences are within 8% of each other.
 */
export const CPU_PARALLEL = 4;
/** Parallel sequences on a GPU: not measured here (no GPU in this session); the same 4 as `llm.concurrency`. */
export const GPU_PARALLEL = 4;

/** KV cache bytes per token of context (f16 K and V) of Qwen2.5-1.5B: 28 layers × 2 × 256 × 2 bytes. */
const KV_BYTES_PER_TOKEN_1_5B = 28 * 2 * 256 * 2;
/** Compute buffers and runtime, beyond weights and KV cache. */
const OVERHEAD_BYTES = 400 * 2 ** 20;

export interface ModelChoice {
  /** The model option to use (undefined: the configured one, left as is). */
  model: string | undefined;
  /** Why, in words, for the start-of-run line. */
  reason: string;
}

/**
 * The default model for this machine when none is configured: Qwen2.5-1.5B unless the free memory cannot hold it
 * (weights plus one 4k sequence plus overhead), then Qwen2.5-0.5B. A configured model is always kept.
 */
export function chooseModel(configured: string | undefined, freeBytes: number): ModelChoice {
  if (configured !== undefined) return { model: configured, reason: 'configured' };
  const needed = DEFAULT_MODEL.sizeBytes + 4096 * KV_BYTES_PER_TOKEN_1_5B + OVERHEAD_BYTES;
  if (freeBytes < needed) {
    return { model: SMALL_MODEL.uri, reason: `0.5B, as ${gib(freeBytes)} of free memory is less than the ${gib(needed)} the default 1.5B needs` };
  }
  return { model: undefined, reason: `the default, ${gib(freeBytes)} of memory free` };
}

/**
 * Sequences per context: the configured number, else GPU_PARALLEL on a GPU and CPU_PARALLEL on a CPU, halved while
 * the KV cache of that many sequences (plus `modelBytes` still to load, and overhead) does not fit in `freeBytes`.
 */
export function chooseParallel(options: { configured?: number; gpu: string | false; freeBytes: number; modelBytes: number; contextSize: number }): {
  parallel: number;
  reason: string;
} {
  if (options.configured !== undefined) return { parallel: Math.max(1, Math.floor(options.configured)), reason: 'configured' };
  let parallel = options.gpu ? GPU_PARALLEL : CPU_PARALLEL;
  const why = options.gpu ? `${options.gpu} GPU` : 'no GPU, the fastest on a CPU in bench:local';
  const perSequence = options.contextSize * KV_BYTES_PER_TOKEN_1_5B;
  while (parallel > 1 && options.modelBytes + parallel * perSequence + OVERHEAD_BYTES > options.freeBytes) parallel = Math.floor(parallel / 2);
  const capped = parallel < (options.gpu ? GPU_PARALLEL : CPU_PARALLEL) ? `, fewer for ${gib(options.freeBytes)} free memory` : '';
  return { parallel, reason: `${why}${capped}` };
}

/** Throughput measured on this machine right after loading. */
export interface Calibration {
  /** Prompt tokens per second (one sequence). */
  promptTps: number;
  /** Generated tokens per second summed over the parallel sequences. */
  generatedTps: number;
  /** Seconds one paper costs at those rates: its prompt (less the kept system prefix) plus its answer. */
  secondsPerPaper: number;
}

/** Turns probe timings into a calibration with the measured paper lengths. */
export function calibrationFrom(promptTokens: number, promptSeconds: number, generatedTokens: number, generateSeconds: number): Calibration {
  const promptTps = promptTokens / Math.max(promptSeconds, 1e-6);
  const generatedTps = generatedTokens / Math.max(generateSeconds, 1e-6);
  const secondsPerPaper = (PAPER_TOKENS.input - PAPER_TOKENS.system) / promptTps + PAPER_TOKENS.output / generatedTps;
  return { promptTps, generatedTps, secondsPerPaper };
}

/** "41 min", "2 h 5 min", "50 s". */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Facts the start-of-run line needs (a subset of LlamaCppModelInfo). */
export interface LocalRunFacts {
  modelId: string;
  threads: number;
  parallel: number;
  gpu: string | false;
  /** Why this model and parallelism. */
  reason: string;
  calibration: Calibration | undefined;
}

/**
 * The line printed before a local-model run: which model, where, how many sequences and why, and how long the papers
 * will take ("152 papers ≈ 41 min on this CPU; set an API key to finish in a minute").
 */
export function describeLocalRun(facts: LocalRunFacts, papers: number): string {
  const where = facts.gpu ? `the ${facts.gpu} GPU` : `this CPU`;
  const setup = `local model ${facts.modelId} on ${facts.gpu ? `the ${facts.gpu} GPU` : `the CPU (${facts.threads} thread${facts.threads === 1 ? '' : 's'})`}, ${facts.parallel} parallel sequence${facts.parallel === 1 ? '' : 's'} (${facts.reason})`;
  if (!facts.calibration) return `${setup}; ${papers} paper(s) to translate`;
  const { promptTps, generatedTps, secondsPerPaper } = facts.calibration;
  return (
    `${setup}; ${papers} paper${papers === 1 ? '' : 's'} ≈ ${formatDuration(papers * secondsPerPaper)} on ${where} ` +
    `(measured ${promptTps.toFixed(0)} prompt and ${generatedTps.toFixed(1)} generated tokens/s); ` +
    'set an API key (e.g. OPENAI_API_KEY) to finish in a minute'
  );
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}
