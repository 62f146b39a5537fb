/** Tests of the ranking text pipeline (tokens, stop words, stemming) and of recency weights. */
import { describe, expect, it } from 'vitest';
import { recencyWeight } from './shared.js';
import { stem, tokenize } from './text.js';

describe('tokenize and stem', () => {
  it('lower-cases, strips accents, drops stop words, short tokens and numbers', () => {
    expect(tokenize('We propose a novel Transformer-based approach for Müller’s 2020 retrieval of 3D scenes.')).toEqual([
      'transformer',
      'muller',
      'retrieval',
      '3d',
      'scenes',
    ]);
  });
  it('joins inflections with Porter step 1', () => {
    expect(['transformers', 'transformer'].map(stem)).toEqual(['transformer', 'transformer']);
    expect(['embeddings', 'embedding', 'embedded'].map(stem)).toEqual(['embed', 'embed', 'embed']);
    expect(['studies', 'study'].map(stem)).toEqual(['studi', 'studi']);
    expect(['analysis', 'corpus', 'loss', 'losses'].map(stem)).toEqual(['analysis', 'corpus', 'loss', 'loss']);
    expect(stem('agreed')).toBe('agree');
    expect(stem('bert')).toBe('bert');
  });
});

describe('recencyWeight', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const item = { title: 't', authors: [], source: 's' };
  it('halves the part above the floor every half-life', () => {
    expect(recencyWeight({ ...item, added: '2026-01-01' }, { now })).toBeCloseTo(1, 6);
    expect(recencyWeight({ ...item, added: '2025-01-01' }, { now, halfLifeDays: 365 })).toBeCloseTo(0.3 + 0.7 * 0.5, 6);
    expect(recencyWeight({ ...item, added: '2015-01-01' }, { now, halfLifeDays: 365 })).toBeCloseTo(0.3, 2);
  });
  it('falls back to the year, then to one half-life; future dates count as new', () => {
    expect(recencyWeight({ ...item, year: 2025 }, { now, halfLifeDays: 365 })).toBeGreaterThan(
      recencyWeight({ ...item, year: 2020 }, { now, halfLifeDays: 365 }),
    );
    expect(recencyWeight(item, { now })).toBeCloseTo(0.65, 6);
    expect(recencyWeight({ ...item, added: '2027-01-01' }, { now })).toBe(1);
  });
});
