/** Text measurements of the gate: math segments, verbatim spans, scripts, names, sentences, headers. */
import { describe, expect, it } from 'vitest';
import { isProseMath, isTrivialMath, plainMath } from './check-latex.js';
import { languageLength, letterProfile } from './measure.js';
import {
  countScripts,
  countSentences,
  hasAnnounceHeader,
  isNameLike,
  mathSegments,
  removeVerbatim,
  stripAnnounceHeader,
  stripArxivTitleSuffix,
} from './text.js';

describe('mathSegments', () => {
  it('finds every kind of delimiter and normalises spacing, braces and synonyms', () => {
    const found = mathSegments('a $x_1 + y$ b \\(\\alpha\\) c \\[ a \\neq b \\] d $$\\sum_i x_i$$ e \\begin{equation}E=mc^2\\end{equation}');
    expect(found.map((segment) => segment.key)).toEqual(['x_1+y', '\\alpha', 'a\\neb', '\\sum_ix_i', 'E=mc^2']);
  });

  it('skips escaped dollars and stops at an unclosed segment', () => {
    expect(mathSegments('costs \\$5 and $k$ then $unclosed')).toEqual([{ raw: '$k$', key: 'k' }]);
  });

  it('folds full-width brackets translators write inside formulas', () => {
    expect(mathSegments('$\\Omega（\\sqrt{JT}）$')[0]?.key).toBe(mathSegments('$\\Omega(\\sqrt{JT})$')[0]?.key);
  });
});

describe('plain renderings of math', () => {
  it('writes simple formulas out', () => {
    expect(plainMath('$65.0\\%$')).toEqual(['65.0%']);
    expect(plainMath('$\\alpha=0.1$')).toEqual(['α=0.1']);
    expect(plainMath('$90^\\circ$')).toEqual(['90°']);
    expect(plainMath('$S_U$')).toEqual(['SU', 'S_U']);
    expect(plainMath('$\\widetilde{O}(T)$')).toEqual([]);
  });

  it('tells numbers and relations, and words in math mode, from formulas', () => {
    expect(isTrivialMath('$2\\times$')).toBe(true);
    expect(isTrivialMath('$\\geq$')).toBe(true);
    expect(isTrivialMath('$k$')).toBe(false);
    expect(isProseMath('$\\textit{Rashomon set}$')).toBe(true);
    expect(isProseMath('$ in January 2016 (as compared to above 110 US$')).toBe(true);
    expect(isProseMath('$\\mathbf{x}$')).toBe(false);
  });
});

describe('scripts and names', () => {
  it('counts letters by script', () => {
    expect(countScripts('模型とモデル와 model Модель α，。')).toEqual({ han: 2, kana: 4, hangul: 1, latin: 5, cyrillic: 6, other: 1 });
  });

  it('leaves URLs, math and LaTeX commands out of the language', () => {
    expect(removeVerbatim('见 https://github.com/x/y 与 $x$ \\cite{a}').replace(/\s+/g, ' ').trim()).toBe('见 与');
  });

  it('treats acronyms and model names as names, Title-case compounds as words', () => {
    expect(['BERT', 'GPT-4', 'ResNet', 'Llama2-13B', 'Multi-XScience'].every(isNameLike)).toBe(true);
    expect(['Cross-Lingual', 'Transformer', 'model'].some(isNameLike)).toBe(false);
  });

  it('counts English prose letters, not names, in a Chinese text', () => {
    const letters = letterProfile('我们在LibriSpeech上评估了Transformer和the model');
    expect(letters.latinProse).toBe(8);
    expect(letters.han).toBe(8);
  });

  it('measures language length without acronyms and model names', () => {
    expect(languageLength('SpaRoute在LibriSpeech上')).toBe(2);
  });
});

describe('sentences and headers', () => {
  it('counts sentences, not abbreviations or decimals', () => {
    expect(countSentences('We use e.g. BERT et al. with 4.1% error. It works.')).toBe(2);
    expect(countSentences('本文提出一种方法。实验表明有效。')).toBe(2);
    expect(countSentences('no final stop')).toBe(1);
  });

  it('strips the announcement header, in English or translated, and the old title suffix', () => {
    expect(stripAnnounceHeader('arXiv:2403.10568v1 Announce Type: cross  Abstract: We study')).toBe('We study');
    expect(stripAnnounceHeader('摘要：arXiv:2608.14723v1 公告类型：交叉 摘要：左心室')).toBe('左心室');
    expect(hasAnnounceHeader('arXiv:2403.00044v1宣布类型:cross 摘要: 边缘')).toBe(true);
    expect(stripArxivTitleSuffix('Beta Diffusion. (arXiv:2309.07867v1 [cs.LG])')).toBe('Beta Diffusion.');
  });
});
