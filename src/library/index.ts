/** The reader's library: format detection, file import, and filling id-only items from known papers. */
import { readFile } from 'node:fs/promises';
import { XivdigestError } from '../core/errors.js';
import type { LibraryItem, LibraryParseResult } from '../core/library.js';
import type { Paper } from '../core/paper.js';
import { parseArxivIdList } from './arxiv-ids.js';
import { parseBibtex } from './bibtex.js';
import { parseCslJson } from './csl-json.js';
import { parseRis } from './ris.js';
import { parseZoteroRdf } from './zotero-rdf.js';
import { withoutBom } from './fields.js';

export { parseArxivIdList } from './arxiv-ids.js';
export { parseBibtex, readBibtexEntries, splitBibtexNames, type BibtexEntry } from './bibtex.js';
export { parseCslJson } from './csl-json.js';
export { parseRis } from './ris.js';
export { parseZoteroRdf } from './zotero-rdf.js';
export { fetchZoteroLibrary, type ZoteroLibraryOptions } from './zotero-api.js';

export type LibraryFormat = 'bibtex' | 'csl-json' | 'ris' | 'zotero-rdf' | 'arxiv-ids';

export const libraryParsers: Record<LibraryFormat, (text: string, origin: string) => LibraryParseResult> = {
  bibtex: parseBibtex,
  'csl-json': parseCslJson,
  ris: parseRis,
  'zotero-rdf': parseZoteroRdf,
  'arxiv-ids': parseArxivIdList,
};

/**
 * Guesses a library file's format from its content first (extensions lie: `.txt` RIS, `.xml` RDF), then its
 * extension. Undefined when neither tells.
 */
export function detectLibraryFormat(path: string, text: string): LibraryFormat | undefined {
  const head = withoutBom(text).slice(0, 4096).replace(/^\s+/, '');
  if (/^[[{]/.test(head)) return 'csl-json';
  if (/^<\?xml|^<rdf:RDF/.test(head) && /zotero\.org\/namespaces\/export|rdf-syntax-ns/.test(head)) return 'zotero-rdf';
  if (/^TY {1,2}- /m.test(head)) return 'ris';
  if (/^\s*@[A-Za-z]+\s*[{(]/m.test(head)) return 'bibtex';
  const extension = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  if (extension === 'bib' || extension === 'bibtex') return 'bibtex';
  if (extension === 'ris') return 'ris';
  if (extension === 'json') return 'csl-json';
  if (extension === 'rdf') return 'zotero-rdf';
  const lines = head
    .split(/\r?\n/)
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean);
  if (lines.length > 0 && parseArxivIdList(lines.join('\n'), path).problems.length <= lines.length / 2) return 'arxiv-ids';
  return undefined;
}

/**
 * Reads and parses a library file. Throws NOT_FOUND when it cannot be read, FORMAT_UNKNOWN when its format cannot be
 * told, and INPUT_MALFORMED when it yields no item at all but has problems (most likely the wrong file); otherwise the
 * skipped records come back as problems.
 */
export async function readLibraryFile(path: string, format?: LibraryFormat): Promise<LibraryParseResult & { format: LibraryFormat }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new XivdigestError({
      code: 'NOT_FOUND',
      message: `Cannot read the library file ${path} (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`,
      hint: "Check the path in the subscription's library.files (BibTeX, CSL-JSON, RIS, Zotero RDF or a list of arXiv ids)",
      cause,
      details: { file: path },
    });
  }
  const chosen = format ?? detectLibraryFormat(path, text);
  if (!chosen) {
    throw new XivdigestError({
      code: 'FORMAT_UNKNOWN',
      message: `Cannot tell the format of the library file ${path}`,
      hint: 'Export it as BibTeX (.bib), CSL-JSON (.json), RIS (.ris) or Zotero RDF (.rdf), or list one arXiv id per line',
      details: { file: path },
    });
  }
  const result = libraryParsers[chosen](text, path);
  if (result.items.length === 0 && result.problems.length > 0) {
    const first = result.problems[0]!;
    throw new XivdigestError({
      code: 'INPUT_MALFORMED',
      message: `The library file ${path} (${chosen}) has no usable item; line ${first.line}: ${first.message}`,
      hint: `Fix the file or export it again; ${result.problems.length} record(s) could not be read`,
      details: { file: path, format: chosen, line: first.line, problems: result.problems.slice(0, 20) },
    });
  }
  return { ...result, format: chosen };
}

/**
 * Fills title, abstract, authors and year of library items from papers with the same arXiv id (for id lists and terse
 * exports); items that already have an abstract keep their own text.
 */
export function withPaperMetadata(items: LibraryItem[], papers: Iterable<Paper>): LibraryItem[] {
  const byId = new Map<string, Paper>();
  for (const paper of papers) byId.set(paper.id, paper);
  return items.map((item) => {
    const paper = item.arxivId ? byId.get(item.arxivId) : undefined;
    if (!paper || item.abstract) return item;
    const filled: LibraryItem = { ...item, title: item.title || paper.title, abstract: paper.abstract };
    if (item.authors.length === 0) filled.authors = paper.authors.map((author) => author.name);
    const year = paper.submitted ? Number(paper.submitted.slice(0, 4)) : undefined;
    if (item.year === undefined && year) filled.year = year;
    return filled;
  });
}
