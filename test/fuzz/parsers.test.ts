/**
 * A seeded mutation fuzzer over every parser (arXiv feeds, API and recorded API responses, OAI-PMH, Kaggle, digest
 * import, seed cache, library files, the config file, format detection), seeded with the real fixtures when present
 * and always with the project's own: only XivdigestError may come out, no input hangs (a per-input deadline in a
 * child process) and memory stays bounded (the child's heap is capped). The long run is `npm run bench:fuzz`.
 */
import { describe, expect, it } from 'vitest';
import { describeFailure, loadSeeds, makeInputs, PARSERS, runInputs, sharedFixtures } from './fuzz-core.js';

const PER_PARSER = 36;
const SEED = 20261206;

describe('mutation fuzzer (short, seeded)', () => {
  it(`${PER_PARSER} mutated inputs per parser: only XivdigestError, no hang, bounded memory`, async () => {
    const { seeds, sharedFound } = loadSeeds(128 * 1024);
    if (!sharedFound) console.log(`fuzz: the real fixtures are not in ${sharedFixtures}; seeding from test/fixtures only`);
    const parsersWithSeeds = new Set(seeds.map((seed) => seed.parser));
    expect([...parsersWithSeeds].sort()).toEqual([...PARSERS].filter((parser) => parser !== 'arxiv-api-recorded' || sharedFound).sort());
    const inputs = makeInputs(seeds, PER_PARSER, SEED, 0.5);
    const outcomes = await runInputs(inputs, { deadlineMs: 10_000, heapMb: 512 });
    const failures = outcomes.filter((outcome) => outcome.result !== 'accepted' && outcome.result !== 'rejected');
    expect(failures.map(describeFailure)).toEqual([]);
    expect(outcomes).toHaveLength(inputs.length);
    // Both kinds of answers occur: the mutations are not all fatal, nor all harmless.
    expect(outcomes.some((outcome) => outcome.result === 'rejected')).toBe(true);
    expect(outcomes.some((outcome) => outcome.result === 'accepted')).toBe(true);
    expect(Math.max(...outcomes.map((outcome) => outcome.rssMb))).toBeLessThan(1024);
    const table = new Map<string, { accepted: number; rejected: number }>();
    for (const outcome of outcomes) {
      const row = table.get(outcome.input.parser) ?? { accepted: 0, rejected: 0 };
      if (outcome.result === 'accepted' || outcome.result === 'rejected') row[outcome.result] += 1;
      table.set(outcome.input.parser, row);
    }
    console.log(`fuzz: ${[...table].map(([parser, row]) => `${parser} ${row.accepted}/${row.rejected}`).join(', ')} (accepted/rejected)`);
  }, 120_000);

  it('the harness sees an internal error and a hang as failures', async () => {
    const input = (parser: string) => ({ parser: parser as never, file: 'self-check', mutation: 'none', bytes: Buffer.from('x') });
    const outcomes = await runInputs([input('self-check-internal'), input('self-check-hang'), input('detect')], { deadlineMs: 3000, heapMb: 128 });
    expect(outcomes.map((outcome) => outcome.result)).toEqual(['internal', 'hang', 'accepted']);
    expect(outcomes[0]!.detail).toMatch(/TypeError/);
  }, 60_000);
});
