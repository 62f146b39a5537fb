/** A real HTTP server on 127.0.0.1 that speaks OpenAI, Azure OpenAI and Anthropic, answers from real per-paper outputs, and injects faults. */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { JsonSchema, LlmRequest } from '../../src/core/llm.js';
import { hasSharedFixtures, ownFixture, sharedFixture } from './shared-fixtures.js';

// ---------------------------------------------------------------------------------------------------------------
// Papers

/** The texts a good answer carries, under the keys of {@link paperTextsSchema}. */
export interface FakeLlmAnswer {
  title: string;
  tldr: string;
  tldrEn: string;
  abstract: string;
}

/** One paper the server knows: the English source as the original system saw it, and its recorded texts. */
export interface FakeLlmPaper {
  /** arXiv id from the link, e.g. `2305.14725`. */
  id: string;
  /** As recorded, possibly with the old `(arXiv:… [cs.CL])` suffix. */
  title: string;
  /** As recorded: the first 1000 characters of the feed description, possibly with `arXiv:… Announce Type:` in front. */
  abstract: string;
  link: string;
  answer: FakeLlmAnswer;
  /** True when `tldrEn` comes from the record's `en_tdlr`, false when it was written from the title. */
  recordedTldrEn: boolean;
}

/** Where the papers came from: the real corpus in ../shared, or our own hand-written records. */
export type FakeLlmCorpusSource = 'shared-corpus' | 'own-fixtures';

const corpusFile = sharedFixture('corpus', 'cn-chat-arxiv-papers-3000.jsonl');
const ownFile = ownFixture('llm', 'papers.jsonl');

let cached: { source: FakeLlmCorpusSource; papers: FakeLlmPaper[] } | undefined;

/**
 * The papers, read once per process: the 3,000 real outputs of the original system when ../shared is there, else
 * the hand-written records in test/fixtures/llm. Records without a translated title, abstract and TL;DR are skipped
 * (a few dozen in the corpus; the original stored what the model gave).
 */
