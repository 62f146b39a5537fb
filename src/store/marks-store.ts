/**
 * The marks seam (docs/decisions/0040): a reader's own stars and hides (the `/starred` page and its exports) and the
 * recipients who unsubscribed from a subscription's emails. Same database as the store, kept apart from `Store`.
 */

export type MarkKind = 'star' | 'hide';

export interface ReaderMark {
  paperId: string;
  kind: MarkKind;
  /** ISO 8601 UTC. */
  at: string;
}

export interface Unsubscription {
  subscription: string;
  /** Lower-cased email address. */
  recipient: string;
  at: string;
  /** `link` (the page's button) or `one-click` (RFC 8058 POST by a mail provider). */
  via: 'link' | 'one-click';
}

export interface MarksStore {
  /** Sets (or with `clear` removes) the reader's mark on a paper. */
  setMark(readerId: string, paperId: string, kind: MarkKind | 'clear', now?: Date): Promise<void>;
  /** The reader's marks, newest first; only those on `paperIds` when given. */
  getMarks(readerId: string, options?: { paperIds?: readonly string[]; kind?: MarkKind }): Promise<ReaderMark[]>;
  /** Records an unsubscription (idempotent: the first one's time is kept); true when it is new. */
  unsubscribe(subscription: string, recipient: string, via: Unsubscription['via'], now?: Date): Promise<boolean>;
  /** Undoes one; true when there was one. */
  resubscribe(subscription: string, recipient: string): Promise<boolean>;
  /** The recipients who unsubscribed from a subscription (lower-cased). */
  unsubscribed(subscription: string): Promise<Unsubscription[]>;
}
