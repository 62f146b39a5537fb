/**
 * A SQLite write transaction's FTS5 documents, held back until its commit (docs/decisions/0055-index-at-commit.md).
 *
 * FTS5 writes its pending terms to a new segment, and merges segments, at every savepoint and at every statement that
 * opens a statement journal once it is part of the transaction: written batch by batch, an ingest's documents cost
 * one small segment and a merge per batch. Held here instead, they go in a few large statements before the commit
 * (or before anything in the transaction reads or deletes from the index), outside the batches' savepoints.
 *
 * A savepoint rolled back takes its documents with it: `mark` before it, `rollbackTo` when it rolls back. Documents
 * written to FTS5 inside a savepoint that then rolls back (a search in it flushed them) are gone from FTS5 too, so
 * they are written again at the next flush.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import { XivdigestError } from '../../../core/errors.js';

/** Values of one document: its rowid, then its FTS5 column values. */
export type PendingDocument = readonly unknown[];

/** Where a savepoint began: how many documents were held and how many of them were written. */
export interface PendingMark {
  held: number;
  written: number;
}

/** Where a document's values go, in the order a PendingDocument holds them. */
export const FTS_INSERT_TARGET = 'paper_fts (rowid, title, ttitle, tldr, abstract, authors, cats)';
const WIDTH = 7;

/** Documents a flush writes in one statement: 7 values each, within SQLite's 32,766 parameters. */
const DOCS_PER_STATEMENT = 4_096;

/** Held documents past which a write flushes them: one statement's worth (about 1.5 KB each, a few MB of memory). */
export const FLUSH_AT = 8_192;

export class PendingDocuments {
  /** Documents held, oldest first; those before `#written` are in FTS5. */
  #docs: PendingDocument[] = [];
  #written = 0;
  /** Set once a flush has written a statement, until it ends (left set if a later one fails): documents written before it. */
  #failedFrom: number | undefined;
  /** Savepoints open over this transaction's documents (marks not yet released or rolled back). */
  #open = 0;

  /** Documents held and not yet in FTS5. */
  get unwritten(): number {
    return this.#docs.length - this.#written;
  }

  add(doc: PendingDocument): void {
    this.#docs.push(doc);
  }

  /** Before a savepoint. */
  mark(): PendingMark {
    this.#open += 1;
    return { held: this.#docs.length, written: this.#written };
  }

  /** After a savepoint released: its documents stay. */
  release(): void {
    this.#open -= 1;
    this.#compact();
  }

  /** After a rollback to the savepoint `mark` began: what it added is dropped, what it wrote is no longer in FTS5. */
  rollbackTo(mark: PendingMark): void {
    this.#open -= 1;
    this.#docs.length = Math.min(this.#docs.length, mark.held);
    // SQLite took back every FTS5 write since the savepoint, a partly failed flush's included.
    if (this.#failedFrom !== undefined && mark.written <= this.#failedFrom) this.#failedFrom = undefined;
    this.#written = Math.min(this.#written, mark.written);
    this.#compact();
  }

  /**
   * Writes the documents not yet in FTS5, in as few statements as SQLite's parameter limit allows, in rowid order:
   * FTS5 writes its pending terms out as a new segment whenever a document's rowid is not above the one before it
   * (`sqlite3Fts5IndexBeginWrite`), and a backfill's rowids jump between sort days' blocks (ADR 0049) from one
   * record to the next, which made nearly every Kaggle record a segment of its own, merged again and again
   * (docs/decisions/0061-backfill-in-rowid-order.md). The held order itself is kept (savepoint marks count in it).
   */
  async flush(db: Kysely<any>): Promise<void> {
    if (this.#failedFrom !== undefined) throw partlyWritten();
    const from = this.#written;
    const count = this.#docs.length - from;
    if (count <= 0) return;
    const order = this.#docs.slice(from);
    if (!ascending(order)) order.sort(byRowid);
    for (let start = 0; start < count; start += DOCS_PER_STATEMENT) {
      const rows = Math.min(DOCS_PER_STATEMENT, count - start);
      const parameters: unknown[] = new Array(rows * WIDTH);
      let at = 0;
      for (let index = start; index < start + rows; index += 1) {
        const doc = order[index]!;
        for (let column = 0; column < WIDTH; column += 1) parameters[at++] = doc[column];
      }
      await db.executeQuery(CompiledQuery.raw(rowsInsert(FTS_INSERT_TARGET, WIDTH, rows), parameters));
      // A later statement that fails leaves some of these documents in FTS5 and some not: nothing may be written
      // again until a rollback to a savepoint from before this flush takes them all back out.
      this.#failedFrom = from;
    }
    this.#failedFrom = undefined;
    this.#written = this.#docs.length;
    this.#compact();
  }

  /** Written documents are dropped once no open savepoint could roll their writing back. */
  #compact(): void {
    if (this.#open > 0 || this.#written === 0) return;
    this.#docs = this.#docs.slice(this.#written);
    this.#written = 0;
  }
}

function byRowid(a: PendingDocument, b: PendingDocument): number {
  return (a[0] as number) - (b[0] as number);
}

function ascending(docs: readonly PendingDocument[]): boolean {
  for (let index = 1; index < docs.length; index += 1) if ((docs[index - 1]![0] as number) > (docs[index]![0] as number)) return false;
  return true;
}

function partlyWritten(): XivdigestError {
  return new XivdigestError({
    code: 'STORE_ERROR',
    message: 'The search index holds part of a failed write of this transaction',
    hint: 'Roll the transaction back and write again; nothing of it is committed',
  });
}

/** The held documents of each open SQLite write transaction, by the connection it runs on. */
const pending = new WeakMap<Kysely<any>, PendingDocuments>();

/** Holds FTS5 documents written through `connection` until `flushPending`; undefined when it already does. */
export function holdDocuments(connection: Kysely<any>): PendingDocuments | undefined {
  if (pending.has(connection)) return undefined;
  const documents = new PendingDocuments();
  pending.set(connection, documents);
  return documents;
}

/** Stops holding documents for `connection` (after its commit or rollback). */
export function dropDocuments(connection: Kysely<any>): void {
  pending.delete(connection);
}

/** The documents held for the transaction running on `db`; undefined where documents are written at once. */
export function pendingDocuments(db: Kysely<any>): PendingDocuments | undefined {
  return pending.get(db);
}

/** Writes the documents held for `db`'s transaction into FTS5: before a commit, a search or a delete from the index. */
export async function flushPending(db: Kysely<any>): Promise<void> {
  const documents = pending.get(db);
  if (documents && documents.unwritten > 0) await documents.flush(db);
}

/** SQL texts of multi-row INSERTs, by target and rows. */
const inserts = new Map<string, string>();

/** `insert into TARGET values (?, …), …` of `rows` rows of `width` values, written once per shape. */
export function rowsInsert(target: string, width: number, rows: number): string {
  const key = `${target}:${rows}`;
  let text = inserts.get(key);
  if (text === undefined) {
    const row = `(${Array.from({ length: width }, () => '?').join(', ')})`;
    text = `insert into ${target} values ${Array.from({ length: rows }, () => row).join(', ')}`;
    if (inserts.size >= 64) inserts.delete(inserts.keys().next().value as string);
    inserts.set(key, text);
  }
  return text;
}
