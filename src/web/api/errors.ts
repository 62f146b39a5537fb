/** Errors of the JSON API, the feeds and the MCP tools: the one mapping from XivdigestError codes to HTTP statuses and bodies. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { XivdigestError, type XivdigestErrorCode } from '../../core/errors.js';
import { redact } from '../../core/redact.js';
import type { ErrorBody } from './schemas.js';

/** The statuses of the codes a reader can cause; every other code is the server's fault (500, without internals). */
const STATUS_BY_CODE: Partial<Record<XivdigestErrorCode, ContentfulStatusCode>> = {
  QUERY_INVALID: 400,
  USAGE: 400,
  NOT_FOUND: 404,
};

/** What an error becomes in a response: the status and the `{ error: { code, message, hint } }` body. */
export function errorResponse(error: unknown): { status: ContentfulStatusCode; body: ErrorBody } {
  if (XivdigestError.isInstance(error)) {
    const status = STATUS_BY_CODE[error.code];
    if (status !== undefined) {
      return { status, body: { error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } } };
    }
  }
  return {
    status: 500,
    body: { error: { code: 'INTERNAL', message: 'The server failed to answer this request.', hint: 'Try again later; the server log says what failed.' } },
  };
}

/** Hono's `onError` for the API and the feeds: logs server faults (redacted) and answers JSON. */
export function jsonErrorHandler(error: Error, c: Context): Response {
  const { status, body } = errorResponse(error);
  if (status === 500) console.error(`xivdigest web: ${c.req.method} ${c.req.path} failed: ${redact(error.stack ?? error.message)}`);
  return c.json(body, status);
}

/** A QUERY_INVALID error for parameters that failed their zod schema: one line per parameter, by name. */
export function queryInvalid(error: z.ZodError, where = 'query'): XivdigestError {
  const problems = error.issues.map((issue) => `${issue.path.join('.') || where}: ${issue.message}`);
  return new XivdigestError({
    code: 'QUERY_INVALID',
    message: `invalid ${where} parameters: ${problems.join('; ')}`,
    hint: 'See /api/openapi.json for the parameters each route takes.',
    details: { issues: error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })) },
  });
}

/** A NOT_FOUND error for a missing resource. */
export function notFound(message: string, hint: string): XivdigestError {
  return new XivdigestError({ code: 'NOT_FOUND', message, hint });
}
