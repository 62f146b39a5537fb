/**
 * upsertPapers' batch write (ADR 0009): reads what the store holds of a batch's papers in templated SELECTs, merges
 * the batch into it in memory record by record (merge.ts), and writes only what changed in multi-row INSERTs (on
 * PostgreSQL, many new papers with COPY: ADR 0070), with the search index in the same transaction (ADR 0028).
 */
import { sql, type CompiledQuery, type Kysely, type Selectable } from 'kysely';
import type { UpsertOptions, UpsertResult } from '../paper-store.js';
import type { PapersTable, StoreDatabase } from '../schema.js';
import {
  fillVersion,
  livesInRow,
  mergePaperRow,
  newVersionState,
  rowVersionState,
  storedVersionState,
  VERSION_FILL_COLUMNS,
  writesVersionRow,
  type VersionState,
} from './merge.js';
import { copyInto, copyRows, copyRowsAt } from './copy.js';
import { chunks, type QueryContext } from './query.js';
import { PAPER_WRITE_COLUMNS, paperRowFromDb, pushPaperValues, type PaperRow } from './rows/papers.js';
import {
  preparedListedVersion,
  preparedOwnRecord,
  preparedOwnVersion,
  preparedRow,
  PREPARED_PAPER_WIDTH,
  PREPARED_VERSION_WIDTH,
  type PreparedPapers,
} from './rows/prepared.js';
import { pushVersionValues, rowVersionFactsFromDb, rowVersionRecord, VERSION_COLUMNS, type RowVersionFacts, type VersionRow } from './rows/versions.js';
import { FTS_VALUE_COUNT, indexRows, preparedIndexedRow } from './search/index-docs.js';
import { markDocumentsMissing } from './search/index-missing.js';
import { padded, runTemplate, SELECT_IDS, template, templateChunks } from './statement-cache.js';

/** Stand-in rows for compiling an INSERT template: every column, in the order the parameters are pushed. */
const PAPER_PLACEHOLDER = Object.fromEntries(PAPER_WRITE_COLUMNS.map((column) => [column, 0])) as never;
const VERSION_PLACEHOLDER = Object.fromEntries(VERSION_COLUMNS.map((column) => [column, 0])) as never;

export function nothingWritten(): UpsertResult {
  return { inserted: 0, updated: 0, unchanged: 0, versionsAdded: 0 };
}

function versionFacts(record: VersionRow): RowVersionFacts {
  return { submitted_at: record.submitted_at, size: record.size, source_type: record.source_type };
}

function sameFacts(a: RowVersionFacts | undefined, b: RowVersionFacts | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.submitted_at === b.submitted_at && a.size === b.size && a.source_type === b.source_type;
}

function versionKey(paperId: string, version: number): string {
  return `${paperId}\u0000${version}`;
}

/** What upsertPapers does, in words, for `count` records. */
export function storeAction(count: number): string {
  return `store ${count} paper${count === 1 ? '' : 's'}`;
}

export const UPSERT_OUTCOME = 'the batch was rolled back, nothing of it was written';

/**
 * Writes `count` records, which `prepare` prepares within the write (so that a malformed record fails as a
 * STORE_ERROR like any failed write): upsertPapers' rules (store.ts), in one transaction or savepoint `trx`.
 */
