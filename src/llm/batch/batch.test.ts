/** The batch clients against the fake batch server: submit, status progression, collect, expired and failed items, errors files, cached tokens. */
import { afterEach, describe, expect, it } from 'vitest';
import { XivdigestError } from '../../core/errors.js';
import { fakePaperRequest, loadFakeLlmPapers } from '../../../test/helpers/fake-llm-server.js';
import { startFakeBatchServer, type FakeBatchServer, type FakeBatchServerOptions } from '../../../test/helpers/fake-batch-server.js';
import { createAnthropicBatchClient } from './anthropic.js';
import { createOpenAiBatchClient } from './openai.js';
import type { BatchClient, BatchProgress } from './types.js';

const apiKey = 'sk-batch-NEVER-SHOW-1234abcd';
const { papers } = loadFakeLlmPapers();
const chosen = papers.slice(0, 4);
const requests = chosen.map((paper, index) => ({ customId: `p${index}`, request: fakePaperRequest(paper) }));

let server: FakeBatchServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: FakeBatchServerOptions = {}): Promise<FakeBatchServer> {
  server = await startFakeBatchServer({ apiKey, stepMs: 5, ...options });
  return server;
}

async function untilEnded(client: BatchClient, id: string): Promise<BatchProgress[]> {
  const seen: BatchProgress[] = [];
  for (;;) {
    const progress = await client.poll(id);
    seen.push(progress);
    if (progress.ended) return seen;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('OpenAI-compatible batch client', () => {
  it('uploads a JSONL file, creates the batch, follows it to completed and reads the output file with cached tokens', async () => {
    const fake = await start();
    const client = createOpenAiBatchClient({ baseUrl: fake.url, apiKey, model: 'gpt-4o-mini' });
    const id = await client.submit(requests);
    expect(fake.submissions).toBe(1);
    const [input] = [...fake.files.values()];
    const lines = input!.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({
      custom_id: 'p0',
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'gpt-4o-mini', response_format: { type: 'json_schema' } },
    });
    // The instructions come first and are the same in every line: the cacheable prefix.
    const bodies = lines.map((line) => line.body as { messages: Array<{ role: string; content: string }> });
    expect(new Set(bodies.map((body) => body.messages[0]!.content)).size).toBe(1);
    expect(bodies[0]!.messages[0]!.role).toBe('system');

    const seen = await untilEnded(client, id);
    expect(seen.at(-1)).toMatchObject({ status: 'completed', total: 4, finished: 4, failed: 0, ended: true });
    const outcomes = await client.collect(id);
    expect(outcomes).toHaveLength(4);
    for (const outcome of outcomes) {
      expect(outcome.ok).toBe(true);
      if (outcome.ok) expect(outcome.result.object).toHaveProperty('title');
    }
    const cached = outcomes.map((outcome) => (outcome.ok ? (outcome.result.usage.cachedInputTokens ?? 0) : 0));
    // The fake caches a prefix after its first sight: three of four items read it.
    expect(cached.filter((tokens) => tokens > 0)).toHaveLength(3);
    expect(fake.llm.requests.every((request) => request.headers['x-fake-batch'] === id)).toBe(true);
  });

  it('reports expired items from the errors file as unanswered, and unusable answers as LLM_OUTPUT_INVALID', async () => {
    const fake = await start({ expire: (customId) => customId === 'p1', faults: { byPaper: { [chosen[2]!.id]: 'malformed-json' } } });
    const client = createOpenAiBatchClient({ baseUrl: fake.url, apiKey, model: 'gpt-4o-mini' });
    const id = await client.submit(requests);
    const seen = await untilEnded(client, id);
    expect(fake.batches.get(id)!.history).toEqual(['validating', 'in_progress', 'finalizing', 'expired']);
    expect(seen.at(-1)).toMatchObject({ status: 'expired', finished: 4, failed: 1 });
    const outcomes = new Map((await client.collect(id)).map((outcome) => [outcome.customId, outcome]));
    expect(outcomes.get('p0')?.ok).toBe(true);
    const expired = outcomes.get('p1')!;
    expect(expired.ok === false && expired.unanswered).toBe(true);
    if (!expired.ok) expect(expired.error.message).toMatch(/batch_expired/);
    const invalid = outcomes.get('p2')!;
    expect(invalid.ok).toBe(false);
    if (!invalid.ok) {
      expect(invalid.unanswered).toBe(false);
      expect(invalid.error.code).toBe('LLM_OUTPUT_INVALID');
      expect(invalid.error.details.usage).toBeDefined();
    }
  });

  it('ends a batch that failed validation with its reason, and refuses a wrong key without showing it', async () => {
    const fake = await start({ failValidation: true });
    const client = createOpenAiBatchClient({ baseUrl: fake.url, apiKey, model: 'gpt-4o-mini' });
    const id = await client.submit(requests);
    const seen = await untilEnded(client, id);
    expect(seen.at(-1)).toMatchObject({ status: 'failed', ended: true });
    expect(seen.at(-1)!.error).toMatch(/JSON/);
    expect(await client.collect(id)).toEqual([]);

    const wrong = createOpenAiBatchClient({ baseUrl: fake.url, apiKey: 'sk-wrong-key-SECRET-777', model: 'gpt-4o-mini' });
    const error = await wrong.submit(requests).catch((caught: unknown) => caught);
    expect(XivdigestError.isInstance(error) && error.code).toBe('LLM_AUTH');
    expect(String((error as Error).message)).not.toContain('sk-wrong-key-SECRET-777');
  });
});

describe('Anthropic Message Batches client', () => {
  it('sends cache_control on the system block, follows the batch to ended and reads cache writes and reads', async () => {
    const fake = await start();
    const client = createAnthropicBatchClient({ baseUrl: fake.url, apiKey, model: 'claude-haiku-4-5' });
    const id = await client.submit(requests);
    expect(id).toMatch(/^msgbatch_/);
    const batch = fake.batches.get(id)!;
    expect(batch.items[0]!.body).toMatchObject({
      system: [{ type: 'text', cache_control: { type: 'ephemeral' } }],
      tool_choice: { type: 'tool', name: 'json' },
    });
    const seen = await untilEnded(client, id);
    expect(seen.at(-1)).toMatchObject({ status: 'ended', total: 4, finished: 4 });
    const outcomes = await client.collect(id);
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    const usages = outcomes.map((outcome) => (outcome.ok ? outcome.result.usage : undefined));
    expect(usages.filter((usage) => (usage?.cacheWriteTokens ?? 0) > 0)).toHaveLength(1);
    expect(usages.filter((usage) => (usage?.cachedInputTokens ?? 0) > 0)).toHaveLength(3);
    // input_tokens leaves the cached part out; LlmUsage counts all of it.
    for (const usage of usages) expect(usage!.inputTokens).toBeGreaterThan(usage!.cachedInputTokens ?? 0);
  });

  it('reports errored and expired items as unanswered', async () => {
    const fake = await start({ expire: (customId) => customId === 'p3', faults: { byPaper: { [chosen[0]!.id]: 'server-error' } } });
    const client = createAnthropicBatchClient({ baseUrl: fake.url, apiKey, model: 'claude-haiku-4-5' });
    const id = await client.submit(requests);
    const seen = await untilEnded(client, id);
    expect(seen.at(-1)).toMatchObject({ status: 'ended', failed: 2 });
    const outcomes = new Map((await client.collect(id)).map((outcome) => [outcome.customId, outcome]));
    expect(outcomes.get('p1')?.ok).toBe(true);
    for (const customId of ['p0', 'p3']) {
      const outcome = outcomes.get(customId)!;
      expect(outcome.ok === false && outcome.unanswered).toBe(true);
    }
  });
});
