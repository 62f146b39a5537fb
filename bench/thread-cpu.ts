/** CPU time of each thread of this process (Linux: /proc/self/task), for benches that compare threads' work per paper. */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_US = 10_000; // USER_HZ is 100 on Linux.

/** utime + stime of each thread of this process, in µs, with its name; empty where /proc is absent. */
export function threadTimes(): Map<string, { name: string; us: number }> {
  const times = new Map<string, { name: string; us: number }>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return times;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      times.set(tid, { name, us: (Number(fields[11]) + Number(fields[12])) * TICK_US });
    } catch {
      // The thread ended meanwhile.
    }
  }
  return times;
}

/** CPU µs between two threadTimes(): this process's main thread, the busiest other thread, and the rest. */
export function threadDeltas(
  before: Map<string, { name: string; us: number }>,
  after: Map<string, { name: string; us: number }>,
): { main: number; busiest: number; rest: number } {
  const deltas = [...after].map(([tid, entry]) => ({ tid, us: entry.us - (before.get(tid)?.us ?? 0) }));
  const main = deltas.find((entry) => entry.tid === String(process.pid))?.us ?? 0;
  const others = deltas.filter((entry) => entry.tid !== String(process.pid)).sort((a, b) => b.us - a.us);
  return { main, busiest: others[0]?.us ?? 0, rest: others.slice(1).reduce((sum, entry) => sum + entry.us, 0) };
}
