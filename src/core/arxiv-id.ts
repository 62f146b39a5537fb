/** arXiv identifiers: new (2403.10568), old (cond-mat/0412498, hep-th/9901001), with or without a version. */

export interface ParsedArxivId {
  /** The id without version, e.g. `2403.10568` or `cond-mat/0412498`. */
  id: string;
  /** The version number, or null when the text gave none. */
  version: number | null;
}

// New-style ids (since 2007-04): YYMM.NNNN (until 2014) or YYMM.NNNNN. Old-style: archive(.subject)?/YYMMNNN.
const ID_PATTERN = /^(?:arxiv:)?((?:[a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7})|(?:\d{4}\.\d{4,5}))(?:v(\d+))?$/i;
const EMBEDDED_PATTERN = /((?:[a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7})|(?:\d{4}\.\d{4,5}))(?:v(\d+))?/i;

/** Parses a bare id such as `2403.10568v2` or `arXiv:cond-mat/0412498`. Returns undefined when it is not an arXiv id. */
export function parseArxivId(text: string): ParsedArxivId | undefined {
  const match = ID_PATTERN.exec(text.trim());
  if (!match) return undefined;
  return { id: normalizeOldId(match[1]!), version: match[2] ? Number(match[2]) : null };
}

/**
 * Finds the arXiv id in a link or identifier: `https://arxiv.org/abs/2403.10568v1`, `oai:arXiv.org:2504.17830v1`,
 * `http://arxiv.org/abs/cond-mat/0412498v1`. Returns undefined when there is none.
 */
export function findArxivId(text: string): ParsedArxivId | undefined {
  const trimmed = text.trim();
  const direct = parseArxivId(trimmed);
  if (direct) return direct;
  const tail = /(?:abs|pdf|html|arXiv\.org:|oai:arXiv\.org:)\/?(.+?)(?:\.pdf)?\/?$/i.exec(trimmed);
  if (tail) {
    const parsed = parseArxivId(tail[1]!);
    if (parsed) return parsed;
  }
  const match = EMBEDDED_PATTERN.exec(trimmed);
  if (!match) return undefined;
  return { id: normalizeOldId(match[1]!), version: match[2] ? Number(match[2]) : null };
}

/** `2403.10568` + 2 → `2403.10568v2`. */
export function versionedId(id: string, version: number | null): string {
  return version === null ? id : `${id}v${version}`;
}

/** The canonical abstract page link, https and without version, as rss.arxiv.org prints it. */
export function absLink(id: string): string {
  return `https://arxiv.org/abs/${id}`;
}

// Old-style archive names are lower case (`cond-mat`), subject classes upper case (`math.GT/0309136`).
function normalizeOldId(id: string): string {
  const slash = id.indexOf('/');
  if (slash < 0) return id;
  const archive = id.slice(0, slash);
  const dot = archive.indexOf('.');
  const normalized = dot < 0 ? archive.toLowerCase() : `${archive.slice(0, dot).toLowerCase()}.${archive.slice(dot + 1).toUpperCase()}`;
  return `${normalized}${id.slice(slash)}`;
}
