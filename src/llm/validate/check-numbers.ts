/** Gate check `numbers`: every number a TL;DR states is in the source title or abstract. */
import { issue, type GateCheck } from './context.js';
import { claimedNumbers, isSupported, numberSupport, type NumberSupport } from './numbers.js';
import type { GateIssue } from './types.js';

/** Check `numbers`: numbers in `tldr` and `tldrEn` that the source does not contain (hallucinated or altered). */
export const checkNumbers: GateCheck = (context) => {
  const issues: GateIssue[] = [];
  const source = context.sourceText;
  let support: NumberSupport | undefined;
  let translated: NumberSupport | undefined;
  for (const field of ['tldr', 'tldrEn'] as const) {
    const text = context.fields[field];
    if (text === undefined) continue;
    const mentions = claimedNumbers(text);
    if (mentions.length === 0) continue;
    support ??= numberSupport(source);
    const sourceSupport = support;
    let unsupported = mentions.filter((mention) => !isSupported(mention, sourceSupport));
    // A source cut at 1,000 characters lacks the end the model may have read (the original system sent the whole
    // description), so there the translated abstract, which covers it, may vouch for a number.
    if (unsupported.length > 0 && context.abstractTruncated && context.fields.abstract !== undefined) {
      translated ??= numberSupport(context.fields.abstract);
      const translatedSupport = translated;
      unsupported = unsupported.filter((mention) => !isSupported(mention, translatedSupport));
    }
    if (unsupported.length === 0) continue;
    const listed = [...new Set(unsupported.map((mention) => mention.text.trim()))].slice(0, 4).join(', ');
    issues.push(issue('number-unsupported', field, 'error', `${field} states ${listed}, which the source title and abstract do not contain`));
  }
  return issues;
};
