/**
 * PaperSearch over the store's index: the query's SQL per database, exact totals, and the page's hits with snippets
 * (docs/decisions/0028-search.md). Every value from the request is a bound parameter.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { XivdigestError } from '../../../core/errors.js';
import type { ArchiveCategory, ArchiveDay, DayQuery, SearchHit, SearchRequest, SearchResponse, SearchSnippet, SnippetField } from '../../../core/search.js';
import { excerpt, highlightOffsets, type HighlightTerm } from '../../../core/search-text.js';
import { parseQuery, type QueryNode, type QueryTerm } from '../../../select/query/parse.js';
import type { SearchDialect } from './index-docs.js';
import {
  ftsCategoryFilter,
  highlightTerms,
  toFtsExpression,
  toLooseTsQuery,
  toTsQuery,
  tsCategoryFilter,
  tsExact,
  tsQueryShare,
  type FtsPhrase,
} from './query.js';
import { FTS_RANK } from '../../migrations/0004-search-index.js';
import { nativeRankStatus } from './native-rank.js';
import { DAY_DOCUMENT_INDEX } from '../../migrations/0014-postgres-search-day-document.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
/** ts_rank's weights for D, C, B, A: abstract, TL;DR and authors, translated title, title. */
const TS_WEIGHTS = '{0.1, 0.4, 0.6, 1.0}';
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function invalid(message: string, hint: string, details: Record<string, unknown> = {}): XivdigestError {
  return new XivdigestError({ code: 'QUERY_INVALID', message, hint, details });
}

interface Normalized {
  query: QueryNode | undefined;
  from?: string;
  until?: string;
  categories: string[];
  excludeCategories: string[];
  sort: 'relevance' | 'date';
  page: number;
  pageSize: number;
  lang: string;
  rankWindow: number;
  exactTotal: boolean;
}

function checkDay(name: string, value: string | undefined): void {
  if (value !== undefined && !DAY.test(value)) {
    throw invalid(`search: ${name} must be a day as YYYY-MM-DD, not ${JSON.stringify(value)}`, `Write e.g. ${name} 2025-04-28`);
  }
}

function normalize(request: SearchRequest, dialect: SearchDialect): Normalized {
  const q = (request.q ?? '').trim();
  checkDay('from', request.from);
  checkDay('until', request.until);
  const page = request.page ?? 1;
  if (!Number.isInteger(page) || page < 1) throw invalid(`search: page must be a whole number from 1, not ${String(page)}`, 'Ask for page 1 or later');
  const pageSize = request.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw invalid(
      `search: pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}, not ${String(pageSize)}`,
      `Ask for at most ${MAX_PAGE_SIZE} results a page`,
    );
  }
  const sort = request.sort ?? 'relevance';
  if (sort !== 'relevance' && sort !== 'date') throw invalid(`search: sort must be relevance or date, not ${String(sort)}`, 'Sort by relevance or date');
  const rankWindow = request.rankWindow ?? (dialect === 'postgres' ? POSTGRES_RANK_WINDOW : RANK_WINDOW);
  if (!Number.isInteger(rankWindow) || rankWindow < 0) {
    throw invalid(`search: rankWindow must be a whole number from 0, not ${String(rankWindow)}`, 'Leave it out, or give 0 to rank every match');
  }
  const categories = (request.categories ?? []).filter((category) => category.trim() !== '');
  const excludeCategories = (request.excludeCategories ?? []).filter((category) => category.trim() !== '');
  for (const category of [...categories, ...excludeCategories]) {
    if (!/^[A-Za-z][A-Za-z-]*(?:\.[A-Za-z][A-Za-z-]*)?$/.test(category)) {
      throw invalid(`search: ${JSON.stringify(category)} is not a category`, 'Write a category such as cs.CL, or an archive such as math');
    }
  }
  const normalized: Normalized = {
    query: q === '' ? undefined : parseQuery(q),
    categories,
    excludeCategories,
    sort,
    page,
    pageSize,
    lang: request.lang ?? 'zh',
    rankWindow,
    exactTotal: request.exactTotal === true,
  };
  if (request.from !== undefined) normalized.from = request.from;
  if (request.until !== undefined) normalized.until = request.until;
  return normalized;
}

/**
 * Announcement days from `from` to `until`. A paper's sort_day is its announcement day when it has one, so the range
 * runs on the sort_day index; papers without an announcement day (imported ones) are left out of a dated search.
 */
function dayConditions(from: string | undefined, until: string | undefined): RawBuilder<unknown>[] {
  const conditions: RawBuilder<unknown>[] = [];
  if (from !== undefined || until !== undefined) conditions.push(sql`p.announced_on is not null`);
  if (from !== undefined) conditions.push(sql`p.sort_day >= ${from}`);
  if (until !== undefined) conditions.push(sql`p.sort_day <= ${until}`);
  return conditions;
}

function where(conditions: RawBuilder<unknown>[]): RawBuilder<unknown> {
  return conditions.length === 0 ? sql`` : sql`where ${sql.join(conditions, sql` and `)}`;
}

function and(conditions: RawBuilder<unknown>[]): RawBuilder<unknown> {
  return conditions.length === 0 ? sql`` : sql`and ${sql.join(conditions, sql` and `)}`;
}

interface Ranked {
  id: string;
  score: number;
}

interface RankedPage {
  total: number;
  ranked: Ranked[];
  /** Set when relevance was ranked among the newest this many matches only. */
  rankedWithin?: number;
  /** Set when there are more than `total` matches, which were not all counted. */
  totalIsLowerBound?: true;
}

