/**
 * Statements compiled once per process and dialect and bound by position (ADR 0009): the batch write's templated
 * SELECTs and multi-row INSERTs, so that a connection prepares a few shapes only.
 */
import type { CompiledQuery, Compilable, Kysely } from 'kysely';
import type { StoreDatabase } from '../schema.js';
import type { QueryContext } from './query.js';

/**
 * Ids per templated `SELECT … WHERE id IN (…)` of a batch (storeEvents' batch size). Every such statement has exactly
 * this many parameters (the last chunk is padded with nulls, which match nothing), so that a connection prepares one
 * shape only.
 */
export const SELECT_IDS = 128;

/** `items` in chunks of `max` (a power of two), the rest in falling powers of two: 1,000 by 256 is 256×3, 128, 64, 32, 8. */
export function templateChunks<T>(items: readonly T[], max: number): T[][] {
  const result: T[][] = [];
  let start = 0;
  for (let size = max; size >= 1; size = Math.floor(size / 2)) {
    while (items.length - start >= size) {
      result.push(items.slice(start, start + size));
      start += size;
      if (size < max) break;
    }
  }
  return result;
}

/** `ids` padded with nulls to SELECT_IDS parameters (`IN (…, null)` matches nothing more). */
export function padded(ids: readonly string[]): Array<string | null> {
  const values: Array<string | null> = ids.slice();
  while (values.length < SELECT_IDS) values.push(null);
  return values;
}

/** The largest power of two not above `value`. */
export function powerOfTwoAtMost(value: number): number {
  return 2 ** Math.floor(Math.log2(Math.max(1, value)));
}

/**
 * Compiled templated statements, by dialect and shape, for every store of the process: the SQL depends only on the
 * dialect (tables are never schema-qualified; PostgreSQL's schema comes from the search_path).
 */
const templates = new Map<string, CompiledQuery>();
const TEMPLATE_CACHE_SIZE = 256;

/** The compiled statement of this shape, built with the query builder once per process and dialect. */
export function template(context: QueryContext, shape: string, build: () => Compilable<unknown>, parameterCount: number): CompiledQuery {
  const key = `${context.dialect.kind}:${shape}`;
  let compiled = templates.get(key);
  if (compiled) {
    templates.delete(key);
  } else {
    compiled = build().compile();
    // The parameters are bound by position, so the compiled shape must be exactly the one assumed.
    if (compiled.parameters.length !== parameterCount) {
      throw new Error(`internal: ${key} compiled to ${compiled.parameters.length} parameters, not ${parameterCount}`);
    }
    if (templates.size >= TEMPLATE_CACHE_SIZE) templates.delete(templates.keys().next().value as string);
  }
  templates.set(key, compiled);
  return compiled;
}

/** Runs a compiled statement with these parameters on `executor`. */
export async function runTemplate<R>(executor: Kysely<StoreDatabase>, compiled: CompiledQuery, parameters: unknown[]): Promise<R[]> {
  const result = await executor.executeQuery<R>({ ...compiled, parameters } as CompiledQuery<R>);
  return result.rows;
}
