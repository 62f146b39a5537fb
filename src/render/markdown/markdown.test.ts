/** Tests of the Markdown renderer: the exact legacy bytes, and native digests that hostile text cannot break. */
import { describe, expect, it } from 'vitest';
import type { Digest, DigestEntry } from '../../core/digest.js';
import { parseMarkdownDigest } from '../../sources/digest-import/parse.js';
import { createMarkdownRenderer, escapeMarkdownInline, safeMarkdownLink } from './index.js';
import { digestEntry } from '../../../test/helpers/digest-entries.js';

const renderer = createMarkdownRenderer();

const entry = digestEntry;

function digest(style: Digest['style'], entries: DigestEntry[], lang = 'zh'): Digest {
  return { name: 'test', style, lang, createdAt: '2026-01-01T00:00:00.000Z', entries };
}

describe('createMarkdownRenderer', () => {
  it('has the renderer seam metadata', () => {
    expect(renderer.format).toBe('md');
    expect(renderer.mediaType).toBe('text/markdown; charset=utf-8');
  });
});

describe('legacy style', () => {
  it('renders the empty digest as the 70 bytes the original wrote', () => {
    const text = renderer.render(digest('legacy', []));
    expect(text).toBe('# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n\n\n# 详细\n\n\n\n');
    expect(Buffer.byteLength(text)).toBe(70);
  });

  it('prints the stored strings verbatim: raw title lines, clean table title, newlines flattened elsewhere', () => {
    const text = renderer.render(
      digest('legacy', [
        entry({
          paperId: '2301.00003',
          link: 'http://arxiv.org/abs/2301.00003',
          title: 'Wrapped\n  Title. (arXiv:2301.00003v1 [cs.CL])',
          abstract: 'Line one\nline two',
          texts: { lang: 'zh', title: '标\n题', tldr: '要\n点', tldrEn: '', abstract: '摘\n要' },
        }),
      ]),
    );
    expect(text).toBe(
      '# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n' +
        '| [^1] | [Wrapped   Title.](http://arxiv.org/abs/2301.00003) | 要 点 |' +
        '\n\n# 详细\n\n' +
        '[^1]: 标 题\n\n    Wrapped\n  Title. (arXiv:2301.00003v1 [cs.CL])\n\n    [http://arxiv.org/abs/2301.00003](http://arxiv.org/abs/2301.00003)\n\n' +
        '    要 点\n\n    \n\n    摘 要\n\n    Line one line two\n    ' +
        '\n\n',
    );
  });

  it('leaves out entries without texts and closes up the numbering, as the original did', () => {
    const text = renderer.render(
      digest('legacy', [entry({ paperId: '2403.00003' }), entry({ paperId: '2403.00002', textStatus: 'failed' }), entry({ paperId: '2403.00001' })]),
    );
    expect(text).toContain('| [^2] | [A Title](https://arxiv.org/abs/2403.00001) |');
    expect(text).not.toContain('2403.00002');
    expect(text).not.toContain('[^3]');
  });
});

const HOSTILE_TITLE = 'Evil | Title\n[^1]: injected ](javascript:alert(1)) [link](javascript:alert(2)) <script>alert(3)</script>\\';
const HOSTILE_TEXT = '# Heading? | cell\n\n[^2]: fake footnote <img src=x onerror=alert(4)> `code` \\| done\t\u2028\u0000\ud800 (arXiv:9999.99999)';

/** Counts `|` not escaped by a backslash. */
function unescapedPipes(line: string): number {
  let count = 0;
  for (let index = 0; index < line.length; index++) {
    if (line[index] === '\\') index++;
    else if (line[index] === '|') count++;
  }
  return count;
}

