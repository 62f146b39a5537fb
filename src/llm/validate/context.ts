/** The prepared input of every gate check: the output's string fields, the cleaned source, the language profile. */
import { createMeasurer, type Measured } from './measure.js';
import { languageProfile, type LanguageProfile } from './languages.js';
import { hasAnnounceHeader, stripAnnounceHeader, stripArxivTitleSuffix } from './text.js';
import type { GateField, GateInput, GateIssue, GateIssueCode } from './types.js';

/** The four text fields of an output (`GeneratedTexts` minus `lang`). */
export type TextField = Exclude<GateField, '*'>;

export const TEXT_FIELDS: readonly TextField[] = ['title', 'tldr', 'tldrEn', 'abstract'];

/** Fields written in the target language (`tldrEn` is always English). */
export const TRANSLATED_FIELDS: readonly TextField[] = ['title', 'tldr', 'abstract'];

export interface GateContext {
  /** The fields that are non-blank strings; the schema check reports the others, and checks skip them. */
  fields: Partial<Record<TextField, string>>;
  /** The source with the feed's title suffix and announcement header removed. */
  source: GateInput;
  /** Source title and abstract in one text, for checks that look at both. */
  sourceText: string;
  /** The requested language code as given. */
  lang: string;
  /** Its profile, or undefined for a language the gate has no profile for (only language-neutral checks run). */
  profile: LanguageProfile | undefined;
  abstractTruncated: boolean;
  /** Measures a text once per gate run (memoised). */
  measure: (text: string) => Measured;
  /** Fields that started with an arXiv announcement header; it is removed from `fields` so it skews no measure. */
  announceHeader: TextField[];
}

/** A gate check: a pure function from the prepared context to findings. */
export type GateCheck = (context: GateContext) => GateIssue[];

export function createContext(
  fields: Partial<Record<TextField, string>>,
  source: GateInput,
  options: { lang: string; abstractTruncated?: boolean },
): GateContext {
  const announceHeader: TextField[] = [];
  const cleaned: Partial<Record<TextField, string>> = { ...fields };
  for (const field of ['abstract', 'tldr'] as const) {
    const text = fields[field];
    if (text === undefined || !hasAnnounceHeader(text)) continue;
    announceHeader.push(field);
    const rest = stripAnnounceHeader(text).trim();
    if (rest === '') delete cleaned[field];
    else cleaned[field] = rest;
  }
  const title = stripArxivTitleSuffix(source.title);
  const abstract = stripAnnounceHeader(source.abstract).trim();
  return {
    fields: cleaned,
    sourceText: `${title}\n${abstract}`,
    announceHeader,
    measure: createMeasurer(),
    source: { title, abstract },
    lang: options.lang,
    profile: languageProfile(options.lang),
    abstractTruncated: options.abstractTruncated ?? false,
  };
}

/** Builds an issue. */
export function issue(code: GateIssueCode, field: GateField, severity: GateIssue['severity'], message: string): GateIssue {
  return { code, field, severity, message };
}