/**
 * A query with more matches than this is ranked (BM25 on SQLite, ts_rank on PostgreSQL) among its newest RANK_WINDOW
 * matches (ADR 0049, 0052): scoring costs FTS5 about a microsecond a match and PostgreSQL more (each match's
 * tsvector is read from TOAST), so a word in 40% of a million papers would take half a second or more. Pages past the
 * window, and dated searches, rank every match.
 */
export const RANK_WINDOW = 10_000;

/**
 * PostgreSQL's window (ADR 0060): `ts_rank` reads each document from TOAST (about 5 buffers; 66 µs a document on the
 * loaded development machine), and a phrase or field query reads its candidates' documents once more to check them,
 * so ranking 10,000 takes tenths of a second whatever bounds the rest; 1,000 take a tenth of that.
 */
export const POSTGRES_RANK_WINDOW = 1_000;

/**
 * The planner settings of the window's statements (ADR 0052, 0060): for a word in 40% of the papers the planner
 * prefers a sequential scan, which tests every row's document (TOAST), or the day index alone with the documents of
 * every row of those days tested; the bitmaps over the GIN index (and the day index) read only heap tuples. With
 * `random_page_cost` at 1 (the pages are cached) it ANDs the two bitmaps. No parallel workers and no JIT: each
 * costs more to start than these statements take. Memory enough for the bitmaps to stay exact (ADR 0064).
 */
const SEARCH_SETTINGS: ReadonlyArray<readonly [name: string, value: string]> = [
  ['enable_seqscan', 'off'],
  ['enable_indexscan', 'off'],
  ['random_page_cost', '1'],
  ['max_parallel_workers_per_gather', '0'],
  ['jit', 'off'],
  // Bitmaps of 100,000 GIN entries and 74,000 rows of days (`语言模型` at a million papers) went lossy at the default
  // 4 MB: each row of a lossy page is checked against its document (14,785 read for 4,426 candidates; ADR 0064).
  ['work_mem', '32MB'],
];

/**
 * Runs `work` under SEARCH_SETTINGS, in a transaction: the caller's, with its settings restored after, or one of its
 * own, whose end restores them (one statement fewer).
 */
async function withSearchSettings<T>(db: Kysely<any>, work: (trx: Kysely<any>) => Promise<T>): Promise<T> {
  const set = sql.join(SEARCH_SETTINGS.map(([name, value]) => sql`set_config(${name}, ${value}, true)`));
  if (!db.isTransaction) {
    return db.transaction().execute(async (trx) => {
      await sql`select ${set}`.execute(trx);
      return work(trx);
    });
  }
  // The settings in force before, read as the statement sets them (its columns are computed left to right).
  const before = await sql<{ settings: string[] }>`select array[${sql.join(SEARCH_SETTINGS.map(([name]) => sql`current_setting(${name})`))}] as settings,
    ${set}`.execute(db);
  const values = before.rows[0]!.settings;
  const result = await work(db);
  await sql`select ${sql.join(SEARCH_SETTINGS.map(([name], index) => sql`set_config(${name}, ${values[index]!}, true)`))}`.execute(db);
  return result;
}

/**
 * IDFs for xivdigest_bm25 (ADR 0054) come from each phrase's density among the newest documents: the documents from
 * its IDF_MATCHES-th newest match on, of which IDF_MATCHES match. Finding that match walks its doclist from the end
 * (FTS5 does this fast; a rowid range constraint makes it walk the whole doclist), where bm25() counts every match on
 * every query. A phrase with fewer matches is counted exactly over every document: on a small archive the IDFs are
 * bm25()'s own, and the scores bm25()'s.
 */
export const IDF_MATCHES = 500;

interface IdfCache {
  version: string;
  matches: number;
  /** Documents in the index, counted when first needed. */
  documents?: number;
  idf: Map<string, number>;
}

/** Per connection (or transaction), valid while the database is unchanged, like the result cache. */
const idfCaches = new WeakMap<object, IdfCache>();

async function countOf(db: Kysely<any>, query: RawBuilder<{ count: number }>): Promise<number> {
  const result = await query.execute(db);
  return Number(result.rows[0]?.count ?? 0);
}

async function phraseIdfs(db: Kysely<any>, phrases: readonly FtsPhrase[], version: string, matches: number): Promise<number[]> {
  let cache = idfCaches.get(db);
  if (cache?.version !== version || cache.matches !== matches) {
    cache = { version, matches, idf: new Map() };
    idfCaches.set(db, cache);
  }
  const values: number[] = [];
  for (const phrase of phrases) {
    if (!phrase.scoring) {
      values.push(0);
      continue;
    }
    let value = cache.idf.get(phrase.match);
    if (value === undefined) {
      const edge = await sql<{ doc: number }>`select rowid as doc from paper_fts where paper_fts match ${phrase.match}
        order by rowid desc limit 1 offset ${matches - 1}`.execute(db);
      let hits: number;
      let documents: number;
      if (edge.rows.length > 0) {
        hits = matches;
        documents = await countOf(db, sql<{ count: number }>`select count(*) as count from paper_search_ids where doc >= ${edge.rows[0]!.doc}`);
      } else {
        hits = await countOf(db, sql<{ count: number }>`select count(*) as count from paper_fts where paper_fts match ${phrase.match}`);
        cache.documents ??= await countOf(db, sql<{ count: number }>`select count(*) as count from paper_search_ids`);
        documents = cache.documents;
      }
      // bm25()'s formula and floor (FTS5's fts5Bm25GetData).
      value = Math.log((documents - hits + 0.5) / (hits + 0.5));
      if (!(value > 0)) value = 1e-6;
      cache.idf.set(phrase.match, value);
    }
    values.push(value);
  }
  return values;
}

