/**
 * The first command after an upgrade migrates the database while the store opens; the long migrations (0008 on
 * SQLite, 0009 and 0011 on PostgreSQL rewrite every paper's search row) report their progress on stderr, as `reindex`
 * does.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Paper } from '../src/core/paper.js';
import { createStore } from '../src/store/index.js';
import { createCliSandbox, type CliSandbox } from './helpers/cli.js';
import { createTempDatabase, testDatabases, type TempDatabase } from './helpers/temp-store.js';

const PAPERS = 30;

function paper(index: number): Paper {
  const id = `2504.${String(index).padStart(5, '0')}`;
  return {
    id,
    version: 1,
    title: index % 2 === 0 ? `Diffusion models for planning, part ${index}` : `Graph networks, part ${index}`,
    authors: [{ name: 'Ada Lovelace' }],
    abstract: `Abstract of ${id}.`,
    categories: ['cs.LG'],
    links: { abs: `https://arxiv.org/abs/${id}` },
    announced: `2025-04-${String(1 + (index % 28)).padStart(2, '0')}`,
    versions: [{ version: 1 }],
    source: 'arxiv-rss',
  };
}

describe.each(testDatabases())('migration progress on $kind (built CLI)', ({ kind, skipReason }) => {
  let cli: CliSandbox;
  let database: TempDatabase | undefined;
  // The migration that rewrites the search index on this database (the other one does nothing there).
  const migration = kind === 'sqlite' ? '0008-search-docs-by-day' : '0009-search-day';

  beforeAll(() => {
    cli = createCliSandbox();
  });
  afterAll(() => cli?.cleanup());
  afterEach(async () => {
    await database?.cleanup();
    database = undefined;
  });

  it.skipIf(skipReason !== undefined)(`reports ${migration} on stderr while the store opens, and the command still succeeds`, async () => {
    database = await createTempDatabase(kind);
    const store = await createStore({ url: database.url });
    await store.upsertPapers(Array.from({ length: PAPERS }, (_, index) => paper(index + 1)));
    await store.close();
    // Back to the schema before the migration, as an archive written by the previous version has it.
    if (kind === 'postgres') await database.query('alter table paper_search drop column day');
    await database.query(`delete from kysely_migration where name >= '${migration}'`);

    const upgraded = await cli.run(['--db', database.url, 'search', 'diffusion', '--json']);
    expect(upgraded.code, upgraded.stderr).toBe(0);
    // The progress lines name the migration and count the papers; stdout stays the command's JSON.
    expect(upgraded.stderr).toContain(`migrating the database (${migration}): ${PAPERS}/${PAPERS}  100%`);
    expect(upgraded.stderr).toContain(`migrating the database (${migration}): ${PAPERS} papers (`);
    const answer = JSON.parse(upgraded.stdout) as { total: number };
    expect(answer.total).toBe(PAPERS / 2);

    // Migrated: the next command has nothing to migrate and says nothing about it.
    const again = await cli.run(['--db', database.url, 'search', 'diffusion', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('migrating');
    expect((JSON.parse(again.stdout) as { total: number }).total).toBe(PAPERS / 2);
  });

  it.skipIf(skipReason !== undefined || kind !== 'postgres')(
    'reports 0011 while it rewrites documents indexed with the old category lexemes (PostgreSQL only: SQLite keeps its tokens)',
    async () => {
      database = await createTempDatabase(kind);
      const store = await createStore({ url: database.url });
      await store.upsertPapers(Array.from({ length: PAPERS }, (_, index) => paper(index + 1)));
      await store.close();
      // Documents as the previous version wrote them: category lexemes c0…, author lexemes a0… (ADR 0059).
      await database.query(`update paper_search set document = cast(replace(replace(document::text, '''#', '''c0'), '''@', '''a0') as tsvector)`);
      await database.query(`delete from kysely_migration where name >= '0011'`);

      const typed = await cli.run(['--db', database.url, 'search', 'c0all', '--json']);
      expect(typed.code, typed.stderr).toBe(0);
      expect(typed.stderr).toContain(`migrating the database (0011-postgres-marked-lexemes): ${PAPERS}/${PAPERS}  100%`);
      expect((JSON.parse(typed.stdout) as { total: number }).total).toBe(0);
      const category = await cli.run(['--db', database.url, 'search', 'cat:cs.LG', '--json']);
      expect(category.stderr).not.toContain('migrating');
      expect((JSON.parse(category.stdout) as { total: number }).total).toBe(PAPERS);
    },
  );

  it.skipIf(skipReason !== undefined)('says nothing with --quiet', async () => {
    database = await createTempDatabase(kind);
    const store = await createStore({ url: database.url });
    await store.upsertPapers([paper(1), paper(2)]);
    await store.close();
    if (kind === 'postgres') await database.query('alter table paper_search drop column day');
    await database.query(`delete from kysely_migration where name >= '${migration}'`);
    const result = await cli.run(['--quiet', '--db', database.url, 'search', 'diffusion', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('migrating');
    expect((JSON.parse(result.stdout) as { total: number }).total).toBe(1);
  });
});
