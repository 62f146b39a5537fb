/** The optional structured summary: asked with the structured prompt, stored with the texts, repaired when missing. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Paper } from '../core/paper.js';
import { createOpenAiCompatibleProvider } from '../llm/openai-compatible/index.js';
import { PAPER_TEXTS_STRUCTURED_PROMPT_VERSION } from '../llm/prompts/index.js';
import { startFakeLlmServer, type FakeLlmPaper, type FakeLlmServer } from '../../test/helpers/fake-llm-server.js';
import { cleanAbstract, cleanTitle, goodPapers } from '../../test/helpers/good-papers.js';
import { createTempStore, type TempStore } from '../../test/helpers/temp-store.js';
import { buildDigest } from './build-digest.js';
import { enrichPapers } from './enrich.js';

const SUMMARY = {
  motivation: '现有方法在嘈杂环境中效果不佳。',
  method: '作者提出一种新的路由方法。',
  result: '准确率显著提高。',
  conclusion: '该方法适合在设备上部署。',
};

function asPaper(paper: FakeLlmPaper): Paper {
  return {
    id: paper.id,
    version: 1,
    title: cleanTitle(paper.title),
    authors: [{ name: 'Ada Example' }],
    abstract: cleanAbstract(paper.abstract),
    categories: ['cs.CL'],
    links: { abs: `https://arxiv.org/abs/${paper.id}` },
    versions: [{ version: 1 }],
    source: 'arxiv-rss',
  };
}

describe('structured summary', () => {
  let temp: TempStore;
  let server: FakeLlmServer;
  const [withSummary, withoutSummary] = goodPapers(2).map((paper, index) => (index === 0 ? { ...paper, answer: { ...paper.answer, ...SUMMARY } } : paper)) as [
    FakeLlmPaper,
    FakeLlmPaper,
  ];

  beforeEach(async () => {
    temp = await createTempStore('sqlite');
    server = await startFakeLlmServer({ papers: [withSummary, withoutSummary] });
  });
  afterEach(async () => {
    await server.close();
    await temp.cleanup();
  });

  it('is stored with the texts, shown in the digest, and a missing one is repaired, then failed with the reason', async () => {
    const provider = createOpenAiCompatibleProvider({ baseUrl: server.url, model: 'gpt-4o-mini', timeoutMs: 10_000 });
    const papers = [asPaper(withSummary), asPaper(withoutSummary)];
    const result = await enrichPapers({ store: temp.store, provider, papers, promptVersion: PAPER_TEXTS_STRUCTURED_PROMPT_VERSION, maxRepairs: 1 });
    expect(result.done).toBe(1);
    expect(result.failed).toEqual([
      expect.objectContaining({
        id: withoutSummary.id,
        reason: expect.stringMatching(/structured summary is incomplete.*motivation, method, result, conclusion/),
      }),
    ]);
    // The request asked for the four fields in its schema.
    const schema = JSON.stringify(server.requests[0]?.body ?? {});
    expect(schema).toMatch(/motivation/);

    const stored = await temp.store.getTexts([withSummary.id]);
    expect(stored[0]).toMatchObject({ status: 'ok', promptVersion: PAPER_TEXTS_STRUCTURED_PROMPT_VERSION, summary: SUMMARY });

    const digest = buildDigest({ name: 'structured', papers: [{ ...papers[0]!, firstSeen: '2026-11-24T00:00:00.000Z' }], texts: stored, lang: 'zh' });
    expect(digest.entries[0]?.texts.summary).toEqual(SUMMARY);
    await temp.store.saveDigest(digest);
    expect((await temp.store.getDigest('structured'))?.entries[0]?.texts.summary).toEqual(SUMMARY);

    // Texts without a summary do not stand in for a structured run; the plain prompt reuses the structured texts.
    const plain = await enrichPapers({ store: temp.store, provider, papers: [papers[0]!] });
    expect(plain).toMatchObject({ done: 0, calls: 0 });
  });
});
