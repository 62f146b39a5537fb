/**
 * `npm run bench:web`: page throughput of the web site with autocannon, beside the same bytes served as a static file
 * by a plain node:http server on the same machine, in the same process (so both share the CPU alike). Pages: a
 * 700-paper digest (cached: the goal is ≥ 50 % of static), the same gzipped, the same with If-None-Match (304), a search page (briefly
 * cached, the same URL again and again) and the same search uncached (briefMs 0: every request searches and renders).
 * Prints req/s, p50 and p99 latency and the ratio to static, and the cold render time of the digest page.
 * `--short` (or BENCH_SHORT=1): 100 papers, 1 s per case and no warm-up, for the smoke test. `DURATION=20 CONNECTIONS=20` to tune.
 */
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { loadavg, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { createStore } from '../src/store/index.js';
import { createWebApp } from '../src/web/app.js';
import { urls } from '../src/web/urls.js';
import { CHINESE_WORD, fillWebSite } from '../test/helpers/web-site.js';

interface CannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  '2xx': number;
}
type Cannon = (options: { url: string; connections: number; duration: number; headers?: Record<string, string> }) => Promise<CannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;

const short = process.argv.includes('--short') || process.env.BENCH_SHORT === '1';
const papers = short ? 100 : 700;
const duration = Number(process.env.DURATION ?? (short ? 1 : 10));
const connections = Number(process.env.CONNECTIONS ?? 10);

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'xivdigest-bench-web-'));
  const store = await createStore({ url: join(dir, 'bench.db') });
  try {
    const site = await fillWebSite(store, { papers, digestPapers: papers });
    const deps = { store, search: store, subscriptions: [{ name: 'nlp', categories: ['cs.CL'], lang: 'zh' }], baseUrl: 'http://127.0.0.1', lang: 'zh' };
    const cached = createWebApp(deps);
    const uncached = createWebApp(deps, { briefMs: 0 });
    const headers = { 'accept-language': 'zh-CN' };
    const digestPath = urls.digest(site.digest.name);
    const searchPath = urls.search({ q: CHINESE_WORD });

    // Cold render: a fresh app, first request of the digest page.
    const started = performance.now();
    const first = await createWebApp(deps).request(digestPath, { headers });
    const coldMs = performance.now() - started;
    const digestBytes = Buffer.from(await first.arrayBuffer());
    const etag = first.headers.get('etag')!;
    const searchBytes = Buffer.from(await (await cached.request(searchPath, { headers })).arrayBuffer());
    const gzipBytes = Buffer.from(await (await cached.request(digestPath, { headers: { ...headers, 'accept-encoding': 'gzip' } })).arrayBuffer());

    // The static twin: the same bytes written to a file, read once, served by node:http.
    const files = { digest: join(dir, 'digest.html'), search: join(dir, 'search.html') };
    await writeFile(files.digest, digestBytes);
    await writeFile(files.search, searchBytes);
    await writeFile(join(dir, 'digest.html.gz'), gzipBytes);
    const staticBodies = {
      '/digest.html': await readFile(files.digest),
      '/search.html': await readFile(files.search),
      '/digest.html.gz': await readFile(join(dir, 'digest.html.gz')),
    };
    const stat = await listen((request, response) => {
      const body = staticBodies[request.url as keyof typeof staticBodies];
      if (!body) {
        response.writeHead(404).end();
        return;
      }
      const gz = request.url!.endsWith('.gz') ? { 'content-encoding': 'gzip' } : {};
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, ...gz }).end(body);
    });
    const servers = [serve({ fetch: cached.fetch, hostname: '127.0.0.1', port: 0 }), serve({ fetch: uncached.fetch, hostname: '127.0.0.1', port: 0 })];
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())))));
    const [cachedUrl, uncachedUrl] = servers.map((server) => `http://127.0.0.1:${(server.address() as { port: number }).port}`) as [string, string];

    const cases: Array<{ label: string; url: string; headers?: Record<string, string>; bytes: number; twin: string }> = [
      { label: `digest page, ${papers} papers (cached)`, url: `${cachedUrl}${digestPath}`, bytes: digestBytes.length, twin: `${stat.url}/digest.html` },
      {
        label: `digest page, ${papers} papers, gzip (cached)`,
        url: `${cachedUrl}${digestPath}`,
        headers: { 'accept-encoding': 'gzip' },
        bytes: gzipBytes.length,
        twin: `${stat.url}/digest.html.gz`,
      },
      {
        label: `digest page, If-None-Match → 304 (vs the full static page)`,
        url: `${cachedUrl}${digestPath}`,
        headers: { 'if-none-match': etag },
        bytes: 0,
        twin: `${stat.url}/digest.html`,
      },
      { label: `search page "${CHINESE_WORD}" (briefly cached)`, url: `${cachedUrl}${searchPath}`, bytes: searchBytes.length, twin: `${stat.url}/search.html` },
      { label: `search page "${CHINESE_WORD}" (uncached)`, url: `${uncachedUrl}${searchPath}`, bytes: searchBytes.length, twin: `${stat.url}/search.html` },
    ];
    const rows: string[] = [];
    const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
    // Warm-up: JIT, the page cache and the connections, so the measured seconds compare steady states. Not in short
    // mode, whose figures are only printed (the smoke test).
    for (const item of short ? [] : cases) {
      await autocannon({ url: item.url, connections, duration: 1, headers: { ...headers, ...(item.headers ?? {}) } });
      await autocannon({ url: item.twin, connections, duration: 1 });
    }
    for (const item of cases) {
      const app = await autocannon({ url: item.url, connections, duration, headers: { ...headers, ...(item.headers ?? {}) } });
      const twin = await autocannon({ url: item.twin, connections, duration });
      const failed = app.errors + (item.headers?.['if-none-match'] ? 0 : app.non2xx);
      rows.push(
        `| ${item.label} | ${fmt(item.bytes)} | ${fmt(app.requests.average)} | ${app.latency.p50} | ${app.latency.p99} | ${fmt(twin.requests.average)} | ${twin.latency.p99} | ${((100 * app.requests.average) / twin.requests.average).toFixed(0)} %${failed ? ` (${failed} failed)` : ''} |`,
      );
    }
    for (const server of servers) server.close();
    stat.server.close();
    console.log(
      `bench:web — ${short ? 'short mode, ' : ''}${papers} papers, ${connections} connections, ${duration} s per case; ${cpus().length} CPUs, load average ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
    );
    console.log(`cold render of the digest page (first request, fresh app): ${coldMs.toFixed(0)} ms, ${fmt(digestBytes.length)} bytes\n`);
    console.log('| page | bytes | req/s | p50 ms | p99 ms | static req/s | static p99 ms | app / static |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const row of rows) console.log(row);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
