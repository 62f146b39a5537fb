/** Choosing the local model and parallelism for the machine, and the start-of-run estimate line. */
import { describe, expect, it } from 'vitest';
import {
  calibrationFrom,
  chooseModel,
  chooseParallel,
  CPU_PARALLEL,
  describeLocalRun,
  formatDuration,
  GPU_PARALLEL,
  PAPER_TOKENS,
  SMALL_MODEL,
} from './plan.js';

const GiB = 2 ** 30;

describe('chooseModel', () => {
  it('keeps a configured model, takes the default when memory allows, and the 0.5B sibling when it does not', () => {
    expect(chooseModel('/models/x.gguf', 0.1 * GiB)).toEqual({ model: '/models/x.gguf', reason: 'configured' });
    expect(chooseModel(undefined, 8 * GiB)).toMatchObject({ model: undefined, reason: 'the default, 8.0 GiB of memory free' });
    const short = chooseModel(undefined, 1.2 * GiB);
    expect(short.model).toBe(SMALL_MODEL.uri);
    expect(short.reason).toMatch(/^0\.5B, as 1\.2 GiB of free memory is less than the 1\.\d GiB the default 1\.5B needs$/);
  });
});

describe('chooseParallel', () => {
  it('takes the configured number, else the CPU or GPU default, halved until the KV cache fits', () => {
    expect(chooseParallel({ configured: 3, gpu: false, freeBytes: 0, modelBytes: 0, contextSize: 4096 })).toEqual({ parallel: 3, reason: 'configured' });
    expect(chooseParallel({ gpu: false, freeBytes: 16 * GiB, modelBytes: 0, contextSize: 4096 }).parallel).toBe(CPU_PARALLEL);
    expect(chooseParallel({ gpu: 'cuda', freeBytes: 16 * GiB, modelBytes: 0, contextSize: 4096 })).toEqual({ parallel: GPU_PARALLEL, reason: 'cuda GPU' });
    const tight = chooseParallel({ gpu: 'cuda', freeBytes: 0.8 * GiB, modelBytes: 0, contextSize: 4096 });
    expect(tight.parallel).toBeLessThan(GPU_PARALLEL);
    expect(tight.reason).toMatch(/fewer for 0\.8 GiB free memory/);
    expect(chooseParallel({ gpu: false, freeBytes: 0, modelBytes: 0, contextSize: 4096 }).parallel).toBe(1);
  });
});

describe('the estimate', () => {
  it('costs a paper its prompt less the kept system prefix, plus its answer at the summed generation rate', () => {
    const calibration = calibrationFrom(100, 1, 40, 4); // 100 prompt tok/s, 10 generated tok/s
    expect(calibration.promptTps).toBe(100);
    expect(calibration.generatedTps).toBe(10);
    expect(calibration.secondsPerPaper).toBeCloseTo((PAPER_TOKENS.input - PAPER_TOKENS.system) / 100 + PAPER_TOKENS.output / 10);
  });

  it('formats durations for people', () => {
    expect(formatDuration(0.2)).toBe('1 s');
    expect(formatDuration(50)).toBe('50 s');
    expect(formatDuration(41 * 60)).toBe('41 min');
    expect(formatDuration(125 * 60)).toBe('2 h 5 min');
  });

  it('says the model, where it runs, the sequences and why, and how long the papers take', () => {
    const facts = {
      modelId: 'qwen2.5-1.5b-instruct-q4_k_m.gguf',
      threads: 2,
      parallel: 4,
      gpu: false as const,
      reason: 'model: the default; sequences: no GPU',
      calibration: { promptTps: 30, generatedTps: 8, secondsPerPaper: 16.2 },
    };
    expect(describeLocalRun(facts, 152)).toBe(
      'local model qwen2.5-1.5b-instruct-q4_k_m.gguf on the CPU (2 threads), 4 parallel sequences (model: the default; sequences: no GPU); ' +
        '152 papers ≈ 41 min on this CPU (measured 30 prompt and 8.0 generated tokens/s); set an API key (e.g. OPENAI_API_KEY) to finish in a minute',
    );
    expect(describeLocalRun({ ...facts, gpu: 'cuda', calibration: undefined }, 1)).toBe(
      'local model qwen2.5-1.5b-instruct-q4_k_m.gguf on the cuda GPU, 4 parallel sequences (model: the default; sequences: no GPU); 1 paper(s) to translate',
    );
  });
});
