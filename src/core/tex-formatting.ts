/** LaTeX text formatting outside math (`\textit{…}`, `\textbf{…}`, `\emph{…}`), as italics and bold or as plain words. */

/** The commands arXiv abstracts and model answers use for emphasis, and what each means. */
const COMMANDS: Record<string, 'em' | 'strong'> = { textit: 'em', emph: 'em', textsl: 'em', textbf: 'strong' };
const COMMAND = /\\(textit|emph|textsl|textbf)\s*\{/g;
/** Deeper nesting is left as it is written (a guard against pathological input, not a limit real text meets). */
const MAX_DEPTH = 8;

/** How formatted text is written out. */
export interface FormattingWriter {
  /** A run of plain text. */
  text(text: string): string;
  /** A formatted run, its content already written. */
  wrap(kind: 'em' | 'strong', content: string): string;
}

/** The index just after the brace that closes the one before `from`, or -1 when it is never closed. */
function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let at = from; at < text.length; at++) {
    const character = text[at];
    if (character === '\\') {
      at++;
      continue;
    }
    if (character === '{') depth++;
    else if (character === '}' && --depth === 0) return at + 1;
  }
  return -1;
}

/**
 * Writes `text` (plain text, no math in it) with its formatting commands resolved: `a \emph{b} c` →
 * `text('a ') + wrap('em', text('b')) + text(' c')`. A command whose brace never closes stays as written.
 */
export function writeFormatting(text: string, writer: FormattingWriter, depth = 0): string {
  let out = '';
  let last = 0;
  const matches = [...text.matchAll(COMMAND)];
  for (const match of matches) {
    const start = match.index;
    if (start < last || depth >= MAX_DEPTH) continue;
    const open = start + match[0].length;
    const end = closingBrace(text, open);
    if (end < 0) continue;
    out += writer.text(text.slice(last, start));
    out += writer.wrap(COMMANDS[match[1]!]!, writeFormatting(text.slice(open, end - 1), writer, depth + 1));
    last = end;
  }
  return out + writer.text(text.slice(last));
}

// Math as the renderers find it: `$$…$$`, `\[…\]`, `\(…\)`, `$…$`; formatting inside math is KaTeX's business.
const MATH = /(\$\$[\s\S]*?\$\$|\\\[[\s\S]*?\\\]|\\\([\s\S]*?\\\)|(?<!\\)\$[^$]+?(?<!\\)\$)/;

/** Writes the text outside math with `writer`, and each math part with `math` (default: as it is). */
export function writeFormattingOutsideMath(text: string, writer: FormattingWriter, math: (source: string) => string = (source) => source): string {
  return text
    .split(MATH)
    .map((part, index) => (index % 2 === 1 ? math(part) : writeFormatting(part, writer)))
    .join('');
}

/** The text with `\textit{x}`, `\textbf{x}`, `\emph{x}` outside math written as `x`, for plain-text outputs. */
export function plainFormatting(text: string): string {
  if (!text.includes('\\')) return text;
  return writeFormattingOutsideMath(text, { text: (plain) => plain, wrap: (_kind, content) => content });
}
