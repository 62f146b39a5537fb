/** The OpenAI-compatible provider against the fake LLM server over real HTTP: answers, every fault, timeouts and the JSON-mode fallback. */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { XivdigestError } from '../../core/errors.js';
import {
  fakePaperRequest,
  loadFakeLlmPapers,
  paperTextsSchema,
  startFakeLlmServer,
  type FakeLlmFault,
  type FakeLlmServer,
  type FakeLlmServerOptions,
} from '../../../test/helpers/fake-llm-server.js';
import { chatCompletionsRoot, createOpenAiCompatibleProvider, metadata, type OpenAiCompatibleProviderOptions } from './index.js';

const apiKey = 'sk-test-NEVER-SHOW-7f3a9c1e5b';
const { papers } = loadFakeLlmPapers();
const paper = papers[0]!;

let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(serverOptions: FakeLlmServerOptions = {}, providerOptions: Partial<OpenAiCompatibleProviderOptions> = {}) {
  server = await startFakeLlmServer({ apiKey, ...serverOptions });
  const provider = createOpenAiCompatibleProvider({ baseUrl: server.url, apiKey, model: 'gpt-4o-mini', ...providerOptions });
  return { server, provider };
}

async function failure(promise: Promise<unknown>): Promise<XivdigestError> {
  try {
    await promise;
  } catch (error) {
    expect(XivdigestError.isInstance(error)).toBe(true);
    return error as XivdigestError;
  }
  throw new Error('expected the call to fail');
}

/** Everything an error carries, inspected deeply: the key must be in none of it. */
function expectNoKey(error: XivdigestError, key = apiKey): void {
  const everything = [error.message, error.hint ?? '', error.oneLine, JSON.stringify(error.details), inspect(error, { depth: 8 })].join('\n');
  expect(everything).not.toContain(key);
}

describe('metadata and base URLs', () => {
  it('names what it needs', () => {
    expect(metadata).toEqual({ id: 'openai-compatible', requires: ['OPENAI_API_KEY'], concurrent: true });
  });

  it('appends /v1 like the original, unless the path already has a version segment', () => {
    const root = (url: string): string => chatCompletionsRoot(url).root;
    expect(root('https://api.openai.com')).toBe('https://api.openai.com/v1');
    expect(root('https://api.openai.com/')).toBe('https://api.openai.com/v1');
    expect(root('https://api.openai.com/v1')).toBe('https://api.openai.com/v1');
    expect(root('https://api.openai.com/v1/')).toBe('https://api.openai.com/v1');
    expect(root('https://api.deepseek.com')).toBe('https://api.deepseek.com/v1');
    expect(root('https://dashscope.aliyuncs.com/compatible-mode/v1')).toBe('https://dashscope.aliyuncs.com/compatible-mode/v1');
    expect(root('https://open.bigmodel.cn/api/paas/v4')).toBe('https://open.bigmodel.cn/api/paas/v4');
    expect(root('https://openrouter.ai/api/v1')).toBe('https://openrouter.ai/api/v1');
    expect(root('http://localhost:11434')).toBe('http://localhost:11434/v1');
    expect(root('https://generativelanguage.googleapis.com/v1beta/openai')).toBe('https://generativelanguage.googleapis.com/v1beta/openai');
    expect(root('https://proxy.example.com/openai')).toBe('https://proxy.example.com/openai/v1');
    expect(root('https://api.openai.com/v1/chat/completions')).toBe('https://api.openai.com/v1');
    expect(chatCompletionsRoot('https://proxy.example.com/v1?tenant=a')).toEqual({ root: 'https://proxy.example.com/v1', query: { tenant: 'a' } });
  });

  it('rejects a base URL that is not a URL, and a missing model, as CONFIG_INVALID', () => {
    expect(() => createOpenAiCompatibleProvider({ baseUrl: 'api.openai.com', model: 'gpt-4o-mini' })).toThrow(/not a URL/);
    expect(() => createOpenAiCompatibleProvider({ baseUrl: 'https://api.openai.com', model: '' })).toThrow(/needs a model/);
  });
});

