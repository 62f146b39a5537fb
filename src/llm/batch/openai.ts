/** The OpenAI-compatible Batch API: a JSONL file of chat completions (`POST /files`), `POST /batches`, `GET /batches/{id}`, and the output and error files. */
import { XivdigestError } from '../../core/errors.js';
import type { LlmRequest, LlmResult } from '../../core/llm.js';
import { chatCompletionsRoot } from '../openai-compatible/index.js';
import { jsonModeInstruction } from '../shared/structured-call.js';
import { usageFromOpenAi } from '../shared/usage.js';
import { answerOf } from './answer.js';
import { asNumber, asRecord, batchFetch, parseJsonl, type BatchHttpSettings } from './http.js';
import type { BatchClient, BatchItemOutcome, BatchProgress, BatchRequest } from './types.js';

export interface OpenAiBatchClientOptions {
  /** As for the provider: `https://api.openai.com`, `…/v1`; `/v1` is appended when no version segment is there. */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** `json-mode` sends `response_format: json_object` with the schema in the system message; otherwise `json_schema`. */
  structuredOutputs?: 'auto' | 'json-schema' | 'json-mode';
  strictJsonSchema?: boolean;
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
}

/** OpenAI's terminal batch states (https://platform.openai.com/docs/guides/batch#4-check-the-status-of-a-batch). */
const ENDED = new Set(['completed', 'failed', 'expired', 'cancelled']);

const LABEL = 'OpenAI-compatible batch API';

