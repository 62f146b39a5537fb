/** Splits a digest into messages that respect a platform's size limit: whole entries per message, and cuts only inside an entry too big on its own. */

/** How a platform counts size. */
export type Measure = (text: string) => number;

/** UTF-16 code units, what JavaScript platforms (Slack, Discord, Telegram) count. Never less than the characters. */
export const utf16Length: Measure = (text) => text.length;

/** UTF-8 bytes (DingTalk, WeCom, Feishu). */
export const utf8Bytes: Measure = (text) => Buffer.byteLength(text, 'utf8');

/**
 * Groups units in order, greedily: each group is as long as `fits` allows. A unit that does not fit even alone gets a
 * group of its own (callers cut such units first with {@link cutMarkup}).
 */
export function pack<T>(units: readonly T[], fits: (group: T[]) => boolean): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  for (const unit of units) {
    if (current.length > 0 && !fits([...current, unit])) {
      groups.push(current);
      current = [];
    }
    current.push(unit);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** `(1/3)`; empty for a single part. */
export function partLabel(part: number, total: number): string {
  return total > 1 ? `(${part}/${total})` : '';
}

/** The widest part label there can be, to reserve room before the number of parts is known. */
export const widestPartLabel = '(999/999)';

/**
 * Cuts text into pieces of at most `max` by `measure`. It cuts only between characters (never inside a surrogate pair
 * or, for byte measures, a UTF-8 sequence), never inside an HTML tag, a character reference (`&amp;`) or a backslash
 * escape, and prefers a line break or a space in the last fifth of a piece. With `html`, tags still open at a cut are
 * closed at the end of the piece and opened again at the start of the next, so that each piece is well-formed.
 */
export function cutMarkup(text: string, max: number, measure: Measure, options: { html?: boolean } = {}): string[] {
  if (measure(text) <= max) return [text];
  const tokens = text.match(/<[^<>]*>|&#?[a-zA-Z0-9]+;|\\[\s\S]|[\s\S]/gu) ?? [];
  const pieces: string[] = [];
  let open: { name: string; tag: string }[] = [];
  let index = 0;
  while (index < tokens.length) {
    const prefix = options.html ? open.map((entry) => entry.tag).join('') : '';
    let piece = prefix;
    // Both measures add up over concatenation, so the size is kept as a running sum.
    let size = measure(prefix);
    let stack = [...open];
    let lastBreak = -1;
    let breakState: { piece: string; stack: typeof stack; size: number } | undefined;
    const start = index;
    while (index < tokens.length) {
      const token = tokens[index]!;
      const nextStack = options.html && token.startsWith('<') ? applyTag(stack, token) : stack;
      const closing = options.html ? measure(closeTags(nextStack)) : 0;
      const tokenSize = measure(token);
      if (size + tokenSize + closing > max && index > start) break;
      piece += token;
      size += tokenSize;
      stack = nextStack;
      index += 1;
      if (/^\s$/u.test(token)) {
        lastBreak = index;
        breakState = { piece, stack, size };
      }
    }
    // Prefer a break at white space when it keeps at least four fifths of the piece.
    if (index < tokens.length && breakState && lastBreak > start && breakState.size >= (max * 4) / 5) {
      index = lastBreak;
      piece = breakState.piece;
      stack = breakState.stack;
    }
    pieces.push(options.html ? piece + closeTags(stack) : piece);
    open = stack;
  }
  return pieces.map((piece) => piece.trim()).filter((piece) => piece.length > 0);
}

function applyTag(stack: { name: string; tag: string }[], token: string): { name: string; tag: string }[] {
  const match = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(\/?)>$/.exec(token);
  if (!match) return stack;
  const [, slash, name, selfClosing] = match;
  if (selfClosing) return stack;
  if (slash) {
    const at = stack.map((entry) => entry.name).lastIndexOf(name!.toLowerCase());
    return at < 0 ? stack : stack.slice(0, at);
  }
  return [...stack, { name: name!.toLowerCase(), tag: token }];
}

function closeTags(stack: { name: string }[]): string {
  return stack
    .map((entry) => `</${entry.name}>`)
    .reverse()
    .join('');
}

/** Settings of {@link packText}. */
export interface TextPackOptions {
  /** Entry blocks in platform markup, in order. */
  blocks: readonly string[];
  /** Most size per message, by `measure`. */
  limit: number;
  measure: Measure;
  /** The first line of each message, given the part label (`(1/3)` or empty). */
  header: (label: string) => string;
  /** Appended to the last message only (room is kept in every message). */
  footer?: string;
  /** Between header, blocks and footer (default a blank line). */
  separator?: string;
  /** Blocks are HTML (Telegram): cut pieces are kept well-formed. */
  html?: boolean;
}

/** Packs entry blocks into text messages under `limit`, each opened by a numbered header; oversized blocks are cut first. */
export function packText(options: TextPackOptions): string[] {
  const separator = options.separator ?? '\n\n';
  const { measure, limit } = options;
  const footer = options.footer ?? '';
  const reserved = measure(options.header(widestPartLabel)) + (footer ? measure(separator) + measure(footer) : 0);
  const budget = limit - reserved - measure(separator);
  if (budget <= 0) throw new RangeError(`The header and footer leave no room under the limit of ${limit}`);
  const blocks = options.blocks.flatMap((block) => cutMarkup(block, budget, measure, { html: options.html }));
  const separatorSize = measure(separator);
  const groups = pack(blocks, (group) => reserved + group.reduce((sum, block) => sum + separatorSize + measure(block), 0) <= limit);
  if (groups.length === 0) groups.push([]);
  return groups.map((group, index) => {
    const parts = [options.header(partLabel(index + 1, groups.length)), ...group];
    if (footer && index === groups.length - 1) parts.push(footer);
    return parts.join(separator);
  });
}
