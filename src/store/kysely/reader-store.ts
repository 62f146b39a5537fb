/**
 * The ReaderStore on the store's own database connection (outside the writer thread), for SQLite and PostgreSQL. Like
 * the lease store, every write is one statement, atomic on its own (no transaction held across awaits, which on
 * SQLite would block this thread while the writer thread waits for the lock); a busy SQLite is tried again.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Invitation, Reader, ReaderExport, ReaderRole, ReaderSession, ReaderStore, SignInToken, TokenUse } from '../reader-store.js';
import type { ReaderInvitationsTable, ReadersTable, ReaderSessionsTable, ReaderSignInTokensTable, StoreDatabase } from '../schema.js';
import type { OpenedDatabase } from './dialect.js';
import { createOneStatement } from './one-statement.js';

/** How long a session's `lastSeenAt` may lag before a request writes it again (one write per reader and minute). */
const LAST_SEEN_EVERY_MS = 60_000;

const normalizeEmail = (email: string): string => email.trim().toLowerCase();

function toReader(row: Selectable<ReadersTable>): Reader {
  return {
    id: row.id,
    email: row.email,
    role: row.role === 'admin' ? 'admin' : 'reader',
    createdAt: row.created_at,
    ...(row.last_sign_in_at !== null ? { lastSignInAt: row.last_sign_in_at } : {}),
    ...(row.invited_by !== null ? { invitedBy: row.invited_by } : {}),
  };
}

const toInvitation = (row: Selectable<ReaderInvitationsTable>): Invitation => ({ email: row.email, invitedBy: row.invited_by, createdAt: row.created_at });

function toToken(row: Selectable<ReaderSignInTokensTable>): SignInToken {
  return {
    tokenHash: row.token_hash,
    email: row.email,
    ...(row.browser_hash !== null ? { browserHash: row.browser_hash } : {}),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    ...(row.used_at !== null ? { usedAt: row.used_at } : {}),
  };
}

function toSession(row: Selectable<ReaderSessionsTable>): ReaderSession {
  return {
    sessionHash: row.session_hash,
    readerId: row.reader_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastSeenAt: row.last_seen_at,
    ...(row.user_agent !== null ? { userAgent: row.user_agent } : {}),
  };
}

