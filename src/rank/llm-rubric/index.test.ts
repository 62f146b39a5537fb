/** Tests of the LLM rubric ranker through the OpenAI-compatible provider, against local servers speaking chat completions. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Paper } from '../../core/paper.js';
import { createOpenAiCompatibleProvider } from '../../llm/openai-compatible/index.js';
import { startFakeLlmServer, type FakeLlmServer } from '../../../test/helpers/fake-llm-server.js';
import { createLexicalRanker } from '../lexical/index.js';
import { createLlmRubricRanker } from './index.js';

interface ChatBody {
  model: string;
  messages: Array<{ role: string; content: string }>;
  response_format?: { type: string; json_schema?: { name: string } };
}

const servers: Server[] = [];
const fakes: FakeLlmServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

/**
 * A chat-completions server that rates like a reader who wants retrieval papers: 9 when the title says "Retrieval",
 * else 2. `drop` leaves ids out of the answer.
 */
async function ratingServer(drop: string[] = []): Promise<{ url: string; bodies: ChatBody[] }> {
  const bodies: ChatBody[] = [];
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    request.on('end', () => {
      const body = JSON.parse(raw) as ChatBody;
      bodies.push(body);
      const user = body.messages.find((message) => message.role === 'user')!.content;
      const ratings = [...user.matchAll(/id: (\S+)\nTitle: (.*)/g)]
        .filter((match) => !drop.includes(match[1]!))
        .map((match) => ({
          id: match[1],
          score: /retrieval/i.test(match[2]!) ? 9 : 2,
          reason: /retrieval/i.test(match[2]!) ? 'About retrieval, a stated interest.' : 'Off topic.',
        }));
      const content = JSON.stringify({ ratings });
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: `chatcmpl-${bodies.length}`,
          object: 'chat.completion',
          created: 1_767_225_600,
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: {
            prompt_tokens: Math.ceil(user.length / 4),
            completion_tokens: Math.ceil(content.length / 4),
            total_tokens: Math.ceil((user.length + content.length) / 4),
          },
        }),
      );
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies };
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

const papers = [
  paper('2601.00001', 'Galaxy Cluster Masses from Lensing', 'Weak lensing of galaxies.'),
  paper('2601.00002', 'Dense Retrieval with Hard Negatives', 'Passage retrieval for question answering with a dual encoder.'),
  paper('2601.00003', 'Tropical Rainfall Variability', 'Rainfall over oceans.'),
  paper('2601.00004', 'Retrieval-Augmented Generation at Scale', 'Retrieval of passages for generation with language models.'),
  paper('2601.00005', 'Protein Folding Dynamics', 'Folding of proteins in water.'),
];
const library = [
  { title: 'Dense Passage Retrieval for Open-Domain Question Answering', abstract: 'Passage retrieval with dense embeddings.', authors: [], source: 'test' },
];

describe('createLlmRubricRanker', () => {
  it('rates pre-filtered papers in batches with a JSON schema and ranks the rated ones first', async () => {
    const server = await ratingServer();
    const provider = createOpenAiCompatibleProvider({ baseUrl: server.url, model: 'rater-1', apiKey: 'sk-test' });
    const ranker = createLlmRubricRanker({
      provider,
      interests: 'dense retrieval and retrieval-augmented generation',
      library,
      prefilter: createLexicalRanker({ library }),
      prefilterTopK: 4,
      batchSize: 2,
      concurrency: 1,
    });
    expect(ranker.method).toBe('llm-rubric:rater-1');
    const ranked = await ranker.rank(papers);
    expect(
      ranked
        .slice(0, 2)
        .map((entry) => entry.paperId)
        .sort(),
    ).toEqual(['2601.00002', '2601.00004']);
    expect(ranked[0]).toMatchObject({ score: 0.9, reason: { terms: [], text: '9/10: About retrieval, a stated interest.' } });
    expect(ranked.slice(2, 4).map((entry) => entry.score)).toEqual([0.2, 0.2]);
    expect(ranked[4]!.score).toBe(0);
    expect(ranked[4]!.reason.text).toMatch(/^not rated \(below the pre-filter cut\)/);
    // 4 papers, 2 per call.
    expect(server.bodies).toHaveLength(2);
    expect(server.bodies[0]!.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'paper_ratings' } });
    const system = server.bodies[0]!.messages.find((message) => message.role === 'system')!.content;
    expect(system).toContain("Reader's interests: dense retrieval and retrieval-augmented generation");
    expect(system).toContain('- Dense Passage Retrieval for Open-Domain Question Answering');
    expect(ranker.lastReport).toMatchObject({ calls: 2, rated: 4, failed: [], skipped: 1 });
    expect(ranker.lastReport!.inputTokens).toBeGreaterThan(0);
  });

  it('stops at the call budget and leaves the rest unrated', async () => {
    const server = await ratingServer();
    const provider = createOpenAiCompatibleProvider({ baseUrl: server.url, model: 'rater-1' });
    const ranker = createLlmRubricRanker({ provider, interests: 'retrieval', batchSize: 2, concurrency: 1, budget: { maxCalls: 1 } });
    const ranked = await ranker.rank(papers);
    expect(server.bodies).toHaveLength(1);
    expect(ranker.lastReport).toMatchObject({ calls: 1, rated: 2, skipped: 3 });
    expect(ranked.filter((entry) => entry.reason.text === 'not rated (budget spent)')).toHaveLength(3);
  });

  it('reports papers the answer left out as failed, without sinking the others', async () => {
    const server = await ratingServer(['2601.00003']);
    const provider = createOpenAiCompatibleProvider({ baseUrl: server.url, model: 'rater-1' });
    const ranker = createLlmRubricRanker({ provider, interests: 'retrieval', batchSize: 5 });
    const ranked = await ranker.rank(papers);
    expect(ranker.lastReport!.failed).toEqual([{ paperId: '2601.00003', reason: 'the answer has no rating for this paper' }]);
    expect(ranked[ranked.length - 1]).toMatchObject({
      paperId: '2601.00003',
      score: 0,
      reason: { text: 'not rated: the answer has no rating for this paper' },
    });
    expect(ranker.lastReport!.rated).toBe(4);
  });

  it('marks every paper failed when the model answers with something else (the fake LLM server answers paper texts)', async () => {
    const fake = await startFakeLlmServer();
    fakes.push(fake);
    const provider = createOpenAiCompatibleProvider({ baseUrl: fake.url, model: 'fake-model' });
    const ranker = createLlmRubricRanker({ provider, interests: 'retrieval', batchSize: 3 });
    const ranked = await ranker.rank(papers);
    expect(fake.requests).toHaveLength(2);
    expect(ranker.lastReport!.failed).toHaveLength(5);
    expect(ranked.every((entry) => entry.score === 0)).toBe(true);
    expect(ranked.map((entry) => entry.paperId)).toEqual(papers.map((candidate) => candidate.id));
  });

  it('ends the ranking on an authentication error', async () => {
    const fake = await startFakeLlmServer({ apiKey: 'sk-right' });
    fakes.push(fake);
    const provider = createOpenAiCompatibleProvider({ baseUrl: fake.url, model: 'fake-model', apiKey: 'sk-wrong' });
    await expect(createLlmRubricRanker({ provider, interests: 'retrieval' }).rank(papers)).rejects.toMatchObject({ code: 'LLM_AUTH' });
  });

  it('needs interests or a library', () => {
    const provider = createOpenAiCompatibleProvider({ baseUrl: 'http://127.0.0.1:9', model: 'm' });
    expect(() => createLlmRubricRanker({ provider, interests: ' ' })).toThrow(/needs the reader's interests/);
  });
});
