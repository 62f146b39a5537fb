/** The canonical JSON text that both databases compare in, and reading JSON columns back (SQLite text, PostgreSQL jsonb). */

/**
 * JSON with object keys sorted and undefined members dropped. What we write is canonical, and PostgreSQL's jsonb
 * (which reorders keys) is re-serialized the same way, so stored and incoming values compare as plain strings.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member !== undefined) parts.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${parts.join(',')}}`;
}

/** A JSON column as read: text from SQLite (written canonical by us), a parsed value from PostgreSQL. */
export function readJsonText(value: unknown): string {
  return typeof value === 'string' ? value : canonicalJson(value);
}

export function readNullableJsonText(value: unknown): string | null {
  return value === null || value === undefined ? null : readJsonText(value);
}

/** A JSON column as a value. */
export function readJsonValue<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** Empty text is missing text: '' and whitespace-only strings become null. */
export function nonEmpty(value: string | null | undefined): string | null {
  return value === undefined || value === null || value.trim() === '' ? null : value;
}

// The paper rows' JSON writers (papers.ts) build canonical JSON (keys in sorted order) with these two directly:
// canonicalJson() gives the same text but is several times slower, and they run for every paper of every batch.

/**
 * JSON.stringify(value) for a string, without its call overhead when the text needs no escape (names, categories,
 * URLs): no quote, backslash, control character or surrogate (lone surrogates are escaped by JSON.stringify).
 */
export function quoteJson(value: string): string {
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code === 34 || code === 92 || (code >= 0xd800 && code <= 0xdfff)) return JSON.stringify(value);
  }
  return `"${value}"`;
}

/** JSON.stringify(values) for an array of strings; anything else takes JSON.stringify itself. */
export function stringArrayJson(values: readonly unknown[]): string {
  let json = '[';
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index];
    if (typeof value !== 'string') return JSON.stringify(values);
    json += index === 0 ? quoteJson(value) : `,${quoteJson(value)}`;
  }
  return `${json}]`;
}

/** The fields of `value` outside `known`, as canonical JSON, or null when there are none. */
export function extraJson(value: object, known: ReadonlySet<string>): string | null {
  const extra: Record<string, unknown> = {};
  let any = false;
  for (const [key, member] of Object.entries(value)) {
    if (known.has(key) || member === undefined) continue;
    extra[key] = member;
    any = true;
  }
  return any ? canonicalJson(extra) : null;
}
