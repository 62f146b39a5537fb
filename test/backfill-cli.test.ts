/** `xivdigest backfill` through the built CLI: Kaggle files (.gz too) and OAI-PMH harvests, killed with SIGKILL mid-run and resumed, on SQLite and PostgreSQL. */
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it, type OnTestFinishedHandler } from 'vitest';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { startFakeLlmServer } from './helpers/fake-llm-server.js';
import { feedOf, goodPapers } from './helpers/good-papers.js';
import { startCli, type CliProcess } from './helpers/cli-process.js';
import { startTestServer, type RecordedRequest, type TestResponse } from './helpers/http-server.js';
import { hasSharedFixtures, ownFixture, sharedFixture, sharedSkipReason } from './helpers/shared-fixtures.js';
import { createTempPostgresDatabase, createTempSqliteDatabase, testDatabases, type TempDatabase } from './helpers/temp-store.js';

/**
 * The test's own clean-up (its context's `onTestFinished`): the two databases' tests run side by side, so one test's
 * end must not close what the other still uses (a file-wide `afterEach` would).
 */
type OnFinished = (handler: OnTestFinishedHandler) => void;

/** A local HTTP server closed when the test ends. */
async function serve(onFinished: OnFinished, ...args: Parameters<typeof startTestServer>) {
  const server = await startTestServer(...args);
  onFinished(() => server.close());
  return server;
}

/**
 * Sends `signal` to the process as soon as its stderr matches `pattern` (on the chunk that completes the match, not at
 * the next poll, so that the process has gone on as little as possible); rejects if it exits first or after 60 s.
 */
function signalOnStderr(child: CliProcess, pattern: RegExp, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`stderr did not match ${pattern} in time\n${child.stderr()}`));
    }, 60_000);
    const onData = () => {
      if (!pattern.test(child.stderr())) return;
      child.child.kill(signal);
      stop();
      resolve();
    };
    const onClose = () => {
      stop();
      reject(new Error(`exited before stderr matched ${pattern}\n${child.stderr()}`));
    };
    const stop = () => {
      clearTimeout(timer);
      child.child.stderr!.off('data', onData);
      child.child.off('close', onClose);
    };
    // Registered after startCli's own listener, which has appended the chunk by the time this one runs.
    child.child.stderr!.on('data', onData);
    child.child.on('close', onClose);
  });
}

