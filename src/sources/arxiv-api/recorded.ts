/** Reads a recorded API response `{url, status_code, body}` (the shape arxiv.py's test fixtures use) and parses its body. */
import type { DocumentInput, SourceEvent } from '../../core/source.js';
import { XivdigestError, excerpt } from '../../core/errors.js';
import { textChunks } from '../shared/document-input.js';
import { parseArxivApi } from './parse.js';

/**
 * arXiv's own error documents inside the body still become ARXIV_API_ERROR; any other non-2xx status becomes
 * SOURCE_HTTP, so a recorded failure is never read as "0 papers".
 */
export async function* parseRecordedApiResponse(input: DocumentInput, options: { origin: string }): AsyncGenerator<SourceEvent> {
  let text = '';
  for await (const chunk of textChunks(input)) text += chunk;
  let recorded: { url?: unknown; status_code?: unknown; body?: unknown };
  try {
    recorded = JSON.parse(text) as typeof recorded;
  } catch (error) {
    throw new XivdigestError({
      code: 'INPUT_MALFORMED',
      message: `${options.origin} is not valid JSON: ${(error as Error).message}`,
      hint: 'Expected a recorded response {"url", "status_code", "body"}',
      cause: error,
    });
  }
  if (typeof recorded.body !== 'string') {
    throw new XivdigestError({
      code: 'INPUT_MALFORMED',
      message: `${options.origin} has no "body" string`,
      hint: 'Expected a recorded response {"url", "status_code", "body"}',
    });
  }
  const body = repairMojibake(recorded.body);
  const origin = typeof recorded.url === 'string' ? `${options.origin} (${recorded.url})` : options.origin;
  const status = typeof recorded.status_code === 'number' ? recorded.status_code : 200;
  const events: SourceEvent[] = [];
  try {
    for await (const event of parseArxivApi(body, { origin })) events.push(event);
  } catch (error) {
    if (status < 400 || (XivdigestError.isInstance(error) && error.code === 'ARXIV_API_ERROR')) throw error;
    throw new XivdigestError({
      code: 'SOURCE_HTTP',
      message: `arXiv API returned ${status} for ${origin}: ${excerpt(body)}`,
      details: { status },
      cause: error,
    });
  }
  if (status >= 400) {
    throw new XivdigestError({ code: 'SOURCE_HTTP', message: `arXiv API returned ${status} for ${origin}: ${excerpt(body)}`, details: { status } });
  }
  yield* events;
}

/**
 * Recorders that decoded arXiv's UTF-8 as Latin-1 leave `WÃ¼bben` for `Wübben`. When every character fits in one
 * byte and re-reading those bytes as UTF-8 is valid and removes such pairs, the repaired text is used; otherwise the
 * body is left alone (a genuine `Ã` next to a Latin-1 symbol is far rarer than this recording fault).
 */
export function repairMojibake(text: string): string {
  if (!/[\u00c2-\u00f4][\u0080-\u00bf]/.test(text) || /[^\u0000-\u00ff]/.test(text)) return text;
  const repaired = Buffer.from(text, 'latin1').toString('utf8');
  return repaired.includes('\ufffd') ? text : repaired;
}
