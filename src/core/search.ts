/**
 * Full-text search over the stored archive: the seam that the web pages, the JSON API, the MCP tools and the CLI
 * search through. The store implements it (SQLite FTS5 or PostgreSQL full-text search, with CJK text segmented into
 * words by the application, so that two-character Chinese words match); see docs/decisions/0028-search.md.
 */

/** What to look for. Only `q` is required. */
export interface SearchRequest {
  /**
   * The subscription query language (`ti:`, `abs:`, `au:`, `cat:`, AND/OR/NOT, parentheses, "phrases"). A bare word
   * searches titles, authors, abstracts and every stored translation, in any language. Empty (or only spaces) lists
   * every paper that passes the filters, newest first: that is how the archive pages browse a category or a day.
   */
  q: string;
  /** First announcement day to include, YYYY-MM-DD. */
  from?: string;
  /** Last announcement day to include, YYYY-MM-DD. */
  until?: string;
  /** Only papers listed (primary or cross-listed) in one of these categories (an archive such as `math` matches its categories). */
  categories?: string[];
  /** Leave out papers listed in any of these (Cool Papers' `cs.CL+cs.AI-cs.CY` algebra: include cs.CL or cs.AI, not cs.CY). */
  excludeCategories?: string[];
  /** `relevance` (BM25, the default) or `date` (newest announced first). */
  sort?: 'relevance' | 'date';
  /** 1-based page number (default 1). */
  page?: number;
  /** Results per page (default 20, at most 100). */
  pageSize?: number;
  /** The language whose texts fill `translatedTitle` and `tldr` (default `zh`). */
  lang?: string;
  /**
   * A relevance search matching more papers than this ranks its newest this many matches (default 10,000;
   * 0 ranks every match). See `SearchResponse.rankedWithin`.
   */
  rankWindow?: number;
  /**
   * Count every match even when there are more than the rank window's (`total` is then exact, and
   * `totalIsLowerBound` never set); costs a pass over all the matches.
   */
  exactTotal?: boolean;
}

/** Where a snippet was taken from. */
export type SnippetField = 'title' | 'authors' | 'abstract' | 'translatedTitle' | 'tldr' | 'translatedAbstract';

/** A short excerpt of one field around the matches, as plain text, with the matched spans as [start, end) offsets. */
export interface SearchSnippet {
  field: SnippetField;
  /** The language of a translated field. */
  lang?: string;
  text: string;
  /** UTF-16 offsets into `text`, sorted, not overlapping. Escape `text` before marking these up. */
  highlights: Array<[number, number]>;
}

export interface SearchHit {
  id: string;
  version: number | null;
  title: string;
  authors: string[];
  categories: string[];
  /** Announcement day, YYYY-MM-DD, when known. */
  announced?: string;
  /** From the stored texts in the requested language, when any. */
  translatedTitle?: string;
  tldr?: string;
  /** Higher is better (BM25 turned positive); 0 when sorted by date. */
  score: number;
  snippets: SearchSnippet[];
}

export interface SearchResponse {
  /** Matching papers in all pages; with `totalIsLowerBound`, the rank window's size, and there are more. */
  total: number;
  /**
   * Set when more papers than `total` match: a relevance search with more matches than its rank window does not count
   * them all (ask with `exactTotal` for the count). Pages past the window count them.
   */
  totalIsLowerBound?: true;
  page: number;
  pageSize: number;
  /**
   * Set when the query matched more papers than this and relevance was ranked among the newest this many matches
   * (undated searches, the pages within the window).
   */
  rankedWithin?: number;
  hits: SearchHit[];
}

/** Filters for the archive's calendar: the same meaning as in SearchRequest. */
export interface DayQuery {
  categories?: string[];
  excludeCategories?: string[];
  from?: string;
  until?: string;
}

/** One announcement day in the archive and how many stored papers it announced (within the filters). */
export interface ArchiveDay {
  day: string;
  papers: number;
}

/** A category that stored papers are listed in. */
export interface ArchiveCategory {
  category: string;
  /** Stored papers listed in it (primary or cross-listed). */
  papers: number;
  /** Its latest announcement day in the store, YYYY-MM-DD, when any paper has one. */
  latestDay?: string;
}

/**
 * The search seam, implemented by the store. A query that does not parse throws a QUERY_INVALID XivdigestError
 * whose message points at the position.
 */
export interface PaperSearch {
  search(request: SearchRequest): Promise<SearchResponse>;
  /** Announcement days with stored papers, newest first. */
  announcementDays(query?: DayQuery): Promise<ArchiveDay[]>;
  /** Every category with stored papers, by name. */
  archiveCategories(): Promise<ArchiveCategory[]>;
}
