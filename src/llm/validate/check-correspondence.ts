/** Gate check `correspondence`: the texts belong to this source, not to another paper of the same batch. */
import { issue, type GateCheck, type GateContext } from './context.js';
import { contentStems, type Measured } from './measure.js';
import { arabicNumbers } from './numbers.js';
import { plainMath } from './check-latex.js';
import { isEnglishStopword } from './languages.js';
import { isNameLike } from './text.js';
import type { GateIssue } from './types.js';

/** Thresholds, from the corpus calibration with swapped records (docs/decisions/0003-quality-gate.md). */
export const CORRESPONDENCE_LIMITS = {
  /** Fewer distinct anchors than this on either side, or than `minAnchorTotal` on both, tells nothing. */
  minAnchors: 2,
  minAnchorTotal: 5,
  /**
   * When both the share of the source's anchors found in the translation and the share of the translation's found in
   * the source are below this, the translation is of another paper.
   */
  minAnchorShare: 0.3,
  /** English content words of `tldrEn` needed for its overlap to count. */
  minStems: 6,
  /** Share of `tldrEn` content words found in the source, below which it sums up another paper. */
  minOverlap: 0.3,
  /** Latin words kept in a non-Latin translation needed for their share found in the source to count. */
  minTerms: 2,
  /**
   * Share of those words found in the source below which (with under `maxTermRecall` of the source's anchors) the
   * translation is of another paper.
   */
  minTermPrecision: 0.3,
  maxTermRecall: 0.5,
  /** Han character pairs of the translated TL;DR needed for its overlap with the translated abstract to count. */
  minBigrams: 8,
  /**
   * Share of the TL;DR's Han character pairs found in the translated abstract, below which it sums up another paper.
   */
  minBigramOverlap: 0.2,
} as const;

/** Anchors so common across papers that sharing them proves nothing. */
const COMMON_ANCHORS = new Set(['ai', 'llm', 'llms', 'nlp', 'ml', 'gpt', 'gpt4', 'chatgpt', 'bert', '2d', '3d', 'dnn', 'cnn', 'rl', 'api', 'sota']);

/**
 * A token as a lookup key: lower case, letters and digits only, a plural `s` off (`LLaMA-2` → `llama2`, `GANs` →
 * `gan`).
 */
