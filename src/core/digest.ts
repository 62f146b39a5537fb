/** A digest: an ordered list of paper versions with their generated texts, as one reader receives it. */
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
  /** Why the texts are missing, shown to the reader. */
  textReason?: string;
  /** Set when this is a newer version of a paper the reader already received. */
  updatedFrom?: number;
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
}
