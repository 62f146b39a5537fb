/** Reads and reproduces the text conventions of the original cn-chat-arxiv (Python) program, character for character. */
import { absLink, findArxivId, parseArxivId } from '../arxiv-id.js';
import type { AnnounceType, LegacyFlag, Paper, SourceFormat } from '../paper.js';

/**
 * The characters Python 3's `\s` matches in a str pattern, which are also what `str.strip()` removes
 * (`Py_UNICODE_ISSPACE`). It differs from JavaScript's `\s`: Python adds U+001C–U+001F and U+0085 and
 * leaves out U+FEFF. Written as the body of a character class.
 */
export const PYTHON_WHITESPACE_CLASS = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const PYTHON_WHITESPACE = new RegExp(`[${PYTHON_WHITESPACE_CLASS}]`);
const PYTHON_STRIP = new RegExp(`^[${PYTHON_WHITESPACE_CLASS}]+|[${PYTHON_WHITESPACE_CLASS}]+$`, 'g');
// Python `re.sub(r'\s*\(arXiv.+', '', title)`: Python's `.` is anything but `\n` (JavaScript's also stops at `\r`,
// U+2028 and U+2029), and re.sub replaces every match, hence the g flag.
const ARXIV_SUFFIX_SUB = new RegExp(`[${PYTHON_WHITESPACE_CLASS}]*\\(arXiv[^\\n]+`, 'g');

/** The original stored at most this many characters (Python code points) of the feed description. */
export const LEGACY_ABSTRACT_LIMIT = 1000;

/** True when the character is whitespace for Python (`str.isspace()`). */
export function isPythonWhitespace(character: string): boolean {
  return character.length > 0 && PYTHON_WHITESPACE.test(character);
}

/** Python's `text.strip()` without arguments. */
export function pythonStrip(text: string): string {
  return text.replace(PYTHON_STRIP, '');
}

/** Number of Unicode code points, which is what Python's `len()` counts (JavaScript's length counts UTF-16 units). */
export function codePointLength(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    // A high surrogate followed by a low one is one code point; a lone surrogate counts as one, as in Python.
    if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) index++;
    }
    count++;
  }
  return count;
}

/** Python's `text[:limit]`: the first `limit` code points. */
export function sliceCodePoints(text: string, limit: number): string {
  let count = 0;
  let index = 0;
  while (index < text.length && count < limit) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      index += next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
    } else {
      index++;
    }
    count++;
  }
  return text.slice(0, index);
}

/** The original's `x.replace('\n', ' ')`, applied to every printed field except the details' raw title. */
export function flattenLegacyText(text: string): string {
  return text.replaceAll('\n', ' ');
}

/**
 * The original's `clean_title`: `re.sub(r'\s*\(arXiv.+', '', title)` then newlines to spaces. This is the title in
 * the summary table. An old RDF title keeps its trailing `.` (`Foo. (arXiv:…)` becomes `Foo.`).
 */
export function cleanLegacyTitle(title: string): string {
  return flattenLegacyText(title.replace(ARXIV_SUFFIX_SUB, ''));
}

/**
 * The abstract the original stored for a feed description whose HTML is already removed (BeautifulSoup `get_text()`):
 * `text.strip()[:1000]`, then `-\n` removed and `\n` turned into a space. The cut comes first, so the result is at
 * most 1,000 code points long and may be shorter.
 */
export function legacyStoredAbstract(descriptionText: string): string {
  return sliceCodePoints(pythonStrip(descriptionText), LEGACY_ABSTRACT_LIMIT).replaceAll('-\n', '').replaceAll('\n', ' ');
}

/** What an old-format (RSS 1.0 / RDF, before 2024) title says in its `(arXiv:ID vN [cat] FLAG)` suffix. */
export interface LegacyTitle {
  /** The title without the suffix and without the `. ` the RDF feed put before it, whitespace collapsed. */
  title: string;
  /** The id in the suffix, without version. */
  id?: string;
  version?: number | null;
  /** The primary category in brackets, e.g. `cs.CL`. */
  primaryCategory?: string;
  /** `UPDATED`, `CROSS LISTED`. */
  flags: LegacyFlag[];
}

// `Foo. (arXiv:2310.02953v1 [cs.CL] UPDATED)`: export.arxiv.org/rss always wrote ". (arXiv:", even after a "?"
// ("Are GATs Out of Balance?. (arXiv:…)"), so the dot belongs to the suffix, not to the title.
const LEGACY_TITLE_SUFFIX = /\.?\s*\(arXiv:\s*([^\s\])]+)(?:\s*\[([^\]]*)\])?\s*([A-Z][A-Z ]*?)?\s*\)\s*$/;

/** Splits an old-format title into the title and the facts of its suffix; a new-format title comes back unchanged. */
export function parseLegacyTitle(raw: string): LegacyTitle {
  const collapsed = raw.replace(/\s+/g, ' ').trim();
  const match = LEGACY_TITLE_SUFFIX.exec(collapsed);
  if (!match) return { title: collapsed, flags: [] };
  const result: LegacyTitle = { title: collapsed.slice(0, match.index).trim(), flags: [] };
  const parsed = parseArxivId(match[1]!);
  if (parsed) {
    result.id = parsed.id;
    result.version = parsed.version;
  }
  if (match[2]) result.primaryCategory = match[2].trim();
  const flagText = match[3] ?? '';
  if (/\bUPDATED\b/.test(flagText)) result.flags.push('UPDATED');
  if (/\bCROSS LISTED\b/.test(flagText)) result.flags.push('CROSS LISTED');
  return result;
}