export function loadFakeLlmPapers(): { source: FakeLlmCorpusSource; papers: FakeLlmPaper[] } {
  if (cached) return cached;
  const source: FakeLlmCorpusSource = hasSharedFixtures && existsSync(corpusFile) ? 'shared-corpus' : 'own-fixtures';
  const papers: FakeLlmPaper[] = [];
  for (const line of readFileSync(source === 'shared-corpus' ? corpusFile : ownFile, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as Record<string, unknown>;
    const paper = paperFromRecord(record);
    if (paper) papers.push(paper);
  }
  cached = { source, papers };
  return cached;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** The paper of one corpus record, or undefined when the record lacks texts. */
export function paperFromRecord(record: Record<string, unknown>): FakeLlmPaper | undefined {
  const title = text(record.title);
  const abstract = text(record.abstract);
  const link = text(record.link) ?? '';
  const translatedTitle = text(record.translated_title);
  const translatedAbstract = text(record.translated_abstract);
  const tldr = text(record.tldr);
  if (!title || !abstract || !translatedTitle || !translatedAbstract || !tldr) return undefined;
  // `en_tdlr` (sic) is the original's key; 18 records spell it `en_tldr`.
  const recordedEn = text(record.en_tdlr) ?? text(record.en_tldr);
  return {
    id: /(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?\/\d{7})/.exec(link)?.[1] ?? link,
    title,
    abstract,
    link,
    answer: { title: translatedTitle, tldr, tldrEn: recordedEn ?? englishTldrFromTitle(title), abstract: translatedAbstract },
    recordedTldrEn: recordedEn !== undefined,
  };
}

/** The title without the old `(arXiv:… [cs.CL])` suffix, on one line. */
export function titleCore(title: string): string {
  return title
    .replace(/\s*\(arXiv:.+$/s, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The abstract without the new feed's `arXiv:… Announce Type: new  Abstract:` prefix. */
export function abstractCore(abstract: string): string {
  return abstract.replace(/^\s*arXiv:\S+\s+Announce Type:\s*\S+\s+Abstract:\s*/i, '').trim();
}

function englishTldrFromTitle(title: string): string {
  const core = titleCore(title).replace(/\.$/, '');
  return `This paper presents ${core.charAt(0).toLowerCase()}${core.slice(1)}.`;
}

// ---------------------------------------------------------------------------------------------------------------
// Finding the paper a request is about

const shingleWords = 6;

/** Lower-case words: ASCII letters and digits, and letters beyond Latin-1 (general punctuation U+2000–U+206F splits). */
function words(value: string): string[] {
  // A plain character class, not \p{L}: three times faster, and the same function indexes and looks up.
  return value
    .toLowerCase()
    .split(/[^a-z0-9\u00c0-\u1fff\u2070-\uffff]+/)
    .filter((word) => word !== '');
}

/**
 * Finds the paper a prompt is about, whatever the prompt's wording: each paper is indexed by runs of 6 words (the
 * start of its title, the start of its abstract and a run further in), punctuation and case ignored; the prompt's
 * runs vote, and two agreeing runs settle it. Runs shared by two papers are dropped. Cost: under one Map lookup per
 * word of the prompt, up to the second hit.
 */
export class PaperIndex {
  private readonly byShingle = new Map<string, FakeLlmPaper | null>();
  /** First words of the runs: most positions of a prompt are skipped without building a key. */
  private readonly starters = new Set<string>();
  readonly byId = new Map<string, FakeLlmPaper>();

  constructor(readonly papers: readonly FakeLlmPaper[]) {
    for (const paper of papers) {
      this.byId.set(paper.id, paper);
      const title = words(titleCore(paper.title));
      const abstract = words(abstractCore(paper.abstract));
      const starts: string[][] = [];
      if (title.length >= shingleWords) starts.push(title.slice(0, shingleWords));
      for (const at of [0, 20, 50]) {
        if (abstract.length >= at + shingleWords) starts.push(abstract.slice(at, at + shingleWords));
      }
      for (const shingle of starts) {
        this.starters.add(shingle[0]!);
        const key = shingle.join(' ');
        const known = this.byShingle.get(key);
        this.byShingle.set(key, known === undefined || known === paper ? paper : null);
      }
    }
  }

  find(prompt: string): FakeLlmPaper | undefined {
    const list = words(prompt);
    const votes = new Map<FakeLlmPaper, number>();
    let best: FakeLlmPaper | undefined;
    let bestVotes = 0;
    for (let index = 0; index + shingleWords <= list.length; index++) {
      if (!this.starters.has(list[index]!)) continue;
      let key = list[index]!;
      for (let offset = 1; offset < shingleWords; offset++) key += ` ${list[index + offset]!}`;
      const paper = this.byShingle.get(key);
      if (!paper) continue;
      const count = (votes.get(paper) ?? 0) + 1;
      votes.set(paper, count);
      if (count > bestVotes) {
        best = paper;
        bestVotes = count;
        // Two runs of six words agreeing cannot be chance; stop reading.
        if (bestVotes >= 2) break;
      }
    }
    return best;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Requests the tests send

/** The schema of the per-paper texts, as the prompts module asks for them. */
export const paperTextsSchema: JsonSchema = {
  type: 'object',
  properties: {
    title: { type: 'string', description: 'The title, translated' },
    tldr: { type: 'string', description: 'One sentence: the main contribution, in the target language' },
    tldrEn: { type: 'string', description: 'The same sentence in English' },
    abstract: { type: 'string', description: 'The abstract, translated in full' },
  },
  required: ['title', 'tldr', 'tldrEn', 'abstract'],
  additionalProperties: false,
};

/** A realistic request for one paper: Chinese translation, the title and abstract in the prompt, the texts schema. */
export function fakePaperRequest(paper: Pick<FakeLlmPaper, 'title' | 'abstract'>, overrides: Partial<LlmRequest> = {}): LlmRequest {
  return {
    system:
      'You translate arXiv papers into Simplified Chinese and summarise them. Translate the title and the full abstract, ' +
      'and write one sentence on the most important contribution, in Chinese and in English. Keep LaTeX as it is.',
    prompt: `Title: ${titleCore(paper.title)}\n\nAbstract: ${paper.abstract}`,
    schema: paperTextsSchema,
    schemaName: 'paper_texts',
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Faults

/**
 * What can go wrong with one request:
 * - `rate-limit`: 429 with `Retry-After` (seconds, default 1) and `retry-after-ms` when `retryAfterMs` is given;
 * - `quota`: OpenAI's 429 `insufficient_quota`, Anthropic's 400 "credit balance is too low" (no retry helps);
 * - `server-error`: 500 (or `status`, e.g. 502, 503, 529);
 * - `auth`: 401; `not-found`: 404 for the model or deployment;
 * - `delay`: answers normally after `delayMs`; `hang`: never answers; `stall`: sends the headers and half the body, then
 *   nothing; `reset`: resets the connection without answering;
 * - `malformed-json`: a comma missing; `truncated-json`: cut at 60 % with finish reason `length` / `max_tokens`;
 * - `wrong-language`: the English abstract as the translation; `refusal`: "I'm sorry, I can't …"; `empty`: no content;
 * - `schema-unsupported`: 400 saying `response_format` `json_schema` (Anthropic: `output_config`) is not supported.
 */
export type FakeLlmFaultKind =
  | 'rate-limit'
  | 'quota'
  | 'server-error'
  | 'auth'
  | 'not-found'
  | 'delay'
  | 'hang'
  | 'stall'
  | 'reset'
  | 'malformed-json'
  | 'truncated-json'
  | 'wrong-language'
  | 'refusal'
  | 'empty'
  | 'schema-unsupported';

export interface FakeLlmFaultSpec {
  kind: FakeLlmFaultKind;
  /** `server-error`: the status (default 500). */
  status?: number;
  /** `rate-limit`: the `Retry-After` header in seconds (default 1). */
  retryAfterSeconds?: number;
  /** `rate-limit`: also send `retry-after-ms`. */
  retryAfterMs?: number;
  /** `delay`: how long (default 1000 ms). */
  delayMs?: number;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

export type FakeLlmFault = FakeLlmFaultKind | FakeLlmFaultSpec;

export interface FakeLlmFaultContext {
  /** 1-based number of the request, in arrival order. */
  n: number;
  protocol: FakeLlmProtocol;
  paper: FakeLlmPaper | undefined;
  /** 1-based number of this request among those for the same paper. */
  attempt: number;
}

/** Faults by request number, by paper (id or title; a list gives the 1st, 2nd, … attempt, `null` = no fault), or always. */
export interface FakeLlmFaultScript {
  byRequest?: Record<number, FakeLlmFault>;
  byPaper?: Record<string, FakeLlmFault | Array<FakeLlmFault | null>>;
  always?: FakeLlmFault;
}

export type FakeLlmFaults = FakeLlmFaultScript | ((context: FakeLlmFaultContext) => FakeLlmFault | null | undefined);

// ---------------------------------------------------------------------------------------------------------------
// The server

export type FakeLlmProtocol = 'openai' | 'azure' | 'anthropic';

/** How the request asked for JSON. */
export type FakeLlmOutputRequest = 'json_schema' | 'json_object' | 'output_format' | 'json_tool' | 'none';

export interface FakeLlmServerOptions {
  /** Default: {@link loadFakeLlmPapers}. */
  papers?: readonly FakeLlmPaper[];
  /** When set, requests must carry it (`Authorization: Bearer`, `api-key`, `x-api-key`); others get 401. */
  apiKey?: string;
  /** Wait before every answer. */
  latencyMs?: number;
  /** Requests per window (default window 60 s); beyond it 429 with Retry-After until the oldest leaves the window. */
  rpm?: number;
  rateLimitWindowMs?: number;
  /** Reported as `x-ratelimit-remaining-tokens` (estimated tokens used in the window subtracted). */
  tpm?: number;
  /** Like a server without structured outputs: 400 for every `response_format: json_schema` (Anthropic: `output_config.format`). */
  rejectJsonSchema?: boolean;
  faults?: FakeLlmFaults;
  /** The model the answer names (default: the requested one; Azure: the deployment). */
  model?: string | ((requested: string) => string);
  /** Headers added to every answer. */
  responseHeaders?: Record<string, string>;
  /** Keep parsed request bodies in the log (default true; a benchmark turns it off). */
  logBodies?: boolean;
  /**
   * Prompt caching as the providers report it (default `openai`): a system message seen before counts as cached
   * input, `usage.prompt_tokens_details.cached_tokens` (`openai`) or `prompt_cache_hit_tokens`/`prompt_cache_miss_tokens`
   * (`deepseek`); `false` reports none. Anthropic caches only a system block with `cache_control` (first
   * `cache_creation_input_tokens`, then `cache_read_input_tokens`, with `input_tokens` the rest). Unlike the real
   * services there is no minimum prefix length (1,024 tokens at OpenAI and Anthropic).
   */
  promptCache?: 'openai' | 'deepseek' | false;
}

export interface FakeLlmRequestRecord {
  n: number;
  protocol: FakeLlmProtocol;
  method: string;
  /** The path without the query. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined with `logBodies: false`). */
  body: unknown;
  model: string;
  output: FakeLlmOutputRequest;
  /** The schema the request carried (response_format.json_schema.schema, output_config.format.schema, the json tool's input_schema). */
  schema: unknown;
  paperId: string | undefined;
  attempt: number;
  fault: FakeLlmFaultKind | undefined;
  /** The status sent; 0 while pending, -1 when none was (hang, stall, reset, client gone). */
  status: number;
  /** `performance.now()` when the body was read, and when the answer was sent. */
  receivedAt: number;
  answeredAt: number | undefined;
}

export interface FakeLlmServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** The log, in arrival order. */
  requests: FakeLlmRequestRecord[];
  /** Requests now being answered, and the most at once so far. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** Count of answers by status (-1: none sent). */
  statusCounts(): Record<number, number>;
  index: PaperIndex;
  /** Replaces the fault script. */
  setFaults(faults: FakeLlmFaults | undefined): void;
  /** Clears the log, the counters, the per-paper attempts and the rate window. */
  reset(): void;
  close(): Promise<void>;
}

interface Parsed {
  protocol: FakeLlmProtocol;
  model: string;
  output: FakeLlmOutputRequest;
  schema: unknown;
  promptText: string;
  maxTokens: number | undefined;
  /** The system message's text (the cacheable prefix). */
  systemText?: string;
  /** Anthropic: the system block carries `cache_control`. */
  cacheControl?: boolean;
}

/** Cached-prefix facts of one answer. */
interface CacheFacts {
  report: 'openai' | 'deepseek' | false;
  /** Tokens of the prefix read from the cache, or written to it (Anthropic). */
  read: number;
  written: number;
}

const indexes = new WeakMap<readonly FakeLlmPaper[], PaperIndex>();

/** One index per paper list: building it for the whole corpus takes a noticeable part of a second. */
function paperIndexOf(papers: readonly FakeLlmPaper[]): PaperIndex {
  let index = indexes.get(papers);
  if (!index) {
    index = new PaperIndex(papers);
    indexes.set(papers, index);
  }
  return index;
}

/** Starts the server on 127.0.0.1 and a free port. */
export async function startFakeLlmServer(options: FakeLlmServerOptions = {}): Promise<FakeLlmServer> {
  const index = paperIndexOf(options.papers ?? loadFakeLlmPapers().papers);
  const logBodies = options.logBodies ?? true;
  const windowMs = options.rateLimitWindowMs ?? 60_000;
  let faults = options.faults;
  let requests: FakeLlmRequestRecord[] = [];
  let counter = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let attempts = new Map<string, number>();
  // Accepted requests in the rate window: times and estimated tokens, oldest first.
  let windowTimes: number[] = [];
  let windowTokens: number[] = [];
  let windowTokenSum = 0;
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  const seenPrefixes = new Set<string>();
  const cacheReport = options.promptCache ?? 'openai';

  /** What the prompt cache would report for this request; remembers its prefix for the next one. */
  const cacheFacts = (parsed: Parsed): CacheFacts => {
    const prefix = parsed.systemText ?? '';
    if (prefix === '' || (parsed.protocol === 'anthropic' ? !parsed.cacheControl : cacheReport === false)) return { report: cacheReport, read: 0, written: 0 };
    const key = `${parsed.protocol}\u0000${parsed.model}\u0000${prefix}`;
    const tokens = estimateTokens(prefix);
    if (seenPrefixes.has(key)) return { report: cacheReport, read: tokens, written: 0 };
    seenPrefixes.add(key);
    return { report: cacheReport, read: 0, written: parsed.protocol === 'anthropic' ? tokens : 0 };
  };

  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      try {
        handle(incoming, response, Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        if (!response.headersSent) send(response, 500, { error: { message: `fake server failed: ${String(error)}` } });
      }
    });
  });
  // Hanging answers are the point of some tests; only the client's own timeout may end them.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 10_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
  });

  function handle(incoming: IncomingMessage, response: ServerResponse, rawBody: string): void {
    const receivedAt = performance.now();
    const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const protocol: FakeLlmProtocol | undefined = /\/openai\/deployments\/[^/]+\/chat\/completions$/.test(path)
      ? 'azure'
      : path.endsWith('/chat/completions')
        ? 'openai'
        : path.endsWith('/messages')
          ? 'anthropic'
          : undefined;
    if (incoming.method !== 'POST' || protocol === undefined) {
      send(response, 404, { error: { message: `no route for ${incoming.method} ${path}`, type: 'invalid_request_error' } });
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(rawBody) as Record<string, unknown>;
    } catch {
      send(response, 400, errorBody(protocol, 400, 'We could not parse the JSON body of your request.'));
      return;
    }
    const parsed = parseRequest(protocol, body, path);
    const paper = index.find(parsed.promptText);
    const attemptKey = paper?.id ?? '(unknown paper)';
    const attempt = (attempts.get(attemptKey) ?? 0) + 1;
    attempts.set(attemptKey, attempt);
    const n = ++counter;
    const record: FakeLlmRequestRecord = {
      n,
      protocol,
      method: incoming.method,
      path,
      query: Object.fromEntries(url.searchParams),
      headers: incoming.headers,
      body: logBodies ? body : undefined,
      model: parsed.model,
      output: parsed.output,
      schema: parsed.schema,
      paperId: paper?.id,
      attempt,
      fault: undefined,
      status: 0,
      receivedAt,
      answeredAt: undefined,
    };
    requests.push(record);
    inFlight++;
    if (inFlight > maxInFlight) maxInFlight = inFlight;
    let settled = false;
    const settle = (status: number): void => {
      if (settled) return;
      settled = true;
      inFlight--;
      record.status = status;
      record.answeredAt = performance.now();
    };
    // The client may give up (timeout, reset) before we answer.
    response.on('close', () => settle(response.writableFinished ? record.status || response.statusCode : -1));

    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      if (response.destroyed || settled) return;
      send(response, status, payload, { ...options.responseHeaders, ...headers });
      settle(status);
    };

    // Azure answers 404 without api-version, as the real service does.
    if (protocol === 'azure' && !url.searchParams.get('api-version')) {
      reply(404, { error: { code: '404', message: 'Resource not found' } });
      return;
    }
    const presented = presentedKey(protocol, path, incoming.headers);
    const fault = normalizeFault(pickFault({ n, protocol, paper, attempt }));
    record.fault = fault?.kind;
    if ((options.apiKey !== undefined && presented !== options.apiKey) || fault?.kind === 'auth') {
      reply(401, authError(protocol, presented));
      return;
    }

    // The rate window counts requests that were let through.
    const now = performance.now();
    while (windowTimes.length > 0 && windowTimes[0]! <= now - windowMs) {
      windowTimes.shift();
      windowTokenSum -= windowTokens.shift()!;
    }
    if (options.rpm !== undefined && windowTimes.length >= options.rpm) {
      const waitMs = Math.max(1, Math.ceil(windowTimes[0]! + windowMs - now));
      reply(429, errorBody(protocol, 429, `Rate limit reached: ${options.rpm} requests per ${windowMs / 1000} s. Please try again in ${waitMs} ms.`), {
        'retry-after': String(Math.ceil(waitMs / 1000)),
        'retry-after-ms': String(waitMs),
        ...rateHeaders(protocol, 0, waitMs),
      });
      return;
    }
    const inputTokens = estimateTokens(parsed.promptText) + (parsed.schema ? estimateTokens(JSON.stringify(parsed.schema)) : 0);
    windowTimes.push(now);
    windowTokens.push(inputTokens);
    windowTokenSum += inputTokens;
    const remaining = options.rpm === undefined ? undefined : options.rpm - windowTimes.length;
    const resetMs = Math.max(0, Math.ceil(windowTimes[0]! + windowMs - now));

    const answer = (): void => {
      if (response.destroyed) return settle(-1);
      if (options.rejectJsonSchema && (parsed.output === 'json_schema' || parsed.output === 'output_format')) {
        reply(400, schemaUnsupported(protocol, parsed));
        return;
      }
      const headers: Record<string, string> = { ...fault?.headers };
      if (remaining !== undefined) Object.assign(headers, rateHeaders(protocol, remaining, resetMs));
      if (options.tpm !== undefined) {
        const tokensLeft = String(Math.max(0, options.tpm - windowTokenSum));
        headers[protocol === 'anthropic' ? 'anthropic-ratelimit-tokens-remaining' : 'x-ratelimit-remaining-tokens'] = tokensLeft;
      }
      switch (fault?.kind) {
        case 'rate-limit': {
          const retry: Record<string, string> = { 'retry-after': String(fault.retryAfterSeconds ?? 1) };
          if (fault.retryAfterMs !== undefined) retry['retry-after-ms'] = String(fault.retryAfterMs);
          reply(429, errorBody(protocol, 429, 'Rate limit reached for requests. Please try again in 1s.'), {
            ...headers,
            ...retry,
            ...rateHeaders(protocol, 0, 1000),
          });
          return;
        }
        case 'quota':
          if (protocol === 'anthropic') {
            reply(
              400,
              {
                type: 'error',
                error: {
                  type: 'invalid_request_error',
                  message: 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
                },
              },
              headers,
            );
            return;
          }
          reply(
            429,
            {
              error: {
                message: 'You exceeded your current quota, please check your plan and billing details.',
                type: 'insufficient_quota',
                param: null,
                code: 'insufficient_quota',
              },
            },
            headers,
          );
          return;
        case 'server-error': {
          const status = fault.status ?? 500;
          reply(
            status,
            errorBody(protocol, status, status === 529 ? 'Overloaded' : 'The server had an error while processing your request. Sorry about that!'),
            headers,
          );
          return;
        }
        case 'not-found':
          reply(404, notFound(protocol, parsed.model));
          return;
        case 'hang':
          return;
        case 'reset': {
          const socket = incoming.socket;
          if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
          else socket.destroy();
          settle(-1);
          return;
        }
        case 'schema-unsupported':
          reply(400, schemaUnsupported(protocol, parsed), headers);
          return;
        default:
          break;
      }
      const texts = fault?.kind === 'wrong-language' && paper ? { ...answerFor(paper, parsed), abstract: paper.abstract } : answerFor(paper, parsed);
      const reported = typeof options.model === 'function' ? options.model(parsed.model) : (options.model ?? parsed.model);
      const payload = completion(protocol, { ...parsed, model: reported }, texts, fault?.kind, inputTokens, n, cacheFacts(parsed));
      if (fault?.kind === 'stall') {
        const json = JSON.stringify(payload);
        response.writeHead(200, {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(json)),
          ...options.responseHeaders,
          ...headers,
        });
        response.write(json.slice(0, Math.floor(json.length / 2)));
        return;
      }
      reply(200, payload, headers);
    };

    const wait = (fault?.kind === 'delay' ? (fault.delayMs ?? 1000) : 0) + (options.latencyMs ?? 0);
    if (wait > 0) later(wait, answer);
    else answer();
  }

  function pickFault(context: FakeLlmFaultContext): FakeLlmFault | null | undefined {
    if (faults === undefined) return undefined;
    if (typeof faults === 'function') return faults(context);
    const byRequest = faults.byRequest?.[context.n];
    if (byRequest !== undefined) return byRequest;
    if (context.paper && faults.byPaper) {
      const entry = faults.byPaper[context.paper.id] ?? faults.byPaper[context.paper.title] ?? faults.byPaper[titleCore(context.paper.title)];
      if (entry !== undefined) return Array.isArray(entry) ? (entry[context.attempt - 1] ?? null) : entry;
    }
    return faults.always;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    statusCounts() {
      const counts: Record<number, number> = {};
      for (const request of requests) counts[request.status] = (counts[request.status] ?? 0) + 1;
      return counts;
    },
    index,
    setFaults(next) {
      faults = next;
    },
    reset() {
      requests = [];
      counter = 0;
      maxInFlight = inFlight;
      attempts = new Map();
      windowTimes = [];
      windowTokens = [];
      windowTokenSum = 0;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(response: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(payload);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(json)), ...headers });
  response.end(json);
}

function normalizeFault(fault: FakeLlmFault | null | undefined): FakeLlmFaultSpec | undefined {
  if (fault === null || fault === undefined) return undefined;
  return typeof fault === 'string' ? { kind: fault } : fault;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : '',
      )
      .join('\n');
  }
  return '';
}

