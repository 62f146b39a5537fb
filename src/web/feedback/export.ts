/** A reader's starred papers as BibTeX and RIS (docs/decisions/0040), for Zotero and other reference managers. */
import type { StoredPaper } from '../../core/paper.js';

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** A BibTeX field value: braces balanced (a stray one would end the entry), characters LaTeX treats specially escaped. */
function bibValue(text: string): string {
  let value = oneLine(text)
    .replace(/\\/g, '\\textbackslash{}')
    .replace(/([%&#])/g, '\\$1');
  let depth = 0;
  let balanced = true;
  for (const character of value.replace(/\\[{}]/g, '')) {
    if (character === '{') depth += 1;
    else if (character === '}') depth -= 1;
    if (depth < 0) balanced = false;
  }
  if (!balanced || depth !== 0) value = value.replace(/(?<!\\)[{}]/g, '');
  return `{${value}}`;
}

export const citationKey = (paper: Pick<StoredPaper, 'id'>): string => `arXiv:${paper.id}`.replace(/[^A-Za-z0-9:._-]/g, '_');

const yearOf = (paper: StoredPaper): string | undefined => (paper.submitted ?? paper.announced ?? '').slice(0, 4) || undefined;

export function toBibtex(papers: readonly StoredPaper[]): string {
  return papers
    .map((paper) => {
      const fields: Array<[string, string | undefined]> = [
        ['title', paper.title],
        ['author', paper.authors.map((author) => author.name).join(' and ') || undefined],
        ['year', yearOf(paper)],
        ['eprint', paper.id],
        ['archivePrefix', 'arXiv'],
        ['primaryClass', paper.categories[0]],
        ['doi', paper.doi],
        ['url', `https://arxiv.org/abs/${paper.id}`],
        ['abstract', paper.abstract || undefined],
      ];
      const body = fields
        .filter((field): field is [string, string] => field[1] !== undefined && field[1] !== '')
        .map(([name, value]) => `  ${name} = ${bibValue(value)}`)
        .join(',\n');
      return `@misc{${citationKey(paper)},\n${body}\n}\n`;
    })
    .join('\n');
}

export function toRis(papers: readonly StoredPaper[]): string {
  return papers
    .map((paper) => {
      const lines: string[] = ['TY  - UNPB', `TI  - ${oneLine(paper.title)}`];
      for (const author of paper.authors) lines.push(`AU  - ${oneLine(author.name)}`);
      const year = yearOf(paper);
      if (year) lines.push(`PY  - ${year}`);
      if (paper.abstract) lines.push(`AB  - ${oneLine(paper.abstract)}`);
      if (paper.doi) lines.push(`DO  - ${oneLine(paper.doi)}`);
      lines.push(`UR  - https://arxiv.org/abs/${paper.id}`, `M1  - arXiv:${paper.id}`);
      for (const category of paper.categories) lines.push(`KW  - ${category}`);
      lines.push('ER  - ');
      return `${lines.join('\r\n')}\r\n`;
    })
    .join('\r\n');
}
