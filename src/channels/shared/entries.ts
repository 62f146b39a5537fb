/** What chat channels show of each digest entry, read defensively (optional fields may be absent or malformed). */
import type { Digest, DigestEntry } from '../../core/digest.js';
import { selectionLine, untranslatedNote } from '../../core/reader-words.js';
import { plainFormatting } from '../../core/tex-formatting.js';

/** One entry as the compact chat formats show it: numbered translated title, TL;DR, link, updated flag, selection reason. */
export interface EntryView {
  /** 1-based position in the digest. */
  number: number;
  paperId: string;
  link: string;
  /** Translated title, or the English title when the texts are missing. */
  title: string;
  /** The English title without the old feed's `(arXiv:… [cat])` suffix. */
  originalTitle: string;
  /** The TL;DR in the digest's language; empty when missing. */
  tldr: string;
  /** `v1 → v2` style note when this is a newer version of a paper already sent. */
  updated?: { from: number; to: number | null };
  /** Why the paper was selected, in reader words (see selectionLine), when the ranking says. */
  reason?: string;
  score?: number;
  /** Signed one-click links (docs/decisions/0040), when the delivery carries them. */
  feedback?: { star: string; hide: string };
}

/** Labels in the digest's language: Chinese for `zh*`, English otherwise. */
export interface Labels {
  updated: string;
  reason: string;
  missing: string;
  more: string;
  empty: string;
  moreLikeThis: string;
  hide: string;
}

export function labelsFor(lang: string): Labels {
  const missing = untranslatedNote(lang);
  if (/^zh/i.test(lang))
    return {
      updated: '更新',
      reason: '入选理由',
      missing: `（${missing}）`,
      more: '完整摘要',
      empty: '本期没有论文。',
      moreLikeThis: '★ 多推荐这类',
      hide: '隐藏',
    };
  return {
    updated: 'updated',
    reason: 'Why',
    missing: `(${missing})`,
    more: 'Full digest',
    empty: 'No papers in this digest.',
    moreLikeThis: '★ more like this',
    hide: 'hide',
  };
}

/** The entries of a digest as {@link EntryView}s, in digest order. */
export function entryViews(digest: Digest): EntryView[] {
  return digest.entries.map((entry, index) => entryView(entry, index + 1, typeof digest.lang === 'string' ? digest.lang : 'en'));
}

function entryView(entry: DigestEntry, number: number, lang: string): EntryView {
  const texts: Record<string, unknown> = isRecord(entry.texts) ? (entry.texts as unknown as Record<string, unknown>) : {};
  const ok = entry.textStatus === undefined || entry.textStatus === 'ok';
  const originalTitle = plainFormatting(cleanTitle(stringOf(entry.title)));
  const translated = ok ? plainFormatting(cleanTitle(stringOf(texts.title))) : '';
  const view: EntryView = {
    number,
    paperId: stringOf(entry.paperId),
    link: stringOf(entry.link),
    title: translated || originalTitle,
    originalTitle,
    tldr: ok ? plainFormatting(oneLine(stringOf(texts.tldr))) : '',
  };
  const feedback = entry.feedback;
  if (
    isRecord(feedback) &&
    typeof feedback.star === 'string' &&
    typeof feedback.hide === 'string' &&
    /^https?:\/\//i.test(feedback.star) &&
    /^https?:\/\//i.test(feedback.hide)
  ) {
    view.feedback = { star: feedback.star, hide: feedback.hide };
  }
  if (typeof entry.updatedFrom === 'number') view.updated = { from: entry.updatedFrom, to: typeof entry.version === 'number' ? entry.version : null };
  // `selection` is added to DigestEntry by the ranking work; read it without relying on its type.
  const selection = (entry as unknown as Record<string, unknown>).selection;
  if (isRecord(selection)) {
    // The stored reason is technical (ranker, query syntax); readers get the line made from its facts.
    if (typeof selection.reason === 'string' && selection.reason.trim()) {
      const why = isRecord(selection.why) ? selection.why : undefined;
      const line = oneLine(selectionLine({ score: 0, reason: '', ...(why ? { why: readWhy(why) } : {}) }, lang));
      if (line !== '') view.reason = line;
    }
    if (typeof selection.score === 'number' && Number.isFinite(selection.score)) view.score = selection.score;
  }
  return view;
}

/** The updated flag as text, e.g. `更新 v1→v2`. */
export function updatedNote(view: EntryView, labels: Labels): string | undefined {
  if (!view.updated) return undefined;
  return `${labels.updated} v${view.updated.from}→${view.updated.to === null ? '?' : `v${view.updated.to}`}`;
}

/** Drops the `(arXiv:ID vN [cat] UPDATED)` suffix of old feed titles, as the original digest's table did, and joins lines. */
function cleanTitle(title: string): string {
  return oneLine(title.replace(/\s*\(arXiv.+$/s, ''));
}

/** The structured facts of `selection.why`, keeping only well-typed fields. */
function readWhy(why: Record<string, unknown>): NonNullable<NonNullable<DigestEntry['selection']>['why']> {
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined);
  const keywords = strings(why.keywords);
  const authors = strings(why.authors);
  return {
    ...(typeof why.nearest === 'string' ? { nearest: why.nearest } : {}),
    ...(keywords ? { keywords } : {}),
    ...(authors ? { authors } : {}),
    ...(why.updated === true ? { updated: true } : {}),
    ...(typeof why.note === 'string' ? { note: why.note } : {}),
    ...(typeof why.starred === 'string' ? { starred: why.starred } : {}),
    ...(typeof why.hidden === 'string' ? { hidden: why.hidden } : {}),
  };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
