/** Folding letters for matching: lower case without diacritics, shared by selection (select/) and search (core/search-text.ts). */

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

/** Plain ASCII: nothing to fold but case. */
export const ASCII_ONLY = /^[\x00-\x7f]*$/;

/**
 * Lower-case text without diacritics (José → jose, Łukasz → lukasz). `NFKD` also folds compatibility forms (full-width
 * Ｌａｔｉｎ → latin); selection keeps `NFD`, as it always has.
 */
export function foldDiacritics(text: string, form: 'NFD' | 'NFKD' = 'NFD'): string {
  const lower = text.toLowerCase();
  if (ASCII_ONLY.test(lower)) return lower;
  return lower
    .normalize(form)
    .replace(COMBINING_MARKS, '')
    .replace(TRANSLITERATION_PATTERN, (letter) => TRANSLITERATION[letter] ?? letter);
}
