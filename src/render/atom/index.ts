/** The Atom 1.0 renderer (RFC 4287): one entry per paper version, permanent ids, RFC 3339 dates, HTML content. */
import type { Digest, DigestEntry } from '../../core/digest.js';
import { cleanLine, entryLinks, entryPermalink, hasTexts, readableEntry, safeHttpUrl } from '../html/escape.js';
import { entryFeedHtml } from '../html/feed-content.js';
import { resolveLabels, type RenderLabels } from '../html/labels.js';
import { channelLink } from '../rss/index.js';
import { digestDate, entryDate, rfc3339 } from '../rss/dates.js';
import { xmlAttribute, xmlElement } from '../rss/xml.js';
import { plainFormatting } from '../../core/tex-formatting.js';

export interface AtomRendererOptions {
  /** The feed's permanent id (an IRI). Default: a tag URI of the subscription, see feedId. */
  id?: string;
  title?: string;
  /** The feed's web page (rel="alternate"). */
  link?: string;
  /** Where the feed itself is published (rel="self"), as RFC 4287 §4.2.7.2 advises. */
  selfUrl?: string;
  labels?: Partial<RenderLabels>;
}

export interface AtomRenderer {
  format: 'atom';
  mediaType: 'application/atom+xml; charset=utf-8';
  render(digest: Digest): string;
}

const ATOM_NS = 'http://www.w3.org/2005/Atom';
/** arXiv's own scheme for category terms in its Atom API. */
const ARXIV_CATEGORY_SCHEME = 'http://arxiv.org/schemas/atom';

/**
 * The feed id when none is configured: `tag:xivdigest,2026:feed/<subscription>` (RFC 4151). It names the
 * subscription, not the day, so every day's digest is the same feed and readers keep one subscription.
 */
export function feedId(digest: Pick<Digest, 'subscription' | 'name'>): string {
  const name = cleanLine(digest.subscription ?? digest.name);
  return `tag:xivdigest,2026:feed/${encodeURIComponent(name)}`;
}

export function createAtomRenderer(options: AtomRendererOptions = {}): AtomRenderer {
  return {
    format: 'atom',
    mediaType: 'application/atom+xml; charset=utf-8',
    render(digest) {
      return renderAtom(digest, options, resolveLabels(digest.lang, options.labels));
    },
  };
}

function renderAtom(digest: Digest, options: AtomRendererOptions, labels: RenderLabels): string {
  const name = cleanLine(digest.subscription ?? digest.name);
  const title = options.title ?? (digest.title !== undefined ? cleanLine(digest.title) : `xivdigest ${name}`);
  const selfUrl = safeHttpUrl(options.selfUrl);
  const lang = cleanLine(digest.lang);
  const parts = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    `<feed xmlns="${ATOM_NS}" xml:lang="${xmlAttribute(lang)}">\n`,
    xmlElement('id', options.id ?? feedId(digest)),
    '\n',
    xmlElement('title', title, false, ' type="text"'),
    '\n',
    xmlElement('updated', rfc3339(digestDate(digest))),
    '\n',
    `<link rel="alternate" type="text/html" href="${xmlAttribute(channelLink(digest, options.link))}" />\n`,
    selfUrl ? `<link rel="self" type="application/atom+xml" href="${xmlAttribute(selfUrl)}" />\n` : '',
    // RFC 4287 §4.1.1: a feed needs an author unless every entry has one; the digest's maker is the safe answer.
    '<author><name>xivdigest</name></author>\n',
    '<generator>xivdigest</generator>\n',
  ];
  for (const entry of digest.entries) parts.push(renderAtomEntry(readableEntry(entry, digest.style), digest, labels), '\n');
  parts.push('</feed>\n');
  return parts.join('');
}

function renderAtomEntry(entry: DigestEntry, digest: Digest, labels: RenderLabels): string {
  const ok = hasTexts(entry);
  const links = entryLinks(entry);
  const date = rfc3339(entryDate(entry, digest));
  const title = plainFormatting(ok && cleanLine(entry.texts.title) !== '' ? cleanLine(entry.texts.title) : cleanLine(entry.title));
  const update = entry.updatedFrom !== undefined ? ` [${labels.updated(entry)}]` : '';
  const summary = ok ? plainFormatting(cleanLine(entry.texts.tldr)) : cleanLine(labels.untranslated(entry));
  const parts = [
    xmlElement('id', entryPermalink(entry)),
    xmlElement('title', title + update, false, ' type="text"'),
    xmlElement('updated', date),
    xmlElement('published', date),
    `<link rel="alternate" type="text/html" href="${xmlAttribute(links.abs)}" />`,
    links.pdf ? `<link rel="related" type="application/pdf" title="pdf" href="${xmlAttribute(links.pdf)}" />` : '',
    links.html ? `<link rel="related" type="text/html" title="html" href="${xmlAttribute(links.html)}" />` : '',
    ...(entry.authors ?? []).map((author) => `<author>${xmlElement('name', cleanLine(author))}</author>`),
    ...(entry.categories ?? []).map((category) => `<category term="${xmlAttribute(cleanLine(category))}" scheme="${ARXIV_CATEGORY_SCHEME}" />`),
    summary === '' ? '' : xmlElement('summary', summary, false, ' type="text"'),
    xmlElement('content', entryFeedHtml(entry, labels), false, ' type="html"'),
  ];
  return `<entry>${parts.join('')}</entry>`;
}
