/** Gate checks `language`, `untranslated-passage` and `source-echoed`: each field is in the language asked for. */
import { issue, TRANSLATED_FIELDS, type GateCheck, type GateContext, type TextField } from './context.js';
import { isStopwordLanguage, stopwordHits, type LanguageProfile, type StopwordLanguage } from './languages.js';
import type { LetterProfile, Measured } from './measure.js';
import { isNameLike, stripArxivTitleSuffix } from './text.js';
import type { GateIssue } from './types.js';

/** Thresholds, from the corpus calibration (docs/decisions/0003-quality-gate.md). */
export const LANGUAGE_LIMITS = {
  /** Minimum share of target-script letters among language letters in a translated TL;DR or abstract. */
  minShare: 0.5,
  /** Minimum share in a translated title; titles keep more names and terms verbatim. */
  minTitleShare: 0.2,
  /** A Chinese text with more kana than this share of its Han+kana is Japanese. */
  maxKanaInChinese: 0.05,
  /** A Japanese TL;DR or abstract needs at least this share of kana among Han+kana (Chinese has none). */
  minKanaInJapanese: 0.1,
  /** Minimum share of Latin letters in a Latin-script field. */
  minLatinShare: 0.8,
  /** English prose inside a translation: this many words in a row, with at least `passageStopwords` stopwords. */
  passageWords: 8,
  passageStopwords: 3,
  /** Share of a field made of the source's own word trigrams above which it is partly the source copied (warning). */
  echoCoverage: 0.6,
  /** Share above which the field is the source echoed back rather than translated (error). */
  echoCoverageError: 0.8,
} as const;

/** Letters in the target script and letters in other scripts or in English prose. */
function shareOfTarget(profile: LanguageProfile, letters: LetterProfile): { target: number; foreign: number } {
  const { han, kana, hangul, latin, cyrillic, other, latinProse } = letters;
  switch (profile.family) {
    case 'han':
      return { target: han, foreign: kana + hangul + cyrillic + other + latinProse };
    case 'japanese':
      return { target: han + kana, foreign: hangul + cyrillic + other + latinProse };
    case 'hangul':
      return { target: hangul, foreign: han + kana + cyrillic + other + latinProse };
    case 'cyrillic':
      return { target: cyrillic, foreign: han + kana + hangul + other + latinProse };
    case 'latin':
      return { target: latin, foreign: han + kana + hangul + cyrillic + other };
  }
}

function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}

/** The stopword language with most hits, and the hit counts. */
function stopwordVote(tokens: readonly string[]): { best: StopwordLanguage | undefined; hits: Record<StopwordLanguage, number> } {
  const hits = stopwordHits(tokens);
  let best: StopwordLanguage | undefined;
  for (const language of Object.keys(hits) as StopwordLanguage[]) {
    if (hits[language] > 0 && (best === undefined || hits[language] > hits[best])) best = language;
  }
  return { best, hits };
}

function checkTranslatedField(context: GateContext, profile: LanguageProfile, field: TextField, text: string): GateIssue[] {
  const { letters, tokens } = context.measure(text);
  const { target, foreign } = shareOfTarget(profile, letters);
  const total = target + foreign;
  const isTitle = field === 'title';
  if (total === 0) {
    // Only names, numbers and formulas: legitimate for a title such as `BERT`, suspicious elsewhere.
    if (isTitle) return [];
    return [issue('wrong-language', field, 'error', `${field} has no ${profile.name} text, only names, numbers or formulas`)];
  }
  const share = target / total;
  const minimum = isTitle ? LANGUAGE_LIMITS.minTitleShare : LANGUAGE_LIMITS.minShare;
  if (share < minimum) {
    const severity = isTitle && share > 0 ? 'warning' : 'error';
    return [
      issue(
        'wrong-language',
        field,
        severity,
        `${field} is not ${profile.name}: only ${percent(share)} of its letters are in ${profile.name} script (expected at least ${percent(minimum)})`,
      ),
    ];
  }
  if (profile.family === 'han' && letters.kana > LANGUAGE_LIMITS.maxKanaInChinese * (letters.han + letters.kana)) {
    return [issue('wrong-language', field, 'error', `${field} reads as Japanese (it has kana), not Chinese`)];
  }
  if (profile.family === 'japanese' && !isTitle && letters.kana < LANGUAGE_LIMITS.minKanaInJapanese * (letters.han + letters.kana)) {
    return [issue('wrong-language', field, 'error', `${field} reads as Chinese (almost no kana), not Japanese`)];
  }
  if (profile.family === 'latin' && isStopwordLanguage(profile.code)) {
    const { best, hits } = stopwordVote(tokens);
    const needed = isTitle ? 2 : 3;
    if (best !== undefined && best !== profile.code && hits[best] >= needed && hits[best] > 2 * hits[profile.code]) {
      return [
        issue(
          'wrong-language',
          field,
          'error',
          `${field} reads as ${best === 'en' ? 'English' : best}, not ${profile.name} (${hits[best]} ${best} function words, ${hits[profile.code]} ${profile.code})`,
        ),
      ];
    }
  }
  return [];
}

