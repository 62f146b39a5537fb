/** The Anthropic provider against the fake LLM server's Messages route: output_config and json-tool requests, faults, fallback. */
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
import { createAnthropicProvider, messagesRoot, metadata, type AnthropicProviderOptions } from './index.js';

const apiKey = 'sk-ant-NEVER-SHOW-99aa88bb77cc';
const { papers } = loadFakeLlmPapers();
const paper = papers[1]!;
/** The SDK sends the schema as `output_config.format` for this model. */
const nativeModel = 'claude-haiku-4-5';
/** And as a forced `json` tool for this one. */
const toolModel = 'claude-3-5-haiku-latest';

let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(serverOptions: FakeLlmServerOptions = {}, providerOptions: Partial<AnthropicProviderOptions> = {}) {
  server = await startFakeLlmServer({ apiKey, ...serverOptions });
  const provider = createAnthropicProvider({ baseUrl: server.url, apiKey, model: nativeModel, ...providerOptions });
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

function expectNoKey(error: XivdigestError): void {
  expect([error.oneLine, JSON.stringify(error.details), inspect(error, { depth: 8 })].join('\n')).not.toContain(apiKey);
}

describe('configuration', () => {
  it('names what it needs, and needs a key and a model', () => {
    expect(metadata).toEqual({ id: 'anthropic', requires: ['ANTHROPIC_API_KEY'], concurrent: true });
    expect(() => createAnthropicProvider({ apiKey: '', model: nativeModel })).toThrow(/API key/);
    expect(() => createAnthropicProvider({ apiKey: 'k', model: '' })).toThrow(/model/);
  });

  it('appends /v1 to the base URL like ANTHROPIC_BASE_URL users expect', () => {
    expect(messagesRoot('https://api.anthropic.com')).toBe('https://api.anthropic.com/v1');
    expect(messagesRoot('https://api.anthropic.com/v1/')).toBe('https://api.anthropic.com/v1');
    expect(messagesRoot('https://gateway.example.com/anthropic')).toBe('https://gateway.example.com/anthropic/v1');
    expect(messagesRoot('https://api.anthropic.com/v1/messages')).toBe('https://api.anthropic.com/v1');
  });
});

describe('a good answer', () => {
  it('with output_config.format (native structured output): object, usage, model, headers', async () => {
    const { server, provider } = await setup({ rpm: 50 });
    const result = await provider.generate(fakePaperRequest(paper, { temperature: 0 }));
    expect(result.object).toEqual(paper.answer);
    expect(result.model).toBe(nativeModel);
    expect(result.finishReason).toBe('stop');
    expect(result.usage.inputTokens).toBeGreaterThan(50);
    expect(result.usage.totalTokens).toBe(result.usage.inputTokens + result.usage.outputTokens);
    expect(result.rateLimit?.remainingRequests).toBe(49);
    expect(result.rateLimit?.resetMs).toBeGreaterThan(0);
    const [request] = server.requests;
    expect(request).toMatchObject({ protocol: 'anthropic', path: '/v1/messages', output: 'output_format' });
    expect(request!.schema).toMatchObject({ type: 'object', required: ['title', 'tldr', 'tldrEn', 'abstract'] });
    expect(request!.headers['x-api-key']).toBe(apiKey);
    expect(request!.headers['anthropic-version']).toBe('2023-06-01');
    expect(request!.headers.authorization).toBeUndefined();
    // The API requires max_tokens; the adapter's default keeps the SDK from asking for the model's maximum.
    expect(request!.body).toMatchObject({ model: nativeModel, max_tokens: 4096, temperature: 0 });
  });

  it('with a forced json tool whose input_schema is the schema (older models)', async () => {
    const { server, provider } = await setup({}, { model: toolModel });
    const result = await provider.generate(fakePaperRequest(paper, { maxOutputTokens: 1500 }));
    expect(result.object).toEqual(paper.answer);
    expect(result.finishReason).toBe('stop');
    const body = server.requests[0]!.body as { tools: Array<{ name: string; input_schema: unknown }>; tool_choice: unknown; max_tokens: number };
    expect(server.requests[0]!.output).toBe('json_tool');
    expect(body.tools[0]).toMatchObject({ name: 'json', input_schema: paperTextsSchema });
    expect(body.tool_choice).toMatchObject({ type: 'any' });
    expect(body.max_tokens).toBe(1500);
  });

  it('json-tool can be forced for a model that would use output_config', async () => {
    const { server, provider } = await setup({}, { structuredOutputs: 'json-tool' });
    expect((await provider.generate(fakePaperRequest(paper))).object).toEqual(paper.answer);
    expect(server.requests[0]!.output).toBe('json_tool');
  });

  it('does not read ANTHROPIC_BASE_URL or ANTHROPIC_API_KEY from process.env itself', async () => {
    const saved = { base: process.env.ANTHROPIC_BASE_URL, key: process.env.ANTHROPIC_API_KEY };
    process.env.ANTHROPIC_BASE_URL = 'http://127.0.0.1:9/never';
    process.env.ANTHROPIC_API_KEY = 'from-the-environment';
    try {
      const { server, provider } = await setup();
      await provider.generate(fakePaperRequest(paper));
      expect(server.requests[0]!.headers['x-api-key']).toBe(apiKey);
    } finally {
      if (saved.base === undefined) delete process.env.ANTHROPIC_BASE_URL;
      else process.env.ANTHROPIC_BASE_URL = saved.base;
      if (saved.key === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = saved.key;
    }
  });
});

describe('faults', () => {
  const cases: Array<{ fault: FakeLlmFault; code: string; retryable: boolean; status?: number; body?: RegExp }> = [
    { fault: { kind: 'rate-limit', retryAfterSeconds: 3 }, code: 'LLM_RATE_LIMITED', retryable: true, status: 429, body: /rate_limit_error/ },
    { fault: 'server-error', code: 'LLM_UNAVAILABLE', retryable: true, status: 500, body: /api_error/ },
    { fault: { kind: 'server-error', status: 529 }, code: 'LLM_UNAVAILABLE', retryable: true, status: 529, body: /overloaded_error/ },
    { fault: 'auth', code: 'LLM_AUTH', retryable: false, status: 401, body: /invalid x-api-key: \*\*\*/ },
    { fault: 'quota', code: 'LLM_AUTH', retryable: false, status: 400, body: /credit balance is too low/ },
    { fault: 'not-found', code: 'LLM_MODEL_MISSING', retryable: false, status: 404 },
    { fault: 'reset', code: 'LLM_UNAVAILABLE', retryable: true },
    { fault: 'malformed-json', code: 'LLM_OUTPUT_INVALID', retryable: false },
    { fault: 'truncated-json', code: 'LLM_OUTPUT_INVALID', retryable: false },
    { fault: 'refusal', code: 'LLM_OUTPUT_INVALID', retryable: false, body: /refused/ },
    { fault: 'empty', code: 'LLM_OUTPUT_INVALID', retryable: false, body: /empty content/ },
    { fault: 'hang', code: 'LLM_TIMEOUT', retryable: true },
    { fault: 'stall', code: 'LLM_TIMEOUT', retryable: true },
    { fault: { kind: 'delay', delayMs: 3000 }, code: 'LLM_TIMEOUT', retryable: true },
  ];
  for (const model of [nativeModel, toolModel]) {
    for (const { fault, code, retryable, status, body } of cases) {
      const name = typeof fault === 'string' ? fault : `${fault.kind}${fault.status ? ` ${fault.status}` : ''}`;
      it(`${model}: ${name} → ${code}, with URL, status, excerpt and no key`, async () => {
        const { server, provider } = await setup({ faults: { always: fault } }, { model });
        const started = performance.now();
        const error = await failure(provider.generate(fakePaperRequest(paper, { timeoutMs: 300 })));
        expect(error.code).toBe(code);
        expect(error.isRetryable).toBe(retryable);
        expect(error.message).toContain(`${server.url}/v1/messages`);
        if (status !== undefined) expect(error.details.status).toBe(status);
        if (body) expect(error.message).toMatch(body);
        if (code === 'LLM_RATE_LIMITED') expect(error.details.retryAfterMs).toBe(3000);
        if (code === 'LLM_TIMEOUT') expect(performance.now() - started).toBeLessThan(2000);
        if (code === 'LLM_AUTH') expect(error.hint).toMatch(/ANTHROPIC_API_KEY/);
        expectNoKey(error);
      });
    }
  }

  it('a truncated json-tool call (stop_reason max_tokens) is LLM_OUTPUT_INVALID even though its partial input parses', async () => {
    const { provider } = await setup({ faults: { always: 'truncated-json' } }, { model: toolModel });
    const error = await failure(provider.generate(fakePaperRequest(paper)));
    expect(error.details).toMatchObject({ finishReason: 'length' });
  });

  it('passes a wrong-language answer through for the quality gate', async () => {
    const { provider } = await setup({ faults: { always: 'wrong-language' } });
    expect(((await provider.generate(fakePaperRequest(paper))).object as { abstract: string }).abstract).toBe(paper.abstract);
  });
});

describe('structured output fallback', () => {
  it('auto: a 400 saying output_config is not accepted switches to the json tool for good', async () => {
    const { server, provider } = await setup({ rejectJsonSchema: true });
    expect((await provider.generate(fakePaperRequest(paper))).object).toEqual(paper.answer);
    expect(provider.structuredOutputs).toBe('json-tool');
    await provider.generate(fakePaperRequest(papers[0]!));
    expect(server.requests.map((request) => `${request.output} ${request.status}`)).toEqual(['output_format 400', 'json_tool 200', 'json_tool 200']);
  });

  it('output-format: the 400 is reported, not worked around', async () => {
    const { provider } = await setup({ rejectJsonSchema: true }, { structuredOutputs: 'output-format' });
    const error = await failure(provider.generate(fakePaperRequest(paper)));
    expect(error).toMatchObject({ code: 'LLM_UNAVAILABLE', isRetryable: false, details: { status: 400 } });
    expect(error.message).toMatch(/output_config: Extra inputs are not permitted/);
  });
});
