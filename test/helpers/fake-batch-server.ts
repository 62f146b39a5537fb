/** A real HTTP server on 127.0.0.1 that speaks the OpenAI Batch API (/files, /batches) and Anthropic Message Batches, answering each item through the fake LLM server. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { startFakeLlmServer, type FakeLlmServer, type FakeLlmServerOptions } from './fake-llm-server.js';

export interface FakeBatchServerOptions extends FakeLlmServerOptions {
  /** Between two status steps (validating → in_progress, in_progress → finalizing → completed). Default 30 ms. */
  stepMs?: number;
  /** Items answered at once while a batch runs. Default 16. */
  itemConcurrency?: number;
  /** Keep every batch at `in_progress` with nothing done until `release()` (for kill-and-resume tests). */
  hold?: boolean;
  /** Items (by custom id and 0-based line) the window runs out for: never answered, reported as expired. */
  expire?: (customId: string, index: number) => boolean;
  /** OpenAI: fail every batch at validation (status `failed`, `errors.data`), as for a malformed input file. */
  failValidation?: boolean;
}

/** What the server knows of one batch. */
export interface FakeBatch {
  id: string;
  protocol: 'openai' | 'anthropic';
  status: string;
  /** Every status the batch has had, in order. */
  history: string[];
  items: Array<{ customId: string; body: Record<string, unknown> }>;
  /** Custom id → JSONL line of the output (OpenAI) or results (Anthropic). */
  results: Map<string, string>;
  errors: Map<string, string>;
  expired: number;
  createdAt: number;
  outputFileId?: string;
  errorFileId?: string;
}

