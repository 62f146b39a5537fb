/**
 * `npm run bench:startup`: wall time of starting the built CLI (`--version`, `--help`, a command's `--help`) against
 * `node -e 0`, median and p90 over RUNS runs each (default 20; `RUNS=5` for a quick look). Needs `npm run build`.
 * `COMPARE=/path/to/other/checkout` (built) adds its `--version` and `--help` rows, e.g. for an older commit.
 * With GNU time at /usr/bin/time, it also reports the CPU time (user + sys) of each start: on a busy machine the wall
 * time grows with the load, the CPU time much less, so it is the closer estimate of the wall time on an idle one.
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
  cases.push(
    { label: `${process.env.COMPARE} --version`, args: [compare, '--version'] },
    { label: `${process.env.COMPARE} --help`, args: [compare, '--help'] },
  );
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

if (!existsSync(resolve(root, 'dist', 'cli', 'index.js'))) {
  process.stderr.write('bench:startup needs the compiled CLI: run `npm run build` first\n');
  process.exit(1);
}

const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const times = new Map<string, number[]>(cases.map((item) => [item.label, []]));
const cpuTimes = new Map<string, number[]>(cases.map((item) => [item.label, []]));
// Interleaved, so that a burst of load on the machine hits every case alike.
for (let run = 0; run < runs + 1; run++) {
  for (const item of cases) {
    const [command, args] = gnuTime ? [gnuTime, ['-f', 'cpu-seconds %U %S', process.execPath, ...item.args]] : [process.execPath, item.args];
    const start = performance.now();
    const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const ms = performance.now() - start;
    if (result.status !== 0) throw new Error(`${item.label} exited ${result.status}: ${result.stderr.toString()}`);
    if (run === 0) continue; // the first round warms the file cache
    times.get(item.label)!.push(ms);
    const cpu = /cpu-seconds ([\d.]+) ([\d.]+)/.exec(result.stderr.toString());
    if (cpu) cpuTimes.get(item.label)!.push((Number(cpu[1]) + Number(cpu[2])) * 1000);
  }
}

const [one, five, fifteen] = loadavg().map((value) => value.toFixed(2));
console.log(`node ${process.version}, ${runs} runs each, load average ${one} ${five} ${fifteen}\n`);
console.log(`| command | median | p90 |${gnuTime ? ' CPU median |' : ''}`);
console.log(`| --- | ---: | ---: |${gnuTime ? ' ---: |' : ''}`);
for (const item of cases) {
  const sorted = [...times.get(item.label)!].sort((a, b) => a - b);
  const cpu = [...cpuTimes.get(item.label)!].sort((a, b) => a - b);
  const cpuCell = gnuTime ? ` ${cpu.length ? `${Math.round(quantile(cpu, 0.5))} ms` : '?'} |` : '';
  console.log(`| \`${item.label}\` | ${Math.round(quantile(sorted, 0.5))} ms | ${Math.round(quantile(sorted, 0.9))} ms |${cpuCell}`);
}
