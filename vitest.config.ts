import { defineConfig } from 'vitest/config';

// Files that need a process of their own: they send themselves signals, load native LLM bindings or change the
// process's environment in ways a shared worker thread cannot (signals are not delivered to worker threads).
const OWN_PROCESS = [
  'src/schedule/scheduler.test.ts',
  'src/jobs/enrich.test.ts',
  'src/llm/llama-cpp/index.test.ts',
  'src/rank/embedding/index.test.ts',
  'src/llm/env.test.ts',
  'src/llm/pricing.test.ts',
  'src/llm/openai-compatible/index.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    poolOptions: {
      // In-process unit tests share one worker thread: starting a process per file cost about a second each, a third
      // of their time (docs/decisions/0048-test-pools.md).
      threads: { isolate: false },
      // Tests that spawn the CLI or open databases share one machine of 2 cores, each file in a process of its own.
      forks: { isolate: true },
    },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts'], exclude: OWN_PROCESS, pool: 'threads', sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'process', include: ['test/**/*.test.ts', ...OWN_PROCESS], pool: 'forks', sequence: { groupOrder: 1 } },
      },
    ],
  },
});
