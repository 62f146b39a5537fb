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

  it('says "more than" when the total is a lower bound, and keeps a next link with no last page (ADR 0054)', () => {
    const more: SearchResponse = { total: 10_000, totalIsLowerBound: true, page: 500, pageSize: 20, rankedWithin: 10_000, hits: [] };
    const en = searchPage({ q: 'model' }, more, 'en', '/search?q=model&page=500');
    expect(en).toContain('More than 10,000 results for “model”');
    expect(en).toContain('<span>Page 500</span>');
    expect(en).toMatch(/href="[^"]*page=501[^"]*" rel="next"/);
    const zh = searchPage({ q: 'model' }, more, 'zh', '/search?q=model');
    expect(zh).toContain('“model” 超过 10000 条结果');
    const exact = searchPage({ q: 'model' }, { ...more, totalIsLowerBound: undefined } as SearchResponse, 'en', '/search?q=model&page=500');
    expect(exact).toContain('Page 500 of 500');
    expect(exact).not.toContain('rel="next"');
  });
});
