/**
 * A stand-in PaperSearch that scans the stored papers in memory: substring matching, no ranking beyond a hit count.
 * It lets `serve` and the page tests run before the store implements the search seam (docs/decisions/0028); `serve`
 * switches to `search: store` when it does. Fine for a few thousand papers; the store's index is the real thing.
 */
import type { ArchiveCategory, ArchiveDay, DayQuery, PaperSearch, SearchHit, SearchRequest, SearchResponse, SearchSnippet, SnippetField } from '../core/search.js';
import type { StoredPaper } from '../core/paper.js';
import type { StoredTexts } from '../core/texts.js';
import type { Store } from '../store/store.js';

function listedIn(categories: readonly string[], wanted: readonly string[]): boolean {
  return categories.some((category) => wanted.some((name) => category === name || category.startsWith(`${name}.`)));
}

function inDays(paper: StoredPaper, from?: string, until?: string): boolean {
  if (!from && !until) return true;
  if (!paper.announced) return false;
  return (!from || paper.announced >= from) && (!until || paper.announced <= until);
}

function snippet(field: SnippetField, text: string, terms: string[], lang?: string): SearchSnippet | undefined {
  const lower = text.toLowerCase();
  const spans: Array<[number, number]> = [];
  for (const term of terms) {
    let at = lower.indexOf(term);
    while (at >= 0) {
      spans.push([at, at + term.length]);
      at = lower.indexOf(term, at + term.length);
    }
  }
  if (spans.length === 0) return undefined;
  spans.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push([span[0], span[1]]);
  }
  const start = Math.max(0, merged[0]![0] - 60);
  const end = Math.min(text.length, start + 240);
  const shown = merged.filter(([a, b]) => a >= start && b <= end).map(([a, b]): [number, number] => [a - start, b - start]);
  return { field, ...(lang ? { lang } : {}), text: text.slice(start, end), highlights: shown };
}

export function createScanSearch(store: Store): PaperSearch {
  async function filtered(query: DayQuery): Promise<StoredPaper[]> {
    const papers = await store.getPapers();
    return papers.filter(
      (paper) =>
        (!query.categories?.length || listedIn(paper.categories, query.categories)) &&
        (!query.excludeCategories?.length || !listedIn(paper.categories, query.excludeCategories)) &&
        inDays(paper, query.from, query.until),
    );
  }
  return {
    async search(request: SearchRequest): Promise<SearchResponse> {
      const page = Math.max(1, request.page ?? 1);
      const pageSize = Math.min(100, Math.max(1, request.pageSize ?? 20));
      const lang = request.lang ?? 'zh';
      const papers = await filtered(request);
      const terms = request.q.toLowerCase().split(/\s+/).filter((term) => term !== '');
      const texts = new Map<string, StoredTexts>();
      if (papers.length > 0) {
        for (const text of await store.getTexts(papers.map((paper) => paper.id))) {
          if (text.status === 'ok' && text.lang === lang && !texts.has(text.paperId)) texts.set(text.paperId, text);
        }
      }
      const hits: SearchHit[] = [];
      for (const paper of papers) {
        const translated = texts.get(paper.id);
        const fields: Array<[SnippetField, string, string?]> = [
          ['title', paper.title],
          ['authors', paper.authors.map((author) => author.name).join(', ')],
          ['abstract', paper.abstract],
          ...(translated
            ? ([
                ['translatedTitle', translated.title, lang],
                ['tldr', translated.tldr, lang],
                ['translatedAbstract', translated.abstract, lang],
              ] as Array<[SnippetField, string, string]>)
            : []),
        ];
        const haystack = fields.map(([, text]) => text.toLowerCase()).join('\n');
        if (!terms.every((term) => haystack.includes(term))) continue;
        const snippets = terms.length === 0 ? [] : fields.map(([field, text, textLang]) => snippet(field, text, terms, textLang)).filter((found) => found !== undefined);
        const score = terms.length === 0 || request.sort === 'date' ? 0 : snippets.reduce((sum, found) => sum + found.highlights.length, 0);
        hits.push({
          id: paper.id,
          version: paper.version,
          title: paper.title,
          authors: paper.authors.map((author) => author.name),
          categories: paper.categories,
          ...(paper.announced ? { announced: paper.announced } : {}),
          ...(translated ? { translatedTitle: translated.title, tldr: translated.tldr } : {}),
          score,
          snippets: snippets.slice(0, 3),
        });
      }
      if (terms.length > 0 && request.sort !== 'date') hits.sort((a, b) => b.score - a.score);
      return { total: hits.length, page, pageSize, hits: hits.slice((page - 1) * pageSize, page * pageSize) };
    },
    async announcementDays(query: DayQuery = {}): Promise<ArchiveDay[]> {
      const counts = new Map<string, number>();
      for (const paper of await filtered(query)) if (paper.announced) counts.set(paper.announced, (counts.get(paper.announced) ?? 0) + 1);
      return [...counts].sort((a, b) => (a[0] < b[0] ? 1 : -1)).map(([day, papers]) => ({ day, papers }));
    },
    async archiveCategories(): Promise<ArchiveCategory[]> {
      const byCategory = new Map<string, ArchiveCategory>();
      for (const paper of await store.getPapers()) {
        for (const category of paper.categories) {
          const entry = byCategory.get(category) ?? { category, papers: 0 };
          entry.papers += 1;
          if (paper.announced && (!entry.latestDay || paper.announced > entry.latestDay)) entry.latestDay = paper.announced;
          byCategory.set(category, entry);
        }
      }
      return [...byCategory.values()].sort((a, b) => (a.category < b.category ? -1 : 1));
    },
  };
}
