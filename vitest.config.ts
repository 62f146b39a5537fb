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
  'test/local-gguf.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    poolOptions: {
      // In-process unit tests share one worker thread: starting a process per file cost about a second each, a third
      // of their time (docs/decisions/0048-test-pools.md).
      threads: { isolate: false },
    },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts'], exclude: OWN_PROCESS, pool: 'threads', sequence: { groupOrder: 0 } },
      },
      {
        // Tests that spawn the CLI or open databases, on the forks pool: they change no state of the process that runs
        // them (they signal and time their children, not themselves), so one process runs them all, as the unit tests
        // share a thread; a process per file cost one to two seconds each (docs/decisions/0062-test-suite-time.md).
        extends: true,
        test: {
          name: 'process',
          include: ['test/**/*.test.ts'],
          exclude: OWN_PROCESS,
          pool: 'forks',
          poolOptions: { forks: { isolate: false } },
          sequence: { groupOrder: 1 },
        },
      },
      {
        // The files that need a process of their own (above), each in a fresh one.
        extends: true,
        test: { name: 'own-process', include: OWN_PROCESS, pool: 'forks', poolOptions: { forks: { isolate: true } }, sequence: { groupOrder: 2 } },
      },
    ],
  },
});
