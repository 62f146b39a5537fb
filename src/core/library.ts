/** The reader's library: papers they saved elsewhere (BibTeX, CSL-JSON, RIS, Zotero, id lists), the ground truth for ranking. */

/** One saved paper, reduced to what ranking needs. */
export interface LibraryItem {
  title: string;
  abstract?: string;
  /** Names as `First Last`, in order. */
  authors: string[];
  /** arXiv id without version (`2403.10568`, `cond-mat/0412498`), when the record names one. */
  arxivId?: string;
  /** Lower-case DOI without `https://doi.org/`. */
  doi?: string;
  /** Publication year. */
  year?: number;
  /** When the reader added it (ISO 8601 date or date-time), when the format records it. */
  added?: string;
  /** Where it came from: `file.bib:12`, `zotero:users/123/items/ABCD1234`. */
  source: string;
}

/** A record an importer skipped, and why; the import goes on. */
export interface LibraryProblem {
  /** 1-based line of the record's start in the input (0 when the input has no lines, e.g. an API page). */
  line: number;
  message: string;
}

/** What every importer returns: the records it understood and the ones it skipped. */
export interface LibraryParseResult {
  items: LibraryItem[];
  problems: LibraryProblem[];
}

/** The reader's feedback on earlier digests: starred papers count as strong, recent library items; hidden ones push similar papers down. */
export interface RankFeedback {
  starred: LibraryItem[];
  hidden: LibraryItem[];
}