function parseRequest(protocol: FakeLlmProtocol, body: Record<string, unknown>, path: string): Parsed {
  const messages = Array.isArray(body.messages) ? (body.messages as Array<{ role?: string; content?: unknown }>) : [];
  const promptText = [contentText(body.system), ...messages.map((message) => contentText(message.content))].join('\n');
  const systemText =
    protocol === 'anthropic'
      ? contentText(body.system)
      : messages
          .filter((message) => message.role === 'system')
          .map((message) => contentText(message.content))
          .join('\n');
  const cacheControl = Array.isArray(body.system) && (body.system as Array<{ cache_control?: unknown }>).some((block) => block.cache_control !== undefined);
  const maxTokens =
    typeof body.max_tokens === 'number' ? body.max_tokens : typeof body.max_completion_tokens === 'number' ? body.max_completion_tokens : undefined;
  const requested = typeof body.model === 'string' ? body.model : '';
  const model = protocol === 'azure' ? decodeURIComponent(/\/deployments\/([^/]+)\//.exec(path)?.[1] ?? requested) : requested;
  if (protocol === 'anthropic') {
    const common = { systemText, cacheControl };
    const outputConfig = body.output_config as { format?: { type?: string; schema?: unknown } } | undefined;
    if (outputConfig?.format?.type === 'json_schema')
      return { protocol, model, output: 'output_format', schema: outputConfig.format.schema, promptText, maxTokens, ...common };
    const tools = Array.isArray(body.tools) ? (body.tools as Array<{ name?: string; input_schema?: unknown }>) : [];
    const jsonTool = tools.find((tool) => tool.name === 'json');
    if (jsonTool) return { protocol, model, output: 'json_tool', schema: jsonTool.input_schema, promptText, maxTokens, ...common };
    return { protocol, model, output: 'none', schema: undefined, promptText, maxTokens, ...common };
  }
  const format = body.response_format as { type?: string; json_schema?: { schema?: unknown } } | undefined;
  if (format?.type === 'json_schema') return { protocol, model, output: 'json_schema', schema: format.json_schema?.schema, promptText, maxTokens, systemText };
  if (format?.type === 'json_object') return { protocol, model, output: 'json_object', schema: undefined, promptText, maxTokens, systemText };
  return { protocol, model, output: 'none', schema: undefined, promptText, maxTokens, systemText };
}

/** The key the request presented, in the header its protocol uses. */
function presentedKey(protocol: FakeLlmProtocol, path: string, headers: IncomingHttpHeaders): string {
  const presented =
    protocol === 'anthropic'
      ? headers['x-api-key']
      : protocol === 'azure' || path.includes('/openai/v1/')
        ? (headers['api-key'] ?? headers.authorization?.replace(/^Bearer /, ''))
        : headers.authorization?.replace(/^Bearer /, '');
  return (Array.isArray(presented) ? presented[0] : presented) ?? '';
}

function authError(protocol: FakeLlmProtocol, presented: string): unknown {
  // Echoes the key in full, as a careless proxy would, so that tests can check that adapters never repeat it.
  if (protocol === 'anthropic') return { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key: ${presented}` } };
  if (protocol === 'azure') {
    return {
      error: {
        code: '401',
        message: `Access denied due to invalid subscription key ${presented} or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.`,
      },
    };
  }
  return {
    error: {
      message: `Incorrect API key provided: ${presented}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    },
  };
}

