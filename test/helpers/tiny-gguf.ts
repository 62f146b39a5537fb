/** Writes a tiny random-weight llama GGUF (about 0.5 MB) at test time, so tests run the real llama.cpp without a download. */
import { writeFile } from 'node:fs/promises';
import { createRandom } from './random.js';

// GGUF v3 as specified in ggml-org/ggml docs/gguf.md: little-endian, header, metadata KV pairs, tensor infos, padding
// to `general.alignment`, then tensor data, each tensor at an offset that is a multiple of the alignment.
const GGUF_MAGIC = 0x46554747; // "GGUF"
const ALIGNMENT = 32;
const enum ValueType {
  Uint32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
}
const GGML_TYPE_F32 = 0;
// llama.cpp's llama_token_type (enum LLAMA_TOKEN_TYPE_*).
const TOKEN_NORMAL = 1,
  TOKEN_UNKNOWN = 2,
  TOKEN_CONTROL = 3,
  TOKEN_BYTE = 6;

export interface TinyGgufOptions {
  /** Seed of the PRNG for the weights; the same seed writes the same bytes. Default 1. */
  seed?: number;
  /** Embedding width. Default 64. */
  embedding?: number;
  /** Transformer blocks. Default 2. */
  layers?: number;
  /** Attention heads (also the KV heads). Default 2. */
  heads?: number;
  /** Feed-forward width. Default 128. */
  feedForward?: number;
  /** Training context length written into the file. Default 2048. */
  contextLength?: number;
  /**
   * Logit offsets for single pieces. Random weights almost never pick `"`, so a JSON string would run on for
   * hundreds of tokens; the default `{ '"': 1.5 }` makes strings close after a handful of tokens.
   */
  pieceBias?: Record<string, number>;
}

/** Facts about a written model, for assertions. */
export interface TinyGgufInfo {
  path: string;
  bytes: number;
  vocabularySize: number;
  /** Token id of the byte-fallback token `<0xNN>` is `firstByteToken + NN`. */
  firstByteToken: number;
}

// SentencePiece marks a leading space with U+2581; llama.cpp's SPM tokenizer and detokenizer use the same marker.
const SPACE = '\u2581';
const WORDS = ['the', 'of', 'and', 'model', 'language', 'paper', 'we', 'learning', 'data', 'results'];
const CHINESE = ['的', '模型', '语言', '学习', '数据', '方法', '我们', '结果', '提出', '研究'];

function vocabulary(): { tokens: string[]; types: number[]; scores: number[] } {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL];
  for (let byte = 0; byte < 256; byte++) {
    tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(TOKEN_BYTE);
  }
  const pieces = [SPACE];
  for (let code = 0x21; code <= 0x7e; code++) pieces.push(String.fromCharCode(code));
  for (const word of WORDS) pieces.push(SPACE + word);
  pieces.push(...CHINESE);
  for (const piece of pieces) {
    tokens.push(piece);
    types.push(TOKEN_NORMAL);
  }
  // SPM merges prefer higher scores; longer pieces score higher so "▁model" wins over its letters.
  const scores = tokens.map((token, index) => (types[index] === TOKEN_NORMAL ? [...token].length - index / 1000 : 0));
  return { tokens, types, scores };
}

