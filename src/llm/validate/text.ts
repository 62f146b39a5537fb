/** Text measurements for the quality gate: verbatim spans (LaTeX, URLs, code), scripts, Latin tokens, sentences. */

/** One math segment: `$…$`, `$$…$$`, `\(…\)`, `\[…\]` or a `\begin{…}…\end{…}` environment. */
export interface MathSegment {
  /** The segment with its delimiters, as written. */
  raw: string;
  /** The segment's content normalised for comparison (see `normalizeMath`). */
  key: string;
}

/**
 * The leading `arXiv:2403.10568v1 Announce Type: cross  Abstract: ` of rss.arxiv.org descriptions (2024 and later), and
 * the translations of it that models wrote (`arXiv:… 公告类型：交叉 摘要：`).
 */
const ANNOUNCE_HEADER =
  /^\s*(?:摘要[:：]\s*)?arXiv[:：]\s*\S+?\s*(?:Announce\s+Type|公告类型|发布类型|宣布类型|公布类型|通告类型)\s*[:：]?\s*[^\s:：]*\s*(?:Abstract|摘要)\s*[:：]\s*/i;

/** Removes a leading arXiv announcement header; returns the text unchanged when there is none. */
export function stripAnnounceHeader(text: string): string {
  return text.replace(ANNOUNCE_HEADER, '');
}

/** True when the text starts with an arXiv announcement header. */
export function hasAnnounceHeader(text: string): boolean {
  return ANNOUNCE_HEADER.test(text);
}

/** The old RSS title suffix ` (arXiv:2305.14725v1 [cs.CL] UPDATED)`; the original digest removed `\s*\(arXiv.+`. */
export function stripArxivTitleSuffix(title: string): string {
  return title.replace(/\s*[(（]arXiv.+$/s, '').trim();
}

/** LaTeX commands with the same output, folded to one spelling so that `\\ne` meets `\\neq`. */
const MATH_SYNONYMS: Record<string, string> = {
  neq: 'ne',
  leq: 'le',
  geq: 'ge',
  leqslant: 'le',
  geqslant: 'ge',
  rightarrow: 'to',
  varepsilon: 'epsilon',
  varphi: 'phi',
  lbrace: '{',
  rbrace: '}',
  dfrac: 'frac',
  tfrac: 'frac',
  ldots: 'dots',
  cdots: 'dots',
};

/**
 * Normalises math for comparison. Translators re-space formulas, drop optional braces, font switches and spacing
 * commands, write full-width brackets (（）) and translate the words inside `\\text{…}`, so those differences are
 * ignored; everything else must match.
 */
export function normalizeMath(body: string): string {
  return body
    .normalize('NFKC')
    .replace(/\\(?:text|textrm|textit|textbf|mbox|hbox)\s*\{[^{}]*\}/g, '\\text')
    .replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big|bigg|Bigg|displaystyle|rm|bf|it|mathrm|mathbf|mathit|boldsymbol|bm)\b/g, '')
    .replace(/\\([a-zA-Z]+)/g, (whole, name: string) => {
      const synonym = MATH_SYNONYMS[name];
      return synonym === undefined ? whole : synonym.length === 1 ? synonym : `\\${synonym}`;
    })
    .replace(/\\[,;:! ]/g, '')
    .replace(/~/g, '')
    .replace(/[\s{}]/g, '');
}

/** Is the character at `index` escaped by a backslash (an odd number of them)? */
function isEscaped(text: string, index: number): boolean {
  let count = 0;
  for (let at = index - 1; at >= 0 && text[at] === '\\'; at--) count++;
  return count % 2 === 1;
}

/**
 * Finds the math segments of a text, in order. An unclosed segment (a source cut at 1,000 characters, or a stray
 * `$`) ends the scan: what follows it cannot be paired reliably.
 */
export function mathSegments(text: string): MathSegment[] {
  return scanMath(text).segments;
}

/** Removes math segments, replacing each with a space. */
export function removeMath(text: string): string {
  return scanMath(text).rest;
}

