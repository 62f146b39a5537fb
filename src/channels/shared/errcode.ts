/** How DingTalk and WeCom robots report failure: HTTP 200 with a non-zero `errcode`. */
import { checkStatus, type AnswerFailure, type HttpAnswer } from './http.js';

/**
 * DingTalk and WeCom answer HTTP 200 with `{ errcode, errmsg }`; non-zero is a failure. Rate limits (DingTalk 130101
 * "send too fast", WeCom 45009 "api freq out of limit") and system busy (-1) are worth another try.
 */
export function checkErrcode(answer: HttpAnswer): AnswerFailure | undefined {
  const failure = checkStatus(answer);
  if (failure) return failure;
  let body: { errcode?: unknown; errmsg?: unknown } = {};
  try {
    body = JSON.parse(answer.text) as typeof body;
  } catch {
    return { reason: `answered something that is not JSON: ${answer.text.slice(0, 200)}`, retryable: false };
  }
  if (body.errcode === 0 || body.errcode === undefined) return undefined;
  const code = Number(body.errcode);
  return {
    reason: `answered errcode ${code}: ${typeof body.errmsg === 'string' ? body.errmsg : ''}`,
    retryable: code === 130101 || code === 45009 || code === -1,
    ...(code === 130101 || code === 45009 ? { retryAfterMs: 60_000 } : {}),
  };
}
