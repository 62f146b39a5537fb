/** One batch item's answer as an LlmResult, or the LLM_OUTPUT_INVALID error a synchronous call would have thrown for it. */
import { excerpt, XivdigestError } from '../../core/errors.js';
import type { LlmResult, LlmUsage } from '../../core/llm.js';
import { jsonObjectInside, redact } from '../shared/structured-call.js';

const refusalPattern = /^\s*(?:I'?m sorry|I am sorry|I apologi[sz]e|I can(?:not|'t|’t)|As an AI|Sorry,|抱歉|对不起|很抱歉|我无法|我不能)/i;

export interface RawAnswer {
  label: string;
  /** The object the API handed over parsed (Anthropic's tool input), if any. */
  object?: unknown;
  text: string;
  finishReason: LlmResult['finishReason'];
  usage: LlmUsage;
  model: string;
  secrets: readonly string[];
  refusal?: boolean;
}

/** The result, or LLM_OUTPUT_INVALID with the usage (it was paid for) and what the repair prompt needs. */
export function answerOf(raw: RawAnswer): LlmResult | XivdigestError {
  const refusal = raw.refusal === true || raw.finishReason === 'content-filter' || refusalPattern.test(raw.text);
  const invalid = (what: string): XivdigestError => {
    const shown = raw.text.trim() === '' ? '(empty)' : redact(excerpt(raw.text), raw.secrets);
    return new XivdigestError({
      code: 'LLM_OUTPUT_INVALID',
      message: `${raw.label} ${what} (finish reason ${raw.finishReason}): ${shown}`,
      hint: raw.finishReason === 'length' ? 'Raise maxOutputTokens, or shorten the input' : 'The answer can be repaired or asked for again',
      details: { body: shown, refusal, finishReason: raw.finishReason, usage: raw.usage, model: raw.model },
    });
  };
  if (raw.finishReason === 'length') return invalid('stopped at the output token limit, so the JSON is cut off');
  const object = raw.object !== undefined ? raw.object : jsonObjectInside(raw.text);
  if (object === undefined || object === null || typeof object !== 'object') {
    if (raw.text.trim() === '') return invalid('answered with empty content');
    return invalid(refusal ? 'refused instead of answering with JSON' : 'answered with text that is not valid JSON');
  }
  return { object, text: raw.text, usage: raw.usage, model: raw.model, finishReason: raw.finishReason };
}
