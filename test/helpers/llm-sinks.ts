/** Unreachable LLM endpoints for circuit-breaker tests: a closed port, and a server that accepts and resets every connection. */
import { createServer, type Server, type Socket } from 'node:net';

/** A port on 127.0.0.1 that nothing listens on (bound, then closed): connecting is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ResettingServer {
  /** `http://127.0.0.1:PORT/v1`. */
  url: string;
  /** Connections accepted (each one reset, without any answer). */
  readonly connections: number;
  close(): Promise<void>;
}

/** A TCP server that accepts each connection and resets it when the request arrives: every call fails without an HTTP answer. */
export async function startResettingServer(): Promise<ResettingServer> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    // Reset once the request arrives: a reset on accept can be lost while the client is still connecting.
    socket.once('data', () => socket.resetAndDestroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
