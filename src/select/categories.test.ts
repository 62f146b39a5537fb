/** Tests of category expressions: parsing against arXiv's taxonomy, the feed path, and the in-scope rules. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../core/errors.js';
import type { Paper } from '../core/paper.js';
import { parseArxivRss } from '../sources/arxiv-rss/parse.js';
import { makePaper } from '../../test/helpers/select-papers.js';
import { hasSharedFixtures, ownFixture, sharedFixture } from '../../test/helpers/shared-fixtures.js';
import { feedCategories, matchCategories, parseCategoryExpression } from './categories.js';

function expressionError(text: string): XivdigestError {
  try {
    parseCategoryExpression(text);
  } catch (error) {
    if (XivdigestError.isInstance(error)) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

async function feedPapers(path: string): Promise<Paper[]> {
  const papers: Paper[] = [];
  for await (const event of parseArxivRss(readFileSync(path, 'utf8'), { origin: path })) if (event.type === 'paper') papers.push(event.paper);
  return papers;
}

describe('parseCategoryExpression', () => {
  it('splits includes and excludes, keeping archives and hyphenated names whole', () => {
    expect(parseCategoryExpression('cs.CL+cs.AI-cs.CY')).toEqual({ text: 'cs.CL+cs.AI-cs.CY', include: ['cs.CL', 'cs.AI'], exclude: ['cs.CY'] });
    expect(parseCategoryExpression('astro-ph-astro-ph.CO')).toMatchObject({ include: ['astro-ph'], exclude: ['astro-ph.CO'] });
    expect(parseCategoryExpression('cond-mat.str-el+cond-mat.mes-hall-quant-ph')).toMatchObject({
      include: ['cond-mat.str-el', 'cond-mat.mes-hall'],
      exclude: ['quant-ph'],
    });
    expect(parseCategoryExpression('hep-th+hep-ph+gr-qc')).toMatchObject({ include: ['hep-th', 'hep-ph', 'gr-qc'], exclude: [] });
    expect(parseCategoryExpression('math')).toMatchObject({ include: ['math'] });
    expect(parseCategoryExpression('math-ph')).toMatchObject({ include: ['math-ph'] });
    expect(parseCategoryExpression(' cs.* - cs.CY , stat.ML ')).toMatchObject({ include: ['cs', 'stat.ML'], exclude: ['cs.CY'] });
    expect(parseCategoryExpression('cs.CL+cs.CL')).toMatchObject({ include: ['cs.CL'] });
  });

  const errors: [text: string, position: number, says: RegExp, hint: RegExp][] = [
    ['cs.cl', 0, /"cs.cl" is not an arXiv category; did you mean cs.CL\?/, /case-sensitive/],
    ['cs.CL+CS.AI', 6, /did you mean cs.AI\?/, /case-sensitive/],
    ['astroph', 0, /"astroph" is not an arXiv category or archive/, /Did you mean astro-ph\?/],
    ['cs.XY', 0, /"cs.XY" is not an arXiv category/, /The categories of cs are cs.AI, .*cs.CL/],
    ['foo.BA', 0, /"foo.BA" is not an arXiv category/, /Use archives \(astro-ph, cond-mat, cs/],
    ['', 0, /empty/, /at least one/],
    ['-cs.CY', 0, /nothing is included/, /cs-cs.CY/],
    ['cs.CL-cs.CL', 6, /cs.CL is both included and excluded/, /either/],
    ['cs.CL cs.AI', 6, /expected \+ or - between categories/, /cs.CL\+cs.AI/],
    ['cs.CL+', 6, /expected a category/, /Use archives/],
  ];

  it.each(errors)('%j fails at column %i+1', (text, position, says, hint) => {
    const error = expressionError(text);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details).toEqual({ expression: text, position });
    expect(error.message).toMatch(says);
    expect(error.message).toContain(`column ${position + 1}`);
    expect(error.message.split('\n').at(-1)).toBe(`  ${' '.repeat(position)}^`);
    expect(error.hint).toMatch(hint);
  });

  it('puts the config path in the details when given', () => {
    expect(() => parseCategoryExpression('cs.cl', { path: 'subscriptions[0].filters.categories' })).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ path: 'subscriptions[0].filters.categories' }) }),
    );
  });
});

describe('feedCategories', () => {
  it('joins the included names with + and leaves out what an included archive covers', () => {
    expect(feedCategories(parseCategoryExpression('cs.CL+cs.AI-cs.CY'))).toBe('cs.CL+cs.AI');
    expect(feedCategories(parseCategoryExpression('cs.CL+cs+math-ph'))).toBe('cs+math-ph');
    expect(feedCategories(parseCategoryExpression('astro-ph.GA+astro-ph'))).toBe('astro-ph');
    expect(feedCategories(parseCategoryExpression('math+math-ph'))).toBe('math+math-ph');
  });
});

describe('matchCategories', () => {
  const expression = parseCategoryExpression('cs.CL+cs.AI-cs.CY');
  const all = { crossLists: true, replacements: true };

  it('keeps papers with any included category, and says which categories a paper has when it is out', () => {
    expect(matchCategories(expression, makePaper({ categories: ['cs.CL'] }), all)).toEqual({ matched: true });
    expect(matchCategories(expression, makePaper({ categories: ['cs.LG', 'cs.AI'] }), all)).toEqual({ matched: true });
    expect(matchCategories(expression, makePaper({ categories: ['cs.LG', 'stat.ML'] }), all)).toEqual({
      matched: false,
      reason: 'no category in cs.CL+cs.AI (has cs.LG, stat.ML)',
    });
    expect(matchCategories(expression, makePaper({ categories: [] }), all)).toEqual({ matched: false, reason: 'the paper lists no categories' });
  });

  it('lets an excluded category win, also an excluded archive', () => {
    expect(matchCategories(expression, makePaper({ categories: ['cs.CL', 'cs.CY'] }), all)).toEqual({ matched: false, reason: 'excluded category cs.CY' });
    const physicsButNotOptics = parseCategoryExpression('physics+cs.CL-physics.optics-math');
    expect(matchCategories(physicsButNotOptics, makePaper({ categories: ['physics.flu-dyn'] }), all).matched).toBe(true);
    expect(matchCategories(physicsButNotOptics, makePaper({ categories: ['physics.optics'] }), all).matched).toBe(false);
    expect(matchCategories(physicsButNotOptics, makePaper({ categories: ['cs.CL', 'math.PR'] }), all)).toEqual({
      matched: false,
      reason: 'excluded category math.PR',
    });
    // math excludes math.* but not math-ph.
    expect(matchCategories(physicsButNotOptics, makePaper({ categories: ['cs.CL', 'math-ph'] }), all).matched).toBe(true);
  });

  it('without cross-lists, keeps only papers whose primary (first) category is included', () => {
    const primaryOnly = { crossLists: false, replacements: true };
    expect(matchCategories(expression, makePaper({ categories: ['cs.AI', 'cs.LG'] }), primaryOnly)).toEqual({ matched: true });
    expect(matchCategories(expression, makePaper({ categories: ['cs.LG', 'cs.CL'], announceType: 'cross' }), primaryOnly)).toEqual({
      matched: false,
      reason: 'cross-list: primary category cs.LG is not in cs.CL+cs.AI',
    });
  });

  it('without replacements, drops replace, replace-cross and legacy UPDATED papers', () => {
    const noReplacements = { crossLists: true, replacements: false };
    expect(matchCategories(expression, makePaper({ announceType: 'replace' }), noReplacements)).toEqual({
      matched: false,
      reason: 'replaced version (replace); replacements are off',
    });
    expect(matchCategories(expression, makePaper({ announceType: 'replace-cross' }), noReplacements).matched).toBe(false);
    expect(matchCategories(expression, makePaper({ announceType: undefined, legacyFlags: ['UPDATED'] }), noReplacements)).toEqual({
      matched: false,
      reason: 'replaced version (UPDATED); replacements are off',
    });
    expect(matchCategories(expression, makePaper({ announceType: 'cross', categories: ['cs.LG', 'cs.CL'] }), noReplacements).matched).toBe(true);
    expect(matchCategories(expression, makePaper({ announceType: undefined, legacyFlags: ['CROSS LISTED'] }), noReplacements).matched).toBe(true);
  });

  it('sorts our own four-item feed (one of each announce type) as the options say', async () => {
    const papers = await feedPapers(ownFixture('feeds', 'rss-new-sample.xml'));
    const types = (options: { crossLists: boolean; replacements: boolean }): string[] =>
      papers.filter((paper) => matchCategories(parseCategoryExpression('cs.CL'), paper, options).matched).map((paper) => paper.announceType ?? '?');
    expect(types(all).sort()).toEqual(['cross', 'new', 'replace', 'replace-cross']);
    expect(types({ crossLists: false, replacements: true }).sort()).toEqual(['new', 'replace']);
    expect(types({ crossLists: true, replacements: false }).sort()).toEqual(['cross', 'new']);
    expect(types({ crossLists: false, replacements: false })).toEqual(['new']);
  });
});

describe.skipIf(!hasSharedFixtures)('matchCategories on the real quant-ph feed of 2025-04-28 (40 new, 10 cross, 22 replace, 9 replace-cross)', () => {
  it('counts what each option keeps', async () => {
    const papers = await feedPapers(sharedFixture('arxiv', 'rss-new-quant-ph-2025-04-28.xml'));
    expect(papers).toHaveLength(81);
    const count = (text: string, options: { crossLists: boolean; replacements: boolean }): number =>
      papers.filter((paper) => matchCategories(parseCategoryExpression(text), paper, options).matched).length;
    expect(count('quant-ph', { crossLists: true, replacements: true })).toBe(81);
    expect(count('quant-ph', { crossLists: true, replacements: false })).toBe(50);
    // A cross-list has its primary category elsewhere, so without cross-lists only new and replace remain.
    expect(count('quant-ph', { crossLists: false, replacements: true })).toBe(62);
    expect(count('quant-ph', { crossLists: false, replacements: false })).toBe(40);
    // Excluding the archive every paper is listed in leaves nothing.
    expect(count('cs-quant-ph', { crossLists: true, replacements: true })).toBe(0);
  });
});
