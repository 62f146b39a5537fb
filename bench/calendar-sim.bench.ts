/**
 * `npm run bench:calendar [-- --seeds N] [--from SEED] [--faults] [--postgres]`: the four-week weekend-and-holiday
 * simulation (test/simulation/calendar-sim.ts) over many seeds, one table row per seed; `--faults` adds arXiv's faults
 * (empty feeds before the full one, failing and lagging OAI-PMH days). The suite runs three seeds; this checks many.
 * Exits 1 when any seed lost, repeated or invented a paper, or had a run that threw or said no reason.
 */
import { createTempStore } from '../test/helpers/temp-store.js';
import { simulateCalendar, type SimulationResult } from '../test/simulation/calendar-sim.js';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} takes a whole number`);
  return value;
}

const seeds = option('seeds', 50);
const from = option('from', 1);
const kind = process.argv.includes('--postgres') ? 'postgres' : 'sqlite';
const faults = process.argv.includes('--faults');
if (kind === 'postgres' && !process.env.XIVDIGEST_TEST_PG_URL) {
  console.error('--postgres needs XIVDIGEST_TEST_PG_URL, e.g. postgres://postgres@127.0.0.1:5432/test');
  process.exit(2);
}

const columns = [
  'seed',
  'runs',
  'no run',
  'twice',
  'announced',
  'delivered',
  'dup',
  'lost',
  'extra',
  'backfilled days',
  'OAI req',
  'faults',
  'stops',
  'not-yet',
  'weekend',
  'holiday',
  'all-seen',
  'errors',
  'ms',
];
const rows: string[][] = [];
const failures: SimulationResult[] = [];
console.log(
  `calendar simulation: ${seeds} seed(s) from ${from}, four weeks from Mon 2026-11-09 (Thanksgiving included), ${kind}${faults ? ', with faults' : ''}`,
);
const started = performance.now();
for (let seed = from; seed < from + seeds; seed++) {
  const temp = await createTempStore(kind);
  const start = performance.now();
  let result: SimulationResult;
  try {
    result = await simulateCalendar(seed, temp.store, { faults });
  } finally {
    await temp.cleanup();
  }
  const ms = Math.round(performance.now() - start);
  const bad = result.duplicates.length + result.missing.length + result.extra.length + result.errors.length + result.unexplained.length > 0;
  if (bad) failures.push(result);
  rows.push([
    String(seed),
    String(result.runs),
    String(result.skippedDays),
    String(result.twiceDays),
    String(result.announced),
    String(result.delivered),
    String(result.duplicates.length),
    String(result.missing.length),
    String(result.extra.length),
    String(result.backfilledDays),
    String(result.oaiRequests),
    String(result.faults),
    String(result.stops),
    String(result.nothing['not-yet'] ?? 0),
    String(result.nothing.weekend ?? 0),
    String(result.nothing.holiday ?? 0),
    String(result.nothing['all-seen'] ?? 0),
    String(result.errors.length),
    String(ms),
  ]);
}

const widths = columns.map((column, index) => Math.max(column.length, ...rows.map((row) => row[index]!.length)));
const line = (cells: string[]) => `| ${cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join(' | ')} |`;
console.log(line(columns));
console.log(`|${widths.map((width, index) => (index === 0 ? `:${'-'.repeat(width + 1)}` : `${'-'.repeat(width + 1)}:`)).join('|')}|`);
for (const row of rows) console.log(line(row));
const total = (column: string) => rows.reduce((sum, row) => sum + Number(row[columns.indexOf(column)]), 0);
console.log(
  `\n${seeds} seed(s), ${total('runs')} runs, ${total('announced')} papers announced, ${total('delivered')} delivered, ${total('dup')} twice, ` +
    `${total('lost')} lost; ${total('backfilled days')} days filled from OAI-PMH; ${total('faults')} faults, ${total('stops')} runs stopped naming the day; ` +
    `${((performance.now() - started) / 1000).toFixed(1)} s`,
);
for (const failure of failures) {
  console.log(
    `seed ${failure.seed}: duplicates ${failure.duplicates.join(',') || '-'}; lost ${failure.missing.join(',') || '-'}; extra ${failure.extra.join(',') || '-'}`,
  );
  for (const error of [...failure.errors, ...failure.unexplained]) console.log(`  ${error}`);
}
process.exit(failures.length > 0 ? 1 : 0);
