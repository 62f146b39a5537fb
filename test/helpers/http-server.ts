/** A real HTTP server on 127.0.0.1 for tests: scripted responses per route, fault injection, and a log of every request. */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach } from 'vitest';

/**
 * One scripted response. Without `body` or `file` the body is empty. Faults:
 * - `delayMs`: wait before sending the status line (a slow server; a client's headers timeout fires here);
 * - `chunkDelayMs`: send the body in `chunkSize` pieces with this pause before each piece after the first (a slow body);
 * - `reset`: destroy the socket: `true` or `'before-headers'` before anything is sent, `'mid-body'` after the headers
 *   and `resetAfterBytes` of the body (default: half of it);
 * - `hang`: never answer; the socket stays open until the client gives up or the server closes.
 */
export interface TestResponse {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: string | Uint8Array;
  /** A file to stream as the body (read in `chunkSize` pieces). Takes precedence over `body`. */
  file?: string;
  delayMs?: number;
  chunkDelayMs?: number;
  /** Bytes per piece when `chunkDelayMs` or `file` applies (default 16 KiB). */
  chunkSize?: number;
  reset?: boolean | 'before-headers' | 'mid-body';
  resetAfterBytes?: number;
  hang?: boolean;
}

/** A response, or a function of the request that makes one. */
export type TestReply = TestResponse | ((request: RecordedRequest) => TestResponse | Promise<TestResponse>);

/** A route: requests that match it get its replies in order; once they run out, the last one repeats. */
export interface TestRoute {
  /** Default `GET`. */
  method?: string;
  /** The path as sent, e.g. `/rss/cs.CL+cs.AI` (compared raw, and also percent-decoded). */
  path: string;
  /**
   * Which query strings match: each listed parameter must equal the string or match the RegExp, `null` means it
   * must be absent; or a function of the parameters. Unlisted parameters are ignored. Without it, any query matches.
   */
  query?: Record<string, string | RegExp | null> | ((query: URLSearchParams) => boolean);
  reply: TestReply | TestReply[];
}

/** A request as the server saw it. */
export interface RecordedRequest {
  method: string;
  /** The path without the query, as sent. */
  path: string;
  /** The query parameters (the last value wins; see `search` for repeats). */
  query: Record<string, string>;
  search: URLSearchParams;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  /** When the request's headers arrived: milliseconds on the `performance.timeOrigin + performance.now()` clock. */
  time: number;
  /** Index of the route that answered, or -1 for none (answered 404). */
  route: number;
  /** The request body as received (read in full before the route answers). */
  body: Buffer;
}