/** The BM25 expression for `paper_fts` (or its alias): xivdigest_bm25 with estimated IDFs when loaded, else bm25(). */
async function bm25Of(db: Kysely<any>, table: string, phrases: readonly FtsPhrase[], version: string, rank: Ranking): Promise<RawBuilder<number>> {
  const weights = FTS_RANK.slice('bm25('.length, -1);
  if (!rank.native) return sql<number>`bm25(${sql.raw(table)}, ${sql.raw(weights)})`;
  const idfs = await phraseIdfs(db, phrases, version, rank.idfMatches);
  return sql<number>`xivdigest_bm25(${sql.raw(table)}, ${sql.raw(weights)}, ${sql.join(idfs.map((idf) => sql`${idf}`))})`;
}

/**
 * The matches ranked by `bm25` (newer first on ties); only the newest `window` of them when given. The window is
 * walked from the newest match down with a LIMIT, which FTS5 does fast: a rowid range constraint (`rowid > x`) makes
 * it walk every match of the query (25 ms for a word in 40% of 1M papers, against 1 ms; ADR 0054).
 */
async function rankedMatches(
  db: Kysely<any>,
  match: string,
  bm25: RawBuilder<number>,
  window: number | undefined,
  limit: number,
  offset: number,
): Promise<Ranked[]> {
  const scored =
    window === undefined
      ? sql`select rowid as doc, ${bm25} as score from paper_fts where paper_fts match ${match} order by score, doc desc limit ${limit} offset ${offset}`
      : sql`select doc, score from (select rowid as doc, ${bm25} as score from paper_fts where paper_fts match ${match}
          order by rowid desc limit ${window}) order by score, doc desc limit ${limit} offset ${offset}`;
  const rows = await sql<{ id: string; score: number }>`select s.paper_id as id, m.score as score
    from (${scored}) m join paper_search_ids s on s.doc = m.doc order by m.score, m.doc desc`.execute(db);
  return rows.rows.map((row) => ({ id: row.id, score: -Number(row.score) }));
}

/** SQLite's ranking function: xivdigest_bm25 with IDFs from each phrase's `idfMatches` newest matches, or bm25(). */
interface Ranking {
  native: boolean;
  idfMatches: number;
}

