/**
 * The MCP endpoint (mounted at /mcp): tools that let agents search the archive, read a paper's texts and read digests,
 * over the official SDK's streamable HTTP transport in stateless mode (one server per request; docs/decisions/0030).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Hono } from 'hono';
import { z } from 'zod';
import { XivdigestError } from '../../core/errors.js';
import { redact } from '../../core/redact.js';
import { VERSION } from '../../core/version.js';
import { listDigests, readDigest, readPaper, searchArchive } from '../api/archive.js';
import { errorResponse } from '../api/errors.js';
import {
  digestListSchema,
  digestResponseSchema,
  paperResponseSchema,
  searchQuerySchema,
  searchResponseSchema,
  type DigestListBody,
  type DigestResponseBody,
  type PaperResponseBody,
  type SearchResponseBody,
} from '../api/schemas.js';
import type { WebDeps } from '../deps.js';
import { digestPrivacyOf } from '../private-digests.js';

const INSTRUCTIONS =
  'xivdigest is an archive of arXiv papers with translated titles, one-sentence TL;DRs and translated abstracts. ' +
  "Use search_papers to find papers (empty query: the newest), get_paper for one paper's abstract and texts in every language, " +
  'list_digests and get_digest for the daily digests of subscriptions.';

// The tools' inputs reuse the API's field schemas, so that a tool and its route accept the same values.
const search = searchQuerySchema.shape;
const searchInput = {
  query: search.q.describe(
    'What to look for: words, "phrases", ti:/abs:/au:/cat: fields, AND/OR/NOT. Words match titles, authors, abstracts and translations in any language. Empty lists the newest papers.',
  ),
  category: search.category,
  from: search.from,
  until: search.until,
  sort: search.sort.describe('relevance (the default when query is given) or date (newest announced first).'),
  page: search.page,
  pageSize: z.number().int().min(1).max(50).default(10).describe('Results per page, at most 50.'),
  lang: search.lang,
};

const paperInput = {
  id: z.string().min(1).max(100).describe('An arXiv id, e.g. 2403.10568, 2403.10568v2 or hep-th/9901001.'),
  lang: search.lang.describe('Also report this language (as pending) when the paper has no texts in it.'),
};

const digestInput = {
  name: z.string().min(1).max(300).optional().describe('A digest name from list_digests, e.g. cs.CL/2026-11-24.'),
  subscription: z.string().min(1).max(200).optional().describe('A subscription, e.g. cs.CL; with day, or alone for its newest digest.'),
  day: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
    .optional()
    .describe("The announcement day of the subscription's digest, YYYY-MM-DD."),
};

const listInput = {
  subscription: z.string().min(1).max(200).optional().describe("Only this subscription's digests, e.g. cs.CL."),
  limit: z.number().int().min(1).max(500).default(50).describe('At most this many, newest first.'),
};

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

/** A tool's answer: text the agent reads plus the same data as structuredContent (matching the tool's output schema). */
function answer(text: string, data: object): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: data as Record<string, unknown> };
}

/** Runs a tool; an error becomes a tool error (`isError`) with its message and hint, server faults without internals. */
async function tool(work: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await work();
  } catch (error) {
    const { status, body } = errorResponse(error);
    if (status === 500) console.error(`xivdigest mcp: a tool failed: ${redact(error instanceof Error ? (error.stack ?? error.message) : String(error))}`);
    const { code, message, hint } = body.error;
    return { isError: true, content: [{ type: 'text', text: `${code}: ${message}${hint ? `\nHint: ${hint}` : ''}` }] };
  }
}

/** A new MCP server with the archive's tools; the stateless transport needs one per request. */
export function createMcpServer(deps: WebDeps): McpServer {
  const server = new McpServer({ name: 'xivdigest', version: VERSION }, { instructions: INSTRUCTIONS });

  server.registerTool(
    'search_papers',
    {
      title: 'Search papers',
      description:
        'Search the arXiv archive. Returns matching papers (newest or best first) with ids, versions, titles, translated titles, one-sentence TL;DRs, categories and announcement days. Use get_paper with an id for the full abstract and texts.',
      inputSchema: searchInput,
      outputSchema: searchResponseSchema,
      annotations: { title: 'Search papers', ...READ_ONLY },
    },
    (input) =>
      tool(async () => {
        const { query, ...rest } = input;
        const body = await searchArchive(deps, { ...rest, q: query });
        return answer(searchText(body), body);
      }),
  );

  server.registerTool(
    'get_paper',
    {
      title: 'Get a paper',
      description:
        "One paper by arXiv id: its metadata (authors, categories, dates, DOI, links), English abstract, versions, and its generated texts in every language (translated title, TL;DR, translated abstract) with each text's provider, model and prompt version.",
      inputSchema: paperInput,
      outputSchema: paperResponseSchema,
      annotations: { title: 'Get a paper', ...READ_ONLY },
    },
    (input) =>
      tool(async () => {
        const body = await readPaper(deps, input.id, input.lang);
        return answer(paperText(body), body);
      }),
  );

  server.registerTool(
    'get_digest',
    {
      title: 'Get a digest',
      description:
        'A stored digest with its entries (id, title, translated title, TL;DR, links), by name (from list_digests) or by subscription and day; a subscription alone gives its newest digest.',
      inputSchema: digestInput,
      outputSchema: digestResponseSchema,
      annotations: { title: 'Get a digest', ...READ_ONLY },
    },
    (input) =>
      tool(async () => {
        const body = await readDigest(deps, await digestName(deps, input));
        return answer(digestText(body), body);
      }),
  );

  server.registerTool(
    'list_digests',
    {
      title: 'List digests',
      description: 'The stored digests, newest first: name, number of entries and when each was made. Daily digests are named subscription/day.',
      inputSchema: listInput,
      outputSchema: digestListSchema,
      annotations: { title: 'List digests', ...READ_ONLY },
    },
    (input) =>
      tool(async () => {
        const all = await listDigests(deps);
        const digests = all.digests.filter(
          (digest) => !input.subscription || digest.name === input.subscription || digest.name.startsWith(`${input.subscription}/`),
        );
        const body: DigestListBody = { digests: digests.slice(0, input.limit) };
        const lines = body.digests.map((digest) => `- ${digest.name}: ${digest.entries} papers (${digest.createdAt.slice(0, 10)}, ${digest.style})`);
        return answer(lines.length > 0 ? `${lines.length} digest(s), newest first:\n${lines.join('\n')}` : 'No digests are stored.', body);
      }),
  );

  return server;
}

