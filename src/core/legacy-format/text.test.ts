/** Tests of the cn-chat-arxiv text conventions; expected values were computed with Python 3 (re, str.strip, slicing). */
import { describe, expect, it } from 'vitest';
import {
  cleanLegacyTitle,
  codePointLength,
  isLegacyAbstractTruncated,
  isPythonWhitespace,
  legacyStoredAbstract,
  paperFromLegacyItem,
  parseLegacyAbstract,
  parseLegacyTitle,
  pythonStrip,
  sliceCodePoints,
} from './text.js';

describe('cleanLegacyTitle (Python re.sub(r"\\s*\\(arXiv.+", "", title) then \\n → space)', () => {
  it.each([
    ['Foo. (arXiv:2310.02953v1 [cs.CL])', 'Foo.'],
    ['Foo\u3000(arXiv:1)', 'Foo'],
    ['Foo\x1c\x1d (arXiv:1)\nBar (arXiv:2) x', 'Foo Bar'],
    ['Foo\ufeff(arXiv:1)', 'Foo\ufeff'],
    ['Foo (arXiv)', 'Foo'],
    ['Foo (arXiv:1\r2) tail', 'Foo'],
    ['A\n(arXiv:1)', 'A'],
    ['(arXiv:a) mid (arXiv:b)', ''],
    ['Foo\u0085(arXiv:9)', 'Foo'],
    ['Foo (arXiv', 'Foo (arXiv'],
    ['Wrapped\n  title', 'Wrapped   title'],
    ['Plain new-format title', 'Plain new-format title'],
  ])('%j → %j', (title, expected) => {
    expect(cleanLegacyTitle(title)).toBe(expected);
  });
});

describe('Python whitespace, strip and code points', () => {
  it('uses Python str.isspace(), not JavaScript \\s', () => {
    expect(isPythonWhitespace('\x1c')).toBe(true);
    expect(isPythonWhitespace('\x85')).toBe(true);
    expect(isPythonWhitespace('\u3000')).toBe(true);
    expect(isPythonWhitespace('\ufeff')).toBe(false);
    expect(isPythonWhitespace('a')).toBe(false);
    expect(pythonStrip(' \x1c\x85abc\u3000\ufeff')).toBe('abc\u3000\ufeff');
  });

  it('counts and slices code points as Python does', () => {
    expect(codePointLength('a\u{1d4b3}b')).toBe(3);
    expect(codePointLength('\ud800x')).toBe(2);
    expect(sliceCodePoints('\u{1d4b3}\u{1d4b3}\u{1d4b3}', 2)).toBe('\u{1d4b3}\u{1d4b3}');
    expect(sliceCodePoints('abc', 10)).toBe('abc');
  });

  it('stores an abstract as the original did: strip, cut at 1,000 code points, then -\\n removed and \\n → space', () => {
    expect(legacyStoredAbstract('  multi-\nline\ntext \n')).toBe('multiline text');
    // The cut comes first: a `-\n` split by the cut survives as `-`.
    expect(legacyStoredAbstract(`${'x'.repeat(998)}a-\nb-\ncde`)).toBe(`${'x'.repeat(998)}a-`);
    // Astral characters count once, as in Python.
    const astral = '\u{1d4b3}'.repeat(1200);
    expect(codePointLength(legacyStoredAbstract(astral))).toBe(1000);
    expect(legacyStoredAbstract(astral).length).toBe(2000);
  });
});

describe('parseLegacyTitle', () => {
  it('reads the old RDF suffix and drops the ". " arXiv put before it', () => {
    expect(parseLegacyTitle('JsonTuning: Towards Robust Tuning. (arXiv:2310.02953v1 [cs.CL])')).toEqual({
      title: 'JsonTuning: Towards Robust Tuning',
      id: '2310.02953',
      version: 1,
      primaryCategory: 'cs.CL',
      flags: [],
    });
    expect(parseLegacyTitle('Are GATs Out of Balance?. (arXiv:2310.07235v2 [cs.LG] UPDATED)')).toMatchObject({
      title: 'Are GATs Out of Balance?',
      version: 2,
      flags: ['UPDATED'],
    });
    expect(parseLegacyTitle('X. (arXiv:2301.00001v1 [hep-lat] CROSS LISTED)').flags).toEqual(['CROSS LISTED']);
    expect(parseLegacyTitle('Old id. (arXiv:cond-mat/0412498v3 [cond-mat.str-el])')).toMatchObject({ id: 'cond-mat/0412498', version: 3 });
  });

  it('collapses a wrapped title and leaves a new-format title alone', () => {
    expect(parseLegacyTitle('A Title That the Feed\n  Wrapped. (arXiv:2301.00003v1 [cs.CL])').title).toBe('A Title That the Feed Wrapped');
    expect(parseLegacyTitle('MoPE: Parameter-Efficient Fusion')).toEqual({ title: 'MoPE: Parameter-Efficient Fusion', flags: [] });
  });
});

