/** LaTeX emphasis outside math: italics and bold in HTML, plain words in text formats, math left alone. */
import { describe, expect, it } from 'vitest';
import { entryFeedText } from './html/feed-content.js';
import { resolveLabels } from './html/labels.js';
import { textWithMath } from './html/math.js';
import { createTextRenderer } from './text/index.js';
import { digestEntry } from '../../test/helpers/digest-entries.js';
import { plainFormatting } from '../core/tex-formatting.js';

describe('plainFormatting', () => {
  it.each([
    ['a \\textit{b} c', 'a b c'],
    ['\\emph{nested \\textbf{bold}} end', 'nested bold end'],
    ['\\textbf {spaced}', 'spaced'],
    ['math $\\textbf{x}$ stays', 'math $\\textbf{x}$ stays'],
    ['\\(\\emph{y}\\) and \\emph{z}', '\\(\\emph{y}\\) and z'],
    ['unclosed \\emph{never', 'unclosed \\emph{never'],
    ['braces \\textit{a {b} c}', 'braces a {b} c'],
    ['no commands', 'no commands'],
  ])('%j → %j', (input, expected) => {
    expect(plainFormatting(input)).toBe(expected);
  });
});

describe('LaTeX emphasis in the outputs', () => {
  it('is <em> and <strong> in HTML, escaped inside, with math still KaTeX', () => {
    expect(textWithMath('a \\textit{<b>} \\textbf{c} \\emph{d}')).toBe('a <em>&lt;b&gt;</em> <strong>c</strong> <em>d</em>');
    expect(textWithMath('$\\textbf{x}$')).toMatch(/class="katex"/);
  });

  it('is plain words in the text renderer and in feed text', () => {
    const entry = digestEntry({
      paperId: '2611.00001',
      title: 'On \\textit{Tokens}',
      texts: { lang: 'zh', title: '论\\emph{词元}', tldr: '我们 \\textbf{证明} 了它。', tldrEn: '', abstract: '' },
    });
    const text = createTextRenderer().render({ name: 'x', style: 'native', lang: 'zh', createdAt: '', entries: [entry] });
    expect(text).toContain('1. 论词元');
    expect(text).toContain('我们 证明 了它。');
    expect(entryFeedText(entry, resolveLabels('zh'))).not.toMatch(/\\(?:textit|emph|textbf)/);
  });
});
