/** The JSON API against a real temp store: every route, validation errors, JSON errors, CORS, and the OpenAPI document. */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempStore, testDatabases, type TempStore, type TestDatabaseKind } from '../../../test/helpers/temp-store.js';
import { archiveDeps, BASE_URL, seedArchive } from '../../../test/helpers/web-archive.js';
import { createApiRoutes } from './index.js';
import { apiOperations, buildOpenApiDocument } from './openapi.js';
import type { z } from 'zod';
import {
  categoriesResponseSchema,
  daysResponseSchema,
  digestListSchema,
  digestResponseSchema,
  errorSchema,
  paperResponseSchema,
  searchResponseSchema,
} from './schemas.js';

const document = buildOpenApiDocument(BASE_URL) as {
  openapi: string;
  paths: Record<
    string,
    { get: { parameters?: Array<{ name: string; in: string; required: boolean; schema: Record<string, unknown> }>; responses: Record<string, unknown> } }
  >;
  components: { schemas: Record<string, unknown> };
};

// The OpenAPI document's schemas validate the real responses: the document describes what the API returns.
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: 'openapi.json', components: document.components });
function expectValid(schemaId: string, body: unknown): void {
  const validate = ajv.getSchema(`openapi.json#/components/schemas/${schemaId}`);
  expect(validate, schemaId).toBeTypeOf('function');
  const ok = validate!(body);
  expect(ok ? [] : validate!.errors, `${schemaId} response matches the OpenAPI document`).toEqual([]);
}

