/**
 * Writes GGUF files with the exact architecture, tensor shapes, vocabulary size and Q4_K_M tensor types of real
 * models (Qwen2.5 0.5B–7B, Qwen3 1.7B) and random weights, streamed to disk. llama.cpp's speed depends on shapes,
 * types and token counts, not on weight values, so these run at the real models' speed (docs/decisions/0035).
 */
import { randomFillSync } from 'node:crypto';
import { open } from 'node:fs/promises';

// GGUF v3 (ggml-org/ggml docs/gguf.md): little-endian header, metadata, tensor infos, padding, tensor data.
const GGUF_MAGIC = 0x46554747;
const ALIGNMENT = 32;
const enum ValueType {
  Uint32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
}

/** ggml tensor types used by llama.cpp's Q4_K_M recipe, with their block layouts (ggml-common.h). */
export const GGML = {
  F32: { id: 0, blockWeights: 1, blockBytes: 4 },
  Q5_0: { id: 6, blockWeights: 32, blockBytes: 22 }, // fp16 d, qh[4], qs[16]
  Q8_0: { id: 8, blockWeights: 32, blockBytes: 34 }, // fp16 d, qs[32]
  Q4_K: { id: 12, blockWeights: 256, blockBytes: 144 }, // fp16 d, fp16 dmin, scales[12], qs[128]
  Q6_K: { id: 14, blockWeights: 256, blockBytes: 210 }, // ql[128], qh[64], int8 scales[16], fp16 d (last)
} as const;
export type GgmlTypeName = keyof typeof GGML;

/** Offsets of the fp16 scale fields in each block, and the small finite value written there. */
const SCALES: Record<Exclude<GgmlTypeName, 'F32'>, { offsets: number[]; value: number }> = {
  Q5_0: { offsets: [0], value: 2e-3 },
  Q8_0: { offsets: [0], value: 3e-4 },
  Q4_K: { offsets: [0, 2], value: 5e-5 },
  Q6_K: { offsets: [208], value: 1.5e-5 },
};

/** The hyperparameters of one model, as in its Hugging Face config.json. */
export interface ModelShape {
  /** Short id used by the benchmark, e.g. `qwen2.5-1.5b`. */
  id: string;
  /** The file users download, for the tables. */
  realFile: string;
  /** Its size on Hugging Face, when known (a check of the writer). */
  realBytes?: number;
  arch: 'qwen2' | 'qwen3';
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  /** Per-head width; default hidden / heads. */
  headDim?: number;
  ffn: number;
  vocab: number;
  contextLength: number;
  ropeTheta: number;
  /** Whether the file holds a separate output.weight (Qwen's own Qwen2.5 GGUFs do, even for tied models). */
  separateOutput: boolean;
}

const qwen25 = (id: string, realFile: string, hidden: number, layers: number, heads: number, kvHeads: number, ffn: number, realBytes?: number): ModelShape => ({
  id,
  realFile,
  arch: 'qwen2',
  hidden,
  layers,
  heads,
  kvHeads,
  ffn,
  vocab: 151_936,
  contextLength: 32_768,
  ropeTheta: 1_000_000,
  separateOutput: true,
  ...(realBytes ? { realBytes } : {}),
});