export function createKyselyReaderStore(opened: Pick<OpenedDatabase, 'db' | 'location'>, isClosed: () => boolean): ReaderStore {
  const run = createOneStatement(opened, isClosed);

  const readerBy = (executor: Kysely<StoreDatabase>, by: { id: string } | { email: string }) =>
    ('id' in by
      ? executor.selectFrom('readers').selectAll().where('id', '=', by.id)
      : executor.selectFrom('readers').selectAll().where('email', '=', normalizeEmail(by.email))
    ).executeTakeFirst();

  const store: ReaderStore = {
    normalizeEmail,

    async ensureReader(email, options: { role: ReaderRole; invitedBy?: string; now?: Date }) {
      const address = normalizeEmail(email);
      const at = (options.now ?? new Date()).toISOString();
      return run(`add the reader ${address}`, async (executor) => {
        await executor
          .insertInto('readers')
          .values({ id: randomUUID(), email: address, role: options.role, created_at: at, last_sign_in_at: null, invited_by: options.invitedBy ?? null })
          .onConflict((conflict) => conflict.column('email').doUpdateSet({ role: options.role }))
          .execute();
        const row = await readerBy(executor, { email: address });
        if (!row) throw new Error('the reader vanished as it was written');
        return toReader(row);
      });
    },

    async getReader(by) {
      const row = await run('read a reader', (executor) => readerBy(executor, by));
      return row ? toReader(row) : undefined;
    },

    async listReaders() {
      const rows = await run('list the readers', (executor) => executor.selectFrom('readers').selectAll().orderBy('email').execute());
      return rows.map(toReader);
    },

    async removeReader(email) {
      const address = normalizeEmail(email);
      return run(`remove the reader ${address}`, async (executor) => {
        const row = await readerBy(executor, { email: address });
        // Sessions first, so that a reader's session never outlives them even for a moment.
        if (row) await executor.deleteFrom('reader_sessions').where('reader_id', '=', row.id).execute();
        // Their subscriptions (docs/decisions/0039) go with them, whether or not the database enforces the foreign key.
        if (row) await executor.deleteFrom('reader_subscriptions').where('reader_id', '=', row.id).execute();
        await executor.deleteFrom('reader_sign_in_tokens').where('email', '=', address).execute();
        await executor.deleteFrom('reader_invitations').where('email', '=', address).execute();
        if (!row) return false;
        const deleted = await executor.deleteFrom('readers').where('id', '=', row.id).executeTakeFirst();
        return Number(deleted.numDeletedRows) > 0;
      });
    },

    async invite(email, invitedBy, now = new Date()) {
      const row = { email: normalizeEmail(email), invited_by: invitedBy, created_at: now.toISOString() };
      await run(`invite ${row.email}`, (executor) =>
        executor
          .insertInto('reader_invitations')
          .values(row)
          .onConflict((conflict) => conflict.column('email').doUpdateSet({ invited_by: row.invited_by, created_at: row.created_at }))
          .execute(),
      );
      return toInvitation(row);
    },

    async getInvitation(email) {
      const row = await run('read an invitation', (executor) =>
        executor.selectFrom('reader_invitations').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst(),
      );
      return row ? toInvitation(row) : undefined;
    },

    async listInvitations() {
      const rows = await run('list the invitations', (executor) => executor.selectFrom('reader_invitations').selectAll().orderBy('email').execute());
      return rows.map(toInvitation);
    },

    async addSignInToken(token) {
      await run('store a sign-in link', (executor) =>
        executor
          .insertInto('reader_sign_in_tokens')
          .values({
            token_hash: token.tokenHash,
            email: normalizeEmail(token.email),
            browser_hash: token.browserHash ?? null,
            created_at: token.createdAt,
            expires_at: token.expiresAt,
            used_at: null,
          })
          .execute(),
      );
    },

    async getSignInToken(tokenHash) {
      const row = await run('read a sign-in link', (executor) =>
        executor.selectFrom('reader_sign_in_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst(),
      );
      return row ? toToken(row) : undefined;
    },

    async useSignInToken(tokenHash, now = new Date()): Promise<TokenUse> {
      const at = now.toISOString();
      return run('use a sign-in link', async (executor) => {
        // One statement decides: of two requests with the same link, exactly one changes the row.
        const used = await executor
          .updateTable('reader_sign_in_tokens')
          .set({ used_at: at })
          .where('token_hash', '=', tokenHash)
          .where('used_at', 'is', null)
          .where('expires_at', '>', at)
          .executeTakeFirst();
        const row = await executor.selectFrom('reader_sign_in_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
        if (!row) return { ok: false, reason: 'unknown' };
        const token = toToken(row);
        if (Number(used.numUpdatedRows) > 0) return { ok: true, token };
        return { ok: false, reason: row.used_at !== null ? 'used' : 'expired', token };
      });
    },

    async addSession(session) {
      await run('start a session', async (executor) => {
        await executor
          .insertInto('reader_sessions')
          .values({
            session_hash: session.sessionHash,
            reader_id: session.readerId,
            created_at: session.createdAt,
            expires_at: session.expiresAt,
            last_seen_at: session.createdAt,
            user_agent: session.userAgent ?? null,
          })
          .execute();
        await executor.updateTable('readers').set({ last_sign_in_at: session.createdAt }).where('id', '=', session.readerId).execute();
      });
    },

    async getSession(sessionHash, now = new Date()) {
      const at = now.toISOString();
      const found = await run('read a session', async (executor) => {
        const session = await executor
          .selectFrom('reader_sessions')
          .selectAll()
          .where('session_hash', '=', sessionHash)
          .where('expires_at', '>', at)
          .executeTakeFirst();
        if (!session) return undefined;
        const reader = await executor.selectFrom('readers').selectAll().where('id', '=', session.reader_id).executeTakeFirst();
        return reader ? { session, reader } : undefined;
      });
      if (!found) return undefined;
      let session = toSession(found.session);
      if (now.getTime() - Date.parse(session.lastSeenAt) >= LAST_SEEN_EVERY_MS) {
        await run('note a session as seen', (executor) =>
          executor.updateTable('reader_sessions').set({ last_seen_at: at }).where('session_hash', '=', sessionHash).execute(),
        );
        session = { ...session, lastSeenAt: at };
      }
      return { session, reader: toReader(found.reader) };
    },

    async removeSession(sessionHash) {
      await run('end a session', (executor) => executor.deleteFrom('reader_sessions').where('session_hash', '=', sessionHash).execute());
    },

    async hit(key, windowMs, now = new Date()) {
      const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs).toISOString();
      return run('count a request', async (executor) => {
        const row = await executor
          .insertInto('rate_limits')
          .values({ key, window_start: windowStart, count: 1 })
          .onConflict((conflict) =>
            conflict.column('key').doUpdateSet({
              count: sql<number>`case when rate_limits.window_start = ${windowStart} then rate_limits.count + 1 else 1 end`,
              window_start: windowStart,
            }),
          )
          .returning('count')
          .executeTakeFirstOrThrow();
        return Number(row.count);
      });
    },

    async prune(before) {
      const at = before.toISOString();
      return run('forget expired sign-in links, sessions and counters', async (executor) => {
        const links = await executor.deleteFrom('reader_sign_in_tokens').where('expires_at', '<', at).executeTakeFirst();
        const sessions = await executor.deleteFrom('reader_sessions').where('expires_at', '<', at).executeTakeFirst();
        const counters = await executor.deleteFrom('rate_limits').where('window_start', '<', at).executeTakeFirst();
        return { links: Number(links.numDeletedRows), sessions: Number(sessions.numDeletedRows), counters: Number(counters.numDeletedRows) };
      });
    },

    async exportReader(readerId) {
      return run('export a reader', async (executor): Promise<ReaderExport | undefined> => {
        const row = await readerBy(executor, { id: readerId });
        if (!row) return undefined;
        const reader = toReader(row);
        const sessions = await executor.selectFrom('reader_sessions').selectAll().where('reader_id', '=', readerId).orderBy('created_at').execute();
        const tokens = await executor.selectFrom('reader_sign_in_tokens').selectAll().where('email', '=', reader.email).orderBy('created_at').execute();
        const invitation = await executor.selectFrom('reader_invitations').selectAll().where('email', '=', reader.email).executeTakeFirst();
        const sent = await executor.selectFrom('reader_invitations').selectAll().where('invited_by', '=', reader.email).orderBy('email').execute();
        return {
          reader,
          sessions: sessions.map((session) => {
            const { sessionHash: _hash, readerId: _reader, ...rest } = toSession(session);
            return rest;
          }),
          signInLinks: tokens.map((token) => {
            const { tokenHash: _hash, browserHash, email: _email, ...rest } = toToken(token);
            return { ...rest, boundToBrowser: browserHash !== undefined };
          }),
          ...(invitation ? { invitation: toInvitation(invitation) } : {}),
          invitationsSent: sent.map(toInvitation),
        };
      });
    },
  };
  return store;
}
