/** The RSS 2.0 renderer: cn-chat-arxiv's feed byte for byte for `legacy` digests; the same items, escaped and dated, for `native`. */
import type { Digest, DigestEntry } from '../../core/digest.js';
import { flattenLegacyText } from '../../core/legacy-format/text.js';
import { cleanLine, entryLinks, entryPermalink, hasTexts, safeHttpUrl } from '../html/escape.js';
import { entryFeedHtml } from '../html/feed-content.js';
import { resolveLabels, type RenderLabels } from '../html/labels.js';
import { digestDate, entryDate, rfc822 } from './dates.js';
import { xmlAttribute, xmlElement, xmlText } from './xml.js';
import { plainFormatting } from '../../core/tex-formatting.js';
import { arxivListing } from '../listing.js';

export { parseFeedDate, rfc3339, rfc822, digestDate, entryDate } from './dates.js';
export { xmlAttribute, xmlElement, xmlText } from './xml.js';

/** Channel fields; each defaults from the digest. */
export interface RssChannelOptions {
  title?: string;
  /** The channel's web page (http/https). */
  link?: string;
  description?: string;
}

export interface RssRendererOptions {
  channel?: RssChannelOptions;
  /** Where the feed itself is published; adds `<atom:link rel="self">` to native feeds, as feed validators advise. */
  selfUrl?: string;
  labels?: Partial<RenderLabels>;
}

export interface RssRenderer {
  format: 'rss';
  mediaType: 'application/rss+xml; charset=utf-8';
  /** The original system's feed file is `<category>.xml`. */
  extension: 'xml';
  render(digest: Digest): string;
}

/** The original's channel link. */
export const LEGACY_CHANNEL_LINK = 'https://github.com/qhduan/cn-chat-arxiv';

export function createRssRenderer(options: RssRendererOptions = {}): RssRenderer {
  return {
    format: 'rss',
    mediaType: 'application/rss+xml; charset=utf-8',
    extension: 'xml',
    render(digest) {
      return digest.style === 'legacy'
        ? renderLegacyRss(digest, options.channel)
        : renderNativeRss(digest, options, resolveLabels(digest.lang, options.labels));
    },
  };
}

/** The name a feed is about: the subscription (`cs.AI`), else the digest's name. */
function subject(digest: Pick<Digest, 'subscription' | 'name'>): string {
  return cleanLine(digest.subscription ?? digest.name);
}

/**
 * The original's `make_rss`, byte for byte: ElementTree's `us-ascii` output (no XML declaration, non-ASCII as decimal
 * references, only `& < >` escaped, `<x />` for empty text), channel `Chat Arxiv <name>`, and per item the TL;DR as
 * title, the link, and a description of 7 `<p>` paragraphs whose text is not HTML-escaped (as the original did; a
 * reader sees a `<` in an abstract as markup, which the native style fixes). Entries without texts are left out, as
 * the original left out items without a translation. Characters XML cannot hold are removed (the original wrote them
 * raw, making the feed ill-formed).
 */
export function renderLegacyRss(digest: Pick<Digest, 'entries' | 'name' | 'subscription'>, channel: RssChannelOptions = {}): string {
  const name = subject(digest);
  const head =
    '<rss version="2.0"><channel>' +
    xmlElement('title', channel.title ?? `Chat Arxiv ${name}`, true) +
    xmlElement('link', channel.link ?? LEGACY_CHANNEL_LINK, true) +
    xmlElement('description', channel.description ?? `This is arxiv RSS feed for ${name}`, true);
  const items = digest.entries.filter(hasTexts).map((entry) => legacyItem(entry));
  return `${head}${items.join('')}</channel></rss>`;
}

function legacyItem(entry: DigestEntry): string {
  const description =
    `<p>\n${flattenLegacyText(entry.texts.title)}\n</p>\n<p>\n${entry.title}\n</p>\n<p>\n${entry.link}\n</p>\n` +
    `<p>\n${entry.texts.tldr}\n</p>\n<p>\n${entry.texts.tldrEn}\n</p>\n<p>\n${flattenLegacyText(entry.texts.abstract)}\n</p>\n` +
    `<p>\n${flattenLegacyText(entry.abstract)}\n</p>`;
  return `<item>${xmlElement('title', entry.texts.tldr, true)}${xmlElement('link', entry.link, true)}${xmlElement('description', description, true)}</item>`;
}

/** The channel link of a native feed: the option, the digest's homepage, else arXiv's listing (see arxivListing). */
export function channelLink(digest: Pick<Digest, 'homepage' | 'subscription' | 'name' | 'categories'>, link?: string): string {
  return safeHttpUrl(link) ?? safeHttpUrl(digest.homepage) ?? arxivListing(digest) ?? 'https://arxiv.org/';
}

/**
 * A native feed: the original's items (TL;DR as title, link, the 7 paragraphs, now HTML-escaped, plus update flag,
 * authors, links, categories and selection reason), with a permanent `<guid>` (abstract page with version),
 * `<pubDate>` (RFC 822), `<dc:creator>` and `<category>`; the channel gains language, lastBuildDate and generator.
 * UTF-8 with an XML declaration.
 */
function renderNativeRss(digest: Digest, options: RssRendererOptions, labels: RenderLabels): string {
  const channel = options.channel ?? {};
  const name = subject(digest);
  const title = channel.title ?? (digest.title !== undefined ? cleanLine(digest.title) : `xivdigest ${name}`);
  const selfUrl = safeHttpUrl(options.selfUrl);
  const parts = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"><channel>',
    xmlElement('title', title),
    xmlElement('link', channelLink(digest, channel.link)),
    xmlElement('description', channel.description ?? `arXiv ${name}: translated titles, TL;DRs and abstracts`),
    xmlElement('language', cleanLine(digest.lang)),
    xmlElement('lastBuildDate', rfc822(digestDate(digest))),
    xmlElement('generator', 'xivdigest'),
    selfUrl ? `<atom:link href="${xmlAttribute(selfUrl)}" rel="self" type="application/rss+xml" />` : '',
  ];
  for (const entry of digest.entries) parts.push(nativeItem(entry, digest, labels));
  parts.push('</channel></rss>\n');
  return parts.join('');
}

function nativeItem(entry: DigestEntry, digest: Digest, labels: RenderLabels): string {
  const ok = hasTexts(entry);
  const title = plainFormatting(ok ? cleanLine(entry.texts.tldr) || cleanLine(entry.texts.title) || cleanLine(entry.title) : cleanLine(entry.title));
  const parts = [
    xmlElement('title', title),
    xmlElement('link', entryLinks(entry).abs),
    xmlElement('description', entryFeedHtml(entry, labels)),
    `<guid isPermaLink="true">${xmlText(entryPermalink(entry))}</guid>`,
    xmlElement('pubDate', rfc822(entryDate(entry, digest))),
  ];
  if (entry.authors && entry.authors.length > 0) parts.push(xmlElement('dc:creator', entry.authors.map(cleanLine).join(', ')));
  for (const category of entry.categories ?? []) parts.push(xmlElement('category', cleanLine(category)));
  return `<item>${parts.join('')}</item>`;
}
