/** Signed-in readers for the web app's in-process tests: a session written straight to the store, as /signin/verify writes one. */
import { hashToken, randomToken } from '../../src/web/accounts/crypto.js';
import { readerStoreOf } from '../../src/store/index.js';
import type { Reader, ReaderRole } from '../../src/store/reader-store.js';
import type { Store } from '../../src/store/store.js';

/** A new session of one hour for the reader; returns its token (the `xd_session` cookie's value). */
export async function addSessionFor(store: Store, reader: Reader): Promise<string> {
  const token = randomToken();
  const now = new Date();
  await readerStoreOf(store).addSession({
    sessionHash: hashToken(token),
    readerId: reader.id,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 3600_000).toISOString(),
  });
  return token;
}

/** The reader of `email` (added with `role` when new) and a new session's token. */
export async function signedInSession(store: Store, email: string, role: ReaderRole = 'reader'): Promise<{ reader: Reader; token: string }> {
  const reader = await readerStoreOf(store).ensureReader(email, { role });
  return { reader, token: await addSessionFor(store, reader) };
}