/** Shapes from each model's config.json on Hugging Face (hidden_size, num_hidden_layers, heads, KV heads, intermediate_size). */
export const MODEL_SHAPES: readonly ModelShape[] = [
  qwen25('qwen2.5-0.5b', 'Qwen/Qwen2.5-0.5B-Instruct-GGUF qwen2.5-0.5b-instruct-q4_k_m.gguf', 896, 24, 14, 2, 4864),
  qwen25('qwen2.5-1.5b', 'Qwen/Qwen2.5-1.5B-Instruct-GGUF qwen2.5-1.5b-instruct-q4_k_m.gguf', 1536, 28, 12, 2, 8960, 1_117_320_736),
  qwen25('qwen2.5-3b', 'Qwen/Qwen2.5-3B-Instruct-GGUF qwen2.5-3b-instruct-q4_k_m.gguf', 2048, 36, 16, 2, 11008),
  qwen25('qwen2.5-7b', 'Qwen/Qwen2.5-7B-Instruct-GGUF qwen2.5-7b-instruct-q4_k_m.gguf', 3584, 28, 28, 4, 18944),
  {
    id: 'qwen3-1.7b',
    realFile: 'Qwen/Qwen3-1.7B (Q4_K_M as llama-quantize makes it)',
    arch: 'qwen3',
    hidden: 2048,
    layers: 28,
    heads: 16,
    kvHeads: 8,
    headDim: 128,
    ffn: 6144,
    vocab: 151_936,
    contextLength: 40_960,
    ropeTheta: 1_000_000,
    separateOutput: false,
  },
];

/** llama.cpp's use_more_bits(): the layers Q4_K_M gives Q6_K for attn_v and ffn_down. */
function useMoreBits(layer: number, layers: number): boolean {
  return layer < Math.trunc(layers / 8) || layer >= Math.trunc((7 * layers) / 8) || (layer - Math.trunc(layers / 8)) % 3 === 2;
}

/** The type llama-quantize's Q4_K_M recipe gives a 2-D weight whose rows are `rowLength` long (llama-quant.cpp). */
function q4kmType(kind: 'default' | 'more-bits' | 'output', rowLength: number): GgmlTypeName {
  const wanted: GgmlTypeName = kind === 'default' ? 'Q4_K' : 'Q6_K';
  if (rowLength % 256 === 0) return wanted;
  // Rows that are not a multiple of 256 cannot hold k-quant blocks: llama.cpp falls back to Q5_0 / Q8_0.
  return wanted === 'Q4_K' ? 'Q5_0' : 'Q8_0';
}

interface TensorPlan {
  name: string;
  /** ggml order: the row length first. */
  shape: number[];
  type: GgmlTypeName;
  bytes: number;
  /** For F32 tensors: the constant to fill with. */
  fill?: number;
}

function tensorBytes(shape: number[], type: GgmlTypeName): number {
  const { blockWeights, blockBytes } = GGML[type];
  const [rowLength = 1, ...rest] = shape;
  if (rowLength % blockWeights !== 0) throw new Error(`${type} needs rows of a multiple of ${blockWeights} weights, got ${rowLength}`);
  return (rowLength / blockWeights) * blockBytes * rest.reduce((a, b) => a * b, 1);
}

/** Every tensor of the model, in the order llama.cpp's converter writes them. */
export function planTensors(shape: ModelShape): TensorPlan[] {
  const headDim = shape.headDim ?? shape.hidden / shape.heads;
  const qWidth = shape.heads * headDim;
  const kvWidth = shape.kvHeads * headDim;
  const plans: TensorPlan[] = [];
  const weight = (name: string, dims: number[], kind: 'default' | 'more-bits' | 'output'): void => {
    const type = q4kmType(kind, dims[0]!);
    plans.push({ name, shape: dims, type, bytes: tensorBytes(dims, type) });
  };
  const vector = (name: string, length: number, fill: number): void => void plans.push({ name, shape: [length], type: 'F32', bytes: length * 4, fill });
  // Tied models without a separate output tensor get the output's type (Q6_K) on the embeddings.
  weight('token_embd.weight', [shape.hidden, shape.vocab], shape.separateOutput ? 'default' : 'output');
  for (let layer = 0; layer < shape.layers; layer++) {
    const more = useMoreBits(layer, shape.layers) ? 'more-bits' : 'default';
    const blk = `blk.${layer}`;
    vector(`${blk}.attn_norm.weight`, shape.hidden, 1);
    weight(`${blk}.attn_q.weight`, [shape.hidden, qWidth], 'default');
    weight(`${blk}.attn_k.weight`, [shape.hidden, kvWidth], 'default');
    weight(`${blk}.attn_v.weight`, [shape.hidden, kvWidth], more);
    if (shape.arch === 'qwen2') {
      vector(`${blk}.attn_q.bias`, qWidth, 0);
      vector(`${blk}.attn_k.bias`, kvWidth, 0);
      vector(`${blk}.attn_v.bias`, kvWidth, 0);
    } else {
      vector(`${blk}.attn_q_norm.weight`, headDim, 1);
      vector(`${blk}.attn_k_norm.weight`, headDim, 1);
    }
    weight(`${blk}.attn_output.weight`, [qWidth, shape.hidden], 'default');
    vector(`${blk}.ffn_norm.weight`, shape.hidden, 1);
    weight(`${blk}.ffn_gate.weight`, [shape.hidden, shape.ffn], 'default');
    weight(`${blk}.ffn_up.weight`, [shape.hidden, shape.ffn], 'default');
    weight(`${blk}.ffn_down.weight`, [shape.ffn, shape.hidden], more);
  }
  vector('output_norm.weight', shape.hidden, 1);
  if (shape.separateOutput) weight('output.weight', [shape.hidden, shape.vocab], 'output');
  return plans;
}

