/**
 * A SQLite transaction's search documents are held until its commit (docs/decisions/0055-index-at-commit.md): what a
 * transaction reads of the index must still be what it wrote, a savepoint rolled back must take its documents with
 * it (also those a search inside it had written to FTS5), and the index a long ingest leaves must be the one a
 * rebuild makes, token instance by token instance.
 */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Paper } from '../../../core/paper.js';
import { createTempStore, type TempStore } from '../../../../test/helpers/temp-store.js';
import { indexMissing, rebuildSearchIndex } from '../../index.js';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { FLUSH_AT, PendingDocuments } from './pending.js';

function paper(id: string, title: string): Paper {
  return {
    id,
    version: 1,
    title,
    authors: [{ name: 'Ada Lovelace' }],
    abstract: `The abstract of ${title}, number ${id}.`,
    categories: ['cs.CL'],
    links: { abs: `https://arxiv.org/abs/${id}` },
    announced: '2025-04-28',
    versions: [{ version: 1 }],
    source: 'arxiv-rss',
  };
}

function papers(prefix: string, word: string, count: number): Paper[] {
  return Array.from({ length: count }, (_, index) => ({
    ...paper(`${prefix}.${String(index).padStart(5, '0')}`, `${word} ${index}`),
    title: `${word} study ${index}`,
  }));
}

/** Every token instance of the index as (term, paper, column, offset), sorted: rowids differ between an ingest and a rebuild. */
function instances(file: string): string[] {
  const db = new Database(file);
  try {
    db.exec(`create virtual table temp.vocab using fts5vocab(main, paper_fts, 'instance')`);
    const rows = db
      .prepare('select v.term, s.paper_id, v.col, v.offset from temp.vocab v left join paper_search_ids s on s.doc = v.doc')
      .raw(true)
      .all() as unknown[][];
    return rows.map((row) => row.join('\u0000')).sort();
  } finally {
    db.close();
  }
}

/** Papers stored, rowids given, and documents in FTS5 (every document has the token `c0all`); FTS5's own check. */
function counts(file: string): { papers: number; ids: number; documents: number } {
  const db = new Database(file);
  try {
    db.exec(`insert into paper_fts (paper_fts, rank) values ('integrity-check', 0)`);
    const count = (sqlText: string) => (db.prepare(sqlText).get() as { n: number }).n;
    return {
      papers: count('select count(*) as n from papers'),
      ids: count('select count(*) as n from paper_search_ids'),
      documents: count(`select count(*) as n from paper_fts where paper_fts match 'c0all'`),
    };
  } finally {
    db.close();
  }
}

/** Segments in the index (FTS5's structure record: a 4-byte cookie, the version-2 marker, then nLevel and nSegment varints). */
function segments(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    const block = (db.prepare('select block from paper_fts_data where id = 10').get() as { block: Buffer }).block;
    let at = block.subarray(4, 8).equals(Buffer.from([0xff, 0, 0, 1])) ? 8 : 4;
    const varint = (): number => {
      let value = 0;
      for (let index = 0; index < 9; index += 1) {
        const byte = block[at++]!;
        if (index === 8) return value * 256 + byte;
        value = value * 128 + (byte & 0x7f);
        if (!(byte & 0x80)) break;
      }
      return value;
    };
    varint(); // nLevel
    return varint();
  } finally {
    db.close();
  }
}

