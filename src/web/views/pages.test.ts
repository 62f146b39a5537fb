/** The search page says when relevance was ranked among the newest matches only (ADR 0049), in both languages. */
import { describe, expect, it } from 'vitest';
import type { SearchResponse } from '../../core/search.js';
import { searchPage } from './pages.js';

const response = (rankedWithin?: number): SearchResponse => ({
  total: 411_580,
  page: 1,
  pageSize: 20,
  ...(rankedWithin !== undefined ? { rankedWithin } : {}),
  hits: [],
});

describe('searchPage', () => {
  it('says the ranking window next to the count, in English and Chinese', () => {
    const en = searchPage({ q: 'model' }, response(10_000), 'en', '/search?q=model');
    expect(en).toContain('411580 results for “model” Ranked by relevance among the newest 10,000; add a date range to rank them all.');
    const zh = searchPage({ q: 'model' }, response(10_000), 'zh', '/search?q=model');
    expect(zh).toContain('按相关度排序的是其中最新的 10000 条');
  });

  it('says nothing of a window when every match was ranked', () => {
    const en = searchPage({ q: 'model' }, response(), 'en', '/search?q=model');
    expect(en).not.toContain('newest');
  });
});
