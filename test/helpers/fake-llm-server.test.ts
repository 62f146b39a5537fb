/** Self-test of the fake LLM server with plain fetch: paper lookup, the three protocols, every fault, the rate window and concurrency. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  estimateTokens,
  fakePaperRequest,
  loadFakeLlmPapers,
  PaperIndex,
  paperTextsSchema,
  startFakeLlmServer,
  titleCore,
  type FakeLlmPaper,
  type FakeLlmServer,
  type FakeLlmServerOptions,
} from './fake-llm-server.js';
import { hasSharedFixtures } from './shared-fixtures.js';

const { papers, source } = loadFakeLlmPapers();
const paper = papers[0]!;
const other = papers[1]!;

let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: FakeLlmServerOptions = {}): Promise<FakeLlmServer> {
  server = await startFakeLlmServer(options);
  return server;
}

function openAiBody(target: Pick<FakeLlmPaper, 'title' | 'abstract'>, format: 'json_schema' | 'json_object' | 'none' = 'json_schema'): Record<string, unknown> {
  const request = fakePaperRequest(target);
  return {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: request.system },
      { role: 'user', content: request.prompt },
    ],
    ...(format === 'json_schema'
      ? { response_format: { type: 'json_schema', json_schema: { name: 'paper_texts', schema: paperTextsSchema, strict: true } } }
      : {}),
    ...(format === 'json_object' ? { response_format: { type: 'json_object' } } : {}),
  };
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<{ status: number; headers: Headers; json: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

const chat = (s: FakeLlmServer): string => `${s.url}/v1/chat/completions`;

describe('loadFakeLlmPapers and PaperIndex', () => {
  it('reads the real corpus when ../shared is there, else our own records, with complete answers', () => {
    expect(source).toBe(hasSharedFixtures ? 'shared-corpus' : 'own-fixtures');
    expect(papers.length).toBeGreaterThanOrEqual(hasSharedFixtures ? 2900 : 3);
    for (const each of papers) {
      expect(each.answer.title && each.answer.tldr && each.answer.tldrEn && each.answer.abstract).toBeTruthy();
      expect(each.id).not.toBe('');
    }
    // Records without `en_tdlr` get an English sentence written from the title.
    const written = papers.find((each) => !each.recordedTldrEn);
    expect(written?.answer.tldrEn).toMatch(/^This paper presents .+\.$/);
  });

  it('finds every paper from a prompt holding its title and abstract, however the prompt is worded', () => {
    const index = new PaperIndex(papers);
    for (const each of papers) {
      const request = fakePaperRequest(each);
      expect(index.find(`${request.system}\n${request.prompt}`)?.id).toBe(each.id);
    }
    // Other wording, JSON quoting, case and spacing do not matter.
    const reworded = `Translate this paper.\n${JSON.stringify({ paper_title: titleCore(paper.title).toUpperCase(), text: paper.abstract.replace(/ /g, '  ') })}`;
    expect(index.find(reworded)?.id).toBe(paper.id);
    expect(index.find('Translate: a paper nobody wrote about nothing at all.')).toBeUndefined();
  });

  it('estimates tokens: one per CJK character, one per four other characters', () => {
    expect(estimateTokens('abcdefgh')).toBe(2);
    expect(estimateTokens('中文摘要')).toBe(4);
  });
});

describe('OpenAI protocol', () => {
  it('answers with the recorded texts, usage and model, and logs headers, body and schema', async () => {
    const s = await start({ apiKey: 'sk-fake-1' });
    const { status, json } = await post(chat(s), openAiBody(paper), { authorization: 'Bearer sk-fake-1' });
    expect(status).toBe(200);
    expect(json.object).toBe('chat.completion');
    expect(json.model).toBe('gpt-4o-mini');
    expect(json.choices[0].finish_reason).toBe('stop');
    expect(JSON.parse(json.choices[0].message.content)).toEqual(paper.answer);
    expect(json.usage.prompt_tokens).toBeGreaterThan(50);
    expect(json.usage.total_tokens).toBe(json.usage.prompt_tokens + json.usage.completion_tokens);
    const [record] = s.requests;
    expect(record).toMatchObject({ n: 1, protocol: 'openai', path: '/v1/chat/completions', paperId: paper.id, output: 'json_schema', status: 200, attempt: 1 });
    expect(record!.headers.authorization).toBe('Bearer sk-fake-1');
    expect(record!.schema).toEqual(paperTextsSchema);
    expect(record!.answeredAt).toBeGreaterThanOrEqual(record!.receivedAt);
  });

  it('refuses a wrong key with 401 and echoes it, as a careless proxy would', async () => {
    const s = await start({ apiKey: 'sk-fake-1' });
    const { status, json } = await post(chat(s), openAiBody(paper), { authorization: 'Bearer sk-wrong-2' });
    expect(status).toBe(401);
    expect(json.error.message).toContain('sk-wrong-2');
  });

  it('reports another model name when asked to (a dated snapshot, an Azure deployment’s model)', async () => {
    const s = await start({ model: (requested) => `${requested}-2024-07-18` });
    expect((await post(chat(s), openAiBody(paper))).json.model).toBe('gpt-4o-mini-2024-07-18');
  });

  it('answers a paper it does not know with a generic but well-formed answer', async () => {
    const s = await start();
    const { json } = await post(chat(s), openAiBody({ title: 'Nothing', abstract: 'Nothing at all happens in this made-up abstract.' }));
    expect(Object.keys(JSON.parse(json.choices[0].message.content))).toEqual(['title', 'tldr', 'tldrEn', 'abstract']);
    expect(s.requests[0]!.paperId).toBeUndefined();
  });
});

describe('Azure and Anthropic protocols', () => {
  it('serves Azure deployments with api-version and the api-key header, and 404s without api-version', async () => {
    const s = await start({ apiKey: 'azure-key-1' });
    const path = `${s.url}/openai/deployments/my-gpt4o/chat/completions`;
    expect((await post(path, openAiBody(paper), { 'api-key': 'azure-key-1' })).status).toBe(404);
    const { status, json } = await post(`${path}?api-version=2024-10-21`, openAiBody(paper), { 'api-key': 'azure-key-1' });
    expect(status).toBe(200);
    expect(json.model).toBe('my-gpt4o');
    expect(s.requests[1]).toMatchObject({ protocol: 'azure', query: { 'api-version': '2024-10-21' }, model: 'my-gpt4o' });
    expect((await post(`${path}?api-version=2024-10-21`, openAiBody(paper), { 'api-key': 'nope' })).json.error.code).toBe('401');
  });

  it('answers Anthropic output_config requests with JSON text and json-tool requests with a tool_use block', async () => {
    const s = await start({ apiKey: 'ak-1' });
    const request = fakePaperRequest(paper);
    const base = {
      model: 'claude-haiku-4-5',
      max_tokens: 4096,
      system: request.system,
      messages: [{ role: 'user', content: [{ type: 'text', text: request.prompt }] }],
    };
    const native = await post(
      `${s.url}/v1/messages`,
      { ...base, output_config: { format: { type: 'json_schema', schema: paperTextsSchema } } },
      { 'x-api-key': 'ak-1' },
    );
    expect(native.json).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn', model: 'claude-haiku-4-5' });
    expect(JSON.parse(native.json.content[0].text)).toEqual(paper.answer);
    expect(native.json.usage.input_tokens).toBeGreaterThan(0);
    const tool = await post(
      `${s.url}/v1/messages`,
      { ...base, tools: [{ name: 'json', input_schema: paperTextsSchema }], tool_choice: { type: 'any' } },
      { 'x-api-key': 'ak-1' },
    );
    expect(tool.json.stop_reason).toBe('tool_use');
    expect(tool.json.content[0]).toMatchObject({ type: 'tool_use', name: 'json', input: paper.answer });
    expect(s.requests.map((each) => each.output)).toEqual(['output_format', 'json_tool']);
    expect(s.requests[1]!.schema).toEqual(paperTextsSchema);
    const denied = await post(`${s.url}/v1/messages`, base, { 'x-api-key': 'wrong' });
    expect(denied.status).toBe(401);
    expect(denied.json.error.type).toBe('authentication_error');
  });
});

describe('faults', () => {
  it('sends 429 with Retry-After, 500, 404, quota and schema-unsupported errors in the protocol’s shape', async () => {
    const s = await start({
      faults: {
        byRequest: {
          1: { kind: 'rate-limit', retryAfterSeconds: 7, retryAfterMs: 6500 },
          2: 'server-error',
          3: { kind: 'server-error', status: 503 },
          4: 'not-found',
          5: 'quota',
          6: 'schema-unsupported',
        },
      },
    });
    const first = await post(chat(s), openAiBody(paper));
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(first.headers.get('retry-after-ms')).toBe('6500');
    expect(first.json.error.code).toBe('rate_limit_exceeded');
    expect((await post(chat(s), openAiBody(paper))).status).toBe(500);
    expect((await post(chat(s), openAiBody(paper))).status).toBe(503);
    expect((await post(chat(s), openAiBody(paper))).json.error.code).toBe('model_not_found');
    expect((await post(chat(s), openAiBody(paper))).json.error.code).toBe('insufficient_quota');
    const unsupported = await post(chat(s), openAiBody(paper));
    expect(unsupported.status).toBe(400);
    expect(unsupported.json.error.message).toMatch(/'response_format' of type 'json_schema' is not supported/);
    expect((await post(chat(s), openAiBody(paper))).status).toBe(200);
    expect(s.requests.map((each) => each.fault)).toEqual(['rate-limit', 'server-error', 'server-error', 'not-found', 'quota', 'schema-unsupported', undefined]);
  });

  it('spoils the content: malformed, truncated, wrong language, refusal, empty', async () => {
    const s = await start({ faults: { byRequest: { 1: 'malformed-json', 2: 'truncated-json', 3: 'wrong-language', 4: 'refusal', 5: 'refusal', 6: 'empty' } } });
    const content = async (format: 'json_schema' | 'json_object' = 'json_schema'): Promise<any> =>
      (await post(chat(s), openAiBody(paper, format))).json.choices[0];
    const malformed = await content();
    expect(() => JSON.parse(malformed.message.content)).toThrow();
    const truncated = await content();
    expect(truncated.finish_reason).toBe('length');
    expect(() => JSON.parse(truncated.message.content)).toThrow();
    expect(JSON.parse((await content()).message.content).abstract).toBe(paper.abstract);
    const schemaRefusal = await content();
    expect(schemaRefusal.message).toMatchObject({ content: null, refusal: expect.stringMatching(/^I'm sorry, I can't/) });
    expect((await content('json_object')).message.content).toMatch(/^I'm sorry, I can't/);
    expect((await content()).message.content).toBe('');
  });

  it('scripts faults per paper and attempt, and by a function', async () => {
    const s = await start({ faults: { byPaper: { [paper.id]: ['server-error', null, 'rate-limit'] } } });
    const statuses = [];
    for (let attempt = 0; attempt < 4; attempt++) statuses.push((await post(chat(s), openAiBody(paper))).status);
    expect(statuses).toEqual([500, 200, 429, 200]);
    expect((await post(chat(s), openAiBody(other))).status).toBe(200);
    expect(s.requests.map((each) => each.attempt)).toEqual([1, 2, 3, 4, 1]);
    s.setFaults((context) => (context.paper?.id === other.id ? 'auth' : undefined));
    expect((await post(chat(s), openAiBody(other))).status).toBe(401);
    expect((await post(chat(s), openAiBody(paper))).status).toBe(200);
  });

  it('delays, hangs until the client gives up, stalls mid-body, and resets the connection', async () => {
    const s = await start({ faults: { byRequest: { 1: { kind: 'delay', delayMs: 150 }, 2: 'hang', 3: 'stall', 4: 'reset' } } });
    const started = performance.now();
    expect((await post(chat(s), openAiBody(paper))).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    await expect(post(chat(s), openAiBody(paper), {}, AbortSignal.timeout(200))).rejects.toThrow(/abort|timeout/i);
    await expect(post(chat(s), openAiBody(paper), {}, AbortSignal.timeout(200))).rejects.toThrow(/abort|timeout/i);
    await expect(post(chat(s), openAiBody(paper))).rejects.toThrow(/fetch failed/);
    await expect.poll(() => s.requests.map((each) => each.status)).toEqual([200, -1, -1, -1]);
    expect(s.inFlight).toBe(0);
  });

  it('answers 400 to every json_schema request when told the server has no structured outputs, and JSON mode as usual', async () => {
    const s = await start({ rejectJsonSchema: true });
    expect((await post(chat(s), openAiBody(paper))).status).toBe(400);
    expect((await post(chat(s), openAiBody(paper, 'json_object'))).status).toBe(200);
  });
});

describe('load behaviour', () => {
  it('limits requests per window with 429 and Retry-After, and reports the headroom', async () => {
    const s = await start({ rpm: 3, rateLimitWindowMs: 400, tpm: 100_000 });
    const answers = [];
    for (let n = 0; n < 4; n++) answers.push(await post(chat(s), openAiBody(paper)));
    expect(answers.map((each) => each.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((each) => each.headers.get('x-ratelimit-remaining-requests'))).toEqual(['2', '1', '0', '0']);
    expect(Number(answers[3]!.headers.get('retry-after-ms'))).toBeGreaterThan(0);
    expect(answers[3]!.headers.get('retry-after')).toBe('1');
    expect(Number(answers[0]!.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThan(100_000);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect((await post(chat(s), openAiBody(paper))).status).toBe(200);
  });

  it('counts requests in flight and the most at once', async () => {
    const s = await start({ latencyMs: 100 });
    await Promise.all(Array.from({ length: 12 }, (_, n) => post(chat(s), openAiBody(papers[n % papers.length]!))));
    expect(s.maxInFlight).toBe(12);
    expect(s.inFlight).toBe(0);
    expect(s.statusCounts()).toEqual({ 200: 12 });
    s.reset();
    expect(s.requests).toHaveLength(0);
  });

  it('handles thousands of requests over keep-alive connections', async () => {
    const s = await start({ logBodies: false });
    const total = 2000;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const n = next++;
        const target = papers[n % papers.length]!;
        const { status, json } = await post(chat(s), openAiBody(target));
        expect(status).toBe(200);
        expect(JSON.parse(json.choices[0].message.content).title).toBe(target.answer.title);
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    expect(s.requests).toHaveLength(total);
    expect(s.requests[0]!.body).toBeUndefined();
    expect(s.maxInFlight).toBeLessThanOrEqual(32);
  });

  it('close() ends hanging requests', async () => {
    const s = await start({ faults: { always: 'hang' } });
    const pending = post(chat(s), openAiBody(paper));
    await expect.poll(() => s.requests.length).toBe(1);
    await s.close();
    server = undefined;
    await expect(pending).rejects.toThrow();
  });
});
