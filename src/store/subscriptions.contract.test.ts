/** Readers' own subscriptions (docs/decisions/0039) on SQLite and PostgreSQL: one contract, both real databases. */
import { describe, expect, it } from 'vitest';
import { testDatabases } from '../../test/helpers/temp-store.js';
import { useTempStorePerTest } from '../../test/helpers/temp-store-per-test.js';
import { readerStoreOf, subscriptionStoreOf } from './index.js';

const at = (seconds: number): Date => new Date(Date.UTC(2026, 11, 6, 8, 0, seconds));
const nlp = { name: 'ada-nlp', categories: 'cs.CL', filters: { query: 'ti:llm' }, outputs: { channels: [{ type: 'slack' }] } };

describe.each(testDatabases())('readers’ subscriptions on $kind', ({ kind, skipReason }) => {
  const temp = useTempStorePerTest(kind, skipReason);

  it.skipIf(skipReason)('adds, reads, lists, replaces and removes a reader’s subscriptions, each reader only their own', async () => {
    const readers = readerStoreOf(temp().store);
    const subscriptions = subscriptionStoreOf(temp().store);
    const ada = await readers.ensureReader('ada@example.org', { role: 'reader' });
    const bob = await readers.ensureReader('bob@example.org', { role: 'reader' });
    const added = await subscriptions.save(
      {
        id: 's1',
        readerId: ada.id,
        name: 'ada-nlp',
        subscription: nlp,
        secrets: 'v1:ciphertext',
        libraryFiles: [{ fileName: 'a.bib', format: 'bibtex', text: '@article{x,}' }],
      },
      { create: true, now: at(0) },
    );
    expect(added).toMatchObject({
      ok: true,
      saved: { id: 's1', readerId: ada.id, name: 'ada-nlp', subscription: nlp, secrets: 'v1:ciphertext', createdAt: at(0).toISOString() },
    });
    await subscriptions.save(
      { id: 's2', readerId: bob.id, name: 'bob-ml', subscription: { ...nlp, name: 'bob-ml' }, libraryFiles: [] },
      { create: true, now: at(1) },
    );
    expect((await subscriptions.list()).map((row) => row.name)).toEqual(['ada-nlp', 'bob-ml']);
    expect((await subscriptions.list({ readerId: bob.id })).map((row) => row.name)).toEqual(['bob-ml']);
    expect(await subscriptions.get({ id: 's1' }, { readerId: ada.id })).toMatchObject({ name: 'ada-nlp', libraryFiles: [{ fileName: 'a.bib' }] });
    expect(await subscriptions.get({ name: 'ada-nlp' })).toMatchObject({ id: 's1' });
    // Another reader's id is simply not there for them: not read, not replaced, not removed.
    expect(await subscriptions.get({ id: 's1' }, { readerId: bob.id })).toBeUndefined();
    expect(await subscriptions.save({ id: 's1', readerId: bob.id, name: 'ada-nlp', subscription: nlp, libraryFiles: [] }, { create: false })).toEqual({
      ok: false,
      reason: 'not-found',
    });
    expect(await subscriptions.remove('s1', { readerId: bob.id })).toBe(false);
    // A name is unique: taken by another row, it is refused; replacing keeps created_at and moves updated_at.
    expect(await subscriptions.save({ id: 's3', readerId: ada.id, name: 'bob-ml', subscription: nlp, libraryFiles: [] }, { create: true })).toEqual({
      ok: false,
      reason: 'name-taken',
    });
    const replaced = await subscriptions.save(
      { id: 's1', readerId: ada.id, name: 'ada-nlp2', subscription: { ...nlp, name: 'ada-nlp2' }, libraryFiles: [] },
      { create: false, now: at(9) },
    );
    expect(replaced).toMatchObject({ ok: true, saved: { name: 'ada-nlp2', createdAt: at(0).toISOString(), updatedAt: at(9).toISOString(), libraryFiles: [] } });
    expect(replaced.ok && replaced.saved.secrets).toBeFalsy();
    expect(await subscriptions.remove('s1', { readerId: ada.id })).toBe(true);
    expect(await subscriptions.remove('s1')).toBe(false);
  });

  it.skipIf(skipReason)('removes a reader’s subscriptions with the reader', async () => {
    const readers = readerStoreOf(temp().store);
    const subscriptions = subscriptionStoreOf(temp().store);
    const ada = await readers.ensureReader('ada@example.org', { role: 'reader' });
    await subscriptions.save({ id: 's1', readerId: ada.id, name: 'ada-nlp', subscription: nlp, libraryFiles: [] }, { create: true });
    expect(await readers.removeReader('ada@example.org')).toBe(true);
    expect(await subscriptions.list()).toEqual([]);
    const rows = await temp().query<{ n: number }>('select count(*) as n from reader_subscriptions');
    expect(Number(rows[0]!.n)).toBe(0);
  });
});
