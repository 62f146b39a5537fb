/** The quality gate: every generated output passes these checks before it is stored. */
import { checkBoilerplate } from './check-boilerplate.js';
import { checkCorrespondence } from './check-correspondence.js';
import { checkLanguage, checkSourceEchoed, checkUntranslatedPassage } from './check-language.js';
import { checkLatex } from './check-latex.js';
import { checkMathBalance } from './check-math-balance.js';
import { checkAbstractLength, checkRepetition, checkTldrLength } from './check-length.js';
import { checkNumbers } from './check-numbers.js';
import { checkSchema } from './check-schema.js';
import { createContext, type GateCheck } from './context.js';
import type { GateInput, GateIssue, GateOptions, GateResult } from './types.js';

/** The checks after `schema`, in the order their findings are listed. Each reads only the fields that are strings. */
export const GATE_CHECKS: ReadonlyArray<[name: string, check: GateCheck]> = [
  ['boilerplate', checkBoilerplate],
  ['language', checkLanguage],
  ['source-echoed', checkSourceEchoed],
  ['untranslated-passage', checkUntranslatedPassage],
  ['abstract-length', checkAbstractLength],
  ['tldr-length', checkTldrLength],
  ['repetition', checkRepetition],
  ['latex', checkLatex],
  ['latex-balance', checkMathBalance],
  ['numbers', checkNumbers],
  ['correspondence', checkCorrespondence],
];

/**
 * Checks one generated output against its English source. Pure: no I/O, no clock, no randomness. `ok` is false
 * when any finding is an error; warnings let the output be stored with flags.
 */
export function checkTexts(output: unknown, source: GateInput, options: GateOptions): GateResult {
  const schema = checkSchema(output);
  const issues: GateIssue[] = [...schema.issues];
  const context = createContext(schema.fields, source, options);
  for (const [, check] of GATE_CHECKS) issues.push(...check(context));
  return { ok: !issues.some((found) => found.severity === 'error'), issues };
}
