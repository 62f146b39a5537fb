/** Whitespace clean-up of metadata text (abstracts, titles, author strings): runs collapsed, hard-wrapped lines joined. */

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
export function isSpace(code: number): boolean {
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
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
