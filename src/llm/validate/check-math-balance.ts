/** Gate check `latex-unbalanced`: a field that opens math it never closes shows raw LaTeX to the reader. */
import { issue, TEXT_FIELDS, type GateCheck } from './context.js';
import type { GateIssue } from './types.js';

/** What is left open in a text: an odd `$`, an odd `$$`, `\(` or `\[` without its closer (or a closer without opener). */
export interface MathBalance {
  /** Single `$` delimiters not paired (0 or 1). */
  dollar: number;
  /** `$$` delimiters not paired (0 or 1). */
  display: number;
  /** `\(` minus `\)`. */
  paren: number;
  /** `\[` minus `\]`. */
  bracket: number;
}

/**
 * Scans delimiters left to right as KaTeX's auto-render would: `\$` is a literal dollar, `$$` a display delimiter,
 * a lone `$` an inline one; `\(`/`\)` and `\[`/`\]` count as open and close.
 */
export function mathBalance(text: string): MathBalance {
  const balance: MathBalance = { dollar: 0, display: 0, paren: 0, bracket: 0 };
  for (let at = 0; at < text.length; at++) {
    const character = text[at];
    if (character === '\\') {
      const next = text[at + 1];
      if (next === '(') balance.paren++;
      else if (next === ')') balance.paren--;
      else if (next === '[') balance.bracket++;
      else if (next === ']') balance.bracket--;
      at++;
      continue;
    }
    if (character !== '$') continue;
    if (text[at + 1] === '$') {
      balance.display ^= 1;
      at++;
    } else if (balance.display === 0) {
      balance.dollar ^= 1;
    }
  }
  return balance;
}

function unbalanced(balance: MathBalance): string[] {
  const open: string[] = [];
  if (balance.display) open.push('an unclosed $$');
  if (balance.dollar) open.push('an unpaired $');
  if (balance.paren !== 0) open.push(balance.paren > 0 ? '\\( without \\)' : '\\) without \\(');
  if (balance.bracket !== 0) open.push(balance.bracket > 0 ? '\\[ without \\]' : '\\] without \\[');
  return open;
}

/** A dollar amount: `$` before a digit, the number not closed by another `$` (`$1,212`, `$100K`, but not `$2$`). */
const CURRENCY = /(?<![\\$])\$\d[\d,.]*(?![\d,.]*\$)(?:\s*(?:[KMB]\b|million|billion|thousand))?/;

/**
 * Check `latex-unbalanced`: an error for each field whose math delimiters do not pair up, unless the source title or
 * abstract is unbalanced the same way (`$100K Budget`, a source cut at 1,000 characters) or writes dollar amounts.
 */
export const checkMathBalance: GateCheck = (context) => {
  const issues: GateIssue[] = [];
  const source = [mathBalance(context.source.title), mathBalance(context.source.abstract)];
  // A source that writes money (`$1,212 - $2,327`) pairs its dollars by chance; a translation may well write one.
  const currency = CURRENCY.test(context.source.title) || CURRENCY.test(context.source.abstract);
  const sourceHas = (kind: keyof MathBalance) => (kind === 'dollar' && currency) || source.some((balance) => balance[kind] !== 0);
  for (const field of TEXT_FIELDS) {
    const text = context.fields[field];
    if (text === undefined) continue;
    const balance = mathBalance(text);
    const kinds = (Object.keys(balance) as Array<keyof MathBalance>).filter((kind) => balance[kind] !== 0 && !sourceHas(kind));
    if (kinds.length === 0) continue;
    const only: MathBalance = { dollar: 0, display: 0, paren: 0, bracket: 0 };
    for (const kind of kinds) only[kind] = balance[kind];
    issues.push(issue('latex-unbalanced', field, 'error', `${field} has ${unbalanced(only).join(' and ')}; the source closes its math`));
  }
  return issues;
};
