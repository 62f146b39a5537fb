/** A paper's text in searchable form, computed once per paper and only for the fields a filter looks at. */
import type { Paper } from '../core/paper.js';
import { createAuthorsView, type AuthorsView } from './authors.js';
import { toSearchText, type SearchText } from './normalize.js';

/** The searchable views of one paper; each is computed on first use, then kept. */
export interface PaperText {
  readonly paper: Paper;
  /** The title, folded for matching. */
  readonly title: SearchText;
  /** The abstract, folded for matching. */
  readonly abstract: SearchText;
  /** The authors, folded and parsed on demand. */
  readonly authors: AuthorsView;
  /** Categories in lower case, primary first. */
  readonly categories: readonly string[];
}

/** Wraps a paper; the same wrapper should be handed to every matcher that looks at the paper. */
export function createPaperText(paper: Paper): PaperText {
  let title: SearchText | undefined;
  let abstract: SearchText | undefined;
  let authors: AuthorsView | undefined;
  let categories: string[] | undefined;
  return {
    paper,
    get title() {
      return (title ??= toSearchText(paper.title));
    },
    get abstract() {
      return (abstract ??= toSearchText(paper.abstract));
    },
    get authors() {
      return (authors ??= createAuthorsView(paper.authors));
    },
    get categories() {
      return (categories ??= paper.categories.map((category) => category.toLowerCase()));
    },
  };
}
