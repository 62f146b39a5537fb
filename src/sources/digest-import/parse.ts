/** Reads a cn-chat-arxiv Markdown digest back into a `legacy` Digest and the Papers it reveals, verified byte for byte. */
import { readFile } from 'node:fs/promises';
import type { Digest, DigestEntry } from '../../core/digest.js';
import { XivdigestError } from '../../core/errors.js';
import type { Paper } from '../../core/paper.js';
import { DIGEST_HEAD, DIGEST_MIDDLE, DIGEST_TAIL, renderLegacyMarkdown, summaryRow, type LegacySlots } from '../../core/legacy-format/markdown.js';
import { cleanLegacyTitle, paperFromLegacyItem } from '../../core/legacy-format/text.js';

export interface ParseMarkdownDigestOptions {
  /** The file path or URL, named in every error. */
  origin: string;
  /** Language of the translations; the original always wrote Chinese. Default `zh`. */
  lang?: string;
}

/**
 * What a digest file holds. `digest.entries[i]` and `papers[i]` describe the same item, in the file's order; each
 * entry's `texts` are the generated texts the file reveals (translated title, TL;DR, English TL;DR slot, translated
 * abstract). `name` and `createdAt` are left to the caller, who knows the file's name and commit time.
 */
export interface ImportedDigest {
  origin: string;
  digest: Omit<Digest, 'name' | 'createdAt'> & { style: 'legacy' };
  /** One Paper (source `digest`) per entry. */
  papers: Paper[];
}

/** The strings of one footnote, as printed (the table's title is read from its row), and where it starts. */
interface Block extends Omit<LegacySlots, 'tableTitle'> {
  /** 0-based index in the details' lines of the footnote's first line. */
  start: number;
}

// A footnote is `[^i]: TT`, a blank line, the title (1 or more lines), then these 11 lines:
// blank, link, blank, TL;DR, blank, English TL;DR, blank, translated abstract, blank, abstract, and 4 spaces.
const TAIL_LINES = 11;
const MIN_BLOCK_LINES = 2 + 1 + TAIL_LINES;
const INDENT = '    ';
// Give up on pathological input rather than backtrack for ever (a real digest needs one step per footnote).
const MAX_STEPS = 100_000;

/**
 * Parses the Markdown the original program wrote (see core/legacy-format/markdown.ts for the format). The footnotes are
 * authoritative: they are split on `[^N]: ` lines with N counting up, each read from both ends because only the raw
 * title can span lines; where a title itself holds a line that looks like the next footnote, the other split points
 * are tried. Each summary row must be the one the original would print for its footnote. Finally the result is
 * rendered again and must equal the input byte for byte. Any failure throws XivdigestError `DIGEST_FORMAT` naming
 * the origin and the line.
 */
export function parseMarkdownDigest(text: string, options: ParseMarkdownDigestOptions): ImportedDigest {
  const { origin } = options;
  const lang = options.lang ?? 'zh';
  const fail = (line: number, message: string, hint?: string): never => {
    throw digestError(origin, line, message, hint ?? defaultHint(text));
  };

  if (text.charCodeAt(0) === 0xfeff)
    fail(1, 'the file starts with a byte order mark (U+FEFF)', 'Remove the byte order mark; cn-chat-arxiv wrote UTF-8 without one.');
  if (DIGEST_HEAD.startsWith(text)) fail(lineCount(text), 'the file ends inside the header of the summary table (is it cut short or empty?)');
  if (!text.startsWith(DIGEST_HEAD)) {
    const line = firstDifferentLine(DIGEST_HEAD, text);
    fail(line, `expected ${quote(lineAt(DIGEST_HEAD, line))}, found ${quote(lineAt(text, line))}`);
  }

  // Summary rows: each is one line (the original turned newlines into spaces), and the rows end at the first blank line.
  const rowsStart = DIGEST_HEAD.length;
  const rowsEnd = text.indexOf('\n\n', rowsStart);
  const rowsText = text.slice(rowsStart, rowsEnd < 0 ? text.length : rowsEnd);
  const rows = rowsText === '' ? [] : rowsText.split('\n');
  const firstRowLine = 5;
  rows.forEach((row, position) => {
    const prefix = `| [^${position + 1}] | [`;
    if (!row.startsWith(prefix) || !row.endsWith(' |')) {
      fail(firstRowLine + position, `summary row ${position + 1} should read ${quote(`${prefix}TITLE](LINK) | TLDR |`)}, found ${quote(row)}`);
    }
  });
  if (rowsEnd < 0 || !text.startsWith(DIGEST_MIDDLE, rowsEnd)) {
    const line = firstRowLine + Math.max(rows.length, 1);
    fail(line, `expected a blank line and ${quote('# 详细')} after the summary table, found ${quote(lineAt(text, line + 1))}`);
  }

  const detailsStart = rowsEnd + DIGEST_MIDDLE.length;
  const detailsFirstLine = countNewlines(text, detailsStart) + 1;
  if (!text.endsWith(DIGEST_TAIL) || text.length - DIGEST_TAIL.length < detailsStart) {
    fail(lineCount(text), 'the file does not end with the blank line after the last footnote (is it cut short?)');
  }
  const detailsText = text.slice(detailsStart, text.length - DIGEST_TAIL.length);
  const lines = detailsText === '' ? [] : detailsText.split('\n');
  if (rows.length === 0 && lines.length > 0) fail(detailsFirstLine, `footnotes found, but the summary table has no rows: ${quote(lines[0]!)}`);

  const blocks = splitFootnotes(lines, rows, detailsFirstLine, firstRowLine, fail);

  const entries: DigestEntry[] = [];
  const papers: Paper[] = [];
  blocks.forEach((block, position) => {
    const paper = paperFromLegacyItem({ title: block.title, link: block.link, abstract: block.abstract }, 'digest');
    if (!paper) {
      fail(detailsFirstLine + block.start, `footnote [^${position + 1}] has no arXiv id in its link ${quote(block.link)} nor in its title or abstract`);
      return;
    }
    papers.push(paper);
    entries.push({
      paperId: paper.id,
      version: paper.version,
      link: block.link,
      title: block.title,
      abstract: block.abstract,
      texts: { lang, title: block.translatedTitle, tldr: block.tldr, tldrEn: block.tldrEn, abstract: block.translatedAbstract },
      textStatus: 'ok',
    });
  });

  // The proof: what xivdigest would write from this digest is the file itself.
  const rendered = renderLegacyMarkdown({ entries });
  if (rendered !== text) {
    const line = firstDifferentLine(rendered, text);
    fail(
      line,
      `the digest does not render back to the same bytes: line ${line} would read ${quote(lineAt(rendered, line))} but reads ${quote(lineAt(text, line))}`,
    );
  }
  return { origin, digest: { style: 'legacy', lang, entries }, papers };
}