function suite(kind: TestDatabaseKind): void {
  let temp: TempStore;
  let app: Hono;
  let api: Hono;

  beforeAll(async () => {
    temp = await createTempStore(kind);
    await seedArchive(temp.store);
    api = createApiRoutes(archiveDeps(temp.store));
    app = new Hono().route('/api', api);
  });
  afterAll(async () => temp?.cleanup());

  async function get(path: string, init?: RequestInit): Promise<{ status: number; body: unknown; response: Response }> {
    const response = await app.request(path, init);
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined, response };
  }

  /** A response body read through its schema: typed, and checked against both the zod schema and the OpenAPI document. */
  async function getAs<Schema extends z.ZodType>(path: string, schema: Schema, schemaId: string, status = 200): Promise<z.infer<Schema>> {
    const response = await get(path);
    expect(response.status, path).toBe(status);
    expectValid(schemaId, response.body);
    return schema.parse(response.body);
  }
  const search = (path: string) => getAs(path, searchResponseSchema, 'SearchResponse');
  const failure = (path: string, status: number) => getAs(path, errorSchema, 'Error', status);
  const ids = (body: { results: Array<{ id: string }> }) => body.results.map((result) => result.id);

  describe('GET /api/search', () => {
    it('finds papers by a word, with translated title, TL;DR and absolute links', async () => {
      const body = await search('/api/search?q=translation');
      expect(ids(body)).toContain('2611.00001');
      expect(body.results.find((result) => result.id === '2611.00001')).toMatchObject({
        version: 2,
        translatedTitle: '科学摘要的检索增强翻译',
        tldr: '用术语检索翻译科学摘要。',
        categories: ['cs.CL', 'cs.AI'],
        announced: '2026-11-24',
        links: {
          abs: 'https://arxiv.org/abs/2611.00001',
          pdf: 'https://arxiv.org/pdf/2611.00001v2',
          page: `${BASE_URL}/papers/2611.00001`,
          api: `${BASE_URL}/api/papers/2611.00001`,
        },
      });
      expect(body.links.atom).toBe(`${BASE_URL}/feeds/search.atom?q=translation`);
      expect(body.links.page).toBe(`${BASE_URL}/search?q=translation`);
    });

    it('browses newest first with an empty q and applies the category algebra, days and lang', async () => {
      expect((await search('/api/search?q=&from=&until=')).total).toBe(5);
      const algebra = await search(`/api/search?category=${encodeURIComponent('cs.CL+cs.AI-cs.CY')}&sort=date`);
      expect(ids(algebra).sort()).toEqual(['2611.00001', '2611.00003', '2611.00004']);
      // `+` unencoded arrives as a space, which the algebra reads as `+`.
      expect((await search('/api/search?category=cs.CL+cs.AI-cs.CY&sort=date')).total).toBe(3);
      expect(ids(await search('/api/search?from=2026-11-23&until=2026-11-23'))).toEqual(['2611.00003']);
      expect((await search('/api/search?q=retrieval&lang=ja')).results[0]!.translatedTitle).toBe('科学論文要旨の検索拡張翻訳');
      expect(ids(await search('/api/search?category=hep-th'))).toEqual(['hep-th/9901001']);
    });

    it('pages, with a next link while more results remain', async () => {
      const first = await search('/api/search?pageSize=2&sort=date');
      expect(first).toMatchObject({ total: 5, page: 1, pageSize: 2 });
      expect(first.results).toHaveLength(2);
      expect(first.links.next).toBe(`${BASE_URL}/api/search?sort=date&page=2&pageSize=2`);
      const last = await search('/api/search?pageSize=2&page=3&sort=date');
      expect(last.results).toHaveLength(1);
      expect(last.links.next).toBeUndefined();
      expect((await search('/api/search?pageSize=1&lang=ja')).links.next).toBe(`${BASE_URL}/api/search?page=2&pageSize=1&lang=ja`);
    });

    it.each([
      ['/api/search?page=0', 'page'],
      ['/api/search?pageSize=500', 'pageSize'],
      ['/api/search?page=two', 'page'],
      ['/api/search?sort=best', 'sort'],
      ['/api/search?from=2026-13-01', 'from'],
      ['/api/search?until=yesterday', 'until'],
      ['/api/search?lang=Chinese!', 'lang'],
      [`/api/search?q=${'x'.repeat(501)}`, 'q'],
    ])('answers 400 QUERY_INVALID naming the parameter: %s', async (path, parameter) => {
      const { error } = await failure(path, 400);
      expect(error.code).toBe('QUERY_INVALID');
      expect(error.message).toContain(`${parameter}:`);
      expect(error.hint).toContain('/api/openapi.json');
    });

    it('answers 400 for an unknown category with a did-you-mean, and for a malformed expression', async () => {
      expect((await failure('/api/search?category=cs.Cl', 400)).error.message).toContain('did you mean cs.CL?');
      expect((await failure(`/api/search?category=${encodeURIComponent('cs.CL++')}`, 400)).error.code).toBe('QUERY_INVALID');
    });

    it("answers 400 with the position for a query the store's parser rejects", async () => {
      const { error } = await failure(`/api/search?q=${encodeURIComponent('ti:(graph')}`, 400);
      expect(error.code).toBe('QUERY_INVALID');
      expect(error.message).toContain('column 4');
    });

    it('finds Chinese words in the translations (the store segments CJK text)', async () => {
      expect(ids(await search(`/api/search?q=${encodeURIComponent('政策')}`))).toEqual(['2611.00002']);
    });
  });

  describe('GET /api/papers/:id', () => {
    const paper = (path: string) => getAs(path, paperResponseSchema, 'PaperResponse');

    it('returns the paper, its versions and its texts in every language with provenance', async () => {
      const body = await paper('/api/papers/2611.00001');
      expect(body.paper).toMatchObject({ id: '2611.00001', version: 2, doi: '10.1000/example.1', categories: ['cs.CL', 'cs.AI'] });
      expect(body.paper.authors[1]).toEqual({ name: 'Bo Sample', affiliations: ['Example University'] });
      expect(body.versions.map((version) => version.version)).toEqual([1, 2]);
      expect(body.texts.map((texts) => texts.lang)).toEqual(['ja', 'zh']);
      expect(body.texts[0]).toMatchObject({
        lang: 'ja',
        status: 'ok',
        title: '科学論文要旨の検索拡張翻訳',
        provenance: { provider: 'anthropic', model: 'claude-test', promptVersion: 'p3', createdAt: '2026-11-24T08:00:00Z' },
      });
    });

    it('accepts a versioned id and an old-style id with its slash', async () => {
      expect((await paper('/api/papers/2611.00001v1')).paper.id).toBe('2611.00001');
      const old = await paper('/api/papers/hep-th/9901001');
      expect(old.paper.links.page).toBe(`${BASE_URL}/papers/hep-th/9901001`);
      expect(old.texts).toEqual([{ lang: 'zh', status: 'pending' }]);
    });

    it('shows a failed text as failed with its provenance, never its technical reason', async () => {
      const body = await paper('/api/papers/2611.00004');
      expect(body.texts).toEqual([{ lang: 'zh', status: 'failed', version: 1, provenance: expect.objectContaining({ model: 'test-model' }) }]);
      const response = await app.request('/api/papers/2611.00004');
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(await response.text()).not.toContain('secret-host');
    });

    it('answers 404 NOT_FOUND for an unknown paper and for a non-id', async () => {
      for (const path of ['/api/papers/2611.99999', '/api/papers/not-an-id']) {
        const { error } = await failure(path, 404);
        expect(error.code).toBe('NOT_FOUND');
        expect(error.hint).toBeTruthy();
      }
    });
  });

  describe('GET /api/digests', () => {
    it('lists the stored digests with their links', async () => {
      const body = await getAs('/api/digests', digestListSchema, 'DigestList');
      expect(body.digests.map((digest) => digest.name)).toEqual(['cs.CL/2026-11-24', 'cs.CL/2026-11-23']);
      expect(body.digests[0]!.links).toEqual({
        page: `${BASE_URL}/digests/cs.CL/2026-11-24`,
        api: `${BASE_URL}/api/digests/cs.CL/2026-11-24`,
        atom: `${BASE_URL}/feeds/digests/cs.CL/2026-11-24.atom`,
        json: `${BASE_URL}/feeds/digests/cs.CL/2026-11-24.json`,
      });
    });

    it('returns a digest by its name (with a slash) and its entries, without technical reasons', async () => {
      const body = await getAs('/api/digests/cs.CL/2026-11-24', digestResponseSchema, 'Digest');
      expect(body).toMatchObject({ name: 'cs.CL/2026-11-24', subscription: 'cs.CL', day: '2026-11-24', lang: 'zh', style: 'native' });
      expect(body.entries.map((entry) => entry.id)).toEqual(['2611.00001', '2611.00002', '2611.00004']);
      expect(body.entries[0]).toMatchObject({ textStatus: 'ok', translatedTitle: '科学摘要的检索增强翻译', links: { page: `${BASE_URL}/papers/2611.00001` } });
      expect(body.entries[2]!.textStatus).toBe('failed');
      expect(JSON.stringify(body)).not.toContain('secret-host');
    });

    it('answers 404 for an unknown digest', async () => {
      expect((await failure('/api/digests/cs.CL/1999-01-01', 404)).error.message).toContain('cs.CL/1999-01-01');
    });
  });

  describe('GET /api/archive', () => {
    it('lists announcement days, filtered by a category expression', async () => {
      const all = await getAs('/api/archive/days', daysResponseSchema, 'ArchiveDays');
      expect(all.days.map((day) => day.day)).toEqual(['2026-11-24', '2026-11-23', '2026-11-20', '1999-01-04']);
      const cl = await getAs('/api/archive/days?category=cs.CL-cs.CY', daysResponseSchema, 'ArchiveDays');
      expect(cl.days).toEqual([
        {
          day: '2026-11-24',
          papers: 1,
          links: { page: `${BASE_URL}/archive/cs.CL-cs.CY/2026-11-24`, api: expect.stringContaining('/api/search?category=cs.CL-cs.CY&from=2026-11-24') },
        },
        { day: '2026-11-20', papers: 1, links: expect.any(Object) },
      ]);
      await failure('/api/archive/days?category=nope', 400);
    });

    it('lists categories with counts, latest day and feed links', async () => {
      const body = await getAs('/api/archive/categories', categoriesResponseSchema, 'ArchiveCategories');
      expect(body.categories.find((category) => category.category === 'cs.CL')).toEqual({
        category: 'cs.CL',
        papers: 3,
        latestDay: '2026-11-24',
        links: { page: `${BASE_URL}/archive/cs.CL`, atom: `${BASE_URL}/feeds/archive/cs.CL.atom`, json: `${BASE_URL}/feeds/archive/cs.CL.json` },
      });
    });
  });

  describe('errors and CORS', () => {
    it('answers JSON 404 for an unknown API path', async () => {
      expect((await failure('/api/nothing/here', 404)).error.code).toBe('NOT_FOUND');
    });

    it('answers 500 without internals when the store fails', async () => {
      const broken = await createTempStore(kind);
      const brokenApp = new Hono().route('/api', createApiRoutes(archiveDeps(broken.store)));
      await broken.cleanup();
      const errors: string[] = [];
      const original = console.error;
      console.error = (line: string) => errors.push(line);
      try {
        const response = await brokenApp.request('/api/digests');
        expect(response.status).toBe(500);
        const body = errorSchema.parse(await response.json());
        expectValid('Error', body);
        expect(body.error.code).toBe('INTERNAL');
        expect(JSON.stringify(body)).not.toMatch(/STORE_ERROR|sqlite|closed/i);
        expect(errors.join('\n')).toContain('/api/digests');
      } finally {
        console.error = original;
      }
    });

    it('keeps its JSON errors when mounted in a site with its own HTML onError and notFound', async () => {
      const site = new Hono();
      site.route('/api', api);
      site.notFound((c) => c.html('<p>no page</p>', 404));
      site.onError((_error, c) => c.html('<p>site error</p>', 500));
      for (const [path, status] of [
        ['/api/papers/2611.99999', 404],
        ['/api/search?page=0', 400],
        ['/api/nothing', 404],
      ] as const) {
        const response = await site.request(path);
        expect(response.status, path).toBe(status);
        expect(response.headers.get('content-type'), path).toContain('application/json');
      }
    });

    it('allows GET from any origin, without credentials', async () => {
      const response = await app.request('/api/digests', { headers: { Origin: 'https://reader.example' } });
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      const preflight = await app.request('/api/search', {
        method: 'OPTIONS',
        headers: { Origin: 'https://reader.example', 'Access-Control-Request-Method': 'GET' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-methods')).toContain('GET');
      expect(preflight.headers.get('access-control-allow-methods')).not.toContain('POST');
    });
  });

  describe('GET /api/openapi.json', () => {
    it('is the OpenAPI 3.1 document, served as JSON', async () => {
      const { status, body } = await get('/api/openapi.json');
      expect(status).toBe(200);
      expect(body).toEqual(JSON.parse(JSON.stringify(document)));
      expect(body).toMatchObject({ openapi: '3.1.0', servers: [{ url: BASE_URL }] });
    });

    it('lists every GET route of the API, and only those', () => {
      const routes = api.routes.filter((route) => route.method === 'GET').map((route) => `/api${route.path.replace(/:(\w+)\{[^}]*\}/g, '{$1}')}`);
      expect(Object.keys(document.paths).sort()).toEqual([...new Set(routes)].sort());
    });

    it('documents the parameters each route validates', () => {
      for (const operation of apiOperations) {
        const parameters = document.paths[operation.path]!.get.parameters ?? [];
        const query = parameters.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
        expect(query, operation.path).toEqual(Object.keys(operation.query?.shape ?? {}));
        const path = parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name);
        expect(path, operation.path).toEqual([...operation.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]));
        expect(parameters.every((parameter) => parameter.in !== 'path' || parameter.required)).toBe(true);
        for (const status of ['200', '500']) expect(document.paths[operation.path]!.get.responses[status], `${operation.path} ${status}`).toBeTruthy();
      }
      const search = document.paths['/api/search']!.get.parameters!;
      expect(search.find((parameter) => parameter.name === 'pageSize')!.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
      expect(search.find((parameter) => parameter.name === 'sort')!.schema).toMatchObject({ enum: ['relevance', 'date'] });
    });

    it('has schemas ajv compiles, and every $ref resolves', () => {
      const text = JSON.stringify(document);
      for (const match of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) expect(document.components.schemas[match[1]!], match[1]).toBeTruthy();
      for (const id of Object.keys(document.components.schemas)) expect(ajv.getSchema(`openapi.json#/components/schemas/${id}`), id).toBeTypeOf('function');
    });
  });
}

// Search is the store's (SQLite FTS5, PostgreSQL full-text search): every route runs on both databases.
for (const { kind, skipReason } of testDatabases()) {
  describe.skipIf(skipReason !== undefined)(`on ${kind}`, () => suite(kind));
}
