/**
 * The local model at its real size: writes random-weight GGUFs with the exact shapes and Q4_K_M types of Qwen2.5
 * 0.5B/1.5B/3B/7B (and Qwen3 1.7B), then measures prompt and generated tokens per second for 1, 2, 4 and 8 parallel
 * sequences of one context and 1 or 2 threads, with the token lengths real papers have (bench/local-lengths.ts), and
 * compares decoding with the memory-bandwidth bound measured on the same machine.
 *
 *   npm run bench:local                               all models, threads 1 and 2, parallel 1, 2, 4, 8
 *   XIVDIGEST_BENCH_SHORT=1 npm run bench:local       0.5B only, few tokens (a smoke run of a minute)
 *   XIVDIGEST_BENCH_MODELS=qwen2.5-1.5b,qwen2.5-7b XIVDIGEST_BENCH_THREADS=2 XIVDIGEST_BENCH_PARALLEL=1,4 npm run bench:local
 *   XIVDIGEST_BENCH_GPU=1 npm run bench:local         lets node-llama-cpp use CUDA/Vulkan/Metal (all layers on the GPU)
 *
 * Files go to a temp folder (7B is 4.7 GB) and are deleted after each model. Never asserts a timing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel, type LlamaContextSequence, type LlamaModel, type Token } from 'node-llama-cpp';
import { PAPER_TOKENS } from '../src/llm/llama-cpp/plan.js';
import { modelShape, MODEL_SHAPES, weightBytes, writeModelGguf, type ModelShape } from './local-gguf.js';

const short = process.env.XIVDIGEST_BENCH_SHORT === '1';
const list = (name: string, fallback: string): string[] =>
  (process.env[name] ?? fallback)
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const models = list('XIVDIGEST_BENCH_MODELS', short ? 'qwen2.5-0.5b' : MODEL_SHAPES.map((shape) => shape.id).join(',')).map(modelShape);
const threadCounts = list('XIVDIGEST_BENCH_THREADS', short ? '1' : '1,2').map(Number);
const parallels = list('XIVDIGEST_BENCH_PARALLEL', short ? '1,2' : '1,2,4,8').map(Number);
const gpu = process.env.XIVDIGEST_BENCH_GPU === '1';

const big = (shape: ModelShape): boolean => weightBytes(shape) > 3e9;
/** Tokens evaluated to time the prompt: the real prompt length, fewer for the 7B on a CPU to bound the run. */
function promptProbe(shape: ModelShape): number {
  if (short) return 64;
  return big(shape) && !gpu ? 128 : PAPER_TOKENS.input;
}
/**
 * Tokens each sequence holds before decoding starts. Decoding at position 32 instead of 500–800 leaves out a few % of
 * attention work (for the 1.5B at 800 tokens, attention is about 5% of the multiply-adds): figures are slightly high.
 */
function fillProbe(shape: ModelShape): number {
  if (short) return 16;
  if (gpu) return PAPER_TOKENS.input;
  return big(shape) ? 16 : 32;
}
/** Generated tokens per sequence for the timing. */
function decodeSteps(shape: ModelShape): number {
  if (short) return 8;
  if (gpu) return 128;
  return big(shape) ? 6 : weightBytes(shape) > 1.5e9 ? 10 : weightBytes(shape) > 0.8e9 ? 16 : 24;
}

interface Row {
  model: string;
  weightGb: number;
  threads: number;
  parallel: number;
  promptTps: number;
  genTps: number;
  genPerSeqTps: number;
  secondsPerPaper: number;
  papersPerHour: number;
  boundTps: number | undefined;
}

