/** storeEvents: batches written while the source reads on, in order, all or nothing within a transaction. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { XivdigestError } from '../core/errors.js';
import type { Paper } from '../core/paper.js';
import type { SourceEvent } from '../core/source.js';
import { createTempStore, type TempStore } from '../../test/helpers/temp-store.js';
import { storeEvents } from './store-events.js';

function paper(index: number, version = 1): Paper {
  const id = `2504.${String(index).padStart(5, '0')}`;
  return {
    id,
    version,
    title: `Title ${index} v${version}`,
    authors: [{ name: 'Ada Lovelace' }],
    abstract: `Abstract ${index}, version ${version}.`,
    categories: ['cs.CL'],
    links: { abs: `https://arxiv.org/abs/${id}` },
    versions: [{ version }],
    source: 'arxiv-rss',
    announceType: version === 1 ? 'new' : 'replace',
    announced: '2025-04-28',
  };
}

/** Events of these papers; `failAfter` makes the source throw (a malformed document) after that many. */
async function* events(papers: Paper[], failAfter?: number): AsyncGenerator<SourceEvent> {
  let count = 0;
  for (const item of papers) {
    if (count === failAfter) {
      throw new XivdigestError({ code: 'XML_MALFORMED', message: `Malformed XML in feed.xml after item ${count}` });
    }
    count += 1;
    // A turn of the event loop now and then, as a file source has, so that writes complete while reading goes on.
    if (count % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    yield { type: 'paper', paper: item };
  }
}

describe('storeEvents', () => {
  let temp: TempStore;
  beforeEach(async () => {
    temp = await createTempStore('sqlite');
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  it('stores every paper in one transaction, reporting progress as batches are stored', async () => {
    const papers = Array.from({ length: 1_000 }, (_, index) => paper(index));
    const progress: number[] = [];
    const result = await temp.store.transaction((tx) => storeEvents(events(papers), tx, { onProgress: (stored) => progress.push(stored) }));
    expect(result).toMatchObject({ papers: 1_000, inserted: 1_000, updated: 0, unchanged: 0, versionsAdded: 1_000 });
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(1_000);
    expect(await temp.store.getPapers()).toHaveLength(1_000);
  });

  it('changes nothing when the same file is stored again', async () => {
    const papers = Array.from({ length: 300 }, (_, index) => ({
      ...paper(index, 1 + (index % 3)),
      feed: { title: `Title ${index}`, description: `arXiv:x Announce Type: new \nAbstract: Abstract ${index}.`, link: 'L' },
    }));
    await temp.store.transaction((tx) => storeEvents(events(papers), tx));
    const before = {
      papers: await temp.query('select * from papers order by id'),
      versions: await temp.query('select * from paper_versions order by paper_id, version'),
      dataVersion: await temp.query('pragma data_version'),
    };
    const again = await temp.store.transaction((tx) => storeEvents(events(papers.map((item) => structuredClone(item))), tx));
    expect(again).toMatchObject({ papers: 300, inserted: 0, updated: 0, unchanged: 300, versionsAdded: 0 });
    expect({
      papers: await temp.query('select * from papers order by id'),
      versions: await temp.query('select * from paper_versions order by paper_id, version'),
      dataVersion: await temp.query('pragma data_version'),
    }).toEqual(before);
  });

  it('rolls back every batch of the file when the source fails after several batches, and rethrows its error', async () => {
    await temp.store.upsertPapers([paper(0)]);
    const papers = Array.from({ length: 900 }, (_, index) => paper(index, 2));
    const error = await temp.store.transaction((tx) => storeEvents(events(papers, 700), tx)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'XML_MALFORMED', message: 'Malformed XML in feed.xml after item 700' });
    const stored = await temp.store.getPapers();
    expect(stored.map((item) => [item.id, item.version])).toEqual([['2504.00000', 1]]);
  });

  it('writes batches in the order the source gave them, outside a transaction too', async () => {
    // One paper in every batch, newer each time; writes that overtook each other would leave an older version.
    const papers = Array.from({ length: 40 }, (_, index) => (index % 8 === 0 ? paper(7, 1 + index / 8) : paper(100 + index)));
    const result = await storeEvents(events(papers), temp.store, { batchSize: 8 });
    expect(result.papers).toBe(40);
    const [row] = await temp.store.getPapers({ ids: ['2504.00007'] });
    expect(row).toMatchObject({ version: 5, title: 'Title 7 v5' });
    expect((await temp.store.getVersions('2504.00007')).map((version) => version.version)).toEqual([1, 2, 3, 4, 5]);
  });
});
