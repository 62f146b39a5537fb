/** A child process for the resumability test: runs enrichPapers against a fake LLM server and a SQLite file, so the test can kill it with SIGKILL. */
import { readFileSync } from 'node:fs';
import type { Paper } from '../../src/core/paper.js';
import { enrichPapers } from '../../src/jobs/enrich.js';
import { createOpenAiCompatibleProvider } from '../../src/llm/openai-compatible/index.js';
import { createStore } from '../../src/store/index.js';

/** What the parent writes to a JSON file and passes as the only argument. */
export interface EnrichChildJob {
  storeUrl: string;
  baseUrl: string;
  model: string;
  papers: Paper[];
  concurrency: number;
}

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as EnrichChildJob;
const store = await createStore({ url: job.storeUrl });
try {
  const provider = createOpenAiCompatibleProvider({ baseUrl: job.baseUrl, model: job.model, timeoutMs: 30_000 });
  const result = await enrichPapers({
    store,
    provider,
    papers: job.papers,
    concurrency: job.concurrency,
    onEvent: (event) => {
      if (event.type === 'paper-enriched') process.stdout.write(`enriched ${event.id}\n`);
    },
  });
  process.stdout.write(`result ${JSON.stringify(result)}\n`);
} finally {
  await store.close();
}
