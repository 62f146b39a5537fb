/** Finds the GGUF file a llama-cpp provider loads: a local path, or an `hf:` URI downloaded once with resume and a SHA-256 check. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { XivdigestError, excerpt } from '../../core/errors.js';
import { abortableSleep } from '../../core/sleep.js';

/**
 * The model used when none is configured: Qwen2.5-1.5B-Instruct, Q4_K_M, from the Qwen team's own GGUF repository.
 * Small enough for a laptop CPU (about 1.1 GB on disk, about 1.5 GB of memory with a 4k context per sequence) and
 * trained on much Chinese text. Its tokenizer is byte-level BPE, so it has no byte-fallback tokens to ban.
 * Size and SHA-256 are the values Hugging Face lists for this file (LFS pointer); see docs/decisions/0008-llama-binaries.md.
 */
export const DEFAULT_MODEL = Object.freeze({
  uri: 'hf:Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q4_k_m.gguf',
  sizeBytes: 1_117_320_736,
  sha256: '6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e',
});

export const DEFAULT_HF_BASE_URL = 'https://huggingface.co';

/** One sentence on every way to give xivdigest a model; ends each LLM_MODEL_MISSING error. */
export const MODEL_MISSING_HINT =
  'Give a local model with --model PATH (a .gguf file) or --model hf:user/repo/file.gguf (downloaded once, needs network), ' +
  'or use an API instead by setting OPENAI_API_KEY (or another provider in the config file)';

/** Progress of finding, downloading and loading a model, for a progress bar. */
export type ModelProgressEvent =
  | { type: 'download-started'; url: string; path: string; resumeFrom: number; totalBytes: number | undefined }
  | { type: 'download-progressed'; url: string; receivedBytes: number; totalBytes: number | undefined }
  | { type: 'checksum-verified'; path: string; sha256: string }
  | { type: 'model-downloaded'; path: string; sizeBytes: number; verified: boolean }
  | { type: 'model-load-progressed'; path: string; fraction: number }
  | { type: 'model-loaded'; path: string };

export interface ModelFileOptions {
  /** A file path, an `hf:user/repo/path/file.gguf[#revision]` URI, an http(s) URL, or undefined for {@link DEFAULT_MODEL}. */
  model?: string;
  /** Where downloads go (the per-user data folder's `models/`); required unless `model` is a local path. */
  modelsDir?: string;
  /** Default https://huggingface.co; tests point it at a local server. */
  hfBaseUrl?: string;
  /** Sent as `Authorization: Bearer …` to Hugging Face, for gated repositories. */
  hfToken?: string;
  /** False forbids downloads: a missing file is an LLM_MODEL_MISSING error at once. Default true. */
  allowDownload?: boolean;
  /** How many times a cut download is resumed within one call. Default 3. */
  retries?: number;
  /** A download that receives no byte for this long is cut and resumed. Default 60 s. */
  stallTimeoutMs?: number;
  onProgress?: (event: ModelProgressEvent) => void;
  signal?: AbortSignal;
}

/** A model file ready to load. */
export interface ModelFile {
  path: string;
  /** The file name, reported as the model id. */
  modelId: string;
  /** True when this call downloaded (or finished downloading) it. */
  downloaded: boolean;
}

/** The parts of an `hf:` URI. */
export interface HfModelRef {
  user: string;
  repo: string;
  /** Path of the file inside the repository. */
  file: string;
  /** Branch, tag or commit; default `main`. */
  revision: string;
}

/** Parses `hf:user/repo/path/to/file.gguf` with an optional `#revision`; undefined when `uri` is not an `hf:` URI. */
export function parseHfUri(uri: string): HfModelRef | undefined {
  if (!uri.startsWith('hf:')) return undefined;
  const [rest = '', revision = 'main'] = uri.slice(3).replace(/^\/+/, '').split('#', 2);
  const parts = rest.split('/').filter((part) => part !== '');
  const [user, repo, ...file] = parts;
  if (!user || !repo || file.length === 0 || !file.at(-1)?.toLowerCase().endsWith('.gguf')) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `llama-cpp: "${uri}" is not a model URI of the form hf:user/repo/file.gguf`,
      hint: 'Name the .gguf file inside the repository, e.g. hf:Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q4_k_m.gguf',
      details: { model: uri },
    });
  }
  return { user, repo, file: file.join('/'), revision: revision || 'main' };
}