const OPENER = /\$\$?|\\[([]|\\begin\{([a-zA-Z]+\*?)\}/g;

/** One pass over a text: its math segments, and the text with each replaced by a space. */
export function scanMath(text: string): { segments: MathSegment[]; rest: string } {
  const segments: MathSegment[] = [];
  if (!text.includes('$') && !text.includes('\\')) return { segments, rest: text };
  let rest = '';
  let copied = 0;
  const opener = new RegExp(OPENER.source, 'g');
  let match: RegExpExecArray | null;
  while ((match = opener.exec(text)) !== null) {
    const start = match.index;
    if (isEscaped(text, start)) continue;
    const open = match[0];
    const closer = open === '$' || open === '$$' ? open : open === '\\(' ? '\\)' : open === '\\[' ? '\\]' : `\\end{${match[1]}}`;
    const close = findCloser(text, closer, start + open.length);
    if (close < 0) break;
    const end = close + closer.length;
    const key = normalizeMath(text.slice(start + open.length, close));
    if (key.length > 0) segments.push({ raw: text.slice(start, end), key });
    rest += `${text.slice(copied, start)} `;
    copied = end;
    opener.lastIndex = end;
  }
  return { segments, rest: rest + text.slice(copied) };
}

/** The next unescaped closer, or -1. */
function findCloser(text: string, closer: string, from: number): number {
  let at = text.indexOf(closer, from);
  while (at >= 0 && closer.startsWith('$') && isEscaped(text, at)) at = text.indexOf(closer, at + 1);
  return at;
}

const URL = /\b(?:https?:\/\/|www\.)[^\s，。；）)\]]+|\b[\w.-]+\.(?:com|org|io|net|edu|ai)\/[^\s，。；）)\]]*/gi;
const EMAIL = /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g;
const CODE = /`[^`\n]{1,200}`/g;
const ARXIV_ID = /\barXiv[:：]\s*\d{4}\.\d{4,5}(?:v\d+)?\b/gi;
/** A LaTeX command outside math (`\cite{…}`, `\emph`, `\textbf`): its name is markup, not language. */
const LATEX_COMMAND = /\\(?:cite[tp]?|ref|eqref|label|url|href)\s*\{[^{}]*\}|\\[a-zA-Z]+/g;

/**
 * The text without what stays verbatim in any language: math, URLs, e-mail addresses, code spans, arXiv ids and
 * LaTeX command names. What remains is language.
 */
export function removeVerbatim(text: string): string {
  return removeVerbatimOutsideMath(removeMath(text));
}

/** `removeVerbatim` for a text whose math is already removed. */
export function removeVerbatimOutsideMath(text: string): string {
  if (!/[/@`:\\]|\.(?:com|org|io|net|edu|ai)\b/.test(text)) return text;
  return text.replace(URL, ' ').replace(EMAIL, ' ').replace(CODE, ' ').replace(ARXIV_ID, ' ').replace(LATEX_COMMAND, ' ');
}

/** Counts of letters by script. */
export interface ScriptCounts {
  han: number;
  kana: number;
  hangul: number;
  latin: number;
  cyrillic: number;
  /** Letters of any other script (Greek, Arabic, …). */
  other: number;
}

/**
 * Latin letters as a character-class body: ASCII, Latin-1 and Latin Extended (without × and ÷). Explicit ranges run
 * much faster than \p{Script=Latin}.
 */
export const LATIN_LETTERS = 'A-Za-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u024F\\u1E00-\\u1EFF';

/**
 * Counts the letters of a text by script, by code point ranges in one pass (regular expressions per script were the
 * gate's hot spot).
 */
