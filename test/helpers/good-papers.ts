/** Fake-LLM papers whose recorded answers pass the quality gate, and an rss.arxiv.org-style feed of them. */
import { writeFileSync } from 'node:fs';
import { checkTexts } from '../../src/llm/validate/index.js';
import { loadFakeLlmPapers, type FakeLlmPaper } from './fake-llm-server.js';

/** Papers whose recorded answers pass the gate, so the happy path is deterministic with or without ../shared. */
export function goodPapers(count: number): FakeLlmPaper[] {
  const chosen: FakeLlmPaper[] = [];
  for (const paper of loadFakeLlmPapers().papers) {
    const source = { title: cleanTitle(paper.title), abstract: cleanAbstract(paper.abstract) };
    if (paper.recordedTldrEn && checkTexts(paper.answer, source, { lang: 'zh', abstractTruncated: source.abstract.length >= 900 }).ok) chosen.push(paper);
    if (chosen.length === count) break;
  }
  return chosen;
}

export const cleanTitle = (title: string) =>
  title
    .replace(/\s*\(arXiv[^\n]+/, '')
    .replace(/\s+/g, ' ')
    .trim();
export const cleanAbstract = (abstract: string) => abstract.replace(/^arXiv:\S+ Announce Type: \S+\s+Abstract:\s*/, '').trim();
const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An rss.arxiv.org-style feed holding the papers, so that they enter the store the way a fetched feed would. */
export function writeFeed(path: string, papers: FakeLlmPaper[]): void {
  writeFileSync(path, feedOf(papers));
}

/** The feed text, dated Mon 2026-11-23 unless `pubDate` says otherwise. */
export function feedOf(papers: FakeLlmPaper[], pubDate = 'Mon, 23 Nov 2026 00:00:00 -0500'): string {
  const items = papers.map(
    (paper) => `    <item>
      <title>${escapeXml(cleanTitle(paper.title))}</title>
      <link>https://arxiv.org/abs/${paper.id}</link>
      <description>arXiv:${paper.id}v1 Announce Type: new 
Abstract: ${escapeXml(cleanAbstract(paper.abstract))}</description>
      <guid isPermaLink="false">oai:arXiv.org:${paper.id}v1</guid>
      <category>cs.CL</category>
      <pubDate>${pubDate}</pubDate>
      <arxiv:announce_type>new</arxiv:announce_type>
      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
      <dc:creator>Ada Example, Bo Sample</dc:creator>
    </item>`,
  );
  return `<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">
  <channel>
    <title>cs.CL updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/cs.CL</link>
    <description>cs.CL updates on the arXiv.org e-print archive.</description>
    <pubDate>${pubDate}</pubDate>
${items.join('\n')}
  </channel>
</rss>
`;
}
