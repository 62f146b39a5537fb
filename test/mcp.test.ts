/**
 * The MCP endpoint through a real HTTP server on 127.0.0.1, as an agent reaches it: the official SDK's Client over
 * streamable HTTP lists the tools and calls each, against a real temp store.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestListSchema, digestResponseSchema, paperResponseSchema, searchResponseSchema } from '../src/web/api/schemas.js';
import { createMcpRoutes } from '../src/web/mcp/index.js';
import { createTempStore, type TempStore } from './helpers/temp-store.js';
import { archiveDeps, BASE_URL, seedArchive } from './helpers/web-archive.js';

let temp: TempStore;
let server: ServerType;
let endpoint: URL;
let client: Client;

beforeAll(async () => {
  temp = await createTempStore('sqlite');
  await seedArchive(temp.store);
  const app = new Hono().route('/mcp', createMcpRoutes(archiveDeps(temp.store)));
  const address = await new Promise<AddressInfo>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, resolve);
  });
  endpoint = new URL(`http://127.0.0.1:${address.port}/mcp`);
  client = new Client({ name: 'xivdigest-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(endpoint));
});

afterAll(async () => {
  await client?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await temp?.cleanup();
});

const text = (result: CallToolResult): string => result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');

async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

describe('MCP endpoint', () => {
  it('introduces itself and lists the four tools with input and output schemas', async () => {
    expect(client.getServerVersion()?.name).toBe('xivdigest');
    expect(client.getInstructions()).toContain('search_papers');
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['get_digest', 'get_paper', 'list_digests', 'search_papers']);
    for (const tool of tools) {
      expect(tool.description!.length, tool.name).toBeGreaterThan(40);
      expect(tool.outputSchema, tool.name).toBeTruthy();
      expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
    }
    const search = tools.find((tool) => tool.name === 'search_papers')!;
    expect(Object.keys(search.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(['query', 'category', 'from', 'until', 'sort', 'page', 'pageSize', 'lang']),
    );
  });

  it('search_papers finds papers, with ids, translated titles and TL;DRs in text and structuredContent', async () => {
    const result = await call('search_papers', { query: 'translation', category: 'cs.CL' });
    expect(result.isError).toBeFalsy();
    const body = searchResponseSchema.parse(result.structuredContent);
    expect(body.results.map((item) => item.id).sort()).toEqual(['2611.00001', '2611.00004']);
    expect(body.results.find((item) => item.id === '2611.00001')).toMatchObject({
      tldr: '用术语检索翻译科学摘要。',
      links: { page: `${BASE_URL}/papers/2611.00001` },
    });
    expect(text(result)).toContain('2611.00001v2: Retrieval-Augmented Translation of Scientific Abstracts / 科学摘要的检索增强翻译');
    expect(text(result)).toContain('TL;DR: 用术语检索翻译科学摘要。');
  });

  it('search_papers with an empty query lists the newest papers, a page at a time', async () => {
    const result = await call('search_papers', { pageSize: 2 });
    const body = searchResponseSchema.parse(result.structuredContent);
    expect(body).toMatchObject({ total: 5, page: 1, pageSize: 2 });
    expect(text(result)).toContain('More: page 2.');
  });

  it('get_paper returns the abstract and every language with provenance', async () => {
    const result = await call('get_paper', { id: '2611.00001v2' });
    const body = paperResponseSchema.parse(result.structuredContent);
    expect(body.paper.abstract).toContain('retrieval of terminology');
    expect(body.texts.map((texts) => `${texts.lang}:${texts.provenance?.model}`)).toEqual(['ja:claude-test', 'zh:test-model']);
    expect(text(result)).toContain('[ja] ok (anthropic/claude-test, prompt p3)');
    expect(text(result)).toContain('Title: 科学摘要的检索增强翻译');
  });

  it('get_digest reads a digest by name, by subscription and day, and the newest of a subscription', async () => {
    const byName = digestResponseSchema.parse((await call('get_digest', { name: 'cs.CL/2026-11-24' })).structuredContent);
    expect(byName.entries.map((entry) => entry.id)).toEqual(['2611.00001', '2611.00002', '2611.00004']);
    const byDay = digestResponseSchema.parse((await call('get_digest', { subscription: 'cs.CL', day: '2026-11-23' })).structuredContent);
    expect(byDay.entries.map((entry) => entry.id)).toEqual(['2611.00003']);
    const newest = await call('get_digest', { subscription: 'cs.CL' });
    expect(digestResponseSchema.parse(newest.structuredContent).name).toBe('cs.CL/2026-11-24');
    expect(text(newest)).toContain('1. 2611.00001: 科学摘要的检索增强翻译 / Retrieval-Augmented Translation of Scientific Abstracts');
    expect(JSON.stringify(newest)).not.toContain('secret-host');
  });

  it('list_digests lists the digests, filtered by subscription', async () => {
    const result = await call('list_digests', { subscription: 'cs.CL', limit: 1 });
    const body = digestListSchema.parse(result.structuredContent);
    expect(body.digests.map((digest) => digest.name)).toEqual(['cs.CL/2026-11-24']);
    expect(text(result)).toContain('cs.CL/2026-11-24: 3 papers');
  });

  it('answers tool errors with the hint: unknown paper, unknown category, missing arguments, invalid input', async () => {
    const unknown = await call('get_paper', { id: '2611.99999' });
    expect(unknown.isError).toBe(true);
    expect(unknown.structuredContent).toBeUndefined();
    expect(text(unknown)).toMatch(/^NOT_FOUND: no paper 2611\.99999 in this archive\nHint: /);
    const category = await call('search_papers', { query: 'x', category: 'cs.Cl' });
    expect(category.isError).toBe(true);
    expect(text(category)).toContain('did you mean cs.CL?');
    const missing = await call('get_digest', {});
    expect(text(missing)).toContain('Hint: Call list_digests');
    const invalid = await call('search_papers', { pageSize: 500 });
    expect(invalid.isError).toBe(true);
    expect(text(invalid)).toContain('pageSize');
  });

  it('refuses a request from another origin (DNS rebinding), and accepts its own', async () => {
    const initialize = (origin: string) =>
      fetch(endpoint, {
        method: 'POST',
        headers: { Origin: origin, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'browser', version: '1' } },
        }),
      });
    expect((await initialize('http://evil.example')).status).toBe(403);
    const own = await initialize(BASE_URL);
    expect(own.status).toBe(200);
    expect(((await own.json()) as { result: { serverInfo: { name: string } } }).result.serverInfo.name).toBe('xivdigest');
  });

  it('refuses GET and DELETE (no sessions in stateless mode)', async () => {
    const response = await fetch(endpoint, { headers: { Accept: 'text/event-stream' } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect((await fetch(endpoint, { method: 'DELETE' })).status).toBe(405);
  });
});
