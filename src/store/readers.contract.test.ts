/** The readers seam (docs/decisions/0038) on SQLite and PostgreSQL: one contract, both real databases. */
import { describe, expect, it } from 'vitest';
import { testDatabases } from '../../test/helpers/temp-store.js';
import { useTempStorePerTest } from '../../test/helpers/temp-store-per-test.js';
import { readerStoreOf } from './index.js';

const at = (seconds: number): Date => new Date(Date.UTC(2026, 11, 6, 8, 0, seconds));

describe.each(testDatabases())('readers on $kind', ({ kind, skipReason }) => {
  const temp = useTempStorePerTest(kind, skipReason);

  it.skipIf(skipReason)('adds readers by normalised email, keeps them unique, updates the role, lists and removes them', async () => {
    const readers = readerStoreOf(temp().store);
    const ada = await readers.ensureReader('  Ada@Example.ORG ', { role: 'reader', invitedBy: 'cli', now: at(0) });
    expect(ada).toMatchObject({ email: 'ada@example.org', role: 'reader', createdAt: at(0).toISOString(), invitedBy: 'cli' });
    const again = await readers.ensureReader('ada@example.org', { role: 'admin', now: at(5) });
    expect(again).toMatchObject({ id: ada.id, role: 'admin', createdAt: at(0).toISOString(), invitedBy: 'cli' });
    await readers.ensureReader('bob@example.org', { role: 'reader' });
    expect((await readers.listReaders()).map((reader) => reader.email)).toEqual(['ada@example.org', 'bob@example.org']);
    expect(await readers.getReader({ email: 'ADA@example.org' })).toMatchObject({ id: ada.id });
    expect(await readers.getReader({ id: ada.id })).toMatchObject({ email: 'ada@example.org' });
    expect(await readers.removeReader('Ada@example.org')).toBe(true);
    expect(await readers.removeReader('ada@example.org')).toBe(false);
    expect(await readers.getReader({ id: ada.id })).toBeUndefined();
  });

  it.skipIf(skipReason)('keeps invitations, one per address', async () => {
    const readers = readerStoreOf(temp().store);
    await readers.invite('Carol@Example.org', 'cli', at(0));
    await readers.invite('carol@example.org', 'ada@example.org', at(9));
    expect(await readers.listInvitations()).toEqual([{ email: 'carol@example.org', invitedBy: 'ada@example.org', createdAt: at(9).toISOString() }]);
    expect(await readers.getInvitation('CAROL@example.org')).toMatchObject({ invitedBy: 'ada@example.org' });
    expect(await readers.getInvitation('dan@example.org')).toBeUndefined();
  });

  it.skipIf(skipReason)('uses a sign-in link once, refuses an expired or unknown one, and stores only hashes', async () => {
    const readers = readerStoreOf(temp().store);
    await readers.addSignInToken({
      tokenHash: 'h1',
      email: 'Ada@example.org',
      browserHash: 'b1',
      createdAt: at(0).toISOString(),
      expiresAt: at(900).toISOString(),
    });
    await readers.addSignInToken({ tokenHash: 'h2', email: 'ada@example.org', createdAt: at(0).toISOString(), expiresAt: at(60).toISOString() });
    expect(await readers.getSignInToken('h1')).toMatchObject({ email: 'ada@example.org', browserHash: 'b1' });
    const first = await readers.useSignInToken('h1', at(10));
    expect(first).toMatchObject({ ok: true, token: { email: 'ada@example.org', usedAt: at(10).toISOString() } });
    expect(await readers.useSignInToken('h1', at(11))).toMatchObject({ ok: false, reason: 'used' });
    expect(await readers.useSignInToken('h2', at(60))).toMatchObject({ ok: false, reason: 'expired' });
    expect(await readers.useSignInToken('nope', at(10))).toEqual({ ok: false, reason: 'unknown' });
    // Two requests racing with one link: exactly one wins.
    await readers.addSignInToken({ tokenHash: 'h3', email: 'ada@example.org', createdAt: at(0).toISOString(), expiresAt: at(900).toISOString() });
    const race = await Promise.all([readers.useSignInToken('h3', at(20)), readers.useSignInToken('h3', at(21))]);
    expect(race.filter((use) => use.ok)).toHaveLength(1);
  });

  it.skipIf(skipReason)('finds a live session with its reader, ends it, and a removed reader takes their sessions along', async () => {
    const readers = readerStoreOf(temp().store);
    const ada = await readers.ensureReader('ada@example.org', { role: 'reader', now: at(0) });
    await readers.addSession({ sessionHash: 's1', readerId: ada.id, createdAt: at(0).toISOString(), expiresAt: at(3600).toISOString(), userAgent: 'Firefox' });
    await readers.addSession({ sessionHash: 's2', readerId: ada.id, createdAt: at(0).toISOString(), expiresAt: at(3600).toISOString() });
    expect(await readers.getSession('s1', at(1))).toMatchObject({ session: { userAgent: 'Firefox', lastSeenAt: at(0).toISOString() }, reader: { id: ada.id } });
    expect((await readers.getSession('s1', at(120)))?.session.lastSeenAt).toBe(at(120).toISOString());
    expect(await readers.getSession('s1', at(3600))).toBeUndefined();
    expect((await readers.getReader({ id: ada.id }))?.lastSignInAt).toBe(at(0).toISOString());
    await readers.removeSession('s1');
    expect(await readers.getSession('s1', at(1))).toBeUndefined();
    expect(await readers.getSession('s2', at(1))).toBeDefined();
    await readers.removeReader('ada@example.org');
    expect(await readers.getSession('s2', at(1))).toBeUndefined();
    expect(await temp().query('select * from reader_sessions')).toEqual([]);
  });

  it.skipIf(skipReason)('counts hits per key in fixed windows', async () => {
    const readers = readerStoreOf(temp().store);
    const window = 60_000;
    expect(await readers.hit('ip:1', window, at(0))).toBe(1);
    expect(await readers.hit('ip:1', window, at(10))).toBe(2);
    expect(await readers.hit('ip:2', window, at(10))).toBe(1);
    expect(await Promise.all([readers.hit('ip:1', window, at(20)), readers.hit('ip:1', window, at(21))])).toHaveLength(2);
    expect(await readers.hit('ip:1', window, at(30))).toBe(5);
    expect(await readers.hit('ip:1', window, new Date(at(0).getTime() + window))).toBe(1);
  });

  it.skipIf(skipReason)('forgets expired links, sessions and old counters', async () => {
    const readers = readerStoreOf(temp().store);
    const ada = await readers.ensureReader('ada@example.org', { role: 'reader', now: at(0) });
    await readers.addSignInToken({ tokenHash: 'old', email: 'ada@example.org', createdAt: at(0).toISOString(), expiresAt: at(10).toISOString() });
    await readers.addSignInToken({ tokenHash: 'new', email: 'ada@example.org', createdAt: at(0).toISOString(), expiresAt: at(900).toISOString() });
    await readers.addSession({ sessionHash: 'old', readerId: ada.id, createdAt: at(0).toISOString(), expiresAt: at(10).toISOString() });
    await readers.addSession({ sessionHash: 'new', readerId: ada.id, createdAt: at(0).toISOString(), expiresAt: at(900).toISOString() });
    await readers.hit('a', 1000, at(0));
    await readers.hit('b', 1000, at(30));
    expect(await readers.prune(at(20))).toEqual({ links: 1, sessions: 1, counters: 1 });
    expect(await readers.getSignInToken('new')).toBeDefined();
    expect(await readers.getSession('new', at(21))).toBeDefined();
    expect(await readers.hit('b', 1000, at(30))).toBe(2);
  });

  it.skipIf(skipReason)('exports everything about one reader and nothing about another, without hashes', async () => {
    const readers = readerStoreOf(temp().store);
    const ada = await readers.ensureReader('ada@example.org', { role: 'admin', now: at(0) });
    await readers.ensureReader('bob@example.org', { role: 'reader', now: at(0) });
    await readers.invite('ada@example.org', 'cli', at(0));
    await readers.invite('carol@example.org', 'ada@example.org', at(1));
    await readers.addSignInToken({
      tokenHash: 'secret-hash-a',
      email: 'ada@example.org',
      browserHash: 'browser-a',
      createdAt: at(0).toISOString(),
      expiresAt: at(900).toISOString(),
    });
    await readers.addSignInToken({ tokenHash: 'secret-hash-b', email: 'bob@example.org', createdAt: at(0).toISOString(), expiresAt: at(900).toISOString() });
    await readers.addSession({
      sessionHash: 'session-hash-a',
      readerId: ada.id,
      createdAt: at(2).toISOString(),
      expiresAt: at(3600).toISOString(),
      userAgent: 'UA',
    });
    const exported = await readers.exportReader(ada.id);
    expect(exported).toMatchObject({
      reader: { email: 'ada@example.org', role: 'admin' },
      sessions: [{ createdAt: at(2).toISOString(), userAgent: 'UA' }],
      signInLinks: [{ boundToBrowser: true, createdAt: at(0).toISOString() }],
      invitation: { invitedBy: 'cli' },
      invitationsSent: [{ email: 'carol@example.org' }],
    });
    const text = JSON.stringify(exported);
    for (const hidden of ['secret-hash', 'session-hash', 'browser-a', 'bob@example.org']) expect(text).not.toContain(hidden);
    expect(await readers.exportReader('no-such-id')).toBeUndefined();
  });
});