describe('parseLegacyAbstract and truncation', () => {
  it('reads the rss.arxiv.org prefix (two spaces before "Abstract:")', () => {
    const parsed = parseLegacyAbstract('arXiv:2403.10568v1 Announce Type: cross  Abstract: Prompt-tuning works.');
    expect(parsed).toEqual({ abstract: 'Prompt-tuning works.', id: '2403.10568', version: 1, announceType: 'cross', truncated: false });
    expect(parseLegacyAbstract('arXiv:2404.00002v2 Announce Type: replace-cross  Abstract: x').announceType).toBe('replace-cross');
    expect(parseLegacyAbstract('arXiv:2404.00002v2 Announce Type: replace Abstract: x').announceType).toBe('replace');
  });

  it('tells a cut abstract from a whole one', () => {
    expect(isLegacyAbstractTruncated('x'.repeat(1000))).toBe(true);
    expect(isLegacyAbstractTruncated('x'.repeat(999))).toBe(false);
    // Ends in whitespace: only the cut can leave that (the description was stripped first).
    expect(isLegacyAbstractTruncated(`${'x'.repeat(900)} `)).toBe(true);
    // 1,000 − 2k long and ending mid-sentence: k `-\n` pairs were removed after the cut.
    expect(isLegacyAbstractTruncated(`${'x'.repeat(996)}ex`)).toBe(true);
    expect(isLegacyAbstractTruncated(`${'x'.repeat(996)}e`)).toBe(false); // odd shortfall: no cut gives 997
    expect(isLegacyAbstractTruncated(`${'x'.repeat(997)}.`)).toBe(false);
    // The new format has no hard wraps: below 1,000 means whole.
    expect(isLegacyAbstractTruncated(`arXiv:2403.10568v1 Announce Type: new  Abstract: ${'y'.repeat(900)}`)).toBe(false);
    expect(isLegacyAbstractTruncated('')).toBe(false);
    expect(isLegacyAbstractTruncated('x'.repeat(1001))).toBe(false);
    // Code points, not UTF-16 units: 1,000 astral letters are 2,000 units.
    expect(isLegacyAbstractTruncated('\u{1d4b3}'.repeat(1000))).toBe(true);
  });
});

describe('paperFromLegacyItem', () => {
  it('builds an old-format paper from the link and the title suffix', () => {
    const paper = paperFromLegacyItem(
      { title: 'Quill. (arXiv:2305.01234v2 [cs.CL] UPDATED)', link: 'http://arxiv.org/abs/2305.01234', abstract: 'Short.' },
      'digest',
    );
    expect(paper).toEqual({
      id: '2305.01234',
      version: 2,
      title: 'Quill',
      authors: [],
      abstract: 'Short.',
      categories: ['cs.CL'],
      links: { abs: 'https://arxiv.org/abs/2305.01234' },
      feed: { title: 'Quill. (arXiv:2305.01234v2 [cs.CL] UPDATED)', description: 'Short.', link: 'http://arxiv.org/abs/2305.01234' },
      versions: [{ version: 2 }],
      source: 'digest',
      legacyFlags: ['UPDATED'],
    });
  });

  it('builds a new-format paper from the abstract prefix', () => {
    const stored = `arXiv:2403.04321v1 Announce Type: cross  Abstract: ${'z'.repeat(949)}`; // 51 + 949 = 1,000 code points
    const paper = paperFromLegacyItem({ title: 'Lantern', link: 'https://arxiv.org/abs/2403.04321', abstract: stored }, 'seed-cache')!;
    expect(paper).toMatchObject({ id: '2403.04321', version: 1, announceType: 'cross', abstractTruncated: true, categories: [], source: 'seed-cache' });
    expect(paper.abstract).toBe('z'.repeat(949));
    expect(paper.feed?.description).toBe(stored);
  });

  it('gives version null when nothing says, and undefined without an arXiv id', () => {
    expect(paperFromLegacyItem({ title: 'T', link: 'https://arxiv.org/abs/2402.05928', abstract: 'A.' }, 'digest')?.version).toBeNull();
    expect(paperFromLegacyItem({ title: 'T', link: 'https://example.org/x', abstract: 'A.' }, 'digest')).toBeUndefined();
  });
});
