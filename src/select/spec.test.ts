/** Tests of the FilterSpec zod schema: defaults, strictness, and positional issues at the right paths when embedded. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createPaperFilter } from './filter.js';
import { filterSpecSchema } from './spec.js';

// How the lead embeds it: a list of subscriptions, each with its filters.
const configLike = z.object({ subscriptions: z.array(z.object({ name: z.string(), filters: filterSpecSchema }).strict()) }).strict();

describe('filterSpecSchema', () => {
  it('accepts a full spec and fills the boolean defaults', () => {
    const parsed = filterSpecSchema.parse({
      categories: 'cs.CL+cs.AI-cs.CY',
      query: 'llm*',
      authors: ['Y. Bengio'],
      include: ['translation'],
      exclude: ['survey'],
    });
    expect(parsed).toEqual({
      categories: 'cs.CL+cs.AI-cs.CY',
      crossLists: true,
      replacements: true,
      query: 'llm*',
      authors: ['Y. Bengio'],
      include: ['translation'],
      exclude: ['survey'],
    });
    expect(createPaperFilter(parsed).feed).toBe('cs.CL+cs.AI');
  });

  it('rejects unknown keys and wrong types', () => {
    const result = filterSpecSchema.safeParse({ categories: 'cs.CL', keywords: ['x'], crossLists: 'no' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => [issue.code, issue.path.join('.')])).toEqual(
      expect.arrayContaining([
        ['unrecognized_keys', ''],
        ['invalid_type', 'crossLists'],
      ]),
    );
  });

  it('reports a bad query, category expression, author and keyword at their own paths inside the config', () => {
    const result = configLike.safeParse({
      subscriptions: [
        { name: 'good', filters: { categories: 'cs.CL' } },
        { name: 'bad', filters: { categories: 'cs.cl+math', query: 'llm AND (gpt OR', authors: ['Ada', '!!'], include: ['ok', '++'] } },
      ],
    });
    expect(result.success).toBe(false);
    const issues = result.error?.issues ?? [];
    expect(issues.map((issue) => issue.path.join('.'))).toEqual([
      'subscriptions.1.filters.categories',
      'subscriptions.1.filters.query',
      'subscriptions.1.filters.authors.1',
      'subscriptions.1.filters.include.1',
    ]);
    expect(issues[0]?.message).toBe(
      'category expression error at column 1: "cs.cl" is not an arXiv category; did you mean cs.CL?\n  cs.cl+math\n  ^\n' +
        '  arXiv category names are case-sensitive: the archive in lower case, then a dot and the subject class as arXiv writes it (cs.CL, math.AP, astro-ph.GA, cond-mat.str-el).',
    );
    expect(issues[1]?.message).toBe(
      'query error at column 16: expected a term after OR, but the query ends\n  llm AND (gpt OR\n                 ^\n  Put a word, "phrase" or (group) after OR, or remove OR.',
    );
    expect(issues[2]?.message).toMatch(/^followed author "!!" has no name in it/);
    expect(issues[3]?.message).toMatch(/^keyword "\+\+" has no letters or digits to match/);
  });

  it('rejects an empty query and empty list entries, once each', () => {
    const result = filterSpecSchema.safeParse({ categories: ' ', query: '  ', include: [''], authors: [''] });
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message.split('\n')[0]])).toEqual([
      ['categories', 'category expression error at column 1: the category expression is empty'],
      ['query', 'query error at column 1: the query is empty'],
      ['authors.0', 'followed author "" has no name in it'],
      ['include.0', 'keyword "" has no letters or digits to match'],
    ]);
  });

  it('reports wrong types without running the refinement on them', () => {
    const result = filterSpecSchema.safeParse({ categories: 5, query: 7, include: 'x' });
    expect(result.error?.issues.map((issue) => [issue.code, issue.path.join('.')])).toEqual([
      ['invalid_type', 'categories'],
      ['invalid_type', 'query'],
      ['invalid_type', 'include'],
    ]);
  });

  it('has descriptions for editors in its JSON Schema', () => {
    const schema = z.toJSONSchema(filterSpecSchema, { io: 'input' }) as {
      properties: Record<string, { description?: string }>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(schema.required).toEqual(['categories']);
    expect(schema.additionalProperties).toBe(false);
    for (const key of ['categories', 'crossLists', 'replacements', 'query', 'authors', 'include', 'exclude']) {
      expect(schema.properties[key]?.description, key).toBeTruthy();
    }
  });
});