/** Reads and parses a digest file (UTF-8). */
export async function parseMarkdownDigestFile(path: string, options: Omit<ParseMarkdownDigestOptions, 'origin'> = {}): Promise<ImportedDigest> {
  const text = await readFile(path, 'utf8');
  return parseMarkdownDigest(text, { ...options, origin: path });
}

type Fail = (line: number, message: string, hint?: string) => never;

/**
 * Splits the details into footnotes, trying the candidate split points in order and backtracking when a later
 * footnote does not fit. A split before line j is a candidate when line j starts `[^N]: ` (N the next number) and
 * line j−1 is the 4-space line that ends every footnote.
 */
function splitFootnotes(lines: string[], rows: string[], detailsFirstLine: number, firstRowLine: number, fail: Fail): Block[] {
  const count = rows.length;
  if (count === 0) return [];
  const starts = new Map<number, number[]>();
  lines.forEach((line, index) => {
    const match = /^\[\^(\d+)\]: /.exec(line);
    if (match && index > 0 && lines[index - 1] === INDENT) {
      const number = Number(match[1]);
      const list = starts.get(number);
      if (list) list.push(index);
      else starts.set(number, [index]);
    }
  });
  const candidates = (number: number, start: number): number[] =>
    number > count ? [lines.length] : (starts.get(number) ?? []).filter((index) => index >= start + MIN_BLOCK_LINES);

  interface Frame {
    start: number;
    ends: number[];
    next: number;
    block?: Block;
  }
  const stack: Frame[] = [{ start: 0, ends: candidates(2, 0), next: 0 }];
  // When nothing fits, report the failure that got furthest: the highest footnote number, then the latest line.
  let deepest: { depth: number; line: number; message: string } | undefined;
  const note = (depth: number, line: number, message: string): void => {
    if (!deepest || depth >= deepest.depth) deepest = { depth, line, message };
  };
  let steps = 0;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const number = stack.length;
    if (frame.next >= frame.ends.length) {
      if (frame.ends.length === 0) {
        note(
          number * lines.length + frame.start,
          detailsFirstLine + frame.start,
          `footnote [^${number}] is not followed by a footnote [^${number + 1}] (the table has ${count} rows)`,
        );
      }
      stack.pop();
      continue;
    }
    if (++steps > MAX_STEPS) break;
    const end = frame.ends[frame.next++]!;
    const result = readFootnote(lines, number, frame.start, end, rows[number - 1]!);
    if ('error' in result) {
      const line = result.error.row ? firstRowLine + number - 1 : detailsFirstLine + result.error.index;
      note(number * lines.length + result.error.index, line, result.error.message);
      continue;
    }
    frame.block = result.block;
    if (number === count) return stack.map((item) => item.block!);
    stack.push({ start: end, ends: candidates(number + 2, end), next: 0 });
  }
  return fail(deepest?.line ?? detailsFirstLine, deepest?.message ?? 'the footnotes do not match the summary table');
}