describe('native style', () => {
  const hostile = digest('native', [
    entry({
      paperId: '2401.00001',
      title: HOSTILE_TITLE,
      abstract: `${HOSTILE_TEXT} ${'long '.repeat(400)}end`,
      texts: { lang: 'zh', title: HOSTILE_TEXT, tldr: HOSTILE_TEXT, tldrEn: HOSTILE_TEXT, abstract: HOSTILE_TEXT },
    }),
    entry({ paperId: '2401.00002', link: 'javascript:alert(5)', title: '- list? 1. ordered > quote' }),
    entry({
      paperId: '2401.00003',
      link: 'https://arxiv.org/abs/2401.00003) [x](javascript:alert(6)',
      textStatus: 'failed',
      textReason: 'LLM output | invalid',
    }),
  ]);
  const text = renderer.render(hostile);
  const lines = text.split('\n');

  it('keeps 3 columns in every table row', () => {
    const rows = lines.slice(2, lines.indexOf('# 详细') - 1);
    expect(rows).toHaveLength(2 + 3);
    for (const row of rows) expect(unescapedPipes(row)).toBe(4);
  });

  it('keeps each footnote one block: footnote starts are exactly [^1], [^2], [^3]', () => {
    expect(lines.filter((line) => /^\[\^\d+\]:/.test(line))).toEqual([
      expect.stringMatching(/^\[\^1\]: /),
      expect.stringMatching(/^\[\^2\]: /),
      expect.stringMatching(/^\[\^3\]: /),
    ]);
    // Every line inside a footnote is blank or indented (the raw title cannot break out in native digests).
    const details = lines.slice(lines.indexOf('# 详细') + 2, -2);
    for (const line of details) expect(line === '' || line.startsWith('    ') || /^\[\^\d\]: /.test(line)).toBe(true);
  });

  it('leaves no live HTML, links or footnote references from the texts', () => {
    expect(text).not.toMatch(/<script|<img/i);
    expect(text).not.toMatch(/(?<!\\)\]\(javascript:/);
    expect(text).not.toMatch(/(?<!\\)\[\^2\]: fake/);
    expect(text).toContain('&lt;script&gt;');
    expect(text).toContain('\\[^1\\]: injected \\](javascript:alert(1)) \\[link\\](javascript:alert(2))');
    expect(text).toContain('https://arxiv.org/abs/2401.00002');
    expect(text).toContain(
      '[https://arxiv.org/abs/2401.00003%29%20%5Bx%5D%28javascript:alert%286%29](https://arxiv.org/abs/2401.00003%29%20%5Bx%5D%28javascript:alert%286%29)',
    );
  });

  it('parses back with the digest importer, entry for entry', () => {
    const imported = parseMarkdownDigest(text, { origin: 'hostile.md' });
    expect(imported.digest.entries).toHaveLength(3);
    expect(imported.papers.map((paper) => paper.id)).toEqual(['2401.00001', '2401.00002', '2401.00003']);
    const first = imported.digest.entries[0]!;
    expect(first.title).toBe(escapeMarkdownInline(HOSTILE_TITLE));
    expect(first.texts.tldrEn).toBe(escapeMarkdownInline(HOSTILE_TEXT));
  });

  it('fills the English TL;DR and prints the whole abstract', () => {
    const english = lines.indexOf(`    ${escapeMarkdownInline(HOSTILE_TEXT)}`);
    expect(english).toBeGreaterThan(lines.indexOf('# 详细'));
    expect(text).toContain(`${'long '.repeat(399)}long end`);
  });

  it('shows an untranslated entry in English, with its reason', () => {
    expect(text).toContain('| 翻译暂不可用 |');
    expect(text).not.toContain('LLM output');
    const english = renderer.render(digest('native', [entry({ paperId: '2401.00004', textStatus: 'pending' })], 'en'));
    expect(english).toContain('| [^1] | [A Title](https://arxiv.org/abs/2401.00004) | Translation not available |');
    const japanese = renderer.render(digest('native', [entry({ paperId: '2401.00004', textStatus: 'pending' })], 'ja'));
    expect(japanese).toContain('| 翻訳は利用できません |');
    expect(english).toContain('[^1]: A Title\n\n    A Title\n');
    expect(english).not.toContain('摘要。');
  });

  it('marks a newer version of a paper the reader already received', () => {
    const text = renderer.render(digest('native', [entry({ paperId: '2401.00005', version: 3, updatedFrom: 2 })]));
    expect(text).toContain('[^1]: 标题 （更新：v2 → v3）');
  });
});

describe('escapeMarkdownInline', () => {
  it.each([
    ['a | b', 'a \\| b'],
    ['line\nbreak\r\nand\ttab', 'line break and tab'],
    ['[^1]: x', '\\[^1\\]: x'],
    ['x](javascript:y)', 'x\\](javascript:y)'],
    ['<script>&', '&lt;script&gt;&amp;'],
    ['back\\slash', 'back\\\\slash'],
    ['# head', '\\# head'],
    ['- item', '\\- item'],
    ['12. item', '12\\. item'],
    ['> quote', '&gt; quote'],
    ['broken \ud800 pair \udc00', 'broken \ufffd pair \ufffd'],
    ['\u202eevil\u2066', 'evil'],
    ['Title (arXiv:2301.00001)', 'Title &#40;arXiv:2301.00001)'],
    ['$\\alpha_i$ reads as its source', '\\$\\\\alpha\\_i\\$ reads as its source'],
    ['*star* _under_ ~tilde~', '\\*star\\* \\_under\\_ \\~tilde\\~'],
    ['* bullet', '\\* bullet'],
    ['  padded  ', 'padded'],
  ])('%j → %j', (input, expected) => {
    expect(escapeMarkdownInline(input)).toBe(expected);
  });
});

describe('safeMarkdownLink', () => {
  it('keeps http(s) links, encodes Markdown specials, and replaces other schemes with the abs page', () => {
    expect(safeMarkdownLink('https://arxiv.org/abs/2403.10568', '2403.10568')).toBe('https://arxiv.org/abs/2403.10568');
    expect(safeMarkdownLink('http://arxiv.org/abs/a b|c', '2403.10568')).toBe('http://arxiv.org/abs/a%20b%7Cc');
    expect(safeMarkdownLink('javascript:alert(1)', '2403.10568v2')).toBe('https://arxiv.org/abs/2403.10568');
    expect(safeMarkdownLink('', 'x) y')).toBe('https://arxiv.org/abs/x%29%20y');
  });
});
