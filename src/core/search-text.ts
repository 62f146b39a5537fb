/**
 * Text segmentation for full-text search, done in the application so that SQLite FTS5 and PostgreSQL index the same
 * words (docs/decisions/0028-search.md). Latin-script text becomes lower-case words without diacritics; runs of CJK
 * characters (Han, kana, Hangul) become overlapping character bigrams, so that 模型 is found inside 大模型 and 语言模型
 * is the phrase 语言 言模 模型. A single CJK character between non-CJK ones is kept as a unigram. Pure functions only.
 */
import { ASCII_ONLY, foldDiacritics } from './fold.js';
import { isSpace } from './whitespace.js';

/** One index token and where it came from in the original text (UTF-16 offsets, end exclusive). */
export interface SearchToken {
  token: string;
  start: number;
  end: number;
}

/** Han (incl. extensions and compatibility), Hiragana, Katakana (incl. half-width), Hangul syllables and jamo. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}ー]/u;
/** A run of letters and digits (with the combining marks that follow them); CJK runs are split out of it after. */
const RUN = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}ー]+/gu;
const ASCII_WORD = /^[A-Za-z0-9]+$/;
const ASCII_SEPARATORS = /[^a-z0-9]+/g;
const NOT_WORD = /[^\p{L}\p{N}]+/gu;

/** Lower case without diacritics (José → jose, Łukasz → lukasz), as the index stores words. */
export function foldWord(word: string): string {
  const folded = foldDiacritics(word, 'NFKD');
  return ASCII_ONLY.test(folded) ? folded : folded.normalize('NFC');
}

/** Whether the text has a CJK character. */
export function hasCjk(text: string): boolean {
  return CJK.test(text);
}

/**
 * The tokens of a text, in order, with their offsets: folded words, and CJK bigrams (a lone CJK character as itself).
 * Full-width Latin letters and digits fold to their ASCII forms.
 */
export function searchTokens(text: string): SearchToken[] {
  const tokens: SearchToken[] = [];
  for (const match of text.matchAll(RUN)) {
    const run = match[0];
    const start = match.index;
    // Most words of most abstracts: plain ASCII, only lower-cased.
    if (ASCII_WORD.test(run)) {
      tokens.push({ token: run.toLowerCase(), start, end: start + run.length });
      continue;
    }
    if (!CJK.test(run)) {
      pushWord(tokens, run, start);
      continue;
    }
    let at = 0;
    for (const cjk of run.matchAll(CJK_RUN)) {
      if (cjk.index > at) pushWord(tokens, run.slice(at, cjk.index), start + at);
      pushCjk(tokens, cjk[0], start + cjk.index);
      at = cjk.index + cjk[0].length;
    }
    if (at < run.length) pushWord(tokens, run.slice(at), start + at);
  }
  return tokens;
}

/** A non-CJK word: folded, whatever is not a letter or digit after folding dropped. */
function pushWord(tokens: SearchToken[], word: string, start: number): void {
  // Folding may turn one letter into several words (½ → 1⁄2): each is a token, at the word's offsets.
  for (const piece of foldWord(word).split(NOT_WORD)) {
    if (piece !== '') tokens.push({ token: piece, start, end: start + word.length });
  }
}

/** A CJK run: overlapping bigrams, or the character itself when it stands alone. */
function pushCjk(tokens: SearchToken[], run: string, start: number): void {
  // Code points, not UTF-16 units: extension-B Han characters are surrogate pairs.
  const chars = Array.from(run);
  // NFKC only: half-width kana and compatibility ideographs become the usual ones; marks such as the dakuten of デ
  // are part of the letter and stay.
  if (chars.length === 1) {
    tokens.push({ token: run.normalize('NFKC'), start, end: start + run.length });
    return;
  }
  let at = start;
  for (let index = 0; index + 1 < chars.length; index += 1) {
    const first = chars[index]!;
    const second = chars[index + 1]!;
    tokens.push({ token: (first + second).normalize('NFKC'), start: at, end: at + first.length + second.length });
    at += first.length;
  }
}

/** The tokens of a text, joined by spaces: what the index is given (FTS5's unicode61 splits it back into the same tokens). */
export function segmentForIndex(text: string): string {
  // Plain ASCII (most English abstracts): the same tokens as searchTokens, without building them one by one.
  if (ASCII_ONLY.test(text)) return text.toLowerCase().replace(ASCII_SEPARATORS, ' ').trim();
  // No CJK: fold the whole text at once (marks go, separators stay), then take its words.
  if (!CJK.test(text)) return foldWord(text).replace(NOT_WORD, ' ').trim();
  const parts: string[] = [];
  for (const token of searchTokens(text)) parts.push(token.token);
  return parts.join(' ');
}

