/**
 * The JSON API's zod schemas: the query schemas validate requests, the response schemas describe what the routes (and
 * the MCP tools) return, and both generate the OpenAPI document (openapi.ts), so validation and documentation cannot
 * drift apart (docs/decisions/0030).
 */
import { z } from 'zod';

/** Ids of the response schemas in the OpenAPI document's `components.schemas`. */
export const responseSchemas = z.registry<{ id: string }>();

const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a day as YYYY-MM-DD')
  .refine((text) => !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text), 'not a calendar day');

/** A language code such as `zh`, `ja` or `zh-TW`. */
const langCode = z.string().regex(/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/, 'expected a language code such as zh or ja');

/** A category or Cool Papers' category algebra, checked against arXiv's taxonomy by the route. */
const categoryExpression = z.string().min(1).max(300);

// ---------------------------------------------------------------------------------------------------------------- queries

export const searchQuerySchema = z.object({
  q: z
    .string()
    .max(500)
    .default('')
    .describe(
      'The query: words, "phrases", ti:/abs:/au:/cat: fields, AND/OR/NOT and parentheses. A bare word searches titles, authors, abstracts and every translation. Empty lists the newest papers that pass the filters.',
    ),
  from: isoDay.optional().describe('First announcement day to include, YYYY-MM-DD.'),
  until: isoDay.optional().describe('Last announcement day to include, YYYY-MM-DD.'),
  category: categoryExpression
    .optional()
    .describe('A category (cs.CL), an archive (math) or the category algebra: cs.CL+cs.AI-cs.CY includes cs.CL or cs.AI and leaves out cs.CY.'),
  sort: z.enum(['relevance', 'date']).optional().describe('relevance (the default when q is given) or date (newest announced first).'),
  page: z.coerce.number().int().min(1).max(10_000).default(1).describe('1-based page number.'),
  pageSize: z.coerce.number().int().min(1).max(100).default(20).describe('Results per page, at most 100.'),
  lang: langCode.optional().describe('The language of translatedTitle and tldr (default: the site language).'),
  exactTotal: z
    .enum(['true', 'false'])
    .optional()
    .describe('true counts every match even when there are more than the rank window (rankedWithin); slower for common words.'),
});
export type SearchQuery = z.infer<typeof searchQuerySchema>;

export const daysQuerySchema = z.object({
  category: categoryExpression.optional().describe('Only days announcing papers in this category expression (cs.CL+cs.AI-cs.CY).'),
  from: isoDay.optional().describe('First day to list, YYYY-MM-DD.'),
  until: isoDay.optional().describe('Last day to list, YYYY-MM-DD.'),
});
export type DaysQuery = z.infer<typeof daysQuerySchema>;

export const paperQuerySchema = z.object({
  lang: langCode.optional().describe('Also list this language in `texts` (as pending) when the paper has no texts in it.'),
});

/** Path parameters, documented in the OpenAPI document. */
export const paperIdParameter = z
  .string()
  .describe('An arXiv id, with or without version: 2403.10568, 2403.10568v2; old-style ids keep their slash (hep-th/9901001).');
export const digestNameParameter = z.string().describe('A stored digest name, e.g. cs.CL/2026-11-24 (subscription/day) or a legacy cs.CL.');

// -------------------------------------------------------------------------------------------------------------- responses

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().describe('QUERY_INVALID, USAGE, NOT_FOUND or INTERNAL.'),
      message: z.string().describe('What failed.'),
      hint: z.string().optional().describe('What to do next.'),
    }),
  })
  .describe('Every error response.');
responseSchemas.add(errorSchema, { id: 'Error' });

export const paperLinksSchema = z
  .object({
    abs: z.string().describe('The arXiv abstract page.'),
    pdf: z.string().describe('The PDF of this version.'),
    html: z.string().optional().describe("arXiv's HTML rendering, when known."),
    doi: z.string().optional().describe('The DOI link, when known.'),
    page: z.string().describe("The paper's page on this site."),
    api: z.string().describe("This API's record of the paper."),
  })
  .describe('Where to read the paper.');
responseSchemas.add(paperLinksSchema, { id: 'PaperLinks' });

