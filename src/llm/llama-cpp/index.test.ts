/** The llama-cpp provider against real node-llama-cpp and a tiny random-weight GGUF: schema-held output, parallel calls, limits, errors. */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XivdigestError } from '../../core/errors.js';
import type { LlmRequest } from '../../core/llm.js';
import { writeTinyGguf } from '../../../test/helpers/tiny-gguf.js';
import { createLlamaCppProvider, DEFAULT_MODEL, metadata, toGrammarSchema, type LlamaCppProvider } from './index.js';

const paperTexts = {
  type: 'object',
  properties: {
    title: { type: 'string' },
    tldr: { type: 'string' },
    tldrEn: { type: 'string' },
    abstract: { type: 'string' },
  },
  required: ['title', 'tldr', 'tldrEn', 'abstract'],
  additionalProperties: false,
};

const request = (index: number, extra: Partial<LlmRequest> = {}): LlmRequest => ({
  system: 'Translate the paper into Simplified Chinese. Answer with JSON only.',
  prompt: `Title: Tiny models for testing, part ${index}\nAbstract: We study random weights.`,
  schema: paperTexts,
  schemaName: 'paper_texts',
  maxOutputTokens: 200,
  ...extra,
});

async function caught(promise: Promise<unknown>): Promise<XivdigestError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!XivdigestError.isInstance(error)) throw new Error(`expected an XivdigestError, got ${String(error)}`);
  return error;
}

let dir: string;
let modelPath: string;
let loosePath: string;
const providers: LlamaCppProvider[] = [];
/** Always threads: 1 and a small context: on a 2-core machine more threads than cores is hundreds of times slower. */
const provider = (options: Parameters<typeof createLlamaCppProvider>[0] = {}): LlamaCppProvider => {
  const created = createLlamaCppProvider({
    model: modelPath,
    threads: 1,
    contextSize: 512,
    parallel: 2,
    banHighByteTokens: true,
    seed: 3,
    temperature: 0.8,
    ...options,
  });
  providers.push(created);
  return created;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xivdigest-llama-cpp-'));
  modelPath = (await writeTinyGguf(join(dir, 'tiny.gguf'), { seed: 1 })).path;
  // Without the bias toward `"`, strings run on and are full of byte tokens: the worst case for UTF-8.
  loosePath = (await writeTinyGguf(join(dir, 'loose.gguf'), { seed: 1, pieceBias: {} })).path;
});

afterAll(async () => {
  for (const created of providers) await created.close();
  await rm(dir, { recursive: true, force: true });
});