/** Bytes of tensor data (what every decoded token reads once). */
export function weightBytes(shape: ModelShape): number {
  return planTensors(shape).reduce((sum, plan) => sum + plan.bytes, 0);
}

// GPT-2's byte-to-unicode map: byte-level BPE vocabularies spell each byte as one printable character.
function byteChars(): string[] {
  const direct = new Set<number>();
  for (let b = 0x21; b <= 0x7e; b++) direct.add(b);
  for (let b = 0xa1; b <= 0xac; b++) direct.add(b);
  for (let b = 0xae; b <= 0xff; b++) direct.add(b);
  const chars: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) chars.push(String.fromCodePoint(direct.has(b) ? b : 256 + extra++));
  return chars;
}

const TOKEN_NORMAL = 1,
  TOKEN_CONTROL = 3;
/** Qwen's special tokens sit right after its 151,643 BPE tokens. */
const QWEN_BPE_TOKENS = 151_643;
export const QWEN_SPECIAL = { endOfText: 151_643, imStart: 151_644, imEnd: 151_645 } as const;

/**
 * A byte-level BPE vocabulary of the model's size that llama.cpp's `gpt2` tokenizer loads: the 256 byte tokens,
 * then every byte pair, then pair+byte triples (each with its merge), then Qwen's special tokens and padding.
 */
function vocabulary(size: number): { tokens: string[]; types: number[]; merges: string[] } {
  const bytes = byteChars();
  const tokens = [...bytes];
  const merges: string[] = [];
  outer: for (const a of bytes) {
    for (const b of bytes) {
      if (tokens.length >= QWEN_BPE_TOKENS) break outer;
      tokens.push(a + b);
      merges.push(`${a} ${b}`);
    }
  }
  for (let pair = 256; tokens.length < QWEN_BPE_TOKENS; pair++) {
    for (const c of bytes) {
      if (tokens.length >= QWEN_BPE_TOKENS) break;
      tokens.push(tokens[pair]! + c);
      merges.push(`${tokens[pair]!} ${c}`);
    }
  }
  const types: number[] = tokens.map(() => TOKEN_NORMAL);
  const specials = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
  while (tokens.length < size) {
    tokens.push(specials[tokens.length - QWEN_BPE_TOKENS] ?? `[PAD${tokens.length}]`);
    types.push(TOKEN_CONTROL);
  }
  return { tokens, types, merges };
}

const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

type MetadataValue =
  | { type: ValueType.Uint32 | ValueType.Float32 | ValueType.Bool; value: number | boolean }
  | { type: ValueType.String; value: string }
  | { type: ValueType.Array; items: ValueType.String | ValueType.Int32; values: (string | number)[] };