export async function upsertPrepared(
  trx: Kysely<StoreDatabase>,
  context: QueryContext,
  count: number,
  prepare: () => PreparedPapers,
  options: UpsertOptions = {},
): Promise<UpsertResult> {
  const result = nothingWritten();
  const prepared = prepare();
  const values = prepared.papers;
  const ids: string[] = [];
  const seen = new Set<string>();
  for (let index = 0; index < count; index += 1) {
    const id = values[index * PREPARED_PAPER_WIDTH] as string;
    if (!seen.has(id)) {
      seen.add(id);
      ids.push(id);
    }
  }
  const rows = new Map<string, PaperRow>();
  /** The facts of the version record living in each stored row, as stored: a change rewrites the row. */
  const storedOwn = new Map<string, RowVersionFacts | undefined>();
  const versions = new Map<string, VersionState>();
  for (const chunk of chunks(ids, SELECT_IDS)) {
    for (const stored of await selectPapers(trx, context, chunk)) {
      const row = paperRowFromDb(stored);
      const own = rowVersionFactsFromDb(stored);
      rows.set(row.id, row);
      storedOwn.set(row.id, own);
      if (own) versions.set(versionKey(row.id, row.version!), rowVersionState(rowVersionRecord(row, own)));
    }
  }
  // Only stored papers have paper_versions rows (a foreign key says so): a batch of new papers skips this read.
  for (const chunk of chunks([...rows.keys()], SELECT_IDS)) {
    for (const row of await selectVersionMasks(trx, context, chunk)) {
      // The sum of CASEs is an integer on both databases; Number() in case a driver returns it as text.
      versions.set(versionKey(row.paper_id, row.version), storedVersionState(row.paper_id, row.version, Number(row.missing)));
    }
  }
  const originalRows = new Map(rows);
  // Papers new to the store, by the index of their record: written from the prepared values as they are (the row
  // with its own version record in it, the listed records as paper_versions rows), unless the batch gives them
  // again: then they become a row and version states to merge into, as stored papers are.
  const fresh = new Map<string, number>();
  /** Where each record's listed versions start in prepared.versions. */
  const listedStarts: number[] = new Array(count);
  /** The version records of the record at `index`: its own (what its own row gives), then the others it lists. */
  const recordsOf = (index: number): VersionRow[] => {
    const offset = index * PREPARED_PAPER_WIDTH;
    const records: VersionRow[] = [];
    const own = preparedOwnVersion(values, offset);
    if (own !== undefined) records.push(preparedOwnRecord(values, offset, own));
    const start = listedStarts[index]!;
    for (let at = start; at < start + prepared.versionCounts[index]!; at += 1) {
      records.push(preparedListedVersion(prepared.versions, at * PREPARED_VERSION_WIDTH, values, offset));
    }
    return records;
  };

  // Diff in memory, record by record, so that a batch holding one paper twice merges both in order.
  let listedAt = 0;
  for (let index = 0; index < count; index += 1) {
    const offset = index * PREPARED_PAPER_WIDTH;
    const id = values[offset] as string;
    listedStarts[index] = listedAt;
    listedAt += prepared.versionCounts[index]!;
    let current = rows.get(id);
    if (current === undefined) {
      const first = fresh.get(id);
      if (first === undefined) {
        // A new paper: all its version records are new too.
        fresh.set(id, index);
        result.inserted += 1;
        result.versionsAdded += (preparedOwnVersion(values, offset) === undefined ? 0 : 1) + prepared.versionCounts[index]!;
        continue;
      }
      // The same new paper again: from here on it merges as a stored one would (its records were counted).
      current = preparedRow(values, first * PREPARED_PAPER_WIDTH);
      rows.set(id, current);
      fresh.delete(id);
      for (const record of recordsOf(first)) versions.set(versionKey(id, record.version), newVersionState(record));
    }
    let changed = false;
    const merged = mergePaperRow(current, preparedRow(values, offset));
    if (merged !== current) {
      rows.set(id, merged);
      changed = true;
    }
    for (const record of recordsOf(index)) {
      const key = versionKey(id, record.version);
      const state = versions.get(key);
      if (state === undefined) {
        versions.set(key, newVersionState(record));
        result.versionsAdded += 1;
        changed = true;
      } else if (fillVersion(state, record)) {
        changed = true;
      }
    }
    if (changed) result.updated += 1;
    else result.unchanged += 1;
  }

  // Each row's own version record lives in the row when the row gives it back whole (ADR 0009); the other records
  // are paper_versions rows. Write only what differs from what was read.
  const inRows = new Set<VersionState>();
  const paperWrites: Array<{ row: PaperRow; own: RowVersionFacts | undefined } | number> = [];
  const versionWrites: VersionRow[] = [];
  for (const index of fresh.values()) {
    // A new paper's own record is its record's own version record, which its row always gives back whole.
    paperWrites.push(index);
    const offset = index * PREPARED_PAPER_WIDTH;
    const start = listedStarts[index]!;
    for (let at = start; at < start + prepared.versionCounts[index]!; at += 1) {
      versionWrites.push(preparedListedVersion(prepared.versions, at * PREPARED_VERSION_WIDTH, values, offset));
    }
  }
  // On PostgreSQL many new papers go in with COPY (ADR 0070), unless another write stored one of them meanwhile.
  const copied =
    context.dialect.kind === 'postgres' && fresh.size >= COPY_AT_LEAST && (await copyNewPapers(trx, prepared, paperWrites as number[], versionWrites));
  // The new papers' rows and versions lead the two lists: what COPY wrote is left out of the INSERTs.
  const copiedPapers = copied ? paperWrites.length : 0;
  const copiedVersions = copied ? versionWrites.length : 0;
  for (const [id, row] of rows) {
    const state = row.version === null ? undefined : versions.get(versionKey(id, row.version));
    const own = livesInRow(state, row) ? versionFacts(state!.pending) : undefined;
    if (own !== undefined) inRows.add(state!);
    if (originalRows.get(id) !== row || !sameFacts(storedOwn.get(id), own)) paperWrites.push({ row, own });
  }
  await writePapers(trx, context, paperWrites.slice(copiedPapers), values);
  for (const state of versions.values()) if (!inRows.has(state) && writesVersionRow(state)) versionWrites.push(state.pending);
  await writeVersions(trx, context, versionWrites.slice(copiedVersions));
  // The search index follows the rows written, in the same transaction (ADR 0028). A new paper's document may come
  // ready from the thread that parsed it (ADR 0050). With `searchIndex: 'later'` new papers wait for indexMissing
  // (ADR 0069); a stored paper that changed is indexed now, so that its document never lags its row.
  const fts = prepared.fts;
  const later = options.searchIndex === 'later';
  const indexed = later ? paperWrites.filter((write) => typeof write !== 'number') : paperWrites;
  if (later && indexed.length < paperWrites.length) await markDocumentsMissing(trx);
  await indexRows(
    trx,
    context.dialect.kind,
    indexed.map((write) =>
      typeof write === 'number'
        ? preparedIndexedRow(values, write * PREPARED_PAPER_WIDTH, fts?.slice(write * FTS_VALUE_COUNT, (write + 1) * FTS_VALUE_COUNT))
        : write.row,
    ),
  );
  return result;
}