export interface FakeBatchServer {
  /** `http://127.0.0.1:PORT`: batch routes here, every other request forwarded to `llm`. */
  url: string;
  /** The chat/messages server that answers each item (and the synchronous calls). Its log marks batch items with the header `x-fake-batch`. */
  llm: FakeLlmServer;
  /** Batches created (`POST /batches`, `POST /messages/batches`). */
  readonly submissions: number;
  /** `GET` of a batch's status. */
  readonly polls: number;
  /** Uploaded files by id (purpose and text). */
  files: Map<string, { purpose: string; text: string }>;
  batches: Map<string, FakeBatch>;
  /** Lets held batches run. */
  release(): void;
  /** Synchronous calls the LLM server answered (not batch items). */
  syncRequests(): number;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 and a free port, with its fake LLM server behind it. */
export async function startFakeBatchServer(options: FakeBatchServerOptions = {}): Promise<FakeBatchServer> {
  const llm = await startFakeLlmServer(options);
  const stepMs = options.stepMs ?? 30;
  const files = new Map<string, { purpose: string; text: string }>();
  const batches = new Map<string, FakeBatch>();
  let held = options.hold ?? false;
  const waiting: Array<() => void> = [];
  let submissions = 0;
  let polls = 0;
  let counter = 0;
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let base = '';

  const later = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      handle(incoming, response, Buffer.concat(chunks)).catch((error: unknown) => {
        if (!response.headersSent) send(response, 500, { error: { message: `fake batch server failed: ${String(error)}` } });
      });
    });
  });
  server.keepAliveTimeout = 10_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  function authorized(incoming: IncomingMessage): boolean {
    if (options.apiKey === undefined) return true;
    const presented = incoming.headers['x-api-key'] ?? incoming.headers.authorization?.replace(/^Bearer /, '');
    return presented === options.apiKey;
  }

  async function handle(incoming: IncomingMessage, response: ServerResponse, raw: Buffer): Promise<void> {
    const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const method = incoming.method ?? 'GET';
    const isBatchRoute = /\/(files|batches)(\/|$)/.test(path);
    if (!isBatchRoute) return forward(incoming, response, raw);
    if (!authorized(incoming)) {
      send(response, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } });
      return;
    }
    let match: RegExpExecArray | null;
    if (method === 'POST' && /\/v1\/files$/.test(path)) {
      // Multipart as the OpenAI API takes it (purpose, file); parsed by the platform's own form-data reader.
      const form = await new Request('http://127.0.0.1/', {
        method: 'POST',
        headers: { 'content-type': String(incoming.headers['content-type']) },
        body: raw,
      }).formData();
      const file = form.get('file');
      const purpose = String(form.get('purpose') ?? '');
      if (!(file instanceof Blob) || purpose !== 'batch') {
        send(response, 400, { error: { message: "'file' and purpose 'batch' are required", type: 'invalid_request_error' } });
        return;
      }
      const text = await file.text();
      const id = `file-${++counter}`;
      files.set(id, { purpose, text });
      send(response, 200, { id, object: 'file', bytes: Buffer.byteLength(text), created_at: Math.floor(Date.now() / 1000), filename: 'batch.jsonl', purpose });
      return;
    }
    if (method === 'POST' && /\/v1\/batches$/.test(path)) {
      const body = JSON.parse(raw.toString('utf8')) as { input_file_id?: string; endpoint?: string; completion_window?: string };
      const file = body.input_file_id ? files.get(body.input_file_id) : undefined;
      if (!file || body.endpoint !== '/v1/chat/completions' || body.completion_window !== '24h') {
        send(response, 400, {
          error: {
            message: `invalid batch: input_file_id ${body.input_file_id}, endpoint ${body.endpoint}, completion_window ${body.completion_window}`,
            type: 'invalid_request_error',
          },
        });
        return;
      }
      const items = file.text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          const record = JSON.parse(line) as { custom_id: string; method: string; url: string; body: Record<string, unknown> };
          return { customId: record.custom_id, body: record.body };
        });
      const batch = newBatch('openai', `batch_${++counter}`, items);
      send(response, 200, openAiView(batch));
      return;
    }
    if (method === 'GET' && (match = /\/v1\/batches\/([^/]+)$/.exec(path))) {
      const batch = batches.get(decodeURIComponent(match[1]!));
      polls += 1;
      if (!batch || batch.protocol !== 'openai') return send(response, 404, { error: { message: 'No batch found', type: 'invalid_request_error' } });
      send(response, 200, openAiView(batch));
      return;
    }
    if (method === 'GET' && (match = /\/v1\/files\/([^/]+)\/content$/.exec(path))) {
      const file = files.get(decodeURIComponent(match[1]!));
      if (!file) return send(response, 404, { error: { message: 'No such file', type: 'invalid_request_error' } });
      response.writeHead(200, { 'content-type': 'application/jsonl' });
      response.end(file.text);
      return;
    }
    if (method === 'POST' && /\/v1\/messages\/batches$/.test(path)) {
      const body = JSON.parse(raw.toString('utf8')) as { requests?: Array<{ custom_id?: string; params?: Record<string, unknown> }> };
      const requests = body.requests ?? [];
      const bad = requests.find((request) => !/^[a-zA-Z0-9_-]{1,64}$/.test(request.custom_id ?? '') || !request.params);
      if (requests.length === 0 || bad) {
        send(response, 400, {
          type: 'error',
          error: { type: 'invalid_request_error', message: `requests: custom_id must match ^[a-zA-Z0-9_-]{1,64}$ (got ${JSON.stringify(bad?.custom_id)})` },
        });
        return;
      }
      const batch = newBatch(
        'anthropic',
        `msgbatch_${++counter}`,
        requests.map((request) => ({ customId: request.custom_id!, body: request.params! })),
      );
      send(response, 200, anthropicView(batch));
      return;
    }
    if (method === 'GET' && (match = /\/v1\/messages\/batches\/([^/]+)\/results$/.exec(path))) {
      const batch = batches.get(decodeURIComponent(match[1]!));
      if (!batch || batch.status !== 'ended')
        return send(response, 404, { type: 'error', error: { type: 'not_found_error', message: 'results not available' } });
      response.writeHead(200, { 'content-type': 'application/x-jsonl' });
      response.end([...batch.results.values()].map((line) => `${line}\n`).join(''));
      return;
    }
    if (method === 'GET' && (match = /\/v1\/messages\/batches\/([^/]+)$/.exec(path))) {
      const batch = batches.get(decodeURIComponent(match[1]!));
      polls += 1;
      if (!batch || batch.protocol !== 'anthropic')
        return send(response, 404, { type: 'error', error: { type: 'not_found_error', message: 'batch not found' } });
      send(response, 200, anthropicView(batch));
      return;
    }
    send(response, 404, { error: { message: `no route for ${method} ${path}`, type: 'invalid_request_error' } });
  }

  function newBatch(protocol: 'openai' | 'anthropic', id: string, items: FakeBatch['items']): FakeBatch {
    submissions += 1;
    const batch: FakeBatch = {
      id,
      protocol,
      status: protocol === 'openai' ? 'validating' : 'in_progress',
      history: [],
      items,
      results: new Map(),
      errors: new Map(),
      expired: 0,
      createdAt: Math.floor(Date.now() / 1000),
    };
    batch.history.push(batch.status);
    batches.set(id, batch);
    void run(batch);
    return batch;
  }

  /** validating → in_progress → (items) → finalizing → completed | expired | failed (OpenAI); in_progress → ended (Anthropic). */
  async function run(batch: FakeBatch): Promise<void> {
    await later(stepMs);
    if (batch.protocol === 'openai' && options.failValidation) {
      batch.status = 'failed';
      batch.history.push(batch.status);
      return;
    }
    if (batch.protocol === 'openai') {
      batch.status = 'in_progress';
      batch.history.push(batch.status);
    }
    if (held) await new Promise<void>((resolve) => waiting.push(resolve));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batch.items.length) {
        const index = next++;
        const item = batch.items[index]!;
        if (options.expire?.(item.customId, index)) {
          batch.expired += 1;
          batch.errors.set(
            item.customId,
            batch.protocol === 'openai'
              ? JSON.stringify({
                  id: `batch_req_${index}`,
                  custom_id: item.customId,
                  response: null,
                  error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' },
                })
              : JSON.stringify({ custom_id: item.customId, result: { type: 'expired' } }),
          );
          continue;
        }
        await answer(batch, item, index);
      }
    };
    await Promise.all(Array.from({ length: options.itemConcurrency ?? 16 }, () => worker()));
    if (batch.protocol === 'openai') {
      batch.status = 'finalizing';
      batch.history.push(batch.status);
      await later(stepMs);
      if (batch.results.size > 0) batch.outputFileId = fileOf([...batch.results.values()]);
      if (batch.errors.size > 0) batch.errorFileId = fileOf([...batch.errors.values()]);
      batch.status = batch.expired > 0 ? 'expired' : 'completed';
      batch.history.push(batch.status);
    } else {
      for (const [customId, line] of batch.errors) batch.results.set(customId, line);
      batch.status = 'ended';
      batch.history.push(batch.status);
    }
  }

  function fileOf(lines: string[]): string {
    const id = `file-${++counter}`;
    files.set(id, { purpose: 'batch_output', text: lines.map((line) => `${line}\n`).join('') });
    return id;
  }

  /** Sends one item to the LLM server, as the provider runs it, and files the answer as its protocol does. */
  async function answer(batch: FakeBatch, item: FakeBatch['items'][number], index: number): Promise<void> {
    const path = batch.protocol === 'openai' ? '/v1/chat/completions' : '/v1/messages';
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-fake-batch': batch.id };
    if (options.apiKey !== undefined) {
      if (batch.protocol === 'anthropic') headers['x-api-key'] = options.apiKey;
      else headers.authorization = `Bearer ${options.apiKey}`;
    }
    let status = 0;
    let body: unknown;
    try {
      const reply = await fetch(`${llm.url}${path}`, { method: 'POST', headers, body: JSON.stringify(item.body) });
      status = reply.status;
      body = await reply.json().catch(() => null);
    } catch (error) {
      body = { error: { message: String(error) } };
    }
    if (batch.protocol === 'openai') {
      const line = JSON.stringify({
        id: `batch_req_${index}`,
        custom_id: item.customId,
        response: { status_code: status || 500, request_id: `req_${index}`, body },
        error: null,
      });
      if (status === 200) batch.results.set(item.customId, line);
      else batch.errors.set(item.customId, line);
      return;
    }
    const result =
      status === 200
        ? { type: 'succeeded', message: body }
        : { type: 'errored', error: body ?? { type: 'error', error: { type: 'api_error', message: 'no answer' } } };
    batch.results.set(item.customId, JSON.stringify({ custom_id: item.customId, result }));
  }

  function counts(batch: FakeBatch): { total: number; completed: number; failed: number } {
    let completed = 0;
    for (const line of batch.results.values()) if (line.includes('"status_code":200')) completed += 1;
    return { total: batch.items.length, completed, failed: batch.errors.size };
  }

  function openAiView(batch: FakeBatch): unknown {
    return {
      id: batch.id,
      object: 'batch',
      endpoint: '/v1/chat/completions',
      errors:
        batch.status === 'failed'
          ? { object: 'list', data: [{ code: 'invalid_json_line', message: 'This line is not parseable as valid JSON.', param: null, line: 1 }] }
          : null,
      input_file_id: 'file-input',
      completion_window: '24h',
      status: batch.status,
      output_file_id: batch.outputFileId ?? null,
      error_file_id: batch.errorFileId ?? null,
      created_at: batch.createdAt,
      request_counts: counts(batch),
      metadata: null,
    };
  }

  function anthropicView(batch: FakeBatch): unknown {
    let succeeded = 0;
    let errored = 0;
    for (const line of batch.results.values()) {
      if (line.includes('"type":"succeeded"')) succeeded += 1;
      else if (line.includes('"type":"errored"')) errored += 1;
    }
    const expired = batch.status === 'ended' ? batch.expired : 0;
    return {
      id: batch.id,
      type: 'message_batch',
      processing_status: batch.status,
      request_counts: { processing: batch.items.length - succeeded - errored - expired, succeeded, errored, canceled: 0, expired },
      ended_at: batch.status === 'ended' ? new Date().toISOString() : null,
      created_at: new Date(batch.createdAt * 1000).toISOString(),
      expires_at: new Date(batch.createdAt * 1000 + 86_400_000).toISOString(),
      results_url: batch.status === 'ended' ? `${base}/v1/messages/batches/${batch.id}/results` : null,
    };
  }

  /** Everything that is not a batch route goes to the LLM server as it came. */
  async function forward(incoming: IncomingMessage, response: ServerResponse, raw: Buffer): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (value === undefined || ['host', 'content-length', 'connection', 'transfer-encoding'].includes(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    try {
      const reply = await fetch(`${llm.url}${incoming.url ?? '/'}`, { method: incoming.method ?? 'GET', headers, ...(raw.length > 0 ? { body: raw } : {}) });
      const text = Buffer.from(await reply.arrayBuffer());
      const out: Record<string, string> = {};
      reply.headers.forEach((value, name) => {
        if (!['content-length', 'connection', 'transfer-encoding', 'keep-alive', 'content-encoding'].includes(name)) out[name] = value;
      });
      response.writeHead(reply.status, { ...out, 'content-length': String(text.length) });
      response.end(text);
    } catch {
      incoming.socket.destroy();
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    llm,
    get submissions() {
      return submissions;
    },
    get polls() {
      return polls;
    },
    files,
    batches,
    release() {
      held = false;
      for (const resolve of waiting.splice(0)) resolve();
    },
    syncRequests() {
      return llm.requests.filter((request) => request.headers['x-fake-batch'] === undefined).length;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const resolve of waiting.splice(0)) resolve();
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await llm.close();
    },
  };
}

function send(response: ServerResponse, status: number, payload: unknown): void {
  const json = JSON.stringify(payload);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(json)) });
  response.end(json);
}
