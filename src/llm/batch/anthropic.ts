/** Anthropic's Message Batches: `POST /v1/messages/batches`, `GET /v1/messages/batches/{id}`, and the JSONL at `results_url`. */
import { XivdigestError } from '../../core/errors.js';
import type { LlmRequest, LlmResult } from '../../core/llm.js';
import { messagesRoot } from '../anthropic/index.js';
import { usageFromAnthropic } from '../shared/usage.js';
import { answerOf } from './answer.js';
import { asNumber, asRecord, batchFetch, parseJsonl, type BatchHttpSettings } from './http.js';
import type { BatchClient, BatchItemOutcome, BatchProgress, BatchRequest } from './types.js';

export interface AnthropicBatchClientOptions {
  apiKey: string;
  model: string;
  /** Default `https://api.anthropic.com`. */
  baseUrl?: string;
  /** `max_tokens` when the request gives none (default 4096). */
  maxOutputTokens?: number;
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
}

const LABEL = 'Anthropic Message Batches';

/** Creates the client; nothing is sent until `submit`. */
export function createAnthropicBatchClient(options: AnthropicBatchClientOptions): BatchClient {
  const root = messagesRoot(options.baseUrl ?? 'https://api.anthropic.com');
  const http: BatchHttpSettings = {
    label: LABEL,
    headers: { 'x-api-key': options.apiKey, 'anthropic-version': '2023-06-01', ...options.headers },
    secrets: [options.apiKey],
    authHint: 'Check ANTHROPIC_API_KEY',
    fetch: options.fetch ?? globalThis.fetch,
  };

  const params = (request: LlmRequest): Record<string, unknown> => ({
    model: options.model,
    max_tokens: request.maxOutputTokens ?? options.maxOutputTokens ?? 4096,
    // The instructions are the same for every paper: a cached prefix, read back at a tenth of the input price.
    system: [{ type: 'text', text: request.system, cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: request.prompt }],
    // A forced tool whose input is the schema: structured output that every Claude model and the batch API accept.
    tools: [{ name: 'json', description: 'Respond with a JSON object.', input_schema: request.schema }],
    tool_choice: { type: 'tool', name: 'json' },
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
  });

  const get = async (id: string, signal?: AbortSignal): Promise<Record<string, unknown>> =>
    asRecord(await (await batchFetch(http, 'GET', `${root}/messages/batches/${encodeURIComponent(id)}`, undefined, signal)).json());

  return {
    protocol: 'anthropic',
    async submit(requests: readonly BatchRequest[], signal?: AbortSignal): Promise<string> {
      const body = JSON.stringify({ requests: requests.map((item) => ({ custom_id: item.customId, params: params(item.request) })) });
      const created = asRecord(await (await batchFetch(http, 'POST', `${root}/messages/batches`, body, signal, { 'content-type': 'application/json' })).json());
      if (typeof created.id !== 'string') {
        throw new XivdigestError({
          code: 'LLM_UNAVAILABLE',
          message: `${LABEL} answered without a batch id: ${JSON.stringify(created).slice(0, 200)}`,
          hint: 'Check ANTHROPIC_BASE_URL',
        });
      }
      return created.id;
    },

    async poll(id: string, signal?: AbortSignal): Promise<BatchProgress> {
      return progressOf(id, await get(id, signal));
    },

    async collect(id: string, signal?: AbortSignal): Promise<BatchItemOutcome[]> {
      const batch = await get(id, signal);
      if (typeof batch.results_url !== 'string' || batch.results_url === '') return [];
      const text = await (await batchFetch(http, 'GET', batch.results_url, undefined, signal)).text();
      const outcomes: BatchItemOutcome[] = [];
      for (const record of parseJsonl(text).records) {
        const outcome = outcomeOf(record, http.secrets);
        if (outcome) outcomes.push(outcome);
      }
      return outcomes;
    },
  };
}

function progressOf(id: string, batch: Record<string, unknown>): BatchProgress {
  const status = typeof batch.processing_status === 'string' ? batch.processing_status : 'unknown';
  const counts = asRecord(batch.request_counts);
  const failed = asNumber(counts.errored) + asNumber(counts.canceled) + asNumber(counts.expired);
  const finished = asNumber(counts.succeeded) + failed;
  return { id, status, total: finished + asNumber(counts.processing), finished, failed, ended: status === 'ended' };
}

/** One results line: `{custom_id, result: {type: succeeded|errored|canceled|expired, message?, error?}}`. */
function outcomeOf(record: Record<string, unknown>, secrets: readonly string[]): BatchItemOutcome | undefined {
  const customId = record.custom_id;
  if (typeof customId !== 'string') return undefined;
  const result = asRecord(record.result);
  if (result.type === 'succeeded') {
    const message = asRecord(result.message);
    const blocks = Array.isArray(message.content) ? message.content.map(asRecord) : [];
    const tool = blocks.find((block) => block.type === 'tool_use' && block.name === 'json');
    const text = blocks
      .filter((block) => block.type === 'text')
      .map((block) => String(block.text ?? ''))
      .join('');
    const answer = answerOf({
      label: LABEL,
      ...(tool && typeof tool.input === 'object' && tool.input !== null ? { object: tool.input } : {}),
      text: tool ? JSON.stringify(tool.input) : text,
      finishReason: finishOf(message.stop_reason),
      usage: usageFromAnthropic(message.usage),
      model: typeof message.model === 'string' ? message.model : '',
      secrets,
      refusal: message.stop_reason === 'refusal',
    });
    return answer instanceof XivdigestError ? { customId, ok: false, error: answer, unanswered: false } : { customId, ok: true, result: answer };
  }
  const inner = asRecord(asRecord(result.error).error);
  const type = typeof result.type === 'string' ? result.type : 'unknown';
  const why = typeof inner.message === 'string' ? `${String(inner.type ?? 'error')}: ${inner.message}` : type;
  return {
    customId,
    ok: false,
    unanswered: true,
    error: new XivdigestError({
      code: inner.type === 'authentication_error' ? 'LLM_AUTH' : 'LLM_UNAVAILABLE',
      message: `${LABEL} gave no answer for ${customId}: ${why}`,
      details: { code: type },
    }),
  };
}

function finishOf(reason: unknown): LlmResult['finishReason'] {
  if (reason === 'end_turn' || reason === 'tool_use' || reason === 'stop_sequence') return 'stop';
  if (reason === 'max_tokens') return 'length';
  if (reason === 'refusal') return 'content-filter';
  return 'other';
}
