/** Text and link hygiene shared by the HTML, feed and text renderers: clean Unicode, HTML escaping, http(s)-only links. */
import { absLink, parseArxivId, versionedId } from '../../core/arxiv-id.js';
import type { DigestEntry, DigestStyle } from '../../core/digest.js';
import { cleanLegacyTitle, parseLegacyAbstract } from '../../core/legacy-format/text.js';
import { toWellFormed } from '../markdown/escape.js';

// Bidi embeddings, overrides and isolates (and the BOM) reorder or hide what the reader sees; they never carry meaning
// in a title or abstract, and an RLO can make `gpj.exe` read as `exe.jpg`.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\uFEFF]/g;
// C0 controls but tab and line feed, C1 controls, DEL: invisible, and invalid in XML 1.0 (§2.2) except tab/LF/CR.
const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
// XML 1.0 also forbids U+FFFE and U+FFFF; they never belong in text.
const NONCHARACTERS = /[\uFFFE\uFFFF]/g;
const LINE_SEPARATORS = /[\u2028\u2029]/g;

/**
 * Makes text safe to print anywhere: lone surrogates and U+FFFE/U+FFFF become U+FFFD, bidi controls and NUL/control
 * characters are removed (CR becomes a line feed), U+2028/U+2029 become line feeds. Tabs and line feeds stay.
 */
export function cleanText(text: string): string {
  return toWellFormed(text)
    .replace(/\r\n?/g, '\n')
    .replace(BIDI_CONTROLS, '')
    .replace(CONTROLS, '')
    .replace(NONCHARACTERS, '\uFFFD')
    .replace(LINE_SEPARATORS, '\n');
}

/** cleanText, then every run of whitespace (line feeds included) as one space, trimmed: one line of text. */
export function cleanLine(text: string): string {
  return cleanText(text).replace(/\s+/g, ' ').trim();
}

const HTML_SPECIAL = /[&<>"']/g;
const HTML_REPLACEMENT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** cleanText, then `& < > " '` as references: safe in HTML text and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return cleanText(text).replace(HTML_SPECIAL, (character) => HTML_REPLACEMENT[character]!);
}

/**
 * The link if it is an absolute http(s) URL, normalized by the WHATWG URL parser (so spaces, quotes and `<` come out
 * percent-encoded); undefined for anything else (`javascript:`, `data:`, relative or malformed links).
 */
export function safeHttpUrl(link: string | undefined): string | undefined {
  if (link === undefined) return undefined;
  const trimmed = cleanText(link).trim();
  if (!/^https?:\/\//i.test(trimmed)) return undefined;
  try {
    const url = new URL(trimmed);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return undefined;
    // Credentials in a link only serve to disguise its host.
    if (url.username !== '' || url.password !== '') return undefined;
    return url.href;
  } catch {
    return undefined;
  }
}

/** The links an entry shows: abstract page, PDF and (when known) arXiv's HTML version, all http(s). */
export interface EntryLinks {
  abs: string;
  pdf: string | undefined;
  html: string | undefined;
}

/** The id with its version (`2403.10568v2`), percent-encoded for a URL path (old ids keep their `/`). */
export function entryVersionedId(entry: Pick<DigestEntry, 'paperId' | 'version'>): string {
  const parsed = parseArxivId(cleanLine(entry.paperId));
  const id = parsed ? parsed.id : cleanLine(entry.paperId);
  return versionedId(id, entry.version).split('/').map(encodeURIComponent).join('/');
}

/**
 * The entry's links: `link` when it is http(s) (else the arXiv abstract page of its id), `links.pdf` or the PDF of
 * the id and version, and `links.html` when given and http(s).
 */
export function entryLinks(entry: Pick<DigestEntry, 'paperId' | 'version' | 'link' | 'links'>): EntryLinks {
  const parsed = parseArxivId(cleanLine(entry.paperId));
  const bareId = parsed ? parsed.id : cleanLine(entry.paperId);
  const encodedId = bareId.split('/').map(encodeURIComponent).join('/');
  const abs = safeHttpUrl(entry.link) ?? absLink(encodedId);
  const pdf = safeHttpUrl(entry.links?.pdf) ?? (parsed ? `https://arxiv.org/pdf/${entryVersionedId(entry)}` : undefined);
  return { abs, pdf, html: safeHttpUrl(entry.links?.html) };
}

/** The permanent id of an entry: its arXiv abstract page with the version, e.g. `https://arxiv.org/abs/2403.10568v2`. */
export function entryPermalink(entry: Pick<DigestEntry, 'paperId' | 'version'>): string {
  return absLink(entryVersionedId(entry));
}

/** Whether the entry's generated texts are there (status `ok`, the default). */
export function hasTexts(entry: Pick<DigestEntry, 'textStatus'>): boolean {
  return (entry.textStatus ?? 'ok') === 'ok';
}

/** Whether labels should be Chinese: the original's readers, and any digest whose language is `zh*`. */
export function isChinese(lang: string): boolean {
  return lang.toLowerCase().startsWith('zh');
}

/**
 * An entry as a reader should see it outside the byte-exact legacy formats. For `legacy` entries: the title without
 * the old feed's `(arXiv:… [cs.CL] UPDATED)` suffix, the abstract without the new feed's `arXiv:… Announce Type: …
 * Abstract:` prefix (the announce type is kept in `announceType`), and `…` after an abstract the original cut at 1,000
 * characters. `native` entries are returned unchanged.
 */
export function readableEntry(entry: DigestEntry, style: DigestStyle): DigestEntry {
  if (style !== 'legacy') return entry;
  const abstract = parseLegacyAbstract(entry.abstract);
  return {
    ...entry,
    title: cleanLegacyTitle(entry.title),
    abstract: abstract.truncated ? `${abstract.abstract.trimEnd()}…` : abstract.abstract,
    ...(entry.announceType === undefined && abstract.announceType !== undefined ? { announceType: abstract.announceType } : {}),
  };
}
