/** Text normalization shared by the query, keyword and author matchers: case, diacritics and word boundaries. */

// Letters that NFD does not take apart into a base letter plus a combining mark.
const TRANSLITERATION: Record<string, string> = {
  ł: 'l',
  đ: 'd',
  ð: 'd',
  ø: 'o',
  ħ: 'h',
  ı: 'i',
  ŀ: 'l',
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  þ: 'th',
};
const TRANSLITERATION_PATTERN = /[łđðøħıŀßæœþ]/g;
const COMBINING_MARKS = /\p{M}+/gu;
const NON_WORD_UNICODE = /[^\p{L}\p{N}]+/gu;
const NON_WORD_ASCII = /[^a-z0-9]+/g;
// eslint-disable-next-line no-control-regex
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** Lower case, without diacritics (José → jose, Łukasz → lukasz), but with punctuation kept. */
export function foldCase(text: string): string {
  const lower = text.toLowerCase();
  if (ASCII_ONLY.test(lower)) return lower;
  return lower
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .replace(TRANSLITERATION_PATTERN, (letter) => TRANSLITERATION[letter] ?? letter);
}

/**
 * The searchable form of a text: folded case, every run of characters that are not letters or digits turned into one
 * space, with a space at both ends. A word or phrase then matches on word boundaries as `text.includes(' w1 w2 ')`, and
 * a prefix as `text.includes(' w1 w2')`. Hyphens and other punctuation separate words, so `GPT-4` ≈ `GPT 4`.
 */
export function searchableText(text: string): string {
  const folded = foldCase(text);
  const spaced = ASCII_ONLY.test(folded) ? folded.replace(NON_WORD_ASCII, ' ') : folded.replace(NON_WORD_UNICODE, ' ');
  return ` ${spaced.trim()} `;
}

/** The words of a term or phrase in searchable form (empty when it has no letter or digit). */
export function searchableWords(text: string): string[] {
  const trimmed = searchableText(text).trim();
  return trimmed === '' ? [] : trimmed.split(' ');
}

/** A compiled word-or-phrase matcher over searchable text. */
export interface TextPattern {
  /** The needle looked for in searchable text, e.g. ` large language model ` or ` transform` (prefix). */
  needle: string;
  /** True when the last word is matched as a prefix (`transform*`). */
  prefix: boolean;
}

/** Compiles a term or phrase; null when it holds no letter or digit. `prefix` makes its last word match as a prefix. */
export function compileTextPattern(text: string, prefix: boolean): TextPattern | null {
  const words = searchableWords(text);
  if (words.length === 0) return null;
  return { needle: ` ${words.join(' ')}${prefix ? '' : ' '}`, prefix };
}

/** Whether a compiled pattern occurs in a searchable text. */
export function matchesText(pattern: TextPattern, searchable: string): boolean {
  return searchable.includes(pattern.needle);
}
