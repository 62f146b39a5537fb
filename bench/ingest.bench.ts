/** `npm run bench:ingest`: papers per second for parse-only and parse+store, and peak memory, on real arXiv data. */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const shared = process.env.XIVDIGEST_SHARED_FIXTURES ?? resolve(root, '..', 'shared', 'fixtures');
const ORIGINAL_ENTRIES_PER_SECOND = 3100; // Python feedparser 6.0.10 on the 1,062-item fixture, on this machine.
const GOAL = 10 * ORIGINAL_ENTRIES_PER_SECOND;

interface Measurement {
  scenario: string;
  entries: number;
  parseOnly: number;
  parseStore: number;
  peakRssMb: number;
  /** Whether the goal applies (the last input only checks that memory stays flat). */
  goal: boolean;
}

/** One scenario, run inside a child process so that its peak RSS is its own. */
async function measure(file: string, mode: 'parse' | 'store', rounds: number): Promise<{ entries: number; perSecond: number; peakRssMb: number }> {
  const { openLocalFile } = await import('../src/app.js');
  const { createStore } = await import('../src/store/index.js');
  const { storeEvents } = await import('../src/jobs/store-events.js');
  let best = Infinity;
  let entries = 0;
  for (let round = 0; round < rounds; round++) {
    const dir = mkdtempSync(join(tmpdir(), 'xivdigest-bench-'));
    const store = mode === 'store' ? await createStore({ url: join(dir, 'bench.db') }) : undefined;
    const started = process.hrtime.bigint();
    const { events } = await openLocalFile(file);
    if (store) {
      entries = (await store.transaction((tx) => storeEvents(events, tx))).papers;
    } else {
      entries = 0;
      for await (const event of events) if (event.type === 'paper') entries++;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    best = Math.min(best, seconds);
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { entries, perSecond: entries / best, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

/** Writes an RSS feed of `count` items by repeating the real items of `source` with fresh ids, streaming. */
async function buildLargeFeed(source: string, count: number, out: string): Promise<void> {
  const text = readFileSync(source, 'utf8');
  const firstItem = text.indexOf('<item>');
  const lastItemEnd = text.lastIndexOf('</item>') + '</item>'.length;
  const header = text.slice(0, firstItem);
  const items = text
    .slice(firstItem, lastItemEnd)
    .split(/(?<=<\/item>)\s*/)
    .filter((item) => item.includes('<item>'));
  const stream = createWriteStream(out);
  stream.write(header);
  for (let index = 0; index < count; index++) {
    const item = items[index % items.length]!;
    // Fresh ids: 9YMM.NNNNN never collides with real ones in the fixture.
    const id = `${9000 + Math.floor(index / 100_000)}.${String(index % 100_000).padStart(5, '0')}`;
    const fresh = item.replace(/\d{4}\.\d{4,5}/g, id);
    if (!stream.write(`${fresh}\n`)) await once(stream, 'drain');
  }
  stream.end('  </channel>\n</rss>\n');
  await once(stream, 'finish');
}

function runChild(file: string, mode: 'parse' | 'store', rounds: number): { entries: number; perSecond: number; peakRssMb: number } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', file, mode, String(rounds)], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`bench child failed for ${file} (${mode}):\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!);
}

/** The hostile shapes: one construct grown to the whole document (the reader must stay linear in time and memory). */
const SHAPES: Record<string, (out: NodeJS.WritableStream, bytes: number) => void> = {
  'huge attribute': (out, bytes) => writeRepeated(out, '<a v="', 'abcdefgh ', bytes, '"/>'),
  'huge text': (out, bytes) => writeRepeated(out, '<a>', 'abc &amp; d\n', bytes, '</a>'),
  'huge comment': (out, bytes) => writeRepeated(out, '<a><!--', 'abcdefgh ', bytes, '--></a>'),
  'huge CDATA': (out, bytes) => writeRepeated(out, '<a><![CDATA[', 'abc ] > d ', bytes, ']]></a>'),
  'deep nesting': (out, bytes) => {
    const depth = Math.floor(bytes / 7);
    writeRepeated(out, '', '<a>', depth * 3, '');
    writeRepeated(out, '', '</a>', depth * 4, '');
  },
  'many attributes': (out, bytes) => {
    out.write('<a');
    const line: string[] = [];
    for (let index = 0, written = 2; written < bytes; index++) {
      const attribute = ` n${index}="v&gt;${index % 10}"`;
      line.push(attribute);
      written += attribute.length;
      if (line.length === 4096) out.write(line.splice(0).join(''));
    }
    out.write(`${line.join('')}/>`);
  },
  'long name': (out, bytes) => writeRepeated(out, '<n', 'abcdefgh', bytes, '/>'),
};

function writeRepeated(out: NodeJS.WritableStream, head: string, unit: string, bytes: number, tail: string): void {
  out.write(head);
  const block = unit.repeat(Math.max(1, Math.floor(65_536 / unit.length)));
  let written = 0;
  while (written + block.length <= bytes) {
    out.write(block);
    written += block.length;
  }
  out.write(unit.repeat(Math.floor((bytes - written) / unit.length)));
  out.write(tail);
}

/** Parses a file with the XML reader alone, from 64 KB chunks as a download arrives; prints seconds and peak RSS. */
async function measureShape(file: string): Promise<{ seconds: number; peakRssMb: number; events: number }> {
  const { createReadStream } = await import('node:fs');
  const { createXmlReader } = await import('../src/sources/shared/xml-reader.js');
  let events = 0;
  const reader = createXmlReader({ onOpen: () => void events++, onClose: () => void events++, onText: () => void events++ }, { origin: file });
  const started = process.hrtime.bigint();
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 })) reader.write(chunk as string);
  reader.end();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, peakRssMb: process.resourceUsage().maxRSS / 1024, events };
}

