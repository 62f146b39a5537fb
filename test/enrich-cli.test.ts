/** End-to-end: `ingest`, `enrich` (OpenAI-compatible API via the original's variables), `papers --json`, `digest`, `render`. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { startFakeLlmServer, type FakeLlmServer } from './helpers/fake-llm-server.js';
import { cleanAbstract, goodPapers, writeFeed } from './helpers/good-papers.js';

const KEY = 'sk-test-secret-0123456789';

describe('enrich through the CLI with the original system variables', () => {
  let sandbox: CliSandbox;
  let server: FakeLlmServer;
  const papers = goodPapers(3);
  let env: Record<string, string>;

  beforeAll(async () => {
    sandbox = createCliSandbox();
    server = await startFakeLlmServer({ papers, apiKey: KEY });
    env = { OPENAI_API_KEY: KEY, OPENAI_API_BASE: server.url, OPENAI_API_MODEL: 'gpt-4o-mini' };
    const feed = join(sandbox.dir, 'cs.CL.xml');
    writeFeed(feed, papers);
    const ingest = await sandbox.run(['ingest', feed]);
    expect(ingest.code, ingest.stderr).toBe(0);
  });
  afterAll(async () => {
    await server.close();
    sandbox.cleanup();
  });

  it('enriches every paper, then a rerun makes zero calls', async () => {
    expect(papers).toHaveLength(3);
    const first = await sandbox.run(['enrich', '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ total: 3, done: 3, failed: [], provider: 'openai-compatible', model: 'gpt-4o-mini', lang: 'zh' });
    expect(first.stderr).toMatch(/enrich: 3 enriched/);
    const callsAfterFirst = server.requests.length;

    const second = await sandbox.run(['enrich', '--json'], { env });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ done: 0, cached: 3, calls: 0 });
    expect(server.requests.length).toBe(callsAfterFirst);
    for (const output of [first.stdout, first.stderr, second.stdout, second.stderr]) expect(output).not.toContain(KEY);
  });

  it('shows the texts with their status and provenance in papers --json, and in a rendered digest', async () => {
    const listed = await sandbox.run(['papers', '--json']);
    const rows = JSON.parse(listed.stdout) as Array<Record<string, any>>;
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const paper = papers.find((candidate) => candidate.id === row.id)!;
      expect(row.texts.zh).toMatchObject({
        status: 'ok',
        title: paper.answer.title,
        tldr: paper.answer.tldr,
        tldrEn: paper.answer.tldrEn,
        provider: 'openai-compatible',
        model: 'gpt-4o-mini',
        promptVersion: 'paper-texts@1',
      });
    }
    const made = await sandbox.run(['digest', 'today', '--category', 'cs.CL']);
    expect(made.code, made.stderr).toBe(0);
    const rendered = await sandbox.run(['render', 'today']);
    expect(rendered.code, rendered.stderr).toBe(0);
    expect(rendered.stdout.startsWith('# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n')).toBe(true);
    for (const paper of papers) {
      expect(rendered.stdout).toContain(`https://arxiv.org/abs/${paper.id}`);
      // The English TL;DR slot is filled, unlike the original's.
      expect(rendered.stdout).toContain(paper.answer.tldrEn.replace(/\s+/g, ' ').slice(0, 30));
    }
  });

  it('stores a refused answer as failed with its reason, and the digest shows the paper untranslated', async () => {
    const other = createCliSandbox();
    const refusing = await startFakeLlmServer({ papers, apiKey: KEY, faults: { always: 'refusal' } });
    try {
      const feed = join(other.dir, 'one.xml');
      writeFeed(feed, papers.slice(0, 1));
      expect((await other.run(['ingest', feed])).code).toBe(0);
      const result = await other.run(['enrich'], { env: { ...env, OPENAI_API_BASE: refusing.url } });
      // A gate failure is a per-paper result, stored with its reason: exit 0 and one warning, so `&&` chains go on.
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/warning: 1 of 1 paper\(s\) failed the quality gate/);
      // A rerun makes no call for the stored failure, says so, and does not fail again.
      const callsBefore = refusing.requests.length;
      const rerun = await other.run(['enrich'], { env: { ...env, OPENAI_API_BASE: refusing.url } });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stderr).toMatch(/1 paper\(s\) failed in an earlier run and were skipped; `--retry-failed`/);
      expect(refusing.requests.length).toBe(callsBefore);
      const [row] = JSON.parse((await other.run(['papers', '--json'])).stdout) as Array<Record<string, any>>;
      expect(row!.texts.zh.status).toBe('failed');
      expect(row!.texts.zh.reason).toMatch(/\w/);
      await other.run(['digest', 'd']);
      const rendered = (await other.run(['render', 'd'])).stdout;
      // The English abstract is shown instead of a translation.
      expect(rendered).toContain(cleanAbstract(papers[0]!.abstract).slice(0, 40));
    } finally {
      await refusing.close();
      other.cleanup();
    }
  });

  it('says in one sentence how to provide a model when there is no API and no local model', async () => {
    // Japanese: the Chinese texts already stored would be reused at no cost.
    const result = await sandbox.run(['enrich', '--provider', 'llama-cpp', '--lang', 'ja', '--ids', papers[0]!.id], {
      env: { XIVDIGEST_HOME: join(sandbox.dir, 'empty-home') },
    });
    expect(result.code).toBe(7);
    const errorLines = result.stderr.split('\n').filter((line) => line.startsWith('xivdigest:'));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(/model/i);
    expect(errorLines[0]).toMatch(/OPENAI_API_KEY|--model/);
  });
});
