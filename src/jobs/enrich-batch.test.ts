/** enrichPapers with a batch client on both databases: the open batch is kept in the store and resumed after an abort, and a budget limits what is submitted. */
import { afterEach, describe, expect, it } from 'vitest';
import { XivdigestError } from '../core/errors.js';
import { createOpenAiBatchClient } from '../llm/batch/openai.js';
import { createOpenAiCompatibleProvider } from '../llm/openai-compatible/index.js';
import { startFakeBatchServer, type FakeBatchServer } from '../../test/helpers/fake-batch-server.js';
import { enrichTestPapers } from '../../test/helpers/synthetic-papers.js';
import { createTempStore, testDatabases, type TempStore } from '../../test/helpers/temp-store.js';
import { batchStateKey, enrichPapers, type EnrichEvent, type OpenBatchRecord } from './enrich.js';

const set = enrichTestPapers(6);

for (const { kind, skipReason } of testDatabases()) {
  describe.skipIf(skipReason !== undefined)(`on '${kind}'`, () => {
    if (skipReason) console.log(`skipping enrich-batch on ${kind}: ${skipReason}`);
    let server: FakeBatchServer | undefined;
    let temp: TempStore | undefined;
    afterEach(async () => {
      await server?.close();
      await temp?.cleanup();
      server = undefined;
      temp = undefined;
    });

    async function setup(hold: boolean) {
      server = await startFakeBatchServer({ papers: set.serverPapers, stepMs: 5, hold });
      temp = await createTempStore(kind);
      const provider = createOpenAiCompatibleProvider({ baseUrl: server.url, model: 'gpt-4o-mini' });
      const client = createOpenAiBatchClient({ baseUrl: server.url, model: 'gpt-4o-mini' });
      return { server, store: temp.store, provider, client };
    }

    it('keeps the open batch in the store when stopped while waiting, and the next run resumes it without submitting again', async () => {
      const { server, store, provider, client } = await setup(true);
      const controller = new AbortController();
      const events: EnrichEvent[] = [];
      const stopped = await enrichPapers({
        store,
        provider,
        papers: set.papers,
        batch: { client, state: store, pollIntervalMs: 10 },
        signal: controller.signal,
        onEvent: (event) => {
          events.push(event);
          if (event.type === 'batch-progress') controller.abort();
        },
      }).catch((error: unknown) => error);
      expect(XivdigestError.isInstance(stopped) && stopped.code).toBe('ABORTED');
      expect((stopped as XivdigestError).details.result).toMatchObject({ done: 0, remaining: 6 });
      const record = await store.getState<OpenBatchRecord>(batchStateKey('openai-compatible', 'gpt-4o-mini', 'paper-texts@1', 'zh'));
      expect(record?.batchId).toMatch(/^batch_/);
      expect(Object.keys(record!.items)).toHaveLength(6);

      server.release();
      const resumed = await enrichPapers({ store, provider, papers: set.papers, batch: { client, state: store, pollIntervalMs: 10 } });
      expect(resumed).toMatchObject({ done: 6, failed: [], batch: { resumed: true, ids: [record!.batchId], answered: 6 } });
      expect(server.submissions).toBe(1);
      expect(server.syncRequests()).toBe(0);
      expect(await store.getState(batchStateKey('openai-compatible', 'gpt-4o-mini', 'paper-texts@1', 'zh'))).toBeUndefined();
    });

    it('forgets a stored batch the provider does not know (404) and submits its papers again', async () => {
      const { server, store, provider, client } = await setup(false);
      const key = batchStateKey('openai-compatible', 'gpt-4o-mini', 'paper-texts@1', 'zh');
      await store.setState(key, { batchId: 'batch_gone', protocol: 'openai', submittedAt: new Date().toISOString(), items: {} } satisfies OpenBatchRecord);
      const events: EnrichEvent[] = [];
      const result = await enrichPapers({
        store,
        provider,
        papers: set.papers,
        batch: { client, state: store, pollIntervalMs: 10 },
        onEvent: (event) => events.push(event),
      });
      expect(result).toMatchObject({ done: 6, batch: { resumed: false, items: 6 } });
      expect(server.submissions).toBe(1);
      expect(events.some((event) => event.type === 'batch-poll-failed' && /404/.test(event.message))).toBe(true);
      expect(await store.getState(key)).toBeUndefined();
    });

    it('submits only the papers whose estimated batch cost fits the budget', async () => {
      const { server, store, provider, client } = await setup(false);
      const result = await enrichPapers({ store, provider, papers: set.papers, budget: 0.0004, batch: { client, state: store, pollIntervalMs: 10 } });
      expect(result.stoppedForBudget).toBe(true);
      expect(result.remaining).toBeGreaterThan(0);
      expect(result.done + result.remaining).toBe(6);
      expect([...server.batches.values()][0]!.items.length).toBe(result.done);
      expect(result.cost!).toBeLessThanOrEqual(0.0004 * 1.5);
    });
  });
}
