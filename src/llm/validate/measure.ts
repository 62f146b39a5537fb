/** Measurements shared by several gate checks: letters by role, language length, English content words. */
import { isEnglishStopword } from './languages.js';
import { countScripts, latinTokens, removeVerbatimOutsideMath, scanMath, type MathSegment, type ScriptCounts } from './text.js';

/** Letters of a text by the role they play for a non-Latin target language. */
export interface LetterProfile extends ScriptCounts {
  /** Letters of Latin words that read as English prose: lower-case words and capitalised stopwords. */
  latinProse: number;
  /** Letters of Latin words kept verbatim legitimately: acronyms, model names, capitalised names. */
  latinNames: number;
}

/**
 * Is a Latin token prose (as opposed to a name kept verbatim)? `BERT`, `GPT-4` and `Transformer` are names; `the`,
 * `model`, `The` are prose.
 */
export function isProseToken(token: string): boolean {
  return classify(token).prose;
}

/** One pass over a token: its letter count and whether it is prose (see `isProseToken`, `isNameLike`). */
function classify(token: string): { letters: number; prose: boolean; name: boolean } {
  let letters = 0;
  let digit = false;
  let upperAfterFirst = false;
  let partStart = true;
  for (let at = 0; at < token.length; at++) {
    const code = token.charCodeAt(at);
    if (code >= 0x30 && code <= 0x39) {
      digit = true;
      partStart = false;
    } else if (code === 0x2d || code === 0x27 || code === 0x2019) {
      partStart = true;
    } else {
      letters++;
      // Upper case inside a hyphen-separated part (BERT, ResNet) marks a name; at a part's start (Cross-Lingual) not.
      if (!partStart && isUpper(code)) upperAfterFirst = true;
      partStart = false;
    }
  }
  if (digit || upperAfterFirst) return { letters, prose: false, name: true };
  // A capitalised word is a name (Transformer, Wigner) unless it is a function word at a sentence start (The, We).
  return { letters, prose: !isUpper(token.charCodeAt(0)) || isEnglishStopword(token), name: false };
}

function isUpper(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0xc0 && code <= 0xde && code !== 0xd7);
}

/** What the checks measure on one text, computed once per text and gate run. */
export interface Measured {
  /** Its math segments. */
  math: MathSegment[];
  /** The text without math, URLs, code and arXiv ids (`removeVerbatim`). */
  plain: string;
  /** Latin-script tokens of `plain`. */
  tokens: string[];
  letters: LetterProfile;
  /**
   * The length of the language content: non-space characters of `plain` minus acronyms and model names. Those and
   * formulas are the same length in any language, so leaving them out makes the ratio of a translation to its
   * source depend on the language only.
   */
  languageLength: number;
}

/** Measures a text (see `Measured`). */
export function measure(text: string): Measured {
  const { segments, rest } = scanMath(text);
  const plain = removeVerbatimOutsideMath(rest);
  const tokens = latinTokens(plain);
  let latinProse = 0;
  let latinNames = 0;
  let nameCharacters = 0;
  for (const token of tokens) {
    const { letters, prose, name } = classify(token);
    if (prose) latinProse += letters;
    else latinNames += letters;
    // Only acronyms and model names count as verbatim here: capitalised words are translated in German titles and
    // in every language at a sentence start.
    if (name) nameCharacters += token.length;
  }
  const characters = plain.replace(/\s+/g, '').length;
  return {
    math: segments,
    plain,
    tokens,
    letters: { ...countScripts(plain), latinProse, latinNames },
    languageLength: Math.max(0, characters - nameCharacters),
  };
}

/** A memoising `measure`, so that checks of one gate run share their measurements. */
export function createMeasurer(): (text: string) => Measured {
  const cache = new Map<string, Measured>();
  return (text) => {
    let found = cache.get(text);
    if (!found) {
      found = measure(text);
      cache.set(text, found);
    }
    return found;
  };
}

/** Letters of a text after removing math, URLs and code, split by script and, for Latin, by prose or name. */
export function letterProfile(text: string): LetterProfile {
  return measure(text).letters;
}

/** See `Measured.languageLength`. */
export function languageLength(text: string): number {
  return measure(text).languageLength;
}

/** Lower-case English content words with a crude stem (plural and common suffixes off), for overlap measures. */
export function contentStems(tokens: readonly string[]): string[] {
  const stems: string[] = [];
  for (const token of tokens) {
    const word = token.toLowerCase();
    if (word.length < 3 || isEnglishStopword(word)) continue;
    stems.push(stem(word));
  }
  return stems;
}

const SUFFIXES = [
  'izations',
  'ization',
  'ations',
  'ation',
  'ities',
  'ments',
  'ment',
  'ings',
  'ness',
  'ing',
  'ity',
  'ive',
  'ies',
  'es',
  'ed',
  'ly',
  'al',
  'ic',
  's',
];

/**
 * Strips a common English suffix so that `models`/`modeling`/`modeled` meet; good enough for overlap, not
 * linguistics.
 */
export function stem(word: string): string {
  for (const suffix of SUFFIXES) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 3) return word.slice(0, word.length - suffix.length).slice(0, 7);
  }
  return word.slice(0, 7);
}
