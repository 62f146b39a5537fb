/** Tests of the embedding ranker over a local server that speaks OpenAI's /embeddings, and over the tiny local GGUF. */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { XivdigestError } from '../../core/errors.js';
import type { LibraryItem } from '../../core/library.js';
import type { Paper } from '../../core/paper.js';
import { writeTinyGguf } from '../../../test/helpers/tiny-gguf.js';
import { createEmbeddingRanker, createMemoryEmbeddingCache, embeddingCacheKey } from './index.js';
import { createLlamaCppEmbedder } from './llama-cpp.js';
import { createOpenAiEmbedder, embeddingsRoot } from './openai.js';

/** A bag-of-words "model": each word adds 1 to a hashed dimension, so texts that share words point the same way. */
function hashedEmbedding(text: string, dimensions = 32): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[a-z]{4,}/g) ?? []) {
    let hash = 7;
    for (const char of word) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) >>> 0;
    vector[hash % dimensions]! += 1;
  }
  return vector;
}

interface Seen {
  headers: IncomingHttpHeaders;
  body: { model: string; input: string[]; dimensions?: number };
}
type Script = (seen: Seen, count: number) => { status?: number; headers?: Record<string, string>; body: string } | undefined;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A local OpenAI-compatible /v1/embeddings; `script` may inject faults, by request count. */
async function embeddingsServer(script?: Script): Promise<{ url: string; requests: Seen[] }> {
  const requests: Seen[] = [];
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/embeddings') {
        response.writeHead(404).end('{"error":{"message":"not found"}}');
        return;
      }
      const seen = { headers: request.headers, body: JSON.parse(raw) as Seen['body'] };
      requests.push(seen);
      const scripted = script?.(seen, requests.length);
      if (scripted) {
        response.writeHead(scripted.status ?? 200, { 'content-type': 'application/json', ...scripted.headers }).end(scripted.body);
        return;
      }
      // Real servers may answer out of order; `index` says which input each vector belongs to.
      const data = seen.body.input.map((text, index) => ({ object: 'embedding', index, embedding: hashedEmbedding(text) })).reverse();
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ object: 'list', data, model: seen.body.model, usage: { prompt_tokens: 10, total_tokens: 10 } }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function paper(id: string, title: string, abstract: string): Paper {
  return {
    id,
    version: 1,
    title,
    abstract,
    authors: [],
    categories: [],
    links: { abs: `https://arxiv.org/abs/${id}` },
    versions: [{ version: 1 }],
    source: 'arxiv-rss',
  };
}
const item = (title: string, abstract: string, arxivId?: string): LibraryItem => ({
  title,
  abstract,
  authors: [],
  source: 'test',
  added: '2025-12-01',
  ...(arxivId ? { arxivId } : {}),
});

const library = [
  item('Attention Is All You Need', 'Transformer networks built solely on attention mechanisms for sequence transduction.', '1706.03762'),
  item('Dense Passage Retrieval', 'Retrieval of passages with dense embeddings from a dual encoder for question answering.'),
];
const candidates = [
  paper('2601.00001', 'Galaxy Cluster Masses', 'Measuring galaxy cluster masses with weak gravitational lensing.'),
  paper('2601.00002', 'Sparse Attention Transformer', 'Transformer networks whose attention mechanisms are sparse for long sequence transduction.'),
  paper('2601.00003', 'Tropical Rainfall', 'Rainfall variability over tropical oceans.'),
];
const now = new Date('2026-01-01T00:00:00Z');
const apiKey = 'sk-test-0123456789abcdef';

