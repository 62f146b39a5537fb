/**
 * The search documents of new papers are segmented in the thread that parsed them and written as they are by the
 * writer thread (docs/decisions/0050-index-values-from-the-parsing-thread.md): the index they make must be the one the
 * store makes itself from the stored rows, token by token, on real arXiv data, and a paper whose texts arrived first
 * must still be indexed with them. Plain ASCII goes to FTS5 unsegmented, which must make the same index.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalFile } from '../../../app.js';
import { ASCII_ONLY } from '../../../core/fold.js';
import { segmentForIndex } from '../../../core/search-text.js';
import type { Paper } from '../../../core/paper.js';
import type { StoredTexts } from '../../../core/texts.js';
import { storeEvents } from '../../../jobs/store-events.js';
import { hasSharedFixtures, sharedFixture, sharedSkipReason } from '../../../../test/helpers/shared-fixtures.js';
import { createStore } from '../../index.js';
import { tsVectorLiteral } from './index-docs.js';
import { quoteLexeme } from './query.js';

const FIXTURES = [
  ['arxiv', 'rss-new-all-archives-2024-11-28.TRUNCATED.xml'],
  ['arxiv', 'oai-listrecords-arXivRaw-full-page-1000-records-2014-01-16.xml'],
];

/** Every token instance of the index, in order: (term, rowid, column, offset). */
function indexInstances(file: string): string[] {
  const db = new Database(file, { readonly: false });
  try {
    db.exec(`create virtual table temp.vocab using fts5vocab(main, paper_fts, 'instance')`);
    const rows = db.prepare('select term, doc, col, offset from temp.vocab order by doc, col, offset, term').raw(true).all() as unknown[][];
    return rows.map((row) => row.join('\u0000'));
  } finally {
    db.close();
  }
}

/** What the store holds of the index: each paper's rowid. */
function docs(file: string): Array<[string, number]> {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('select paper_id, doc from paper_search_ids order by doc').raw(true).all() as Array<[string, number]>;
  } finally {
    db.close();
  }
}

const TEXTS: Omit<StoredTexts, 'paperId'> = {
  version: 1,
  abstractHash: 'hash',
  lang: 'zh',
  title: '量子纠错的新方法',
  tldr: '表面码。',
  tldrEn: 'Surface codes.',
  abstract: '我们研究表面码。',
  provider: 'test',
  model: 'm',
  promptVersion: 'v1',
  createdAt: '2025-04-28T00:00:00Z',
  status: 'ok',
};

describe.skipIf(!hasSharedFixtures)('search documents made in the parsing thread', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'xivdigest-index-docs-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  for (const parts of FIXTURES) {
    it(`index the real ${parts[1]} as the store would itself, texts stored before their papers included`, async () => {
      const files = { writer: join(dir, 'writer.db'), local: join(dir, 'local.db') };
      // The first paper's texts arrive before it (an import may bring them first).
      let withTexts = '';
      const { events: first } = await openLocalFile(sharedFixture(...parts));
      for await (const event of first) {
        if (event.type === 'paper') {
          withTexts = (event.paper as Paper).id;
          break;
        }
      }
      // Both stores at once: the writer thread's store writes in its thread, the other in this one (ADR 0066).
      await Promise.all(
        Object.entries(files).map(async ([name, file]) => {
          const store = await createStore({ url: file, writerThread: name === 'writer' });
          try {
            await store.saveTexts([{ ...TEXTS, paperId: withTexts }]);
            const { events } = await openLocalFile(sharedFixture(...parts));
            const stored = await store.transaction((tx) => storeEvents(events, tx));
            expect(stored.papers).toBeGreaterThan(500);
            // Twice: the second time every paper is a stored one, indexed anew by the writer thread from its row.
            if (name === 'writer') {
              const again = await openLocalFile(sharedFixture(...parts));
              await store.transaction((tx) => storeEvents(again.events, tx));
            }
            const found = await store.search({ q: '纠错' });
            expect(found.hits.map((hit) => hit.id)).toEqual([withTexts]);
          } finally {
            await store.close();
          }
        }),
      );
      expect(docs(files.writer)).toEqual(docs(files.local));
      const writer = indexInstances(files.writer);
      expect(writer.length).toBeGreaterThan(50_000);
      expect(writer).toEqual(indexInstances(files.local));
    });
  }
});

describe('plain ASCII given to FTS5 as it is', () => {
  it('makes the index that its segmented words make (unicode61 as migration 0004 declares it)', async () => {
    const texts = [
      'State-of-the-art O(n^2) results: $\\alpha$-stable x_1, e.g. "BERT\'s" 3.5x speed-up; C++/C# & R2-D2 (2024).',
      '  Leading and trailing\tspaces\n\nand CamelCase WORDS, under_scores, a.b.c, 1e-9 ~ 10^{-3} -- #tags @people  ',
    ];
    if (hasSharedFixtures) {
      const { events } = await openLocalFile(sharedFixture(...FIXTURES[0]!));
      for await (const event of events) if (event.type === 'paper') texts.push(event.paper.title ?? '', event.paper.abstract ?? '');
    }
    const ascii = texts.filter((text) => ASCII_ONLY.test(text));
    expect(ascii.length).toBeGreaterThan(hasSharedFixtures ? 2_000 : 1);
    const db = new Database(':memory:');
    try {
      const instances = (table: string, values: string[]): string[] => {
        db.exec(`create virtual table ${table} using fts5(t, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2')`);
        const insert = db.prepare(`insert into ${table} (rowid, t) values (?, ?)`);
        values.forEach((value, index) => insert.run(index + 1, value));
        db.exec(`create virtual table temp.${table}_vocab using fts5vocab(main, ${table}, 'instance')`);
        const rows = db.prepare(`select term, doc, col, offset from temp.${table}_vocab order by doc, offset`).raw(true).all() as unknown[][];
        return rows.map((row) => row.join('\u0000'));
      };
      const raw = instances('raw', ascii);
      expect(raw).toEqual(instances('segmented', ascii.map(segmentForIndex)));
      expect(raw.length).toBeGreaterThan(20);
    } finally {
      db.close();
    }
  });
});

if (!hasSharedFixtures) {
  describe('search documents made in the parsing thread (skipped)', () => {
    it.skip(sharedSkipReason, () => undefined);
  });
}

describe('PostgreSQL documents (ADR 0059)', () => {
  it('mark category lexemes with # and author lexemes with @, which no word has, and quote every lexeme', () => {
    const literal = tsVectorLiteral({
      id: '2504.00001',
      sortDay: '2025-04-28',
      title: 'c0all a0bengio',
      abstract: 'Diffusion',
      authors: ['Yoshua Bengio'],
      categories: ['cs.CL', 'math-ph'],
      texts: [],
    });
    const lexemes = literal.split(' ').map((part) => part.replace(/^'(.*)'(:.*)?$/, '$1'));
    expect(lexemes.filter((lexeme) => lexeme.startsWith('#')).sort()).toEqual(['#all', '#cs', '#cs0cl', '#math1ph']);
    expect(literal).toContain("'@bengio':");
    // The title's words stay words: they are not the category's or the author's lexemes.
    expect(literal).toMatch(/'c0all':1A/);
    expect(literal).toMatch(/'a0bengio':2A/);
    expect(quoteLexeme("it's")).toBe("'it''s'");
    expect(quoteLexeme('back\\slash')).toBe("'back\\\\slash'");
  });
});
