/** The few words the HTML, feed and text renderers print around the texts, in Chinese for `zh*` digests, else English. */
import type { DigestEntry } from '../../core/digest.js';
import { selectionLine, untranslatedNote } from '../../core/reader-words.js';
import { isChinese } from './escape.js';

/** Words around the texts; each returns plain text (renderers escape it). Override any of them through options. */
export interface RenderLabels {
  /** Flag of a newer version of a paper the reader already received: `updated (v3)`. */
  updated(entry: DigestEntry): string;
  /** Shown instead of the generated texts when they failed or are pending: reader words, never the technical reason. */
  untranslated(entry: DigestEntry): string;
  /** Why the entry was selected, in reader words: `与你的文献库相似：…` (no score, ranker id or query syntax). */
  selection(selection: NonNullable<DigestEntry['selection']>): string;
  /** Label before the TL;DR in the rich Markdown layout. */
  tldr: string;
  /** Summary of the collapsible English abstract. */
  englishAbstract: string;
  /** Headings of the structured summary's four parts. */
  summaryParts: { motivation: string; method: string; result: string; conclusion: string };
  /** Link texts. */
  abstractPage: string;
  pdf: string;
  html: string;
  /** `12 papers`. */
  count(count: number): string;
  /** Shown for a digest with no entries. */
  empty: string;
  /** The one-click links of a delivered digest (docs/decisions/0040). */
  moreLikeThis: string;
  hide: string;
  unsubscribe: string;
}

/** The labels for a digest language; `overrides` replace single labels. */
export function resolveLabels(lang: string, overrides: Partial<RenderLabels> = {}): RenderLabels {
  const zh = isChinese(lang);
  const defaults: RenderLabels = {
    updated: (entry) => {
      const version = entry.version === null ? '' : ` (v${entry.version})`;
      return zh ? `更新${version}` : `updated${version}`;
    },
    // `entry.textReason` is technical (it may hold an endpoint URL or an excerpt of a rejected answer): never shown.
    untranslated: () => untranslatedNote(lang),
    selection: (selection) => selectionLine(selection, lang),
    tldr: zh ? '要点' : 'TL;DR',
    englishAbstract: zh ? '英文摘要' : 'English abstract',
    summaryParts: zh
      ? { motivation: '动机', method: '方法', result: '结果', conclusion: '结论' }
      : { motivation: 'Motivation', method: 'Method', result: 'Result', conclusion: 'Conclusion' },
    abstractPage: 'arXiv',
    pdf: 'PDF',
    html: 'HTML',
    count: (count) => (zh ? `${count} 篇论文` : `${count} paper${count === 1 ? '' : 's'}`),
    empty: zh ? '今天没有论文。' : 'No papers today.',
    moreLikeThis: zh ? '★ 多推荐这类' : '★ more like this',
    hide: zh ? '隐藏' : 'hide',
    unsubscribe: zh ? '退订' : 'Unsubscribe',
  };
  return { ...defaults, ...overrides };
}
