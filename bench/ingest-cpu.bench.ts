/**
 * `npx tsx bench/ingest-cpu.bench.ts [--root DIR] [--rounds N] [--rss-items N] [FILE…]`: CPU time per paper of each thread of an ingest
 * (parse+store into a fresh SQLite file, search index in step), from /proc/self/task/<tid>/stat around the ingest.
 * On a shared machine other processes' load inflates wall time far more than CPU time, so this is the figure to
 * compare before/after on (bench/README.md, "Ingest with the search index"). `--root` runs another checkout's src/
 * (e.g. an export of the main branch) in the same way, for interleaved before/after runs; `--dist` runs its dist/
 * instead (built first), e.g. under `node --cpu-prof`, which then profiles the writer thread too. `--rss-items 20000`
 * adds bench:ingest's 20,000-item feed (real items, fresh ids), built in a temp folder. Linux only.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as App from '../src/app.js';
import type * as StoreEvents from '../src/jobs/store-events.js';
import type * as StoreModule from '../src/store/index.js';
import { threadTimes } from './thread-cpu.js';

/**
 * bench:ingest's large feed: `count` items repeating the real feed's items with fresh ids (9YMM.NNNNN), written to a
 * temp file whose path is returned.
 */
function buildFeed(count: number): string {
  const shared = process.env.XIVDIGEST_SHARED_FIXTURES ?? resolve(fileURLToPath(import.meta.url), '..', '..', '..', 'shared', 'fixtures');
  const text = readFileSync(join(shared, 'arxiv', 'rss-new-all-archives-2024-11-28.TRUNCATED.xml'), 'utf8');
  const first = text.indexOf('<item>');
  const end = text.lastIndexOf('</item>') + '</item>'.length;
  const items = text
    .slice(first, end)
    .split(/(?<=<\/item>)\s*/)
    .filter((item) => item.includes('<item>'));
  const parts = [text.slice(0, first)];
  for (let index = 0; index < count; index += 1) {
    const id = `${9000 + Math.floor(index / 100_000)}.${String(index % 100_000).padStart(5, '0')}`;
    parts.push(`${items[index % items.length]!.replace(/\d{4}\.\d{4,5}/g, id)}\n`);
  }
  parts.push('  </channel>\n</rss>\n');
  const file = join(mkdtempSync(join(tmpdir(), 'xivdigest-bench-cpu-feed-')), `rss-${count}.xml`);
  writeFileSync(file, parts.join(''));
  return file;
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  const root = resolve(argument('--root') ?? resolve(fileURLToPath(import.meta.url), '..', '..'));
  const rounds = Number(argument('--rounds') ?? '1');
  const files = process.argv.slice(2).filter((arg, index, all) => !arg.startsWith('--') && !['--root', '--rounds', '--rss-items'].includes(all[index - 1]!));
  const items = argument('--rss-items');
  const feed = items === undefined ? undefined : buildFeed(Number(items));
  if (feed !== undefined) files.push(feed);
  // `--dist`: the built code (npm run build), whose writer thread inherits node's flags (--cpu-prof profiles it too).
  const built = process.argv.includes('--dist');
  const module = (path: string) => pathToFileURL(join(root, built ? 'dist' : 'src', built ? `${path}.js` : `${path}.ts`)).href;
  const { openLocalFile } = (await import(module('app'))) as typeof App;
  const { createStore } = (await import(module('store/index'))) as typeof StoreModule;
  const { storeEvents } = (await import(module('jobs/store-events'))) as typeof StoreEvents;
  for (const file of files) {
    for (let round = 0; round < rounds; round += 1) {
      const dir = mkdtempSync(join(tmpdir(), 'xivdigest-bench-cpu-'));
      const store = await createStore({ url: join(dir, 'bench.db') });
      // A first transaction starts the writer thread, so that its start-up is not counted.
      await store.transaction(async () => undefined);
      const load = loadavg()[0]!;
      const before = threadTimes();
      const started = process.hrtime.bigint();
      const { events } = await openLocalFile(file);
      const papers = (await store.transaction((tx) => storeEvents(events, tx))).papers;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const after = threadTimes();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
      const deltas = [...after].map(([tid, entry]) => ({ tid, name: entry.name, us: entry.us - (before.get(tid)?.us ?? 0) }));
      const main = deltas.find((entry) => entry.tid === String(process.pid))!;
      const others = deltas.filter((entry) => entry.tid !== String(process.pid)).sort((a, b) => b.us - a.us);
      const writer = others[0]!;
      const rest = others.slice(1).reduce((sum, entry) => sum + entry.us, 0);
      const per = (us: number) => (us / papers).toFixed(1);
      console.log(
        JSON.stringify({
          root,
          file: file.split('/').pop(),
          round,
          papers,
          load: Number(load.toFixed(1)),
          perSecond: Math.round(papers / seconds),
          mainUsPerPaper: Number(per(main.us)),
          writerUsPerPaper: Number(per(writer.us)),
          writerThread: writer.name,
          otherThreadsUsPerPaper: Number(per(rest)),
          peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
        }),
      );
    }
  }
  if (feed !== undefined) rmSync(dirname(feed), { recursive: true, force: true });
}

await main();
