/** Gate check `latex`: the math segments of the source are kept in the translation. */
import { issue, type GateCheck } from './context.js';
import type { MathSegment } from './text.js';
import type { GateIssue } from './types.js';

/** Tolerance, from the corpus calibration (docs/decisions/0003-quality-gate.md). */
export const LATEX_LIMITS = {
  /** Missing segments allowed without any finding when the source has more than this many. */
  freeMisses: 1,
  /** Beyond the free misses, the share that may be missing before the finding is an error rather than a warning. */
  maxMissingShare: 0.25,
} as const;

/** Unicode for the LaTeX commands that models write out as plain characters (`$\alpha$` → α, `$\geq$` → ≥). */
const SYMBOLS = new Map<string, string>(
  Object.entries({
    alpha: 'α',
    beta: 'β',
    gamma: 'γ',
    delta: 'δ',
    epsilon: 'ε',
    varepsilon: 'ε',
    zeta: 'ζ',
    eta: 'η',
    theta: 'θ',
    vartheta: 'ϑ',
    iota: 'ι',
    kappa: 'κ',
    lambda: 'λ',
    mu: 'μ',
    nu: 'ν',
    xi: 'ξ',
    pi: 'π',
    rho: 'ρ',
    varrho: 'ρ',
    sigma: 'σ',
    tau: 'τ',
    upsilon: 'υ',
    phi: 'φ',
    varphi: 'φ',
    chi: 'χ',
    psi: 'ψ',
    omega: 'ω',
    Gamma: 'Γ',
    Delta: 'Δ',
    Theta: 'Θ',
    Lambda: 'Λ',
    Xi: 'Ξ',
    Pi: 'Π',
    Sigma: 'Σ',
    Phi: 'Φ',
    Psi: 'Ψ',
    Omega: 'Ω',
    times: '×',
    cdot: '·',
    pm: '±',
    mp: '∓',
    infty: '∞',
    ell: 'ℓ',
    approx: '≈',
    sim: '~',
    simeq: '≃',
    leq: '≤',
    le: '≤',
    leqslant: '≤',
    geq: '≥',
    ge: '≥',
    geqslant: '≥',
    neq: '≠',
    ne: '≠',
    ll: '≪',
    gg: '≫',
    rightarrow: '→',
    to: '→',
    longrightarrow: '→',
    leftarrow: '←',
    Rightarrow: '⇒',
    leftrightarrow: '↔',
    in: '∈',
    notin: '∉',
    subset: '⊂',
    subseteq: '⊆',
    cup: '∪',
    cap: '∩',
    forall: '∀',
    exists: '∃',
    partial: '∂',
    nabla: '∇',
    sum: '∑',
    prod: '∏',
    int: '∫',
    sqrt: '√',
    circ: '∘',
    ldots: '...',
    cdots: '...',
    dots: '...',
    prime: "'",
    ast: '*',
    star: '*',
    propto: '∝',
    equiv: '≡',
    mid: '|',
    vert: '|',
    langle: '⟨',
    rangle: '⟩',
    sharp: '#',
    log: 'log',
    exp: 'exp',
    max: 'max',
    min: 'min',
    sin: 'sin',
    cos: 'cos',
  }),
);

/** Commands that only format their argument; the argument is what a reader sees. */
const FORMATTING =
  /\\(?:textit|textbf|texttt|textrm|textsf|text|emph|underline|mathrm|mathbf|mathit|mathsf|mathtt|mathcal|mathbb|mathfrak|mathscr|boldsymbol|bm|operatorname|rm|bf|it|tt|cal)\b\s*/g;

/**
 * How a segment reads when written out plainly (`$65.0\\%$` → `65.0%`, `$\\alpha=0.1$` → `α=0.1`, `$90^\\circ$` →
 * `90°`, `$\\ell_1$` → `ℓ1` or `ℓ_1`), or an empty list when it cannot be written without LaTeX (an unknown command).
 */