/** Creates the client; nothing is sent until `submit`. */
export function createOpenAiBatchClient(options: OpenAiBatchClientOptions): BatchClient {
  const { root, query } = chatCompletionsRoot(options.baseUrl);
  const http: BatchHttpSettings = {
    label: LABEL,
    headers: { ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}), ...options.headers },
    secrets: options.apiKey ? [options.apiKey] : [],
    authHint: 'Check OPENAI_API_KEY (and OPENAI_API_BASE: the key must belong to that API)',
    fetch: options.fetch ?? globalThis.fetch,
  };
  const url = (path: string): string => {
    const built = new URL(`${root}${path}`);
    for (const [name, value] of Object.entries(query)) built.searchParams.set(name, value);
    return built.toString();
  };
  const jsonMode = options.structuredOutputs === 'json-mode';
  // The path of the endpoint as the Batch API names it: the version segment of the root, then /chat/completions.
  const endpoint = `${new URL(root).pathname.replace(/^.*?(\/v\d+[a-z0-9]*)$/i, '$1')}/chat/completions`;

  const body = (request: LlmRequest): Record<string, unknown> => ({
    model: options.model,
    // The instructions first and the same for every paper, the paper last: the prompt cache matches prefixes.
    messages: [
      { role: 'system', content: jsonMode ? `${request.system}\n\n${jsonModeInstruction(request)}` : request.system },
      { role: 'user', content: request.prompt },
    ],
    response_format: jsonMode
      ? { type: 'json_object' }
      : { type: 'json_schema', json_schema: { name: request.schemaName, schema: request.schema, strict: options.strictJsonSchema ?? true } },
    ...(request.maxOutputTokens !== undefined ? { max_tokens: request.maxOutputTokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
  });

  return {
    protocol: 'openai',
    async submit(requests: readonly BatchRequest[], signal?: AbortSignal): Promise<string> {
      const lines = requests.map((item) => JSON.stringify({ custom_id: item.customId, method: 'POST', url: endpoint, body: body(item.request) }));
      const form = new FormData();
      form.set('purpose', 'batch');
      form.set('file', new Blob([`${lines.join('\n')}\n`], { type: 'application/jsonl' }), 'xivdigest-batch.jsonl');
      const file = asRecord(await (await batchFetch(http, 'POST', url('/files'), form, signal)).json());
      if (typeof file.id !== 'string') throw malformed('POST /files', file);
      const created = asRecord(
        await (
          await batchFetch(
            http,
            'POST',
            url('/batches'),
            JSON.stringify({ input_file_id: file.id, endpoint, completion_window: '24h', metadata: { client: 'xivdigest' } }),
            signal,
            { 'content-type': 'application/json' },
          )
        ).json(),
      );
      if (typeof created.id !== 'string') throw malformed('POST /batches', created);
      return created.id;
    },

    async poll(id: string, signal?: AbortSignal): Promise<BatchProgress> {
      const batch = asRecord(await (await batchFetch(http, 'GET', url(`/batches/${encodeURIComponent(id)}`), undefined, signal)).json());
      return progressOf(id, batch);
    },

    async collect(id: string, signal?: AbortSignal): Promise<BatchItemOutcome[]> {
      const batch = asRecord(await (await batchFetch(http, 'GET', url(`/batches/${encodeURIComponent(id)}`), undefined, signal)).json());
      const outcomes = new Map<string, BatchItemOutcome>();
      for (const fileId of [batch.output_file_id, batch.error_file_id]) {
        if (typeof fileId !== 'string' || fileId === '') continue;
        const text = await (await batchFetch(http, 'GET', url(`/files/${encodeURIComponent(fileId)}/content`), undefined, signal)).text();
        for (const record of parseJsonl(text).records) {
          const outcome = outcomeOf(record, http.secrets);
          if (outcome) outcomes.set(outcome.customId, outcome);
        }
      }
      return [...outcomes.values()];
    },
  };
}

function malformed(what: string, body: unknown): XivdigestError {
  return new XivdigestError({
    code: 'LLM_UNAVAILABLE',
    message: `${LABEL} answered ${what} without an id: ${JSON.stringify(body).slice(0, 200)}`,
    hint: 'Check that the base URL points at an API with batch support',
  });
}

function progressOf(id: string, batch: Record<string, unknown>): BatchProgress {
  const status = typeof batch.status === 'string' ? batch.status : 'unknown';
  const counts = asRecord(batch.request_counts);
  const errors = asRecord(batch.errors);
  const first = Array.isArray(errors.data) ? asRecord(errors.data[0]) : {};
  return {
    id,
    status,
    total: asNumber(counts.total),
    finished: asNumber(counts.completed) + asNumber(counts.failed),
    failed: asNumber(counts.failed),
    ended: ENDED.has(status),
    ...(status === 'failed' && typeof first.message === 'string' ? { error: first.message } : {}),
  };
}

/** One line of the output or error file: `{custom_id, response: {status_code, body}, error}`. */
function outcomeOf(record: Record<string, unknown>, secrets: readonly string[]): BatchItemOutcome | undefined {
  const customId = record.custom_id;
  if (typeof customId !== 'string') return undefined;
  const response = asRecord(record.response);
  const error = asRecord(record.error);
  const status = asNumber(response.status_code);
  if (status === 200) {
    const body = asRecord(response.body);
    const choice = Array.isArray(body.choices) ? asRecord(body.choices[0]) : {};
    const message = asRecord(choice.message);
    const text = typeof message.content === 'string' ? message.content : '';
    const refusal = typeof message.refusal === 'string' && message.refusal !== '';
    const answer = answerOf({
      label: LABEL,
      text: text || (refusal ? String(message.refusal) : ''),
      finishReason: finishOf(choice.finish_reason),
      usage: usageFromOpenAi(body.usage),
      model: typeof body.model === 'string' ? body.model : '',
      secrets,
      refusal,
    });
    return answer instanceof XivdigestError ? { customId, ok: false, error: answer, unanswered: false } : { customId, ok: true, result: answer };
  }
  // An error line: the request failed (response.status_code ≥ 400) or was never run (error.code `batch_expired`, …).
  const body = asRecord(asRecord(response.body).error);
  const code = typeof error.code === 'string' ? error.code : typeof body.code === 'string' ? body.code : status ? String(status) : 'unknown';
  const why = typeof error.message === 'string' ? error.message : typeof body.message === 'string' ? body.message : 'no reason given';
  return {
    customId,
    ok: false,
    unanswered: true,
    error: new XivdigestError({
      code: status === 401 || status === 403 ? 'LLM_AUTH' : 'LLM_UNAVAILABLE',
      message: `${LABEL} gave no answer for ${customId}: ${code}: ${why}`,
      details: { code, ...(status ? { status } : {}) },
    }),
  };
}

function finishOf(reason: unknown): LlmResult['finishReason'] {
  if (reason === 'stop') return 'stop';
  if (reason === 'length') return 'length';
  if (reason === 'content_filter') return 'content-filter';
  return 'other';
}