describe('createEmbeddingRanker with the OpenAI-compatible embedder', () => {
  it('ranks by cosine to the library, names the nearest item, batches requests and caches texts', async () => {
    const server = await embeddingsServer();
    const embedder = createOpenAiEmbedder({ baseUrl: server.url, apiKey, model: 'test-embed', batchSize: 2 });
    const ranker = createEmbeddingRanker({ embedder, library, now });
    expect(ranker.method).toBe('embedding:test-embed');
    const ranked = await ranker.rank(candidates);
    expect(ranked[0]!.paperId).toBe('2601.00002');
    expect(ranked[0]!.reason).toMatchObject({ nearest: { title: 'Attention Is All You Need', arxivId: '1706.03762' }, terms: [] });
    expect(ranked[0]!.reason.text).toMatch(/^close to "Attention Is All You Need" \(0\.\d\d\)$/);
    expect(ranked[0]!.score).toBeGreaterThan(ranked[1]!.score);
    // 2 library texts in one batch, then 3 candidates in batches of 2 and 1.
    expect(server.requests.map((request) => request.body.input.length)).toEqual([2, 2, 1]);
    expect(server.requests[0]!.body.model).toBe('test-embed');
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${apiKey}`);

    // Same candidates again: all from the cache; one new paper: one request for it alone.
    await ranker.rank(candidates);
    expect(server.requests).toHaveLength(3);
    await ranker.rank([...candidates, paper('2601.00004', 'Retrieval for Question Answering', 'Dense passage retrieval.')]);
    expect(server.requests).toHaveLength(4);
    expect(server.requests[3]!.body.input).toEqual(['Retrieval for Question Answering\n\nDense passage retrieval.']);
    expect(ranker.cache.get(embeddingCacheKey('test-embed', 'Retrieval for Question Answering\n\nDense passage retrieval.'))).toBeInstanceOf(Float32Array);
  });

  it('shares a cache between rankers of the same model, keyed by model and text', async () => {
    const server = await embeddingsServer();
    const cache = createMemoryEmbeddingCache();
    const embedder = createOpenAiEmbedder({ baseUrl: `${server.url}/v1/embeddings`, model: 'test-embed' });
    await createEmbeddingRanker({ embedder, library, cache, now }).rank(candidates);
    await createEmbeddingRanker({ embedder, library, cache, now }).rank(candidates);
    expect(server.requests).toHaveLength(2);
    expect(cache.size).toBe(5);
    expect(embeddingCacheKey('a', 'text')).not.toBe(embeddingCacheKey('b', 'text'));
    expect(embeddingCacheKey('a', 'text')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('pushes papers like hidden ones down', async () => {
    const server = await embeddingsServer();
    const embedder = createOpenAiEmbedder({ baseUrl: server.url, model: 'test-embed' });
    const plain = (await createEmbeddingRanker({ embedder, library, now }).rank(candidates)).find((entry) => entry.paperId === '2601.00002')!;
    const hidden = [item('Sparse attention transformers', 'Sparse attention mechanisms for long sequence transduction.')];
    const lowered = (await createEmbeddingRanker({ embedder, library, now, feedback: { starred: [], hidden } }).rank(candidates)).find(
      (entry) => entry.paperId === '2601.00002',
    )!;
    expect(lowered.score).toBeLessThan(plain.score);
    expect(lowered.reason.text).toMatch(/lowered: like hidden "Sparse attention transformers"/);
  });

  it('accepts a bare embed function, and gives neutral scores without a library', async () => {
    const ranker = createEmbeddingRanker({ embed: async (texts) => texts.map((text) => hashedEmbedding(text)), model: 'hash', library, now });
    expect((await ranker.rank(candidates))[0]!.paperId).toBe('2601.00002');
    const empty = createEmbeddingRanker({ embed: async () => [], library: [] });
    expect(await empty.rank(candidates.slice(0, 1))).toEqual([{ paperId: '2601.00001', score: 0, reason: { terms: [], text: 'no library' } }]);
  });

  it('with no library and only hidden papers, sinks papers like a hidden one below the rest (decision 0051)', async () => {
    const hidden = [item('Sparse attention transformers', 'Sparse attention mechanisms for long sequence transduction.')];
    const ranker = createEmbeddingRanker({
      embed: async (texts) => texts.map((text) => hashedEmbedding(text)),
      model: 'hash',
      library: [],
      now,
      feedback: { starred: [], hidden },
    });
    const ranked = await ranker.rank(candidates);
    expect(ranked[2]!.paperId).toBe('2601.00002');
    for (const other of ranked.slice(0, 2)) {
      expect(other.reason.text).toMatch(/^no library; (not like any hidden paper|lowered: like hidden "Sparse attention transformers" \(0\.\d\d\))$/);
      expect(other.score).toBeGreaterThan(ranked[2]!.score);
    }
    expect(ranked[2]!.score).toBeLessThan(0.5);
    expect(ranked[2]!.reason).toMatchObject({ hidden: { title: 'Sparse attention transformers' } });
    expect(ranked[2]!.reason.text).toMatch(/^no library; lowered: like hidden "Sparse attention transformers" \(0\.\d\d\)$/);
  });

  it('retries a 429 that says when, then succeeds', async () => {
    const server = await embeddingsServer((_seen, count) =>
      count === 1 ? { status: 429, headers: { 'retry-after-ms': '50' }, body: '{"error":{"message":"Rate limit reached"}}' } : undefined,
    );
    const embedder = createOpenAiEmbedder({ baseUrl: server.url, model: 'test-embed' });
    expect(await embedder.embed(['one', 'two'])).toHaveLength(2);
    expect(server.requests).toHaveLength(2);
  });

  it('maps failures to XivdigestError codes without leaking the key', async () => {
    const auth = await embeddingsServer(() => ({ status: 401, body: `{"error":{"message":"Incorrect API key provided: ${apiKey}"}}` }));
    const authError = await createOpenAiEmbedder({ baseUrl: auth.url, apiKey, model: 'm' })
      .embed(['x'])
      .catch((error: unknown) => error);
    expect(authError).toMatchObject({ code: 'LLM_AUTH', details: { status: 401 } });
    expect(JSON.stringify({ message: (authError as XivdigestError).message, details: (authError as XivdigestError).details })).not.toContain(apiKey);

    const limited = await embeddingsServer(() => ({ status: 429, headers: { 'retry-after': '3600' }, body: '{"error":{}}' }));
    await expect(createOpenAiEmbedder({ baseUrl: limited.url, model: 'm' }).embed(['x'])).rejects.toMatchObject({
      code: 'LLM_RATE_LIMITED',
      details: { retryAfterMs: 3_600_000 },
    });
    expect(limited.requests).toHaveLength(1);

    const missing = await embeddingsServer(() => ({ status: 404, body: '{"error":{"message":"The model `nope` does not exist"}}' }));
    await expect(createOpenAiEmbedder({ baseUrl: missing.url, model: 'nope' }).embed(['x'])).rejects.toMatchObject({ code: 'LLM_MODEL_MISSING' });

    const short = await embeddingsServer(() => ({ body: '{"data":[{"index":0,"embedding":[1,2]}]}' }));
    await expect(createOpenAiEmbedder({ baseUrl: short.url, model: 'm' }).embed(['x', 'y'])).rejects.toMatchObject({
      code: 'LLM_OUTPUT_INVALID',
      message: expect.stringMatching(/no embedding for input 1 of 2/),
    });

    const down = await embeddingsServer(() => ({ status: 503, body: 'overloaded' }));
    await expect(createOpenAiEmbedder({ baseUrl: down.url, model: 'm', maxRetries: 1 }).embed(['x'])).rejects.toMatchObject({
      code: 'LLM_UNAVAILABLE',
      isRetryable: true,
    });
    expect(down.requests).toHaveLength(2);
  });

  it('normalizes base URLs as the chat provider does', () => {
    expect(embeddingsRoot('https://api.openai.com')).toBe('https://api.openai.com/v1');
    expect(embeddingsRoot('http://localhost:11434/v1/')).toBe('http://localhost:11434/v1');
    expect(embeddingsRoot('https://open.bigmodel.cn/api/paas/v4/embeddings')).toBe('https://open.bigmodel.cn/api/paas/v4');
  });
});

describe('createLlamaCppEmbedder (tiny random-weight GGUF: plumbing, not quality)', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('embeds texts to vectors of the model width and ranks with them', async () => {
    dir = await mkdtemp(join(tmpdir(), 'xivdigest-embed-'));
    const { path } = await writeTinyGguf(join(dir, 'tiny.gguf'), { seed: 1 });
    const embedder = createLlamaCppEmbedder({ modelPath: path, threads: 1, contextSize: 128 });
    try {
      expect(embedder.model).toBe('tiny.gguf');
      const vectors = await embedder.embed(['the model of language', 'data and results', 'the model of language']);
      expect(vectors).toHaveLength(3);
      expect(vectors[0]).toHaveLength(64);
      expect(vectors[0]).toEqual(vectors[2]);
      expect(vectors[0]).not.toEqual(vectors[1]);
      const ranked = await createEmbeddingRanker({ embedder, library, now }).rank(candidates);
      expect(ranked.map((entry) => entry.paperId).sort()).toEqual(['2601.00001', '2601.00002', '2601.00003']);
      expect(ranked[0]!.reason.nearest).toBeDefined();
    } finally {
      await embedder.close?.();
    }
  });

  it('fails with LLM_MODEL_MISSING for a file that is not a model', async () => {
    const embedder = createLlamaCppEmbedder({ modelPath: join(tmpdir(), 'no-such-model.gguf'), threads: 1 });
    await expect(embedder.embed(['x'])).rejects.toMatchObject({ code: 'LLM_MODEL_MISSING' });
  });
});