/**
 * New papers per write from which PostgreSQL gets them with COPY (ADR 0070): a COPY and its savepoint take four round
 * trips where INSERTs of 128 rows take one per 128, so a daily fetch's few new papers keep the INSERTs.
 */
export const COPY_AT_LEAST = 512;

const COPY_SAVEPOINT = 'xivdigest_copy';

/**
 * COPYs new papers (their prepared records at `indexes`, ascending) and their listed versions into papers and
 * paper_versions, in a savepoint. The batch read found none of them stored, and the store's writes hold the schema's
 * write lock; a writer that does not (another program, SQL by hand) may still have committed one since. Then the COPY
 * fails on the key, the savepoint is rolled back and false returned, and the INSERTs with ON CONFLICT write them as
 * they always did.
 */
async function copyNewPapers(
  trx: Kysely<StoreDatabase>,
  prepared: PreparedPapers,
  indexes: readonly number[],
  versions: readonly VersionRow[],
): Promise<boolean> {
  await sql`savepoint ${sql.id(COPY_SAVEPOINT)}`.execute(trx);
  try {
    // Rows made beside the parser (ADR 0071) go as they are; otherwise they are made here.
    const papers = prepared.copy
      ? copyRowsAt(prepared.copy.rows, prepared.copy.ends, indexes)
      : copyRows(
          prepared.papers,
          indexes.map((index) => index * PREPARED_PAPER_WIDTH),
          PREPARED_PAPER_WIDTH,
        );
    await copyInto(trx, 'papers', PAPER_WRITE_COLUMNS, papers);
    if (versions.length > 0) {
      const flat: unknown[] = [];
      for (const version of versions) pushVersionValues(version, flat);
      const offsets = versions.map((_, index) => index * VERSION_COLUMNS.length);
      await copyInto(trx, 'paper_versions', VERSION_COLUMNS, copyRows(flat, offsets, VERSION_COLUMNS.length));
    }
  } catch (error) {
    if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
    await sql`rollback to savepoint ${sql.id(COPY_SAVEPOINT)}`.execute(trx);
    await sql`release savepoint ${sql.id(COPY_SAVEPOINT)}`.execute(trx);
    return false;
  }
  await sql`release savepoint ${sql.id(COPY_SAVEPOINT)}`.execute(trx);
  return true;
}

/** PostgreSQL's SQLSTATE for a duplicate key. */
const UNIQUE_VIOLATION = '23505';

/** `SELECT * FROM papers WHERE id IN (…)` for one chunk of at most SELECT_IDS ids. */
function selectPapers(executor: Kysely<StoreDatabase>, context: QueryContext, ids: string[]): Promise<Array<Selectable<PapersTable>>> {
  return runTemplate(executor, papersByIdTemplate(context), padded(ids));
}

function papersByIdTemplate(context: QueryContext): CompiledQuery {
  return template(context, `papers-by-id:${SELECT_IDS}`, () => context.db.selectFrom('papers').selectAll().where('id', 'in', padded([])), SELECT_IDS);
}

/**
 * The version records of one chunk of papers, each as its key and a bit mask of its empty
 * columns (bit i: VERSION_FILL_COLUMNS[i]): all a batch needs to merge, at a fraction of reading the texts.
 */
function selectVersionMasks(
  executor: Kysely<StoreDatabase>,
  context: QueryContext,
  ids: string[],
): Promise<Array<{ paper_id: string; version: number; missing: number }>> {
  return runTemplate(executor, versionMasksTemplate(context), padded(ids));
}

