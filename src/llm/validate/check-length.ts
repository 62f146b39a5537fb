/** Gate checks `abstract-length`, `tldr-length` and `repetition`: the texts are as long as their sources warrant. */
import { issue, TEXT_FIELDS, type GateCheck } from './context.js';
import { countSentences, SENTENCE_END } from './text.js';
import type { GateIssue } from './types.js';

/** Thresholds, from the corpus calibration (docs/decisions/0003-quality-gate.md). */
export const LENGTH_LIMITS = {
  /** Sources shorter than this (language characters) are too short for a meaningful ratio. */
  minSourceLength: 120,
  /** A TL;DR with more sentences than this is a warning. */
  maxTldrSentences: 3,
  /** A TL;DR longer than this share of the abstract (each in its own language) is an error. */
  maxTldrShare: 1,
  /** Repetition: a clause of at least `repeatLength` characters occurring `repeatCount` times or more. */
  repeatLength: 8,
  repeatCount: 3,
} as const;

/** Ends like a finished text: sentence punctuation, a closing bracket, a URL or a formula. */
export function endsCleanly(text: string): boolean {
  const trimmed = text.trim();
  return SENTENCE_END.test(trimmed) || /[)）\]」』”"$]$/.test(trimmed) || /\bhttps?:\/\/\S+$|\b[\w-]+\.(?:com|org|io|net|ai)\/\S*$/.test(trimmed);
}

function round(value: number): string {
  return value.toFixed(2);
}

/**
 * Check `abstract-length`: the translated abstract against the source, in language characters. A translation that
 * is short and ends mid-sentence stopped part-way (error); one that is short but ends cleanly is an abridged summary
 * (warning, or error when far below any real translation); a much longer one holds material the source lacks.
 */
export const checkAbstractLength: GateCheck = (context) => {
  const text = context.fields.abstract;
  const profile = context.profile;
  if (text === undefined) return [];
  const issues: GateIssue[] = [];
  const sourceEndsCleanly = !context.abstractTruncated && endsCleanly(context.source.abstract);
  const cleanEnding = endsCleanly(text);
  if (sourceEndsCleanly && !cleanEnding) {
    issues.push(issue('abstract-cut-short', 'abstract', 'error', `abstract stops mid-sentence ("…${text.slice(-20)}") though the source ends cleanly`));
  }
  const sourceLength = context.measure(context.source.abstract).languageLength;
  if (!profile || sourceLength < LENGTH_LIMITS.minSourceLength) return issues;
  const ratio = context.measure(text).languageLength / sourceLength;
  const { hardMin, min, max, hardMax } = profile.ratio;
  const expected = `${profile.name} translations run ${min}–${max} of the English length`;
  if (ratio < min && !cleanEnding && issues.length === 0) {
    issues.push(
      issue(
        'abstract-cut-short',
        'abstract',
        'error',
        `abstract stops part-way: ${round(ratio)} of the source length, ending mid-sentence ("…${text.slice(-20)}"); ${expected}`,
      ),
    );
  } else if (ratio < hardMin) {
    issues.push(
      issue('abstract-too-short', 'abstract', 'error', `abstract is ${round(ratio)} of the source length, far below a full translation; ${expected}`),
    );
  } else if (ratio < min) {
    issues.push(issue('abstract-too-short', 'abstract', 'warning', `abstract is ${round(ratio)} of the source length, likely abridged; ${expected}`));
  } else if (ratio > hardMax) {
    issues.push(issue('abstract-too-long', 'abstract', 'error', `abstract is ${round(ratio)} of the source length, far more than a translation; ${expected}`));
  } else if (ratio > max) {
    issues.push(issue('abstract-too-long', 'abstract', 'warning', `abstract is ${round(ratio)} of the source length; ${expected}`));
  }
  return issues;
};

/** Check `tldr-length`: each TL;DR is about one sentence and shorter than the abstract it sums up. */
export const checkTldrLength: GateCheck = (context) => {
  const issues: GateIssue[] = [];
  const pairs = [
    { field: 'tldr', text: context.fields.tldr, abstract: context.fields.abstract },
    { field: 'tldrEn', text: context.fields.tldrEn, abstract: context.source.abstract },
  ] as const;
  for (const { field, text, abstract } of pairs) {
    if (text === undefined) continue;
    if (abstract !== undefined) {
      const length = context.measure(text).languageLength;
      const share = length / Math.max(1, context.measure(abstract).languageLength);
      if (share > LENGTH_LIMITS.maxTldrShare && length > 40) {
        issues.push(issue('tldr-too-long', field, 'error', `${field} is longer than the abstract it summarises (${round(share)}×)`));
        continue;
      }
    }
    const sentences = countSentences(text);
    if (sentences > LENGTH_LIMITS.maxTldrSentences) {
      issues.push(issue('tldr-too-long', field, 'warning', `${field} has ${sentences} sentences; a TL;DR is one`));
    }
  }
  return issues;
};

/**
 * A phrase a generation loop repeats: a clause of `repeatLength` characters or more that occurs `repeatCount` times,
 * or a short unit with a letter repeated five times at the end (`模型模型模型模型模型`). Real prose does neither.
 */
export function repeatedPhrase(text: string): string | undefined {
  const loop = shortLoop(text);
  if (loop !== undefined) return loop;
  const counts = new Map<string, number>();
  for (const raw of text.split(/[。，；：！？,.;:!?\n]+/)) {
    const clause = raw.trim();
    if (clause.length < LENGTH_LIMITS.repeatLength) continue;
    const count = (counts.get(clause) ?? 0) + 1;
    counts.set(clause, count);
    if (count >= LENGTH_LIMITS.repeatCount) return clause;
  }
  return undefined;
}

/**
 * A unit of 1–20 characters, with a letter, repeated five times at the end of the text. Only the end is looked at: a
 * model caught in a loop stays in it until its token limit, and there the text equals itself shifted by the period.
 */
function shortLoop(text: string): string | undefined {
  for (let period = 1; period <= 20; period++) {
    if (text.length < 5 * period) break;
    if (text.slice(-4 * period) !== text.slice(-5 * period, -period)) continue;
    const unit = text.slice(-period);
    if (/\p{L}/u.test(unit) && unit.trim() !== '') return unit;
  }
  return undefined;
}

/** Check `repetition`: a field that loops (the same phrase three times or more), unless the source repeats it too. */
export const checkRepetition: GateCheck = (context) => {
  const issues: GateIssue[] = [];
  const source = context.sourceText;
  for (const field of TEXT_FIELDS) {
    const text = context.fields[field];
    if (text === undefined) continue;
    const phrase = repeatedPhrase(text);
    if (phrase !== undefined && !source.includes(phrase)) {
      issues.push(issue('repetition', field, 'error', `${field} repeats "${phrase}" three times or more (a generation loop)`));
    }
  }
  return issues;
};
