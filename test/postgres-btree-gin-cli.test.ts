/**
 * PostgreSQL where btree_gin cannot be had (a server without contrib, or a role that may not create it: here a role
 * given a schema of its own and nothing else, as managed databases often grant): migration 0014 keeps the document's
 * GIN index and the archive searches as before; once an administrator installs the extension, `xivdigest reindex`
 * moves the archive to the GIN index over (day, document) (ADR 0067). A database and a role of their own, through
 * the built CLI. `status`, `serve` and `reindex` say which index serves search, and what to do without the new one.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../src/store/index.js';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { startCli } from './helpers/cli-process.js';
import { makePaper } from './helpers/select-papers.js';

const adminUrl = process.env.XIVDIGEST_TEST_PG_URL;

/** Paper `index`: every other one about diffusion, one a day in April 2025. */
const paper = (index: number) =>
  makePaper({
    id: `2504.${String(index).padStart(5, '0')}`,
    title: index % 2 === 0 ? `Diffusion models for planning, part ${index}` : `Graph networks, part ${index}`,
    categories: ['cs.LG'],
    announced: `2025-04-${String(1 + (index % 28)).padStart(2, '0')}`,
  });

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Why this file cannot run here, or undefined: it creates a database and a role, which takes a superuser. */
async function skipReason(): Promise<string | undefined> {
  if (!adminUrl) return 'XIVDIGEST_TEST_PG_URL is not set (.ci/run sets it to the PostgreSQL this machine starts)';
  const superuser = await withClient(
    adminUrl,
    async (client) => (await client.query<{ rolsuper: boolean }>('select rolsuper from pg_roles where rolname = current_user')).rows[0]?.rolsuper,
  );
  return superuser ? undefined : 'the role of XIVDIGEST_TEST_PG_URL is not a superuser: this test creates a database and a role of its own';
}

const reason = await skipReason();
if (reason) console.warn(`skipping the btree_gin fallback test: ${reason}`);

describe.skipIf(reason !== undefined)('PostgreSQL without btree_gin (built CLI)', () => {
  const name = `xivdigest_nogin_${process.pid}`;
  let cli: CliSandbox;
  let databaseUrl: string;
  let storeUrl: string;

  beforeAll(async () => {
    cli = createCliSandbox();
    await withClient(adminUrl!, async (client) => {
      await client.query(`create role ${name} login`);
      await client.query(`create database ${name}`);
    });
    const admin = new URL(adminUrl!);
    admin.pathname = `/${name}`;
    databaseUrl = admin.toString();
    // A managed database's usual grant: a schema of the role's own, and no right to create in the database (so none
    // to create a trusted extension) or in `public` (PostgreSQL 15's default, said outright for older servers).
    await withClient(databaseUrl, async (client) => {
      await client.query('revoke create on schema public from public');
      await client.query(`revoke create on database ${name} from public`);
      await client.query(`create schema archive authorization ${name}`);
    });
    const user = new URL(databaseUrl);
    user.username = name;
    user.password = '';
    user.searchParams.set('schema', 'archive');
    storeUrl = user.toString();
  });

  afterAll(async () => {
    cli?.cleanup();
    await withClient(adminUrl!, async (client) => {
      await client.query(`drop database if exists ${name} with (force)`);
      await client.query(`drop role if exists ${name}`);
    });
  });

  const indexes = () =>
    withClient(databaseUrl, async (client) =>
      (
        await client.query<{ name: string }>(`select indexname as name from pg_indexes where schemaname = 'archive' and tablename = 'paper_search' order by 1`)
      ).rows.map((row) => row.name),
    );
  const search = async () => {
    const result = await cli.run(['--db', storeUrl, 'search', 'diffusion', '--json']);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as { total: number; hits: Array<{ id: string }> };
  };

  const searchStatus = async () => {
    const result = await cli.run(['--db', storeUrl, 'status', '--json']);
    expect(result.code, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as { store: { search: unknown } }).store.search;
  };

  it('keeps the document index and searches as before; reindex moves to (day, document) once the extension is installed', async () => {
    const store = await createStore({ url: storeUrl });
    await store.upsertPapers(Array.from({ length: 30 }, (_, index) => paper(index + 1)));
    await store.close();
    expect(await indexes()).toEqual(['paper_search_day', 'paper_search_document', 'paper_search_pkey']);
    const before = await search();
    expect(before.total).toBe(15);

    // The operator is told, with what to do: by status, by serve as it starts, by reindex (which cannot build it).
    const denied =
      /the btree_gin extension is not installed and this role may not create it: run `create extension btree_gin` as the database owner or a superuser, then `xivdigest reindex`/;
    expect(await searchStatus()).toMatchObject({ ranking: 'ts_rank', index: 'document', reason: expect.stringMatching(denied) });
    const status = await cli.run(['--db', storeUrl, 'status']);
    expect(status.stdout).toMatch(new RegExp(`search: ranked with ts_rank over the document's own GIN index, slower on large archives: ${denied.source}`));
    const serving = startCli(cli, ['--db', storeUrl, 'serve', '--port', '0']);
    try {
      expect(await serving.waitForStderr(/serving the web archive at/)).toMatch(new RegExp(`warning: search: .*${denied.source}`));
    } finally {
      serving.kill();
    }
    const stillDenied = await cli.run(['--db', storeUrl, 'reindex', '--json']);
    expect(stillDenied.code, stillDenied.stderr).toBe(0);
    expect(JSON.parse(stillDenied.stdout)).toMatchObject({ papers: 30, index: 'document' });
    expect(stillDenied.stderr).toMatch(denied);

    // An administrator installs it (as the README says): status says to reindex, and the next reindex takes it up.
    await withClient(databaseUrl, (client) => client.query('create extension btree_gin schema public'));
    expect(await searchStatus()).toMatchObject({
      index: 'document',
      reason: 'btree_gin is installed now: run `xivdigest reindex` to build the index over (day, document)',
    });
    const reindexed = await cli.run(['--db', storeUrl, 'reindex', '--json']);
    expect(reindexed.code, reindexed.stderr).toBe(0);
    expect(JSON.parse(reindexed.stdout)).toMatchObject({ papers: 30, index: 'day-document' });
    expect(reindexed.stderr).not.toMatch(/warning/);
    expect(await indexes()).toEqual(['paper_search_day', 'paper_search_day_document', 'paper_search_pkey']);
    expect(await search()).toEqual(before);
    expect(await searchStatus()).toEqual({ ranking: 'ts_rank', index: 'day-document' });
    expect((await cli.run(['--db', storeUrl, 'status'])).stdout).toContain('search: ranked with ts_rank, GIN index over (day, document) (ADR 0067)');
  });
});