describe('llama-cpp provider', () => {
  it('has static metadata and names the model by its file before loading it', () => {
    expect(metadata).toEqual({ id: 'llama-cpp', requires: [], concurrent: true });
    expect(provider().modelId).toBe('tiny.gguf');
    expect(createLlamaCppProvider().modelId).toBe('qwen2.5-1.5b-instruct-q4_k_m.gguf');
    expect(DEFAULT_MODEL.uri).toMatch(/^hf:Qwen\/.+\.gguf$/);
  });

  it('generates JSON that follows the paper-texts schema, with usage and the model id', async () => {
    const llm = provider();
    const info = await llm.load();
    expect(info).toMatchObject({ modelId: 'tiny.gguf', threads: 1, parallel: 2, gpu: false, downloaded: false });
    const result = await llm.generate(request(1));
    expect(result.finishReason).toBe('stop');
    expect(result.model).toBe('tiny.gguf');
    expect(JSON.parse(result.text)).toEqual(result.object);
    expect(Object.keys(result.object as object)).toEqual(['title', 'tldr', 'tldrEn', 'abstract']);
    for (const value of Object.values(result.object as object)) expect(typeof value).toBe('string');
    expect(result.usage.inputTokens).toBeGreaterThan(20);
    expect(result.usage.outputTokens).toBeGreaterThan(10);
    expect(result.usage.totalTokens).toBe(result.usage.inputTokens + result.usage.outputTokens);
  });

  it('runs concurrent calls on the parallel sequences of one context, queueing the rest', async () => {
    const llm = provider({ parallel: 2 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((index) => llm.generate(request(index))));
    for (const result of results) {
      expect(result.finishReason).toBe('stop');
      expect(Object.keys(result.object as object)).toEqual(['title', 'tldr', 'tldrEn', 'abstract']);
    }
  });

  it('holds the answer to other schemas too, and keeps their string limits', async () => {
    const llm = provider();
    const result = await llm.generate(
      request(6, {
        schema: {
          type: 'object',
          properties: { answer: { type: 'string', maxLength: 3 }, tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] }, maxItems: 2 } },
          required: ['answer', 'tags'],
        },
        schemaName: 'other',
      }),
    );
    const object = result.object as { answer: string; tags: string[] };
    expect([...object.answer].length).toBeLessThanOrEqual(3);
    expect(object.tags.length).toBeLessThanOrEqual(2);
    for (const tag of object.tags) expect(['a', 'b']).toContain(tag);
  });

  it('reports finishReason length when maxOutputTokens cuts the JSON short', async () => {
    const error = await caught(provider().generate(request(7, { maxOutputTokens: 6 })));
    expect(error.code).toBe('LLM_OUTPUT_INVALID');
    expect(error.details.finishReason).toBe('length');
    expect(error.message).toMatch(/6-token limit/);
    expect((error.details.usage as { outputTokens: number }).outputTokens).toBeLessThanOrEqual(6);
  });

  it('bans the byte tokens 0x80-0xFF, so the text is valid UTF-8', async () => {
    const texts = async (banHighByteTokens: boolean): Promise<string[]> => {
      const llm = provider({ model: loosePath, banHighByteTokens, parallel: 2, temperature: 1 });
      return Promise.all(
        [1, 2, 3, 4].map(async (index) => {
          // Strings rarely close without the bias, so most answers stop at the limit; the text is what counts.
          const outcome = await llm.generate(request(index, { maxOutputTokens: 60 })).then(
            (result) => result.text,
            (error: XivdigestError) => String(error.details.text),
          );
          return outcome;
        }),
      );
    };
    const banned = await texts(true);
    for (const text of banned) {
      expect(text.length).toBeGreaterThan(10);
      expect(text).not.toContain('\uFFFD');
      expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
    }
    // The control: the same model without the ban writes lone high bytes, decoded as U+FFFD.
    const unbanned = await texts(false);
    expect(unbanned.some((text) => text.includes('\uFFFD'))).toBe(true);
  });

  it('throws LLM_TIMEOUT when a call outlives timeoutMs', async () => {
    const llm = provider({ model: loosePath });
    await llm.load();
    const error = await caught(llm.generate(request(8, { timeoutMs: 5, maxOutputTokens: 400 })));
    expect(error.code).toBe('LLM_TIMEOUT');
    expect(error.isRetryable).toBe(true);
  });

  it('aborts a call still waiting for a free sequence', async () => {
    const llm = provider({ parallel: 1 });
    await llm.load();
    const controller = new AbortController();
    const first = llm.generate(request(9));
    const second = llm.generate(request(10, { signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 10)); // the first call holds the only sequence by now
    controller.abort();
    expect((await caught(second)).code).toBe('ABORTED');
    expect((await first).finishReason).toBe('stop');
  });

  it('refuses calls after close', async () => {
    const llm = provider();
    await llm.load();
    await llm.close();
    expect((await caught(llm.generate(request(11)))).code).toBe('LLM_UNAVAILABLE');
  });

  it('says how to provide a model when the file is missing', async () => {
    const error = await caught(provider({ model: join(dir, 'absent.gguf') }).generate(request(12)));
    expect(error.code).toBe('LLM_MODEL_MISSING');
    expect(error.message).toContain('absent.gguf');
    expect(error.hint).toMatch(/--model PATH.*hf:.*OPENAI_API_KEY/);
  });

  it('says how to provide a model when the default model is absent and there is no network', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const llm = provider({ model: undefined, modelsDir: join(dir, 'models'), hfBaseUrl: `http://127.0.0.1:${port}` });
    const error = await caught(llm.generate(request(13)));
    expect(error.code).toBe('LLM_MODEL_MISSING');
    expect(error.message).toMatch(/could not download.*ECONNREFUSED/);
    expect(error.hint).toMatch(/--model PATH.*OPENAI_API_KEY/);
  });
});

describe('toGrammarSchema', () => {
  it('keeps what node-llama-cpp grammars support and drops annotations', () => {
    expect(
      toGrammarSchema({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        title: 'PaperTexts',
        type: 'object',
        properties: {
          title: { type: 'string', description: 'the title', examples: ['x'] },
          list: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'null' }] } },
        },
        required: ['title'],
        additionalProperties: false,
      }),
    ).toEqual({
      type: 'object',
      properties: { title: { type: 'string', description: 'the title' }, list: { type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'null' }] } } },
      additionalProperties: false,
    });
  });
  it('without configured threads, times 1 thread against all cores and keeps the faster; says why, with a calibration', async () => {
    // The one test without threads: 1. The probe is 36 tokens per thread count, a second or two even on a busy machine.
    const llm = createLlamaCppProvider({ model: modelPath, contextSize: 512, parallel: 1 });
    providers.push(llm);
    const info = await llm.load();
    expect(info.reason).toMatch(
      /^model: configured; sequences: configured; threads: (\d+ \(the physical cores\)|1, as \d+ threads measured [\d.]+× slower here \(a busy CPU\))$/,
    );
    expect(info.calibration?.promptTps).toBeGreaterThan(0);
    expect(info.calibration?.generatedTps).toBeGreaterThan(0);
    expect(info.calibration?.secondsPerPaper).toBeGreaterThan(0);
  });
});