/** Sizes in MB for the shapes (`--shapes-mb 5,10` to change; `--shapes-only` skips the real-data table, `--real-only` the shapes). */
function shapeSizes(): number[] {
  const index = process.argv.indexOf('--shapes-mb');
  const list = index >= 0 ? process.argv[index + 1]! : '5,10,20,40';
  return list
    .split(',')
    .map(Number)
    .filter((value) => value > 0);
}

/** A shape that takes longer than this is reported as such (the superlinear reader took minutes on a few MB). */
const SHAPE_TIMEOUT_MS = 120_000;

async function benchShapes(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'xivdigest-bench-shapes-'));
  const rows: string[] = [];
  for (const [shape, write] of Object.entries(SHAPES)) {
    for (const mb of shapeSizes()) {
      const file = join(work, 'shape.xml');
      const out = createWriteStream(file);
      write(out, mb * 1024 * 1024);
      out.end();
      await once(out, 'finish');
      process.stderr.write(`measuring ${shape}, ${mb} MB…\n`);
      const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--shape-child', file], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
        timeout: SHAPE_TIMEOUT_MS,
      });
      if (child.error && /ETIMEDOUT/.test(String(child.error))) {
        rows.push(`| ${shape} | ${mb} | over ${SHAPE_TIMEOUT_MS / 1000} s | | |`);
        continue;
      }
      const last = child.stdout.trim().split('\n').pop() ?? '';
      if (child.status !== 0 || !last.startsWith('{')) {
        rows.push(`| ${shape} | ${mb} | failed: ${(child.stderr || child.stdout).trim().split('\n').pop()} | | |`);
        continue;
      }
      const result = JSON.parse(last) as { seconds: number; peakRssMb: number };
      rows.push(`| ${shape} | ${mb} | ${result.seconds.toFixed(2)} | ${(result.seconds / mb).toFixed(3)} | ${result.peakRssMb.toFixed(0)} |`);
    }
  }
  rmSync(work, { recursive: true, force: true });
  console.log('\nbench:ingest shapes (XML reader alone, 64 KB chunks; linear means s/MB and RSS/MB stay flat as the size grows)\n');
  console.log('| shape | MB | seconds | s/MB | peak RSS (MB) |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    const [file, mode, rounds] = process.argv.slice(3);
    console.log(JSON.stringify(await measure(file!, mode as 'parse' | 'store', Number(rounds))));
    return;
  }
  if (process.argv[2] === '--shape-child') {
    console.log(JSON.stringify(await measureShape(process.argv[3]!)));
    return;
  }
  if (process.argv.includes('--shapes-only')) {
    await benchShapes();
    return;
  }
  await realData();
  if (!process.argv.includes('--real-only')) await benchShapes();
}

