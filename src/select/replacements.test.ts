/** The filter's `replacements: false` uses the one replacement rule: a catch-up's later version counts too. */
import { describe, expect, it } from 'vitest';
import { makePaper } from '../../test/helpers/select-papers.js';
import { matchCategories, parseCategoryExpression } from './categories.js';

describe('matchCategories without replacements', () => {
  const expression = parseCategoryExpression('cs.CL');
  const noReplacements = { crossLists: true, replacements: false };

  it('drops a later version that came without an announce type, naming its version', () => {
    expect(matchCategories(expression, makePaper({ announceType: undefined, version: 2, categories: ['cs.CL'] }), noReplacements)).toEqual({
      matched: false,
      reason: 'replaced version (v2); replacements are off',
    });
    expect(matchCategories(expression, makePaper({ announceType: undefined, version: 1, categories: ['cs.CL'] }), noReplacements)).toEqual({ matched: true });
    expect(
      matchCategories(expression, makePaper({ announceType: undefined, version: 2, categories: ['cs.CL'] }), { crossLists: true, replacements: true }),
    ).toEqual({
      matched: true,
    });
  });
});
