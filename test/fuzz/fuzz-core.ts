/**
 * The mutation fuzzer shared by `test/fuzz/parsers.test.ts` (short, seeded) and `bench/fuzz.bench.ts` (long): seeds
 * from the real fixtures (../shared/fixtures, when present) and the project's own, mutations (byte flips,
 * truncation, duplicated ranges, huge attributes, deep nesting, invalid UTF-8, entity tricks), and a child process
 * that parses each input under a per-input deadline and a heap limit. Only XivdigestError may come out of a parser.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRandom } from '../helpers/random.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
export const sharedFixtures = process.env.XIVDIGEST_SHARED_FIXTURES ?? resolve(root, '..', 'shared', 'fixtures');
const own = join(root, 'test', 'fixtures');

/** The parsers under test, by the name the child knows them by (test/fuzz/fuzz-child.ts). */
export const PARSERS = [
  'arxiv-feed',
  'arxiv-api',
  'arxiv-api-recorded',
  'oai-pmh',
  'kaggle',
  'digest-import',
  'seed-cache',
  'library',
  'config',
  'detect',
] as const;
export type ParserName = (typeof PARSERS)[number];

export interface Seed {
  parser: ParserName;
  /** The file it came from (for the report), and an extension that picks the library parser. */
  file: string;
  bytes: Buffer;
}

function files(dir: string, pattern: RegExp): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...files(path, pattern));
    else if (pattern.test(name)) out.push(path);
  }
  return out;
}

/**
 * The seeds: each fixture under the parser that reads it. `maxBytes` cuts big seeds (the suite keeps inputs small; the
 * bench reads them whole). Returns whether the real fixtures were found, so the caller can say so.
 */
export function loadSeeds(maxBytes = Infinity): { seeds: Seed[]; sharedFound: boolean } {
  const sharedFound = existsSync(join(sharedFixtures, 'arxiv'));
  const arxiv = join(sharedFixtures, 'arxiv');
  const groups: Array<[ParserName, string[]]> = [
    [
      'arxiv-feed',
      [...files(arxiv, /^rss-.*\.xml$/), ...files(join(own, 'feeds'), /\.xml$/), own_('http', 'rss-cs.CL+cs.AI.xml'), own_('http', 'atom-cs.CL.xml')],
    ],
    ['arxiv-api', [...files(arxiv, /^api-.*\.xml$/), ...files(join(own, 'api'), /\.xml$/), ...files(join(own, 'http'), /^api-.*\.xml$/)]],
    ['arxiv-api-recorded', files(arxiv, /^api-.*\.json$/)],
    ['oai-pmh', [...files(arxiv, /^oai-.*\.xml$/), ...files(join(own, 'oai'), /\.xml$/), ...files(join(own, 'http'), /^oai-.*\.xml$/)]],
    ['kaggle', [...files(arxiv, /^kaggle-.*\.jsonl$/), ...files(join(own, 'kaggle'), /\.jsonl$/)]],
    [
      'digest-import',
      [...files(join(sharedFixtures, 'digests'), /\.md$/), ...files(join(sharedFixtures, 'seed-outputs'), /\.md$/), ...files(join(own, 'digests'), /\.md$/)],
    ],
    ['seed-cache', [...files(join(sharedFixtures, 'corpus'), /\.jsonl$/), ...files(join(own, 'seed-cache'), /\.jsonl?$/)]],
    ['library', files(join(own, 'library'), /\.(bib|ris|rdf|txt|csl\.json)$/)],
    ['config', [join(root, 'test', 'fuzz', 'seeds', 'config.json')]],
    ['detect', [...files(arxiv, /\.(xml|json|jsonl)$/).slice(0, 6), ...files(join(own, 'digests'), /\.md$/).slice(0, 1)]],
  ];
  const seeds: Seed[] = [];
  for (const [parser, paths] of groups) {
    for (const file of [...new Set(paths)]) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file);
      seeds.push({ parser, file, bytes: bytes.length > maxBytes ? bytes.subarray(0, maxBytes) : bytes });
    }
  }
  return { seeds, sharedFound };
}

function own_(folder: string, name: string): string {
  return join(own, folder, name);
}

export interface Mutation {
  name: string;
  apply(bytes: Buffer, random: () => number, scale: number): Buffer;
}

const pick = (random: () => number, below: number): number => Math.floor(random() * below);