async function realData(): Promise<void> {
  const rss = join(shared, 'arxiv', 'rss-new-all-archives-2024-11-28.TRUNCATED.xml');
  const oai = join(shared, 'arxiv', 'oai-listrecords-arXivRaw-full-page-1000-records-2014-01-16.xml');
  if (!existsSync(rss) || !existsSync(oai)) {
    console.log(`bench:ingest skipped: the real fixtures are not in ${shared} (clone with ../shared beside the checkout).`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'xivdigest-bench-feeds-'));
  const large = join(work, 'rss-20000.xml');
  const larger = join(work, 'rss-100000.xml');
  await buildLargeFeed(rss, 20_000, large);
  await buildLargeFeed(rss, 100_000, larger);

  const scenarios: Array<[string, string, number, boolean]> = [
    ['RSS 2.0, 1,062 items (real)', rss, 7, true],
    ['OAI-PMH arXivRaw, 1,000 records (real)', oai, 7, true],
    ['RSS 2.0, 20,000 items (real items, fresh ids)', large, 3, true],
    ['RSS 2.0, 100,000 items (memory check, one round)', larger, 1, false],
  ];
  // Other work on the machine slows both threads of an ingest: the load average goes with the numbers.
  const loadBefore = loadavg();
  const rows: Measurement[] = [];
  for (const [scenario, file, rounds, goal] of scenarios) {
    process.stderr.write(`measuring ${scenario}…\n`);
    const parse = runChild(file, 'parse', rounds);
    const store = runChild(file, 'store', rounds);
    rows.push({
      scenario,
      entries: parse.entries,
      parseOnly: parse.perSecond,
      parseStore: store.perSecond,
      peakRssMb: Math.max(parse.peakRssMb, store.peakRssMb),
      goal,
    });
  }
  rmSync(work, { recursive: true, force: true });
  const loadAfter = loadavg();

  const format = (value: number) => Math.round(value).toLocaleString('en-US');
  const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(' ');
  console.log('\nbench:ingest (best of several rounds; SQLite file store, one transaction per file)');
  console.log(`${cpus().length} CPUs; load average ${load(loadBefore)} before, ${load(loadAfter)} after\n`);
  console.log('| input | entries | parse only (entries/s) | parse+store (entries/s) | vs original parser | peak RSS (MB) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    console.log(
      `| ${row.scenario} | ${format(row.entries)} | ${format(row.parseOnly)} | ${format(row.parseStore)} | ${(row.parseStore / ORIGINAL_ENTRIES_PER_SECOND).toFixed(1)}× | ${row.peakRssMb.toFixed(0)} |`,
    );
  }
  const worst = Math.min(...rows.filter((row) => row.goal).map((row) => row.parseStore));
  console.log(
    `\nGoal: parse+store >= ${format(GOAL)} entries/s (10× feedparser's ${format(ORIGINAL_ENTRIES_PER_SECOND)}/s) on the first three inputs: ${worst >= GOAL ? 'met' : 'NOT met'} (slowest ${format(worst)}/s).`,
  );
}

await main();