/** Our own records (test/fixtures/kaggle), blank lines dropped. */
const ownRecords = readFileSync(ownFixture('kaggle', 'snapshot-sample.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '');

/** Writes `count` snapshot lines made from the records with fresh new-style ids (9YMM.NNNNN), streaming. */
async function writeSnapshot(path: string, count: number): Promise<void> {
  const out = createWriteStream(path);
  for (let index = 0; index < count; index++) {
    const id = `${9000 + Math.floor(index / 100_000)}.${String(index % 100_000).padStart(5, '0')}`;
    const record = JSON.parse(ownRecords[index % ownRecords.length]!) as Record<string, unknown>;
    record.id = id;
    if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

interface Setup {
  sandbox: CliSandbox;
  database: TempDatabase;
  env: Record<string, string>;
}

async function setup(kind: 'sqlite' | 'postgres', onFinished: OnFinished): Promise<Setup> {
  const sandbox = createCliSandbox();
  onFinished(() => sandbox.cleanup());
  const database = kind === 'sqlite' ? await createTempSqliteDatabase() : await createTempPostgresDatabase();
  onFinished(() => database.cleanup());
  return { sandbox, database, env: { XIVDIGEST_DB: database.url } };
}

async function paperCounts(database: TempDatabase): Promise<{ rows: number; distinct: number }> {
  const [row] = await database.query<{ rows: number | string; distinct: number | string }>(
    'select count(*) as rows, count(distinct id) as "distinct" from papers',
  );
  return { rows: Number(row!.rows), distinct: Number(row!.distinct) };
}

/**
 * Papers stored and papers in the search index (SQLite: rowids given and documents in FTS5, every one of which has
 * the token `c0all`, after FTS5's own integrity check; PostgreSQL: search rows): the index commits with its papers.
 */
async function indexCounts(database: TempDatabase): Promise<number[]> {
  const count = async (sqlText: string) => Number((await database.query<{ n: number | string }>(sqlText))[0]!.n);
  const papers = await count('select count(*) as n from papers');
  if (database.kind === 'postgres') return [papers, await count('select count(*) as n from paper_search')];
  await database.query(`insert into paper_fts (paper_fts, rank) values ('integrity-check', 0)`);
  return [papers, await count('select count(*) as n from paper_search_ids'), await count(`select count(*) as n from paper_fts where paper_fts match 'c0all'`)];
}

/** The stored checkpoint under a key prefix (of the given file, for Kaggle). */
async function checkpoint<T>(database: TempDatabase, prefix: string, file?: string): Promise<T | undefined> {
  const rows = await database.query<{ key: string; value: unknown }>(`select key, value from state where key like '${prefix}%'`);
  const values = rows.map((row) => (typeof row.value === 'string' ? JSON.parse(row.value) : row.value) as T & { file?: string });
  return values.find((value) => file === undefined || value.file === file);
}

interface Summary {
  recordsRead: number;
  recordsTotal: number;
  chunks: number;
  done: boolean;
  alreadyDone: boolean;
  skipped: number;
  skippedLines: Array<{ line: number; reason: string }>;
  resumedFrom: { line?: number; offset?: number; window?: string; resumptionToken?: string } | null;
  inserted: number;
}

function summary(stdout: string): Summary {
  return JSON.parse(stdout) as Summary;
}

// Vitest runs consecutive concurrent describes, and the tests of a concurrent describe, side by side; the sequential
// describes between them keep it to the two heavy processes at a time the two cores of CI can run (each test has
// its own sandbox, database and servers, cleaned up by its own onTestFinished).
describe.concurrent.each(testDatabases())('backfill on $kind', ({ kind, skipReason }) => {
  it.skipIf(skipReason !== undefined)(
    'a Kaggle file killed with SIGKILL mid-file resumes after its last committed chunk (plain and .gz)',
    { timeout: 180_000 },
    async ({ onTestFinished }) => {
      const { sandbox, database, env } = await setup(kind, onTestFinished);
      // 20 chunks of 250: the kill, sent as soon as chunk 3 (750 records) is reported, lands well before the end (the
      // process goes on meanwhile: a few chunks at most, on a loaded machine); the reruns read the rest.
      const total = 5_000;
      const plain = join(sandbox.dir, 'snapshot.json');
      await writeSnapshot(plain, total);
      const gz = join(sandbox.dir, 'snapshot.json.gz');
      writeFileSync(gz, gzipSync(readFileSync(plain)));

      for (const file of [plain, gz]) {
        const name = file.endsWith('.gz') ? 'gz' : 'plain';
        // The .gz is loaded with each chunk's search documents (--search-index now), the plain file with them after
        // the load (the default, ADR 0069).
        const inStep = name === 'gz' ? ['--search-index', 'now'] : [];
        const child = startCli(sandbox, ['-v', 'backfill', '--kaggle', file, '--chunk-size', '250', '--restart', ...inStep], env);
        try {
          await signalOnStderr(child, /chunk 3 committed/, 'SIGKILL');
          expect(await child.exited()).toBe('SIGKILL');
        } finally {
          child.kill();
        }
        // Progress on stderr: records, papers/s, the share of the file and an ETA.
        if (name === 'plain') expect(child.stderr()).toMatch(/records stored \(.* this run\) {2}[\d,]+ papers\/s {2}[\d.]+% {2}ETA \d+:\d\d/);
        const saved = await checkpoint<{ line: number; offset: number; records: number; done: boolean }>(database, 'backfill:kaggle:', file);
        expect(saved, name).toBeDefined();
        expect(saved!.done, `${name}: the kill landed after the end; the file is too small for this machine`).toBe(false);
        expect(saved!.records % 250, name).toBe(0);
        expect(saved!.records).toBeGreaterThanOrEqual(750);
        // Exactly the committed chunks are stored: the killed chunk left nothing behind.
        if (name === 'plain') expect((await paperCounts(database)).rows).toBe(saved!.records);
        const stored = (await paperCounts(database)).rows;
        if (name === 'gz') {
          // In step, the search index holds exactly the stored papers (ADR 0055: documents are written at each commit).
          expect(await indexCounts(database)).toEqual(kind === 'sqlite' ? [stored, stored, stored] : [stored, stored]);
        } else {
          // After the load: none yet, and the store notes that some are missing.
          expect(await indexCounts(database)).toEqual(kind === 'sqlite' ? [stored, 0, 0] : [stored, 0]);
          expect(await checkpoint(database, 'search:missing-documents')).toBeDefined();
        }

        const rerun = await sandbox.run(['backfill', '--kaggle', file, '--chunk-size', '250', '--json', ...inStep], { env });
        expect(rerun.code, rerun.stderr).toBe(0);
        const result = summary(rerun.stdout);
        expect(result.resumedFrom).toEqual({ line: saved!.line, offset: saved!.offset });
        // Finished chunks were not read again: this run read only what the checkpoint had not covered.
        expect(result.recordsRead, name).toBe(total - saved!.records);
        expect(result.recordsTotal).toBe(total);
        expect(result.done).toBe(true);
        expect(rerun.stderr).toMatch(/resumed after line/);
        expect(await paperCounts(database)).toEqual({ rows: total, distinct: total });
        expect(await indexCounts(database)).toEqual(kind === 'sqlite' ? [total, total, total] : [total, total]);
        expect(await checkpoint(database, 'search:missing-documents')).toBeUndefined();

        const again = await sandbox.run(['backfill', '--kaggle', file, '--json'], { env });
        expect(summary(again.stdout)).toMatchObject({ alreadyDone: true, recordsRead: 0 });
      }
    },
  );

  it.skipIf(skipReason !== undefined)(
    'a Kaggle file killed with SIGKILL while its search documents are written: the rerun writes the rest, and searches find every paper',
    { timeout: 180_000 },
    async ({ onTestFinished }) => {
      const { sandbox, database, env } = await setup(kind, onTestFinished);
      // Enough papers that the pass takes several transactions (16,384 papers each on SQLite, 2,048 on PostgreSQL).
      const total = kind === 'sqlite' ? 24_000 : 8_000;
      const file = join(sandbox.dir, 'snapshot.json');
      await writeSnapshot(file, total);
      const child = startCli(sandbox, ['backfill', '--kaggle', file], env);
      try {
        // The pass's first line comes as it begins, before its first transaction commits.
        await signalOnStderr(child, /search index: 0 of [\d,]+ papers/, 'SIGKILL');
        expect(await child.exited()).toBe('SIGKILL');
      } finally {
        child.kill();
      }
      expect(child.stderr()).toMatch(new RegExp(`search index: 0 of ${total.toLocaleString('en-US')} papers`));
      const saved = await checkpoint<{ records: number; done: boolean }>(database, 'backfill:kaggle:', file);
      expect(saved).toMatchObject({ records: total, done: true });
      const [papers, indexed] = await indexCounts(database);
      expect(papers).toBe(total);
      expect(indexed, 'the kill landed after the pass; it is too short for this machine').toBeLessThan(total);
      expect(await checkpoint(database, 'search:missing-documents')).toBeDefined();
      // `status` says so, and what to do.
      const status = await sandbox.run(['status', '--json'], { env });
      expect(status.code, status.stderr).toBe(0);
      expect((JSON.parse(status.stdout) as { store: { search: { missing?: number } } }).store.search.missing).toBe(total - indexed!);
      const statusText = await sandbox.run(['status'], { env });
      expect(statusText.stdout).toMatch(/paper\(s\) are not in the index yet .*run the same `xivdigest backfill` command again, or `xivdigest reindex`/);
      // And `serve` warns it as it starts.
      const serving = startCli(sandbox, ['serve', '--port', '0'], env);
      try {
        expect(await serving.waitForStderr(/serving the web archive at/)).toMatch(/warning: search: .*paper\(s\) are not in the index yet/);
      } finally {
        serving.kill();
      }

      const rerun = await sandbox.run(['backfill', '--kaggle', file, '--json'], { env });
      expect(rerun.code, rerun.stderr).toBe(0);
      const result = JSON.parse(rerun.stdout) as Summary & { index: { indexed: number; remaining: number; stopped: boolean } | null };
      expect(result).toMatchObject({ alreadyDone: true, recordsRead: 0, index: { indexed: total - indexed!, remaining: 0, stopped: false } });
      expect(rerun.stderr).toMatch(/search index: [\d,]+ papers in \d+:\d\d/);
      expect(await indexCounts(database)).toEqual(kind === 'sqlite' ? [total, total, total] : [total, total]);
      expect(await checkpoint(database, 'search:missing-documents')).toBeUndefined();
      const statusAfter = await sandbox.run(['status', '--json'], { env });
      expect((JSON.parse(statusAfter.stdout) as { store: { search: { missing?: number } } }).store.search.missing).toBeUndefined();
      if (kind === 'sqlite') {
        // FTS5's usual merge width is back (the pass merges 16 segments at a time while it writes).
        const [row] = await database.query<{ v: number }>(`select v from paper_fts_config where k = 'automerge'`);
        expect(Number(row!.v)).toBe(4);
      }
      // Searched through the CLI: every paper made from the record titled "Old-Style Identifiers Still Work" is found.
      const titled = ownRecords.map((line) => (JSON.parse(line) as { title: string }).title);
      const expected = Array.from({ length: total }, (_, index) => titled[index % titled.length]!).filter((title) => /Identifiers/.test(title)).length;
      const search = await sandbox.run(['search', '--json', '--exact-total', 'ti:identifiers'], { env });
      expect(search.code, search.stderr).toBe(0);
      expect((JSON.parse(search.stdout) as { total: number }).total).toBe(expected);

      // A third run has nothing to do.
      const again = await sandbox.run(['backfill', '--kaggle', file, '--json'], { env });
      expect(JSON.parse(again.stdout)).toMatchObject({ alreadyDone: true, index: null });
    },
  );

  // PostgreSQL reads in the reader thread (ADR 0071): the error crosses from it.
  it.skipIf(skipReason !== undefined)(
    'a .gz cut short: keeps the chunks before the damage, and says so and what to do',
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const { sandbox, database, env } = await setup(kind, onTestFinished);
      const plain = join(sandbox.dir, 'whole.json');
      await writeSnapshot(plain, 3_000);
      const whole = gzipSync(readFileSync(plain));
      const cut = join(sandbox.dir, 'cut.json.gz');
      writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
      const run = await sandbox.run(['backfill', '--kaggle', cut, '--chunk-size', '100', '--json'], { env });
      // Bad input (exit status 4), not an internal error.
      expect(run.code, run.stderr).toBe(4);
      expect(run.stderr).toMatch(/cut\.json\.gz is not a whole gzip file \(unexpected end of file\); the chunks committed before the damage are kept/);
      expect(run.stderr).toMatch(/Download the snapshot again/);
      const stored = (await paperCounts(database)).rows;
      expect(stored).toBeGreaterThan(0);
      expect(stored).toBeLessThan(3_000);
      expect(stored % 100).toBe(0);
    },
  );

  it.skipIf(skipReason !== undefined)(
    'an OAI-PMH harvest killed while waiting for a page resumes from the stored resumption token',
    { timeout: 120_000 },
    async ({ onTestFinished }) => {
      const { sandbox, database, env } = await setup(kind, onTestFinished);
      let hangPage3 = true;
      let fail503 = true;
      const server = await serve(onTestFinished, [
        {
          path: '/oai',
          reply: (request) =>
            oaiReply(request, {
              hangPage3: () => hangPage3,
              fail503: () => {
                const fail = fail503;
                fail503 = false;
                return fail;
              },
            }),
        },
      ]);
      const oaiEnv = { ...env, XIVDIGEST_ARXIV_OAI_URL: `${server.url}/oai` };
      const args = ['backfill', '--oai-pmh', '--set', 'cs', '--from', '2024-01-01', '--until', '2024-02-10'];
      const child = startCli(sandbox, ['-v', ...args], oaiEnv);
      try {
        const deadline = Date.now() + 60_000;
        while (!server.requests.some((request) => request.query.resumptionToken === 'jan|3')) {
          if (!child.alive()) throw new Error(`exited early\n${child.stderr()}`);
          if (Date.now() > deadline) throw new Error(`page 3 never asked for\n${child.stderr()}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        child.child.kill('SIGKILL');
        expect(await child.exited()).toBe('SIGKILL');
      } finally {
        child.kill();
      }
      const saved = await checkpoint<{ done: string[]; current?: { window: string; resumptionToken: string }; records: number }>(database, 'backfill:oai-pmh:');
      expect(saved).toMatchObject({ done: [], current: { window: 'cs|2024-01-01|2024-01-31', resumptionToken: 'jan|3' }, records: 4 });
      expect((await paperCounts(database)).rows).toBe(4);

      hangPage3 = false;
      const asked = server.requests.length;
      const rerun = await sandbox.run([...args, '--json'], { env: oaiEnv });
      expect(rerun.code, rerun.stderr).toBe(0);
      const result = summary(rerun.stdout);
      expect(result.resumedFrom).toEqual({ window: 'cs|2024-01-01|2024-01-31', resumptionToken: 'jan|3' });
      expect(result).toMatchObject({ recordsRead: 4, recordsTotal: 8, done: true });
      const requests = server.requests
        .slice(asked)
        .map((request) => request.query.resumptionToken ?? `${request.query.set} ${request.query.from}..${request.query.until}`);
      // The 503 (Retry-After: 1) was retried; January's first pages were not asked for again.
      expect(requests).toEqual(['jan|3', 'jan|3', 'cs 2024-02-01..2024-02-10']);
      expect(await paperCounts(database)).toEqual({ rows: 8, distinct: 8 });
      const finished = await checkpoint<{ done: string[]; current?: unknown }>(database, 'backfill:oai-pmh:');
      expect(finished!.done).toEqual(['cs|2024-01-01|2024-01-31', 'cs|2024-02-01|2024-02-10']);
      expect(finished!.current).toBeUndefined();
    },
  );
});

describe('enrich --all over the stored archive (fake OpenAI-compatible server)', () => {
  const KEY = 'sk-test-secret-archive-0123456789';

  it('selects by day range, pages through the archive, and skips what earlier runs finished', { timeout: 120_000 }, async ({ onTestFinished }) => {
    const { sandbox, env } = await setup('sqlite', onTestFinished);
    const papers = goodPapers(5);
    expect(papers).toHaveLength(5);
    const server = await startFakeLlmServer({ papers, apiKey: KEY });
    onTestFinished(() => server.close());
    const monday = join(sandbox.dir, 'monday.xml');
    const tuesday = join(sandbox.dir, 'tuesday.xml');
    writeFileSync(monday, feedOf(papers.slice(0, 3)));
    writeFileSync(tuesday, feedOf(papers.slice(3), 'Tue, 24 Nov 2026 00:00:00 -0500'));
    const ingest = await sandbox.run(['ingest', monday, tuesday], { env });
    expect(ingest.code, ingest.stderr).toBe(0);
    const llmEnv = { ...env, OPENAI_API_KEY: KEY, OPENAI_API_BASE: server.url, OPENAI_API_MODEL: 'gpt-4o-mini' };

    const tuesdayOnly = await sandbox.run(['enrich', '--from', '2026-11-24', '--json'], { env: llmEnv });
    expect(tuesdayOnly.code, tuesdayOnly.stderr).toBe(0);
    expect(JSON.parse(tuesdayOnly.stdout)).toMatchObject({ total: 2, done: 2, cached: 0, failed: [], pages: 1 });
    const callsAfterTuesday = server.requests.length;

    const all = await sandbox.run(['enrich', '--all', '--budget', '5', '--json'], { env: llmEnv });
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout)).toMatchObject({ total: 5, done: 3, cached: 2, failed: [], stoppedForBudget: false });
    expect(all.stderr).toMatch(/enrich all: 3 enriched, 2 cached/);
    expect(server.requests.length - callsAfterTuesday).toBe(3);

    // A read of the finished day and a usage error: independent, side by side.
    const [monday2, mixed] = await Promise.all([
      sandbox.run(['enrich', '--until', '2026-11-23', '--json'], { env: llmEnv }),
      sandbox.run(['enrich', '--all', '--ids', papers[0]!.id], { env: llmEnv }),
    ]);
    expect(JSON.parse(monday2.stdout)).toMatchObject({ total: 3, done: 0, cached: 3, calls: 0 });
    for (const output of [all.stdout, all.stderr]) expect(output).not.toContain(KEY);
    expect(mixed.code).toBe(2);
  });
});

describe.concurrent('backfill on SQLite: stopping and expired tokens', () => {
  it('Ctrl-C stops after the chunk under way, exits 130, and the rerun goes on from there', { timeout: 120_000 }, async ({ onTestFinished }) => {
    const { sandbox, database, env } = await setup('sqlite', onTestFinished);
    // 20 chunks of 250: Ctrl-C as soon as chunk 2 is reported lands well before the end.
    const total = 5_000;
    const file = join(sandbox.dir, 'snapshot.json');
    await writeSnapshot(file, total);
    const child = startCli(sandbox, ['-v', 'backfill', '--kaggle', file, '--chunk-size', '250', '--json'], env);
    try {
      await signalOnStderr(child, /chunk 2 committed/, 'SIGINT');
      expect(await child.exited()).toBe(130);
    } finally {
      child.kill();
    }
    expect(child.stderr()).toMatch(/stopping after the current chunk/);
    const stopped = summary(child.stdout());
    expect(stopped).toMatchObject({ stopped: true, done: false });
    const saved = await checkpoint<{ records: number }>(database, 'backfill:kaggle:', file);
    expect(saved!.records).toBe(stopped.recordsTotal);
    expect((await paperCounts(database)).rows).toBe(stopped.recordsTotal);
    const rerun = await sandbox.run(['backfill', '--kaggle', file, '--json'], { env });
    expect(summary(rerun.stdout)).toMatchObject({ recordsRead: total - stopped.recordsTotal, done: true });
  });

  it('a stored resumption token that arXiv no longer accepts restarts its month only, with a warning', { timeout: 120_000 }, async ({ onTestFinished }) => {
    const { sandbox, database, env } = await setup('sqlite', onTestFinished);
    let hangPage3 = true;
    let badToken = true;
    const server = await serve(onTestFinished, [
      {
        path: '/oai',
        reply: (request) =>
          oaiReply(request, {
            hangPage3: () => hangPage3,
            fail503: () => false,
            badToken: () => {
              const bad = badToken;
              badToken = false;
              return bad;
            },
          }),
      },
    ]);
    const oaiEnv = { ...env, XIVDIGEST_ARXIV_OAI_URL: `${server.url}/oai` };
    const args = ['backfill', '--oai-pmh', '--set', 'cs', '--from', '2024-01-01', '--until', '2024-02-10'];
    const child = startCli(sandbox, args, oaiEnv);
    try {
      const deadline = Date.now() + 60_000;
      while (!server.requests.some((request) => request.query.resumptionToken === 'jan|3')) {
        if (!child.alive() || Date.now() > deadline) throw new Error(`page 3 never asked for\n${child.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      child.child.kill('SIGKILL');
      await child.exited();
    } finally {
      child.kill();
    }
    hangPage3 = false;
    const asked = server.requests.length;
    const rerun = await sandbox.run([...args, '--json'], { env: oaiEnv });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(/no longer accepts the stored resumption token for cs\|2024-01-01\|2024-01-31; harvesting that window again/);
    const requests = server.requests
      .slice(asked)
      .map((request) => request.query.resumptionToken ?? `${request.query.set} ${request.query.from}..${request.query.until}`);
    expect(requests).toEqual(['jan|3', 'cs 2024-01-01..2024-01-31', 'jan|2', 'jan|3', 'cs 2024-02-01..2024-02-10']);
    expect(summary(rerun.stdout)).toMatchObject({ recordsRead: 8, done: true });
    expect(await paperCounts(database)).toEqual({ rows: 8, distinct: 8 });
  });
});

describe('enrich --all with a budget and a limit', () => {
  const KEY = 'sk-test-secret-budget-0123456789';

  it(
    'stops at the budget for the whole run (exit 1, the rest counted as remaining) and takes --limit newest first',
    { timeout: 120_000 },
    async ({ onTestFinished }) => {
      const { sandbox, env } = await setup('sqlite', onTestFinished);
      const papers = goodPapers(5);
      const server = await startFakeLlmServer({ papers, apiKey: KEY });
      onTestFinished(() => server.close());
      const feed = join(sandbox.dir, 'feed.xml');
      writeFileSync(feed, feedOf(papers));
      expect((await sandbox.run(['ingest', feed], { env })).code).toBe(0);
      const llmEnv = { ...env, OPENAI_API_KEY: KEY, OPENAI_API_BASE: server.url, OPENAI_API_MODEL: 'gpt-4o-mini' };

      const limited = await sandbox.run(['enrich', '--all', '--limit', '2', '--json'], { env: llmEnv });
      expect(limited.code, limited.stderr).toBe(0);
      expect(JSON.parse(limited.stdout)).toMatchObject({ total: 2, done: 2 });

      const tight = await sandbox.run(['enrich', '--all', '--budget', '0.0000001', '--concurrency', '1', '--json'], { env: llmEnv });
      expect(tight.code, tight.stderr).toBe(1);
      const result = JSON.parse(tight.stdout) as { total: number; done: number; cached: number; remaining: number; stoppedForBudget: boolean };
      expect(result).toMatchObject({ total: 5, cached: 2, stoppedForBudget: true });
      expect(result.done).toBe(1);
      expect(result.remaining).toBe(2);
      expect(tight.stderr).toMatch(/stopped at the budget: 2 paper\(s\) left/);
    },
  );
});

describe.concurrent('backfill on SQLite: small files', () => {
  it('stores our own records, lists a malformed line, and reads a finished file again only with --restart', async ({ onTestFinished }) => {
    const { sandbox, database, env } = await setup('sqlite', onTestFinished);
    const file = join(sandbox.dir, 'mixed.jsonl');
    writeFileSync(file, [ownRecords[0], '{"id": "2402.0000', '', ...ownRecords.slice(1)].join('\n'));
    const first = await sandbox.run(['-v', 'backfill', '--kaggle', file, '--chunk-size', '1', '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    const result = summary(first.stdout);
    expect(result).toMatchObject({ recordsRead: ownRecords.length, skipped: 1, done: true, resumedFrom: null });
    expect(result.skippedLines[0]).toMatchObject({ line: 2 });
    expect(first.stderr).toMatch(/1 line\(s\) were not papers and were skipped/);
    expect(first.stderr).toMatch(/skipped line 2: Line 2 of .* is not valid JSON/);
    expect((await paperCounts(database)).rows).toBe(ownRecords.length);

    const restart = await sandbox.run(['backfill', '--kaggle', file, '--restart', '--json'], { env });
    expect(summary(restart.stdout)).toMatchObject({ recordsRead: ownRecords.length, inserted: 0, done: true });
  });

  it.skipIf(!hasSharedFixtures)('stores the real first 200 records of the snapshot, .gz too', async ({ onTestFinished }) => {
    const { sandbox, database, env } = await setup('sqlite', onTestFinished);
    const real = sharedFixture('arxiv', 'kaggle-arxiv-metadata-oai-snapshot-first200.jsonl');
    const gz = join(sandbox.dir, 'first200.json.gz');
    writeFileSync(gz, gzipSync(readFileSync(real)));
    const plain = await sandbox.run(['backfill', '--kaggle', real, '--chunk-size', '64', '--json'], { env });
    expect(plain.code, plain.stderr).toBe(0);
    expect(summary(plain.stdout)).toMatchObject({ recordsRead: 200, inserted: 200, skipped: 0, done: true, chunks: 4 });
    const compressed = await sandbox.run(['backfill', '--kaggle', gz, '--json'], { env });
    // Another file (its head differs), the same papers: read whole, nothing new.
    expect(summary(compressed.stdout)).toMatchObject({ recordsRead: 200, inserted: 0, done: true });
    expect(await paperCounts(database)).toEqual({ rows: 200, distinct: 200 });
  });
  if (!hasSharedFixtures) console.warn(sharedSkipReason);

  it('refuses unclear requests with a usage error', async ({ onTestFinished }) => {
    const { sandbox, env } = await setup('sqlite', onTestFinished);
    // Three refusals, independent of each other: run side by side.
    const [none, mixed, missing] = await Promise.all([
      sandbox.run(['backfill'], { env }),
      sandbox.run(['backfill', '--kaggle', 'x.json', '--set', 'cs'], { env }),
      sandbox.run(['backfill', '--kaggle', join(sandbox.dir, 'absent.json')], { env }),
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/needs one of --kaggle FILE and --oai-pmh/);
    expect(mixed.code).toBe(2);
    expect(missing.code).toBe(4);
  });
});

/** A recorded-format arXivRaw record. */
function oaiRecord(id: string, day: string): string {
  return `<record><header><identifier>oai:arXiv.org:${id}</identifier><datestamp>${day}</datestamp><setSpec>cs</setSpec></header>
<metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>${id}</id><submitter>Ada Example</submitter><version version="v1"><date>Mon, 1 Jan 2024 10:00:00 GMT</date><size>120kb</size></version><title>Backfill test paper ${id}</title><authors>Ada Example and Bo Sample</authors><categories>cs.CL</categories><abstract>A hand-written record for the backfill tests.</abstract></arXivRaw></metadata></record>`;
}

function oaiPage(records: string[], token: string | undefined, cursor: number, size: number): string {
  const resumption =
    token === undefined
      ? `<resumptionToken cursor="${cursor}" completeListSize="${size}"/>`
      : `<resumptionToken cursor="${cursor}" completeListSize="${size}">${token}</resumptionToken>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2024-03-01T00:00:00Z</responseDate><request verb="ListRecords">http://127.0.0.1/oai</request>
<ListRecords>${records.join('\n')}${resumption}</ListRecords></OAI-PMH>`;
}

/** January: three pages of two records (tokens jan|2, jan|3); February 1-10: one page of two. */
function oaiReply(request: RecordedRequest, faults: { hangPage3: () => boolean; fail503: () => boolean; badToken?: () => boolean }): TestResponse {
  const xml = (body: string): TestResponse => ({ headers: { 'content-type': 'text/xml; charset=utf-8' }, body });
  const token = request.query.resumptionToken;
  if (token === 'jan|2') return xml(oaiPage([oaiRecord('2401.00003', '2024-01-10'), oaiRecord('2401.00004', '2024-01-11')], 'jan|3', 2, 6));
  if (token === 'jan|3') {
    if (faults.hangPage3()) return { hang: true };
    if (faults.badToken?.()) {
      return xml(`<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2024-03-01T00:00:00Z</responseDate><request verb="ListRecords" resumptionToken="jan|3">http://127.0.0.1/oai</request><error code="badResumptionToken">The resumption token has expired.</error></OAI-PMH>`);
    }
    if (faults.fail503()) return { status: 503, headers: { 'retry-after': '1' }, body: 'busy' };
    return xml(oaiPage([oaiRecord('2401.00005', '2024-01-20'), oaiRecord('2401.00006', '2024-01-21')], undefined, 4, 6));
  }
  if (request.query.from === '2024-01-01' && request.query.until === '2024-01-31') {
    return xml(oaiPage([oaiRecord('2401.00001', '2024-01-02'), oaiRecord('2401.00002', '2024-01-03')], 'jan|2', 0, 6));
  }
  if (request.query.from === '2024-02-01' && request.query.until === '2024-02-10') {
    return xml(oaiPage([oaiRecord('2402.00001', '2024-02-02'), oaiRecord('2402.00002', '2024-02-03')], undefined, 0, 2));
  }
  return { status: 400, body: `unexpected request ${request.url}` };
}