/** What a stored abstract says: the new-format prefix, the abstract proper, and whether it was cut short. */
export interface LegacyAbstract {
  /** The abstract without the `arXiv:… Announce Type: … Abstract:` prefix, whitespace collapsed. */
  abstract: string;
  /** From the prefix `arXiv:2403.10568v1`. */
  id?: string;
  version?: number | null;
  announceType?: AnnounceType;
  /** See {@link isLegacyAbstractTruncated}. */
  truncated: boolean;
}

// rss.arxiv.org (2024+) descriptions start `arXiv:2403.10568v1 Announce Type: cross \nAbstract: …`; the original
// turned the newline into a space, hence the two spaces before "Abstract:".
const ANNOUNCE_PREFIX = /^arXiv:(\S+)\s+Announce Type:\s*(new|cross|replace-cross|replace)\s+Abstract:\s*/;

/** Reads a stored abstract: the new-format prefix (id, version, announce type), the text, and truncation. */
export function parseLegacyAbstract(stored: string): LegacyAbstract {
  const match = ANNOUNCE_PREFIX.exec(stored);
  const truncated = isLegacyAbstractTruncated(stored);
  if (!match) return { abstract: collapse(stored), truncated };
  const result: LegacyAbstract = {
    abstract: collapse(stored.slice(match[0].length)),
    announceType: match[2] as AnnounceType,
    truncated,
  };
  const parsed = parseArxivId(match[1]!);
  if (parsed) {
    result.id = parsed.id;
    result.version = parsed.version;
  }
  return result;
}

// How many `-\n` pairs the truncation rule allows for (each removes 2 characters after the cut). Hyphenated line
// ends are rare: in the 3,000-record corpus a truncated abstract lost at most a few of them.
const MAX_REMOVED_HYPHEN_BREAKS = 16;
const SENTENCE_END = /[.!?)\]}"'\u2019\u201d。！？）]$/;

/**
 * Whether a stored abstract was cut at 1,000 characters, i.e. came from a description longer than that. The cut
 * came before `-\n` was removed, so the stored length alone cannot always tell. The rules, from surest to least sure:
 * - exactly 1,000 code points: cut (wrong only for a description of exactly 1,000 characters);
 * - more than 1,000: not made by the original; not marked;
 * - ends in whitespace: cut (the description was stripped first, so only a cut can leave whitespace at the end);
 * - otherwise a cut text is 1,000 − 2k long, k being the `-\n` pairs removed: an even length no more than
 *   2 × 16 short of 1,000 that does not end like a sentence is taken as cut. The new format (with the
 *   `Announce Type` prefix) has no hard wraps, so there only the first three rules apply.
 */
export function isLegacyAbstractTruncated(stored: string): boolean {
  const length = codePointLength(stored);
  if (length === LEGACY_ABSTRACT_LIMIT) return true;
  if (length > LEGACY_ABSTRACT_LIMIT || length === 0) return false;
  if (isPythonWhitespace(stored.slice(-1))) return true;
  if (ANNOUNCE_PREFIX.test(stored)) return false;
  const missing = LEGACY_ABSTRACT_LIMIT - length;
  return missing % 2 === 0 && missing <= 2 * MAX_REMOVED_HYPHEN_BREAKS && !SENTENCE_END.test(stored);
}

/** The three facts every item of the original carried. */
export interface LegacyItem {
  /** The raw feed title (old format: with the `(arXiv:…)` suffix; may hold newlines). */
  title: string;
  /** The feed link, e.g. `http://arxiv.org/abs/2310.02953` or `https://arxiv.org/abs/2403.10568`. */
  link: string;
  /** The abstract as the original stored it (see {@link legacyStoredAbstract}). */
  abstract: string;
}

/**
 * Builds the Paper an item of the original reveals. The id comes from the link (the original's cache key), else the
 * title suffix or the abstract prefix; the version from the link, the abstract prefix or the title suffix. Returns
 * undefined when no arXiv id can be found.
 */
export function paperFromLegacyItem(item: LegacyItem, source: SourceFormat): Paper | undefined {
  const title = parseLegacyTitle(item.title);
  const abstract = parseLegacyAbstract(item.abstract);
  const fromLink = findArxivId(item.link);
  const id = fromLink?.id ?? title.id ?? abstract.id;
  if (!id) return undefined;
  const version = firstVersion(id, [fromLink, abstract, title]);
  const paper: Paper = {
    id,
    version,
    title: title.title,
    authors: [],
    abstract: abstract.abstract,
    categories: title.primaryCategory ? [title.primaryCategory] : [],
    links: { abs: absLink(id) },
    feed: { title: item.title, description: item.abstract, link: item.link },
    versions: version === null ? [] : [{ version }],
    source,
  };
  if (abstract.truncated) paper.abstractTruncated = true;
  if (abstract.announceType) paper.announceType = abstract.announceType;
  if (title.flags.length > 0) paper.legacyFlags = title.flags;
  return paper;
}

// The first source that names the same id and gives a version wins.
function firstVersion(id: string, candidates: Array<{ id?: string; version?: number | null } | undefined>): number | null {
  for (const candidate of candidates) {
    if (candidate?.id === id && typeof candidate.version === 'number') return candidate.version;
  }
  return null;
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