export function countScripts(text: string): ScriptCounts {
  let han = 0;
  let kana = 0;
  let hangul = 0;
  let latin = 0;
  let cyrillic = 0;
  let other = 0;
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code < 0x80) {
      const lower = code | 0x20;
      if (lower >= 0x61 && lower <= 0x7a) latin++;
    } else if ((code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf) || (code >= 0xf900 && code <= 0xfaff) || code === 0x3005) {
      han++;
    } else if (
      (code >= 0x3041 && code <= 0x30fa) ||
      (code >= 0x30fc && code <= 0x30ff) ||
      (code >= 0x31f0 && code <= 0x31ff) ||
      (code >= 0xff66 && code <= 0xff9d)
    ) {
      kana++;
    } else if ((code >= 0xac00 && code <= 0xd7af) || (code >= 0x1100 && code <= 0x11ff) || (code >= 0x3131 && code <= 0x318e)) {
      hangul++;
    } else if (
      (code >= 0xc0 && code <= 0x24f && code !== 0xd7 && code !== 0xf7) ||
      (code >= 0x1e00 && code <= 0x1eff) ||
      (code >= 0xff21 && code <= 0xff3a) ||
      (code >= 0xff41 && code <= 0xff5a)
    ) {
      latin++;
    } else if (code >= 0x400 && code <= 0x4ff) {
      cyrillic++;
    } else if (code >= 0xd800 && code <= 0xdbff) {
      // Astral plane: CJK extensions B–F are Han; anything else is rare enough to test properly.
      const point = text.codePointAt(at) ?? 0;
      at++;
      if (point >= 0x20000 && point <= 0x3ffff) han++;
      else if (/\p{L}/u.test(String.fromCodePoint(point))) other++;
    } else if ((code < 0x2000 || (code >= 0xa000 && code < 0xd800)) && /\p{L}/u.test(text[at] ?? '')) {
      // Only these ranges hold letters of other scripts (Greek, Arabic, Devanagari, …); 0x2000–0x9fff is
      // punctuation, symbols and the CJK blocks handled above, and testing every `，` was the gate's hot spot.
      other++;
    }
  }
  return { han, kana, hangul, latin, cyrillic, other };
}

/**
 * Latin-script words with their digits and inner hyphens: `GPT-4`, `ResNet50`, `state-of-the-art`,
 * `l'apprentissage`.
 */
const LATIN_TOKEN = new RegExp(`[${LATIN_LETTERS}\\d]+(?:[-'’][${LATIN_LETTERS}\\d]+)*`, 'g');
const HAS_LATIN_LETTER = new RegExp(`[${LATIN_LETTERS}]`);

/** Latin-script tokens of a text (math and URLs should be removed first). Tokens without a letter are dropped. */
export function latinTokens(text: string): string[] {
  return (text.match(LATIN_TOKEN) ?? []).filter((token) => HAS_LATIN_LETTER.test(token));
}

/**
 * A token that is kept verbatim in any language: it has a digit or an upper-case letter inside a word (`BERT`,
 * `GPT-4`, `ResNet`, `iPhone`, `Llama2-13B`), so it names something rather than being a word of prose. Title-case
 * compounds (`Cross-Lingual`) are prose.
 */
export function isNameLike(token: string): boolean {
  return /\d/.test(token) || UPPER_INSIDE_PART.test(token);
}

/**
 * An upper-case letter after the first letter of a hyphen-separated part: `BERT`, `ResNet`, `Multi-XScience`, not
 * `Cross-Lingual`.
 */
const UPPER_INSIDE_PART = /[^-'’\s][A-Z\u00C0-\u00D6\u00D8-\u00DE]/;

/** Sentence-final punctuation in the scripts the gate knows: `。！？` and their ASCII forms. */
export const SENTENCE_END = /[.!?。！？．][\s"'”’」』)）\]]*$/u;

/**
 * Counts sentences by their final punctuation. Abbreviations (`e.g.`, `et al.`, `vs.`) and decimal points are not
 * sentence ends; a text without final punctuation counts as one sentence.
 */
export function countSentences(text: string): number {
  const cleaned = removeMath(text)
    .replace(/\b(?:e\.g|i\.e|et al|etc|vs|cf|Fig|Eq|resp|approx|Dr|Mr|No)\./gi, ' ')
    .replace(/\d\.\d/g, '0');
  const ends = cleaned.match(/[。！？]|[.!?](?=\s|$)/gu)?.length ?? 0;
  const endsInPunctuation = SENTENCE_END.test(cleaned.trim());
  return Math.max(1, ends + (endsInPunctuation ? 0 : 1));
}

/** Collapses whitespace and trims. */
export function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Shortens a text for a message. */
export function quote(text: string, max = 60): string {
  const flat = squash(text);
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}
