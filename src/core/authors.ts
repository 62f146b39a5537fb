/** Author lists written as one string (arXivRaw `<authors>`, Kaggle `authors`): "A (Inst), B and C", TeX accents included. */
import { collapseWhitespace } from './whitespace.js';
import type { Author } from './paper.js';

/** Name suffixes that stay with the name before them. */
export const AUTHOR_SUFFIX = /^(?:Jr\.?|Sr\.?|II|III|IV)$/;
const ET_AL = /^et al\.?$/i;
const AUTHOR_SPECIALS = /[(){}\\]/;
// ", " or " and " or ", and " (the text is whitespace-collapsed first).
const PLAIN_SEPARATOR = / ?,(?: and | ?)| and /;
const NUMBERED_REFERENCES = /^\d+(?:\s*(?:,|and|&)\s*\d+)*$/;
const FOOTNOTE_LIST = /^\(\d+\)/;
const FOOTNOTE_MARK = /\((\d+)\)/g;
const REFERENCE_NUMBER = /\d+/g;
const FOOTNOTE_TRAILER = /[\s,;]+$/;

interface AuthorSegment {
  name: string;
  groups: string[];
}

/**
 * Splits an author string the way arXiv writes it: authors separated by commas and " and " (also ", and"),
 * affiliations in parentheses after a name, and numbered affiliations resolved from a trailing footnote group:
 * `A (1), B (2) ((1) Univ X, (2) Univ Y)`. An affiliation applies to the authors before it that have none
 * (`C and D (Leiden)`: both at Leiden), as arXiv's own parser (and the Kaggle `authors_parsed`) reads it.
 * Commas and "and" inside parentheses or braces do not split. TeX accents in names become Unicode.
 */
export function splitAuthorList(text: string): Author[] {
  const flat = collapseWhitespace(text);
  if (!AUTHOR_SPECIALS.test(flat)) return splitPlainAuthors(flat);
  const segments = segmentAuthors(flat);
  const footnotes = new Map<string, string>();
  const drafts: AuthorDraftEntry[] = [];

  for (const segment of segments) {
    const affiliations: string[] = [];
    const references: string[] = [];
    for (const group of segment.groups) {
      const trimmed = group.trim();
      if (FOOTNOTE_LIST.test(trimmed)) readFootnotes(trimmed, footnotes);
      else if (NUMBERED_REFERENCES.test(trimmed)) references.push(...(trimmed.match(REFERENCE_NUMBER) ?? []));
      else if (trimmed) affiliations.push(texToUnicode(trimmed));
    }
    const name = segment.name;
    // "B. Aubert, et al" names no further author (arXiv's own parser drops it too).
    if (ET_AL.test(name) && affiliations.length === 0 && references.length === 0) continue;
    const previous = drafts[drafts.length - 1];
    if (!name || (previous && AUTHOR_SUFFIX.test(name) && previous.affiliations.length === 0)) {
      // "(…)" with no name before it belongs to the author before, and "Smith, Jr." is one author, not two.
      if (previous) {
        if (name) previous.name = `${previous.name} ${name}`;
        previous.affiliations.push(...affiliations);
        previous.references.push(...references);
      }
      continue;
    }
    drafts.push({ name: texToUnicode(name), affiliations, references });
  }

  // An affiliation written once after several names applies to each of them back to the previous affiliation.
  let waitingFrom = 0;
  const authors: Author[] = [];
  for (let index = 0; index < drafts.length; index += 1) {
    const draft = drafts[index]!;
    for (const reference of draft.references) {
      const affiliation = footnotes.get(reference);
      if (affiliation !== undefined) draft.affiliations.push(affiliation);
    }
    if (draft.affiliations.length > 0) {
      for (let earlier = waitingFrom; earlier < index; earlier += 1) drafts[earlier]!.affiliations.push(...draft.affiliations);
      waitingFrom = index + 1;
    }
  }
  for (const draft of drafts) {
    authors.push(draft.affiliations.length > 0 ? { name: draft.name, affiliations: draft.affiliations } : { name: draft.name });
  }
  return authors;
}

interface AuthorDraftEntry {
  name: string;
  affiliations: string[];
  references: string[];
}

/** The common case, no parentheses, braces or TeX: "A, B and C", "A, B, and C". */
function splitPlainAuthors(flat: string): Author[] {
  const authors: Author[] = [];
  for (const part of flat.split(PLAIN_SEPARATOR)) {
    const name = part.trim();
    if (!name || ET_AL.test(name)) continue;
    const previous = authors[authors.length - 1];
    if (previous && AUTHOR_SUFFIX.test(name)) previous.name = `${previous.name} ${name}`;
    else authors.push({ name });
  }
  return authors;
}

