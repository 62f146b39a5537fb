/**
 * End-to-end tests of the `xivdigest` command: the built CLI in child processes, with temp databases and local servers.
 * The tests run side by side (each CLI run is a process, and most of a test's time is its processes' start), each
 * writing test in a sandbox of its own, copied from one database migrated once (ADR 0066).
 */
import { readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCliSandbox, twoAtATime, type CliResult, type CliSandbox } from './helpers/cli.js';
import { startTestServer } from './helpers/http-server.js';
import { hasSharedFixtures, ownFixture, sharedFixture, sharedFixtureFiles } from './helpers/shared-fixtures.js';

// Two tests at a time, as the machine the suite is made for has two cores: each test runs one CLI process at a time
// mostly, and a test's time is measured (and limited) from its start, not from when it was queued.
vi.setConfig({ maxConcurrency: 2 });

/** The sandbox of the tests that only read, or write what no other test reads. */
let sandbox: CliSandbox;
/** A database migrated by the CLI, copied into each fresh sandbox: runs side by side in a new sandbox never race to migrate it. */
let migrated: CliSandbox;
const sandboxes: CliSandbox[] = [];
beforeAll(async () => {
  migrated = createCliSandbox();
  sandboxes.push(migrated);
  const empty = await migrated.run(['papers']);
  expect(empty.code, empty.stderr).toBe(0);
  expect(empty.stdout + empty.stderr).toMatch(/No papers stored yet/);
  sandbox = fresh();
});
afterAll(() => {
  for (const each of sandboxes) each.cleanup();
});

/** A sandbox of its own for one test, its database a copy of the migrated one; removed after the file's tests. */
function fresh(): CliSandbox {
  const created = createCliSandbox();
  sandboxes.push(created);
  copyFileSync(migrated.db, created.db);
  return created;
}

/** The feed ingested twice into a sandbox of its own, once for the tests that look at it. */
let storedFeed: Promise<{ box: CliSandbox; first: CliResult; second: CliResult }> | undefined;
const ingestFeedTwice = () =>
  (storedFeed ??= (async () => {
    const box = fresh();
    const file = ownFixture('feeds', 'rss-new-sample.xml');
    const first = await box.run(['ingest', file, '--json']);
    const second = await box.run(['ingest', file, '--json']);
    return { box, first, second };
  })());

const json = (text: string) => JSON.parse(text) as Record<string, any>;

