/** Text clean-up shared by the arXiv parsers: HTML entities and tags, whitespace, dates. */

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', ndash: '\u2013', mdash: '\u2014',
  lsquo: '\u2018', rsquo: '\u2019', ldquo: '\u201c', rdquo: '\u201d', hellip: '\u2026', copy: '\u00a9',
};

/** Decodes `&amp;`, `&#233;`, `&#xE9;` and the common named HTML entities; unknown ones stay as written. */
export function decodeHtmlEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

/** Removes HTML tags and decodes entities (the old RSS descriptions are escaped HTML). */
export function stripHtml(html: string): string {
  return decodeHtmlEntities(html.replace(/<[^>]*>/g, ''));
}

/** Collapses runs of whitespace (hard wraps included) to one space and trims: `/\s+/g` → ' ', fast on clean text. */
export function collapseWhitespace(text: string): string {
  return cleanText(text, false);
}

/**
 * Joins an abstract's hard-wrapped lines into one paragraph of plain text. A line that ends in a hyphen is joined
 * without a space, keeping the hyphen: arXiv wraps at spaces, so such a hyphen belongs to a compound word.
 */
export function joinWrappedLines(text: string): string {
  return cleanText(text, true);
}

// Abstracts are mostly single-spaced already, and rewriting every space was the parsers' largest cost, so only
// irregular runs are rewritten.
/** JavaScript's `\s`: the characters `collapseWhitespace` collapses. */
function isSpace(code: number): boolean {
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return (
    code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 ||
    code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff
  );
}

/** Whitespace that must change: a run holding anything but a plain space, or two or more characters long. */
const IRREGULAR_SPACE = /[^\S ]\s*| \s+/g;
/** JavaScript `\s` above U+00FF. V8 answers this without scanning a one-byte (Latin-1) string, which most text is. */
const UNICODE_SPACE = /[\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;

/** Whether the text holds `\s` other than the space and the line feed (rare in arXiv metadata). */
function hasRareSpace(text: string): boolean {
  // indexOf runs natively and fast; a character-class regex would visit every character.
  return (
    text.indexOf('\t') >= 0 ||
    text.indexOf('\r') >= 0 ||
    text.indexOf('\u00a0') >= 0 ||
    text.indexOf('\v') >= 0 ||
    text.indexOf('\f') >= 0 ||
    UNICODE_SPACE.test(text)
  );
}

/**
 * Collapses whitespace runs to one space and trims, like `collapseWhitespace`. With `joinHyphens`, a line that ends
 * in "<non-space>-" is joined to the next without a space, like `joinWrappedLines` (arXiv wraps at spaces, so such a
 * hyphen belongs to a compound word). Only the irregular runs (line ends, indentation, double spaces) cut the text;
 * the words between are copied in long slices, so an abstract costs a few allocations, not one per word.
 */
function cleanText(text: string, joinHyphens: boolean): string {
  const trimmed = text.trim();
  if (hasRareSpace(trimmed)) return cleanGeneral(trimmed, joinHyphens);
  // Only spaces and line feeds: an irregular run holds a line feed or two spaces, and indexOf finds both natively.
  let out = '';
  let segmentStart = 0;
  let nextLine = trimmed.indexOf('\n');
  let nextDouble = trimmed.indexOf('  ');
  while (nextLine >= 0 || nextDouble >= 0) {
    let runStart = nextLine < 0 ? nextDouble : nextDouble < 0 ? nextLine : Math.min(nextLine, nextDouble);
    while (runStart > segmentStart && trimmed.charCodeAt(runStart - 1) === 32) runStart -= 1;
    // The text is trimmed, so every run ends before the end of the text.
    let runEnd = runStart + 1;
    for (let code = trimmed.charCodeAt(runEnd); code === 32 || code === 10; code = trimmed.charCodeAt(runEnd)) runEnd += 1;
    out += trimmed.slice(segmentStart, runStart);
    const joined =
      joinHyphens &&
      runStart >= 2 &&
      trimmed.charCodeAt(runStart) === 10 &&
      trimmed.charCodeAt(runStart - 1) === 45 &&
      trimmed.charCodeAt(runStart - 2) !== 32 &&
      trimmed.charCodeAt(runStart - 2) !== 10;
    if (!joined) out += ' ';
    segmentStart = runEnd;
    if (nextLine >= 0 && nextLine < runEnd) nextLine = trimmed.indexOf('\n', runEnd);
    if (nextDouble >= 0 && nextDouble < runEnd) nextDouble = trimmed.indexOf('  ', runEnd);
  }
  return segmentStart === 0 ? trimmed : out + trimmed.slice(segmentStart);
}

/** The same for text holding tabs, carriage returns or Unicode spaces. */
function cleanGeneral(trimmed: string, joinHyphens: boolean): string {
  let out = '';
  let segmentStart = 0;
  IRREGULAR_SPACE.lastIndex = 0;
  for (let match = IRREGULAR_SPACE.exec(trimmed); match !== null; match = IRREGULAR_SPACE.exec(trimmed)) {
    const runStart = match.index;
    out += trimmed.slice(segmentStart, runStart);
    const code = trimmed.charCodeAt(runStart);
    const joined =
      joinHyphens &&
      runStart >= 2 &&
      trimmed.charCodeAt(runStart - 1) === 45 &&
      !isSpace(trimmed.charCodeAt(runStart - 2)) &&
      (code === 10 || (code === 13 && trimmed.charCodeAt(runStart + 1) === 10));
    if (!joined) out += ' ';
    segmentStart = IRREGULAR_SPACE.lastIndex;
  }
  return segmentStart === 0 ? trimmed : out + trimmed.slice(segmentStart);
}

/** Parses an RFC 822 date (`Mon, 28 Apr 2025 00:00:00 -0400`) or ISO 8601 date to ISO 8601 UTC; undefined if invalid. */
export function toIsoTime(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const time = Date.parse(text.trim());
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/**
 * The calendar day written in a date string, before any conversion to UTC: `Mon, 28 Apr 2025 00:00:00 -0400` and
 * `2015-06-11T20:30:00-05:00` give `2025-04-28` and `2015-06-11`. arXiv stamps its feeds in US Eastern time.
 */
export function localDay(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const trimmed = text.trim();
  const iso = /^(\d{4}-\d{2}-\d{2})/.exec(trimmed);
  if (iso) return iso[1];
  const rfc = /(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{4})/.exec(trimmed);
  if (!rfc) return undefined;
  const month = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].indexOf(rfc[2]!.toLowerCase());
  if (month < 0) return undefined;
  return `${rfc[3]}-${String(month + 1).padStart(2, '0')}-${rfc[1]!.padStart(2, '0')}`;
}
