/** The pure parts of the structured call: rate-limit headers, durations, JSON inside prose, masking and the fallback test. */
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../../core/errors.js';
import { maskUrl } from '../../core/redact.js';
import {
  jsonModeInstruction,
  jsonObjectInside,
  parseDuration,
  rateLimitFromHeaders,
  redact,
  retryAfterMsFromHeaders,
  saysSchemaOutputUnsupported,
} from './structured-call.js';

const now = Date.parse('2026-01-01T00:00:00Z');

describe('retryAfterMsFromHeaders', () => {
  it('prefers retry-after-ms, then Retry-After in seconds or as an HTTP date', () => {
    expect(retryAfterMsFromHeaders({ 'retry-after-ms': '1500', 'retry-after': '9' }, now)).toBe(1500);
    expect(retryAfterMsFromHeaders({ 'retry-after': '9' }, now)).toBe(9000);
    expect(retryAfterMsFromHeaders({ 'retry-after': '0.5' }, now)).toBe(500);
    expect(retryAfterMsFromHeaders({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, now)).toBe(30_000);
  });

  it('falls back to the reset of the exhausted x-ratelimit window (OpenAI durations) or Anthropic’s RFC 3339 reset', () => {
    expect(
      retryAfterMsFromHeaders({ 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '6m0s', 'x-ratelimit-reset-tokens': '1s' }, now),
    ).toBe(360_000);
    expect(retryAfterMsFromHeaders({ 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-requests': '6m0s', 'x-ratelimit-reset-tokens': '1s' }, now)).toBe(
      1000,
    );
    expect(retryAfterMsFromHeaders({ 'x-ratelimit-reset-requests': '20ms', 'x-ratelimit-reset-tokens': '1.5s' }, now)).toBe(1500);
    expect(retryAfterMsFromHeaders({ 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': '2026-01-01T00:00:12Z' }, now)).toBe(
      12_000,
    );
    expect(retryAfterMsFromHeaders({}, now)).toBeUndefined();
  });
});

describe('parseDuration', () => {
  it('reads OpenAI durations, bare seconds and timestamps', () => {
    expect(parseDuration('1s')).toBe(1000);
    expect(parseDuration('6m0s')).toBe(360_000);
    expect(parseDuration('1h2m3.5s')).toBe(3_723_500);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('59.881s')).toBe(59_881);
    expect(parseDuration('60')).toBe(60_000);
    expect(parseDuration('2026-01-01T00:01:00Z', now)).toBe(60_000);
    expect(parseDuration('soon')).toBeUndefined();
  });
});

describe('rateLimitFromHeaders', () => {
  it('reads OpenAI-style and Anthropic-style headroom, or nothing', () => {
    expect(
      rateLimitFromHeaders({ 'x-ratelimit-remaining-requests': '499', 'x-ratelimit-remaining-tokens': '149000', 'x-ratelimit-reset-requests': '120ms' }, now),
    ).toEqual({
      remainingRequests: 499,
      remainingTokens: 149_000,
      resetMs: 120,
    });
    expect(
      rateLimitFromHeaders(
        {
          'anthropic-ratelimit-requests-remaining': '49',
          'anthropic-ratelimit-tokens-remaining': '39000',
          'anthropic-ratelimit-requests-reset': '2026-01-01T00:00:01Z',
        },
        now,
      ),
    ).toEqual({
      remainingRequests: 49,
      remainingTokens: 39_000,
      resetMs: 1000,
    });
    expect(rateLimitFromHeaders({ 'content-type': 'application/json' }, now)).toBeUndefined();
  });
});

describe('jsonObjectInside', () => {
  it('takes the object out of a Markdown fence or surrounding prose', () => {
    expect(jsonObjectInside('```json\n{"title":"标题"}\n```')).toEqual({ title: '标题' });
    expect(jsonObjectInside('Here is the JSON: {"a": 1} Hope it helps.')).toEqual({ a: 1 });
  });

  it('gives nothing for malformed or truncated JSON, arrays and plain text', () => {
    expect(jsonObjectInside('{"a": "x" "b": 1}')).toBeUndefined();
    expect(jsonObjectInside('{"a": "x", "b":')).toBeUndefined();
    expect(jsonObjectInside('[1, 2]')).toBeUndefined();
    expect(jsonObjectInside("I'm sorry, I can't help with that.")).toBeUndefined();
  });
});

describe('secrets', () => {
  it('redacts every occurrence of each secret of 4 characters or more', () => {
    expect(redact('key sk-abc, again sk-abc', ['sk-abc'])).toBe('key ***, again ***');
    expect(redact('abc', ['ab'])).toBe('abc');
  });

  it('masks key-like query parameters and user info in URLs', () => {
    expect(maskUrl('https://x.example.com/v1/chat/completions?api-version=2024-10-21&key=secret')).toBe(
      'https://x.example.com/v1/chat/completions?api-version=2024-10-21&key=***',
    );
    expect(maskUrl('https://user:pass@x.example.com/v1')).toBe('https://***:***@x.example.com/v1');
    expect(maskUrl('http://127.0.0.1:8080/v1/chat/completions')).toBe('http://127.0.0.1:8080/v1/chat/completions');
  });
});

describe('saysSchemaOutputUnsupported', () => {
  const error = (status: number, body: string): XivdigestError => new XivdigestError({ code: 'LLM_UNAVAILABLE', message: 'x', details: { status, body } });

  it('recognizes what OpenAI, Azure, DeepSeek, vLLM-style and Anthropic servers say', () => {
    const said = [
      `{"error":{"message":"Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.","param":"response_format"}}`,
      '{"error":{"message":"response_format value as json_schema is enabled only for api versions 2024-08-01-preview and later"}}',
      '{"error":{"message":"This response_format type is unavailable now","type":"invalid_request_error"}}',
      "{\"object\":\"error\",\"message\":\"[{'type': 'extra_forbidden', 'loc': ('body', 'response_format'), 'msg': 'Extra inputs are not permitted'}]\"}",
      '{"type":"error","error":{"type":"invalid_request_error","message":"output_config: Extra inputs are not permitted"}}',
    ];
    for (const body of said) expect(saysSchemaOutputUnsupported(error(400, body))).toBe(true);
  });

  it('ignores other 400s and other statuses', () => {
    expect(saysSchemaOutputUnsupported(error(400, '{"error":{"message":"max_tokens is too large"}}'))).toBe(false);
    expect(saysSchemaOutputUnsupported(error(500, 'response_format not supported'))).toBe(false);
  });
});

describe('jsonModeInstruction', () => {
  it('names the schema and asks for bare JSON', () => {
    const text = jsonModeInstruction({ schema: { type: 'object' }, schemaName: 'paper_texts' });
    expect(text).toContain('one JSON object and nothing else');
    expect(text).toContain('(paper_texts):\n{"type":"object"}');
  });
});