function errorBody(protocol: FakeLlmProtocol, status: number, message: string): unknown {
  if (protocol === 'anthropic') {
    const type = status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
    return { type: 'error', error: { type, message } };
  }
  if (protocol === 'azure') return { error: { code: String(status), message } };
  const type = status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, param: null, code: status === 429 ? 'rate_limit_exceeded' : null } };
}

function notFound(protocol: FakeLlmProtocol, model: string): unknown {
  if (protocol === 'anthropic') return { type: 'error', error: { type: 'not_found_error', message: `model: ${model}` } };
  if (protocol === 'azure')
    return {
      error: {
        code: 'DeploymentNotFound',
        message:
          'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
      },
    };
  return {
    error: {
      message: `The model \`${model}\` does not exist or you do not have access to it.`,
      type: 'invalid_request_error',
      param: null,
      code: 'model_not_found',
    },
  };
}

function schemaUnsupported(protocol: FakeLlmProtocol, parsed: Parsed): unknown {
  if (protocol === 'anthropic') return { type: 'error', error: { type: 'invalid_request_error', message: 'output_config: Extra inputs are not permitted' } };
  if (protocol === 'azure') {
    return {
      error: {
        message: 'response_format value as json_schema is enabled only for api versions 2024-08-01-preview and later',
        type: 'invalid_request_error',
        param: null,
        code: 'BadRequest',
      },
    };
  }
  return {
    error: {
      message: `Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model (${parsed.model}).`,
      type: 'invalid_request_error',
      param: 'response_format',
      code: null,
    },
  };
}