/** `tldrEn` must be English: Latin script with English function words. */
function checkEnglishField(context: GateContext, text: string): GateIssue[] {
  const { letters, tokens } = context.measure(text);
  const all = letters.han + letters.kana + letters.hangul + letters.latin + letters.cyrillic + letters.other;
  if (all === 0) return [issue('wrong-language', 'tldrEn', 'error', 'tldrEn has no words')];
  const latinShare = letters.latin / all;
  if (latinShare < LANGUAGE_LIMITS.minLatinShare) {
    return [issue('wrong-language', 'tldrEn', 'error', `tldrEn is not English: only ${percent(latinShare)} of its letters are Latin`)];
  }
  const { best, hits } = stopwordVote(tokens);
  if (best !== undefined && best !== 'en' && hits[best] >= 3 && hits[best] > 2 * hits.en) {
    return [issue('wrong-language', 'tldrEn', 'error', `tldrEn reads as ${best}, not English (${hits[best]} ${best} function words, ${hits.en} English)`)];
  }
  return [];
}

/** Check `language`: the script share and, for Latin-script targets, the stopword profile of each field. */
export const checkLanguage: GateCheck = (context) => {
  const issues: GateIssue[] = [];
  const { profile } = context;
  if (profile) {
    for (const field of TRANSLATED_FIELDS) {
      const text = context.fields[field];
      if (text !== undefined) issues.push(...checkTranslatedField(context, profile, field, text));
    }
  }
  if (context.fields.tldrEn !== undefined) issues.push(...checkEnglishField(context, context.fields.tldrEn));
  return issues;
};

/**
 * Runs of English prose inside a translation into a non-Latin script: consecutive Latin words (only spaces and
 * punctuation between them) with several English stopwords. Names and terms kept verbatim have no stopwords.
 */