export const snippetSchema = z
  .object({
    field: z.enum(['title', 'authors', 'abstract', 'translatedTitle', 'tldr', 'translatedAbstract']),
    lang: z.string().optional(),
    text: z.string().describe('Plain text; escape it before marking up the highlights.'),
    highlights: z.array(z.tuple([z.number().int(), z.number().int()])).describe('[start, end) UTF-16 offsets of the matches in text.'),
  })
  .describe('An excerpt of one field around the matches.');
responseSchemas.add(snippetSchema, { id: 'Snippet' });

export const searchResultSchema = z
  .object({
    id: z.string().describe('arXiv id without version.'),
    version: z.number().int().nullable(),
    title: z.string(),
    translatedTitle: z.string().optional(),
    tldr: z.string().optional().describe('One-sentence summary in the requested language.'),
    score: z.number().describe('Higher is better; 0 when sorted by date.'),
    authors: z.array(z.string()),
    categories: z.array(z.string()).describe('Primary first.'),
    announced: z.string().optional().describe('Announcement day, YYYY-MM-DD.'),
    snippets: z.array(snippetSchema),
    links: paperLinksSchema,
  })
  .describe('One matching paper.');
responseSchemas.add(searchResultSchema, { id: 'SearchResult' });

export const searchResponseSchema = z
  .object({
    total: z.number().int().describe('Matching papers in all pages; with totalIsLowerBound, there are more than this.'),
    totalIsLowerBound: z
      .literal(true)
      .optional()
      .describe(
        'Present when more papers than total match: a relevance search with more matches than rankedWithin does not count them all (exactTotal=true does).',
      ),
    page: z.number().int(),
    pageSize: z.number().int(),
    rankedWithin: z
      .number()
      .int()
      .optional()
      .describe('Present when relevance was ranked among the newest this many matches only (a query matching more; add from/until to rank all).'),
    results: z.array(searchResultSchema),
    links: z
      .object({
        page: z.string().describe('The same search on the site.'),
        atom: z.string().describe('The Atom feed of this search (newest first): how to watch a keyword.'),
        json: z.string().describe('The JSON Feed of this search.'),
        next: z.string().optional().describe('The next page of results, when there is one.'),
      })
      .describe('Related URLs, absolute.'),
  })
  .describe('A page of search results.');
responseSchemas.add(searchResponseSchema, { id: 'SearchResponse' });

export const provenanceSchema = z
  .object({
    provider: z.string().describe('openai-compatible, anthropic, llama-cpp, cn-chat-arxiv (imported), …'),
    model: z.string(),
    promptVersion: z.string(),
    createdAt: z.string().describe('When the texts were made (ISO 8601).'),
  })
  .describe('Where generated texts came from.');
responseSchemas.add(provenanceSchema, { id: 'Provenance' });

export const paperTextsSchema = z
  .object({
    lang: z.string(),
    status: z.enum(['ok', 'failed', 'pending']).describe('ok: the texts are here; failed: the last attempt failed; pending: not made yet.'),
    version: z.number().int().nullable().optional().describe('The paper version the texts were made for.'),
    title: z.string().optional().describe('Translated title.'),
    tldr: z.string().optional(),
    tldrEn: z.string().optional().describe('The TL;DR in English.'),
    abstract: z.string().optional().describe('Translated abstract.'),
    summary: z
      .object({ motivation: z.string(), method: z.string(), result: z.string(), conclusion: z.string() })
      .optional()
      .describe('Structured summary, when made.'),
    provenance: provenanceSchema.optional(),
  })
  .describe("A paper's generated texts in one language.");
responseSchemas.add(paperTextsSchema, { id: 'PaperTexts' });

export const versionSchema = z
  .object({
    version: z.number().int(),
    submitted: z.string().optional(),
    size: z.string().optional(),
    title: z.string().optional(),
    announced: z.string().optional(),
    announceType: z.string().optional(),
  })
  .describe('One version of a paper.');
responseSchemas.add(versionSchema, { id: 'PaperVersion' });

export const paperSchema = z
  .object({
    id: z.string(),
    version: z.number().int().nullable(),
    title: z.string(),
    authors: z.array(z.object({ name: z.string(), affiliations: z.array(z.string()).optional() })),
    abstract: z.string(),
    abstractTruncated: z.boolean().optional().describe('True when only the first part of the abstract is stored.'),
    categories: z.array(z.string()),
    doi: z.string().optional(),
    journalRef: z.string().optional(),
    comments: z.string().optional(),
    license: z.string().optional(),
    submitted: z.string().optional(),
    updated: z.string().optional(),
    announced: z.string().optional(),
    announceType: z.string().optional(),
    firstSeen: z.string().describe('When this archive first stored the paper.'),
    links: paperLinksSchema,
  })
  .describe("A paper's metadata.");
