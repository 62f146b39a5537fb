/**
 * End-to-end: a paper whose answer the gate rejects, from an API whose base URL carries a token in its path. The
 * technical reason is in `papers --json`; `digest` + `render` in every format show the reader's note and none of it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { startFakeLlmServer, type FakeLlmServer } from './helpers/fake-llm-server.js';
import { goodPapers, writeFeed } from './helpers/good-papers.js';

const KEY = 'sk-test-secret-0123456789';
const PATH_TOKEN = 'tok-PLANTED-4f9a2c';

describe('an untranslated paper through the CLI', () => {
  let sandbox: CliSandbox;
  let server: FakeLlmServer;
  const papers = goodPapers(1);

  beforeAll(async () => {
    sandbox = createCliSandbox();
    server = await startFakeLlmServer({ papers, apiKey: KEY, faults: { always: 'refusal' } });
    const feed = join(sandbox.dir, 'cs.CL.xml');
    writeFeed(feed, papers);
    expect((await sandbox.run(['ingest', feed])).code).toBe(0);
    const base = `${server.url}/${PATH_TOKEN}/v1`;
    const enrich = await sandbox.run(['enrich'], { env: { OPENAI_API_KEY: KEY, OPENAI_API_BASE: base, OPENAI_API_MODEL: 'gpt-4o-mini' } });
    expect(enrich.code, enrich.stderr).toBe(0); // a gate failure is a per-paper result, not a failed command (decision 0019)
    expect(server.requests.length).toBeGreaterThan(0);
  });
  afterAll(async () => {
    await server.close();
    sandbox.cleanup();
  });

  it('keeps the technical reason for papers --json and shows readers only the note, in every format', async () => {
    const [row] = JSON.parse((await sandbox.run(['papers', '--json'])).stdout) as Array<{ texts: Record<string, { status: string; reason?: string }> }>;
    expect(row!.texts.zh!.status).toBe('failed');
    const reason = row!.texts.zh!.reason ?? '';
    expect(reason).toMatch(/\w/);
    // What the reader must not see: the reason itself and any fragment of the endpoint.
    const forbidden = [reason.slice(0, 40), PATH_TOKEN, '127.0.0.1', KEY];
    expect((await sandbox.run(['digest', 'd'])).code).toBe(0);
    for (const format of ['md', 'md-rich', 'html', 'rss', 'atom', 'json', 'txt']) {
      const rendered = await sandbox.run(['render', 'd', '--format', format]);
      expect(rendered.code, rendered.stderr).toBe(0);
      for (const secret of forbidden) expect({ format, leaked: rendered.stdout.includes(secret) ? secret : null }).toEqual({ format, leaked: null });
      expect({ format, note: rendered.stdout.includes('翻译暂不可用') }).toEqual({ format, note: true });
    }
  });
});