/** The download URL Hugging Face serves a repository file at (`/{user}/{repo}/resolve/{revision}/{file}`). */
export function hfResolveUrl(ref: HfModelRef, baseUrl = DEFAULT_HF_BASE_URL): string {
  const path = [ref.user, ref.repo, 'resolve', ref.revision, ...ref.file.split('/')].map(encodeURIComponent).join('/');
  return `${baseUrl.replace(/\/+$/, '')}/${path}`;
}

/** The model id of a model option: its file name. */
export function modelIdOf(model: string | undefined): string {
  const source = model ?? DEFAULT_MODEL.uri;
  return basename(source.replace(/#.*$/, '').replace(/\?.*$/, ''));
}

/** Finds the model file, downloading it into `modelsDir` when it is remote and not there yet. */
export async function resolveModelFile(options: ModelFileOptions): Promise<ModelFile> {
  const model = options.model ?? DEFAULT_MODEL.uri;
  const modelId = modelIdOf(model);
  const hf = parseHfUri(model);
  const isUrl = /^https?:\/\//i.test(model);
  if (!hf && !isUrl) {
    const path = resolve(model);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) {
      throw new XivdigestError({
        code: 'LLM_MODEL_MISSING',
        message: `llama-cpp: no model file at ${path}`,
        hint: MODEL_MISSING_HINT,
        details: { path },
      });
    }
    return { path, modelId, downloaded: false };
  }
  if (!options.modelsDir) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `llama-cpp: no models folder to download ${model} into`,
      hint: 'Pass modelsDir (the per-user data folder) or give a local --model PATH',
    });
  }
  const path = hf ? join(options.modelsDir, 'hf', hf.user, hf.repo, ...hf.file.split('/')) : join(options.modelsDir, 'url', modelId);
  const url = hf ? hfResolveUrl(hf, options.hfBaseUrl) : model;
  const pinned = model === DEFAULT_MODEL.uri ? DEFAULT_MODEL : undefined;

  const present = await stat(path).catch(() => undefined);
  if (present?.isFile()) {
    await checkPresentFile(path, present.size, pinned, options);
    return { path, modelId, downloaded: false };
  }
  if (options.allowDownload === false) {
    throw new XivdigestError({
      code: 'LLM_MODEL_MISSING',
      message: `llama-cpp: ${modelId} is not in ${dirname(path)} and downloads are off`,
      hint: MODEL_MISSING_HINT,
      details: { path, url },
    });
  }
  await download({ url, path, expectedSha256: pinned?.sha256, expectedSize: pinned?.sizeBytes, hfToken: hf ? options.hfToken : undefined, options });
  return { path, modelId, downloaded: true };
}

/** A file already in place: its size must match the pin; its SHA-256 is checked once and remembered in `<file>.sha256`. */
async function checkPresentFile(path: string, size: number, pinned: typeof DEFAULT_MODEL | undefined, options: ModelFileOptions): Promise<void> {
  if (!pinned) return;
  const stamp = `${path}.sha256`;
  const stamped = (await readFile(stamp, 'utf8').catch(() => '')).trim();
  if (size === pinned.sizeBytes && stamped === pinned.sha256) return;
  const actual = size === pinned.sizeBytes ? await sha256File(path) : undefined;
  if (actual !== pinned.sha256) {
    throw new XivdigestError({
      code: 'LLM_MODEL_MISSING',
      message: `llama-cpp: ${path} is not the expected model (${size} bytes, SHA-256 ${actual ?? 'not computed'}; expected ${pinned.sizeBytes} bytes, ${pinned.sha256})`,
      hint: `Delete the file to download it again, or pass it explicitly with --model ${path}`,
      details: { path, size, sha256: actual, expectedSha256: pinned.sha256 },
    });
  }
  await writeFile(stamp, `${actual}\n`);
  options.onProgress?.({ type: 'checksum-verified', path, sha256: actual });
}