export function englishRuns(plain: string): string[] {
  const runs: string[] = [];
  for (const match of plain.matchAll(/[\p{Script=Latin}\d'’-]+(?:[\s,;:()"-]+[\p{Script=Latin}\d'’-]+)*/gu)) {
    const words = match[0].split(/[\s,;:()"]+/).filter((word) => /\p{Script=Latin}/u.test(word));
    if (words.length < LANGUAGE_LIMITS.passageWords) continue;
    const stopwords = stopwordHits(words).en;
    const names = words.filter(isNameLike).length;
    if (stopwords >= LANGUAGE_LIMITS.passageStopwords && names < words.length / 2) runs.push(match[0]);
  }
  return runs;
}

/** Check `untranslated-passage`: a translation that switches to English part-way. */
export const checkUntranslatedPassage: GateCheck = (context) => {
  const issues: GateIssue[] = [];
  const { profile } = context;
  if (!profile || profile.family === 'latin') return issues;
  for (const field of TRANSLATED_FIELDS) {
    const text = context.fields[field];
    if (text === undefined) continue;
    const measured = context.measure(text);
    // A passage of `passageWords` English words has at least twice as many prose letters.
    if (measured.letters.latinProse < 2 * LANGUAGE_LIMITS.passageWords) continue;
    const runs = englishRuns(measured.plain);
    if (runs.length === 0) continue;
    const longest = runs.reduce((a, b) => (b.length > a.length ? b : a));
    const words = longest.trim().split(/\s+/).length;
    issues.push(
      issue(
        'untranslated-passage',
        field,
        'warning',
        `${field} has English left untranslated (${words} words): "${longest.trim().slice(0, 80)}${longest.length > 80 ? '…' : ''}"`,
      ),
    );
  }
  return issues;
};

function addTrigrams(grams: Set<string>, tokens: readonly string[]): Set<string> {
  const words = tokens.map((word) => word.toLowerCase());
  for (let at = 0; at + 2 < words.length; at++) grams.add(`${words[at]} ${words[at + 1]} ${words[at + 2]}`);
  return grams;
}

/**
 * Weight of a text's non-Latin letters in Latin letters: one Han character carries about three Latin letters' worth.
 */
function otherWeight(text: Measured): number {
  const { letters } = text;
  return 3 * letters.han + 2 * letters.kana + 2 * letters.hangul + letters.cyrillic + letters.other;
}

/** The most `echoCoverage` could be: all of the text's Latin letters copied. */
function latinWeight(text: Measured): number {
  const latin = text.letters.latin;
  return latin === 0 ? 0 : latin / (latin + otherWeight(text));
}

/**
 * Share of a text's language made of word trigrams that also occur in the source. Non-Latin letters weigh as much
 * as the Latin letters they translate, so a translation that keeps some English terms is not mistaken for an echo.
 */
export function echoCoverage(text: Measured, sourceGrams: ReadonlySet<string>): number {
  const words = text.tokens.map((word) => word.toLowerCase());
  if (words.length < 3 || sourceGrams.size === 0) return 0;
  const covered = new Array<boolean>(words.length).fill(false);
  for (let at = 0; at + 2 < words.length; at++) {
    if (sourceGrams.has(`${words[at]} ${words[at + 1]} ${words[at + 2]}`)) covered[at] = covered[at + 1] = covered[at + 2] = true;
  }
  let coveredLetters = 0;
  let latinLetters = 0;
  words.forEach((word, index) => {
    latinLetters += word.length;
    if (covered[index]) coveredLetters += word.length;
  });
  return coveredLetters / (latinLetters + otherWeight(text));
}

function comparable(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Check `source-echoed`: a translated field that is the English source copied back. */
export const checkSourceEchoed: GateCheck = (context) => {
  const issues: GateIssue[] = [];
  // An English "translation" may equal its source.
  if (/^en\b/i.test(context.lang)) return issues;
  const title = context.measure(context.source.title);
  const abstract = context.measure(context.source.abstract);
  const sources: Array<[TextField, Measured[]]> = [
    ['title', [title]],
    ['abstract', [abstract]],
    ['tldr', [title, abstract]],
  ];
  for (const [field, source] of sources) {
    const text = context.fields[field];
    if (text === undefined) continue;
    const plain = stripArxivTitleSuffix(text);
    // A title may legitimately equal the source when the source is only names (`BERT`); it needs prose to be an echo.
    const identical = field === 'title' && comparable(plain) === comparable(context.source.title) && title.letters.latinProse > 0;
    const measured = context.measure(plain);
    if (!identical && latinWeight(measured) < LANGUAGE_LIMITS.echoCoverage) continue;
    const grams = new Set<string>();
    for (const part of source) addTrigrams(grams, part.tokens);
    const coverage = echoCoverage(measured, grams);
    if (identical || coverage >= LANGUAGE_LIMITS.echoCoverageError) {
      const how = identical ? 'identical to' : `${percent(coverage)} copied from`;
      issues.push(issue('source-echoed', field, 'error', `${field} is the English source, not a translation (${how} the source)`));
    } else if (coverage >= LANGUAGE_LIMITS.echoCoverage) {
      issues.push(issue('source-echoed', field, 'warning', `${field} is partly the English source copied (${percent(coverage)} of it)`));
    }
  }
  return issues;
};
