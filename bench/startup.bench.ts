/**
 * `npm run bench:startup`: wall time of starting the built CLI (`--version`, `--help`, a command's `--help`) against
 * `node -e 0`, median and p90 over RUNS runs each (default 20; `RUNS=5` for a quick look). Needs `npm run build`.
 * `COMPARE=/path/to/other/checkout` (built) adds its `--version` and `--help` rows, e.g. for an older commit.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const bin = resolve(root, 'bin', 'xivdigest.js');
const runs = Number(process.env.RUNS ?? 20);

const cases: Array<{ label: string; args: string[] }> = [
  { label: 'node -e 0 (baseline)', args: ['-e', '0'] },
  { label: 'xivdigest --version', args: [bin, '--version'] },
  { label: 'xivdigest --help', args: [bin, '--help'] },
  { label: 'xivdigest fetch --help', args: [bin, 'fetch', '--help'] },
  { label: 'xivdigest config check --help', args: [bin, 'config', 'check', '--help'] },
];
const compare = process.env.COMPARE ? resolve(process.env.COMPARE, 'bin', 'xivdigest.js') : undefined;
if (compare) {
  cases.push({ label: `${process.env.COMPARE} --version`, args: [compare, '--version'] }, { label: `${process.env.COMPARE} --help`, args: [compare, '--help'] });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

if (!existsSync(resolve(root, 'dist', 'cli', 'index.js'))) {
  process.stderr.write('bench:startup needs the compiled CLI: run `npm run build` first\n');
  process.exit(1);
}

const times = new Map<string, number[]>(cases.map((item) => [item.label, []]));
// Interleaved, so that a burst of load on the machine hits every case alike.
for (let run = 0; run < runs + 1; run++) {
  for (const item of cases) {
    const start = performance.now();
    const result = spawnSync(process.execPath, item.args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const ms = performance.now() - start;
    if (result.status !== 0) throw new Error(`${item.label} exited ${result.status}: ${result.stderr.toString()}`);
    if (run > 0) times.get(item.label)!.push(ms); // the first round warms the file cache
  }
}

const [one, five, fifteen] = loadavg().map((value) => value.toFixed(2));
console.log(`node ${process.version}, ${runs} runs each, load average ${one} ${five} ${fifteen}\n`);
console.log('| command | median | p90 |');
console.log('| --- | ---: | ---: |');
for (const item of cases) {
  const sorted = [...times.get(item.label)!].sort((a, b) => a - b);
  console.log(`| \`${item.label}\` | ${Math.round(quantile(sorted, 0.5))} ms | ${Math.round(quantile(sorted, 0.9))} ms |`);
}
