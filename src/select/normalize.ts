/** Text normalization shared by the query, keyword and author matchers: case, diacritics and word boundaries. */
import { ASCII_ONLY, foldDiacritics } from '../core/fold.js';

const NON_WORD_UNICODE = /[^\p{L}\p{N}]+/gu;
const NON_WORD_ASCII = /[^a-z0-9]+/g;

/** Lower case, without diacritics (José → jose, Łukasz → lukasz), but with punctuation kept. */
export function foldCase(text: string): string {
  return foldDiacritics(text);
}

/** A text prepared for matching: folded once per paper, then searched by every pattern. */
export interface SearchText {
  /** `foldCase` of the raw text: lower case, no diacritics, punctuation kept. */
  text: string;
  /** Whether `text` is plain ASCII (most arXiv abstracts), which allows the faster ASCII patterns. */
  ascii: boolean;
}

/** Folds a text for matching; do it once per paper field. */
export function toSearchText(raw: string): SearchText {
  const text = foldCase(raw);
  return { text, ascii: ASCII_ONLY.test(text) };
}

/** The words of a term or phrase, folded; punctuation separates words (`GPT-4` → `gpt`, `4`); empty when there are none. */
export function searchableWords(text: string): string[] {
  const folded = foldCase(text);
  const spaced = ASCII_ONLY.test(folded) ? folded.replace(NON_WORD_ASCII, ' ') : folded.replace(NON_WORD_UNICODE, ' ');
  const trimmed = spaced.trim();
  return trimmed === '' ? [] : trimmed.split(' ');
}

/** A compiled word-or-phrase matcher. */
export interface TextPattern {
  /** The folded words, matched in this order with only non-letters between them. */
  words: readonly string[];
  /** True when the last word is matched as a prefix (`transform*`). */
  prefix: boolean;
  /** The pattern for ASCII text. */
  ascii: RegExp;
  /** The pattern for any text: word boundaries are letters and digits of every script. */
  unicode: RegExp;
}

/**
 * Compiles a term or phrase; null when it holds no letter or digit. Words match whole (on word boundaries), a phrase
 * matches its words in order with any punctuation or spaces between them (`GPT-4` ≈ `GPT 4`, `state of the art` ≈
 * `state-of-the-art`), and `prefix` lets the last word match the start of a longer word.
 */
export function compileTextPattern(text: string, prefix: boolean): TextPattern | null {
  const words = searchableWords(text);
  if (words.length === 0) return null;
  // Words hold only letters and digits, so they need no escaping. Regular expressions beat normalizing every text into
  // space-separated words: V8 searches for the literal first word and checks the boundaries only where it occurs.
  const ascii = new RegExp(`(?<![a-z0-9])${words.join('[^a-z0-9]+')}${prefix ? '' : '(?![a-z0-9])'}`);
  const unicode = new RegExp(`(?<![\\p{L}\\p{N}])${words.join('[^\\p{L}\\p{N}]+')}${prefix ? '' : '(?![\\p{L}\\p{N}])'}`, 'u');
  return { words, prefix, ascii, unicode };
}

/** Whether a compiled pattern occurs in a prepared text. */
export function matchesText(pattern: TextPattern, search: SearchText): boolean {
  return (search.ascii ? pattern.ascii : pattern.unicode).test(search.text);
}