/** The page's ids with their scores, and the total. `version` is the SQLite database's (sqliteVersion). */
async function rankedIds(
  db: Kysely<any>,
  dialect: SearchDialect,
  request: Normalized,
  version = '',
  ranking: Ranking = { native: false, idfMatches: IDF_MATCHES },
  statisticsKey?: object,
): Promise<RankedPage> {
  const limit = request.pageSize;
  const offset = (request.page - 1) * request.pageSize;
  const days = dayConditions(request.from, request.until);
  const byDate = request.sort === 'date' || request.query === undefined;
  const window = request.rankWindow;

  if (dialect === 'sqlite') {
    const categories = ftsCategoryFilter(request.categories, request.excludeCategories);
    const parts = [request.query ? toFtsExpression(request.query) : undefined, categories].filter((part) => part !== undefined);
    if (parts.length === 0) {
      // Browse everything: the papers' own listing order.
      const count = await sql<{ count: number }>`select count(*) as count from papers p ${where(days)}`.execute(db);
      const rows = await sql<{ id: string }>`select p.id as id from papers p ${where(days)}
        order by p.sort_day desc, p.id desc limit ${limit} offset ${offset}`.execute(db);
      return { total: Number(count.rows[0]?.count ?? 0), ranked: rows.rows.map((row) => ({ id: row.id, score: 0 })) };
    }
    const match = parts.map((part) => part.match).join(' AND ');
    const phrases = parts.flatMap((part) => part.phrases);
    if (days.length === 0 && !byDate) {
      const windowed = window > 0 && offset + limit <= window;
      if (windowed && !request.exactTotal) {
        // One walk down the newest window + 1 matches, scored as it goes, gives both the page and whether there are
        // more than `window` (then the total is "more than `window`", ADR 0054): with no more, they were every match.
        const bm25 = await bm25Of(db, 'paper_fts', phrases, version, ranking);
        const rows = await sql<{ total: number; id: string; score: number }>`with newest as materialized (
            select rowid as doc, ${bm25} as score from paper_fts where paper_fts match ${match} order by rowid desc limit ${window + 1})
          select (select count(*) from newest) as total, s.paper_id as id, m.score as score
          from (select doc, score from (select doc, score from newest order by doc desc limit ${window})
            order by score, doc desc limit ${limit} offset ${offset}) m
          join paper_search_ids s on s.doc = m.doc order by m.score, m.doc desc`.execute(db);
        const ranked = rows.rows.map((row) => ({ id: row.id, score: -Number(row.score) }));
        const newest =
          rows.rows.length > 0
            ? Number(rows.rows[0]!.total)
            : await countOf(
                db,
                sql<{ count: number }>`select count(*) as count from
                  (select rowid from paper_fts where paper_fts match ${match} order by rowid desc limit ${window + 1})`,
              );
        return newest > window ? { total: window, totalIsLowerBound: true, ranked, rankedWithin: window } : { total: newest, ranked };
      }
      const total = await countOf(db, sql<{ count: number }>`select count(*) as count from paper_fts where paper_fts match ${match}`);
      const bm25 = await bm25Of(db, 'paper_fts', phrases, version, ranking);
      // Many matches: BM25 over the newest `window` of them (ADR 0049); ORDER BY rank would score every match first.
      // Otherwise every match is scored, the page kept in a top-k sort; only the page's rows reach the join. Ties go
      // to the newest on both paths.
      const ranked = await rankedMatches(db, match, bm25, windowed && total > window ? window : undefined, limit, offset);
      return { total, ranked, ...(windowed && total > window ? { rankedWithin: window } : {}) };
    }
    const joined = sql`from paper_fts f join paper_search_ids s on s.doc = f.rowid join papers p on p.id = s.paper_id
      where f.paper_fts match ${match} ${and(days)}`;
    const count = await sql<{ count: number }>`select count(*) as count ${joined}`.execute(db);
    const rank = byDate ? sql`0` : await bm25Of(db, 'f.paper_fts', phrases, version, ranking);
    const order = byDate ? sql`order by p.sort_day desc, p.id desc` : sql`order by rank, f.rowid desc`;
    const rows = await sql<{ id: string; rank: number }>`select p.id as id, ${rank} as rank ${joined} ${order}
      limit ${limit} offset ${offset}`.execute(db);
    return {
      total: Number(count.rows[0]?.count ?? 0),
      ranked: rows.rows.map((row) => ({ id: row.id, score: byDate ? 0 : -Number(row.rank) })),
    };
  }

  const categories = tsCategoryFilter(request.categories, request.excludeCategories);
  const parts = [request.query ? toTsQuery(request.query) : undefined, categories].filter((part) => part !== undefined);
  if (parts.length === 0) {
    const count = await sql<{ count: string }>`select count(*) as count from papers p ${where(days)}`.execute(db);
    const rows = await sql<{ id: string }>`select p.id as id from papers p ${where(days)}
      order by p.sort_day desc, p.id desc limit ${limit} offset ${offset}`.execute(db);
    return { total: Number(count.rows[0]?.count ?? 0), ranked: rows.rows.map((row) => ({ id: row.id, score: 0 })) };
  }
  const tsquery = sql`cast(${parts.join(' & ')} as tsquery)`;
  const rank = sql`ts_rank(cast(${TS_WEIGHTS} as float4[]), s.document, ${tsquery}, 1)`;
  const from = days.length === 0 ? sql`from paper_search s` : sql`from paper_search s join papers p on p.id = s.paper_id`;
  const windowed = !byDate && days.length === 0 && window > 0 && offset + limit <= window;
  if (windowed) {
    // An exact total when asked for (every match counted), else "more than `window`" (ADR 0054).
    const exact = request.exactTotal
      ? Number((await sql<{ count: string }>`select count(*) as count from paper_search s where s.document @@ ${tsquery}`.execute(db)).rows[0]?.count ?? 0)
      : undefined;
    const exactInIndex = request.query === undefined || tsExact(request.query);
    const loose = (share?: (lexeme: string) => number) =>
      [toLooseTsQuery(request.query!, share), categories].filter((part) => part !== undefined).join(' & ') || undefined;
    const search: TsSearch = { text: parts.join(' & '), ...(exactInIndex ? {} : { loose }) };
    const newest = await newestMatches(db, search, rank, window, limit, offset, statisticsKey);
    if (newest.count <= window) return { total: newest.count, ranked: newest.ranked };
    return exact === undefined
      ? { total: window, totalIsLowerBound: true, ranked: newest.ranked, rankedWithin: window }
      : { total: exact, ranked: newest.ranked, rankedWithin: window };
  }
  // A bitmap over the GIN index; a query without phrases or weights reads the matches' heap pages, not their
  // documents (ADR 0052).
  const count = await sql<{ count: string }>`select count(*) as count ${from} where s.document @@ ${tsquery} ${and(days)}`.execute(db);
  const total = Number(count.rows[0]?.count ?? 0);
  // Ties go to the newest paper, as in the window and on SQLite.
  const rows = byDate
    ? await sql<{ id: string; score: number }>`select p.id as id, 0 as score from paper_search s join papers p on p.id = s.paper_id
        where s.document @@ ${tsquery} ${and(days)}
        order by p.sort_day desc, p.id desc limit ${limit} offset ${offset}`.execute(db)
    : await sql<{ id: string; score: number }>`select s.paper_id as id, ${rank} as score
        ${from} where s.document @@ ${tsquery} ${and(days)}
        order by score desc, s.day desc, s.paper_id desc limit ${limit} offset ${offset}`.execute(db);
  return { total, ranked: rows.rows.map((row) => ({ id: row.id, score: Number(row.score) })) };
}

/** What ANALYZE knows of paper_search's days: its rows, and the days that split them into parts of about equal size. */
interface DayStatistics {
  rows: number;
  /** [day, estimated share of the rows on that day or later], newest first. */
  shares: Array<[day: number, share: number]>;
}

/** What ANALYZE knows of paper_search: its days, and the share of the documents holding each common lexeme. */
interface SearchStatistics {
  days: DayStatistics | undefined;
  /** The most common lexemes (`most_common_elems`) and the share of the documents holding each. */
  lexemes: Map<string, number>;
  /** The same lexemes in code-unit order, for prefixes. */
  sorted: string[];
  /** The least share among them: a lexeme not among them is in fewer documents. */
  least: number;
  /**
   * Whether the GIN index covers `(day, document)` (migration 0014, ADR 0067): it then intersects a range of days with
   * a word's entries itself, and a common word is cheaper from it than from reading the documents of the days.
   */
  dayDocument: boolean;
}

