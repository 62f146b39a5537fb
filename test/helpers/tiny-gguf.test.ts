/** Checks the tiny GGUF maker: a valid GGUF v3 file (read back by node-llama-cpp's own parser), deterministic per seed. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyGguf } from './tiny-gguf.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xivdigest-tiny-gguf-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeTinyGguf', () => {
  it('writes a GGUF v3 header, about half a megabyte, with tensor data aligned to 32 bytes', async () => {
    const info = await writeTinyGguf(join(dir, 'a.gguf'), { seed: 1 });
    const bytes = await readFile(info.path);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('GGUF');
    expect(bytes.readUInt32LE(4)).toBe(3);
    expect(Number(bytes.readBigUInt64LE(8))).toBe(3 + 9 * 2); // token_embd, output_norm, output + 9 per block
    expect(bytes.length).toBe(info.bytes);
    expect(info.bytes).toBeGreaterThan(300_000);
    expect(info.bytes).toBeLessThan(800_000);
    expect(info.bytes % 32).toBe(0);
  });

  it('is read back by node-llama-cpp with every key llama.cpp needs for the llama architecture', async () => {
    const info = await writeTinyGguf(join(dir, 'b.gguf'), { seed: 2 });
    const file = await readGgufFileInfo(info.path, { logWarnings: false });
    const metadata = file.metadata as unknown as Record<string, Record<string, unknown>>;
    expect(metadata.general?.architecture).toBe('llama');
    expect(metadata.general?.alignment).toBe(32);
    const llama = metadata.llama as Record<string, unknown> & { attention: Record<string, unknown>; rope: Record<string, unknown> };
    expect(llama).toMatchObject({ context_length: 2048, embedding_length: 64, block_count: 2, feed_forward_length: 128 });
    expect(llama.attention).toMatchObject({ head_count: 2, head_count_kv: 2 });
    expect(llama.attention.layer_norm_rms_epsilon).toBeCloseTo(1e-5, 8);
    expect(llama.rope.dimension_count).toBe(32);

    const tokenizer = (metadata.tokenizer as Record<string, Record<string, unknown>>).ggml!;
    expect(tokenizer.model).toBe('llama');
    const tokens = tokenizer.tokens as string[];
    const types = tokenizer.token_type as number[];
    expect(tokens).toHaveLength(info.vocabularySize);
    expect(tokens.slice(0, 3)).toEqual(['<unk>', '<s>', '</s>']);
    expect(tokens[info.firstByteToken]).toBe('<0x00>');
    expect(tokens[info.firstByteToken + 0xff]).toBe('<0xFF>');
    expect(types.slice(info.firstByteToken, info.firstByteToken + 256).every((type) => type === 6)).toBe(true);
    expect(tokens).toContain('"');
    expect(tokens).toContain('的');
    expect(tokenizer.bos_token_id).toBe(1);
    expect(tokenizer.eos_token_id).toBe(2);

    const names = file.fullTensorInfo?.map((tensor) => tensor.name) ?? [];
    expect(names).toEqual(expect.arrayContaining(['token_embd.weight', 'output_norm.weight', 'output.weight']));
    for (const part of ['attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down']) {
      expect(names).toContain(`blk.1.${part}.weight`);
    }
    const embedding = file.fullTensorInfo?.find((tensor) => tensor.name === 'token_embd.weight');
    expect(embedding?.dimensions.map(Number)).toEqual([64, info.vocabularySize]);
    expect(file.fullTensorInfo?.every((tensor) => Number(tensor.offset) % 32 === 0)).toBe(true);
  });

  it('writes the same bytes for the same seed and different weights for another', async () => {
    const first = await readFile((await writeTinyGguf(join(dir, 'c1.gguf'), { seed: 7 })).path);
    const again = await readFile((await writeTinyGguf(join(dir, 'c2.gguf'), { seed: 7 })).path);
    const other = await readFile((await writeTinyGguf(join(dir, 'c3.gguf'), { seed: 8 })).path);
    expect(again.equals(first)).toBe(true);
    expect(other.length).toBe(first.length);
    expect(other.equals(first)).toBe(false);
  });

  it('refuses a bias for a piece the vocabulary lacks', async () => {
    await expect(writeTinyGguf(join(dir, 'd.gguf'), { pieceBias: { '§§': 1 } })).rejects.toThrow(/no piece/);
  });
});
