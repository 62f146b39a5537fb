/** The JSON Feed 1.1 renderer (https://jsonfeed.org/version/1.1): items with permanent ids, RFC 3339 dates, HTML and text content. */
import type { Digest, DigestEntry } from '../../core/digest.js';
import { cleanLine, entryLinks, entryPermalink, hasTexts, readableEntry, safeHttpUrl } from '../html/escape.js';
import { entryFeedHtml, entryFeedText } from '../html/feed-content.js';
import { resolveLabels, type RenderLabels } from '../html/labels.js';
import { channelLink } from '../rss/index.js';
import { entryDate, rfc3339 } from '../rss/dates.js';
import { plainFormatting } from '../../core/tex-formatting.js';

export interface JsonFeedRendererOptions {
  title?: string;
  /** The feed's web page. */
  homePageUrl?: string;
  /** Where the feed itself is published (`feed_url`, which the spec strongly recommends). */
  feedUrl?: string;
  labels?: Partial<RenderLabels>;
}

export interface JsonFeedRenderer {
  format: 'json-feed';
  mediaType: 'application/feed+json; charset=utf-8';
  render(digest: Digest): string;
}

/** The subset of JSON Feed 1.1 we write. Extension keys start with `_`, as the spec requires. */
export interface JsonFeed {
  version: 'https://jsonfeed.org/version/1.1';
  title: string;
  home_page_url: string;
  feed_url?: string;
  description: string;
  language: string;
  authors: Array<{ name: string; url?: string }>;
  items: JsonFeedItem[];
}

export interface JsonFeedItem {
  id: string;
  url: string;
  title: string;
  summary?: string;
  content_html: string;
  content_text: string;
  date_published: string;
  authors?: Array<{ name: string }>;
  tags?: string[];
  language: string;
  attachments?: Array<{ url: string; mime_type: string; title?: string }>;
  /** arXiv details that have no JSON Feed field. */
  _arxiv: {
    id: string;
    version: number | null;
    pdf?: string;
    html?: string;
    updated_from?: number;
    announce_type?: string;
    text_status: 'ok' | 'failed' | 'pending';
    /** The reader's note for missing texts (`翻译暂不可用`); the technical reason is never published. */
    text_note?: string;
    /** `reason` is the reader's line (see selectionLine). */
    selection?: { score: number; reason: string; method?: string };
  };
}

export function createJsonFeedRenderer(options: JsonFeedRendererOptions = {}): JsonFeedRenderer {
  return {
    format: 'json-feed',
    mediaType: 'application/feed+json; charset=utf-8',
    render(digest) {
      return `${JSON.stringify(buildJsonFeed(digest, options), null, 2)}\n`;
    },
  };
}

/** The feed as an object (render() serializes it). */
export function buildJsonFeed(digest: Digest, options: JsonFeedRendererOptions = {}): JsonFeed {
  const labels = resolveLabels(digest.lang, options.labels);
  const name = cleanLine(digest.subscription ?? digest.name);
  const feedUrl = safeHttpUrl(options.feedUrl);
  return {
    version: 'https://jsonfeed.org/version/1.1',
    title: options.title ?? (digest.title !== undefined ? cleanLine(digest.title) : `xivdigest ${name}`),
    home_page_url: channelLink(digest, options.homePageUrl),
    ...(feedUrl ? { feed_url: feedUrl } : {}),
    description: `arXiv ${name}: translated titles, TL;DRs and abstracts`,
    language: cleanLine(digest.lang),
    authors: [{ name: 'xivdigest' }],
    items: digest.entries.map((entry) => jsonFeedItem(readableEntry(entry, digest.style), digest, labels)),
  };
}

function jsonFeedItem(entry: DigestEntry, digest: Digest, labels: RenderLabels): JsonFeedItem {
  const ok = hasTexts(entry);
  const links = entryLinks(entry);
  const update = entry.updatedFrom !== undefined ? ` [${labels.updated(entry)}]` : '';
  const title = plainFormatting(ok && cleanLine(entry.texts.title) !== '' ? cleanLine(entry.texts.title) : cleanLine(entry.title)) + update;
  const summary = ok ? plainFormatting(cleanLine(entry.texts.tldr)) : cleanLine(labels.untranslated(entry));
  const authors = (entry.authors ?? []).map(cleanLine).filter((author) => author !== '');
  const tags = (entry.categories ?? []).map(cleanLine).filter((category) => category !== '');
  const attachments = links.pdf ? [{ url: links.pdf, mime_type: 'application/pdf', title: 'PDF' }] : [];
  return {
    id: entryPermalink(entry),
    url: links.abs,
    title,
    ...(summary !== '' ? { summary } : {}),
    content_html: entryFeedHtml(entry, labels),
    content_text: entryFeedText(entry, labels),
    date_published: rfc3339(entryDate(entry, digest)),
    ...(authors.length > 0 ? { authors: authors.map((author) => ({ name: author })) } : {}),
    ...(tags.length > 0 ? { tags } : {}),
    language: ok ? cleanLine(digest.lang) : 'en',
    ...(attachments.length > 0 ? { attachments } : {}),
    _arxiv: {
      id: cleanLine(entry.paperId),
      version: entry.version,
      ...(links.pdf ? { pdf: links.pdf } : {}),
      ...(links.html ? { html: links.html } : {}),
      ...(entry.updatedFrom !== undefined ? { updated_from: entry.updatedFrom } : {}),
      ...(entry.announceType !== undefined ? { announce_type: cleanLine(entry.announceType) } : {}),
      text_status: entry.textStatus ?? 'ok',
      ...(ok ? {} : { text_note: cleanLine(labels.untranslated(entry)) }),
      ...(entry.selection
        ? {
            selection: {
              score: entry.selection.score,
              reason: cleanLine(labels.selection(entry.selection)),
              ...(entry.selection.method ? { method: cleanLine(entry.selection.method) } : {}),
            },
          }
        : {}),
    },
  };
}