export interface TestServer {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  url: string;
  /** Every request so far, in arrival order. */
  requests: RecordedRequest[];
  /** Requests to one path. */
  requestsTo(path: string): RecordedRequest[];
  /** Destroys open sockets (hanging responses included) and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1 and a free port. `routes` is a list of {@link TestRoute}s, tried in order, or a map from
 * path to reply (or replies) for the simple cases. Unmatched requests get 404 and are recorded with `route: -1`.
 *
 * ```ts
 * const server = await startTestServer({
 *   '/rss/cs.CL': [{ status: 503, headers: { 'retry-after': '1' } }, { file: 'feed.xml' }],
 * });
 * ```
 */
export async function startTestServer(routes: TestRoute[] | Record<string, TestReply | TestReply[]>): Promise<TestServer> {
  const table: TestRoute[] = Array.isArray(routes) ? routes : Object.entries(routes).map(([path, reply]) => ({ path, reply }));
  const served = table.map(() => 0);
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const arrived = performance.timeOrigin + performance.now();
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
    } catch {
      return; // The client went away before sending its whole body.
    }
    const recorded = { ...record(request, Buffer.concat(chunks)), time: arrived };
    requests.push(recorded);
    const index = table.findIndex((route) => matches(route, recorded));
    recorded.route = index;
    if (index < 0) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`no test route for ${recorded.method} ${recorded.url}`);
      return;
    }
    const route = table[index]!;
    const replies = Array.isArray(route.reply) ? route.reply : [route.reply];
    const reply = replies[Math.min(served[index]!, replies.length - 1)]!;
    served[index]! += 1;
    void answer(request, response, reply, recorded).catch((error: unknown) => {
      // A client that went away mid-response is normal in fault tests.
      if (!response.headersSent) response.writeHead(500).end(String(error));
      else response.destroy();
    });
  };
  const server = createServer((request, response) => void handle(request, response));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // Keep-alive sockets would otherwise keep close() waiting.
  server.keepAliveTimeout = 1000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    requestsTo: (path) => requests.filter((request) => request.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function record(request: IncomingMessage, body: Buffer): RecordedRequest {
  const url = request.url ?? '/';
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  const search = new URLSearchParams(mark < 0 ? '' : url.slice(mark + 1));
  return {
    method: request.method ?? 'GET',
    path,
    query: Object.fromEntries(search),
    search,
    url,
    headers: request.headers,
    time: performance.timeOrigin + performance.now(),
    route: -1,
    body,
  };
}

function matches(route: TestRoute, request: RecordedRequest): boolean {
  if ((route.method ?? 'GET').toUpperCase() !== request.method) return false;
  if (route.path !== request.path && route.path !== safeDecode(request.path)) return false;
  const { query } = route;
  if (query === undefined) return true;
  if (typeof query === 'function') return query(request.search);
  return Object.entries(query).every(([name, expected]) => {
    const actual = request.search.get(name);
    if (expected === null) return actual === null;
    if (actual === null) return false;
    return typeof expected === 'string' ? actual === expected : expected.test(actual);
  });
}

async function answer(request: IncomingMessage, response: ServerResponse, reply: TestReply, recorded: RecordedRequest): Promise<void> {
  const spec = typeof reply === 'function' ? await reply(recorded) : reply;
  if (spec.hang) return;
  if (spec.delayMs) {
    await pause(spec.delayMs);
    if (request.socket.destroyed) return;
  }
  if (spec.reset === true || spec.reset === 'before-headers') {
    request.socket.destroy();
    return;
  }
  const headers: Record<string, string | string[]> = { ...spec.headers };
  const body = spec.body === undefined ? undefined : typeof spec.body === 'string' ? Buffer.from(spec.body) : Buffer.from(spec.body);
  if (!spec.file && body && !hasHeader(headers, 'content-length') && spec.reset !== 'mid-body') {
    headers['content-length'] = String(body.byteLength);
  }
  response.writeHead(spec.status ?? 200, headers);
  response.flushHeaders();

  const chunkSize = spec.chunkSize ?? 16 * 1024;
  const size = spec.file ? statSync(spec.file).size : (body?.byteLength ?? 0);
  const resetAfter = spec.reset === 'mid-body' ? (spec.resetAfterBytes ?? Math.floor(size / 2)) : Infinity;
  let sent = 0;
  const send = async (chunk: Buffer): Promise<boolean> => {
    if (sent > 0 && spec.chunkDelayMs) await pause(spec.chunkDelayMs);
    if (response.destroyed) return false;
    if (sent + chunk.byteLength > resetAfter) {
      const head = chunk.subarray(0, resetAfter - sent);
      if (head.byteLength > 0) await write(response, head);
      // Give the bytes a moment to leave before the socket is torn down, so the client sees a broken body.
      await pause(20);
      request.socket.destroy();
      return false;
    }
    sent += chunk.byteLength;
    await write(response, chunk);
    return true;
  };

  if (spec.file) {
    const stream = createReadStream(spec.file, { highWaterMark: chunkSize });
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (!(await send(chunk))) return;
      }
    } finally {
      stream.destroy();
    }
  } else if (body) {
    const step = spec.chunkDelayMs || spec.reset === 'mid-body' ? chunkSize : body.byteLength || 1;
    for (let offset = 0; offset < body.byteLength; offset += step) {
      if (!(await send(body.subarray(offset, offset + step)))) return;
    }
  }
  if (spec.reset === 'mid-body' && resetAfter >= sent) {
    // The whole body fit before the reset point: still break the connection instead of ending cleanly.
    await pause(20);
    request.socket.destroy();
    return;
  }
  response.end();
}

function write(response: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (response.write(chunk)) {
      resolve();
      return;
    }
    const done = (): void => {
      response.off('drain', done).off('close', done);
      resolve();
    };
    response.on('drain', done).on('close', done);
  });
}

function hasHeader(headers: Record<string, unknown>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * For a test file: returns `serve(routes)`, which starts a server that is closed after the current test, so no test
 * leaks a listening socket into the next.
 */
export function useTestServers(): (...args: Parameters<typeof startTestServer>) => Promise<TestServer> {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return async (...args) => {
    const server = await startTestServer(...args);
    servers.push(server);
    return server;
  };
}
