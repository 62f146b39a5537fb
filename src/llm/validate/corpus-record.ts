/** Turns a per-paper record of the original system (cn-chat-arxiv `papers/…/<id>.json`) into a gate case. */
import { stripAnnounceHeader, stripArxivTitleSuffix } from './text.js';
import type { GateInput, GateOptions } from './types.js';

/** A per-paper record as the original system cached it. `en_tdlr` is its spelling; a few records have `en_tldr`. */
export interface CnChatArxivRecord {
  title: string;
  abstract: string;
  link?: string;
  total_tokens?: number;
  translated_title?: string;
  translated_abstract?: string;
  tldr?: string;
  en_tdlr?: string;
  en_tldr?: string;
}

/**
 * The original system kept the first 1,000 characters of the feed description, before removing `-\n` and joining
 * lines.
 */
export const LEGACY_ABSTRACT_LIMIT = 1000;

/**
 * A printed length within this many characters of the limit counts as cut: removing `-\n` after the cut shortens
 * the text by two characters per hyphenated line break. Of the 3,000 real records, 2,287 are exactly 1,000 long and
 * 49 lie between 985 and 999. A shorter source counts as whole, which only makes the gate stricter on it.
 */
const CUT_SLACK = 15;

export interface GateCase {
  source: GateInput;
  /** The output in the gate's shape; a field the record lacks is left out, so the gate reports it. */
  output: { title?: string; tldr?: string; tldrEn?: string; abstract?: string };
  options: GateOptions;
}

/** Builds the gate input, output and options of a cn-chat-arxiv record (all of them are Chinese). */
export function gateCaseFromRecord(record: CnChatArxivRecord): GateCase {
  const abstract = stripAnnounceHeader(record.abstract).trim();
  const output: GateCase['output'] = {};
  if (record.translated_title !== undefined) output.title = record.translated_title;
  if (record.tldr !== undefined) output.tldr = record.tldr;
  const english = record.en_tdlr ?? record.en_tldr;
  if (english !== undefined) output.tldrEn = english;
  if (record.translated_abstract !== undefined) output.abstract = record.translated_abstract;
  return {
    source: { title: stripArxivTitleSuffix(record.title), abstract },
    output,
    options: { lang: 'zh', abstractTruncated: record.abstract.length >= LEGACY_ABSTRACT_LIMIT - CUT_SLACK },
  };
}
