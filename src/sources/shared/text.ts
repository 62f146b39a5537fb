/** Text clean-up shared by the arXiv parsers: HTML entities and tags, dates (whitespace is in core/whitespace.ts). */

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  ndash: '\u2013',
  mdash: '\u2014',
  lsquo: '\u2018',
  rsquo: '\u2019',
  ldquo: '\u201c',
  rdquo: '\u201d',
  hellip: '\u2026',
  copy: '\u00a9',
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
