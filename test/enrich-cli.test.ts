/** End-to-end: `ingest`, `enrich` (OpenAI-compatible API via the original's variables), `papers --json`, `digest`, `render`. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTexts } from '../src/llm/validate/index.js';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { loadFakeLlmPapers, startFakeLlmServer, type FakeLlmPaper, type FakeLlmServer } from './helpers/fake-llm-server.js';

const KEY = 'sk-test-secret-0123456789';

/** Papers whose recorded answers pass the gate, so the happy path is deterministic with or without ../shared. */
function goodPapers(count: number): FakeLlmPaper[] {
  const chosen: FakeLlmPaper[] = [];
  for (const paper of loadFakeLlmPapers().papers) {
    const source = { title: cleanTitle(paper.title), abstract: cleanAbstract(paper.abstract) };
    if (paper.recordedTldrEn && checkTexts(paper.answer, source, { lang: 'zh', abstractTruncated: source.abstract.length >= 900 }).ok) chosen.push(paper);
    if (chosen.length === count) break;
  }
  return chosen;
}

const cleanTitle = (title: string) => title.replace(/\s*\(arXiv[^\n]+/, '').replace(/\s+/g, ' ').trim();
const cleanAbstract = (abstract: string) => abstract.replace(/^arXiv:\S+ Announce Type: \S+\s+Abstract:\s*/, '').trim();
const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An rss.arxiv.org-style feed holding the papers, so that they enter the store the way a fetched feed would. */
function writeFeed(path: string, papers: FakeLlmPaper[]): void {
  const items = papers.map((paper) => `    <item>
      <title>${escapeXml(cleanTitle(paper.title))}</title>
      <link>https://arxiv.org/abs/${paper.id}</link>
      <description>arXiv:${paper.id}v1 Announce Type: new 
Abstract: ${escapeXml(cleanAbstract(paper.abstract))}</description>
      <guid isPermaLink="false">oai:arXiv.org:${paper.id}v1</guid>
      <category>cs.CL</category>
      <pubDate>Mon, 23 Nov 2026 00:00:00 -0500</pubDate>
      <arxiv:announce_type>new</arxiv:announce_type>
      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
      <dc:creator>Ada Example, Bo Sample</dc:creator>
    </item>`);
  writeFileSync(path, `<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">
  <channel>
    <title>cs.CL updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/cs.CL</link>
    <description>cs.CL updates on the arXiv.org e-print archive.</description>
    <pubDate>Mon, 23 Nov 2026 00:00:00 -0500</pubDate>
${items.join('\n')}
  </channel>
</rss>
`);
}

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
      expect(row.texts.zh).toMatchObject({ status: 'ok', title: paper.answer.title, tldr: paper.answer.tldr, tldrEn: paper.answer.tldrEn, provider: 'openai-compatible', model: 'gpt-4o-mini', promptVersion: 'paper-texts@1' });
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
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/1 of 1 paper\(s\) failed/);
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
    const result = await sandbox.run(['enrich', '--provider', 'llama-cpp', '--lang', 'ja', '--ids', papers[0]!.id], { env: { XIVDIGEST_HOME: join(sandbox.dir, 'empty-home') } });
    expect(result.code).toBe(7);
    const errorLines = result.stderr.split('\n').filter((line) => line.startsWith('xivdigest:'));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(/model/i);
    expect(errorLines[0]).toMatch(/OPENAI_API_KEY|--model/);
  });
});
