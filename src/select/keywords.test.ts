/** Tests of include/exclude keyword lists. */
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../core/errors.js';
import { makePaper } from '../../test/helpers/select-papers.js';
import { createKeywordFilter } from './keywords.js';

const paper = makePaper({
  title: 'Retrieval-Augmented Generation for Question Answering',
  abstract: 'We propose a RAG pipeline with a re-ranker; results on Naïve benchmarks improve. No survey is given.',
});

describe('createKeywordFilter', () => {
  it('passes everything when no lists are given', () => {
    expect(createKeywordFilter({})(paper)).toEqual({ pass: true, included: [], excluded: [] });
    expect(createKeywordFilter({ include: [], exclude: [] })(paper).pass).toBe(true);
  });

  it('passes when any include keyword occurs, reporting each one that does, as configured', () => {
    const filter = createKeywordFilter({ include: ['diffusion', 'RAG', 'question answering', 'Retrieval Augmented'] });
    expect(filter(paper)).toEqual({ pass: true, included: ['RAG', 'question answering', 'Retrieval Augmented'], excluded: [] });
    expect(createKeywordFilter({ include: ['diffusion', 'gan'] })(paper)).toEqual({ pass: false, included: [], excluded: [] });
  });

  it('matches whole words and phrases only, case- and diacritics-insensitively, with * for a prefix', () => {
    const hits = (keyword: string): boolean => createKeywordFilter({ include: [keyword] })(paper).pass;
    expect(hits('rag')).toBe(true);
    expect(hits('ra')).toBe(false);
    expect(hits('ra*')).toBe(true);
    expect(hits('generation')).toBe(true);
    expect(hits('generat')).toBe(false);
    expect(hits('answering question')).toBe(false);
    expect(hits('naive')).toBe(true);
    expect(hits('NAÏVE')).toBe(true);
    expect(hits('reranker')).toBe(false);
    expect(hits('re-ranker')).toBe(true);
    expect(hits('re ranker')).toBe(true);
    expect(hits('  RAG  ')).toBe(true);
  });

  it('rejects on any exclude keyword, even when include keywords match', () => {
    const filter = createKeywordFilter({ include: ['RAG'], exclude: ['survey', 'benchmark'] });
    expect(filter(paper)).toEqual({ pass: false, included: ['RAG'], excluded: ['survey'] });
    expect(createKeywordFilter({ exclude: ['benchmark'] })(paper).pass).toBe(true); // "benchmarks" is another word
  });

  it('rejects a keyword with nothing to match, saying where it is', () => {
    let error: unknown;
    try {
      createKeywordFilter({ include: ['ok', '--'] }, 'subscriptions[1].filters');
    } catch (caught) {
      error = caught;
    }
    expect(XivdigestError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'CONFIG_INVALID',
      message: 'keyword "--" at subscriptions[1].filters.include[1] has no letters or digits to match',
      details: { keyword: '--', index: 1, path: 'subscriptions[1].filters.include[1]' },
    });
  });
});