describe('a good answer', () => {
  it('parses into the object, with usage, model, finish reason and rate-limit headroom', async () => {
    const { server, provider } = await setup({ rpm: 100, tpm: 200_000, model: (requested) => `${requested}-2024-07-18` });
    const result = await provider.generate(fakePaperRequest(paper));
    expect(result.object).toEqual(paper.answer);
    expect(JSON.parse(result.text)).toEqual(paper.answer);
    expect(result.usage.inputTokens).toBeGreaterThan(50);
    expect(result.usage.outputTokens).toBeGreaterThan(20);
    expect(result.usage.totalTokens).toBe(result.usage.inputTokens + result.usage.outputTokens);
    expect(result.model).toBe('gpt-4o-mini-2024-07-18');
    expect(result.finishReason).toBe('stop');
    expect(result.rateLimit).toMatchObject({ remainingRequests: 99, remainingTokens: expect.any(Number) });
    expect(result.rateLimit!.resetMs).toBeGreaterThan(0);
    expect(provider).toMatchObject({ id: 'openai-compatible', modelId: 'gpt-4o-mini', structuredOutputs: 'json-schema' });
    expect(server.requests[0]!.paperId).toBe(paper.id);
  });

  it('sends the key, the schema as response_format json_schema, and the request settings', async () => {
    const { server, provider } = await setup({}, { headers: { 'HTTP-Referer': 'https://xivdigest.example' }, queryParams: { tenant: 't1' } });
    await provider.generate(fakePaperRequest(paper, { maxOutputTokens: 2048, temperature: 0.2 }));
    const [request] = server.requests;
    expect(request!.path).toBe('/v1/chat/completions');
    expect(request!.query).toEqual({ tenant: 't1' });
    expect(request!.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(request!.headers['http-referer']).toBe('https://xivdigest.example');
    expect(request!.output).toBe('json_schema');
    expect(request!.schema).toEqual(paperTextsSchema);
    expect(request!.body).toMatchObject({
      model: 'gpt-4o-mini',
      max_tokens: 2048,
      temperature: 0.2,
      response_format: { type: 'json_schema', json_schema: { name: 'paper_texts', strict: true } },
      messages: [{ role: 'system' }, { role: 'user', content: expect.stringContaining('Abstract:') }],
    });
  });

  it('calls a local server without a key (Ollama, vLLM, llama.cpp) and sends no Authorization header', async () => {
    server = await startFakeLlmServer();
    const provider = createOpenAiCompatibleProvider({ baseUrl: `${server.url}/v1`, model: 'qwen2.5:7b' });
    expect((await provider.generate(fakePaperRequest(paper))).object).toEqual(paper.answer);
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('passes the wrong-language answer through: judging language is the quality gate’s job', async () => {
    const { provider } = await setup({ faults: { always: 'wrong-language' } });
    const result = await provider.generate(fakePaperRequest(paper));
    expect((result.object as { abstract: string }).abstract).toBe(paper.abstract);
  });
});

describe('faults', () => {
  const cases: Array<{ fault: FakeLlmFault; code: string; retryable: boolean; status?: number; body?: RegExp }> = [
    { fault: { kind: 'rate-limit', retryAfterSeconds: 2 }, code: 'LLM_RATE_LIMITED', retryable: true, status: 429, body: /Rate limit reached/ },
    { fault: 'server-error', code: 'LLM_UNAVAILABLE', retryable: true, status: 500, body: /server had an error/ },
    { fault: { kind: 'server-error', status: 503 }, code: 'LLM_UNAVAILABLE', retryable: true, status: 503 },
    { fault: 'auth', code: 'LLM_AUTH', retryable: false, status: 401, body: /Incorrect API key provided: \*\*\*/ },
    { fault: 'quota', code: 'LLM_AUTH', retryable: false, status: 429, body: /exceeded your current quota/ },
    { fault: 'not-found', code: 'LLM_MODEL_MISSING', retryable: false, status: 404, body: /does not exist/ },
    { fault: 'reset', code: 'LLM_UNAVAILABLE', retryable: true },
    { fault: 'malformed-json', code: 'LLM_OUTPUT_INVALID', retryable: false, body: /"tldr":".*" "tldrEn"/ },
    { fault: 'truncated-json', code: 'LLM_OUTPUT_INVALID', retryable: false },
    { fault: 'refusal', code: 'LLM_OUTPUT_INVALID', retryable: false, body: /I'm sorry, I can't/ },
    { fault: 'empty', code: 'LLM_OUTPUT_INVALID', retryable: false, body: /\(empty\)/ },
  ];
  for (const { fault, code, retryable, status, body } of cases) {
    const name = typeof fault === 'string' ? fault : `${fault.kind} ${JSON.stringify(fault)}`;
    it(`${name} → ${code}${retryable ? ' (retryable)' : ''}, with URL, status and excerpt, and never the key`, async () => {
      const { server, provider } = await setup({ faults: { always: fault } });
      const error = await failure(provider.generate(fakePaperRequest(paper)));
      expect(error.code).toBe(code);
      expect(error.isRetryable).toBe(retryable);
      expect(error.message).toContain(`${server.url}/v1/chat/completions`);
      expect(error.details.url).toBe(`${server.url}/v1/chat/completions`);
      if (status !== undefined) {
        expect(error.message).toContain(`returned ${status}`);
        expect(error.details.status).toBe(status);
      }
      if (body) expect(error.message).toMatch(body);
      expect(error.hint).toBeTruthy();
      expectNoKey(error);
    });
  }

  it('reads the wait from Retry-After, retry-after-ms, or the reset of the exhausted window', async () => {
    const { server: scripted, provider } = await setup({
      faults: { byRequest: { 1: { kind: 'rate-limit', retryAfterSeconds: 2 }, 2: { kind: 'rate-limit', retryAfterSeconds: 2, retryAfterMs: 1234 } } },
    });
    const first = await failure(provider.generate(fakePaperRequest(paper)));
    expect(first.details.retryAfterMs).toBe(2000);
    expect(first.message).toMatch(/retry in 2 s \(Retry-After\)/);
    expect((await failure(provider.generate(fakePaperRequest(paper)))).details.retryAfterMs).toBe(1234);
    await scripted.close();
    // Beyond the fake's own RPM limit, the 429 carries Retry-After too.
    server = await startFakeLlmServer({ apiKey, rpm: 1, rateLimitWindowMs: 5000 });
    const limited = createOpenAiCompatibleProvider({ baseUrl: server.url, apiKey, model: 'gpt-4o-mini' });
    await limited.generate(fakePaperRequest(paper));
    const error = await failure(limited.generate(fakePaperRequest(paper)));
    expect(error.code).toBe('LLM_RATE_LIMITED');
    expect(error.details.retryAfterMs).toBeGreaterThan(3000);
    expect(error.details.retryAfterMs).toBeLessThanOrEqual(5000);
    expect(error.details.rateLimit).toMatchObject({ remainingRequests: 0 });
  });

  it('flags a refusal and reports the usage of a failed answer', async () => {
    const { provider } = await setup({ faults: { always: 'refusal' } });
    const error = await failure(provider.generate(fakePaperRequest(paper)));
    expect(error.message).toMatch(/refused/);
    expect(error.details).toMatchObject({ refusal: true, finishReason: 'content-filter', model: 'gpt-4o-mini' });
    expect((error.details.usage as { totalTokens: number }).totalTokens).toBeGreaterThan(0);
  });

  it('says that a truncated answer stopped at the token limit', async () => {
    const { provider } = await setup({ faults: { always: 'truncated-json' } });
    const error = await failure(provider.generate(fakePaperRequest(paper, { maxOutputTokens: 300 })));
    expect(error.message).toMatch(/output token limit/);
    expect(error.details).toMatchObject({ finishReason: 'length', usage: { outputTokens: 300 } });
    expect(error.hint).toMatch(/maxOutputTokens/);
  });

  it('never repeats a wrong key that the API echoes back', async () => {
    server = await startFakeLlmServer({ apiKey });
    const wrongKey = 'sk-wrong-ECHOED-BY-PROXY-99887766';
    const provider = createOpenAiCompatibleProvider({ baseUrl: server.url, apiKey: wrongKey, model: 'gpt-4o-mini' });
    const error = await failure(provider.generate(fakePaperRequest(paper)));
    expect(error.code).toBe('LLM_AUTH');
    expect(error.hint).toMatch(/OPENAI_API_KEY/);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${wrongKey}`);
    expectNoKey(error, wrongKey);
  });

  it('masks key-like query parameters in messages', async () => {
    const { provider } = await setup({ faults: { always: 'server-error' } }, { queryParams: { key: apiKey } });
    const error = await failure(provider.generate(fakePaperRequest(paper)));
    expect(error.message).toContain('key=***');
    expectNoKey(error);
  });

  it('maps a refused connection to LLM_UNAVAILABLE (retryable) naming the URL', async () => {
    server = await startFakeLlmServer();
    const url = server.url;
    await server.close();
    server = undefined;
    const provider = createOpenAiCompatibleProvider({ baseUrl: url, apiKey, model: 'gpt-4o-mini' });
    const error = await failure(provider.generate(fakePaperRequest(paper)));
    expect(error).toMatchObject({ code: 'LLM_UNAVAILABLE', isRetryable: true });
    expect(error.message).toContain(`could not be reached for POST ${url}/v1/chat/completions`);
    expectNoKey(error);
  });
});

describe('timeouts and aborts', () => {
  for (const fault of [{ kind: 'delay', delayMs: 5000 }, 'hang', 'stall'] as FakeLlmFault[]) {
    const name = typeof fault === 'string' ? fault : `a ${fault.delayMs} ms delay`;
    it(`${name} ends with LLM_TIMEOUT (retryable) within the per-call timeout`, async () => {
      const { provider } = await setup({ faults: { always: fault } });
      const started = performance.now();
      const error = await failure(provider.generate(fakePaperRequest(paper, { timeoutMs: 300 })));
      const elapsed = performance.now() - started;
      expect(error).toMatchObject({ code: 'LLM_TIMEOUT', isRetryable: true, details: { timeoutMs: 300 } });
      expect(error.message).toMatch(/did not answer POST http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions within 300 ms/);
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(2000);
      expectNoKey(error);
    });
  }

  it('uses the provider’s default timeout when the request has none', async () => {
    const { provider } = await setup({ faults: { always: 'hang' } }, { timeoutMs: 250 });
    expect((await failure(provider.generate(fakePaperRequest(paper)))).details.timeoutMs).toBe(250);
  });

  it('ends with ABORTED when the caller aborts, before or during the call', async () => {
    const { provider } = await setup({ faults: { always: 'hang' } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await failure(provider.generate(fakePaperRequest(paper, { signal: controller.signal, timeoutMs: 10_000 })));
    expect(error).toMatchObject({ code: 'ABORTED', isRetryable: false });
    expect((await failure(provider.generate(fakePaperRequest(paper, { signal: AbortSignal.abort() })))).code).toBe('ABORTED');
  });
});

describe('structured output modes', () => {
  it('auto: after a 400 saying json_schema is unsupported, uses JSON mode with the schema in the prompt, for good', async () => {
    const { server, provider } = await setup({ rejectJsonSchema: true }, { structuredOutputs: 'auto' });
    const first = await provider.generate(fakePaperRequest(paper));
    expect(first.object).toEqual(paper.answer);
    expect(provider.structuredOutputs).toBe('json-mode');
    expect(server.requests.map((request) => [request.output, request.status])).toEqual([
      ['json_schema', 400],
      ['json_object', 200],
    ]);
    const system = (server.requests[1]!.body as { messages: Array<{ content: string }> }).messages[0]!.content;
    expect(system).toContain('JSON Schema (paper_texts)');
    expect(system).toContain(JSON.stringify(paperTextsSchema));
    await provider.generate(fakePaperRequest(papers[1]!));
    expect(server.requests.map((request) => request.output)).toEqual(['json_schema', 'json_object', 'json_object']);
  });

  it('auto: other 400s do not switch modes', async () => {
    const { provider } = await setup({ faults: { byRequest: { 1: { kind: 'server-error', status: 400 } } } });
    const error = await failure(provider.generate(fakePaperRequest(paper)));
    expect(error).toMatchObject({ code: 'LLM_UNAVAILABLE', isRetryable: false, details: { status: 400 } });
    expect(provider.structuredOutputs).toBe('json-schema');
  });

  it('json-schema: a server without structured outputs fails with the 400, and nothing is switched', async () => {
    const { server, provider } = await setup({ rejectJsonSchema: true }, { structuredOutputs: 'json-schema' });
    const error = await failure(provider.generate(fakePaperRequest(paper)));
    expect(error).toMatchObject({ code: 'LLM_UNAVAILABLE', isRetryable: false, details: { status: 400 } });
    expect(error.message).toMatch(/'response_format' of type 'json_schema' is not supported/);
    expect(server.requests).toHaveLength(1);
  });

  it('json-mode: asks for json_object and puts the schema in the system prompt', async () => {
    const { server, provider } = await setup({}, { structuredOutputs: 'json-mode' });
    expect((await provider.generate(fakePaperRequest(paper))).object).toEqual(paper.answer);
    expect(server.requests[0]!.body).toMatchObject({ response_format: { type: 'json_object' } });
    expect(JSON.stringify(server.requests[0]!.body)).toContain('additionalProperties');
  });

  it('strictJsonSchema: false is passed as json_schema.strict', async () => {
    const { server, provider } = await setup({}, { strictJsonSchema: false });
    await provider.generate(fakePaperRequest(paper));
    expect(server.requests[0]!.body).toMatchObject({ response_format: { json_schema: { strict: false } } });
  });
});
