/** The start-of-run line of a local-model run, through the built CLI with a tiny random-weight GGUF: model, place, sequences, why, and the estimate. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { goodPapers, writeFeed } from './helpers/good-papers.js';
import { writeTinyGguf } from './helpers/tiny-gguf.js';

describe('a local-model run says what it runs and how long it will take', () => {
  let sandbox: CliSandbox;
  let config: string;
  const papers = goodPapers(2);

  beforeAll(async () => {
    sandbox = createCliSandbox();
    const feed = join(sandbox.dir, 'cs.CL.xml');
    writeFeed(feed, papers);
    const ingest = await sandbox.run(['ingest', feed]);
    expect(ingest.code, ingest.stderr).toBe(0);
    // The tiny vocabulary spells most words letter by letter: a long context holds the real prompt.
    await writeTinyGguf(join(sandbox.dir, 'tiny.gguf'), { seed: 1, contextLength: 8192 });
    config = join(sandbox.dir, 'local.json');
    // threads 1 always in tests (docs/decisions/0008); at most 64 answer tokens keeps the run short.
    writeFileSync(config, JSON.stringify({ llm: { maxRepairs: 0, maxAttempts: 1, local: { threads: 1, parallel: 2, contextSize: 8192 } } }));
  });
  afterAll(() => sandbox.cleanup());

  it('prints the model, CPU, threads, parallel sequences and a calibrated estimate for the papers to translate', async () => {
    expect(papers).toHaveLength(2);
    const result = await sandbox.run(['--config', config, 'enrich', '--provider', 'llama-cpp', '--model', join(sandbox.dir, 'tiny.gguf')]);
    const line = result.stderr.split('\n').find((text) => text.includes('local model tiny.gguf'));
    expect(line, result.stderr).toBeDefined();
    expect(line).toMatch(
      /local model tiny\.gguf on the CPU \(1 thread\), 2 parallel sequences \(model: configured; sequences: configured; threads: configured\)/,
    );
    expect(line).toMatch(
      /; 2 papers ≈ \d+ (s|min) on this CPU \(measured \d+ prompt and [\d.]+ generated tokens\/s\); set an API key \(e\.g\. OPENAI_API_KEY\) to finish in a minute/,
    );
    // The run itself went on after the line (random weights may fail the quality gate: a per-paper result, exit 0).
    expect(result.stderr).toMatch(/enrich: /);
  }, 180_000);
});