export function plainMath(raw: string): string[] {
  const body = raw.replace(/^\$+|\$+$|^\\[([]|\\[)\]]$/g, '');
  const plain = fold(body)
    .replace(/\^\s*\{?\s*\\circ\s*\}?/g, '°')
    .replace(/\\unicode\s*\{x?([0-9a-fA-F]+)\}/g, (_whole, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    .replace(FORMATTING, '')
    .replace(/\\([%#&_{}$])/g, '$1')
    .replace(/\\[,;:! ]|\\(?:left|right|big|Big|bigg|Bigg)\b|~/g, '')
    .replace(/\\([a-zA-Z]+)/g, (whole, name: string) => SYMBOLS.get(name) ?? whole)
    .replace(/[\s{}]/g, '');
  if (plain.includes('\\') || plain === '') return [];
  const variants = [fold(plain.replace(/[\^_]/g, ''))];
  if (/[\^_]/.test(plain)) variants.push(fold(plain));
  return variants;
}

/**
 * Dollar signs used as currency or math mode used for words rather than formulas: `$\\textit{Rashomon set}$`,
 * `$generality$`, `30 US$ in January 2016 (as compared to above 110 US$`. The words are translated like any other,
 * so they are not required verbatim.
 */
export function isProseMath(raw: string): boolean {
  const body = raw.replace(/^\$+|\$+$|^\\[([]|\\[)\]]$/g, '').trim();
  if (/\\(?:textit|textbf|texttt|textrm|textsf|text|emph|underline)\b/.test(body)) {
    const content = body.replace(FORMATTING, '').replace(/[{}]/g, '');
    if (/^[\p{L}\p{N}\s(),.'-]+$/u.test(content)) return true;
  }
  if (!body.includes('\\') && /[A-Za-z]{2,}\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}/.test(body)) return true;
  return /^[a-z]{4,}$/.test(body);
}

/** Look-alike characters that models use interchangeably (⋅ for ·, − for -). */
const LOOK_ALIKES: Record<string, string> = { '⋅': '·', '∙': '·', '−': '-', '–': '-', '∼': '~', '≦': '≤', '≧': '≥', '∗': '*', '∶': ':' };

function fold(text: string): string {
  return text.normalize('NFKC').replace(/[⋅∙−–∼≦≧∗∶]/g, (char) => LOOK_ALIKES[char] ?? char);
}

/** The translation as plain characters: delimiters gone, whitespace gone, full-width forms folded (％ → %). */
function plainText(text: string): string {
  return fold(text.replace(/\$|\\[()[\]]/g, '').replace(/\s+/g, ''));
}

const ALPHANUMERIC = /[A-Za-z0-9]/;

/** True when `needle` occurs in `haystack` not glued to other letters or digits (`k` in `Top-k`, not in `keep`). */
function occursAlone(haystack: string, needle: string): boolean {
  const checkBefore = ALPHANUMERIC.test(needle[0] ?? '');
  const checkAfter = ALPHANUMERIC.test(needle[needle.length - 1] ?? '');
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    if (checkBefore && ALPHANUMERIC.test(haystack[at - 1] ?? '')) continue;
    if (checkAfter && ALPHANUMERIC.test(haystack[at + needle.length] ?? '')) continue;
    return true;
  }
  return false;
}

/**
 * Math without a letter (`$65.0\%$`, `$2\times$`, `$\geq$`, `$90^\circ$`) is a number or a relation, and good
 * translations write it in words (两倍, 大于等于, 360度). Numbers are checked in the TL;DRs; here such segments are
 * not required.
 */
export function isTrivialMath(raw: string): boolean {
  const written = plainMath(raw)[0];
  return written !== undefined && !/\p{L}/u.test(written);
}

/**
 * Source segments that the translation lacks. A segment is kept when a translated segment equals or contains it, or
 * when the translation writes it out plainly (see `plainMath`): models often write `$65.0\%$` as 65.0% or `$\alpha$`
 * as α, which loses nothing. Segments that are words in math mode, or numbers and relations, are not counted.
 */
export function missingMath(wanted: readonly MathSegment[], found: readonly MathSegment[], translation: string): { total: number; missing: string[] } {
  if (wanted.length === 0) return { total: 0, missing: [] };
  const have = found.map((segment) => segment.key);
  const haveSet = new Set(have);
  let plain: string | undefined;
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const segment of wanted) {
    if (seen.has(segment.key) || isProseMath(segment.raw) || isTrivialMath(segment.raw)) continue;
    seen.add(segment.key);
    if (haveSet.has(segment.key) || have.some((key) => key.includes(segment.key))) continue;
    plain ??= plainText(translation);
    const text = plain;
    if (plainMath(segment.raw).some((written) => occursAlone(text, written))) continue;
    missing.push(segment.raw);
  }
  return { total: seen.size, missing };
}

/** Check `latex`: title and abstract keep the source's formulas, give or take a small tolerance. */
export const checkLatex: GateCheck = (context) => {
  const issues: GateIssue[] = [];
  const pairs = [
    ['title', context.source.title, context.fields.title],
    ['abstract', context.source.abstract, context.fields.abstract],
  ] as const;
  for (const [field, source, translation] of pairs) {
    if (translation === undefined) continue;
    const { total, missing } = missingMath(context.measure(source).math, context.measure(translation).math, translation);
    if (missing.length === 0) continue;
    // One miss among several is tolerated: a merged formula (`$a$ and $b$` → `$a, b$`) or one written out loosely.
    if (missing.length <= LATEX_LIMITS.freeMisses && missing.length < total) continue;
    const share = missing.length / total;
    const severity = share > LATEX_LIMITS.maxMissingShare ? 'error' : 'warning';
    const examples = missing.slice(0, 3).join(', ');
    issues.push(
      issue('latex-missing', field, severity, `${field} lacks ${missing.length} of the source's ${total} math segments, e.g. ${examples}; keep LaTeX verbatim`),
    );
  }
  return issues;
};