/** Read bandwidth in GB/s: a tiny C program (built here with cc) summing a 1 GiB buffer with 1 and 2 threads. */
function measureBandwidth(dir: string): Promise<Record<number, number> | undefined> {
  const source = `
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define BYTES (1UL << 30)
static uint64_t *buf; static int nthreads; static volatile uint64_t sink;
static void *reader(void *arg) {
  long id = (long)arg; size_t n = BYTES / 8 / nthreads; uint64_t *p = buf + id * n; uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (size_t i = 0; i + 4 <= n; i += 4) { s0 += p[i]; s1 += p[i + 1]; s2 += p[i + 2]; s3 += p[i + 3]; }
  sink += s0 + s1 + s2 + s3; return 0;
}
int main(int argc, char **argv) {
  nthreads = atoi(argv[1]); buf = malloc(BYTES); for (size_t i = 0; i < BYTES / 8; i++) buf[i] = i;
  double best = 0;
  for (int rep = 0; rep < 5; rep++) {
    struct timespec a, b; pthread_t t[64]; clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < nthreads; i++) pthread_create(&t[i], 0, reader, (void *)i);
    for (int i = 0; i < nthreads; i++) pthread_join(t[i], 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9, gbs = BYTES / s / 1e9; if (gbs > best) best = gbs;
  }
  printf("%.2f\\n", best); return 0;
}`;
  return (async () => {
    const cc = ['cc', 'gcc', 'clang'].find((name) => {
      try {
        execFileSync(name, ['--version'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    });
    if (!cc) {
      console.log('memory bandwidth: skipped (no C compiler on PATH)');
      return undefined;
    }
    await writeFile(join(dir, 'bandwidth.c'), source);
    execFileSync(cc, ['-O2', '-pthread', '-o', join(dir, 'bandwidth'), join(dir, 'bandwidth.c')]);
    const result: Record<number, number> = {};
    for (const threads of [...new Set([1, 2, ...threadCounts])]) {
      result[threads] = Number(execFileSync(join(dir, 'bandwidth'), [String(threads)], { encoding: 'utf8' }).trim());
    }
    return result;
  })();
}

function randomTokens(count: number, vocab: number, seed: number): Token[] {
  let state = seed >>> 0 || 1;
  return Array.from({ length: count }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) % 151_000) as Token; // ordinary BPE tokens only, never the specials at the end
  }).slice(0, Math.min(count, vocab));
}

/** Decodes `steps` tokens on the sequence, whatever it samples (end-of-turn included): the answer's length is fixed. */
async function decode(sequence: LlamaContextSequence, first: Token, steps: number): Promise<void> {
  let produced = 0;
  const iterator = sequence.evaluate([first], { temperature: 0.2, seed: 1 });
  for await (const token of iterator) {
    void token;
    if (++produced >= steps) break;
  }
}

/** Prompt tokens/s of one paper's prompt on one sequence (a paper enters alone; the others decode meanwhile). */
async function measurePrompt(model: LlamaModel, shape: ModelShape, threads: number): Promise<number> {
  const prompt = promptProbe(shape);
  const context = await model.createContext({ sequences: 1, contextSize: prompt + 64, threads, batchSize: 512 });
  try {
    const started = performance.now();
    await context.getSequence().evaluateWithoutGeneratingNewTokens(randomTokens(prompt, shape.vocab, 7));
    return prompt / ((performance.now() - started) / 1000);
  } finally {
    await context.dispose();
  }
}

async function measure(
  model: LlamaModel,
  shape: ModelShape,
  threads: number,
  parallel: number,
  promptTps: number,
  bandwidth: Record<number, number> | undefined,
): Promise<Row> {
  const fill = fillProbe(shape);
  const steps = decodeSteps(shape);
  const context = await model.createContext({ sequences: parallel, contextSize: fill + steps + 64, threads, batchSize: 512 });
  try {
    const sequences = Array.from({ length: parallel }, () => context.getSequence());
    await Promise.all(sequences.map((sequence, index) => sequence.evaluateWithoutGeneratingNewTokens(randomTokens(fill, shape.vocab, 11 + index))));
    const started = performance.now();
    await Promise.all(sequences.map((sequence, index) => decode(sequence, (100 + index) as Token, steps)));
    const seconds = (performance.now() - started) / 1000;
    const genTps = (parallel * steps) / seconds;
    // A paper costs its prompt (less the system prefix each sequence keeps between papers) and its answer's tokens at
    // the aggregate rate the parallel sequences reach; the product's estimate (src/llm/llama-cpp/plan.ts) is the same.
    const secondsPerPaper = (PAPER_TOKENS.input - PAPER_TOKENS.system) / promptTps + PAPER_TOKENS.output / genTps;
    const bw = bandwidth?.[threads];
    return {
      model: shape.id,
      weightGb: weightBytes(shape) / 1e9,
      threads,
      parallel,
      promptTps,
      genTps,
      genPerSeqTps: steps / seconds,
      secondsPerPaper,
      papersPerHour: 3600 / secondsPerPaper,
      boundTps: bw ? (bw * 1e9 * parallel) / weightBytes(shape) : undefined,
    };
  } finally {
    await context.dispose();
  }
}

