import { describe, expect, it } from 'vitest';
import { categoryTokens, excerpt, foldWord, highlightOffsets, queryTokens, searchTokens, segmentForIndex } from './search-text.js';

describe('search segmentation', () => {
  it('folds Latin words: lower case, no diacritics, punctuation splits', () => {
    expect(segmentForIndex('José Łukasz: State-of-the-Art LLMs, Müller & Ørsted')).toBe('jose lukasz state of the art llms muller orsted');
    expect(foldWord('Straße')).toBe('strasse');
    expect(segmentForIndex('ＧＰＴ－４ model')).toBe('gpt 4 model');
  });

  it('turns a CJK run into overlapping bigrams, so that a two-character word is a token of any text holding it', () => {
    expect(queryTokens('模型')).toEqual(['模型']);
    expect(queryTokens('大模型')).toEqual(['大模', '模型']);
    expect(queryTokens('语言模型')).toEqual(['语言', '言模', '模型']);
    expect(queryTokens('扩散')).toEqual(['扩散']);
    // 模型 is a token of 大模型 and of 语言模型: the index finds it in both.
    expect(queryTokens('大模型')).toContain('模型');
    expect(queryTokens('基于语言模型的扩散方法')).toEqual(expect.arrayContaining(['模型', '扩散', '语言']));
  });

  it('keeps a lone CJK character as itself and splits mixed Chinese-English text at the script change', () => {
    expect(queryTokens('用LLM做扩散模型')).toEqual(['用', 'llm', '做扩', '扩散', '散模', '模型']);
    expect(queryTokens('GPT-4是大模型')).toEqual(['gpt', '4', '是大', '大模', '模型']);
  });

  it('segments Japanese and Korean the same way (sanity)', () => {
    expect(queryTokens('大規模言語モデル')).toEqual(['大規', '規模', '模言', '言語', '語モ', 'モデ', 'デル']);
    expect(queryTokens('언어 모델')).toEqual(['언어', '모델']);
    expect(queryTokens('대규모 언어모델')).toEqual(['대규', '규모', '언어', '어모', '모델']);
  });

  it('gives each token its offsets in the original text (surrogate pairs included)', () => {
    expect(searchTokens('Big 模型!')).toEqual([
      { token: 'big', start: 0, end: 3 },
      { token: '模型', start: 4, end: 6 },
    ]);
    const rare = '𠀀模';
    expect(searchTokens(rare)).toEqual([{ token: rare, start: 0, end: 3 }]);
  });

  it('highlights the matched spans, merging the bigrams of one word', () => {
    const text = '我们研究大模型的扩散 and Diffusion models';
    expect(highlightOffsets(text, [{ tokens: ['大模', '模型'], prefix: false }])).toEqual([[4, 7]]);
    expect(highlightOffsets(text, [{ tokens: ['模型'], prefix: false }])).toEqual([[5, 7]]);
    expect(highlightOffsets(text, [{ tokens: ['diffus'], prefix: true }])).toEqual([[15, 24]]);
    expect(highlightOffsets(text, [{ tokens: ['扩'], prefix: true }])).toEqual([[8, 9]]);
    expect(highlightOffsets(text, [])).toEqual([]);
  });

  it('cuts an excerpt of about 200 characters around the first match and moves the highlights into it', () => {
    const text = `${'lorem ipsum '.repeat(40)}the diffusion model ${'dolor sit '.repeat(40)}`;
    const at = text.indexOf('diffusion');
    const cut = excerpt(text, [[at, at + 9]]);
    expect(cut.text.length).toBeLessThanOrEqual(203);
    expect(cut.text.startsWith('…')).toBe(true);
    expect(cut.text.endsWith('…')).toBe(true);
    const [start, end] = cut.highlights[0]!;
    expect(cut.text.slice(start, end)).toBe('diffusion');
    const short = excerpt('a  b\n\nmodel', [[6, 11]]);
    expect(short).toEqual({ text: 'a b model', highlights: [[4, 9]] });
  });

  it('makes category tokens for a category and its archive, plus the every-paper token', () => {
    expect(categoryTokens(['cs.CL', 'math-ph'])).toEqual(['c0all', 'c0cs', 'c0cs0cl', 'c0math1ph']);
  });
});

describe('segmentForIndex', () => {
  it('gives exactly the tokens searchTokens gives, on ASCII and on mixed text', () => {
    const samples = [
      'Large Language Models (LLMs) achieve state-of-the-art results on GSM8K; see https://x.org/a_b.',
      'Schrödinger bridges – “diffusion” for Łukasz and José; ﬁne-tuning ＧＰＴ－４',
      'Ratio ½ and ⑴ x², ΟΔΟΣ Ⅻ a\u0301b - \u0301c naïve Ærø straße',
      '我们提出了一种基于大语言模型的扩散方法，在GSM8K上达到SOTA。大規模言語モデル、언어 모델',
      '',
    ];
    for (const text of samples) {
      expect(segmentForIndex(text)).toBe(
        searchTokens(text)
          .map((token) => token.token)
          .join(' '),
      );
    }
  });
});
