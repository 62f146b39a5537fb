/** Turns zod's issues into config problems a person can act on: dot paths, unknown keys with the closest known one. */
import type { z } from 'zod';
import type { ConfigProblem } from './load.js';

/** The candidate closest to `name` (case-insensitive edit distance), when it is close enough to be a likely typo. */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = candidate === name ? 0 : editDistance(wanted, candidate.toLowerCase()) + (candidate.toLowerCase() === wanted ? 0.5 : 0);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.min(3, Math.floor(name.length / 3))) ? best : undefined;
}

/** Edits (insert, delete, substitute, swap two neighbours) from a to b: the optimal string alignment distance. */
function editDistance(a: string, b: string): number {
  const table = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const row = table[i]!;
      row[j] = Math.min(table[i - 1]![j]! + 1, row[j - 1]! + 1, table[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, table[i - 2]![j - 2]! + 1);
    }
  }
  return table[a.length]![b.length]!;
}

const dotPath = (path: readonly PropertyKey[]): string => (path.length > 0 ? path.map(String).join('.') : '(root)');

/** Problems for zod issues, one per unknown key; `input` is what was validated (to pick the union option at a path). */
export function describeIssues(issues: readonly z.core.$ZodIssue[], schema: z.ZodType, input: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path, input);
      for (const key of issue.keys) {
        const suggestion = known ? closestName(key, known) : undefined;
        const hint = suggestion ? `; did you mean "${suggestion}"?` : known ? ` (known keys: ${known.join(', ')})` : '';
        problems.push({ path: dotPath([...issue.path, key]), message: `unknown key "${key}"${hint}` });
      }
    } else if (issue.code === 'invalid_union' && 'discriminator' in issue && Array.isArray((issue as { options?: unknown }).options)) {
      const options = (issue as { options: unknown[] }).options.map(String);
      const value = valueAt(input, issue.path);
      const name = String(issue.path[issue.path.length - 1] ?? 'type');
      if (value === undefined) {
        problems.push({ path: dotPath(issue.path), message: `missing "${name}"; known types: ${options.join(', ')}` });
      } else {
        const suggestion = typeof value === 'string' ? closestName(value, options) : undefined;
        problems.push({
          path: dotPath(issue.path),
          message: `unknown ${name} ${JSON.stringify(value)}${suggestion ? `; did you mean ${suggestion}?` : ''} (known types: ${options.join(', ')})`,
        });
      }
    } else if (
      (issue.code === 'invalid_type' || issue.code === 'invalid_union') &&
      issue.path.length > 0 &&
      valueAt(input, issue.path) === undefined &&
      isObject(valueAt(input, issue.path.slice(0, -1)))
    ) {
      problems.push({ path: dotPath(issue.path), message: `required key "${String(issue.path[issue.path.length - 1])}" is missing` });
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // A union such as a secret (a string, or { "env": NAME }): say what each alternative wanted.
      const reasons = [
        ...new Set(issue.errors.map((errors) => errors.map((inner) => `${inner.path.length ? `${dotPath(inner.path)}: ` : ''}${inner.message}`).join(', '))),
      ];
      problems.push({ path: dotPath(issue.path), message: `${issue.message}: ${reasons.join('; or ')}` });
    } else {
      problems.push({ path: dotPath(issue.path), message: issue.message });
    }
  }
  return problems;
}

const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Sorts problems into the order of the file (depth first, keys as written), so that the report reads top to bottom
 * whichever check found each problem. A path the file lacks (a missing key) sorts with its nearest existing parent.
 */
export function sortByPosition(problems: ConfigProblem[], input: unknown): ConfigProblem[] {
  const order = new Map<string, number>();
  const visit = (value: unknown, path: string): void => {
    order.set(path, order.size);
    if (Array.isArray(value)) value.forEach((item, index) => visit(item, path ? `${path}.${index}` : String(index)));
    else if (isObject(value)) for (const [key, inner] of Object.entries(value as Record<string, unknown>)) visit(inner, path ? `${path}.${key}` : key);
  };
  visit(input, '');
  const rank = (path: string): number => {
    const parts = path.split('.');
    for (let length = parts.length; length > 0; length -= 1) {
      const found = order.get(parts.slice(0, length).join('.'));
      if (found !== undefined) return found;
    }
    return -1;
  };
  return problems
    .map((problem, index) => ({ problem, index, rank: rank(problem.path) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.problem);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

type Def = { type: string; [key: string]: unknown };
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;
const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'nonoptional', 'readonly', 'catch']);

/** Steps through wrappers and picks the union option that fits `value` (a discriminated union by its key). */
function unwrap(schema: unknown, value: unknown): unknown {
  let current = schema;
  for (let guard = 0; guard < 20 && current; guard += 1) {
    const def = defOf(current);
    if (WRAPPERS.has(def.type)) current = def.innerType;
    else if (def.type === 'pipe') current = def.in;
    else if (def.type === 'union') {
      const options = def.options as unknown[];
      const discriminator = def.discriminator as string | undefined;
      const tag = discriminator && typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[discriminator] : undefined;
      const chosen = discriminator
        ? options.find((option) => (option as { _zod: { propValues?: Record<string, Set<unknown>> } })._zod.propValues?.[discriminator]?.has(tag))
        : options.find((option) => defOf(unwrap(option, value)).type === 'object');
      if (!chosen) return undefined;
      current = chosen;
    } else return current;
  }
  return current;
}

/** The keys the object schema at `path` accepts, or undefined when the path leads elsewhere. */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[], input: unknown): string[] | undefined {
  let value = input;
  let current = unwrap(schema, value);
  for (const key of path) {
    if (!current) return undefined;
    const def = defOf(current);
    if (def.type === 'object') current = (def.shape as Record<string, unknown>)[String(key)];
    else if (def.type === 'array') current = def.element;
    else if (def.type === 'record') current = def.valueType;
    else return undefined;
    value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
    current = unwrap(current, value);
  }
  if (!current) return undefined;
  const def = defOf(current);
  return def.type === 'object' ? Object.keys(def.shape as Record<string, unknown>) : undefined;
}
