/** The zod schema of a subscription's filters, which reports a bad query or category expression at its own path. */
import { z } from 'zod';
import type { XivdigestError } from '../core/errors.js';
import type { FilterSpec } from './filter.js';
import { validateFilterSpec } from './filter.js';

// Entries are checked by the refinement (validateFilterSpec), which says what is wrong with a bad one and where.
const keywordList = z.array(z.string());

/**
 * `FilterSpec` as a zod schema (strict). Its refinement parses the query, the category expression, the followed authors
 * and the keywords, and reports each problem as an issue at its path (`query`, `categories`, `include.2`) with the
 * positional message (the text with a caret under the offending character) and the hint.
 */
export const filterSpecSchema = z
  .object({
    categories: z
      .string()
      .describe('arXiv categories to fetch and keep: + includes, - excludes, an archive alone means all of it, e.g. "cs.CL+cs.AI-cs.CY" or "astro-ph".'),
    crossLists: z.boolean().default(true).describe('Keep papers cross-listed into the categories; false keeps only papers whose primary category is in them.'),
    replacements: z.boolean().default(true).describe('Keep re-announced new versions of papers (announce type replace / replace-cross).'),
    query: z
      .string()
      .optional()
      .describe(
        'Query the paper must match: words, "phrases", AND/OR/NOT or -word, parentheses, ti:/abs:/au:/cat: fields, word* prefixes. Bare words search title and abstract.',
      ),
    authors: z
      .array(z.string())
      .optional()
      .describe('Followed authors ("Yoshua Bengio", "Bengio, Y."): their papers pass even when the query or include keywords do not match.'),
    include: keywordList.optional().describe('Keywords or phrases; a paper passes when at least one occurs in its title or abstract.'),
    exclude: keywordList
      .optional()
      .describe('Keywords or phrases; a paper is left out when any occurs in its title or abstract, even one by a followed author.'),
  })
  .strict()
  .superRefine((spec, context) => {
    // zod skips refinements after a wrong type; this guard only keeps validateFilterSpec from ever seeing one.
    if (typeof spec.categories !== 'string') return;
    for (const error of validateFilterSpec(spec satisfies FilterSpec)) {
      const path = String(error.details.path ?? '');
      context.addIssue({
        code: 'custom',
        // `include[2]` → ['include', 2], relative to the filters object.
        path: path
          .split(/[.[\]]+/)
          .filter((part) => part !== '')
          .map((part) => (/^\d+$/.test(part) ? Number(part) : part)),
        message: issueMessage(error),
      });
    }
  });

function issueMessage(error: XivdigestError): string {
  // The error's message starts with its field path, which the issue's path already gives.
  const message = error.message.replace(/^[\w.[\]]+: /, '');
  return error.hint ? `${message}\n  ${error.hint}` : message;
}

/** The filters as written in the config (defaults not yet applied). */
export type FilterSpecInput = z.input<typeof filterSpecSchema>;