function rateHeaders(protocol: FakeLlmProtocol, remaining: number, resetMs: number): Record<string, string> {
  if (protocol === 'anthropic') {
    return {
      'anthropic-ratelimit-requests-remaining': String(remaining),
      'anthropic-ratelimit-requests-reset': new Date(Date.now() + resetMs).toISOString(),
    };
  }
  return { 'x-ratelimit-remaining-requests': String(remaining), 'x-ratelimit-reset-requests': `${(resetMs / 1000).toFixed(3)}s` };
}

/** A rough token count: one per CJK character, one per four other characters. */
export function estimateTokens(value: string): number {
  let wide = 0;
  for (let index = 0; index < value.length; index++) if (value.charCodeAt(index) >= 0x2e80) wide++;
  return wide + Math.ceil((value.length - wide) / 4);
}

function answerFor(paper: FakeLlmPaper | undefined, parsed: Parsed): FakeLlmAnswer {
  if (paper) return paper.answer;
  // A paper the corpus does not hold: a generic but well-formed answer, so that load tests with made-up papers still run.
  const line = parsed.promptText.split('\n').find((candidate) => candidate.trim() !== '') ?? '';
  return {
    title: '未知论文',
    tldr: '本文提出了一种新方法并验证了其有效性。',
    tldrEn: `The paper proposes a new method (${line.slice(0, 60)}).`,
    abstract: '本文提出了一种新方法，并在多个基准上验证了其有效性。',
  };
}

