/**
 * PostgreSQL's `COPY … FROM STDIN` through Kysely (ADR 0070). Kysely keeps the pg client of its connection private,
 * so the pool's clients are of a subclass (`copyingClient`) that streams a statement's rows with pg-copy-streams when
 * the statement's one parameter is a `CopyRows`; every other statement goes to pg as it is. A COPY so runs on the
 * connection, and in the transaction, of the Kysely executor it is given, like any other statement.
 */
import { CompiledQuery } from 'kysely';
import type { Client } from 'pg';

/** The rows of one `COPY … FROM STDIN`, in COPY's text format and UTF-8 (`copyRows`). */
export class CopyRows {
  constructor(readonly data: Buffer) {}
}

/** What COPY's text format escapes (NUL cannot be in a PostgreSQL text value at all). */
const SPECIAL = /[\\\n\r\t]/;
const SPECIALS = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One value in COPY's text format: `\N` for null; numbers and strings as PostgreSQL's input reads them. */
function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const text = typeof value === 'string' ? value : String(value);
  return SPECIAL.test(text) ? text.replace(SPECIALS, (character) => ESCAPES[character]!) : text;
}

/**
 * Rows in COPY's text format: `width` values per row from `values`, starting at each of `offsets`. The values are
 * what the store binds as parameters (strings, numbers, null). Each row is written into the buffer as it is made:
 * one string for all the rows would be a rope of every field, flattened and then encoded whole. `ends`, when given,
 * gets the byte offset where each row ends.
 */
export function copyRows(values: readonly unknown[], offsets: Iterable<number>, width: number, ends?: number[]): CopyRows {
  let buffer = Buffer.allocUnsafe(1 << 16);
  let length = 0;
  for (const offset of offsets) {
    let line = copyField(values[offset]);
    for (let column = 1; column < width; column += 1) line += `\t${copyField(values[offset + column])}`;
    line += '\n';
    // A UTF-16 code unit takes at most 3 bytes in UTF-8 (a surrogate pair, two units, takes 4).
    const most = length + line.length * 3;
    if (most > buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(most, buffer.length * 2));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    length += buffer.write(line, length);
    ends?.push(length);
  }
  return new CopyRows(buffer.subarray(0, length));
}

/**
 * The rows at `indexes` (ascending) of rows made with `copyRows(…, ends)`: the whole buffer when they are all of
 * them, as they are when every record of a write is a new paper.
 */
export function copyRowsAt(data: Uint8Array, ends: readonly number[], indexes: readonly number[]): CopyRows {
  const whole = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (indexes.length === ends.length) return new CopyRows(whole);
  return new CopyRows(Buffer.concat(indexes.map((index) => whole.subarray(index === 0 ? 0 : ends[index - 1], ends[index]))));
}

/** `COPY table (columns) FROM STDIN` of `rows` on `executor`'s connection (PostgreSQL only). */
export async function copyInto(
  executor: { executeQuery(query: CompiledQuery): Promise<unknown> },
  table: string,
  columns: readonly string[],
  rows: CopyRows,
): Promise<void> {
  const list = columns.map((column) => `"${column}"`).join(', ');
  await executor.executeQuery(CompiledQuery.raw(`copy "${table}" (${list}) from stdin`, [rows]));
}

type CopyFrom = (text: string) => NodeJS.WritableStream & { rowCount: number };

/** pg's Client, but a statement whose one parameter is a CopyRows streams those rows as the statement's COPY data. */
export function copyingClient(Base: typeof Client, copyFrom: CopyFrom): typeof Client {
  class CopyingClient extends Base {}
  const plainQuery = Base.prototype.query;
  // Defined, not declared in the class: a typed override would have to restate each of pg's overloads of `query`.
  Object.defineProperty(CopyingClient.prototype, 'query', {
    configurable: true,
    writable: true,
    value: function query(this: Client, ...args: unknown[]): unknown {
      const [text, values] = args;
      if (typeof text === 'string' && Array.isArray(values) && values.length === 1 && values[0] instanceof CopyRows) {
        return copy(this, copyFrom(text), values[0]);
      }
      return (plainQuery as (...all: unknown[]) => unknown).apply(this, args);
    },
  });
  return CopyingClient;
}

/** Streams `rows` as the data of `stream`'s COPY; settles when the server has taken them (or refused them). */
function copy(client: Client, stream: ReturnType<CopyFrom>, rows: CopyRows): Promise<{ command: string; rowCount: number; rows: never[] }> {
  return new Promise((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', () => resolve({ command: 'COPY', rowCount: stream.rowCount, rows: [] }));
    (client as unknown as { query(submittable: unknown): unknown }).query(stream);
    stream.end(rows.data);
  });
}
