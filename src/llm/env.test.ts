/** providerOptionsFromEnv over every combination of the original system's variables, plus the Anthropic ones. */
import { describe, expect, it } from 'vitest';
import { defaultAnthropicModel, providerOptionsFromEnv } from './env.js';

describe('providerOptionsFromEnv', () => {
  it('returns undefined when nothing is configured, like the original, which stopped there', () => {
    expect(providerOptionsFromEnv({})).toBeUndefined();
    expect(providerOptionsFromEnv({ OPENAI_API_MODEL: 'gpt-4o', OPENAI_REQUEST_TIMEOUT: '30', ANTHROPIC_BASE_URL: 'https://x' })).toBeUndefined();
    expect(providerOptionsFromEnv({ OPENAI_AZURE_API_KEY: 'k', OPENAI_AZURE_ENGINE: 'e' })).toBeUndefined();
  });

  it('treats empty strings as unset, as the original did (`os.environ.get(...) or None`)', () => {
    expect(providerOptionsFromEnv({ OPENAI_API_KEY: '', OPENAI_AZURE_BASE: '', ANTHROPIC_API_KEY: '  ' })).toBeUndefined();
    const selection = providerOptionsFromEnv({ OPENAI_API_KEY: 'sk-1', OPENAI_API_BASE: '', OPENAI_API_MODEL: '', OPENAI_REQUEST_TIMEOUT: '' });
    expect(selection?.options).toEqual({ baseUrl: 'https://api.openai.com', apiKey: 'sk-1', model: 'gpt-3.5-turbo', timeoutMs: 60_000 });
  });

  describe('OpenAI', () => {
    it('OPENAI_API_KEY alone: api.openai.com, the original default model gpt-3.5-turbo, 60 s, and says which were defaulted', () => {
      const selection = providerOptionsFromEnv({ OPENAI_API_KEY: 'sk-1' });
      expect(selection).toEqual({
        kind: 'openai-compatible',
        options: { baseUrl: 'https://api.openai.com', apiKey: 'sk-1', model: 'gpt-3.5-turbo', timeoutMs: 60_000 },
        warnings: ['OPENAI_API_MODEL is unset: using the original default gpt-3.5-turbo'],
        errors: [],
        defaulted: ['timeoutMs', 'model', 'baseUrl'],
      });
    });

    it('with OPENAI_API_BASE, OPENAI_API_MODEL and OPENAI_REQUEST_TIMEOUT', () => {
      const selection = providerOptionsFromEnv({
        OPENAI_API_KEY: 'sk-1',
        OPENAI_API_BASE: 'https://api.deepseek.com',
        OPENAI_API_MODEL: 'deepseek-chat',
        OPENAI_REQUEST_TIMEOUT: '120',
      });
      expect(selection).toEqual({
        kind: 'openai-compatible',
        options: { baseUrl: 'https://api.deepseek.com', apiKey: 'sk-1', model: 'deepseek-chat', timeoutMs: 120_000 },
        warnings: [],
        errors: [],
        defaulted: [],
      });
    });

    it('passes the base URL as given: /v1 is appended by the provider, not here', () => {
      expect(providerOptionsFromEnv({ OPENAI_API_KEY: 'k', OPENAI_API_BASE: 'https://api.openai.com/v1' })?.options).toMatchObject({
        baseUrl: 'https://api.openai.com/v1',
      });
    });

    it('OPENAI_API_BASE without a key: a keyless local server (Ollama, vLLM), with a warning', () => {
      const selection = providerOptionsFromEnv({ OPENAI_API_BASE: 'http://localhost:11434', OPENAI_API_MODEL: 'qwen2.5:7b' });
      expect(selection?.kind).toBe('openai-compatible');
      expect(selection?.options).toEqual({ baseUrl: 'http://localhost:11434', model: 'qwen2.5:7b', timeoutMs: 60_000 });
      expect(selection?.warnings).toEqual(['OPENAI_API_KEY is unset: calls to http://localhost:11434 are sent without a key (fine for local servers)']);
    });

    it('OPENAI_API_KEY wins over ANTHROPIC_API_KEY, saying so', () => {
      const selection = providerOptionsFromEnv({ OPENAI_API_KEY: 'sk-1', OPENAI_API_MODEL: 'gpt-4o-mini', ANTHROPIC_API_KEY: 'ak-1' });
      expect(selection?.kind).toBe('openai-compatible');
      expect(selection?.warnings).toEqual(['ANTHROPIC_API_KEY is ignored: OPENAI_API_KEY is set and the OpenAI settings win']);
    });
  });

  describe('Azure', () => {
    const azure = { OPENAI_AZURE_BASE: 'https://r.openai.azure.com', OPENAI_AZURE_API_KEY: 'az-1', OPENAI_AZURE_ENGINE: 'gpt4o-deploy' };

    it('wins when OPENAI_AZURE_BASE is set, even with OPENAI_API_KEY, as in the original', () => {
      const selection = providerOptionsFromEnv({ ...azure, OPENAI_API_KEY: 'sk-1', OPENAI_API_MODEL: 'gpt-4o', ANTHROPIC_API_KEY: 'ak' });
      expect(selection?.kind).toBe('azure');
      expect(selection?.options).toEqual({
        baseUrl: 'https://r.openai.azure.com',
        apiKey: 'az-1',
        deployment: 'gpt4o-deploy',
        apiVersion: '2024-10-21',
        timeoutMs: 60_000,
      });
      expect(selection?.warnings).toEqual(['OPENAI_API_KEY is ignored: OPENAI_AZURE_BASE is set, and Azure wins (as in the original)']);
      expect(selection?.defaulted).toEqual(['timeoutMs', 'apiVersion']);
    });

    it('keeps OPENAI_AZURE_VERSION, and warns when it predates chat completions (the original default 2022-12-01)', () => {
      expect(providerOptionsFromEnv({ ...azure, OPENAI_AZURE_VERSION: '2024-08-01-preview' })).toMatchObject({
        options: { apiVersion: '2024-08-01-preview' },
        warnings: [],
        defaulted: ['timeoutMs'],
      });
      const old = providerOptionsFromEnv({ ...azure, OPENAI_AZURE_VERSION: '2022-12-01' });
      expect(old?.options).toMatchObject({ apiVersion: '2022-12-01' });
      expect(old?.warnings).toEqual(['OPENAI_AZURE_VERSION 2022-12-01 predates the chat completions API (2023-05-15); set 2024-10-21 or later']);
    });

    it('reports a missing key or engine as errors, as the original refused to call without them', () => {
      const selection = providerOptionsFromEnv({ OPENAI_AZURE_BASE: 'https://r.openai.azure.com' });
      expect(selection?.kind).toBe('azure');
      expect(selection?.errors).toEqual([
        'OPENAI_AZURE_API_KEY is required when OPENAI_AZURE_BASE is set',
        'OPENAI_AZURE_ENGINE (the deployment name) is required when OPENAI_AZURE_BASE is set',
      ]);
      expect(providerOptionsFromEnv({ ...azure, OPENAI_AZURE_ENGINE: '' })?.errors).toHaveLength(1);
    });

    it('takes OPENAI_REQUEST_TIMEOUT too', () => {
      expect(providerOptionsFromEnv({ ...azure, OPENAI_REQUEST_TIMEOUT: '15' })?.options).toMatchObject({ timeoutMs: 15_000 });
    });
  });

  describe('Anthropic', () => {
    it('ANTHROPIC_API_KEY alone: the default model and api.anthropic.com (the provider default)', () => {
      expect(providerOptionsFromEnv({ ANTHROPIC_API_KEY: 'ak-1' })).toEqual({
        kind: 'anthropic',
        options: { apiKey: 'ak-1', model: defaultAnthropicModel, timeoutMs: 60_000 },
        warnings: [],
        errors: [],
        defaulted: ['timeoutMs', 'model', 'baseUrl'],
      });
    });

    it('with ANTHROPIC_BASE_URL, ANTHROPIC_MODEL and OPENAI_REQUEST_TIMEOUT', () => {
      const selection = providerOptionsFromEnv({
        ANTHROPIC_API_KEY: 'ak-1',
        ANTHROPIC_BASE_URL: 'https://gw.example.com',
        ANTHROPIC_MODEL: 'claude-sonnet-4-5',
        OPENAI_REQUEST_TIMEOUT: '90',
      });
      expect(selection?.options).toEqual({ apiKey: 'ak-1', model: 'claude-sonnet-4-5', baseUrl: 'https://gw.example.com', timeoutMs: 90_000 });
      expect(selection?.defaulted).toEqual([]);
    });

    it('wins over a keyless OPENAI_API_BASE, saying so', () => {
      const selection = providerOptionsFromEnv({ ANTHROPIC_API_KEY: 'ak-1', OPENAI_API_BASE: 'http://localhost:11434' });
      expect(selection?.kind).toBe('anthropic');
      expect(selection?.warnings).toEqual(['OPENAI_API_BASE is ignored without OPENAI_API_KEY: ANTHROPIC_API_KEY is set']);
    });
  });

  describe('OPENAI_REQUEST_TIMEOUT', () => {
    it('is seconds; fractions are fine', () => {
      expect(providerOptionsFromEnv({ OPENAI_API_KEY: 'k', OPENAI_REQUEST_TIMEOUT: '2.5' })?.options.timeoutMs).toBe(2500);
    });

    it('reports a value that is not a positive number as an error and keeps 60 s', () => {
      for (const value of ['abc', '0', '-5', '10s']) {
        const selection = providerOptionsFromEnv({ OPENAI_API_KEY: 'k', OPENAI_REQUEST_TIMEOUT: value });
        expect(selection?.options.timeoutMs).toBe(60_000);
        expect(selection?.errors).toEqual([`OPENAI_REQUEST_TIMEOUT must be a positive number of seconds, not "${value}"`]);
      }
    });
  });

  it('is pure: it reads only the object it is given', () => {
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = 'from-process-env';
    try {
      expect(providerOptionsFromEnv({})).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
  });
});
