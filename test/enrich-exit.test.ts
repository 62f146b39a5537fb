/**
 * `enrich` and `digest` on a 150-paper day through the built CLI: gate failures exit 0 with one warning, an unreachable
 * API exits 7 after a few calls with one message, and no paper is dropped unless a limit says which ones.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { startFakeLlmServer, type FakeLlmServer } from './helpers/fake-llm-server.js';
import { feedOf } from './helpers/good-papers.js';
import { closedPort, startResettingServer } from './helpers/llm-sinks.js';
import { syntheticPapers } from './helpers/synthetic-papers.js';

const KEY = 'sk-test-secret-enrich-exit-0123456789';
const papers = syntheticPapers(150, 8000);
const rejected = [papers[5]!.id, papers[77]!.id];
const footnotes = (markdown: string) => markdown.split('\n').filter((line) => /^\[\^\d+\]: /.test(line)).length;
const lines = (stderr: string, prefix: string) => stderr.split('\n').filter((line) => line.startsWith(prefix));

describe('enrich exit codes and digests without silent caps', { timeout: 180_000 }, () => {
  let sandbox: CliSandbox;
  let llm: FakeLlmServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    sandbox = createCliSandbox();
    llm = await startFakeLlmServer({ papers, apiKey: KEY, faults: { byPaper: Object.fromEntries(rejected.map((id) => [id, 'refusal'])) } });
    env = { OPENAI_API_KEY: KEY, OPENAI_API_BASE: llm.url, OPENAI_API_MODEL: 'gpt-4o-mini' };
    // An older day first: the default selection is the latest day only.
    writeFileSync(join(sandbox.dir, 'older.xml'), feedOf(syntheticPapers(30, 9000), 'Fri, 20 Nov 2026 00:00:00 -0500'));
    writeFileSync(join(sandbox.dir, 'today.xml'), feedOf(papers));
    const ingest = await sandbox.run(['ingest', 'older.xml', 'today.xml']);
    expect(ingest.code, ingest.stderr).toBe(0);
  });
  afterAll(async () => {
    await llm.close();
    sandbox.cleanup();
  });

  it('exits 7 with one message and few calls when the API is unreachable, and stores no paper as failed', async () => {
    const sink = await startResettingServer();
    try {
      const result = await sandbox.run(['enrich', '-c', 'cs.CL'], { env: { ...env, OPENAI_API_BASE: sink.url } });
      expect(result.code, result.stderr).toBe(7);
      expect(sink.connections).toBeGreaterThanOrEqual(5);
      expect(sink.connections).toBeLessThanOrEqual(12);
      const errors = lines(result.stderr, 'xivdigest:');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/could not be reached 5 times in a row.*OPENAI_API_BASE/);
      expect(lines(result.stderr, 'warning:')).toHaveLength(0);
      expect(result.stderr).not.toContain(KEY);
    } finally {
      await sink.close();
    }
    const refused = await sandbox.run(['enrich', '-c', 'cs.CL'], { env: { ...env, OPENAI_API_BASE: `http://127.0.0.1:${await closedPort()}/v1` } });
    expect(refused.code, refused.stderr).toBe(7);
    expect(lines(refused.stderr, 'xivdigest:')).toHaveLength(1);
    const listed = JSON.parse((await sandbox.run(['papers', '--json', '-n', '1000'])).stdout) as Array<{ texts?: Record<string, { status: string }> }>;
    expect(listed).toHaveLength(180);
    expect(listed.filter((row) => row.texts?.zh?.status === 'failed' || row.texts?.zh?.status === 'ok')).toHaveLength(0);
  });

  it('exits 0 with one warning line when some papers fail the gate, and enriches the whole latest day', async () => {
    const result = await sandbox.run(['enrich', '-c', 'cs.CL', '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ total: 150, done: 148 });
    const warnings = lines(result.stderr, 'warning:');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/2 of 150 paper\(s\) failed the quality gate.*xivdigest enrich --retry-failed/);
    // Chained commands go on.
    const chained = await sandbox.run(['enrich', '-c', 'cs.CL'], { env });
    expect(chained.code, chained.stderr).toBe(0);
  });

  it('digest keeps every paper of the latest day, and a user-set limit names what it left out', async () => {
    const whole = await sandbox.run(['digest', 'cs.CL', '-c', 'cs.CL']);
    expect(whole.code, whole.stderr).toBe(0);
    expect(whole.stderr).toMatch(/150 papers, 148 translated/);
    const markdown = (await sandbox.run(['render', 'cs.CL'])).stdout;
    expect(footnotes(markdown)).toBe(150);

    const limited = await sandbox.run(['--quiet', 'digest', 'top', '-c', 'cs.CL', '--limit', '50']);
    expect(limited.code, limited.stderr).toBe(0);
    const sorted = papers.map((paper) => paper.id).sort();
    // Newest id first: the 50 newest kept, the 100 oldest named (oldest first), even with --quiet.
    expect(limited.stderr).toContain(`--limit 50 left out 100 of 150 papers (oldest first: ${sorted.slice(0, 5).join(', ')}, … 95 more)`);
    expect(footnotes((await sandbox.run(['render', 'top'])).stdout)).toBe(50);
  });
});