class ByteWriter {
  private chunks: Buffer[] = [];
  length = 0;
  push(buffer: Buffer): void {
    this.chunks.push(buffer);
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
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

type MetadataValue =
  | { type: ValueType.Uint32 | ValueType.Int32 | ValueType.Float32 | ValueType.Bool; value: number | boolean }
  | { type: ValueType.String; value: string }
  | { type: ValueType.Array; items: ValueType.String | ValueType.Float32 | ValueType.Int32; values: (string | number)[] };

function writeValue(writer: ByteWriter, entry: MetadataValue): void {
  writer.u32(entry.type);
  if (entry.type === ValueType.String) return writer.string(entry.value);
  if (entry.type === ValueType.Array) {
    writer.u32(entry.items);
    writer.u64(entry.values.length);
    for (const item of entry.values) {
      if (entry.items === ValueType.String) writer.string(item as string);
      else if (entry.items === ValueType.Float32) writer.f32(item as number);
      else writer.i32(item as number);
    }
    return;
  }
  if (entry.type === ValueType.Bool) return writer.push(Buffer.from([entry.value ? 1 : 0]));
  if (entry.type === ValueType.Float32) return writer.f32(entry.value as number);
  if (entry.type === ValueType.Int32) return writer.i32(entry.value as number);
  writer.u32(entry.value as number);
}

/** Writes the model to `path` and returns facts about it. */
export async function writeTinyGguf(path: string, options: TinyGgufOptions = {}): Promise<TinyGgufInfo> {
  const { seed = 1, embedding = 64, layers = 2, heads = 2, feedForward = 128, contextLength = 2048 } = options;
  const pieceBias = options.pieceBias ?? { '"': 1.5 };
  const random = createRandom(seed);
  const { tokens, types, scores } = vocabulary();
  const vocabularySize = tokens.length;
  const u32 = (value: number): MetadataValue => ({ type: ValueType.Uint32, value });
  const metadata: [string, MetadataValue][] = [
    ['general.architecture', { type: ValueType.String, value: 'llama' }],
    ['general.name', { type: ValueType.String, value: `xivdigest-tiny-${seed}` }],
    ['general.alignment', u32(ALIGNMENT)],
    ['general.file_type', u32(0)], // ALL_F32
    ['llama.context_length', u32(contextLength)],
    ['llama.embedding_length', u32(embedding)],
    ['llama.block_count', u32(layers)],
    ['llama.feed_forward_length', u32(feedForward)],
    ['llama.rope.dimension_count', u32(embedding / heads)],
    ['llama.attention.head_count', u32(heads)],
    ['llama.attention.head_count_kv', u32(heads)],
    ['llama.attention.layer_norm_rms_epsilon', { type: ValueType.Float32, value: 1e-5 }],
    ['llama.vocab_size', u32(vocabularySize)],
    ['tokenizer.ggml.model', { type: ValueType.String, value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: ValueType.Array, items: ValueType.String, values: tokens }],
    ['tokenizer.ggml.scores', { type: ValueType.Array, items: ValueType.Float32, values: scores }],
    ['tokenizer.ggml.token_type', { type: ValueType.Array, items: ValueType.Int32, values: types }],
    ['tokenizer.ggml.unknown_token_id', u32(0)],
    ['tokenizer.ggml.bos_token_id', u32(1)],
    ['tokenizer.ggml.eos_token_id', u32(2)],
    ['tokenizer.ggml.add_bos_token', { type: ValueType.Bool, value: true }],
    ['tokenizer.ggml.add_eos_token', { type: ValueType.Bool, value: false }],
  ];

  // Hidden dimension 0 carries a constant: every embedding holds 1 there, the blocks neither read it (norm weight 0)
  // nor write it (zero output rows), so after the final norm it is a steady positive input that `pieceBias` scales.
  const uniform = (count: number, scale: number): Float32Array => Float32Array.from({ length: count }, () => (random() * 2 - 1) * scale);
  const tensors: { name: string; shape: number[]; data: Float32Array }[] = [];
  const add = (name: string, shape: number[], data: Float32Array): void => void tensors.push({ name, shape, data });
  const ones = (count: number, first = 1): Float32Array => {
    const data = new Float32Array(count).fill(1);
    data[0] = first;
    return data;
  };
  // ggml shapes list the fastest-moving dimension first: a weight mapping n_in to n_out is [n_in, n_out].
  const tokenEmbedding = uniform(embedding * vocabularySize, 0.5);
  for (let token = 0; token < vocabularySize; token++) tokenEmbedding[token * embedding] = 1;
  add('token_embd.weight', [embedding, vocabularySize], tokenEmbedding);
  for (let layer = 0; layer < layers; layer++) {
    const projection = (inputs: number, outputs: number, zeroFirstOutput = false): Float32Array => {
      const data = uniform(inputs * outputs, 1 / Math.sqrt(inputs));
      if (zeroFirstOutput) data.fill(0, 0, inputs);
      return data;
    };
    add(`blk.${layer}.attn_norm.weight`, [embedding], ones(embedding, 0));
    add(`blk.${layer}.attn_q.weight`, [embedding, embedding], projection(embedding, embedding));
    add(`blk.${layer}.attn_k.weight`, [embedding, embedding], projection(embedding, embedding));
    add(`blk.${layer}.attn_v.weight`, [embedding, embedding], projection(embedding, embedding));
    add(`blk.${layer}.attn_output.weight`, [embedding, embedding], projection(embedding, embedding, true));
    add(`blk.${layer}.ffn_norm.weight`, [embedding], ones(embedding, 0));
    add(`blk.${layer}.ffn_gate.weight`, [embedding, feedForward], projection(embedding, feedForward));
    add(`blk.${layer}.ffn_up.weight`, [embedding, feedForward], projection(embedding, feedForward));
    add(`blk.${layer}.ffn_down.weight`, [feedForward, embedding], projection(feedForward, embedding, true));
  }
  add('output_norm.weight', [embedding], ones(embedding));
  const output = uniform(embedding * vocabularySize, 3 / Math.sqrt(embedding));
  for (let token = 0; token < vocabularySize; token++) output[token * embedding] = 0;
  for (const [piece, bias] of Object.entries(pieceBias)) {
    const token = tokens.indexOf(piece);
    if (token < 0) throw new Error(`tiny GGUF: no piece ${JSON.stringify(piece)} in the vocabulary`);
    output[token * embedding] = bias;
  }
  add('output.weight', [embedding, vocabularySize], output);

  const writer = new ByteWriter();
  writer.u32(GGUF_MAGIC);
  writer.u32(3);
  writer.u64(tensors.length);
  writer.u64(metadata.length);
  for (const [key, value] of metadata) {
    writer.string(key);
    writeValue(writer, value);
  }
  let offset = 0;
  for (const tensor of tensors) {
    writer.string(tensor.name);
    writer.u32(tensor.shape.length);
    for (const dimension of tensor.shape) writer.u64(dimension);
    writer.u32(GGML_TYPE_F32);
    writer.u64(offset);
    offset += Math.ceil(tensor.data.byteLength / ALIGNMENT) * ALIGNMENT;
  }
  writer.pad();
  for (const tensor of tensors) {
    writer.push(Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
    writer.pad();
  }
  const buffer = writer.toBuffer();
  await writeFile(path, buffer);
  return { path, bytes: buffer.length, vocabularySize, firstByteToken: 3 };
}