interface DownloadJob {
  url: string;
  path: string;
  expectedSha256: string | undefined;
  expectedSize: number | undefined;
  hfToken: string | undefined;
  options: ModelFileOptions;
}

/** Downloads into `<path>.partial`, resuming with Range requests (RFC 9110 §14), then checks and renames it into place. */
async function download(job: DownloadJob): Promise<void> {
  const { url, path, options } = job;
  const partial = `${path}.partial`;
  await mkdir(dirname(path), { recursive: true });
  const retries = options.retries ?? 3;
  let expectedSha256 = job.expectedSha256;
  let lastError: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await delay(Math.min(500 * 2 ** (attempt - 1), 5_000), options.signal);
    const before = await sizeOf(partial);
    try {
      const result = await downloadOnce(job, partial);
      expectedSha256 ??= result.linkedSha256;
      lastError = undefined;
      break;
    } catch (error) {
      if (options.signal?.aborted) throw abortError(options.signal);
      lastError = error;
      // Retry a cut transfer (bytes arrived) or a server error; a host that cannot be reached at all (offline,
      // refused, no DNS) fails at once, so that "no network" is an immediate, clear error.
      const retryable = XivdigestError.isInstance(error) ? error.isRetryable : (await sizeOf(partial)) > before;
      if (!retryable) break;
    }
  }
  if (lastError !== undefined) {
    const received = await sizeOf(partial);
    throw missingError(url, lastError, received > 0 ? ` (${received} bytes kept in ${partial}; the next run resumes there)` : '');
  }

  const size = (await stat(partial)).size;
  const actual = expectedSha256 || job.expectedSize !== undefined ? await sha256File(partial) : undefined;
  if ((job.expectedSize !== undefined && size !== job.expectedSize) || (expectedSha256 && actual !== expectedSha256)) {
    await rm(partial, { force: true });
    throw new XivdigestError({
      code: 'LLM_MODEL_MISSING',
      message: `llama-cpp: the file downloaded from ${url} is corrupt (${size} bytes, SHA-256 ${actual}; expected ${job.expectedSize ?? '?'} bytes, ${expectedSha256 ?? '?'}); deleted it`,
      hint: 'Run again to download it afresh; if it fails again, the upstream file changed: pass --model with another file',
      isRetryable: true,
      details: { url, size, sha256: actual, expectedSha256 },
    });
  }
  await rename(partial, path);
  if (actual) {
    if (expectedSha256) await writeFile(`${path}.sha256`, `${actual}\n`);
    options.onProgress?.({ type: 'checksum-verified', path, sha256: actual });
  }
  options.onProgress?.({ type: 'model-downloaded', path, sizeBytes: size, verified: Boolean(expectedSha256) });
}

/** One request: appends to the partial file from where it ends. Returns the SHA-256 Hugging Face linked to the file, if any. */
async function downloadOnce(job: DownloadJob, partial: string): Promise<{ linkedSha256: string | undefined }> {
  const { options } = job;
  const resumeFrom = await sizeOf(partial);
  const stall = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stall.signal]) : stall.signal;
  const stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
  let stallTimer = setTimeout(() => stall.abort(), stallTimeoutMs);
  const { response, linkedSha256 } = await fetchFollowing(job, resumeFrom, signal).finally(() => clearTimeout(stallTimer));

  // 416: the partial file already holds every byte (a run that died between the last byte and the rename).
  if (response.status === 416 && resumeFrom > 0) {
    await response.body?.cancel();
    return { linkedSha256 };
  }
  if (response.status !== 200 && response.status !== 206) {
    const body = await response.text().catch(() => '');
    const denied = response.status === 401 || response.status === 403;
    throw new XivdigestError({
      code: 'LLM_MODEL_MISSING',
      message: `llama-cpp: ${response.url || job.url} returned ${response.status} for GET${body ? `: ${excerpt(body)}` : ''}`,
      hint: denied ? 'The repository may be gated: accept its licence on Hugging Face and pass an access token (hfToken)' : MODEL_MISSING_HINT,
      isRetryable: response.status >= 500 || response.status === 429,
      details: { url: job.url, status: response.status, body: excerpt(body) },
    });
  }
  // A server that ignores Range answers 200 with the whole file: start over rather than append a second copy.
  const append = response.status === 206 && resumeFrom > 0;
  const start = append ? resumeFrom : 0;
  const totalBytes = totalOf(response, start);
  options.onProgress?.({ type: 'download-started', url: job.url, path: partial, resumeFrom: start, totalBytes });
  const file = await open(partial, append ? 'a' : 'w');
  let received = start;
  let lastReport = 0;
  try {
    if (!response.body) throw new Error('empty response body');
    stallTimer = setTimeout(() => stall.abort(), stallTimeoutMs);
    for await (const chunk of response.body) {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => stall.abort(), stallTimeoutMs);
      await file.write(chunk);
      received += chunk.byteLength;
      const now = Date.now();
      if (now - lastReport >= 200) {
        lastReport = now;
        options.onProgress?.({ type: 'download-progressed', url: job.url, receivedBytes: received, totalBytes });
      }
    }
  } finally {
    clearTimeout(stallTimer);
    await file.close();
  }
  options.onProgress?.({ type: 'download-progressed', url: job.url, receivedBytes: received, totalBytes });
  if (totalBytes !== undefined && received < totalBytes) throw new Error(`connection closed after ${received} of ${totalBytes} bytes`);
  return { linkedSha256 };
}