responseSchemas.add(paperSchema, { id: 'Paper' });

export const paperResponseSchema = z
  .object({
    paper: paperSchema,
    versions: z.array(versionSchema).describe('Every version seen, oldest first.'),
    texts: z.array(paperTextsSchema).describe('The texts that fit the current version, one per language.'),
  })
  .describe('A paper with its versions and texts in every language.');
responseSchemas.add(paperResponseSchema, { id: 'PaperResponse' });

const digestLinksSchema = z.object({
  page: z.string().describe("The digest's page on the site."),
  api: z.string(),
  atom: z.string(),
  json: z.string(),
});

export const digestSummarySchema = z
  .object({
    name: z.string(),
    style: z.string().describe('native (made by xivdigest) or legacy (imported).'),
    entries: z.number().int(),
    createdAt: z.string(),
    links: digestLinksSchema,
  })
  .describe('A stored digest, listed.');
responseSchemas.add(digestSummarySchema, { id: 'DigestSummary' });

export const digestListSchema = z.object({ digests: z.array(digestSummarySchema).describe('Newest first.') }).describe('Every stored digest.');
responseSchemas.add(digestListSchema, { id: 'DigestList' });

export const digestEntrySchema = z
  .object({
    id: z.string(),
    version: z.number().int().nullable(),
    title: z.string(),
    abstract: z.string(),
    textStatus: z.enum(['ok', 'failed', 'pending']),
    translatedTitle: z.string().optional(),
    tldr: z.string().optional(),
    tldrEn: z.string().optional(),
    translatedAbstract: z.string().optional(),
    authors: z.array(z.string()).optional(),
    categories: z.array(z.string()).optional(),
    announced: z.string().optional(),
    announceType: z.string().optional(),
    updatedFrom: z.number().int().optional().describe('Set when this is a newer version of a paper the reader already received.'),
    links: z.object({ abs: z.string(), pdf: z.string().optional(), html: z.string().optional(), page: z.string() }),
  })
  .describe('One paper of a digest.');
responseSchemas.add(digestEntrySchema, { id: 'DigestEntry' });

export const digestResponseSchema = z
  .object({
    name: z.string(),
    title: z.string().optional(),
    style: z.string(),
    lang: z.string(),
    createdAt: z.string(),
    subscription: z.string().optional(),
    day: z.string().optional(),
    categories: z.array(z.string()).optional(),
    entries: z.array(digestEntrySchema),
    links: digestLinksSchema,
  })
  .describe('A stored digest with its entries.');
responseSchemas.add(digestResponseSchema, { id: 'Digest' });

export const daysResponseSchema = z
  .object({
    days: z.array(
      z.object({
        day: z.string(),
        papers: z.number().int(),
        links: z.object({ page: z.string().optional().describe('The day on the site, when a category was given.'), api: z.string() }),
      }),
    ),
  })
  .describe('Announcement days with stored papers, newest first.');
responseSchemas.add(daysResponseSchema, { id: 'ArchiveDays' });

export const categoriesResponseSchema = z
  .object({
    categories: z.array(
      z.object({
        category: z.string(),
        papers: z.number().int(),
        latestDay: z.string().optional(),
        links: z.object({ page: z.string(), atom: z.string(), json: z.string() }),
      }),
    ),
  })
  .describe('Every category with stored papers.');
responseSchemas.add(categoriesResponseSchema, { id: 'ArchiveCategories' });

export type SearchResponseBody = z.infer<typeof searchResponseSchema>;
export type SearchResultBody = z.infer<typeof searchResultSchema>;
export type PaperResponseBody = z.infer<typeof paperResponseSchema>;
export type PaperTextsBody = z.infer<typeof paperTextsSchema>;
export type DigestListBody = z.infer<typeof digestListSchema>;
export type DigestResponseBody = z.infer<typeof digestResponseSchema>;
export type DaysResponseBody = z.infer<typeof daysResponseSchema>;
export type CategoriesResponseBody = z.infer<typeof categoriesResponseSchema>;
export type ErrorBody = z.infer<typeof errorSchema>;
