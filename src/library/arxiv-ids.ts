/** Plain lists of arXiv ids, one per line: `2403.10568`, `arXiv:2403.10568v2`, `hep-th/9901001`, abs/pdf links; `#` starts a comment. */
import type { LibraryItem, LibraryParseResult, LibraryProblem } from '../core/library.js';
import { findArxivId, parseArxivId } from '../core/arxiv-id.js';
import { withoutBom } from './fields.js';

/**
 * Parses an id list. Each line holds one id (text after it, separated by whitespace, is ignored, so `2403.10568 great
 * paper` works); `#` starts a comment. A line whose first word is not an arXiv id or an arxiv.org link is reported.
 * Items carry only the id and an empty title: resolve them against the store or the arXiv API with
 * `withPaperMetadata` before ranking.
 */
export function parseArxivIdList(input: string, origin: string): LibraryParseResult {
  const items: LibraryItem[] = [];
  const problems: LibraryProblem[] = [];
  const seen = new Set<string>();
  withoutBom(input)
    .split(/\r\n|\r|\n/)
    .forEach((raw, index) => {
      const line = index + 1;
      const text = raw.replace(/(^|\s)#.*$/, '').trim();
      if (text === '') return;
      const word = text.split(/\s+/)[0]!;
      const id = idFromWord(word);
      if (!id) {
        problems.push({ line, message: `not an arXiv id: ${JSON.stringify(word.length > 80 ? `${word.slice(0, 80)}…` : word)}` });
        return;
      }
      // A list may name a paper twice (once per version); the library holds it once.
      if (seen.has(id)) return;
      seen.add(id);
      items.push({ title: '', authors: [], arxivId: id, source: `${origin}:${line}` });
    });
  return { items, problems };
}

function idFromWord(word: string): string | undefined {
  const direct = parseArxivId(word);
  if (direct) return direct.id;
  if (/^(?:https?:\/\/)?(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf|html)\//i.test(word)) return findArxivId(word)?.id;
  const doi = /^(?:https?:\/\/doi\.org\/|doi:)?10\.48550\/arxiv\.(.+)$/i.exec(word);
  if (doi) return parseArxivId(doi[1]!)?.id;
  return undefined;
}
