/** End-to-end: `run` with `llm.batch: true` enriches the selected papers through the batch API and the run report names the batch, cached tokens and the saving. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { startFakeBatchServer, type FakeBatchServer } from './helpers/fake-batch-server.js';
import { feedOf, goodPapers } from './helpers/good-papers.js';
import { startTestServer, type TestServer } from './helpers/http-server.js';

const KEY = 'sk-test-secret-run-batch-0123456789';
const NOW = '2026-11-23T06:00:00Z'; // Mon 01:00 EST: the feed dated Mon 2026-11-23 is out.

describe('run with llm.batch', () => {
  let sandbox: CliSandbox;
  let llm: FakeBatchServer;
  let arxiv: TestServer;
  let env: Record<string, string>;
  const papers = goodPapers(3);

  beforeAll(async () => {
    sandbox = createCliSandbox();
    llm = await startFakeBatchServer({ papers, apiKey: KEY, stepMs: 10 });
    arxiv = await startTestServer({ '/rss/cs.CL': { headers: { 'content-type': 'application/rss+xml' }, body: feedOf(papers) } });
    env = { OPENAI_API_KEY: KEY, OPENAI_API_BASE: llm.url, OPENAI_API_MODEL: 'gpt-4o-mini', XIVDIGEST_ARXIV_RSS_URL: arxiv.url };
    const config = {
      llm: { batch: true, batchPollSeconds: 0.02 },
      subscriptions: [{ name: 'nlp', categories: 'cs.CL', outputs: { dir: join(sandbox.dir, 'out'), formats: ['md'] } }],
    };
    writeFileSync(join(sandbox.dir, 'xivdigest.config.json'), JSON.stringify(config));
  });
  afterAll(async () => {
    await Promise.all([llm.close(), arxiv.close()]);
    sandbox.cleanup();
  });

  it('submits one batch, makes no synchronous call, and reports the batch, cached tokens and the saving', async () => {
    const result = await sandbox.run(['run', '--now', NOW], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(llm.submissions).toBe(1);
    expect(llm.syncRequests()).toBe(0);
    expect(result.stdout).toMatch(/enriched: 3 new/);
    expect(result.stdout).toMatch(/tokens \(\d+ cached\)/);
    expect(result.stdout).toMatch(/saved \$/);
    expect(result.stdout).toMatch(/batch batch_\d+/);
    expect(result.stdout + result.stderr).not.toContain(KEY);
  });
});
