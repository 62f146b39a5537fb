/** Number reading for the gate: separators in several conventions, multipliers, Chinese numerals, English words. */
import { describe, expect, it } from 'vitest';
import { arabicNumbers, chineseNumbers, claimedNumbers, isSupported, numberSupport, parseChineseNumeral } from './numbers.js';

function values(text: string): string[][] {
  return arabicNumbers(text).map((mention) => mention.values);
}

describe('arabicNumbers', () => {
  it('reads thousands separators and decimal marks in every convention that fits', () => {
    expect(values('10,000')).toEqual([['10000', '10']]);
    expect(values('4,1 %')).toEqual([['4.1']]);
    expect(values('12.000')).toEqual([['12', '12000']]);
    expect(values('12 000')).toEqual([['12000']]);
    expect(values('3.5')).toEqual([['3.5']]);
  });

  it('splits digits no reading fits into separate numbers', () => {
    expect(values('1,2,3')).toEqual([['1'], ['2'], ['3']]);
    expect(values('v1.5.3')).toEqual([['1'], ['5'], ['3']]);
  });

  it('applies multipliers and folds full-width digits', () => {
    expect(values('7B')).toEqual([['7', '7000000000']]);
    expect(values('1.5万')).toEqual([['1.5', '15000']]);
    expect(values('3 million')).toEqual([['3', '3000000']]);
    expect(values('１２３')).toEqual([['123']]);
  });
});

describe('Chinese numerals', () => {
  it.each([
    ['三十五', 35],
    ['十万', 100_000],
    ['两千', 2000],
    ['一亿五千万', 150_000_000],
    ['一万二千', 12_000],
  ])('parses %s as %d', (run, expected) => {
    expect(parseChineseNumeral(run)).toBe(expected);
  });

  it('reads quantities, not words made with numerals', () => {
    const read = (text: string) => chineseNumbers(text).map((mention) => mention.values[0]);
    expect(read('在三个数据集上')).toEqual(['3']);
    expect(read('提升了百分之五十')).toEqual(['50']);
    expect(read('十万条评论')).toEqual(['100000']);
    expect(read('提出了一种统一的方法，十分有效')).toEqual([]);
    expect(read('二项分布与二元分类')).toEqual([]);
    expect(read('26 亿三元组')).toEqual([]);
  });
});

describe('claimedNumbers', () => {
  it('leaves out list markers, arXiv ids, small counts in words and one/first/both', () => {
    const claimed = (text: string) => claimedNumbers(text).flatMap((mention) => mention.values);
    expect(claimed('要点：1）稀疏；2）缓存 (arXiv:2310.17870v1 [cs.IR])')).toEqual([]);
    expect(claimed('We propose two methods and the first benchmark; both are fast and zero-shot.')).toEqual([]);
    expect(claimed('evaluated on five benchmarks')).toEqual(['5']);
  });
});

describe('isSupported', () => {
  const support = numberSupport('Accuracy rises from 54.8% to 61.8% on 5,594 items; a 7B model, twice as fast, accuracy 0.95, Red Dead Redemption II.');
  const supported = (text: string) => claimedNumbers(text).every((mention) => isSupported(mention, support));

  it('accepts the same values written differently', () => {
    expect(supported('70亿参数')).toBe(true);
    expect(supported('95%的准确率')).toBe(true);
    expect(supported('2倍速度')).toBe(true);
    expect(supported('荒野大镖客2')).toBe(true);
  });

  it('accepts roundings and differences', () => {
    expect(supported('约62%')).toBe(true);
    expect(supported('超过5,000个')).toBe(true);
    expect(supported('提高了7%')).toBe(true);
  });

  it('rejects other values', () => {
    expect(supported('提高到71.8%')).toBe(false);
    expect(supported('6,594 items')).toBe(false);
    expect(supported('a 13B model')).toBe(false);
  });
});