/**
 * GET with redirects followed by hand, so that Hugging Face's `X-Linked-Etag` (the LFS SHA-256, sent on the redirect
 * to its CDN) can verify files that have no pinned checksum. Authorization goes to the first host only.
 */
async function fetchFollowing(job: DownloadJob, resumeFrom: number, signal: AbortSignal): Promise<{ response: Response; linkedSha256: string | undefined }> {
  let url = job.url;
  let linkedSha256: string | undefined;
  for (let hop = 0; hop < 10; hop++) {
    const headers: Record<string, string> = { 'user-agent': 'xivdigest (llama-cpp model download)' };
    if (resumeFrom > 0) headers.range = `bytes=${resumeFrom}-`;
    if (job.hfToken && hop === 0) headers.authorization = `Bearer ${job.hfToken}`;
    const response = await fetch(url, { headers, redirect: 'manual', signal });
    const linked = response.headers.get('x-linked-etag')?.replace(/^W\//, '').replace(/"/g, '').toLowerCase();
    if (linked && /^[0-9a-f]{64}$/.test(linked)) linkedSha256 = linked;
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url).toString();
      continue;
    }
    return { response, linkedSha256 };
  }
  throw new Error(`too many redirects from ${job.url}`);
}

/** The full size of the file: from `Content-Range: bytes a-b/total` on a 206, else `Content-Length` plus the start. */
function totalOf(response: Response, start: number): number | undefined {
  const range = response.headers.get('content-range')?.match(/\/(\d+)\s*$/);
  if (range?.[1]) return Number(range[1]);
  const length = response.headers.get('content-length');
  return length === null ? undefined : start + Number(length);
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => undefined))?.size ?? 0;
}

/** SHA-256 of a file, streamed (the default model is over a gigabyte). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function missingError(url: string, cause: unknown, kept: string): XivdigestError {
  if (XivdigestError.isInstance(cause)) return cause;
  const reason = describe(cause);
  return new XivdigestError({
    code: 'LLM_MODEL_MISSING',
    message: `llama-cpp: could not download the model from ${url} (${reason})${kept}`,
    hint: MODEL_MISSING_HINT,
    cause,
    isRetryable: true,
    details: { url },
  });
}

/** The innermost useful message of a fetch failure (undici wraps ECONNREFUSED and friends in `cause`). */
function describe(error: unknown): string {
  let current = error;
  let message = 'unknown error';
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    message = (current as NodeJS.ErrnoException).code ? `${(current as NodeJS.ErrnoException).code}: ${current.message}` : current.message;
    current = current.cause;
  }
  return message;
}

function abortError(signal: AbortSignal): XivdigestError {
  return new XivdigestError({ code: 'ABORTED', message: 'llama-cpp: the model download was aborted', cause: signal.reason });
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return abortableSleep(ms, signal, () => abortError(signal!));
}
