/** One HTTP GET attempt: header timeout, body idle timeout, cancellation and a streamed body. */
import { XivdigestError } from '../../core/errors.js';
import { formatSeconds } from '../../core/format-seconds.js';
import type { HttpRequestOptions, HttpResponse } from './http.js';
import { abortedError, networkError } from './http-errors.js';

export interface AttemptSettings {
  userAgent: string;
  timeoutMs: number;
  bodyIdleTimeoutMs: number;
  label: string;
  /** Called when the body has been read to its end, or abandoned. */
  onSettled: () => void;
}

/** One GET: connect and wait for headers under `timeoutMs`, then hand back a body that enforces the idle timeout. */
export async function attemptOnce(url: string, request: HttpRequestOptions, settings: AttemptSettings): Promise<HttpResponse> {
  const { signal } = request;
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const release = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    signal?.removeEventListener('abort', onAbort);
  };
  const arm = (ms: number): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, ms);
  };
  const classify = (error: unknown, phase: 'headers' | 'body'): XivdigestError => {
    if (signal?.aborted) return abortedError(url, signal.reason);
    if (timedOut) {
      const ms = phase === 'headers' ? settings.timeoutMs : settings.bodyIdleTimeoutMs;
      return new XivdigestError({
        code: 'SOURCE_TIMEOUT',
        message:
          phase === 'headers'
            ? `${settings.label} did not answer GET ${url} within ${formatSeconds(ms)}`
            : `${settings.label} stalled for ${formatSeconds(ms)} in the middle of the response to GET ${url}`,
        hint: 'The server may be busy; try again later, or raise timeoutMs',
        cause: error,
        isRetryable: true,
        details: { url, timeoutMs: ms, phase },
      });
    }
    return networkError(settings.label, url, error, phase);
  };

  if (signal?.aborted) {
    release();
    throw abortedError(url, signal.reason);
  }
  arm(settings.timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'GET',
      headers: { 'user-agent': settings.userAgent, ...request.headers },
      signal: controller.signal,
      redirect: 'follow',
    });
  } catch (error) {
    release();
    throw classify(error, 'headers');
  }
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;

  const stream = response.body;
  let consumed = false;
  async function* body(): AsyncGenerator<Uint8Array> {
    if (consumed) throw new XivdigestError({ code: 'USAGE', message: `The body of GET ${url} was already read` });
    consumed = true;
    if (!stream) {
      release();
      return;
    }
    const reader = stream.getReader();
    let finished = false;
    try {
      for (;;) {
        arm(settings.bodyIdleTimeoutMs);
        const chunk = await reader.read().catch((error: unknown) => {
          throw classify(error, 'body');
        });
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        if (chunk.done) {
          finished = true;
          return;
        }
        yield chunk.value;
      }
    } finally {
      release();
      settings.onSettled();
      // The reader stopped early (an error, or the caller broke off): free the connection.
      if (!finished) await reader.cancel().catch(() => undefined);
    }
  }
  const iterable = body();

  return {
    url: response.url || url,
    status: response.status,
    headers: response.headers,
    body: iterable,
    async text() {
      const decoder = new TextDecoder('utf-8');
      let text = '';
      for await (const chunk of iterable) text += decoder.decode(chunk, { stream: true });
      return text + decoder.decode();
    },
    async cancel() {
      if (!consumed) {
        consumed = true;
        release();
        await stream?.cancel().catch(() => undefined);
      } else {
        await iterable.return(undefined);
      }
    },
  };
}
