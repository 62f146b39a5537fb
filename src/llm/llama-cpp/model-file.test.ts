/** Model file resolution and download against a real HTTP server on 127.0.0.1: redirects, Range resume, checksums, errors. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { XivdigestError } from '../../core/errors.js';
import { DEFAULT_MODEL, hfResolveUrl, modelIdOf, parseHfUri, resolveModelFile, type ModelFileOptions, type ModelProgressEvent } from './model-file.js';

const content = randomBytes(256 * 1024 + 123);
const sha256 = createHash('sha256').update(content).digest('hex');
const uri = 'hf:someone/tiny-GGUF/sub/tiny-q4.gguf';

/** How the fake Hugging Face answers; reset before each test. */
interface Behaviour {
  /** Cut the connection after this many body bytes, for the first `cuts` CDN responses. */
  cutAfter?: number;
  cuts?: number;
  /** Send half the body, then stall without closing, for the first CDN response. */
  stallAfter?: number;
  ignoreRange?: boolean;
  linkedEtag?: string | null;
  status?: number;
  body?: Buffer;
}

interface Logged {
  path: string;
  range: string | undefined;
  authorization: string | undefined;
}

let server: Server;
let baseUrl: string;
let behaviour: Behaviour = {};
let log: Logged[] = [];
let cdnResponses = 0;
let dir: string;
let caseNumber = 0;
let modelsDir: string;

function serve(request: IncomingMessage, response: ServerResponse): void {
  const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
  log.push({ path, range: request.headers.range, authorization: request.headers.authorization });
  const body = behaviour.body ?? content;
  if (path.startsWith('/cdn/')) {
    if (behaviour.status) {
      response.writeHead(behaviour.status, { 'content-type': 'text/plain' }).end('Entry not found');
      return;
    }
    const number = cdnResponses++;
    // RFC 9110 §14.2: a single `bytes=N-` range answered 206 with Content-Range.
    const match = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    const start = match && !behaviour.ignoreRange ? Number(match[1]) : 0;
    if (start >= body.length && match) {
      response.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    const headers: Record<string, string | number> = {
      'content-type': 'application/octet-stream',
      'content-length': body.length - start,
      'accept-ranges': 'bytes',
    };
    if (start > 0) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    response.writeHead(start > 0 ? 206 : 200, headers);
    const rest = body.subarray(start);
    if (behaviour.cutAfter !== undefined && number < (behaviour.cuts ?? 1)) {
      response.write(rest.subarray(0, behaviour.cutAfter), () => setTimeout(() => response.socket?.destroy(), 20));
      return;
    }
    if (behaviour.stallAfter !== undefined && number === 0) {
      response.write(rest.subarray(0, behaviour.stallAfter));
      return; // never ends; the client's stall timer must cut it
    }
    response.end(rest);
    return;
  }
  if (/^\/[^/]+\/[^/]+\/resolve\//.test(path)) {
    // Hugging Face answers /resolve/ with a redirect to its CDN and the LFS SHA-256 in X-Linked-Etag.
    const headers: Record<string, string> = { location: `/cdn/${path.split('/').pop()}`, 'x-linked-size': String(body.length) };
    if (behaviour.linkedEtag !== null) headers['x-linked-etag'] = `"${behaviour.linkedEtag ?? sha256}"`;
    response.writeHead(302, headers).end();
    return;
  }
  if (path === '/direct/model.gguf') {
    response.writeHead(200, { 'content-length': body.length }).end(body);
    return;
  }
  response.writeHead(404).end('not found');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xivdigest-model-file-'));
  server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  behaviour = {};
  log = [];
  cdnResponses = 0;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** Options for a fresh models folder per test. */
function options(extra: Partial<ModelFileOptions> = {}): ModelFileOptions & { events: ModelProgressEvent[] } {
  modelsDir = join(dir, `case-${++caseNumber}`);
  const events: ModelProgressEvent[] = [];
  return { model: uri, modelsDir, hfBaseUrl: baseUrl, retries: 0, onProgress: (event) => events.push(event), events, ...extra };
}

const target = (): string => join(modelsDir, 'hf', 'someone', 'tiny-GGUF', 'sub', 'tiny-q4.gguf');

async function caught(promise: Promise<unknown>): Promise<XivdigestError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!XivdigestError.isInstance(error)) throw new Error(`expected an XivdigestError, got ${String(error)}`);
  return error;
}

