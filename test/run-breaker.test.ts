/** The daily `run` with the LLM API unreachable: the circuit breaker stops it after a few calls, with one message and exit 7. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { feedOf } from './helpers/good-papers.js';
import { startTestServer, type TestServer } from './helpers/http-server.js';
import { startResettingServer, type ResettingServer } from './helpers/llm-sinks.js';
import { syntheticPapers } from './helpers/synthetic-papers.js';

const NOW = '2026-11-23T06:00:00Z'; // Mon 01:00 EST: the feed dated Mon 2026-11-23 is out.

describe('xivdigest run with an unreachable LLM API', () => {
  let sandbox: CliSandbox;
  let arxiv: TestServer;
  let sink: ResettingServer;

  beforeAll(async () => {
    sandbox = createCliSandbox();
    arxiv = await startTestServer({ '/rss/cs.CL': { headers: { 'content-type': 'application/rss+xml' }, body: feedOf(syntheticPapers(60, 7500)) } });
    sink = await startResettingServer();
    const config = { subscriptions: [{ name: 'nlp', categories: 'cs.CL', outputs: { dir: join(sandbox.dir, 'out'), formats: ['md'] } }] };
    writeFileSync(join(sandbox.dir, 'xivdigest.config.json'), JSON.stringify(config));
  });
  afterAll(async () => {
    await Promise.all([arxiv.close(), sink.close()]);
    sandbox.cleanup();
  });

  it('stops calling after 5 connection failures in a row and exits 7 with one message naming what to check', async () => {
    const env = { OPENAI_API_KEY: 'sk-run-breaker-0123456789', OPENAI_API_BASE: sink.url, OPENAI_API_MODEL: 'gpt-4o-mini', XIVDIGEST_ARXIV_RSS_URL: arxiv.url };
    const result = await sandbox.run(['run', '--now', NOW], { env });
    expect(result.code, result.stderr).toBe(7);
    expect(sink.connections).toBeGreaterThanOrEqual(5);
    expect(sink.connections).toBeLessThanOrEqual(12);
    const reached = result.stderr.split('\n').filter((line) => /could not be reached/.test(line));
    expect(reached).toHaveLength(1);
    expect(reached[0]).toMatch(/OPENAI_API_BASE/);
  });
});