describe('search documents held until the commit (SQLite)', () => {
  let temp: TempStore;
  beforeEach(async () => {
    temp = await createTempStore('sqlite');
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  it('are found by searches inside the transaction, leave with a savepoint rolled back, and make the index a rebuild makes', { timeout: 120_000 }, async () => {
    const alpha = papers('2501', 'alpha', 300);
    // More than a flush's worth, so that documents are written to FTS5 while the transaction goes on.
    const delta = papers('2502', 'delta', FLUSH_AT + 500);
    await temp.store.transaction(async (tx) => {
      await tx.upsertPapers(alpha);
      await expect(
        tx.transaction(async (inner) => {
          await inner.upsertPapers(papers('2503', 'bravo', 50));
          // This search writes the held documents (alpha's too) to FTS5 inside the savepoint that then rolls back.
          expect((await inner.search({ q: 'bravo' })).total).toBe(50);
          expect((await inner.search({ q: 'alpha' })).total).toBe(300);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect((await tx.search({ q: 'bravo' })).total).toBe(0);
      expect((await tx.search({ q: 'alpha' })).total).toBe(300);
      // A paper indexed earlier in the transaction, indexed again.
      await tx.upsertPapers([{ ...alpha[0]!, version: 2, versions: [{ version: 2 }], title: 'charlie renamed', abstract: 'Renamed.' }]);
      for (let start = 0; start < delta.length; start += 1_000) await tx.upsertPapers(delta.slice(start, start + 1_000));
      expect((await tx.search({ q: 'charlie' })).total).toBe(1);
    });
    expect((await temp.store.search({ q: 'alpha' })).total).toBe(299);
    expect((await temp.store.search({ q: 'charlie' })).total).toBe(1);
    expect((await temp.store.search({ q: 'bravo' })).total).toBe(0);
    expect((await temp.store.search({ q: 'delta' })).total).toBe(delta.length);
    const total = alpha.length + delta.length;
    expect(counts(temp.url)).toEqual({ papers: total, ids: total, documents: total });

    const ingested = instances(temp.url);
    expect(ingested.length).toBeGreaterThan(total * 10);
    await rebuildSearchIndex(temp.store);
    expect(instances(temp.url)).toEqual(ingested);
  });

  it("go to FTS5 in rowid order, one segment for the transaction however scattered the papers' days (ADR 0061)", async () => {
    // A backfill's records jump between sort days, whose rowid blocks are far apart (ADR 0049): written in the order
    // they came, FTS5 wrote a segment at every step back.
    const scattered = papers('2506', 'golf', 600).map((record, index) => ({
      ...record,
      announced: `2024-${String(1 + ((index * 7) % 12)).padStart(2, '0')}-${String(1 + ((index * 13) % 28)).padStart(2, '0')}`,
    }));
    await temp.store.transaction(async (tx) => {
      for (let start = 0; start < scattered.length; start += 128) await tx.upsertPapers(scattered.slice(start, start + 128));
    });
    expect(segments(temp.url)).toBe(1);
    expect((await temp.store.search({ q: 'golf' })).total).toBe(scattered.length);
    expect(counts(temp.url)).toEqual({ papers: scattered.length, ids: scattered.length, documents: scattered.length });
  });

  it('leave nothing behind when the transaction rolls back, and a write outside a transaction is indexed at its commit', async () => {
    await expect(
      temp.store.transaction(async (tx) => {
        await tx.upsertPapers(papers('2504', 'echo', 200));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(counts(temp.url)).toEqual({ papers: 0, ids: 0, documents: 0 });
    await temp.store.upsertPapers(papers('2505', 'foxtrot', 20));
    expect((await temp.store.search({ q: 'foxtrot' })).total).toBe(20);
    expect(counts(temp.url)).toEqual({ papers: 20, ids: 20, documents: 20 });
  });

  it(
    'left for later by a backfill and written by indexMissing make the index a rebuild makes, in one segment, with FTS5 merging at its usual width again (ADR 0069)',
    { timeout: 120_000 },
    async () => {
      // Days that jump back and forth, stored for later in chunks as a backfill does, beside papers indexed in step.
      const scattered = papers('2507', 'hotel', 3_000).map((record, index) => ({
        ...record,
        announced: `2023-${String(1 + ((index * 5) % 12)).padStart(2, '0')}-${String(1 + ((index * 11) % 28)).padStart(2, '0')}`,
      }));
      await temp.store.upsertPapers(papers('2508', 'india', 40));
      for (let start = 0; start < scattered.length; start += 500) {
        await temp.store.transaction(async (tx) => {
          for (let at = start; at < start + 500; at += 128)
            await tx.upsertPapers(scattered.slice(at, Math.min(at + 128, start + 500)), { searchIndex: 'later' });
        });
      }
      expect(counts(temp.url)).toEqual({ papers: 3_040, ids: 40, documents: 40 });
      const result = await indexMissing(temp.store, { transactionSize: 1_000 });
      expect(result).toMatchObject({ indexed: 3_000, remaining: 0, stopped: false });
      expect(counts(temp.url)).toEqual({ papers: 3_040, ids: 3_040, documents: 3_040 });
      // The in-step papers' segment and the pass's three transactions' (one rising run), merged afterwards into one.
      expect(segments(temp.url)).toBe(1);
      const db = new Database(temp.url, { readonly: true });
      try {
        expect(db.prepare(`select v from paper_fts_config where k = 'automerge'`).pluck().get()).toBe(4);
      } finally {
        db.close();
      }
      const passed = instances(temp.url);
      await rebuildSearchIndex(temp.store);
      expect(instances(temp.url)).toEqual(passed);
    },
  );
});

describe('a flush that fails part way (SQLite)', () => {
  it('refuses to write again until a rollback to a savepoint from before it has taken its part back out', async () => {
    const database = new Database(':memory:');
    database.exec(`create virtual table paper_fts using fts5(title, ttitle, tldr, abstract, authors, cats, content = '', contentless_delete = 1)`);
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database }) });
    try {
      await db.connection().execute(async (connection) => {
        const count = async () =>
          Number((await sql<{ n: number }>`select count(*) as n from paper_fts where paper_fts match 'word'`.execute(connection)).rows[0]!.n);
        await sql`begin`.execute(connection);
        const documents = new PendingDocuments();
        await sql`savepoint batch`.execute(connection);
        const mark = documents.mark();
        // More than one statement's worth; the last in rowid order cannot be bound, so its statement fails after the first wrote.
        for (let rowid = 5_000; rowid >= 1; rowid -= 1) documents.add([rowid, 'word', '', '', rowid === 5_000 ? { not: 'text' } : 'text', '', 'c0all']);
        await expect(documents.flush(connection)).rejects.toThrow();
        expect(await count()).toBe(4_096);
        await expect(documents.flush(connection)).rejects.toMatchObject({ code: 'STORE_ERROR', message: expect.stringContaining('part of a failed write') });
        await sql`rollback to batch`.execute(connection);
        documents.rollbackTo(mark);
        expect(await count()).toBe(0);
        for (let rowid = 1; rowid <= 10; rowid += 1) documents.add([rowid, 'word', '', '', 'text', '', 'c0all']);
        await documents.flush(connection);
        expect(await count()).toBe(10);
        await sql`commit`.execute(connection);
      });
    } finally {
      await db.destroy();
    }
  });
});
