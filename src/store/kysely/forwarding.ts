/**
 * The generic forwarding layer (docs/decisions/0043): a base class whose instances have every query method of the
 * Store, derived from the query table (queries.ts), each handing its name and arguments to the subclass's `forward`.
 * The store (kysely-store.ts), the transaction store seen from the main thread (remote-transaction.ts) and the one
 * whose transaction is opened elsewhere (transaction-facade.ts) are such subclasses: a new query needs none of them.
 */
import type { StoreQueries } from '../store.js';
import { QUERY_NAMES, queryOf, type QueryName } from './queries.js';

abstract class Forwarder {
  static {
    for (const name of QUERY_NAMES) {
      const query = queryOf(name);
      const nothing = query.kind === 'write' ? query.nothing : undefined;
      Object.defineProperty(this.prototype, name, {
        configurable: true,
        writable: true,
        value(this: Forwarder, ...args: unknown[]): Promise<unknown> {
          // A write of nothing (an empty batch) is answered at once, as every layer answered it before.
          const result = nothing?.(...args);
          return result !== undefined ? Promise.resolve(result) : this.forward(name, args);
        },
      });
    }
  }

  /** Runs the query `name` with the arguments it was called with, or hands it on. */
  protected abstract forward(name: QueryName, args: unknown[]): Promise<unknown>;
}

/** Extend this to get every query method of the Store, typed exactly as StoreQueries declares it. */
export const QueryForwarder = Forwarder as abstract new () => Forwarder & StoreQueries;

/** Calls the query method `name` of `target` with `args` (arguments that a call of that method was given). */
export function invokeQuery(target: StoreQueries, name: QueryName, args: unknown[]): Promise<unknown> {
  return (target[name] as (...values: unknown[]) => Promise<unknown>).apply(target, args);
}

/** What the call of `name` with `args` does, in words, for errors. */
export function actionOf(name: QueryName, args: unknown[]): string {
  return queryOf(name).action(...args);
}