/** Inserts `insert` at a random position, preferring just after a ">" (inside an element) when there is one. */
function insertAt(bytes: Buffer, insert: Buffer, random: () => number, after?: number): Buffer {
  let at = pick(random, bytes.length + 1);
  if (after !== undefined) {
    const found = bytes.indexOf(after, at);
    if (found >= 0) at = found + 1;
  }
  return Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(at)]);
}

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
`;
const EXTERNAL_ENTITY =
  '<?xml version="1.0"?>\n<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> <!ENTITY % dtd SYSTEM "http://127.0.0.1:9/x.dtd"> %dtd; ]>\n';
const CHARACTER_REFERENCES = ['&#x110000;', '&#0;', '&#xD800;', '&#99999999999999999999;', '&#x;', '&#-1;', '&lol;', '&xxe;', '&#x1F600;', '&amp', '&#65'];

export const MUTATIONS: Mutation[] = [
  {
    name: 'byte flips',
    apply(bytes, random) {
      const copy = Buffer.from(bytes);
      const flips = 1 + pick(random, 8);
      for (let index = 0; index < flips && copy.length > 0; index++) {
        const at = pick(random, copy.length);
        copy[at] = copy[at]! ^ (1 << pick(random, 8));
      }
      return copy;
    },
  },
  {
    name: 'truncation',
    apply: (bytes, random) => bytes.subarray(0, pick(random, bytes.length + 1)),
  },
  {
    name: 'duplicated range',
    apply(bytes, random) {
      const start = pick(random, bytes.length + 1);
      const end = Math.min(bytes.length, start + pick(random, 4096));
      const at = pick(random, bytes.length + 1);
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(start, end), bytes.subarray(start, end), bytes.subarray(at)]);
    },
  },
  {
    name: 'huge attribute',
    apply(bytes, random, scale) {
      const tag = bytes.indexOf('<', pick(random, Math.max(1, bytes.length)));
      const at = tag >= 0 ? bytes.indexOf(' ', tag) : -1;
      const value = Buffer.from(` huge="${'x&amp;y'.repeat(Math.floor((scale * 256 * 1024) / 7))}"`);
      return at >= 0 ? Buffer.concat([bytes.subarray(0, at), value, bytes.subarray(at)]) : insertAt(bytes, value, random);
    },
  },
  {
    name: 'deep nesting',
    apply(bytes, random, scale) {
      const depth = Math.floor(scale * 50_000);
      const json = bytes[0] === 0x7b || bytes[0] === 0x5b;
      const open = json ? '{"a":['.repeat(depth) : '<d>'.repeat(depth);
      const close = json ? ']}'.repeat(depth) : '</d>'.repeat(depth);
      return insertAt(bytes, Buffer.from(open + close), random, json ? 0x3a : 0x3e);
    },
  },
  {
    name: 'invalid UTF-8',
    apply(bytes, random) {
      const pieces = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe4, 0xb8], [0xf4, 0x90, 0x80, 0x80], [0xfe, 0xfe], [0x00]];
      let out = bytes;
      for (let index = 0; index < 1 + pick(random, 4); index++) out = insertAt(out, Buffer.from(pieces[pick(random, pieces.length)]!), random);
      return out;
    },
  },
  {
    name: 'entity tricks',
    apply(bytes, random) {
      const choice = pick(random, 3);
      if (choice === 0)
        return Buffer.concat([
          Buffer.from(BILLION_LAUGHS),
          insertAt(bytes.subarray(bytes.indexOf('?>') >= 0 ? bytes.indexOf('?>') + 2 : 0), Buffer.from('&lol4;'), random, 0x3e),
        ]);
      if (choice === 1)
        return Buffer.concat([
          Buffer.from(EXTERNAL_ENTITY),
          insertAt(bytes.subarray(bytes.indexOf('?>') >= 0 ? bytes.indexOf('?>') + 2 : 0), Buffer.from('&xxe;'), random, 0x3e),
        ]);
      return insertAt(bytes, Buffer.from(CHARACTER_REFERENCES[pick(random, CHARACTER_REFERENCES.length)]!), random, 0x3e);
    },
  },
];

export interface FuzzInput {
  parser: ParserName;
  file: string;
  mutation: string;
  bytes: Buffer;
}

/** `count` inputs per parser, round-robin over its seeds and the mutations, from a fixed seed. */
export function makeInputs(seeds: Seed[], perParser: number, seed: number, scale: number): FuzzInput[] {
  const random = createRandom(seed);
  const inputs: FuzzInput[] = [];
  for (const parser of PARSERS) {
    const mine = seeds.filter((each) => each.parser === parser);
    if (mine.length === 0) continue;
    for (let index = 0; index < perParser; index++) {
      const source = mine[index % mine.length]!;
      const mutation = MUTATIONS[pick(random, MUTATIONS.length)]!;
      // One input in five gets a second mutation on top.
      let bytes = mutation.apply(source.bytes, random, scale);
      let name = mutation.name;
      if (random() < 0.2) {
        const second = MUTATIONS[pick(random, MUTATIONS.length)]!;
        bytes = second.apply(bytes, random, scale);
        name = `${name} + ${second.name}`;
      }
      inputs.push({ parser, file: source.file, mutation: name, bytes });
    }
  }
  return inputs;
}

export interface FuzzOutcome {
  input: FuzzInput;
  /** accepted, rejected (an XivdigestError), or a failure: internal (another error), hang, crash (child died, e.g. out of memory). */
  result: 'accepted' | 'rejected' | 'internal' | 'hang' | 'crash';
  detail?: string;
  ms: number;
  rssMb: number;
}

interface ChildReply {
  id: number;
  result: 'accepted' | 'rejected' | 'internal';
  detail?: string;
  ms: number;
  rssMb: number;
}

/**
 * Runs the inputs in a child process (restarted after a hang or a crash), each under `deadlineMs`, the child's heap
 * capped at `heapMb`. Calls `onOutcome` as results come.
 */
export async function runInputs(
  inputs: FuzzInput[],
  options: { deadlineMs: number; heapMb: number; onOutcome?: (outcome: FuzzOutcome) => void },
): Promise<FuzzOutcome[]> {
  const outcomes: FuzzOutcome[] = [];
  let child: ChildProcess | undefined;
  // The deadline counts from a ready child: loading the parsers under tsx takes seconds on a busy machine.
  const start = async (): Promise<ChildProcess> => {
    const started = fork(join(here, 'fuzz-child.ts'), [], {
      execArgv: ['--import', 'tsx', `--max-old-space-size=${options.heapMb}`, '--stack-size=984'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    await new Promise<void>((ready, failed) => {
      started.once('message', () => ready());
      started.once('exit', (code) => failed(new Error(`the fuzz child exited (${code}) before it was ready`)));
    });
    started.removeAllListeners('exit');
    return started;
  };
  try {
    for (let id = 0; id < inputs.length; id++) {
      const input = inputs[id]!;
      child ??= await start();
      const running = child;
      const started = Date.now();
      const outcome = await new Promise<FuzzOutcome>((done) => {
        let stderr = '';
        const onData = (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000));
        running.stderr?.on('data', onData);
        const finish = (value: FuzzOutcome) => {
          clearTimeout(timer);
          running.off('message', onMessage);
          running.off('exit', onExit);
          running.stderr?.off('data', onData);
          done(value);
        };
        const onMessage = (reply: ChildReply) => {
          if (reply.id === id) finish({ input, result: reply.result, detail: reply.detail, ms: reply.ms, rssMb: reply.rssMb });
        };
        const onExit = (code: number | null, signal: string | null) =>
          finish({
            input,
            result: 'crash',
            detail: `child exited (${signal ?? code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
            ms: Date.now() - started,
            rssMb: 0,
          });
        const timer = setTimeout(() => {
          running.kill('SIGKILL');
          finish({ input, result: 'hang', detail: `no answer within ${options.deadlineMs} ms`, ms: Date.now() - started, rssMb: 0 });
        }, options.deadlineMs);
        running.on('message', onMessage);
        running.once('exit', onExit);
        running.send({ id, parser: input.parser, file: input.file, bytes: input.bytes });
      });
      if (outcome.result === 'hang' || outcome.result === 'crash') child = undefined;
      outcomes.push(outcome);
      options.onOutcome?.(outcome);
    }
  } finally {
    child?.kill('SIGKILL');
  }
  return outcomes;
}

/** A one-line description of a failing outcome (replayable: parser, seed file, mutation). */
export function describeFailure(outcome: FuzzOutcome): string {
  return `${outcome.input.parser} ← ${outcome.input.file.replace(root, '.')} (${outcome.input.mutation}, ${outcome.input.bytes.length} bytes): ${outcome.result}: ${outcome.detail ?? ''}`;
}
