/**
 * New papers go into PostgreSQL with COPY when a write has many (ADR 0070): what COPY writes must be exactly what the
 * INSERTs write, whatever the text holds, and a COPY that meets a paper stored meanwhile (by a writer outside the
 * store's write lock) gives way to the INSERTs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Paper } from '../../core/paper.js';
import { createTempStore, postgresSkipReason, postgresTestUrl, type TempStore } from '../../../test/helpers/temp-store.js';
import { preparePapers } from '../prepare.js';
import { copyRows } from './copy.js';
import { COPY_AT_LEAST } from './paper-upsert.js';

describe('COPY text', () => {
  it('escapes what the text format gives a meaning to, and writes null as \\N', () => {
    const values = ['a\\b', 'tab\there', 'line\nfeed\r\nend', null, 7, 'plain', undefined, '\\N', ''];
    expect(copyRows(values, [0], values.length).data.toString()).toBe('a\\\\b\ttab\\there\tline\\nfeed\\r\\nend\t\\N\t7\tplain\t\\N\t\\\\N\t\n');
    // Rows from offsets: two of width 2 out of three.
    expect(copyRows(['x', 1, 'y', 2, 'z', 3], [4, 0], 2).data.toString()).toBe('z\t3\nx\t1\n');
  });

  it('grows its buffer past the first 64 KiB without losing or splitting a character', () => {
    // Three-byte and four-byte (surrogate pair) characters, in rows that outgrow the first buffer more than once.
    const values = ['字'.repeat(30_000), '😀'.repeat(20_000), 'ascii'.repeat(5_000), 'é\\'.repeat(10_000)];
    const expected = `${values[0]}\t${values[1]}\n${values[2]}\t${'é\\\\'.repeat(10_000)}\n`;
    const rows = copyRows(values, [0, 2], 2);
    expect(rows.data.length).toBe(Buffer.byteLength(expected));
    expect(rows.data.toString()).toBe(expected);
  });
});

/** Text a COPY must carry through unchanged: its own escapes, line ends, a literal \N, quotes, non-BMP characters. */
const AWKWARD = ['a \\ backslash', 'a\ttab', 'a\nline\r\nbreak', 'looks like null: \\N', '"quoted" \'single\'', '𝔼[x] = ∑ 数学 🙂', '', '\\'];

/** `count` new papers whose every text column, and listed versions, take the awkward values in turn. */
function awkwardPapers(count: number): Paper[] {
  return Array.from({ length: count }, (_, index) => {
    const text = (offset: number) => `${AWKWARD[(index + offset) % AWKWARD.length]} #${index}`;
    return {
      id: `9901.${String(index).padStart(5, '0')}`,
      version: index % 3 === 0 ? null : 2,
      title: text(0),
      authors: [{ name: text(1), affiliations: [text(2)] }, { name: `Author\t${index}` }],
      abstract: text(3),
      abstractTruncated: index % 5 === 0,
      categories: ['cs.CL', index % 2 === 0 ? 'math.PR' : 'cs.AI'],
      ...(index % 4 === 0 ? {} : { doi: `10.1/${index}`, journalRef: text(4), comments: text(5), license: 'http://creativecommons.org/licenses/by/4.0/' }),
      reportNo: index % 7 === 0 ? undefined : text(6),
      submitter: text(7),
      links: { abs: `https://arxiv.org/abs/9901.${index}`, pdf: `https://arxiv.org/pdf/9901.${index}` },
      submitted: '2019-01-02T03:04:05Z',
      ...(index % 2 === 0 ? { updated: '2019-01-05T00:00:00Z', announced: '2019-01-07' } : {}),
      ...(index % 3 === 0 ? { feed: { title: text(1), description: `arXiv:9901.${index} Abstract: ${text(3)}`, link: 'https://arxiv.org' } } : {}),
      versions: [
        { version: 1, submitted: 'Wed, 2 Jan 2019 03:04:05 GMT', size: '10kb', sourceType: 'D' },
        { version: 2, size: text(2) },
      ],
      source: index % 2 === 0 ? 'kaggle' : 'arxiv-rss',
    } satisfies Paper;
  });
}

/** Every column of both tables but first_seen_at (the time of the write) and what follows from it. */
async function contents(temp: TempStore): Promise<unknown[]> {
  const papers = await temp.query<Record<string, unknown>>('select * from papers order by id');
  const versions = await temp.query('select * from paper_versions order by paper_id, version');
  return [papers.map(({ first_seen_at: _seen, ...row }) => row), versions];
}