describe.concurrent('help', () => {
  it('lists every command, and every command has --help', async () => {
    const top = await sandbox.run(['--help']);
    expect(top.code).toBe(0);
    const commands = ['fetch', 'ingest', 'import-digest', 'import-seed-cache', 'papers', 'render', 'config'];
    for (const command of commands) expect(top.stdout).toContain(command);
    expect(top.stdout).toMatch(/Exit codes/);
    await twoAtATime(commands, async (command) => {
      const help = await sandbox.run([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toContain(`Usage: xivdigest ${command}`);
    });
  });

  it('rejects an unknown option with exit code 2', async () => {
    const result = await sandbox.run(['ingest', '--no-such-option', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option/);
  });
});

describe.concurrent('ingest', () => {
  it('stores a feed, and ingesting it again changes nothing', async () => {
    const { box, first, second } = await ingestFeedTwice();
    expect(first.code, first.stderr).toBe(0);
    expect(json(first.stdout)).toMatchObject({ ok: true, format: 'arxiv-rss', papers: 4, inserted: 4, updated: 0, unchanged: 0 });
    expect(json(second.stdout)).toMatchObject({ papers: 4, inserted: 0, updated: 0, unchanged: 4, versionsAdded: 0 });

    const papers = await box.run(['papers', '2503.00001', '--json']);
    expect(papers.code, papers.stderr).toBe(0);
    const [paper] = JSON.parse(papers.stdout) as Array<Record<string, any>>;
    expect(paper).toMatchObject({
      id: '2503.00001',
      version: 1,
      title: 'A Toy Tokenizer for Very Small Languages',
      announceType: 'new',
      categories: ['cs.CL', 'cs.AI'],
    });
    expect(paper!.authors[0]).toBe('Ada Example');
    expect(paper!.abstract).toContain('$0< \\epsilon \\ll 1$');
  });

  it('stores nothing from a malformed file and names the file and position', async () => {
    const box = fresh();
    const file = ownFixture('feeds', 'rss-new-cut-short.xml');
    const result = await box.run(['ingest', file]);
    expect(result.code).toBe(4);
    const errorLine = result.stderr.split('\n').find((line) => line.startsWith('xivdigest:'));
    expect(errorLine).toContain(file);
    expect(errorLine).toMatch(/line \d+/);
    const papers = await box.run(['papers', '--json']);
    expect(JSON.parse(papers.stdout)).toEqual([]);
  });

  it("turns arXiv's feed error document into a typed error, never 0 papers", async () => {
    const result = await sandbox.run(['ingest', ownFixture('feeds', 'rss-new-error.xml')]);
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/xivdigest: arXiv returned a feed error for .*rss-new-error\.xml.*Bad category 'cs\.XX'\. Check the category names/);
  });

  it('reports an empty feed as no announcement, not an error', async () => {
    const result = await sandbox.run(['ingest', ownFixture('feeds', 'rss-new-empty.xml'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(json(result.stdout)).toMatchObject({ papers: 0, noAnnouncement: true });
    expect(result.stderr).toMatch(/announced nothing/);
  });

  it('goes on past a bad file and exits 1 with the failure listed', async () => {
    const result = await fresh().run([
      'ingest',
      ownFixture('feeds', 'rdf-sample.xml'),
      ownFixture('feeds', 'rss-new-cut-short.xml'),
      ownFixture('kaggle', 'snapshot-sample.jsonl'),
      '--json',
    ]);
    expect(result.code).toBe(1);
    const rows = JSON.parse(result.stdout) as Array<Record<string, any>>;
    expect(rows.map((row) => row.ok)).toEqual([true, false, true]);
    expect(rows[1]!.error.code).toBe('XML_MALFORMED');
    expect(result.stderr).toMatch(/1 of 3 files failed/);
  });

  it('says which command to use for a digest, and refuses unknown formats', async () => {
    const unknown = join(sandbox.dir, 'notes.txt');
    writeFileSync(unknown, 'hello\n');
    // Three refusals, independent of each other: run side by side.
    const [digest, result, missing] = await Promise.all([
      sandbox.run(['ingest', ownFixture('digests', 'own-old-era.md')]),
      sandbox.run(['ingest', unknown]),
      sandbox.run(['ingest', join(sandbox.dir, 'missing.xml')]),
    ]);
    expect(digest.code).toBe(2);
    expect(digest.stderr).toContain('import-digest');
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/Cannot tell the format/);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/does not exist/);
  });

  describe.skipIf(!hasSharedFixtures)('every real arXiv fixture ingests or gives its typed error', () => {
    const expected: Record<string, number | string> = {
      'rss-new-quant-ph-2025-04-28.xml': 81,
      'rss-new-all-archives-2024-11-28.TRUNCATED.xml': 1062,
      'rss-new-empty-test-2024-11-28.xml': 0,
      'rss-new-error-bad-archive-astroph-2024-11-28.xml': 'ARXIV_FEED_ERROR',
      'rss-old-rdf-cs.PL-2015-06-11.xml': 2,
      'api-legacy-search-au-del_maestro-2016-10-09.xml': 10,
      'api-legacy-id_list-1111.2011v2-2016-10-09.xml': 1,
      'api-2026-golden-id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.json': 1,
      'api-2026-golden-id_0000.0000_s0_m100_8b51d9633a68.json': 0,
      'api-2026-golden-id_abc_s0_m100_b79c8dcf6bc3.json': 'ARXIV_API_ERROR',
      'oai-listrecords-arXiv-set-cs-2015-01-16to18.xml': 46,
      'oai-listrecords-arXiv-set-physics-2015-01-16to18.xml': 150,
      'oai-listrecords-arXivRaw-full-page-1000-records-2014-01-16.xml': 1000,
      'oai-error-noRecordsMatch-hep-lat-2016.xml': 'OAI_PMH_ERROR',
      'oai-error-badArgument-2015.xml': 'OAI_PMH_ERROR',
      'oai-error-badResumptionToken-2015.xml': 'OAI_PMH_ERROR',
      'oai-error-badVerb-2015.xml': 'OAI_PMH_ERROR',
      'oai-error-idDoesNotExist-arXivRaw-2015.xml': 'OAI_PMH_ERROR',
      'kaggle-arxiv-metadata-oai-snapshot-first200.jsonl': 200,
    };
    it('matches the expected count or error code for each file', async () => {
      const files = sharedFixtureFiles('arxiv');
      expect(files.length).toBeGreaterThan(20);
      const box = fresh();
      const result = await box.run(['ingest', ...files, '--json']);
      const rows = JSON.parse(result.stdout) as Array<Record<string, any>>;
      expect(rows).toHaveLength(files.length);
      for (const row of rows) {
        const want = expected[basename(row.file)];
        if (typeof want === 'number') expect(row, row.file).toMatchObject({ ok: true, papers: want });
        else if (typeof want === 'string') expect(row.error?.code, row.file).toBe(want);
        else expect(row.ok || typeof row.error?.code === 'string', row.file).toBe(true);
      }
      const stored = await box.run(['papers', '2504.17830', 'cond-mat/0412498', '--json']);
      expect(stored.code, stored.stderr).toBe(0);
      const [rssPaper, apiPaper] = JSON.parse(stored.stdout) as Array<Record<string, any>>;
      expect(rssPaper).toMatchObject({
        id: '2504.17830',
        version: 1,
        title: 'Self-Adjoint Time Operator in a Weighted Energy Space',
        authors: ['Radmir Kokoulin'],
        categories: ['quant-ph'],
        announceType: 'new',
      });
      expect(apiPaper).toMatchObject({ id: 'cond-mat/0412498' });
    });
  });
});

describe.concurrent('fetch', () => {
  it('gets a feed from the configured base URL with a polite User-Agent', async () => {
    const server = await startTestServer({
      '/rss/cs.CL+cs.AI': { status: 200, file: ownFixture('http', 'rss-cs.CL+cs.AI.xml'), headers: { 'content-type': 'application/rss+xml' } },
    });
    try {
      const result = await sandbox.run(['fetch', '--category', 'cs.CL+cs.AI', '--json'], {
        env: { XIVDIGEST_ARXIV_RSS_URL: server.url, XIVDIGEST_CONTACT: 'reader@example.org' },
      });
      expect(result.code, result.stderr).toBe(0);
      expect(json(result.stdout)).toMatchObject({ source: 'rss', papers: 3 });
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]!.headers['user-agent']).toMatch(/^xivdigest\/\S+ .*reader@example\.org/);
    } finally {
      await server.close();
    }
  });

  it('waits out a 429 with Retry-After and then succeeds', async () => {
    const server = await startTestServer({
      '/rss/cs.CL+cs.AI': [
        { status: 429, headers: { 'retry-after': '1' }, body: 'Rate exceeded.' },
        { status: 200, file: ownFixture('http', 'rss-cs.CL+cs.AI.xml') },
      ],
    });
    try {
      const result = await sandbox.run(['fetch', '-c', 'cs.CL+cs.AI'], { env: { XIVDIGEST_ARXIV_RSS_URL: server.url } });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/429.*retrying in 1 s/);
      expect(server.requests).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('fails with a one-line error after the retries run out', async () => {
    const server = await startTestServer({ '/rss/cs.CL': { status: 503, body: 'Service Unavailable' } });
    try {
      const config = join(sandbox.dir, 'fast-retries.json');
      writeFileSync(config, JSON.stringify({ arxiv: { maxRetries: 1, minIntervalMs: 0 } }));
      const result = await sandbox.run(['--config', config, 'fetch', '-c', 'cs.CL'], { env: { XIVDIGEST_ARXIV_RSS_URL: server.url } });
      expect(result.code).toBe(5);
      const errorLines = result.stderr.split('\n').filter((line) => line.startsWith('xivdigest:'));
      expect(errorLines).toHaveLength(1);
      expect(errorLines[0]).toMatch(/503/);
    } finally {
      await server.close();
    }
  });

  it('checks its options before any request', async () => {
    const [noCategory, badDate] = await Promise.all([sandbox.run(['fetch']), sandbox.run(['fetch', '--source', 'api', '-c', 'cs.CL', '--from', '2026-13-45'])]);
    expect(noCategory.code).toBe(2);
    expect(noCategory.stderr).toMatch(/needs --category/);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toMatch(/not a date/);
  });
});

describe.concurrent('digests', () => {
  /** Imports `files` in one run, each named after its file, then prints each back, two at a time, byte for byte. */
  const roundTrip = async (box: CliSandbox, files: string[]) => {
    const imported = await box.run(['import-digest', ...files, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    await twoAtATime(files, async (file) => {
      const rendered = await box.run(['render', basename(file, '.md'), '--format', 'md']);
      expect(rendered.code, rendered.stderr).toBe(0);
      expect(Buffer.from(rendered.stdout), file).toEqual(readFileSync(file));
    });
  };

  it('imports our own digests and renders them back byte for byte', async () => {
    const box = fresh();
    const files = ['own-empty.md', 'own-old-era.md', 'own-mixed-eras.md'].map((name) => ownFixture('digests', name));
    // The edge cases under a name given with --name, printed and written with --out; the rest imported in one run.
    const edge = ownFixture('digests', 'own-edge-cases.md');
    const [named] = await Promise.all([box.run(['import-digest', edge, '--name', 'rt-edge', '--json']), roundTrip(box, files)]);
    expect(named.code, named.stderr).toBe(0);
    const out = join(box.dir, 'rt-edge.md');
    const [rendered, written] = await Promise.all([box.run(['render', 'rt-edge', '--format', 'md']), box.run(['render', 'rt-edge', '--out', out])]);
    expect(rendered.code, rendered.stderr).toBe(0);
    expect(Buffer.from(rendered.stdout)).toEqual(readFileSync(edge));
    expect(written.code, written.stderr).toBe(0);
    expect(readFileSync(out)).toEqual(readFileSync(edge));
  });

  it.skipIf(!hasSharedFixtures)('imports every real cn-chat-arxiv digest and renders it back byte for byte', async () => {
    const files = [...sharedFixtureFiles('digests', (n) => n.endsWith('.md')), ...sharedFixtureFiles('seed-outputs', (n) => n.endsWith('.md'))];
    expect(files.length).toBeGreaterThanOrEqual(6);
    expect(new Set(files.map((file) => basename(file))).size, 'one name per digest').toBe(files.length);
    await roundTrip(fresh(), files);
  });

  it('names the digest after the file, lists digests, and explains a missing one', async () => {
    const file = join(sandbox.dir, 'cs.IR.md');
    copyFileSync(ownFixture('digests', 'own-old-era.md'), file);
    expect((await sandbox.run(['import-digest', file])).code).toBe(0);
    const list = await sandbox.run(['render']);
    expect(list.stdout).toMatch(/^cs\.IR\tlegacy\t/m);
    const missing = await sandbox.run(['render', 'cs.XX']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/No digest named "cs.XX".*Stored digests: .*cs\.IR/);
  });

  it('refuses a file that is not a digest in the original format, storing nothing', async () => {
    const broken = join(sandbox.dir, 'broken.md');
    writeFileSync(broken, readFileSync(ownFixture('digests', 'own-old-era.md'), 'utf8').replace('# 详细', '# Details'));
    const result = await sandbox.run(['import-digest', broken]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(broken);
    const list = await sandbox.run(['render']);
    expect(list.stdout).not.toMatch(/^broken\t/m);
  });
});

describe.concurrent('import-seed-cache', () => {
  it('imports JSON lines and a papers/ tree, reporting imported and flagged', async () => {
    const box = fresh();
    const lines = await box.run(['import-seed-cache', ownFixture('seed-cache', 'records.jsonl'), '--json']);
    expect(lines.code, lines.stderr).toBe(0);
    const summary = json(lines.stdout);
    expect(summary.imported).toBeGreaterThan(0);
    expect(typeof summary.flagged).toBe('number');
    const tree = await box.run(['import-seed-cache', ownFixture('seed-cache'), '--json']);
    const treeSummary = json(tree.stdout);
    expect(treeSummary.imported).toBeGreaterThan(0);
    // One file in the tree is invalid JSON on purpose: reported and skipped, the rest imported.
    expect(treeSummary.malformed).toBeGreaterThanOrEqual(1);
    expect(tree.stderr).toMatch(/skipped: /);
  });

  it.skipIf(!hasSharedFixtures)('imports the 3,000 real records and flags only a few', async () => {
    const result = await fresh().run(['import-seed-cache', sharedFixture('corpus', 'cn-chat-arxiv-papers-3000.jsonl'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = json(result.stdout);
    expect(summary.imported).toBe(3000);
    expect(summary.malformed).toBe(0);
    expect(summary.flagged).toBeLessThan(3000 * 0.35);
  });
});

describe.concurrent('configuration and database', () => {
  it('chooses the database from --db, then XIVDIGEST_DB, and prints it with --verbose', async () => {
    const other = join(sandbox.dir, 'other.db');
    // Three databases, one run each: side by side.
    const [fromEnv, fromFlag, byDefault] = await Promise.all([
      sandbox.run(['-v', 'papers']),
      sandbox.run(['--verbose', '--db', other, 'papers']),
      sandbox.run(['-v', 'papers'], { env: { XIVDIGEST_DB: undefined } }),
    ]);
    expect(fromEnv.stderr).toContain(`database: ${sandbox.db} (from XIVDIGEST_DB)`);
    expect(fromFlag.stderr).toContain(`database: ${other} (from --db)`);
    expect(byDefault.stderr).toContain(`database: ${join(sandbox.dir, 'data', 'xivdigest', 'xivdigest.db')} (from default)`);
  });

  it('reports config problems with dot paths', async () => {
    const file = join(sandbox.dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ arxiv: { minIntervalMs: -1, rssBaseUrl: 'not a url' }, extra: true }));
    // The environment outranks the file, so the sandbox's XIVDIGEST_MIN_INTERVAL_MS must not hide the file's value.
    const [check, used, schema] = await Promise.all([
      sandbox.run(['config', 'check', file], { env: { XIVDIGEST_MIN_INTERVAL_MS: undefined } }),
      sandbox.run(['--config', file, 'papers'], { env: { XIVDIGEST_MIN_INTERVAL_MS: undefined } }),
      sandbox.run(['config', 'schema']),
    ]);
    expect(check.code).toBe(3);
    expect(check.stdout).toMatch(/error: arxiv\.minIntervalMs: /);
    expect(check.stdout).toMatch(/error: arxiv\.rssBaseUrl: /);
    expect(check.stdout).toContain(`database: ${sandbox.db} (from XIVDIGEST_DB)`);
    expect(used.code).toBe(3);
    expect(used.stderr).toMatch(/Invalid configuration in .*bad\.json: .*arxiv\.minIntervalMs/);
    expect(json(schema.stdout).properties).toHaveProperty('arxiv');
  });

  it('says which ids are not stored', async () => {
    const { box } = await ingestFeedTwice();
    const result = await box.run(['papers', '2503.00001', '2101.99999']);
    expect(result.code).toBe(4);
    expect(result.stdout).toContain('2503.00001');
    expect(result.stderr).toMatch(/not in the store: 2101\.99999/);
  });
});
