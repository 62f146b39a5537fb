/** The OpenAPI 3.1 document of the JSON API, generated from the zod schemas that validate its requests (schemas.ts). */
import { z } from 'zod';
import { daysQuerySchema, digestNameParameter, paperIdParameter, paperQuerySchema, responseSchemas, searchQuerySchema } from './schemas.js';

/** One operation of the API: its path in OpenAPI form, its parameters' schemas and its response schema's id. */
export interface ApiOperation {
  /** `/api/papers/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  query?: z.ZodObject;
  pathParameters?: Record<string, z.ZodType>;
  /** Id of the 200 response's schema in `components.schemas`. */
  response: string;
  /** The 4xx statuses the operation answers with an Error body. */
  errors: number[];
}

/** Every operation of the API, in the order the document lists them. The routes (index.ts) use the same query schemas. */
export const apiOperations: ApiOperation[] = [
  {
    path: '/api/search',
    operationId: 'searchPapers',
    summary: 'Search the archive',
    description:
      'Full-text search over titles, authors, abstracts and every stored translation; with an empty q, the newest papers that pass the filters. Each result has its translated title and TL;DR in `lang`.',
    query: searchQuerySchema,
    response: 'SearchResponse',
    errors: [400],
  },
  {
    path: '/api/papers/{id}',
    operationId: 'getPaper',
    summary: 'A paper, its versions and its texts in every language',
    query: paperQuerySchema,
    pathParameters: { id: paperIdParameter },
    response: 'PaperResponse',
    errors: [400, 404],
  },
  { path: '/api/digests', operationId: 'listDigests', summary: 'Every stored digest, newest first', response: 'DigestList', errors: [] },
  {
    path: '/api/digests/{name}',
    operationId: 'getDigest',
    summary: 'A stored digest with its entries',
    description: 'Names of daily digests are subscription/day (cs.CL/2026-11-24); the slash is sent as is.',
    pathParameters: { name: digestNameParameter },
    response: 'Digest',
    errors: [404],
  },
  {
    path: '/api/archive/days',
    operationId: 'listAnnouncementDays',
    summary: 'Announcement days with stored papers, newest first',
    query: daysQuerySchema,
    response: 'ArchiveDays',
    errors: [400],
  },
  { path: '/api/archive/categories', operationId: 'listCategories', summary: 'Every category with stored papers', response: 'ArchiveCategories', errors: [] },
];

type JsonSchema = Record<string, unknown>;

/** Removes the keys a schema needs standalone but not inside an OpenAPI document. */
function embedded(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/** The query parameters of a zod object, as OpenAPI parameter objects (the input side: what a client sends). */
function queryParameters(query: z.ZodObject): JsonSchema[] {
  const json = z.toJSONSchema(query, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...schema } = property;
    return {
      name,
      in: 'query',
      required: (json.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema,
    };
  });
}

function pathParameter(name: string, schema: z.ZodType): JsonSchema {
  const { description, ...rest } = embedded(z.toJSONSchema(schema, { io: 'input' }) as JsonSchema);
  return { name, in: 'path', required: true, ...(typeof description === 'string' ? { description } : {}), schema: rest };
}

const ref = (id: string): JsonSchema => ({ $ref: `#/components/schemas/${id}` });

const STATUS_TEXT: Record<number, string> = { 400: 'The parameters are invalid (the message names them).', 404: 'Not found.' };

/** The document; `baseUrl` becomes its server. */
export function buildOpenApiDocument(baseUrl: string): JsonSchema {
  const components = z.toJSONSchema(responseSchemas, { uri: (id) => `#/components/schemas/${id}`, io: 'output' }) as { schemas: Record<string, JsonSchema> };
  const paths: Record<string, JsonSchema> = {};
  for (const operation of apiOperations) {
    const parameters = [
      ...Object.entries(operation.pathParameters ?? {}).map(([name, schema]) => pathParameter(name, schema)),
      ...(operation.query ? queryParameters(operation.query) : []),
    ];
    const responses: Record<string, JsonSchema> = {
      200: { description: operation.summary, content: { 'application/json': { schema: ref(operation.response) } } },
    };
    for (const status of operation.errors)
      responses[status] = { description: STATUS_TEXT[status] ?? 'Error.', content: { 'application/json': { schema: ref('Error') } } };
    responses['500'] = { description: 'The server failed (no internals are shown).', content: { 'application/json': { schema: ref('Error') } } };
    paths[operation.path] = {
      get: {
        operationId: operation.operationId,
        summary: operation.summary,
        ...(operation.description ? { description: operation.description } : {}),
        ...(parameters.length > 0 ? { parameters } : {}),
        responses,
      },
    };
  }
  paths['/api/openapi.json'] = {
    get: {
      operationId: 'getOpenApiDocument',
      summary: 'This document',
      responses: { 200: { description: 'The OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  };
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: {
      title: 'xivdigest API',
      version: '1',
      description:
        'A read-only JSON API over the archive of arXiv papers and their translated titles, TL;DRs and abstracts. Every response allows cross-origin GET. Feeds: /feeds/search.atom?q=…, /feeds/archive/<categories>.atom, /feeds/digests/<name>.atom (and .json). Agents: the MCP endpoint at /mcp.',
    },
    servers: [{ url: baseUrl.replace(/\/+$/, '') || '/' }],
    paths,
    components: { schemas: Object.fromEntries(Object.entries(components.schemas).map(([id, schema]) => [id, embedded(schema)])) },
  };
}
