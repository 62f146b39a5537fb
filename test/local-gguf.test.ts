/** The benchmark's real-shape GGUF writer: Q4_K_M tensor types, the real file size of the default model, and files that load and generate. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel, readGgufFileInfo, type Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelShape, planTensors, toFloat16Bits, weightBytes, writeModelGguf, type ModelShape } from '../bench/local-gguf.js';
import { DEFAULT_MODEL } from '../src/llm/llama-cpp/model-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xivdigest-local-gguf-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A model with the real vocabulary and tokenizer but few, narrow layers: about 25 MB. */
const narrow = (arch: 'qwen2' | 'qwen3'): ModelShape => ({
  ...modelShape(arch === 'qwen2' ? 'qwen2.5-1.5b' : 'qwen3-1.7b'),
  id: `narrow-${arch}`,
  hidden: 256,
  layers: 2,
  heads: 2,
  kvHeads: 1,
  ...(arch === 'qwen3' ? { headDim: 128 } : {}),
  ffn: 512,
});

describe('real-shape GGUF writer', () => {
  it('plans the default model within 1% of the size of the real qwen2.5-1.5b-instruct-q4_k_m.gguf (its tensor data; the rest is the tokenizer)', () => {
    const bytes = weightBytes(modelShape('qwen2.5-1.5b'));
    expect(Math.abs(bytes - DEFAULT_MODEL.sizeBytes) / DEFAULT_MODEL.sizeBytes).toBeLessThan(0.01);
  });

  it("follows llama.cpp's Q4_K_M recipe: Q6_K for output and the use_more_bits layers of attn_v and ffn_down, Q5_0/Q8_0 for rows not a multiple of 256", () => {
    const plans = new Map(planTensors(modelShape('qwen2.5-1.5b')).map((plan) => [plan.name, plan.type]));
    expect(plans.get('output.weight')).toBe('Q6_K');
    expect(plans.get('token_embd.weight')).toBe('Q4_K');
    expect(plans.get('blk.0.attn_v.weight')).toBe('Q6_K'); // layer < 28/8
    expect(plans.get('blk.3.attn_v.weight')).toBe('Q4_K');
    expect(plans.get('blk.5.ffn_down.weight')).toBe('Q6_K'); // (5 - 3) % 3 == 2
    expect(plans.get('blk.27.ffn_down.weight')).toBe('Q6_K'); // layer >= 7*28/8
    expect(plans.get('blk.10.ffn_gate.weight')).toBe('Q4_K');
    expect(plans.get('blk.0.attn_q.bias')).toBe('F32');
    const small = new Map(planTensors(modelShape('qwen2.5-0.5b')).map((plan) => [plan.name, plan.type]));
    expect(small.get('blk.3.attn_q.weight')).toBe('Q5_0'); // rows of 896
    expect(small.get('output.weight')).toBe('Q8_0');
    expect(small.get('blk.3.ffn_down.weight')).toBe('Q4_K'); // rows of 4864 = 19 × 256
  });

  it('writes small finite fp16 scales', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(2e-3)).toBe(0x1818);
    expect(toFloat16Bits(1.5e-5)).toBeGreaterThan(0); // subnormal, not zero
    expect(toFloat16Bits(1.5e-5)).toBeLessThan(0x0400);
  });

  it.each(['qwen2', 'qwen3'] as const)('writes a %s file that node-llama-cpp reads, loads, tokenizes and generates from', async (arch) => {
    const shape = narrow(arch);
    const path = join(dir, `${shape.id}.gguf`);
    const written = await writeModelGguf(path, shape);
    expect(written.tensorBytes).toBe(weightBytes(shape));
    const info = await readGgufFileInfo(path);
    expect(info.metadata.general.architecture).toBe(arch);
    expect(info.tensorInfo?.length).toBe(planTensors(shape).length);
    expect(info.metadata.tokenizer.ggml.tokens.length).toBe(151_936);

    const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, usePrebuiltBinaries: true, maxThreads: 1, logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
    try {
      const tokens = model.tokenize('Tokenizers in llama.cpp: 中文 too.');
      expect(model.detokenize(tokens)).toBe('Tokenizers in llama.cpp: 中文 too.');
      const context = await model.createContext({ contextSize: 256, threads: 1 });
      const generated: Token[] = [];
      for await (const token of context.getSequence().evaluate(tokens, { temperature: 0 })) {
        generated.push(token);
        if (generated.length >= 4) break;
      }
      expect(generated).toHaveLength(4);
      await context.dispose();
    } finally {
      await model.dispose();
      await llama.dispose();
    }
  });
});
