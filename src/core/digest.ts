/** A digest: an ordered list of paper versions with their generated texts, as one reader receives it. */
import type { SelectionWhy } from './reader-words.js';
import type { GeneratedTexts } from './texts.js';

/**
 * `legacy`: the original cn-chat-arxiv format, reproduced byte for byte (raw feed title, the abstract as it printed
 * it, no escaping). `native`: made by xivdigest (full abstract, English TL;DR filled, every text escaped).
 */
export type DigestStyle = 'legacy' | 'native';

export interface DigestEntry {
  /** arXiv id without version. */
  paperId: string;
  version: number | null;
  /** The link as printed, e.g. `https://arxiv.org/abs/2403.10568` (legacy digests keep http:// links). */
  link: string;
  /** The English title as printed in the details (legacy: the raw feed title, suffix included). */
  title: string;
  /** The English abstract as printed (legacy: the first 1,000 characters of the feed description). */
  abstract: string;
  /** Generated texts; `status` other than ok means they are missing and the original text is shown. */
  texts: GeneratedTexts;
  textStatus?: 'ok' | 'failed' | 'pending';
  /**
   * Why the texts are missing: a technical detail kept by digests made before 0021 (it may hold an endpoint URL or an
   * excerpt of a rejected answer). Renderers never show it; readers see `untranslatedNote(lang)` instead.
   */
  textReason?: string;
  /** Set when this is a newer version of a paper the reader already received. */
  updatedFrom?: number;
  /** Author names in order. */
  authors?: string[];
  /** arXiv categories, primary first. */
  categories?: string[];
  /** Other versions of the paper; renderers derive the PDF link from the id when absent. */
  links?: { pdf?: string; html?: string };
  /** When arXiv announced this version: `YYYY-MM-DD` or ISO 8601. */
  announced?: string;
  /** arXiv's announce type: `new`, `cross`, `replace`, `replace-cross`. */
  announceType?: string;
  /**
   * Why this entry was selected. `reason` and `method` are technical (for `runs show` and JSON); readers see `why`
   * through `selectionLine()`.
   */
  selection?: { score: number; reason: string; method?: string; why?: SelectionWhy };
  /** Signed one-click links for this entry's recipient (docs/decisions/0040); only in a delivered copy, never stored. */
  feedback?: { star: string; hide: string };
}

export interface Digest {
  /** Unique name, e.g. `cs.CL` or `cs.CL/2026-11-24`. */
  name: string;
  style: DigestStyle;
  /** Language of the generated texts. */
  lang: string;
  /** ISO 8601. */
  createdAt: string;
  entries: DigestEntry[];
  /** Human title, e.g. `arXiv cs.CL, 2026-11-24`. */
  title?: string;
  /** The subscription that made it, e.g. `cs.CL`. */
  subscription?: string;
  /** The arXiv categories (or archives) the subscription covers, e.g. `['cs.CL', 'cs.AI']`; feeds link to their listing. */
  categories?: string[];
  /** The announcement day, `YYYY-MM-DD`. */
  day?: string;
  /** Where readers find the digests (feeds link to it). */
  homepage?: string;
  /** This recipient's signed unsubscribe link (docs/decisions/0040); only in a delivered email, never stored. */
  unsubscribe?: string;
}