/** The words of a query term: the tokens the index must hold next to each other (a phrase when more than one). */
export function queryTokens(text: string): string[] {
  return searchTokens(text).map((token) => token.token);
}

/** What to highlight: query tokens, each matched exactly or (the last of a prefix term) as a prefix. */
export interface HighlightTerm {
  tokens: string[];
  prefix: boolean;
}

/** Where the terms occur in a text: sorted, merged [start, end) offsets of every token that matches one of theirs. */
export function highlightOffsets(text: string, terms: readonly HighlightTerm[]): Array<[number, number]> {
  if (terms.length === 0 || text === '') return [];
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const lone = terms.filter((term) => term.tokens.length === 1 && Array.from(term.tokens[0]!).length === 1 && hasCjk(term.tokens[0]!));
  for (const term of terms) {
    if (lone.includes(term)) continue;
    term.tokens.forEach((token, index) => {
      if (term.prefix && index === term.tokens.length - 1) prefixes.push(token);
      else exact.add(token);
    });
  }
  // Folding is character by character, so a word's folded form is a substring of the whole text folded: a field
  // without any of the query's (ASCII) words is ruled out without tokenizing it, as most fields of most hits are.
  const wanted = [...exact, ...prefixes];
  if (lone.length === 0 && wanted.every((token) => ASCII_ONLY.test(token))) {
    const folded = foldDiacritics(text, 'NFKD');
    if (!wanted.some((token) => folded.includes(token))) return [];
  }
  const ranges: Array<[number, number]> = [];
  for (const token of searchTokens(text)) {
    if (exact.has(token.token) || prefixes.some((prefix) => token.token.startsWith(prefix))) ranges.push([token.start, token.end]);
  }
  // A lone CJK query character matches inside bigrams: highlight the character itself.
  for (const term of lone) {
    const char = term.tokens[0]!;
    for (let at = text.indexOf(char); at >= 0; at = text.indexOf(char, at + char.length)) ranges.push([at, at + char.length]);
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: Array<[number, number]> = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged;
}

/**
 * An excerpt of about `width` characters around the first highlight, cut at spaces where it can be, with the
 * highlights moved into it; `…` marks a cut. The whole text when it is short enough.
 */
export function excerpt(text: string, highlights: ReadonlyArray<[number, number]>, width = 200): { text: string; highlights: Array<[number, number]> } {
  const flat = text.replace(/\s+/g, ' ');
  // Whitespace runs collapse: map the offsets through the same collapse.
  const map = new Array<number>(text.length + 1);
  let out = 0;
  let previousSpace = false;
  for (let index = 0; index < text.length; index += 1) {
    map[index] = out;
    const space = isSpace(text.charCodeAt(index));
    if (!(space && previousSpace)) out += 1;
    previousSpace = space;
  }
  map[text.length] = out;
  const moved = highlights.map(([start, end]): [number, number] => [map[start]!, map[end]!]);
  if (flat.length <= width) return { text: flat, highlights: moved };
  const first = moved[0]?.[0] ?? 0;
  let start = Math.max(0, first - Math.floor(width / 4));
  if (start > 0) {
    const space = flat.lastIndexOf(' ', start);
    if (space >= 0 && start - space < 20) start = space + 1;
  }
  let end = Math.min(flat.length, start + width);
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end);
    if (space > start + width / 2) end = space;
  }
  const prefix = start > 0 ? '…' : '';
  const suffix = end < flat.length ? '…' : '';
  const shift = prefix.length - start;
  const inside = moved.filter(([a, b]) => a >= start && b <= end).map(([a, b]): [number, number] => [a + shift, b + shift]);
  return { text: prefix + flat.slice(start, end) + suffix, highlights: inside };
}

/**
 * The index tokens of a category: `c0cs` for the archive and `c0cs0cl` for cs.CL (letters and digits only, so that
 * both databases keep them whole), plus `c0all`, which every paper has (the "all papers" of a query like `-survey`).
 */
export function categoryToken(category: string): string {
  return `c0${category
    .toLowerCase()
    .replace(/\./g, '0')
    .replace(/-/g, '1')
    .replace(/[^a-z0-9]/g, '')}`;
}

export const ALL_PAPERS_TOKEN = 'c0all';

/** The category tokens of a paper's categories: each category and its archive. */
export function categoryTokens(categories: readonly string[]): string[] {
  const tokens = new Set<string>([ALL_PAPERS_TOKEN]);
  for (const category of categories) {
    const archive = category.split('.')[0]!;
    tokens.add(categoryToken(archive));
    tokens.add(categoryToken(category));
  }
  return [...tokens];
}
