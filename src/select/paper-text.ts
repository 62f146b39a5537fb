/** A paper's text in searchable form, computed once per paper and only for the fields a filter looks at. */
import type { Paper } from '../core/paper.js';
import { parseAuthorName, type ParsedName } from './authors.js';
import { searchableText } from './normalize.js';

/** The searchable views of one paper; each is computed on first use, then kept. */
export interface PaperText {
  readonly paper: Paper;
  /** `searchableText(paper.title)`. */
  readonly title: string;
  /** `searchableText(paper.abstract)`. */
  readonly abstract: string;
  /** Every author name, parsed. */
  readonly authors: readonly ParsedName[];
  /** Categories in lower case, primary first. */
  readonly categories: readonly string[];
}

/** Wraps a paper; the same wrapper should be handed to every matcher that looks at the paper. */
export function createPaperText(paper: Paper): PaperText {
  let title: string | undefined;
  let abstract: string | undefined;
  let authors: ParsedName[] | undefined;
  let categories: string[] | undefined;
  return {
    paper,
    get title() {
      return (title ??= searchableText(paper.title));
    },
    get abstract() {
      return (abstract ??= searchableText(paper.abstract));
    },
    get authors() {
      return (authors ??= paper.authors.map((author) => parseAuthorName(author.name)));
    },
    get categories() {
      return (categories ??= paper.categories.map((category) => category.toLowerCase()));
    },
  };
}