function versionMasksTemplate(context: QueryContext): CompiledQuery {
  return template(
    context,
    `version-masks-by-paper:${SELECT_IDS}`,
    () =>
      context.db
        .selectFrom('paper_versions')
        .select((eb) => {
          const bits = VERSION_FILL_COLUMNS.map((column, index) =>
            eb
              .case()
              .when(column, 'is', null)
              .then(eb.lit(1 << index))
              .else(eb.lit(0))
              .end(),
          );
          const missing = bits.slice(1).reduce((sum, bit) => eb(sum, '+', bit), bits[0]!);
          return ['paper_id', 'version', missing.as('missing')];
        })
        .where('paper_id', 'in', padded([])),
    SELECT_IDS,
  );
}

/**
 * Multi-row `INSERT … ON CONFLICT (id) DO UPDATE` of whole paper rows; first_seen_at is never rewritten. Each
 * write is a row with the facts of the version record living in it, or the index of a prepared record in
 * `prepared` (written as prepared).
 */
async function writePapers(
  executor: Kysely<StoreDatabase>,
  context: QueryContext,
  rows: Array<{ row: PaperRow; own: RowVersionFacts | undefined } | number>,
  prepared: readonly unknown[],
): Promise<void> {
  for (const chunk of templateChunks(rows, context.rowsPerInsert(PAPER_WRITE_COLUMNS.length))) {
    const template = papersUpsertTemplate(context, chunk.length);
    const parameters: unknown[] = [];
    for (const row of chunk) {
      if (typeof row !== 'number') {
        pushPaperValues(row.row, row.own, parameters);
        continue;
      }
      const offset = row * PREPARED_PAPER_WIDTH;
      for (let column = 0; column < PREPARED_PAPER_WIDTH; column += 1) parameters.push(prepared[offset + column]);
    }
    await runTemplate(executor, template, parameters);
  }
}

function papersUpsertTemplate(context: QueryContext, rows: number): CompiledQuery {
  return template(
    context,
    `papers-upsert:${rows}`,
    () =>
      context.db
        .insertInto('papers')
        .values(Array.from({ length: rows }, () => PAPER_PLACEHOLDER))
        .onConflict((conflict) =>
          conflict.column('id').doUpdateSet((eb) => {
            const set: Record<string, unknown> = {};
            for (const column of PAPER_WRITE_COLUMNS) {
              if (column !== 'id' && column !== 'first_seen_at') set[column] = eb.ref(`excluded.${column}`);
            }
            return set as never;
          }),
        ),
    rows * PAPER_WRITE_COLUMNS.length,
  );
}

/**
 * Multi-row `INSERT … ON CONFLICT (paper_id, version) DO UPDATE` that fills empty columns, keeping stored ones. A
 * record leaving its paper's row is inserted whole.
 */
async function writeVersions(executor: Kysely<StoreDatabase>, context: QueryContext, rows: VersionRow[]): Promise<void> {
  for (const chunk of templateChunks(rows, context.rowsPerInsert(VERSION_COLUMNS.length))) {
    const parameters: unknown[] = [];
    for (const row of chunk) pushVersionValues(row, parameters);
    await runTemplate(executor, versionsUpsertTemplate(context, chunk.length), parameters);
  }
}

function versionsUpsertTemplate(context: QueryContext, rows: number): CompiledQuery {
  return template(
    context,
    `versions-upsert:${rows}`,
    () =>
      context.db
        .insertInto('paper_versions')
        .values(Array.from({ length: rows }, () => VERSION_PLACEHOLDER))
        .onConflict((conflict) =>
          conflict.columns(['paper_id', 'version']).doUpdateSet((eb) => {
            const set: Record<string, unknown> = {};
            for (const column of VERSION_FILL_COLUMNS) {
              set[column] = eb.fn.coalesce(`paper_versions.${column}`, `excluded.${column}`);
            }
            return set as never;
          }),
        ),
    rows * VERSION_COLUMNS.length,
  );
}

/**
 * Compiles the statements a batch write uses and has SQLite prepare them with `prepare` on a store's connection, so
 * that a connection's first batch does not wait for it (the writer thread does this while the first batch is parsed).
 */
export function warmUpUpsert(context: QueryContext, prepare: (sql: string) => void): void {
  prepare(papersByIdTemplate(context).sql);
  prepare(versionMasksTemplate(context).sql);
  for (let rows = context.rowsPerInsert(PAPER_WRITE_COLUMNS.length); rows >= 1; rows /= 2) prepare(papersUpsertTemplate(context, rows).sql);
  for (let rows = context.rowsPerInsert(VERSION_COLUMNS.length); rows >= 1; rows /= 2) prepare(versionsUpsertTemplate(context, rows).sql);
}