/** The digest a get_digest call names. */
async function digestName(deps: WebDeps, input: { name?: string; subscription?: string; day?: string }): Promise<string> {
  if (input.name) return input.name;
  if (!input.subscription) {
    throw new XivdigestError({ code: 'USAGE', message: 'get_digest needs a name, or a subscription (and a day)', hint: 'Call list_digests for the names.' });
  }
  if (input.day) return `${input.subscription}/${input.day}`;
  const newest = (await digestPrivacyOf(deps.store).publicOnly(await deps.store.listDigests())).find(
    (digest) => digest.name.startsWith(`${input.subscription}/`) || digest.name === input.subscription,
  );
  if (!newest) {
    throw new XivdigestError({
      code: 'NOT_FOUND',
      message: `no digest of subscription ${JSON.stringify(input.subscription)}`,
      hint: 'Call list_digests for the names.',
    });
  }
  return newest.name;
}

function searchText(body: SearchResponseBody): string {
  if (body.total === 0) return 'No papers match.';
  const first = (body.page - 1) * body.pageSize + 1;
  const lines = body.results.map((result, index) => {
    const id = result.version === null ? result.id : `${result.id}v${result.version}`;
    const translated = result.translatedTitle ? ` / ${result.translatedTitle}` : '';
    const facts = [result.announced, result.categories.join(', ')].filter(Boolean).join('; ');
    return `${first + index}. ${id}: ${result.title}${translated} (${facts})${result.tldr ? `\n   TL;DR: ${result.tldr}` : ''}`;
  });
  const more = body.totalIsLowerBound || body.page * body.pageSize < body.total ? `\nMore: page ${body.page + 1}.` : '';
  const count = body.totalIsLowerBound ? `More than ${body.total} papers match` : `${body.total} paper(s) match`;
  return `${count}; ${first}–${first + body.results.length - 1}:\n${lines.join('\n')}${more}`;
}

function paperText(body: PaperResponseBody): string {
  const { paper } = body;
  const lines = [
    `${paper.id}${paper.version === null ? '' : `v${paper.version}`}: ${paper.title}`,
    `Authors: ${paper.authors.map((author) => author.name).join(', ')}`,
    `Categories: ${paper.categories.join(', ')}${paper.announced ? `; announced ${paper.announced}` : ''}`,
    `Links: ${paper.links.abs} ${paper.links.pdf}`,
    '',
    `Abstract: ${paper.abstract}`,
  ];
  for (const texts of body.texts) {
    lines.push(
      '',
      `[${texts.lang}] ${texts.status}${texts.provenance ? ` (${texts.provenance.provider}/${texts.provenance.model}, prompt ${texts.provenance.promptVersion})` : ''}`,
    );
    if (texts.status === 'ok') lines.push(`Title: ${texts.title}`, `TL;DR: ${texts.tldr}`, `Abstract: ${texts.abstract}`);
  }
  return lines.join('\n');
}

function digestText(body: DigestResponseBody): string {
  const lines = body.entries.map((entry, index) => {
    const title = entry.translatedTitle ? `${entry.translatedTitle} / ${entry.title}` : entry.title;
    return `${index + 1}. ${entry.id}: ${title}${entry.tldr ? `\n   TL;DR: ${entry.tldr}` : ''}`;
  });
  return `${body.title ?? body.name} (${body.entries.length} papers, ${body.lang}):\n${lines.join('\n')}`;
}

/** The MCP endpoint: POST carries JSON-RPC; there is no session, so GET (a server-sent stream) and DELETE are refused. */
export function createMcpRoutes(deps: WebDeps): Hono {
  const app = new Hono();
  const siteOrigin = new URL(deps.baseUrl).origin;
  app.post('/', async (c) => {
    // MCP's transport spec: validate Origin against DNS rebinding. Agents send none; a browser page may call only from this site.
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== siteOrigin && origin !== new URL(c.req.url).origin) {
      return c.json({ jsonrpc: '2.0', error: { code: -32000, message: `Forbidden: requests from origin ${origin} are not accepted` }, id: null }, 403);
    }
    const server = createMcpServer(deps);
    // JSON responses, not an SSE stream: every tool answers at once, and the response is whole when it is returned.
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw);
    } finally {
      await server.close();
    }
  });
  app.on(['GET', 'DELETE'], '/', (c) =>
    c.json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless; POST JSON-RPC requests.' }, id: null }, 405, {
      Allow: 'POST',
    }),
  );
  return app;
}
