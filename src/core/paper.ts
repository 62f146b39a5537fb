/** The paper model: everything arXiv gives about one paper, from any of its channels. */

/** How an announcement listed the paper (rss.arxiv.org `arxiv:announce_type`). */
export type AnnounceType = 'new' | 'cross' | 'replace' | 'replace-cross';

/** Flags that the pre-2024 RSS 1.0 feeds put in the title: `(arXiv:… [cs.CL] UPDATED)`, `CROSS LISTED`. */
export type LegacyFlag = 'UPDATED' | 'CROSS LISTED';

/** Which channel a record came from. */
export type SourceFormat =
  'arxiv-rss' | 'arxiv-atom' | 'arxiv-rdf' | 'arxiv-api' | 'oai-arXiv' | 'oai-arXivRaw' | 'oai-oai_dc' | 'kaggle' | 'digest' | 'seed-cache';

export interface Author {
  /** The name as arXiv prints it, e.g. `Wojciech H. Zurek`. */
  name: string;
  /** Affiliations, in order, when the channel gives them (API `arxiv:affiliation`, old RSS parentheses). */
  affiliations?: string[];
}

/** One version of a paper, as the channel reported it. Only `version` is always known. */
export interface PaperVersion {
  version: number;
  /** When this version was submitted (ISO 8601, UTC), when known. */
  submitted?: string;
  /** Size as arXivRaw reports it, e.g. `121kb`. */
  size?: string;
  /** arXivRaw `source_type`, when given. */
  sourceType?: string;
}

/** Text exactly as a feed supplied it; the original digest format prints these verbatim. */
export interface FeedText {
  /** The feed's `<title>`, e.g. `Foo. (arXiv:2310.02953v1 [cs.CL])` (RDF) or `Foo` (RSS 2.0). */
  title: string;
  /** The feed's `<description>`, entity-decoded but otherwise raw (it may hold HTML and hard wraps). */
  description: string;
  /** The feed's `<link>`, e.g. `http://arxiv.org/abs/2310.02953`. */
  link: string;
}

export interface Paper {
  /** arXiv id without version: `2403.10568`, `cond-mat/0412498`. */
  id: string;
  /** The version this record describes, or null when the channel does not say (OAI `arXiv`/`oai_dc`). */
  version: number | null;
  /** Title with whitespace collapsed and no `(arXiv:…)` suffix. */
  title: string;
  /** Authors in order. */
  authors: Author[];
  /** The abstract as plain text: HTML removed, hard wraps joined, whitespace collapsed. */
  abstract: string;
  /** True when the abstract is known to be cut short (the original system kept only 1,000 characters). */
  abstractTruncated?: boolean;
  /** Categories, primary first, without duplicates. */
  categories: string[];
  doi?: string;
  journalRef?: string;
  comments?: string;
  /** Licence URL, e.g. `http://creativecommons.org/licenses/by/4.0/`. */
  license?: string;
  reportNo?: string;
  /** The submitter's name (OAI-PMH, Kaggle). */
  submitter?: string;
  links: {
    /** Abstract page, without version. */
    abs: string;
    pdf?: string;
    html?: string;
    doi?: string;
  };
  /** When version 1 was submitted (ISO 8601). */
  submitted?: string;
  /** When this version was submitted or last updated (ISO 8601). */
  updated?: string;
  /** The announcement day (YYYY-MM-DD, arXiv's day in US Eastern time), when the channel announces. */
  announced?: string;
  announceType?: AnnounceType;
  legacyFlags?: LegacyFlag[];
  /** Raw feed text, when a feed supplied it. */
  feed?: FeedText;
  /** Every version this record lists (arXivRaw and Kaggle list them all; feeds give one). */
  versions: PaperVersion[];
  /** The channel this record came from. */
  source: SourceFormat;
  /** The OAI-PMH record header, when the paper came from an OAI-PMH harvest (its datestamp drives incremental harvests). */
  oai?: OaiHeader;
}

/** An OAI-PMH record `<header>` (OAI-PMH 2.0 §2.5). */
export interface OaiHeader {
  /** `oai:arXiv.org:1302.2146`. */
  identifier: string;
  /** When the record last changed in the repository (YYYY-MM-DD). */
  datestamp?: string;
  /** `setSpec`s, e.g. `physics:hep-ph`. */
  sets: string[];
}

/** What a store holds for a paper: the newest record plus every version ever seen. */
export interface StoredPaper extends Paper {
  /** When the store first saw this paper (ISO 8601). */
  firstSeen: string;
}
