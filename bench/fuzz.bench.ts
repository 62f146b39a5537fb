/**
 * `npm run bench:fuzz`: the long mutation fuzz over every parser (test/fuzz/fuzz-core.ts), seeded with the whole real
 * fixtures. Prints, per parser, the inputs tried, accepted and rejected (XivdigestError), the failures (any other
 * error, a hang past the deadline, a crash such as running out of the capped heap), the slowest input and the child's
 * peak RSS. Options: `--per-parser N` (default 300), `--seed N`, `--scale X` (size of huge attributes and nesting).
 */
import { describeFailure, loadSeeds, makeInputs, PARSERS, runInputs, sharedFixtures, type FuzzOutcome } from '../test/fuzz/fuzz-core.js';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const perParser = option('--per-parser', 300);
const seed = option('--seed', 1);
const scale = option('--scale', 4);
const { seeds, sharedFound } = loadSeeds();
if (!sharedFound) console.log(`bench:fuzz: the real fixtures are not in ${sharedFixtures}; seeding from test/fixtures only`);
const inputs = makeInputs(seeds, perParser, seed, scale);
process.stderr.write(`bench:fuzz: ${inputs.length} inputs from ${seeds.length} seeds (seed ${seed}, scale ${scale})\n`);
let done = 0;
const started = Date.now();
const outcomes = await runInputs(inputs, {
  deadlineMs: 30_000,
  heapMb: 1024,
  onOutcome: () => {
    done += 1;
    if (done % 100 === 0) process.stderr.write(`  ${done}/${inputs.length}\n`);
  },
});

console.log(
  `\nbench:fuzz (${inputs.length} inputs, seed ${seed}, scale ${scale}, ${Math.round((Date.now() - started) / 1000)} s; deadline 30 s and a 1 GB heap per input)\n`,
);
console.log('| parser | seeds | inputs | accepted | rejected | failures | max time (ms) | max RSS (MB) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
const failures: FuzzOutcome[] = [];
for (const parser of PARSERS) {
  const mine = outcomes.filter((outcome) => outcome.input.parser === parser);
  if (mine.length === 0) continue;
  const failed = mine.filter((outcome) => outcome.result !== 'accepted' && outcome.result !== 'rejected');
  failures.push(...failed);
  const count = (result: string) => mine.filter((outcome) => outcome.result === result).length;
  console.log(
    `| ${parser} | ${seeds.filter((each) => each.parser === parser).length} | ${mine.length} | ${count('accepted')} | ${count('rejected')} | ${failed.length} | ${Math.round(Math.max(...mine.map((outcome) => outcome.ms)))} | ${Math.round(Math.max(...mine.map((outcome) => outcome.rssMb)))} |`,
  );
}
if (failures.length > 0) {
  console.log('\nFailures:');
  for (const failure of failures.slice(0, 30)) console.log(`- ${describeFailure(failure)}`);
  process.exitCode = 1;
}