class Chunks {
  parts: Buffer[] = [];
  length = 0;
  push(buffer: Buffer): void {
    this.parts.push(buffer);
    this.length += buffer.length;
  }
  u32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value);
    this.push(b);
  }
  i32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(value);
    this.push(b);
  }
  u64(value: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(value));
    this.push(b);
  }
  f32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.push(b);
  }
  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  pad(): void {
    const rest = (ALIGNMENT - (this.length % ALIGNMENT)) % ALIGNMENT;
    if (rest) this.push(Buffer.alloc(rest));
  }
  value(entry: MetadataValue): void {
    this.u32(entry.type);
    if (entry.type === ValueType.String) return this.string(entry.value);
    if (entry.type === ValueType.Array) {
      this.u32(entry.items);
      this.u64(entry.values.length);
      for (const item of entry.values) {
        if (entry.items === ValueType.String) this.string(item as string);
        else this.i32(item as number);
      }
      return;
    }
    if (entry.type === ValueType.Bool) return this.push(Buffer.from([entry.value ? 1 : 0]));
    if (entry.type === ValueType.Float32) return this.f32(entry.value as number);
    this.u32(entry.value as number);
  }
}

/** IEEE half precision bits of a small positive number (normal or subnormal). */
export function toFloat16Bits(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0]!;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (exponent <= 0) return Math.round(value / 2 ** -24) & 0x3ff; // subnormal: value = m × 2^-24
  if (exponent >= 31) throw new Error(`${value} does not fit in fp16`);
  return (exponent << 10) | (mantissa >>> 13);
}

/** A few MiB of random but valid blocks of one type: random quants, small finite fp16 scales. */
function blockPool(type: GgmlTypeName, seed: number): Buffer {
  const { blockBytes } = GGML[type];
  const blocks = Math.ceil((4 << 20) / blockBytes);
  const pool = Buffer.alloc(blocks * blockBytes);
  randomFillSync(pool);
  if (type === 'F32') return pool;
  const { offsets, value } = SCALES[type];
  for (let block = 0; block < blocks; block++) {
    // Vary the scale a little per block so the data is not periodic at the block size.
    const bits = toFloat16Bits(value * (0.5 + ((block * 2654435761 + seed) % 1024) / 1024));
    for (const offset of offsets) pool.writeUInt16LE(bits, block * blockBytes + offset);
  }
  return pool;
}

export interface WrittenModel {
  path: string;
  bytes: number;
  tensorBytes: number;
  vocab: number;
  tensors: number;
}

