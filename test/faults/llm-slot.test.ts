/**
 * Issue 8, "one kill lost 5 calls at concurrency 4: the slot is freed before the answer is saved": an answer that was
 * paid for is stored before its concurrency slot starts the next call, so a kill loses at most the calls in flight.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StoredTexts } from '../../src/core/texts.js';
import { enrichPapers } from '../../src/jobs/enrich.js';
import { createOpenAiCompatibleProvider } from '../../src/llm/openai-compatible/index.js';
import type { Store } from '../../src/store/store.js';
import { startFakeLlmServer, type FakeLlmServer } from '../helpers/fake-llm-server.js';
import { enrichTestPapers } from '../helpers/synthetic-papers.js';
import { createTempStore, type TempStore } from '../helpers/temp-store.js';

const set = enrichTestPapers(6);
let server: FakeLlmServer;
let temp: TempStore;

beforeAll(async () => {
  server = await startFakeLlmServer({ papers: set.serverPapers, latencyMs: 30 });
  temp = await createTempStore('sqlite');
});
afterAll(async () => {
  await temp.cleanup();
  await server.close();
});

it('stores each answer before its slot starts the next call (concurrency 1 and 2)', async () => {
  for (const concurrency of [1, 2]) {
    const papers = concurrency === 1 ? set.papers.slice(0, 3) : set.papers.slice(3, 6);
    const saved: Array<{ id: string; at: number }> = [];
    // The real store, slowed down, with the moment each save committed noted on the server's clock (performance.now()).
    const store: Pick<Store, 'getTexts' | 'saveTexts'> = {
      getTexts: (ids) => temp.store.getTexts(ids),
      saveTexts: async (texts: StoredTexts[]) => {
        // A slow disk: the window in which a kill used to lose the answer.
        await new Promise((resolve) => setTimeout(resolve, 150));
        const result = await temp.store.saveTexts(texts);
        for (const item of texts) saved.push({ id: item.paperId, at: performance.now() });
        return result;
      },
    };
    const before = server.requests.length;
    const result = await enrichPapers({
      store,
      provider: createOpenAiCompatibleProvider({ baseUrl: server.url, model: 'gpt-4o-mini', timeoutMs: 10_000 }),
      papers,
      concurrency,
    });
    expect(result.done).toBe(papers.length);
    const requests = server.requests.slice(before).sort((a, b) => a.receivedAt - b.receivedAt);
    expect(requests).toHaveLength(papers.length);
    // The call that took the slot of the k-th answer arrived only after that answer was stored.
    const answers = requests.map((request) => request.answeredAt!).sort((a, b) => a - b);
    const saves = saved.map((item) => item.at).sort((a, b) => a - b);
    for (let index = concurrency; index < requests.length; index += 1) {
      const freedBy = index - concurrency;
      expect(saves[freedBy], `save ${freedBy} before request ${index}`).toBeLessThan(requests[index]!.receivedAt);
      expect(answers[freedBy]).toBeLessThan(requests[index]!.receivedAt);
    }
  }
});
