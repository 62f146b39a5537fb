/**
 * How a store query is written once (docs/decisions/0043): what it does in words, whether it reads or writes, and its
 * SQL over a connection. The store, its transactions and the writer thread's forwarding all run it from this one
 * definition (kysely-store.ts, forwarding.ts).
 */
import type { Kysely } from 'kysely';
import type { StoreDatabase } from '../schema.js';
import type { StoreDialect } from './dialect.js';

/** What a query's SQL may use besides its connection: the store's facts, the same for every call. */
export interface QueryContext {
  /** The store's Kysely instance, to build (not run) statements with: run them on the connection given. */
  db: Kysely<StoreDatabase>;
  dialect: StoreDialect;
  /** Rows per multi-row INSERT for a table of `columns` columns, under the dialect's bound-parameter limit. */
  rowsPerInsert(columns: number): number;
}

interface QueryBase<A extends unknown[]> {
  /** What the query does, for errors: "Could not <action> in <location>: …". */
  action(...args: A): string;
}

/** A read: on the transaction's connection inside one (it sees the transaction's own writes), else on the pool. */
export interface ReadQuery<A extends unknown[], R> extends QueryBase<A> {
  kind: 'read';
  run(executor: Kysely<StoreDatabase>, context: QueryContext, ...args: A): Promise<R>;
}

/** A write, all or nothing: its own transaction, or a savepoint inside the caller's. */
export interface WriteQuery<A extends unknown[], R> extends QueryBase<A> {
  kind: 'write';
  /** What a failure left behind, e.g. "none of them was saved". */
  outcome: string;
  /** The result when the arguments write nothing (an empty batch): given at once, without the database. */
  nothing?(...args: A): R | undefined;
  run(trx: Kysely<StoreDatabase>, context: QueryContext, ...args: A): Promise<R>;
}

export type Query<A extends unknown[], R> = ReadQuery<A, R> | WriteQuery<A, R>;

/** The queries implementing the methods of an aggregate's interface `S`, one per method, typed by it. */
export type Queries<S> = { [K in keyof S]: S[K] extends (...args: infer A) => Promise<infer R> ? Query<A, R> : never };

/** A query with its types erased, as the generic forwarding layers hold it. */
export type AnyQuery = Query<unknown[], unknown>;

/** Ids per `WHERE … IN (…)`: well under both parameter limits, and short enough for the planners. */
export const IDS_PER_QUERY = 5_000;

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
