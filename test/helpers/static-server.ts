/** A static file server like GitHub Pages: a folder served under a path prefix, `index.html` for folders, `404.html` else. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.atom': 'application/atom+xml',
  '.xml': 'application/xml',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.svg': 'image/svg+xml',
};

export interface StaticServer {
  /** The site's URL, ending in the prefix, e.g. `http://127.0.0.1:1234/repo/`. */
  url: string;
  /** Every path requested, in order, with its status. */
  requests: Array<{ path: string; status: number }>;
  close(): Promise<void>;
}

export async function startStaticServer(dir: string, prefix = '/'): Promise<StaticServer> {
  const requests: StaticServer['requests'] = [];
  const server: Server = createServer((request, response) => void answer(request, response));
  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const send = (status: number, body: Buffer | string, type = 'text/plain') => {
      requests.push({ path, status });
      response.writeHead(status, { 'content-type': type }).end(body);
    };
    if (!path.startsWith(prefix)) return send(404, 'outside the site');
    let file = normalize(join(dir, path.slice(prefix.length)));
    if (!file.startsWith(normalize(dir))) return send(403, 'no');
    try {
      if ((await stat(file)).isDirectory()) {
        if (!path.endsWith('/')) {
          requests.push({ path, status: 301 });
          response.writeHead(301, { location: `${path}/` }).end();
          return;
        }
        file = join(file, 'index.html');
      }
      send(200, await readFile(file), TYPES[extname(file)] ?? 'application/octet-stream');
    } catch {
      const notFound = await readFile(join(dir, '404.html')).catch(() => undefined);
      send(404, notFound ?? 'not found', notFound ? TYPES['.html'] : 'text/plain');
    }
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
