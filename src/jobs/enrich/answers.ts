/** What an answer lacks, in words: repair-prompt problems, stored reasons, and the structured summary check. */
import { excerpt, type XivdigestError } from '../../core/errors.js';
import type { StructuredSummary } from '../../core/texts.js';
import { STRUCTURED_SUMMARY_FIELDS } from '../../llm/prompts/index.js';
import type { GateResult } from '../../llm/validate/index.js';

/** The problems of an unusable answer, as lines for the repair prompt. */
export function outputProblems(error: XivdigestError): string {
  if (error.details.finishReason === 'length') {
    return '- The answer stopped at the output token limit, so the JSON object was cut off. Write the complete object and nothing outside it.';
  }
  if (error.details.refusal === true) return '- Do not refuse or apologise; translate and summarise the paper as asked.';
  const body = typeof error.details.body === 'string' ? ` (it began: ${excerpt(error.details.body, 120)})` : '';
  return `- The answer was not one valid JSON object${body}. Reply with one JSON object with the string fields title, tldr, tldrEn and abstract, and nothing else.`;
}

/** The gate's errors in one line, for the stored reason. */
export function gateReason(gate: GateResult): string {
  const errors = gate.issues.filter((issue) => issue.severity === 'error');
  const text = errors.map((issue) => `${issue.code} in ${issue.field === '*' ? 'the output' : issue.field}: ${issue.message}`).join('; ');
  return excerpt(text, 600);
}

/** repairHint's list without its own heading line: the repair prompt has one. */
export function stripHeading(hint: string): string {
  return hint.replace(/^[^\n-][^\n]*:\n/, '');
}

/**
 * The structured summary of an answer, or a repair hint (a string) naming the fields that are missing or blank.
 * The four fields are one sentence each in the target language; the texts' own gate has judged the rest.
 */
export function summaryOf(object: unknown): StructuredSummary | string {
  const record = (typeof object === 'object' && object !== null ? object : {}) as Record<string, unknown>;
  const missing = STRUCTURED_SUMMARY_FIELDS.filter((field) => typeof record[field] !== 'string' || (record[field] as string).trim() === '');
  if (missing.length > 0) return `- The structured summary needs ${missing.join(', ')}: one sentence each, in the target language.`;
  const [motivation, method, result, conclusion] = STRUCTURED_SUMMARY_FIELDS.map((field) => (record[field] as string).trim());
  return { motivation: motivation!, method: method!, result: result!, conclusion: conclusion! };
}
