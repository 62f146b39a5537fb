/** Gate check `schema`: the output is an object with the four non-blank string fields of `GeneratedTexts`. */
import { issue, TEXT_FIELDS, type TextField } from './context.js';
import type { GateIssue } from './types.js';

export interface SchemaResult {
  issues: GateIssue[];
  /** The fields that are non-blank strings, trimmed. */
  fields: Partial<Record<TextField, string>>;
}

/** Checks the shape of an output; extra keys (`lang`, provenance) are ignored. */
export function checkSchema(output: unknown): SchemaResult {
  if (typeof output !== 'object' || output === null || Array.isArray(output)) {
    const kind = output === null ? 'null' : Array.isArray(output) ? 'an array' : typeof output;
    return {
      issues: [issue('not-an-object', '*', 'error', `expected an object with title, tldr, tldrEn and abstract, got ${kind}`)],
      fields: {},
    };
  }
  const record = output as Record<string, unknown>;
  const issues: GateIssue[] = [];
  const fields: Partial<Record<TextField, string>> = {};
  for (const field of TEXT_FIELDS) {
    const value = record[field];
    if (typeof value !== 'string') {
      const got = value === undefined ? 'it is absent' : `got ${value === null ? 'null' : typeof value}`;
      issues.push(issue('field-missing', field, 'error', `${field} must be a string; ${got}`));
    } else if (value.trim() === '') {
      issues.push(issue('field-empty', field, 'error', `${field} is empty`));
    } else {
      fields[field] = value.trim();
    }
  }
  return { issues, fields };
}
