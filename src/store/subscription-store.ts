/**
 * Readers' own subscriptions (docs/decisions/0039), in the store's database beside the readers, as a small seam of its
 * own. The store keeps what it is given: the config file's subscription fields as JSON (secrets left out), the secrets
 * already encrypted by the caller, and the uploaded library files. Owner checks are part of each call: a `readerId`
 * given to `get`, `save` or `remove` limits it to that reader's rows (another reader's row is "not there").
 */

/** A library file a reader uploaded (BibTeX, RIS or CSL-JSON), kept with the subscription. */
export interface LibraryUpload {
  fileName: string;
  format: string;
  text: string;
}

export interface ReaderSubscription {
  id: string;
  readerId: string;
  /** Unique across the config file and the database. */
  name: string;
  /** The config file's subscription fields (name included), secrets left out. */
  subscription: Record<string, unknown>;
  /** The secrets' ciphertext (AES-256-GCM, made by the caller), if any. */
  secrets?: string;
  libraryFiles: LibraryUpload[];
  createdAt: string;
  updatedAt: string;
}

export type SubscriptionSave =
  | { ok: true; saved: ReaderSubscription }
  /** `name-taken`: another subscription has the name; `not-found`: no such id (of this reader, when updating). */
  | { ok: false; reason: 'name-taken' | 'not-found' };

export interface SubscriptionStore {
  /** Every web subscription, or one reader's, by name. */
  list(filter?: { readerId?: string }): Promise<ReaderSubscription[]>;
  /** One subscription by id, or by name; with `readerId`, only that reader's. */
  get(by: { id: string } | { name: string }, owner?: { readerId: string }): Promise<ReaderSubscription | undefined>;
  /**
   * Adds (`create`) or replaces the subscription with this id; a replace only changes a row of the same reader (the
   * owner never changes). The name must be free.
   */
  save(row: Omit<ReaderSubscription, 'createdAt' | 'updatedAt'>, options: { create: boolean; now?: Date }): Promise<SubscriptionSave>;
  /** Removes the subscription (with `readerId`, only that reader's); false when there was none. */
  remove(id: string, owner?: { readerId: string }): Promise<boolean>;
}
