/** The marks seam (docs/decisions/0040) on SQLite and PostgreSQL: a reader's stars and hides, and unsubscriptions. */
import { describe, expect, it } from 'vitest';
import { testDatabases } from '../../test/helpers/temp-store.js';
import { useTempStorePerTest } from '../../test/helpers/temp-store-per-test.js';
import { marksStoreOf, readerStoreOf } from './index.js';

const at = (seconds: number): Date => new Date(Date.UTC(2026, 11, 6, 8, 0, seconds));

describe.each(testDatabases())('marks on $kind', ({ kind, skipReason }) => {
  const temp = useTempStorePerTest(kind, skipReason);

  it.skipIf(skipReason)("keeps each reader's own marks, newest first, one per paper; they go with the reader", async () => {
    const readers = readerStoreOf(temp().store);
    const marks = marksStoreOf(temp().store);
    const ada = await readers.ensureReader('ada@example.org', { role: 'reader' });
    const bob = await readers.ensureReader('bob@example.org', { role: 'reader' });
    await marks.setMark(ada.id, '2611.00001', 'star', at(1));
    await marks.setMark(ada.id, '2611.00002', 'hide', at(2));
    await marks.setMark(ada.id, '2611.00001', 'star', at(3));
    await marks.setMark(bob.id, '2611.00001', 'hide', at(4));
    expect(await marks.getMarks(ada.id)).toEqual([
      { paperId: '2611.00001', kind: 'star', at: at(3).toISOString() },
      { paperId: '2611.00002', kind: 'hide', at: at(2).toISOString() },
    ]);
    expect(await marks.getMarks(ada.id, { kind: 'star' })).toHaveLength(1);
    expect(await marks.getMarks(ada.id, { paperIds: ['2611.00002', '2611.09999'] })).toHaveLength(1);
    expect(await marks.getMarks(ada.id, { paperIds: [] })).toEqual([]);
    await marks.setMark(ada.id, '2611.00002', 'clear');
    expect((await marks.getMarks(ada.id)).map((mark) => mark.paperId)).toEqual(['2611.00001']);
    await readers.removeReader('ada@example.org');
    expect(await marks.getMarks(ada.id)).toEqual([]);
    expect(await marks.getMarks(bob.id)).toHaveLength(1);
  });

  it.skipIf(skipReason)('records an unsubscription once per subscription and address, and undoes it', async () => {
    const marks = marksStoreOf(temp().store);
    expect(await marks.unsubscribe('nlp', ' Ada@Example.org', 'one-click', at(1))).toBe(true);
    expect(await marks.unsubscribe('nlp', 'ada@example.org', 'link', at(2))).toBe(false);
    await marks.unsubscribe('ml', 'bob@example.org', 'link', at(3));
    expect(await marks.unsubscribed('nlp')).toEqual([{ subscription: 'nlp', recipient: 'ada@example.org', at: at(1).toISOString(), via: 'one-click' }]);
    expect(await marks.resubscribe('nlp', 'ADA@example.org')).toBe(true);
    expect(await marks.resubscribe('nlp', 'ada@example.org')).toBe(false);
    expect(await marks.unsubscribed('nlp')).toEqual([]);
    expect(await marks.unsubscribed('ml')).toHaveLength(1);
  });
});