/** One pass over the string: separators count only outside parentheses and braces. */
function segmentAuthors(flat: string): AuthorSegment[] {
  const segments: AuthorSegment[] = [];
  let nameStart = 0;
  let name = '';
  let groups: string[] = [];
  let parenthesisDepth = 0;
  let braceDepth = 0;
  let groupStart = 0;

  for (let index = 0; index < flat.length; index += 1) {
    const code = flat.charCodeAt(index);
    if (code === 40) {
      // "("
      if (parenthesisDepth === 0) {
        name += flat.slice(nameStart, index);
        groupStart = index + 1;
      }
      parenthesisDepth += 1;
      continue;
    }
    if (code === 41) {
      // ")"; a stray one is dropped
      if (parenthesisDepth > 0) {
        parenthesisDepth -= 1;
        if (parenthesisDepth === 0) groups.push(flat.slice(groupStart, index));
      } else {
        name += flat.slice(nameStart, index);
      }
      nameStart = index + 1;
      continue;
    }
    if (parenthesisDepth > 0) continue;
    if (code === 123) braceDepth += 1;
    else if (code === 125) braceDepth = Math.max(0, braceDepth - 1);
    if (braceDepth > 0) continue;
    let separatorEnd = -1;
    if (code === 44)
      separatorEnd = index + 1; // ","
    else if (code === 32 && flat.startsWith(' and ', index)) separatorEnd = index + 5;
    if (separatorEnd < 0) continue;
    name += flat.slice(nameStart, index);
    const trimmed = name.trim();
    if (trimmed || groups.length > 0) segments.push({ name: trimmed, groups });
    name = '';
    groups = [];
    // ", and B": the comma already split; the "and" is not part of the name.
    if (code === 44 && flat.startsWith(' and ', index + 1)) separatorEnd = index + 6;
    nameStart = separatorEnd;
    index = separatorEnd - 1;
  }
  // An unclosed "(" keeps what follows it as an affiliation rather than losing it.
  if (parenthesisDepth > 0) groups.push(flat.slice(groupStart));
  else name += flat.slice(nameStart);
  const trimmed = name.trim();
  if (trimmed || groups.length > 0) segments.push({ name: trimmed, groups });
  return segments;
}

/** `(1) Univ X, (2) Univ Y; (3) Z` → 1 → Univ X, 2 → Univ Y, 3 → Z. */
function readFootnotes(text: string, footnotes: Map<string, string>): void {
  const marks = [...text.matchAll(FOOTNOTE_MARK)];
  for (let index = 0; index < marks.length; index += 1) {
    const mark = marks[index]!;
    const start = mark.index + mark[0].length;
    const end = index + 1 < marks.length ? marks[index + 1]!.index : text.length;
    const value = text.slice(start, end).replace(FOOTNOTE_TRAILER, '').trim();
    if (value && !footnotes.has(mark[1]!)) footnotes.set(mark[1]!, texToUnicode(value));
  }
}

// TeX accents as arXiv metadata writes names (`G\"ahler`, `Gaff\'e`, `\v{Z}ili\'c`, `{\AA}berg`), to Unicode.
const ACCENT_MARKS: Record<string, string> = {
  '"': '\u0308',
  "'": '\u0301',
  '`': '\u0300',
  '^': '\u0302',
  '~': '\u0303',
  '=': '\u0304',
  '.': '\u0307',
  u: '\u0306',
  v: '\u030c',
  H: '\u030b',
  c: '\u0327',
  k: '\u0328',
  r: '\u030a',
  d: '\u0323',
  b: '\u0331',
};
const TEX_LETTERS: Record<string, string> = {
  o: 'ø',
  O: 'Ø',
  l: 'ł',
  L: 'Ł',
  ss: 'ß',
  ae: 'æ',
  AE: 'Æ',
  oe: 'œ',
  OE: 'Œ',
  aa: 'å',
  AA: 'Å',
  i: 'ı',
  j: 'ȷ',
};
const SYMBOL_ACCENT = /\\(["'`^~=.])\s*(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij]|[A-Za-z]))/g;
const LETTER_ACCENT = /\\([uvHckrdb])(?:\s*\{\s*(\\[ij]|[A-Za-z])\s*\}|\s+([A-Za-z]))/g;
const LETTER_COMMAND = /\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?![A-Za-z]) ?/g;
const BRACES = /[{}]/g;

function accented(accent: string, braced: string | undefined, bare: string | undefined): string {
  const base = braced ?? bare ?? '';
  // A dotless i under an accent is the plain letter once the accent is on it.
  const letter = base === '\\i' ? 'i' : base === '\\j' ? 'j' : base;
  return letter + (ACCENT_MARKS[accent] ?? '');
}

/** Turns TeX accent commands into Unicode (NFC) and drops grouping braces; text without `\` or braces is returned as is. */
export function texToUnicode(text: string): string {
  if (text.indexOf('\\') < 0 && text.indexOf('{') < 0) return text;
  return text
    .replace(SYMBOL_ACCENT, (_match, accent: string, braced?: string, bare?: string) => accented(accent, braced, bare))
    .replace(LETTER_ACCENT, (_match, accent: string, braced?: string, bare?: string) => accented(accent, braced, bare))
    .replace(LETTER_COMMAND, (_match, command: string) => TEX_LETTERS[command] ?? '')
    .replace(BRACES, '')
    .normalize('NFC');
}
