/** Field clean-up shared by the library importers: LaTeX to text, names, arXiv ids, DOIs, years and dates. */
import { findArxivId, parseArxivId } from '../core/arxiv-id.js';
import { texToUnicode } from '../core/authors.js';

// Escaped specials and a few text-mode commands BibTeX files use in titles and abstracts.
const TEX_SPECIALS: Array<[RegExp, string]> = [
  [/\\([&%$#_{}])/g, '$1'],
  [/\\textemdash\b\s*|---/g, '—'],
  [/\\textendash\b\s*|--/g, '–'],
  [/\\(?:ldots|dots)\b\s*/g, '…'],
  [/``|''/g, '"'],
  [/(?<!\\)~/g, ' '],
];

/** LaTeX as BibTeX writes it (`{\"u}`, `\'e`, `{GPT}-4`, `\emph{x}`, `\&`) to plain text with collapsed whitespace. */
export function latexToText(text: string): string {
  let result = text;
  for (const [pattern, replacement] of TEX_SPECIALS) result = result.replace(pattern, replacement);
  result = texToUnicode(result);
  // Whatever command is left (\emph, \textit, \mathrm) only formats its argument, whose braces are already gone.
  result = result.replace(/\\[A-Za-z]+\*?\s*/g, '').replace(/\\(?=[^A-Za-z])/g, '');
  return collapse(result);
}

/** Collapses runs of whitespace to one space and trims. */
export function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** `Vaswani, Ashish` → `Ashish Vaswani`; `von Neumann, John` → `John von Neumann`; `Last, Jr., First` → `First Last Jr.`. */
export function personName(name: string): string {
  const parts = name
    .split(',')
    .map((part) => collapse(part))
    .filter((part) => part !== '');
  if (parts.length === 0) return '';
  if (parts.length === 1) return parts[0]!;
  if (parts.length === 2) return `${parts[1]} ${parts[0]}`;
  return `${parts.slice(2).join(' ')} ${parts[0]} ${parts[1]}`;
}

/** Joins a given and a family name, whichever are present. */
export function joinName(given: string | undefined, family: string | undefined): string {
  return collapse(`${given ?? ''} ${family ?? ''}`);
}

/**
 * The arXiv id in an identifier-ish value: `2403.10568v2`, `arXiv:2403.10568`, `https://arxiv.org/abs/…`, the arXiv DOI
 * `10.48550/arXiv.2403.10568`, `arXiv: 2403.10568` (Zotero's `extra`). Returns undefined when none is there; a bare
 * number that merely looks like an id (`1234.5678` inside prose) only counts when the value names arXiv.
 */
export function arxivIdFrom(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const text = value.trim();
  const bare = parseArxivId(text);
  if (bare) return bare.id;
  const doi = /10\.48550\/arxiv\.(.+?)\s*$/i.exec(text);
  if (doi) return parseArxivId(doi[1]!)?.id;
  const labelled = /arxiv(?:\.org)?[:/\s]*(?:abs\/|pdf\/)?\s*([a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?/i.exec(text);
  if (labelled) return parseArxivId(labelled[1]!)?.id;
  if (/arxiv\.org\//i.test(text)) return findArxivId(text)?.id;
  return undefined;
}

/** `https://doi.org/10.1000/XYZ` or `doi:10.1000/XYZ` → `10.1000/xyz` (DOIs are case-insensitive); undefined when none. */
export function normalizeDoi(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const match = /(10\.\d{4,9}\/\S+)/.exec(value.trim());
  return match ? match[1]!.replace(/[.,;]+$/, '').toLowerCase() : undefined;
}

/** The first plausible four-digit year (1000–2999) in a value: `2017`, `2017/06/12/`, `June 2017`. */
export function yearFrom(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1000 && value < 3000 ? value : undefined;
  const match = /(?<!\d)([12]\d{3})(?!\d)/.exec(value);
  return match ? Number(match[1]) : undefined;
}

/**
 * An ISO date or date-time from the forms reference managers write: `2023-05-01`, `2023-05-01 10:00:00` (Zotero,
 * local time written as UTC), `2023-05-01T10:00:00Z`, `2023/05/01`, BibDesk's `2019-03-04 10:00:00 +0100`.
 * Undefined when the value has no year-month-day.
 */
export function isoDateFrom(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const text = value.trim();
  const match = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?/.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, zone] = match;
  const date = `${year}-${month!.padStart(2, '0')}-${day!.padStart(2, '0')}`;
  if (Number.isNaN(Date.parse(date))) return undefined;
  if (hour === undefined) return date;
  const offset = zone === undefined || zone === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const iso = `${date}T${hour.padStart(2, '0')}:${minute}:${second ?? '00'}${offset}`;
  const time = Date.parse(iso);
  return Number.isNaN(time) ? date : new Date(time).toISOString().replace('.000Z', 'Z');
}

/** Returns a function from offset to 1-based line number (binary search over the line starts). */
export function lineLocator(text: string): (offset: number) => number {
  const starts = [0];
  for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) starts.push(index + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
}

/** Drops a leading byte-order mark. */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
