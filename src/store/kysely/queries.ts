/**
 * Every query of the store, by aggregate: the one table that the store (kysely-store.ts), its transactions in the
 * writer thread (forwarding.ts, writer-thread.ts) and the protocol between them (writer-protocol.ts) are derived from.
 * A new query is its interface line in its aggregate (src/store/*-store.ts) and its entry in that aggregate's table
 * here (docs/decisions/0043).
 */
import type { StoreQueries } from '../store.js';
import { digestQueries } from './digests.js';
import { paperQueries } from './papers.js';
import type { AnyQuery, Queries } from './query.js';
import { runQueries } from './runs.js';
import { searchQueries } from './search/queries.js';
import { stateQueries } from './state.js';
import { textQueries } from './texts.js';

export const storeQueries: Queries<StoreQueries> = {
  ...paperQueries,
  ...textQueries,
  ...digestQueries,
  ...runQueries,
  ...stateQueries,
  ...searchQueries,
};

export type QueryName = keyof StoreQueries;
export type QueryArgs<K extends QueryName> = Parameters<StoreQueries[K]>;

/** Every query's name, in the table's order. */
export const QUERY_NAMES = Object.keys(storeQueries) as QueryName[];

/** Whether `name` (from another thread, say) names a query. */
export function isQueryName(name: string): name is QueryName {
  return Object.hasOwn(storeQueries, name);
}

/** The query `name`, with its types erased: for the generic layers, which pass the arguments they were given. */
export function queryOf(name: QueryName): AnyQuery {
  return storeQueries[name] as AnyQuery;
}