describe('hf: URIs', () => {
  it('parses user, repository, file path and revision', () => {
    expect(parseHfUri('hf:Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q4_k_m.gguf')).toEqual({
      user: 'Qwen',
      repo: 'Qwen2.5-1.5B-Instruct-GGUF',
      file: 'qwen2.5-1.5b-instruct-q4_k_m.gguf',
      revision: 'main',
    });
    expect(parseHfUri('hf:a/b/dir/c.gguf#v1.0')).toEqual({ user: 'a', repo: 'b', file: 'dir/c.gguf', revision: 'v1.0' });
    expect(parseHfUri('/models/c.gguf')).toBeUndefined();
    expect(() => parseHfUri('hf:a/b')).toThrow(/hf:user\/repo\/file.gguf/);
    expect(() => parseHfUri('hf:a/b:Q4_K_M')).toThrow(XivdigestError);
  });

  it('builds the /resolve/ URL and names the model by its file', () => {
    expect(hfResolveUrl({ user: 'a', repo: 'b', file: 'dir/c d.gguf', revision: 'main' }, 'http://h/')).toBe('http://h/a/b/resolve/main/dir/c%20d.gguf');
    expect(modelIdOf(undefined)).toBe('qwen2.5-1.5b-instruct-q4_k_m.gguf');
    expect(modelIdOf('hf:a/b/c.gguf#main')).toBe('c.gguf');
    expect(modelIdOf('/x/y/z.gguf')).toBe('z.gguf');
  });

  it('pins the default model by size and SHA-256', () => {
    expect(DEFAULT_MODEL.uri).toBe('hf:Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q4_k_m.gguf');
    expect(DEFAULT_MODEL.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(DEFAULT_MODEL.sizeBytes).toBeGreaterThan(900_000_000);
  });
});

describe('resolveModelFile', () => {
  it('returns a local file as it is and says how to provide one when it is missing', async () => {
    const path = join(dir, 'local.gguf');
    await writeFile(path, 'GGUF');
    expect(await resolveModelFile({ model: path })).toEqual({ path, modelId: 'local.gguf', downloaded: false });
    const error = await caught(resolveModelFile({ model: join(dir, 'nope.gguf') }));
    expect(error.code).toBe('LLM_MODEL_MISSING');
    expect(error.oneLine).toMatch(/no model file at .*nope\.gguf\. Give a local model with --model PATH/);
    expect(log).toEqual([]);
  });

  it('downloads through the redirect, checks X-Linked-Etag, reports progress and where the file went', async () => {
    const run = options({ hfToken: 'secret' });
    const file = await resolveModelFile(run);
    expect(file).toEqual({ path: target(), modelId: 'tiny-q4.gguf', downloaded: true });
    expect((await readFile(target())).equals(content)).toBe(true);
    expect(await stat(`${target()}.partial`).catch(() => undefined)).toBeUndefined();
    expect(log.map((entry) => entry.path)).toEqual(['/someone/tiny-GGUF/resolve/main/sub/tiny-q4.gguf', '/cdn/tiny-q4.gguf']);
    // The token goes to Hugging Face, not to the host it redirects to.
    expect(log.map((entry) => entry.authorization)).toEqual(['Bearer secret', undefined]);
    const types = run.events.map((event) => event.type);
    expect(types[0]).toBe('download-started');
    expect(types).toContain('download-progressed');
    expect(run.events.at(-2)).toEqual({ type: 'checksum-verified', path: target(), sha256 });
    expect(run.events.at(-1)).toEqual({ type: 'model-downloaded', path: target(), sizeBytes: content.length, verified: true });
    const last = run.events.filter((event) => event.type === 'download-progressed').at(-1);
    expect(last).toMatchObject({ receivedBytes: content.length, totalBytes: content.length });

    log = [];
    expect(await resolveModelFile({ ...run, onProgress: undefined })).toEqual({ path: target(), modelId: 'tiny-q4.gguf', downloaded: false });
    expect(log).toEqual([]);
  });

  it('keeps a cut download as .partial and resumes it with a Range request on the next run', async () => {
    const half = Math.floor(content.length / 2);
    behaviour = { cutAfter: half };
    const run = options();
    const error = await caught(resolveModelFile(run));
    expect(error.code).toBe('LLM_MODEL_MISSING');
    expect(error.isRetryable).toBe(true);
    expect(error.message).toMatch(new RegExp(`${half} bytes kept in .*\\.partial; the next run resumes there`));
    expect(error.hint).toMatch(/--model PATH/);
    expect((await stat(`${target()}.partial`)).size).toBe(half);

    log = [];
    const file = await resolveModelFile(run);
    expect(file.downloaded).toBe(true);
    expect((await readFile(target())).equals(content)).toBe(true);
    expect(log.find((entry) => entry.path.startsWith('/cdn/'))?.range).toBe(`bytes=${half}-`);
    expect(run.events.filter((event) => event.type === 'download-started').at(-1)).toMatchObject({ resumeFrom: half, totalBytes: content.length });
  });

  it('resumes within one call when retries are allowed', async () => {
    behaviour = { cutAfter: 50_000, cuts: 2 };
    const file = await resolveModelFile(options({ retries: 3 }));
    expect(file.downloaded).toBe(true);
    expect((await readFile(target())).equals(content)).toBe(true);
    expect(log.filter((entry) => entry.path.startsWith('/cdn/')).map((entry) => entry.range)).toEqual([undefined, 'bytes=50000-', 'bytes=100000-']);
  });

  it('cuts and resumes a download that stalls', async () => {
    behaviour = { stallAfter: 70_000 };
    const file = await resolveModelFile(options({ retries: 1, stallTimeoutMs: 300 }));
    expect((await readFile(file.path)).equals(content)).toBe(true);
    expect(log.filter((entry) => entry.path.startsWith('/cdn/')).map((entry) => entry.range)).toEqual([undefined, 'bytes=70000-']);
  });

  it('starts over when the server ignores Range', async () => {
    const half = 100_000;
    behaviour = { cutAfter: half };
    const run = options();
    await caught(resolveModelFile(run));
    behaviour = { ignoreRange: true };
    await resolveModelFile(run);
    expect((await readFile(target())).equals(content)).toBe(true);
  });

  it('deletes a download whose checksum does not match', async () => {
    behaviour = { linkedEtag: 'f'.repeat(64) };
    const run = options();
    const error = await caught(resolveModelFile(run));
    expect(error.code).toBe('LLM_MODEL_MISSING');
    expect(error.message).toMatch(new RegExp(`corrupt .*SHA-256 ${sha256}; expected .*f{64}\\); deleted it`));
    expect(await stat(`${target()}.partial`).catch(() => undefined)).toBeUndefined();
    expect(await stat(target()).catch(() => undefined)).toBeUndefined();
  });

  it('checks the default model against its pinned size and SHA-256', async () => {
    behaviour = { linkedEtag: null };
    const run = options({ model: undefined });
    const error = await caught(resolveModelFile(run));
    expect(log[0]?.path).toBe('/Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/qwen2.5-1.5b-instruct-q4_k_m.gguf');
    expect(error.message).toMatch(new RegExp(`corrupt \\(${content.length} bytes.*expected ${DEFAULT_MODEL.sizeBytes} bytes, ${DEFAULT_MODEL.sha256}`));
    const path = join(modelsDir, 'hf', 'Qwen', 'Qwen2.5-1.5B-Instruct-GGUF', 'qwen2.5-1.5b-instruct-q4_k_m.gguf');
    expect(await stat(`${path}.partial`).catch(() => undefined)).toBeUndefined();

    // A file put in place by hand is checked too, once: here its size alone gives it away.
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, content);
    const present = await caught(resolveModelFile({ ...run, allowDownload: false }));
    expect(present.message).toMatch(/is not the expected model/);
    expect(present.hint).toMatch(/Delete the file/);
  });

  it('downloads from a plain https-style URL without a checksum', async () => {
    const run = options({ model: `${baseUrl}/direct/model.gguf` });
    const file = await resolveModelFile(run);
    expect(file).toEqual({ path: join(modelsDir, 'url', 'model.gguf'), modelId: 'model.gguf', downloaded: true });
    expect(run.events.at(-1)).toMatchObject({ type: 'model-downloaded', verified: false });
  });

  it('fails at once, without retrying, on a 404', async () => {
    behaviour = { status: 404 };
    const error = await caught(resolveModelFile(options({ retries: 3 })));
    expect(error.code).toBe('LLM_MODEL_MISSING');
    expect(error.message).toMatch(/returned 404 for GET: Entry not found/);
    expect(log.filter((entry) => entry.path.startsWith('/cdn/'))).toHaveLength(1);
  });

  it('fails at once with a clear hint when there is no network', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const started = Date.now();
    const error = await caught(resolveModelFile(options({ hfBaseUrl: `http://127.0.0.1:${port}`, retries: 3 })));
    expect(Date.now() - started).toBeLessThan(400); // no back-off: nothing was received, so nothing is retried
    expect(error.code).toBe('LLM_MODEL_MISSING');
    expect(error.oneLine).toMatch(/could not download the model from .*ECONNREFUSED.*\. Give a local model with --model PATH .* OPENAI_API_KEY/);
  });

  it('does not download when downloads are off, and needs a models folder to download into', async () => {
    const off = await caught(resolveModelFile(options({ allowDownload: false })));
    expect(off.code).toBe('LLM_MODEL_MISSING');
    expect(off.message).toMatch(/downloads are off/);
    const noFolder = await caught(resolveModelFile({ model: uri }));
    expect(noFolder.code).toBe('CONFIG_INVALID');
    expect(log).toEqual([]);
  });
});