type FootnoteResult = { block: Block } | { error: { index: number; row?: boolean; message: string } };

/** Reads lines [start, end) as footnote `number`, from both ends, and checks its summary row. */
function readFootnote(lines: string[], number: number, start: number, end: number, row: string): FootnoteResult {
  const error = (index: number, message: string): FootnoteResult => ({ error: { index, message } });
  const prefix = `[^${number}]: `;
  if (!lines[start]!.startsWith(prefix)) return error(start, `expected footnote ${quote(prefix)}, found ${quote(lines[start]!)}`);
  if (end - start < MIN_BLOCK_LINES) return error(start, `footnote [^${number}] has ${end - start} lines; a footnote has at least ${MIN_BLOCK_LINES}`);
  if (lines[start + 1] !== '') return error(start + 1, `expected a blank line after the translated title of [^${number}], found ${quote(lines[start + 1]!)}`);
  const tail = end - TAIL_LINES;
  const titleLines = lines.slice(start + 2, tail);
  if (!titleLines[0]!.startsWith(INDENT)) return error(start + 2, `expected the title of [^${number}] indented by 4 spaces, found ${quote(titleLines[0]!)}`);
  for (let offset = 0; offset < TAIL_LINES; offset++) {
    const line = lines[tail + offset]!;
    const ok = offset === TAIL_LINES - 1 ? line === INDENT : offset % 2 === 0 ? line === '' : line.startsWith(INDENT);
    if (!ok) {
      const expected = offset === TAIL_LINES - 1 ? 'a line of 4 spaces' : offset % 2 === 0 ? 'a blank line' : 'a line indented by 4 spaces';
      return error(tail + offset, `expected ${expected} in footnote [^${number}], found ${quote(line)}`);
    }
  }
  const field = (offset: number): string => lines[tail + offset]!.slice(INDENT.length);
  const linkText = field(1);
  const half = (linkText.length - 4) / 2;
  const link = linkText.slice(1, 1 + half);
  if (!Number.isInteger(half) || half < 0 || linkText !== `[${link}](${link})`) {
    return error(tail + 1, `expected the link of [^${number}] as ${quote('[LINK](LINK)')}, found ${quote(linkText)}`);
  }
  const block: Block = {
    translatedTitle: lines[start]!.slice(prefix.length),
    title: [titleLines[0]!.slice(INDENT.length), ...titleLines.slice(1)].join('\n'),
    link,
    tldr: field(3),
    tldrEn: field(5),
    translatedAbstract: field(7),
    abstract: field(9),
    start,
  };
  const expected = summaryRow(number, { tableTitle: cleanLegacyTitle(block.title), link, tldr: block.tldr });
  if (row !== expected) {
    return {
      error: {
        index: start,
        row: true,
        message: `summary row ${number} does not match footnote [^${number}]: expected ${quote(expected)}, found ${quote(row)}`,
      },
    };
  }
  return { block };
}

function digestError(origin: string, line: number, message: string, hint: string): XivdigestError {
  return new XivdigestError({
    code: 'DIGEST_FORMAT',
    message: `${origin}, line ${line}: not a cn-chat-arxiv digest: ${message}`,
    hint,
    details: { file: origin, line },
  });
}

function defaultHint(text: string): string {
  if (text.includes('\r\n')) {
    return 'The file has Windows line ends (CRLF), but cn-chat-arxiv wrote LF: convert it back (dos2unix, or git with core.autocrlf=false) and import again.';
  }
  return 'Import only unedited digests written by cn-chat-arxiv (a category .md file); restore the file from its git history if it was edited.';
}

/** 1-based number of the first line where a and b differ. */
function firstDifferentLine(a: string, b: string): number {
  let index = 0;
  const limit = Math.min(a.length, b.length);
  while (index < limit && a.charCodeAt(index) === b.charCodeAt(index)) index++;
  return countNewlines(b, index) + 1;
}

function countNewlines(text: string, end: number): number {
  let count = 0;
  for (let index = text.indexOf('\n'); index >= 0 && index < end; index = text.indexOf('\n', index + 1)) count++;
  return count;
}

function lineCount(text: string): number {
  return countNewlines(text, text.length) + 1;
}

/** Line `line` (1-based) of text, or `(end of file)`. */
function lineAt(text: string, line: number): string {
  let start = 0;
  for (let current = 1; current < line; current++) {
    const next = text.indexOf('\n', start);
    if (next < 0) return '(end of file)';
    start = next + 1;
  }
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? text.length : end);
}

function quote(text: string): string {
  const short = text.length > 120 ? `${text.slice(0, 117)}...` : text;
  return JSON.stringify(short);
}
