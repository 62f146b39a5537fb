/** The fake LLM server in a process of its own, for benchmarks: like a remote API, it does not share the client's event loop or CPU core. */
import type { FakeLlmPaper, FakeLlmServerOptions } from '../test/helpers/fake-llm-server.js';
import { startFakeLlmServer } from '../test/helpers/fake-llm-server.js';

/** Messages from the parent. */
export type ChildServerRequest =
  { type: 'start'; papers: FakeLlmPaper[]; options: Omit<FakeLlmServerOptions, 'papers' | 'faults' | 'model'> } | { type: 'log' } | { type: 'close' };

/** One request as the parent sees it: times in ms since the epoch (performance.timeOrigin + now), comparable across processes. */
export interface ChildServerRecord {
  paperId: string | undefined;
  receivedAt: number;
  answeredAt: number | undefined;
  status: number;
}

/** Messages to the parent. */
export type ChildServerReply =
  { type: 'started'; url: string } | { type: 'log'; requests: ChildServerRecord[]; maxInFlight: number; statusCounts: Record<number, number> };

let server: Awaited<ReturnType<typeof startFakeLlmServer>> | undefined;
const send = (reply: ChildServerReply): void => void process.send?.(reply);

async function onMessage(message: ChildServerRequest): Promise<void> {
  if (message.type === 'start') {
    server = await startFakeLlmServer({ ...message.options, papers: message.papers });
    send({ type: 'started', url: server.url });
  } else if (message.type === 'log') {
    const origin = performance.timeOrigin;
    send({
      type: 'log',
      requests: (server?.requests ?? []).map((request) => ({
        paperId: request.paperId,
        receivedAt: origin + request.receivedAt,
        answeredAt: request.answeredAt === undefined ? undefined : origin + request.answeredAt,
        status: request.status,
      })),
      maxInFlight: server?.maxInFlight ?? 0,
      statusCounts: server?.statusCounts() ?? {},
    });
  } else if (message.type === 'close') {
    await server?.close();
    process.disconnect?.();
  }
}

process.on('message', (message: ChildServerRequest) => void onMessage(message));