describe.skipIf(!postgresTestUrl)('PostgreSQL: new papers by COPY', () => {
  if (!postgresTestUrl) console.warn(postgresSkipReason);
  const temps: TempStore[] = [];
  afterEach(async () => {
    for (const temp of temps.splice(0)) {
      await temp.store.close();
      await temp.cleanup();
    }
  });
  const open = async () => {
    const temp = await createTempStore('postgres');
    temps.push(temp);
    // Each row a statement inserts is logged with the statement, to tell COPY from INSERT.
    await temp.query(`create table inserted_by (paper_id text, statement text);
      create function log_insert() returns trigger language plpgsql as $$
        begin insert into inserted_by values (new.id, lower(split_part(current_query(), ' ', 1))); return new; end $$;
      create trigger log_insert before insert on papers for each row execute function log_insert()`);
    return temp;
  };
  const statements = async (temp: TempStore) =>
    (await temp.query<{ statement: string; n: string }>('select statement, count(*) as n from inserted_by group by statement order by statement')).map(
      (row) => `${row.statement} ${row.n}`,
    );

  it('writes exactly what the INSERTs write, and only from COPY_AT_LEAST new papers a write', async () => {
    const papers = awkwardPapers(COPY_AT_LEAST + 88);
    const copied = await open();
    expect(await copied.store.upsertPapers(papers)).toEqual({ inserted: papers.length, updated: 0, unchanged: 0, versionsAdded: 2 * papers.length });
    const inserted = await open();
    for (let start = 0; start < papers.length; start += COPY_AT_LEAST - 1) await inserted.store.upsertPapers(papers.slice(start, start + COPY_AT_LEAST - 1));
    expect(await statements(copied)).toEqual([`copy ${papers.length}`]);
    expect(await statements(inserted)).toEqual([`insert ${papers.length}`]);
    expect(await contents(copied)).toEqual(await contents(inserted));
    // And what the store reads back is the records as given.
    const back = await copied.store.getPapers({ ids: papers.map((paper) => paper.id) });
    expect(back.map((paper) => [paper.title, paper.abstract, paper.authors, paper.versions.length])).toEqual(
      papers.map((paper) => [paper.title, paper.abstract, paper.authors, 2]),
    );
  });

  it('sends rows that the thread which prepared the records made (ADR 0071) as they are, all of them or the new ones', async () => {
    const papers = awkwardPapers(COPY_AT_LEAST + 200);
    // Some stored before: the write's new papers are then some of its records, not all.
    const before = papers.filter((_, index) => index % 9 === 4).map((paper) => ({ ...paper, title: `${paper.title} (older)` }));
    const now = new Date().toISOString();
    const viaCopyRows = await open();
    const viaRecords = await open();
    for (const temp of [viaCopyRows, viaRecords]) await temp.store.upsertPapers(before);
    await viaCopyRows.query('truncate inserted_by');
    await viaRecords.query('truncate inserted_by');
    // Cloned as a message between threads clones it (the COPY rows arrive as a Uint8Array).
    const prepared = structuredClone(preparePapers(papers, now, { searchIndex: 'later', copyRows: true }));
    expect(prepared.copy?.ends).toHaveLength(papers.length);
    const written = await viaCopyRows.store.upsertPreparedPapers(prepared, { searchIndex: 'later' });
    expect(written).toEqual(await viaRecords.store.upsertPapers(papers, { searchIndex: 'later' }));
    expect(written.inserted).toBe(papers.length - before.length);
    expect((await statements(viaCopyRows)).filter((statement) => statement.startsWith('copy'))).toEqual([`copy ${papers.length - before.length}`]);
    expect(await contents(viaCopyRows)).toEqual(await contents(viaRecords));
    // A write of new papers only sends the rows whole.
    const more = awkwardPapers(2 * COPY_AT_LEAST + 200).slice(COPY_AT_LEAST + 200);
    await viaCopyRows.query('truncate inserted_by');
    await viaCopyRows.store.upsertPreparedPapers(structuredClone(preparePapers(more, now, { copyRows: true })));
    await viaRecords.store.upsertPapers(more);
    expect(await statements(viaCopyRows)).toEqual([`copy ${more.length}`]);
    expect(await contents(viaCopyRows)).toEqual(await contents(viaRecords));
  });

  it('gives way to the INSERTs when another write stored one of the papers after the batch read', async () => {
    const temp = await open();
    const papers = awkwardPapers(COPY_AT_LEAST);
    const raced = papers[100]!.id;
    // Stands in for a write committed between the batch's read and its COPY: as the COPY reaches the paper, the row
    // is inserted first (the sequence counts it, and is not rolled back with the savepoint).
    await temp.query(`create sequence raced;
      create function race() returns trigger language plpgsql as $$
        begin
          if new.id = '${raced}' and pg_trigger_depth() = 1 and current_query() ilike 'copy%' then
            perform nextval('raced');
            insert into papers select * from papers_template;
          end if;
          return new;
        end $$;
      create table papers_template as select * from papers where false;
      create trigger race before insert on papers for each row execute function race()`);
    const rival = awkwardPapers(101)[100]!;
    await temp.store.upsertPapers([{ ...rival, title: 'the rival write' }]);
    await temp.query(`insert into papers_template select * from papers where id = '${raced}'; delete from papers where id = '${raced}'; truncate inserted_by`);

    const result = await temp.store.transaction(async (tx) => {
      const written = await tx.upsertPapers(papers);
      // The transaction goes on after the COPY failed: its next write works.
      await tx.setState('after-the-copy', { ok: true });
      return written;
    });
    expect(await temp.query('select last_value, is_called from raced')).toEqual([{ last_value: '1', is_called: true }]);
    expect(result).toEqual({ inserted: papers.length, updated: 0, unchanged: 0, versionsAdded: 2 * papers.length });
    expect(await statements(temp)).toEqual([`insert ${papers.length}`]);
    expect(await temp.query('select title from papers where id = $1', [raced])).toEqual([{ title: papers[100]!.title }]);
    expect(Number((await temp.query<{ n: string }>('select count(*) as n from papers'))[0]!.n)).toBe(papers.length);
    expect(await temp.store.getState('after-the-copy')).toEqual({ ok: true });
  });
});
