/** The fake LLM server in a process of its own (fake-llm-server-child.ts), started and asked over IPC by a benchmark. */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FakeLlmPaper } from '../test/helpers/fake-llm-server.js';
import type { ChildServerRecord, ChildServerReply, ChildServerRequest } from './fake-llm-server-child.js';

/** The fake server, as a remote API would be: its log, with times since the epoch, read when asked. */
export interface BenchServer {
  url: string;
  log(): Promise<{ requests: ChildServerRecord[]; maxInFlight: number; statusCounts: Record<number, number> }>;
  close(): Promise<void>;
}

/** The options the child's server takes (those that travel over IPC). */
export type BenchServerOptions = Extract<ChildServerRequest, { type: 'start' }>['options'];

/** Starts the server in a child process (like a remote API, it does not share the client's event loop or CPU core). */
export async function startServerProcess(papers: FakeLlmPaper[], options: BenchServerOptions): Promise<BenchServer> {
  const child = fork(join(dirname(fileURLToPath(import.meta.url)), 'fake-llm-server-child.ts'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = async <T extends ChildServerReply['type']>(request: ChildServerRequest, reply: T): Promise<Extract<ChildServerReply, { type: T }>> => {
    const answer = new Promise<Extract<ChildServerReply, { type: T }>>((resolve) => {
      const listen = (message: ChildServerReply): void => {
        if (message.type !== reply) return;
        child.off('message', listen);
        resolve(message as Extract<ChildServerReply, { type: T }>);
      };
      child.on('message', listen);
    });
    child.send(request);
    return answer;
  };
  const started = await ask({ type: 'start', papers, options }, 'started');
  return {
    url: started.url,
    log: () => ask({ type: 'log' }, 'log'),
    async close() {
      const exited = once(child, 'exit');
      child.send({ type: 'close' });
      await exited;
    },
  };
}
