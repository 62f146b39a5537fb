/** The Azure OpenAI provider against the fake LLM server's deployment route: URL, api-version, api-key, faults and fallback. */
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
import { azureResourceUrl, createAzureProvider, defaultAzureApiVersion, metadata, type AzureProviderOptions } from './index.js';

const apiKey = 'azure-NEVER-SHOW-0a1b2c3d4e5f';
const { papers } = loadFakeLlmPapers();
const paper = papers[2]!;

let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(serverOptions: FakeLlmServerOptions = {}, providerOptions: Partial<AzureProviderOptions> = {}) {
  server = await startFakeLlmServer({ apiKey, model: 'gpt-4o-2024-08-06', ...serverOptions });
  const provider = createAzureProvider({ baseUrl: server.url, apiKey, deployment: 'digest-gpt4o', ...providerOptions });
  return {
    server,
    provider,
    endpoint: `${server.url}/openai/deployments/digest-gpt4o/chat/completions?api-version=${providerOptions.apiVersion ?? defaultAzureApiVersion}`,
  };
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
  it('names what it needs and refuses to start without it', () => {
    expect(metadata.requires).toEqual(['OPENAI_AZURE_API_KEY', 'OPENAI_AZURE_BASE', 'OPENAI_AZURE_ENGINE']);
    expect(() => createAzureProvider({ baseUrl: 'https://r.openai.azure.com', apiKey: '', deployment: '' })).toThrow(
      /missing OPENAI_AZURE_API_KEY, OPENAI_AZURE_ENGINE/,
    );
    expect(() => createAzureProvider({ baseUrl: 'r.openai.azure.com', apiKey: 'k', deployment: 'd' })).toThrow(/not a URL/);
  });

  it('reduces the base URL to the resource endpoint', () => {
    expect(azureResourceUrl('https://r.openai.azure.com')).toBe('https://r.openai.azure.com');
    expect(azureResourceUrl('https://r.openai.azure.com/')).toBe('https://r.openai.azure.com');
    expect(azureResourceUrl('https://r.openai.azure.com/openai')).toBe('https://r.openai.azure.com');
    expect(azureResourceUrl('https://r.openai.azure.com/openai/deployments/x/chat/completions')).toBe('https://r.openai.azure.com');
    expect(azureResourceUrl('https://gateway.example.com/azure/')).toBe('https://gateway.example.com/azure');
  });
});

describe('a good answer', () => {
  it('posts to the deployment with api-version and the api-key header, never a Bearer token, and asks for the schema', async () => {
    const { server, provider } = await setup({ rpm: 60 });
    const result = await provider.generate(fakePaperRequest(paper));
    expect(result.object).toEqual(paper.answer);
    expect(result.model).toBe('gpt-4o-2024-08-06');
    expect(result.usage.totalTokens).toBeGreaterThan(0);
    expect(result.finishReason).toBe('stop');
    expect(result.rateLimit?.remainingRequests).toBe(59);
    expect(provider).toMatchObject({ id: 'azure', modelId: 'digest-gpt4o' });
    const [request] = server.requests;
    expect(request).toMatchObject({ protocol: 'azure', path: '/openai/deployments/digest-gpt4o/chat/completions', query: { 'api-version': '2024-10-21' } });
    expect(request!.headers['api-key']).toBe(apiKey);
    expect(request!.headers.authorization).toBeUndefined();
    expect(request!.output).toBe('json_schema');
    expect(request!.schema).toEqual(paperTextsSchema);
  });

  it('keeps an explicit api-version and extra query parameters', async () => {
    const { server, provider } = await setup({}, { apiVersion: '2025-01-01-preview', queryParams: { trace: '1' } });
    await provider.generate(fakePaperRequest(paper));
    expect(server.requests[0]!.query).toEqual({ trace: '1', 'api-version': '2025-01-01-preview' });
  });

  it('uses the version-less /openai/v1 route for apiVersion v1, with the deployment as the model', async () => {
    const { server, provider } = await setup({}, { apiVersion: 'v1' });
    expect((await provider.generate(fakePaperRequest(paper))).object).toEqual(paper.answer);
    expect(server.requests[0]).toMatchObject({ protocol: 'openai', path: '/openai/v1/chat/completions', query: {}, model: 'digest-gpt4o' });
    expect(server.requests[0]!.headers['api-key']).toBe(apiKey);
  });
});

describe('faults', () => {
  const cases: Array<{ fault: FakeLlmFault; code: string; retryable: boolean; status?: number }> = [
    { fault: { kind: 'rate-limit', retryAfterSeconds: 6, retryAfterMs: 5500 }, code: 'LLM_RATE_LIMITED', retryable: true, status: 429 },
    { fault: 'server-error', code: 'LLM_UNAVAILABLE', retryable: true, status: 500 },
    { fault: 'auth', code: 'LLM_AUTH', retryable: false, status: 401 },
    { fault: 'not-found', code: 'LLM_MODEL_MISSING', retryable: false, status: 404 },
    { fault: 'reset', code: 'LLM_UNAVAILABLE', retryable: true },
    { fault: 'malformed-json', code: 'LLM_OUTPUT_INVALID', retryable: false },
    { fault: 'truncated-json', code: 'LLM_OUTPUT_INVALID', retryable: false },
    { fault: 'refusal', code: 'LLM_OUTPUT_INVALID', retryable: false },
    { fault: 'empty', code: 'LLM_OUTPUT_INVALID', retryable: false },
    { fault: 'hang', code: 'LLM_TIMEOUT', retryable: true },
    { fault: 'stall', code: 'LLM_TIMEOUT', retryable: true },
    { fault: { kind: 'delay', delayMs: 3000 }, code: 'LLM_TIMEOUT', retryable: true },
  ];
  for (const { fault, code, retryable, status } of cases) {
    const name = typeof fault === 'string' ? fault : fault.kind;
    it(`${name} → ${code}, with the deployment URL and no key`, async () => {
      const { provider, endpoint } = await setup({ faults: { always: fault } });
      const started = performance.now();
      const error = await failure(provider.generate(fakePaperRequest(paper, { timeoutMs: 300 })));
      expect(error.code).toBe(code);
      expect(error.isRetryable).toBe(retryable);
      expect(error.message).toContain(endpoint);
      if (status !== undefined) expect(error.details.status).toBe(status);
      if (code === 'LLM_RATE_LIMITED') expect(error.details.retryAfterMs).toBe(5500);
      if (code === 'LLM_AUTH') expect(error.hint).toMatch(/OPENAI_AZURE_API_KEY/);
      if (code === 'LLM_TIMEOUT') expect(performance.now() - started).toBeLessThan(2000);
      expectNoKey(error);
    });
  }

  it('passes a wrong-language answer through for the quality gate', async () => {
    const { provider } = await setup({ faults: { always: 'wrong-language' } });
    expect(((await provider.generate(fakePaperRequest(paper))).object as { abstract: string }).abstract).toBe(paper.abstract);
  });
});

describe('structured output fallback', () => {
  it('auto: an api-version without json_schema (400) switches to JSON mode for good', async () => {
    const { server, provider } = await setup({ rejectJsonSchema: true }, { apiVersion: '2024-02-01' });
    expect((await provider.generate(fakePaperRequest(paper))).object).toEqual(paper.answer);
    await provider.generate(fakePaperRequest(papers[0]!));
    expect(server.requests.map((request) => `${request.output} ${request.status}`)).toEqual(['json_schema 400', 'json_object 200', 'json_object 200']);
    expect(provider.structuredOutputs).toBe('json-mode');
  });
});