function nameKey(token: string): string {
  const key = token.toLowerCase().replace(/[-'’.]/g, '');
  return key.length > 3 && key.endsWith('s') && !/\d/.test(key[key.length - 2] ?? '') ? key.slice(0, -1) : key;
}

/**
 * What stays the same in any language: names kept verbatim (`AMELI`, `GPT-4`, `ResNet50`), numbers with two digits or
 * more (inside formulas too), and formulas. Lower-cased, punctuation and a plural `s` off, so `LLaMA-2` meets `llama2`.
 */
export function anchors(text: string, measured: Measured, found = new Map<string, string>()): Map<string, string> {
  for (const segment of measured.math) found.set(`$${segment.key}`, segment.raw);
  for (const token of measured.tokens) {
    if (!isNameLike(token) || /^\d/.test(token)) continue;
    const key = nameKey(token);
    if (key.length >= 2 && !COMMON_ANCHORS.has(key)) found.set(key, token);
  }
  for (const mention of arabicNumbers(text)) {
    const digits = mention.text.replace(/\D/g, '');
    if (digits.length >= 2) found.set(`#${mention.values[0]}`, mention.text);
  }
  return found;
}

/** Correspondence measures of one output, exported for calibration. */
export interface Correspondence {
  sourceAnchors: number;
  translationAnchors: number;
  shared: number;
  /** Shared anchors over the source's. */
  recall: number;
  /** Shared anchors over the translation's. */
  precision: number;
  /** Content words of `tldrEn`, and the share of them found in the source. */
  stems: number;
  overlap: number;
  /** Han character pairs of `tldr`, and the share of them found in the translated abstract. */
  bigrams: number;
  bigramOverlap: number;
  /**
   * Latin words a non-Latin translation keeps (terms, names in any case), and the share of them found in the source.
   */
  terms: number;
  termPrecision: number;
}

/**
 * Latin words of a translation into a non-Latin script, as lookup keys: a translation keeps English only for names
 * and terms of its own source (`Transformer`, `Adam`, `diff`), so another paper's translation brings others.
 */
function latinTerms(tokens: readonly string[]): Map<string, string[]> {
  const terms = new Map<string, string[]>();
  for (const token of tokens) {
    if (/^\d/.test(token) || isEnglishStopword(token)) continue;
    const key = nameKey(token);
    if (key.length >= 3 && !COMMON_ANCHORS.has(key)) terms.set(key, hyphenParts(token));
  }
  return terms;
}

/**
 * Keys of the parts of a hyphenated token (`VAE-inspired` → vae, inspired), so `VAE-inspire` still meets its source.
 */
function hyphenParts(token: string): string[] {
  return token.includes('-')
    ? token
        .split('-')
        .map(nameKey)
        .filter((part) => part.length >= 3)
    : [];
}

function isHan(code: number): boolean {
  return (code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf);
}

/** Pairs of adjacent Han characters, as numbers: a language-free fingerprint of Chinese or Japanese text. */
export function hanBigrams(text: string): number[] {
  const pairs: number[] = [];
  for (let at = 0; at + 1 < text.length; at++) {
    const first = text.charCodeAt(at);
    const second = text.charCodeAt(at + 1);
    if (isHan(first) && isHan(second)) pairs.push(first * 0x10000 + second);
  }
  return pairs;
}

/**
 * Source anchors the translation has in another spelling: a formula written out (`$\alpha$` → α) or a name in other
 * case or punctuation (`sarvam`, `Top-k`). Only consulted before reporting a mismatch, as it is slower.
 */
function writtenOut(anchor: string, raw: string, translation: string, compact: string): boolean {
  if (anchor.startsWith('$')) return plainMath(raw).some((plain) => translation.includes(plain));
  if (anchor.startsWith('#')) return false;
  return compact.includes(anchor);
}

export function measureCorrespondence(context: GateContext): Correspondence {
  const sourceTexts = [context.source.title, context.source.abstract];
  const sourceParts = sourceTexts.map(context.measure);
  const translationTexts = [context.fields.title, context.fields.abstract, context.fields.tldr].filter((text): text is string => text !== undefined);
  const sourceAnchors = new Map<string, string>();
  sourceTexts.forEach((text, index) => anchors(text, sourceParts[index]!, sourceAnchors));
  const translationAnchors = new Map<string, string>();
  for (const text of translationTexts) anchors(text, context.measure(text), translationAnchors);
  let shared = 0;
  for (const anchor of translationAnchors.keys()) if (sourceAnchors.has(anchor)) shared++;
  const limits = CORRESPONDENCE_LIMITS;
  const share = (count: number, total: number): number => (total === 0 ? 1 : count / total);
  if (
    sourceAnchors.size >= limits.minAnchors &&
    translationAnchors.size >= limits.minAnchors &&
    Math.max(share(shared, sourceAnchors.size), share(shared, translationAnchors.size)) < limits.minAnchorShare
  ) {
    // Before calling it a mismatch, count the source anchors the translation writes out differently.
    const translation = translationTexts.join('\n').normalize('NFKC');
    const compact = translation.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
    for (const [anchor, raw] of sourceAnchors) {
      if (!translationAnchors.has(anchor) && writtenOut(anchor, raw, translation, compact)) shared++;
    }
  }
  const stems = context.fields.tldrEn === undefined ? [] : contentStems(context.measure(context.fields.tldrEn).tokens);
  let overlapping = 0;
  if (stems.length > 0) {
    const sourceStems = new Set(sourceParts.flatMap((part) => contentStems(part.tokens)));
    overlapping = stems.filter((word) => sourceStems.has(word)).length;
  }
  const bigrams = context.fields.tldr === undefined || context.fields.abstract === undefined ? [] : hanBigrams(context.fields.tldr);
  let bigramHits = 0;
  if (bigrams.length > 0) {
    const abstract = new Set(hanBigrams(context.fields.abstract ?? ''));
    bigramHits = bigrams.filter((pair) => abstract.has(pair)).length;
  }
  let terms = 0;
  let termHits = 0;
  const recall = share(Math.min(shared, sourceAnchors.size), sourceAnchors.size);
  // The terms only decide together with a low recall, so they are looked up only then (the lookup is the costly part).
  if (context.profile !== undefined && context.profile.family !== 'latin' && recall < CORRESPONDENCE_LIMITS.maxTermRecall) {
    const translated = latinTerms(translationTexts.flatMap((text) => context.measure(text).tokens));
    if (translated.size >= CORRESPONDENCE_LIMITS.minTerms) {
      const vocabulary = new Set<string>();
      for (const token of sourceParts.flatMap((part) => part.tokens)) {
        vocabulary.add(nameKey(token));
        for (const part of hyphenParts(token)) vocabulary.add(part);
      }
      terms = translated.size;
      for (const [term, parts] of translated) if (vocabulary.has(term) || parts.some((part) => vocabulary.has(part))) termHits++;
    }
  }
  return {
    terms,
    termPrecision: share(termHits, terms),
    sourceAnchors: sourceAnchors.size,
    translationAnchors: translationAnchors.size,
    shared: Math.min(shared, sourceAnchors.size, translationAnchors.size),
    recall,
    precision: share(Math.min(shared, translationAnchors.size), translationAnchors.size),
    stems: stems.length,
    overlap: share(overlapping, stems.length),
    bigrams: bigrams.length,
    bigramOverlap: share(bigramHits, bigrams.length),
  };
}

function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}

/**
 * Check `correspondence`. The translated fields must carry the source's names, numbers and formulas and few of their
 * own; the English TL;DR must use the source's words; the translated TL;DR must use the translated abstract's words.
 * Any one failing is an error: each threshold sits below every real output of the calibration but one or two.
 */
export const checkCorrespondence: GateCheck = (context) => {
  const issues: GateIssue[] = [];
  const limits = CORRESPONDENCE_LIMITS;
  const measured = measureCorrespondence(context);
  const anchored =
    measured.sourceAnchors >= limits.minAnchors &&
    measured.translationAnchors >= limits.minAnchors &&
    measured.sourceAnchors + measured.translationAnchors >= limits.minAnchorTotal;
  if (anchored && Math.max(measured.recall, measured.precision) < limits.minAnchorShare) {
    issues.push(
      issue(
        'source-mismatch',
        '*',
        'error',
        `the translation does not match this paper: it has ${percent(measured.recall)} of the source's names, numbers and formulas, and ${percent(1 - measured.precision)} of its own are not in the source`,
      ),
    );
  } else if (measured.terms >= limits.minTerms && measured.termPrecision < limits.minTermPrecision && measured.recall < limits.maxTermRecall) {
    issues.push(
      issue(
        'source-mismatch',
        '*',
        'error',
        `the translation does not match this paper: ${percent(1 - measured.termPrecision)} of the English terms it keeps are not in the source, and it has ${percent(measured.recall)} of the source's names and numbers`,
      ),
    );
  }
  if (measured.stems >= limits.minStems && measured.overlap < limits.minOverlap) {
    issues.push(
      issue(
        'source-mismatch',
        'tldrEn',
        'error',
        `tldrEn does not match this paper: only ${percent(measured.overlap)} of its content words occur in the source`,
      ),
    );
  }
  if (measured.bigrams >= limits.minBigrams && measured.bigramOverlap < limits.minBigramOverlap) {
    issues.push(
      issue(
        'source-mismatch',
        'tldr',
        'error',
        `tldr does not match the translated abstract: only ${percent(measured.bigramOverlap)} of its word pairs occur there`,
      ),
    );
  }
  return issues;
};
