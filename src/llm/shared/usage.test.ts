/** Cached prompt tokens as OpenAI, DeepSeek and Anthropic report them, raw and through the synchronous providers. */
import { afterEach, describe, expect, it } from 'vitest';
import { fakePaperRequest, loadFakeLlmPapers, startFakeLlmServer, type FakeLlmServer } from '../../../test/helpers/fake-llm-server.js';
import { createAnthropicProvider } from '../anthropic/index.js';
import { createOpenAiCompatibleProvider } from '../openai-compatible/index.js';
import { usageFromAnthropic, usageFromOpenAi } from './usage.js';

const { papers } = loadFakeLlmPapers();
let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('usage with cached tokens', () => {
  it('reads OpenAI, DeepSeek and Anthropic usage into one shape, cached tokens within the input', () => {
    expect(usageFromOpenAi({ prompt_tokens: 1200, completion_tokens: 100, total_tokens: 1300, prompt_tokens_details: { cached_tokens: 1024 } })).toEqual({
      inputTokens: 1200,
      outputTokens: 100,
      totalTokens: 1300,
      cachedInputTokens: 1024,
    });
    expect(
      usageFromOpenAi({ prompt_tokens: 500, completion_tokens: 50, total_tokens: 550, prompt_cache_hit_tokens: 448, prompt_cache_miss_tokens: 52 }),
    ).toMatchObject({ cachedInputTokens: 448 });
    expect(usageFromAnthropic({ input_tokens: 50, output_tokens: 10, cache_read_input_tokens: 300, cache_creation_input_tokens: 0 })).toEqual({
      inputTokens: 350,
      outputTokens: 10,
      totalTokens: 360,
      cachedInputTokens: 300,
    });
  });

  it('the OpenAI-compatible provider reports DeepSeek cache hits from the raw body', async () => {
    server = await startFakeLlmServer({ promptCache: 'deepseek' });
    const provider = createOpenAiCompatibleProvider({ baseUrl: server.url, model: 'deepseek-chat' });
    const first = await provider.generate(fakePaperRequest(papers[0]!));
    const second = await provider.generate(fakePaperRequest(papers[1]!));
    expect(first.usage.cachedInputTokens).toBeUndefined();
    expect(second.usage.cachedInputTokens).toBeGreaterThan(0);
    expect(second.usage.inputTokens).toBeGreaterThan(second.usage.cachedInputTokens!);
  });

  it('the Anthropic provider marks the system block with cache_control and reads cache writes, then reads', async () => {
    server = await startFakeLlmServer();
    const provider = createAnthropicProvider({ baseUrl: server.url, apiKey: 'sk-ant-test', model: 'claude-haiku-4-5' });
    const first = await provider.generate(fakePaperRequest(papers[0]!));
    const second = await provider.generate(fakePaperRequest(papers[1]!));
    const body = server.requests[0]!.body as { system?: Array<{ cache_control?: unknown }> };
    expect(body.system?.[0]?.cache_control).toEqual({ type: 'ephemeral' });
    expect(first.usage.cacheWriteTokens).toBeGreaterThan(0);
    expect(second.usage.cachedInputTokens).toBe(first.usage.cacheWriteTokens);
  });
});
