/** Turns gate findings into a short instruction for a repair prompt. */
import type { GateIssue, GateIssueCode, GateResult } from './types.js';

/** What to do about each finding, addressed to the model. */
const ADVICE: Record<GateIssueCode, (field: string) => string> = {
  'not-an-object': () => 'Reply with one JSON object with the string fields title, tldr, tldrEn and abstract, and nothing else.',
  'field-missing': (field) => `Include the field ${field} as a string.`,
  'field-empty': (field) => `Fill in ${field}; it must not be empty.`,
  'wrong-language': (field) =>
    field === 'tldrEn' ? 'Write tldrEn in English.' : `Write ${field} in the target language; keep only names, acronyms and formulas in English.`,
  'untranslated-passage': (field) => `Translate all of ${field}; part of it was left in English.`,
  'source-echoed': (field) => `Translate ${field}; do not copy the English source.`,
  'abstract-cut-short': () => 'Translate the whole abstract to its last sentence; the translation stopped part-way.',
  'abstract-too-short': () => 'Translate the abstract sentence by sentence instead of summarising it.',
  'abstract-too-long': () => 'Translate only what the abstract says; add nothing.',
  'tldr-too-long': (field) => `Make ${field} one sentence, shorter than the abstract.`,
  repetition: (field) => `Do not repeat phrases in ${field}.`,
  'latex-missing': (field) => `Keep every LaTeX formula of the source verbatim in ${field}, with its $…$ or \\(…\\) delimiters.`,
  'latex-unbalanced': (field) => `Close every formula in ${field}: each $ needs its closing $, each \\( its \\).`,
  'number-unsupported': (field) => `In ${field}, use only numbers that appear in the source title or abstract.`,
  refusal: () => 'Do not refuse or apologise; translate and summarise the paper.',
  'prompt-echo': (field) => `Give only the text of ${field}, without labels, the prompt or JSON keys.`,
  placeholder: (field) => `Replace the placeholder in ${field} with real text.`,
  'source-mismatch': () => 'Translate and summarise the paper given here, not another one.',
};

/** At most this many lines of advice, so that the repair prompt stays short; errors come first, so none is lost. */
const MAX_ITEMS = 6;

/**
 * A short instruction listing what to fix, errors first, one line per distinct advice; empty when there is nothing
 * to fix. The evidence of each finding follows in parentheses so that the model sees what was wrong.
 */
export function repairHint(result: GateResult): string {
  const ordered = [...result.issues].sort((a, b) => rank(a) - rank(b));
  const lines = new Map<string, string[]>();
  for (const found of ordered) {
    const advice = ADVICE[found.code](found.field === '*' ? 'the output' : found.field);
    const evidence = lines.get(advice) ?? [];
    evidence.push(found.message);
    lines.set(advice, evidence);
  }
  if (lines.size === 0) return '';
  const items = [...lines].slice(0, MAX_ITEMS).map(([advice, evidence]) => `- ${advice} (${shorten(evidence.slice(0, 2).join('; '))})`);
  return `Fix these problems and answer again:\n${items.join('\n')}`;
}

function shorten(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function rank(found: GateIssue): number {
  return found.severity === 'error' ? 0 : 1;
}