function numbers(text: string | null | undefined): number[] {
  return text ? text.replace(/[{}]/g, '').split(',').filter(Boolean).map(Number) : [];
}

/**
 * How long a store keeps paper_search's statistics (ADR 0064): they change only when the table is analyzed, reading
 * them took 6–7 ms of a search at a million papers, and they only size the days searched first, never a result.
 */
const STATISTICS_SECONDS = 300;

/** Per store (its Kysely instance), with when they were read. */
const statisticsCaches = new WeakMap<object, { at: number; statistics: SearchStatistics }>();

/**
 * paper_search's statistics (migrations 0012 and 0013 analyze it), from the store's cache when read in the last
 * STATISTICS_SECONDS.
 */
async function searchStatistics(db: Kysely<any>, cacheKey: object | undefined): Promise<SearchStatistics> {
  const cached = cacheKey === undefined ? undefined : statisticsCaches.get(cacheKey);
  if (cached && performance.now() - cached.at < STATISTICS_SECONDS * 1000) return cached.statistics;
  const statistics = await readSearchStatistics(db);
  // A table not analyzed yet (a new archive) is asked over every day; its first statistics are read as soon as they exist.
  if (cacheKey !== undefined && statistics.days !== undefined) statisticsCaches.set(cacheKey, { at: performance.now(), statistics });
  return statistics;
}

async function readSearchStatistics(db: Kysely<any>): Promise<SearchStatistics> {
  const result = await sql<{
    rows: number;
    bounds: string | null;
    values: string | null;
    freqs: number[] | null;
    nulls: number | null;
    elements: string[] | null;
    element_freqs: number[] | null;
    day_document: boolean | null;
  }>`
    select c.reltuples as rows, s.histogram_bounds::text as bounds, s.most_common_vals::text as values,
      exists (select 1 from pg_indexes where schemaname = current_schema() and indexname = ${DAY_DOCUMENT_INDEX}) as day_document,
      s.most_common_freqs as freqs, s.null_frac as nulls, e.most_common_elems::text::text[] as elements,
      e.most_common_elem_freqs as element_freqs
    from pg_class c
    left join pg_stats s on s.schemaname = current_schema() and s.tablename = 'paper_search' and s.attname = 'day'
    left join pg_stats e on e.schemaname = current_schema() and e.tablename = 'paper_search' and e.attname = 'document'
    where c.oid = to_regclass('paper_search')`.execute(db);
  const row = result.rows[0];
  const elements = row?.elements ?? [];
  const elementFreqs = (row?.element_freqs ?? []).map(Number);
  const lexemes = new Map<string, number>();
  elements.forEach((lexeme, index) => lexemes.set(lexeme, elementFreqs[index] ?? 0));
  // most_common_elem_freqs ends with the least and greatest of the shares, then the share of empty documents.
  const least = elementFreqs.length > elements.length ? elementFreqs[elements.length]! : 0;
  return { days: row ? dayStatisticsOf(row) : undefined, lexemes, sorted: [...lexemes.keys()].sort(), least, dayDocument: row?.day_document === true };
}

function dayStatisticsOf(row: {
  rows: number;
  bounds: string | null;
  values: string | null;
  freqs: number[] | null;
  nulls: number | null;
}): DayStatistics | undefined {
  if (!(Number(row.rows) > 0)) return undefined;
  const bounds = numbers(row.bounds);
  const values = numbers(row.values);
  const freqs = (row.freqs ?? []).map(Number);
  if (bounds.length < 2 && values.length === 0) return undefined;
  // The histogram spreads the rows that are not among the most common values evenly over its buckets.
  const spread = Math.max(0, 1 - freqs.reduce((sum, freq) => sum + freq, 0) - Number(row.nulls ?? 0));
  const buckets = bounds.length - 1;
  const candidates = [...new Set([...bounds, ...values])].sort((a, b) => b - a);
  const shares: Array<[number, number]> = candidates.map((day) => {
    let share = 0;
    values.forEach((value, index) => {
      if (value >= day) share += freqs[index]!;
    });
    if (buckets > 0) {
      const above = bounds.filter((bound) => bound > day).length;
      share += (spread * Math.min(buckets, above)) / buckets;
    }
    return [day, share];
  });
  return { rows: Number(row.rows), shares };
}

/**
 * The estimated share of the documents a tsquery matches (tsQueryShare), from the lexemes' shares; undefined before
 * any ANALYZE. A lexeme ANALYZE did not count among the common ones is given half the least share (as PostgreSQL's
 * own estimate does, tsquery_opr_selec); a prefix the shares of the common lexemes it starts, at least that.
 */
function estimatedShare(statistics: SearchStatistics, tsquery: string): number | undefined {
  if (statistics.lexemes.size === 0) return undefined;
  const rare = statistics.least / 2;
  return tsQueryShare(tsquery, (lexeme, prefix) => {
    if (!prefix) return statistics.lexemes.get(lexeme) ?? rare;
    let share = 0;
    let index = lowerBound(statistics.sorted, lexeme);
    for (; index < statistics.sorted.length && statistics.sorted[index]!.startsWith(lexeme); index += 1)
      share += statistics.lexemes.get(statistics.sorted[index]!)!;
    return Math.min(1, Math.max(share, rare));
  });
}