const refusalText = "I'm sorry, I can't help with that request.";

function completion(
  protocol: FakeLlmProtocol,
  parsed: Parsed,
  texts: FakeLlmAnswer,
  fault: FakeLlmFaultKind | undefined,
  inputTokens: number,
  n: number,
  cache: CacheFacts = { report: false, read: 0, written: 0 },
): unknown {
  let json = JSON.stringify(texts);
  let finish: 'stop' | 'length' = 'stop';
  let content: string | null = json;
  let refusal: string | undefined;
  switch (fault) {
    case 'malformed-json':
      content = json.replace(',"tldrEn"', ' "tldrEn"');
      break;
    case 'truncated-json':
      content = json.slice(0, Math.floor(json.length * 0.6));
      finish = 'length';
      break;
    case 'refusal':
      // OpenAI puts a structured-output refusal in `message.refusal` with no content.
      if (parsed.output === 'json_schema') {
        content = null;
        refusal = refusalText;
      } else {
        content = refusalText;
      }
      break;
    case 'empty':
      content = '';
      break;
    default:
      break;
  }
  json = content ?? '';
  const outputTokens = finish === 'length' && parsed.maxTokens !== undefined ? parsed.maxTokens : estimateTokens(json || refusal || '');
  const model = parsed.model;
  if (protocol === 'anthropic') {
    // Anthropic's input_tokens leaves out what was read from or written to the cache.
    const usage = {
      input_tokens: Math.max(0, inputTokens - cache.read - cache.written),
      output_tokens: outputTokens,
      ...(parsed.cacheControl ? { cache_creation_input_tokens: cache.written, cache_read_input_tokens: cache.read } : {}),
    };
    const base = { id: `msg_fake_${n}`, type: 'message', role: 'assistant', model, stop_sequence: null, usage };
    if (parsed.output === 'json_tool' && (fault === undefined || fault === 'wrong-language' || fault === 'delay' || fault === 'truncated-json')) {
      // Anthropic hands the tool input over parsed; a cut-off call keeps the fields finished so far.
      const input = fault === 'truncated-json' ? { title: texts.title, tldr: texts.tldr } : texts;
      return {
        ...base,
        content: [{ type: 'tool_use', id: `toolu_fake_${n}`, name: 'json', input }],
        stop_reason: fault === 'truncated-json' ? 'max_tokens' : 'tool_use',
      };
    }
    const blocks = json === '' && fault === 'empty' ? [] : [{ type: 'text', text: content ?? refusalText }];
    const stop = finish === 'length' ? 'max_tokens' : fault === 'refusal' ? 'refusal' : 'end_turn';
    return { ...base, content: blocks, stop_reason: stop };
  }
  return {
    id: `chatcmpl-fake-${n}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, ...(refusal ? { refusal } : {}) }, finish_reason: finish, logprobs: null }],
    usage: {
      prompt_tokens: inputTokens,
      completion_tokens: outputTokens,
      total_tokens: inputTokens + outputTokens,
      ...(cache.report === 'openai' ? { prompt_tokens_details: { cached_tokens: cache.read } } : {}),
      ...(cache.report === 'deepseek' ? { prompt_cache_hit_tokens: cache.read, prompt_cache_miss_tokens: inputTokens - cache.read } : {}),
    },
  };
}