/** Writes `shape` as a Q4_K_M GGUF with random weights to `path`, streaming (memory use stays at a few MiB). */
export async function writeModelGguf(path: string, shape: ModelShape, options: { seed?: number } = {}): Promise<WrittenModel> {
  const seed = options.seed ?? 1;
  const headDim = shape.headDim ?? shape.hidden / shape.heads;
  const { tokens, types, merges } = vocabulary(shape.vocab);
  const a = shape.arch;
  const u32 = (value: number): MetadataValue => ({ type: ValueType.Uint32, value });
  const f32 = (value: number): MetadataValue => ({ type: ValueType.Float32, value });
  const str = (value: string): MetadataValue => ({ type: ValueType.String, value });
  const metadata: [string, MetadataValue][] = [
    ['general.architecture', str(a)],
    ['general.name', str(`xivdigest random-weight ${shape.id}`)],
    ['general.alignment', u32(ALIGNMENT)],
    ['general.file_type', u32(15)], // LLAMA_FTYPE_MOSTLY_Q4_K_M
    [`${a}.context_length`, u32(shape.contextLength)],
    [`${a}.embedding_length`, u32(shape.hidden)],
    [`${a}.block_count`, u32(shape.layers)],
    [`${a}.feed_forward_length`, u32(shape.ffn)],
    [`${a}.attention.head_count`, u32(shape.heads)],
    [`${a}.attention.head_count_kv`, u32(shape.kvHeads)],
    [`${a}.rope.freq_base`, f32(shape.ropeTheta)],
    [`${a}.attention.layer_norm_rms_epsilon`, f32(1e-6)],
    ...(shape.headDim
      ? ([
          [`${a}.attention.key_length`, u32(headDim)],
          [`${a}.attention.value_length`, u32(headDim)],
        ] as [string, MetadataValue][])
      : []),
    ['tokenizer.ggml.model', str('gpt2')],
    ['tokenizer.ggml.pre', str('qwen2')],
    ['tokenizer.ggml.tokens', { type: ValueType.Array, items: ValueType.String, values: tokens }],
    ['tokenizer.ggml.token_type', { type: ValueType.Array, items: ValueType.Int32, values: types }],
    ['tokenizer.ggml.merges', { type: ValueType.Array, items: ValueType.String, values: merges }],
    ['tokenizer.ggml.eos_token_id', u32(QWEN_SPECIAL.imEnd)],
    ['tokenizer.ggml.padding_token_id', u32(QWEN_SPECIAL.endOfText)],
    ['tokenizer.ggml.bos_token_id', u32(QWEN_SPECIAL.endOfText)],
    ['tokenizer.ggml.add_bos_token', { type: ValueType.Bool, value: false }],
    ['tokenizer.chat_template', str(CHATML_TEMPLATE)],
  ];
  const plans = planTensors(shape);
  const head = new Chunks();
  head.u32(GGUF_MAGIC);
  head.u32(3);
  head.u64(plans.length);
  head.u64(metadata.length);
  for (const [key, value] of metadata) {
    head.string(key);
    head.value(value);
  }
  let offset = 0;
  for (const plan of plans) {
    head.string(plan.name);
    head.u32(plan.shape.length);
    for (const dimension of plan.shape) head.u64(dimension);
    head.u32(GGML[plan.type].id);
    head.u64(offset);
    offset += Math.ceil(plan.bytes / ALIGNMENT) * ALIGNMENT;
  }
  head.pad();

  const pools = new Map<GgmlTypeName, Buffer>();
  const file = await open(path, 'w');
  let written = 0;
  const write = async (buffer: Buffer): Promise<void> => {
    let done = 0;
    while (done < buffer.length) done += (await file.write(buffer, done, buffer.length - done)).bytesWritten;
    written += buffer.length;
  };
  try {
    await write(Buffer.concat(head.parts));
    let tensorBytes = 0;
    for (const [index, plan] of plans.entries()) {
      if (plan.type === 'F32') {
        const data = Buffer.alloc(plan.bytes);
        for (let i = 0; i < plan.bytes; i += 4) data.writeFloatLE(plan.fill ?? 0, i);
        await write(data);
      } else {
        let pool = pools.get(plan.type);
        if (!pool) pools.set(plan.type, (pool = blockPool(plan.type, seed)));
        const blockBytes = GGML[plan.type].blockBytes;
        // Start each tensor at a different block of the pool, so no two tensors are the same bytes.
        let start = ((index * 7919 + seed) % (pool.length / blockBytes)) * blockBytes;
        for (let left = plan.bytes; left > 0;) {
          const take = Math.min(left, pool.length - start);
          await write(pool.subarray(start, start + take));
          left -= take;
          start = 0;
        }
      }
      tensorBytes += plan.bytes;
      const rest = (ALIGNMENT - (plan.bytes % ALIGNMENT)) % ALIGNMENT;
      if (rest) await write(Buffer.alloc(rest));
    }
    return { path, bytes: written, tensorBytes, vocab: shape.vocab, tensors: plans.length };
  } finally {
    await file.close();
  }
}

/** Looks a shape up by id; throws with the list when unknown. */
export function modelShape(id: string): ModelShape {
  const found = MODEL_SHAPES.find((shape) => shape.id === id);
  if (!found) throw new Error(`unknown model ${id}; known: ${MODEL_SHAPES.map((shape) => shape.id).join(', ')}`);
  return found;
}
