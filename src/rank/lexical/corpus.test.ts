/** Conformance of the lexical ranker on real metadata: a library from one arXiv category finds that category in a mixed pool. */
import { describe, expect, it } from 'vitest';
import type { Paper } from '../../core/paper.js';
import { hasSharedFixtures, sharedFixture, sharedSkipReason } from '../../../test/helpers/shared-fixtures.js';
import { fileInput } from '../../sources/shared/document-input.js';
import { parseSeedCache } from '../../sources/seed-cache/parse.js';
import { createLexicalRanker } from './index.js';

describe.skipIf(!hasSharedFixtures)(`lexical ranker on the 3,000-paper corpus${hasSharedFixtures ? '' : ` (${sharedSkipReason})`}`, () => {
  it("puts papers of the library's category well above their share in the top 20", async () => {
    const path = sharedFixture('corpus', 'cn-chat-arxiv-papers-3000.jsonl');
    const papers: Paper[] = [];
    for await (const item of parseSeedCache(fileInput(path), { origin: path })) {
      if (item.type === 'record' && item.paper.categories.length > 0) papers.push(item.paper);
    }
    // Deterministic split: every third cs.CV paper (by id) goes to the library, up to 20; the pool is the rest.
    const vision = papers.filter((paper) => paper.categories[0] === 'cs.CV').sort((a, b) => a.id.localeCompare(b.id));
    const libraryPapers = vision.filter((_paper, index) => index % 3 === 0).slice(0, 20);
    const libraryIds = new Set(libraryPapers.map((paper) => paper.id));
    const pool = papers.filter((paper) => !libraryIds.has(paper.id));
    const ranker = createLexicalRanker({
      library: libraryPapers.map((paper) => ({ title: paper.title, abstract: paper.abstract, authors: [], arxivId: paper.id, source: 'corpus' })),
    });
    const ranked = await ranker.rank(pool);
    const share = pool.filter((paper) => paper.categories[0] === 'cs.CV').length / pool.length;
    const byId = new Map(pool.map((paper) => [paper.id, paper]));
    const hits = ranked.slice(0, 20).filter((entry) => byId.get(entry.paperId)!.categories[0] === 'cs.CV').length;
    expect(share).toBeLessThan(0.15);
    expect(hits / 20).toBeGreaterThan(3 * share);
    expect(ranked[0]!.reason.text).toMatch(/^close to "/);
  });
});
