/**
 * The readers seam (docs/decisions/0038): accounts of the web site, in the same database as the store (SQLite or
 * PostgreSQL), kept apart from the big Store interface. Secrets never reach it: sign-in links and sessions are given
 * and looked up by their SHA-256 hashes. Times are ISO 8601 UTC; `now` defaults to the clock.
 */

export type ReaderRole = 'admin' | 'reader';

export interface Reader {
  id: string;
  /** Trimmed and lower-cased. */
  email: string;
  role: ReaderRole;
  createdAt: string;
  lastSignInAt?: string;
  /** The email of the admin who invited them, or `cli`, when invited. */
  invitedBy?: string;
}

export interface Invitation {
  email: string;
  invitedBy: string;
  createdAt: string;
}

/** A sign-in link as stored (its hash), without the hash in what is shown to its reader. */
export interface SignInToken {
  tokenHash: string;
  email: string;
  /** The hash of the browser cookie of the browser that asked; undefined for a link sent by an invitation. */
  browserHash?: string;
  createdAt: string;
  expiresAt: string;
  usedAt?: string;
}

export interface ReaderSession {
  sessionHash: string;
  readerId: string;
  createdAt: string;
  expiresAt: string;
  lastSeenAt: string;
  userAgent?: string;
}

/** What `useSignInToken` found: the token when it was unused and unexpired (and is now used), else why not. */
export type TokenUse = { ok: true; token: SignInToken } | { ok: false; reason: 'unknown' | 'used' | 'expired'; token?: SignInToken };

/** Everything held about one reader (`GET /account/export.json`), hashes left out. */
export interface ReaderExport {
  reader: Reader;
  sessions: Array<Omit<ReaderSession, 'sessionHash' | 'readerId'>>;
  signInLinks: Array<Omit<SignInToken, 'tokenHash' | 'browserHash' | 'email'> & { boundToBrowser: boolean }>;
  invitation?: Invitation;
  invitationsSent: Invitation[];
}

export interface ReaderStore {
  /** Normalises an email as every method does: trimmed, lower-cased. */
  normalizeEmail(email: string): string;
  /** The reader with this email, created with `role` when absent (then `invitedBy` is kept); the role is set either way. */
  ensureReader(email: string, options: { role: ReaderRole; invitedBy?: string; now?: Date }): Promise<Reader>;
  getReader(by: { id: string } | { email: string }): Promise<Reader | undefined>;
  listReaders(): Promise<Reader[]>;
  /** Removes the reader with everything about them (sessions, links, invitation); false when there was none. */
  removeReader(email: string): Promise<boolean>;

  invite(email: string, invitedBy: string, now?: Date): Promise<Invitation>;
  getInvitation(email: string): Promise<Invitation | undefined>;
  listInvitations(): Promise<Invitation[]>;

  addSignInToken(token: Omit<SignInToken, 'usedAt'>): Promise<void>;
  /** Marks the link used, once: a second use, an expired or an unknown hash is refused. */
  useSignInToken(tokenHash: string, now?: Date): Promise<TokenUse>;
  /** The link, used or not (to check its browser before using it). */
  getSignInToken(tokenHash: string): Promise<SignInToken | undefined>;

  /** Starts a session and records the sign-in on the reader. */
  addSession(session: Omit<ReaderSession, 'lastSeenAt'>): Promise<void>;
  /** The session and its reader while both exist and the session has not expired; refreshes `lastSeenAt` now and then. */
  getSession(sessionHash: string, now?: Date): Promise<{ session: ReaderSession; reader: Reader } | undefined>;
  removeSession(sessionHash: string): Promise<void>;

  /** Counts a hit on `key` in the fixed window of `windowMs` holding `now`; returns the window's count, this hit included. */
  hit(key: string, windowMs: number, now?: Date): Promise<number>;

  exportReader(readerId: string): Promise<ReaderExport | undefined>;

  /** Deletes links and sessions that expired before `before`, and counters of windows that started before it. */
  prune(before: Date): Promise<{ links: number; sessions: number; counters: number }>;
}