const fixed = (value: number | undefined, digits = 1): string => (value === undefined ? 'n/a' : value.toFixed(digits));

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'xivdigest-bench-local-'));
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
  console.log(`paper: ${PAPER_TOKENS.input} prompt tokens, ${PAPER_TOKENS.output} answer tokens (bench/local-lengths.ts)${short ? '; SHORT mode' : ''}`);
  try {
    const bandwidth = gpu ? undefined : await measureBandwidth(dir);
    if (bandwidth)
      console.log(
        `memory read bandwidth: ${Object.entries(bandwidth)
          .map(([threads, gbs]) => `${gbs} GB/s with ${threads} thread(s)`)
          .join(', ')}`,
      );
    const llama = await getLlama({
      gpu: gpu ? 'auto' : false,
      build: 'never',
      skipDownload: true,
      usePrebuiltBinaries: true,
      progressLogs: false,
      maxThreads: Math.max(...threadCounts),
      logLevel: LlamaLogLevel.error,
    });
    console.log(`llama.cpp: ${llama.gpu || 'CPU'} build${gpu ? `, GPU: ${(await llama.getGpuDeviceNames()).join(', ') || 'none'}` : ''}`);
    const rows: Row[] = [];
    console.log(
      '\n| model | weights GB | threads | parallel | prompt tok/s | gen tok/s (all seqs) | gen tok/s per seq | bound tok/s | s/paper | papers/h | load |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const shape of models) {
      const path = join(dir, `${shape.id}.gguf`);
      const written = await writeModelGguf(path, shape);
      const model = await llama.loadModel({ modelPath: path, gpuLayers: gpu ? 'max' : 0 });
      try {
        for (const threads of threadCounts) {
          const promptTps = await measurePrompt(model, shape, threads);
          for (const parallel of parallels) {
            const row = await measure(model, shape, threads, parallel, promptTps, bandwidth);
            rows.push(row);
            console.log(
              `| ${row.model} | ${fixed(written.tensorBytes / 1e9, 2)} | ${gpu ? 'GPU' : threads} | ${parallel} | ${fixed(row.promptTps)} | ${fixed(row.genTps)} | ${fixed(row.genPerSeqTps)} | ${fixed(row.boundTps)} | ${fixed(row.secondsPerPaper)} | ${fixed(row.papersPerHour, 0)} | ${fixed(loadavg()[0], 1)} |`,
            );
          }
        }
      } finally {
        await model.dispose();
        await rm(path, { force: true });
      }
    }
    const best = new Map<string, Row>();
    for (const row of rows) if ((best.get(row.model)?.papersPerHour ?? 0) < row.papersPerHour) best.set(row.model, row);
    console.log('\nfastest configuration per model (150 / 300 papers = one cs.CL day):');
    for (const row of best.values()) {
      console.log(
        `  ${row.model}: threads ${row.threads}, parallel ${row.parallel}: ${fixed(row.papersPerHour, 0)} papers/h; 150 papers ≈ ${fixed((150 * row.secondsPerPaper) / 60, 0)} min, 300 ≈ ${fixed((300 * row.secondsPerPaper) / 60, 0)} min`,
      );
    }
    console.log(
      `\nload average after: ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}`,
    );
    await llama.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (!existsSync(tmpdir())) throw new Error(`no temp folder at ${tmpdir()}`);
await main();