function lowerBound(sorted: readonly string[], value: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sorted[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The newest day from which on there are about `wanted` rows, or undefined from half the table on (every day is asked then). */
function dayOfNewest(statistics: DayStatistics, wanted: number): number | undefined {
  if (wanted >= statistics.rows * 0.5) return undefined;
  for (const [day, share] of statistics.shares) if (share * statistics.rows >= wanted) return day;
  return undefined;
}

/**
 * Rows the first probe for the newest matches covers, as a multiple of the window, when there is no estimate of the
 * query's share (ADR 0060): a word in a quarter of the papers needs no second.
 */
const FIRST_PROBE = 4;

/** How many more rows than the estimate says hold `window` + 1 matches the first probe covers (ADR 0064). */
const PROBE_MARGIN = 2;

/**
 * Where the GIN index is on the document alone (a server without btree_gin, ADR 0067):
 * what reading and checking one document costs against adding one entry of the GIN index to a bitmap (ADR 0064):
 * 6.6 µs against 0.26 µs for `model` at 346,000 papers (2,409 documents checked in 16 ms; its 219,623 entries in
 * 57 ms, every page cached, under load). A word in 40% of a million papers has 400,000 entries to read wherever
 * its newest matches are; its newest 1,001 are in 2,500 documents.
 */
const DOCUMENT_COST = 20;

/** A search's tsquery: the query itself, and what the GIN index answers without documents when it cannot. */
interface TsSearch {
  /** The whole query, as toTsQuery and tsCategoryFilter write it, bound as a parameter. */
  text: string;
  /**
   * When the query has phrases or weights: a tsquery matching those papers and perhaps more, exact in the GIN index
   * (toLooseTsQuery, given the lexemes' shares when known), or undefined when there is none. Its matches are then
   * checked newest first, until the window has enough (ADR 0064).
   */
  loose?: (share?: (lexeme: string) => number) => string | undefined;
}

/**
 * The newest `window` + 1 matches (by day, then id), ranked: how many there were (all of them when at most
 * `window`), and the page of the newest `window` in ts_rank order (ties to the newest). The matches are looked for
 * in the newest days first (ADR 0060), as many days as the query's estimated share of the papers says hold them
 * (ADR 0064): from the GIN index over (day, document), which reads only those days' entries of the query's words
 * (ADR 0067); without it, from the document's GIN bitmap ANDed with the day index's, or, for a word so common that
 * its GIN entries cost more than reading documents, from the day index alone with each row's document checked. A range
 * with too few matches is widened from the density it showed, up to every day; with more than `window` in it, its
 * newest are the newest of all.
 */
async function newestMatches(
  db: Kysely<any>,
  search: TsSearch,
  rank: RawBuilder<unknown>,
  window: number,
  limit: number,
  offset: number,
  cacheKey: object | undefined,
): Promise<{ count: number; ranked: Ranked[] }> {
  return withSearchSettings(db, async (trx) => {
    const statistics = await searchStatistics(trx, cacheKey);
    let share = estimatedShare(statistics, search.text);
    const rare = statistics.least / 2;
    const loose = search.loose?.(statistics.lexemes.size > 0 ? (lexeme) => statistics.lexemes.get(lexeme) ?? rare : undefined);
    const indexShare = loose === undefined ? share : estimatedShare(statistics, loose);
    let rows = share === undefined || share <= 0 ? FIRST_PROBE * (window + 1) : Math.max(window + 1, Math.ceil((PROBE_MARGIN * (window + 1)) / share));
    const tsquery = sql`cast(${search.text} as tsquery)`;
    for (;;) {
      const day = statistics.days === undefined ? undefined : dayOfNewest(statistics.days, rows);
      const since = day === undefined ? sql`` : sql`and s.day >= ${day}`;
      // Only within a range of days: over every day the candidates would be every row. Never with the GIN index over
      // (day, document): it reads only the range's entries of the word (ADR 0067).
      const byDay =
        !statistics.dayDocument &&
        day !== undefined &&
        share !== undefined &&
        share > 0 &&
        indexShare !== undefined &&
        (DOCUMENT_COST * (window + 1)) / share < statistics.days!.rows * indexShare;
      // The candidates' tuple ids come from their heap tuples (day and id, no document read). A query the GIN index
      // answers exactly takes its newest `window` + 1; otherwise the candidates (the GIN index's exact superset's,
      // or every row of the days) are taken newest first and their documents read to check them only until `window`
      // + 1 match (ADR 0064): the CTE scan returns the sorted candidates in order, and the LIMIT stops it. Only the
      // window's documents are then read again, by tuple id, to rank them (ADR 0052).
      const index = byDay ? undefined : (loose ?? search.text);
      const checked = byDay || loose !== undefined;
      const matching = index === undefined ? sql`true` : sql`s.document @@ cast(${index} as tsquery)`;
      const candidates = sql`select s.ctid as tid, s.day, s.paper_id from paper_search s where ${matching} ${since}
        order by s.day desc, s.paper_id desc`;
      const ctes = checked
        ? sql`candidates as materialized (${candidates}), newest as materialized (select c.tid, c.day, c.paper_id from candidates c
            where (select s.document @@ ${tsquery} from paper_search s where s.ctid = c.tid) limit ${window + 1})`
        : sql`newest as materialized (${candidates} limit ${window + 1})`;
      const statement = sql<{ count: string; id: string | null; score: number | null }>`with ${ctes}
        select c.count, m.id, m.score from (select count(*) as count from newest) c
        left join lateral (select s.paper_id as id, ${rank} as score, s.day from paper_search s
          where s.ctid = any(array(select tid from newest order by day desc, paper_id desc limit ${window}))
          order by score desc, s.day desc, s.paper_id desc limit ${limit} offset ${offset}) m on true
        order by m.score desc, m.day desc, m.id desc`;
      const result = await statement.execute(trx);
      const count = Number(result.rows[0]?.count ?? 0);
      if (count > window || day === undefined) {
        const ranked = result.rows.filter((row) => row.id !== null).map((row) => ({ id: row.id!, score: Number(row.score) }));
        return { count, ranked };
      }
      // Too few in these days: as many rows again as the density seen says are needed, with room to spare; that
      // density, not the estimate, then chooses between the indexes.
      if (share !== undefined) share = Math.min(share, Math.max(count, 0.5) / rows);
      rows = Math.ceil(rows * Math.min(16, Math.max(2, (1.5 * (window + 1)) / Math.max(count, 1))));
    }
  });
}

interface PaperFields {
  id: string;
  version: number | null;
  title: string;
  abstract: string;
  authors: unknown;
  categories: unknown;
  announced_on: string | null;
}

interface TextFields {
  paper_id: string;
  lang: string;
  title: string;
  tldr: string;
  abstract: string;
  created_at: string;
}

function jsonValue<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

type FieldTerms = Array<HighlightTerm & { field: QueryTerm['field'] }>;

/** Which query fields may match each snippet field. */
const MATCHED_BY: Record<SnippetField, ReadonlyArray<QueryTerm['field']>> = {
  title: ['text', 'ti'],
  translatedTitle: ['text', 'ti'],
  tldr: ['text', 'abs'],
  abstract: ['text', 'abs'],
  translatedAbstract: ['text', 'abs'],
  authors: ['text', 'au'],
};

const MAX_SNIPPETS = 3;

function snippetsOf(fields: Array<{ field: SnippetField; text: string; lang?: string }>, terms: FieldTerms): SearchSnippet[] {
  const snippets: SearchSnippet[] = [];
  for (const { field, text, lang } of fields) {
    if (snippets.length >= MAX_SNIPPETS) break;
    const usable = terms.filter((term) => MATCHED_BY[field].includes(term.field));
    const highlights = highlightOffsets(text, usable);
    if (highlights.length === 0) continue;
    const cut = excerpt(text, highlights);
    snippets.push({ field, ...(lang !== undefined ? { lang } : {}), text: cut.text, highlights: cut.highlights });
  }
  return snippets;
}

/** The page's hits, in the ranked order, with their translated fields and snippets. */
async function hits(db: Kysely<any>, ranked: Ranked[], request: Normalized): Promise<SearchHit[]> {
  if (ranked.length === 0) return [];
  const ids = ranked.map((entry) => entry.id);
  const papers = await db
    .selectFrom('papers')
    .select(['id', 'version', 'title', 'abstract', 'authors', 'categories', 'announced_on'])
    .where('id', 'in', ids)
    .execute();
  const byId = new Map((papers as PaperFields[]).map((paper) => [paper.id, paper]));
  const texts = (await db
    .selectFrom('paper_texts')
    .select(['paper_id', 'lang', 'title', 'tldr', 'abstract', 'created_at'])
    .where('paper_id', 'in', ids)
    .where('status', '=', 'ok')
    .orderBy('created_at', 'desc')
    .execute()) as TextFields[];
  /** The newest ok text of each paper in each language. */
  const newest = new Map<string, Map<string, TextFields>>();
  for (const text of texts) {
    const langs = newest.get(text.paper_id) ?? new Map<string, TextFields>();
    if (!langs.has(text.lang)) langs.set(text.lang, text);
    newest.set(text.paper_id, langs);
  }
  const terms = request.query ? highlightTerms(request.query) : [];
  const result: SearchHit[] = [];
  for (const entry of ranked) {
    const paper = byId.get(entry.id);
    if (!paper) continue;
    const authors = jsonValue<Array<{ name: string }>>(paper.authors).map((author) => author.name);
    const langs = newest.get(paper.id) ?? new Map<string, TextFields>();
    const own = langs.get(request.lang);
    // The requested language first, then the others (a match may be in any stored translation).
    const translated = [...(own ? [own] : []), ...[...langs.values()].filter((text) => text !== own)];
    const fields: Array<{ field: SnippetField; text: string; lang?: string }> = [{ field: 'title', text: paper.title }];
    for (const text of translated) if (text.title.trim() !== '') fields.push({ field: 'translatedTitle', text: text.title, lang: text.lang });
    for (const text of translated) if (text.tldr.trim() !== '') fields.push({ field: 'tldr', text: text.tldr, lang: text.lang });
    fields.push({ field: 'abstract', text: paper.abstract });
    for (const text of translated) if (text.abstract.trim() !== '') fields.push({ field: 'translatedAbstract', text: text.abstract, lang: text.lang });
    fields.push({ field: 'authors', text: authors.join(', ') });
    const hit: SearchHit = {
      id: paper.id,
      version: paper.version === null ? null : Number(paper.version),
      title: paper.title,
      authors,
      categories: jsonValue<string[]>(paper.categories),
      score: entry.score,
      snippets: snippetsOf(fields, terms),
    };
    if (paper.announced_on !== null) hit.announced = paper.announced_on;
    if (own && own.title.trim() !== '') hit.translatedTitle = own.title;
    if (own && own.tldr.trim() !== '') hit.tldr = own.tldr;
    result.push(hit);
  }
  return result;
}

/**
 * SQLite: the ranked page and total of recent requests, per connection, valid while the database is unchanged. An
 * exact total and BM25 cost time in proportion to the matches (a common word is most of it), and readers repeat
 * queries while the archive changes once a day. The version is the connection's own changes (`total_changes()`,
 * counting uncommitted ones in a transaction) with the commits of every other connection and process
 * (`data_version`), so no write can be missed. PostgreSQL has no such cheap version; it is not cached.
 */
const CACHE_ENTRIES = 256;
const caches = new WeakMap<object, Map<string, RankedPage & { version: string }>>();

async function sqliteVersion(db: Kysely<any>): Promise<string> {
  const result = await sql<{ changes: number; version: number }>`select total_changes() as changes,
    (select data_version from pragma_data_version) as version`.execute(db);
  const row = result.rows[0]!;
  return `${row.changes}:${row.version}`;
}

async function cachedRankedIds(
  db: Kysely<any>,
  dialect: SearchDialect,
  request: Normalized,
  q: string,
  ranking: Ranking,
  statisticsKey: object | undefined,
): Promise<RankedPage> {
  if (dialect !== 'sqlite') return rankedIds(db, dialect, request, '', ranking, statisticsKey);
  const version = await sqliteVersion(db);
  const key = JSON.stringify([
    q,
    request.from,
    request.until,
    request.categories,
    request.excludeCategories,
    request.sort,
    request.page,
    request.pageSize,
    request.rankWindow,
    request.exactTotal,
    ranking.native,
    ranking.idfMatches,
  ]);
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  const hit = cache.get(key);
  if (hit && hit.version === version) {
    // Most recently used last.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const result = await rankedIds(db, dialect, request, version, ranking);
  cache.delete(key);
  cache.set(key, { version, ...result });
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  return result;
}

/**
 * `options.nativeRank` chooses SQLite's ranking function: xivdigest_bm25 (ADR 0054) when loaded, by default, or FTS5's
 * bm25() (`false`; tests and bench:search compare the two); `options.idfMatches` how many of each phrase's newest
 * matches give its IDF (default IDF_MATCHES); `options.statisticsKey` the object (a store's) PostgreSQL's index statistics
 * are cached for (ADR 0064; without it they are read by each search).
 */
export async function searchPapers(
  db: Kysely<any>,
  dialect: SearchDialect,
  request: SearchRequest,
  options: { nativeRank?: boolean; idfMatches?: number; statisticsKey?: object } = {},
): Promise<SearchResponse> {
  const normalized = normalize(request, dialect);
  const ranking: Ranking = { native: options.nativeRank ?? nativeRankStatus().loaded, idfMatches: options.idfMatches ?? IDF_MATCHES };
  const { total, ranked, rankedWithin, totalIsLowerBound } = await cachedRankedIds(
    db,
    dialect,
    normalized,
    (request.q ?? '').trim(),
    ranking,
    options.statisticsKey,
  );
  return {
    total,
    ...(totalIsLowerBound ? { totalIsLowerBound } : {}),
    page: normalized.page,
    pageSize: normalized.pageSize,
    ...(rankedWithin !== undefined ? { rankedWithin } : {}),
    hits: await hits(db, ranked, normalized),
  };
}

/** Papers listed in one of `categories` (an archive matches its categories) and in none of `exclude`, as SQL on `p`. */
function categoryConditions(dialect: SearchDialect, categories: readonly string[], exclude: readonly string[]): RawBuilder<unknown>[] {
  const listed = (names: readonly string[]): RawBuilder<unknown> => {
    const tests = names.map((name) => (name.includes('.') ? sql`c = ${name}` : sql`(c = ${name} or c like ${`${name}.%`})`));
    const any = sql.join(tests, sql` or `);
    return dialect === 'sqlite'
      ? sql`exists (select 1 from (select value as c from json_each(p.categories)) where ${any})`
      : sql`exists (select 1 from jsonb_array_elements_text(p.categories) as c where ${any})`;
  };
  const conditions: RawBuilder<unknown>[] = [];
  if (categories.length > 0) conditions.push(listed(categories));
  if (exclude.length > 0) conditions.push(sql`not ${listed(exclude)}`);
  return conditions;
}

export async function announcementDays(db: Kysely<any>, dialect: SearchDialect, query: DayQuery = {}): Promise<ArchiveDay[]> {
  checkDay('from', query.from);
  checkDay('until', query.until);
  const conditions = [
    sql`p.announced_on is not null`,
    ...(query.from !== undefined ? [sql`p.announced_on >= ${query.from}`] : []),
    ...(query.until !== undefined ? [sql`p.announced_on <= ${query.until}`] : []),
    ...categoryConditions(dialect, query.categories ?? [], query.excludeCategories ?? []),
  ];
  const rows = await sql<{ day: string; papers: number | string }>`select p.announced_on as day, count(*) as papers
    from papers p ${where(conditions)} group by p.announced_on order by p.announced_on desc`.execute(db);
  return rows.rows.map((row) => ({ day: row.day, papers: Number(row.papers) }));
}

export async function archiveCategories(db: Kysely<any>, dialect: SearchDialect): Promise<ArchiveCategory[]> {
  const rows =
    dialect === 'sqlite'
      ? await sql<{ category: string; papers: number; latest: string | null }>`select c.value as category, count(*) as papers,
          max(p.announced_on) as latest from papers p, json_each(p.categories) c group by c.value order by c.value`.execute(db)
      : await sql<{ category: string; papers: string; latest: string | null }>`select c as category, count(*) as papers,
          max(p.announced_on) as latest from papers p, jsonb_array_elements_text(p.categories) as c group by c order by c`.execute(db);
  return rows.rows.map((row) => ({
    category: row.category,
    papers: Number(row.papers),
    ...(row.latest !== null && row.latest !== undefined ? { latestDay: row.latest } : {}),
  }));
}
