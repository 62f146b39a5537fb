/** Tests of the digest importer: own fixtures, every real digest byte for byte, generated digests, and bad input. */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DigestEntry } from '../../core/digest.js';
import { XivdigestError } from '../../core/errors.js';
import { createMarkdownRenderer } from '../../render/markdown/index.js';
import { renderLegacyMarkdown } from '../../core/legacy-format/markdown.js';
import { hasSharedFixtures, ownFixture, sharedFixture, sharedFixtureFiles } from '../../../test/helpers/shared-fixtures.js';
import { fileInput } from '../shared/document-input.js';
import { codePointLength } from '../../core/legacy-format/text.js';
import { parseSeedCache } from '../seed-cache/parse.js';
import { parseMarkdownDigest, parseMarkdownDigestFile } from './parse.js';

const renderer = createMarkdownRenderer();

function roundTrip(text: string, origin: string): string {
  const imported = parseMarkdownDigest(text, { origin });
  return renderer.render({ ...imported.digest, name: origin, createdAt: '' });
}

function expectDigestError(text: string, line: number, pattern: RegExp): XivdigestError {
  try {
    parseMarkdownDigest(text, { origin: 'bad.md' });
  } catch (error) {
    expect(XivdigestError.isInstance(error)).toBe(true);
    const digestError = error as XivdigestError;
    expect(digestError.code).toBe('DIGEST_FORMAT');
    expect(digestError.message).toMatch(new RegExp(`^bad\\.md, line ${line}: `));
    expect(digestError.message).toMatch(pattern);
    expect(digestError.details).toEqual({ file: 'bad.md', line });
    expect(digestError.hint).toBeTruthy();
    return digestError;
  }
  throw new Error('expected a DIGEST_FORMAT error');
}

describe('own fixtures (test/fixtures/digests, written the way the original Python wrote them)', () => {
  const names = ['own-empty.md', 'own-old-era.md', 'own-mixed-eras.md', 'own-edge-cases.md'];

  it.each(names)('%s renders back byte for byte', (name) => {
    const text = readFileSync(ownFixture('digests', name), 'utf8');
    expect(roundTrip(text, name)).toBe(text);
  });

  it('reads the empty digest', async () => {
    const imported = await parseMarkdownDigestFile(ownFixture('digests', 'own-empty.md'));
    expect(imported.digest).toEqual({ style: 'legacy', lang: 'zh', entries: [] });
    expect(imported.papers).toEqual([]);
  });

  it('reads both eras, keeps the order and an English TL;DR slot that is filled', async () => {
    const { digest, papers } = await parseMarkdownDigestFile(ownFixture('digests', 'own-mixed-eras.md'));
    expect(digest.entries.map((entry) => entry.link)).toEqual([
      'https://arxiv.org/abs/2403.04321',
      'https://arxiv.org/abs/2403.00007',
      'http://arxiv.org/abs/2305.01234',
      'http://arxiv.org/abs/2305.00999',
      'http://arxiv.org/abs/2301.00500',
    ]);
    expect(digest.entries[1]!.texts).toEqual({
      lang: 'zh',
      title: '关于无物的简短替换说明',
      tldr: '一份简短的替换说明。',
      tldrEn: 'A short replacement note (this slot was filled by an en_tldr key).',
      abstract: '本说明替换了之前的说明。它很短。',
    });
    expect(digest.entries[0]!.texts.tldrEn).toBe('');
    expect(papers[0]).toMatchObject({ id: '2403.04321', version: 1, announceType: 'cross', abstractTruncated: true, source: 'digest' });
    expect(papers[0]!.abstract.startsWith('We study how small invented corpora')).toBe(true);
    expect(papers[1]).toMatchObject({ id: '2403.00007', version: 3, announceType: 'replace', abstract: 'This note replaces an earlier note. It is short.' });
    expect(papers[1]!.abstractTruncated).toBeUndefined();
    // Old era: 8 hyphenated line ends in the description; those within the first 1,000 characters were removed
    // after the cut, so the stored text is 1,000 − 2k long and still marked as cut.
    const quill = digest.entries[2]!;
    expect(papers[2]).toMatchObject({
      id: '2305.01234',
      version: 2,
      title: 'Quill: Writing Abstracts for Imaginary Models',
      categories: ['cs.CL'],
      legacyFlags: ['UPDATED'],
      abstractTruncated: true,
    });
    expect(codePointLength(quill.abstract)).toBeLessThan(1000);
    expect((1000 - codePointLength(quill.abstract)) % 2).toBe(0);
    expect(papers[3]).toMatchObject({ id: '2305.00999', title: 'Counting Tokens with $O(n)$ Lanterns', links: { abs: 'https://arxiv.org/abs/2305.00999' } });
    expect(papers[3]!.feed).toEqual({
      title: 'Counting Tokens with $O(n)$ Lanterns. (arXiv:2305.00999v1 [cs.LG])',
      description: 'Lanterns count tokens in $O(n)$ time | and print them. The end.',
      link: 'http://arxiv.org/abs/2305.00999',
    });
    // Early 2023: the whole description was stored, uncut, and the English TL;DR slot was filled.
    expect(codePointLength(digest.entries[4]!.abstract)).toBeGreaterThan(1000);
    expect(papers[4]!.abstractTruncated).toBeUndefined();
    expect(digest.entries[4]!.texts.tldrEn).toBe('Early abstracts were not cut.');
  });

  it('reads multi-line raw titles, a title hiding a fake footnote, Python-only whitespace and a carriage return', async () => {
    const { digest, papers } = await parseMarkdownDigestFile(ownFixture('digests', 'own-edge-cases.md'));
    expect(digest.entries).toHaveLength(3);
    const [wrapped, tricky, python] = digest.entries as [DigestEntry, DigestEntry, DigestEntry];
    expect(wrapped.title).toBe('A Title That the Feed\n  Wrapped Over Two Lines. (arXiv:2301.00003v1 [cs.CL])');
    expect(wrapped.texts.title).toBe('被订阅源折成两行的标题\r（含回车）');
    expect(wrapped.abstract).toBe('An abstract with an astral letter \u{1d4b3} and a tab\there.');
    expect(tricky.title).toBe(
      'Tricky Title\n\n    [http://arxiv.org/abs/2301.00002](http://arxiv.org/abs/2301.00002)\n\n    假\n\n    \n\n    假\n\n    fake\n    \n[^3]: 不是脚注',
    );
    expect(tricky.texts.tldr).toBe('标题里藏着一个假的脚注。');
    expect(python.title).toBe('Python Whitespace\x1c(arXiv:2301.00001v1 [cs.AI])');
    expect(python.texts.tldr).toBe('');
    expect(papers.map((paper) => `${paper.id}v${paper.version}`)).toEqual(['2301.00003v1', '2301.00002vnull', '2301.00001v1']);
    expect(papers[0]!.title).toBe('A Title That the Feed Wrapped Over Two Lines');
  });
});

describe.skipIf(!hasSharedFixtures)('conformance: every real digest renders back byte for byte', () => {
  const files = [...sharedFixtureFiles('digests', (name) => name.endsWith('.md')), ...sharedFixtureFiles('seed-outputs', (name) => name.endsWith('.md'))];

  it('finds the real digests', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it.each(files.map((file) => [basename(file), file]))('%s', (name, file) => {
    const text = readFileSync(file, 'utf8');
    const imported = parseMarkdownDigest(text, { origin: name });
    const rendered = renderer.render({ ...imported.digest, name, createdAt: '' });
    expect(Buffer.compare(Buffer.from(rendered), readFileSync(file))).toBe(0);
    expect(imported.papers).toHaveLength(imported.digest.entries.length);
    for (const [index, paper] of imported.papers.entries()) {
      expect(paper.id).toBe(imported.digest.entries[index]!.paperId);
      expect(paper.links.abs).toBe(`https://arxiv.org/abs/${paper.id}`);
      expect(paper.feed?.link).toBe(imported.digest.entries[index]!.link);
    }
    // The original sorted by link, descending; a digest keeps that order.
    const links = imported.digest.entries.map((entry) => entry.link);
    expect(links).toEqual([...links].sort().reverse());
  });

  it('reads the facts of each era', () => {
    const read = (folder: string, name: string) => parseMarkdownDigest(readFileSync(sharedFixture(folder, name), 'utf8'), { origin: name });
    expect(read('digests', 'qhduan_cs.CL_2026-08-22_bb505b8.md').digest.entries).toEqual([]);

    const old = read('digests', 'qhduan_cs.IR_2023-04-18_872db89.md');
    expect(old.digest.entries).toHaveLength(12);
    expect(old.papers.filter((paper) => paper.legacyFlags?.includes('UPDATED')).map((paper) => paper.id)).toEqual(['2210.10709', '2110.11073']);
    expect(old.papers[0]).toMatchObject({
      id: '2304.07862',
      version: 1,
      title: 'PBNR: Prompt-based News Recommender System',
      categories: ['cs.IR'],
      abstractTruncated: true,
    });
    expect(old.digest.entries.every((entry) => entry.link.startsWith('http://') && entry.texts.tldrEn === '')).toBe(true);

    const modern = read('digests', 'qhduan_cs.IR_2024-10-24_e85a12e.md');
    expect(modern.papers.map((paper) => [paper.id, paper.version, paper.announceType])).toEqual([
      ['2403.06737', 1, 'new'],
      ['2402.16664', 1, 'new'],
      ['2402.14622', 1, 'cross'],
    ]);
    expect(modern.papers[2]!.abstract.startsWith('This short paper highlights')).toBe(true);
    expect(modern.papers[2]!.abstractTruncated).toBeUndefined();

    const mixed = read('digests', 'qhduan_stat.ML_2025-04-02_3721396.md');
    expect(mixed.digest.entries.map((entry) => entry.link.split(':')[0])).toEqual(['https', 'https', 'http']);

    const seed = read('digests', 'seed-000_ea01b566841bdc00.md');
    expect(seed.papers.map((paper) => paper.id)).toEqual(['2403.10568', '2311.09308', '2310.02953', '2309.03852', '2307.09059']);
    expect(seed.papers[0]).toMatchObject({
      version: 1,
      announceType: 'cross',
      feed: { title: 'MoPE: Parameter-Efficient and Scalable Multimodal Fusion via Mixture of Prompt Experts' },
    });
    expect(seed.digest.entries[0]!.texts.title).toBe('MoPE：通过Prompt专家混合实现参数高效和可扩展的多模态融合');

    const output = read('seed-outputs', 'cs.AI_2026-07-07_27c2083.md');
    expect(output.digest.entries).toHaveLength(8);
    expect(output.papers.find((paper) => paper.id === '2605.01134')).toMatchObject({ version: 3, announceType: 'replace' });
  });

  it('round-trips a digest made of all complete records of the 3,000-paper corpus', async () => {
    const entries: DigestEntry[] = [];
    for await (const item of parseSeedCache(fileInput(sharedFixture('corpus', 'cn-chat-arxiv-papers-3000.jsonl')), { origin: 'corpus' })) {
      if (item.type !== 'record' || item.missing.includes('title') || item.missing.includes('abstract')) continue;
      const feed = item.paper.feed!;
      // As the original printed them: its `en_tldr` lookup found nothing in records stored under `en_tdlr`.
      entries.push({
        paperId: item.paper.id,
        version: item.paper.version,
        link: feed.link,
        title: feed.title,
        abstract: feed.description,
        texts: { ...item.texts, tldrEn: '' },
      });
    }
    entries.sort((a, b) => (a.link < b.link ? 1 : a.link > b.link ? -1 : 0));
    expect(entries).toHaveLength(2943);
    const text = renderLegacyMarkdown({ entries });
    const imported = parseMarkdownDigest(text, { origin: 'corpus.md' });
    expect(imported.digest.entries.map(({ link, title, abstract, texts }) => ({ link, title, abstract, texts }))).toEqual(
      entries.map(({ link, title, abstract, texts }) => ({ link, title, abstract: abstract.replaceAll('\n', ' '), texts })),
    );
  });
});

describe('generated digests (seeded random fields in the format, newlines only where the original allowed them)', () => {
  // A small deterministic generator (LCG), so a failure can be replayed.
  let seed = 20240101;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const alphabet = [
    'a',
    'Z',
    ' ',
    '|',
    '[',
    ']',
    '(',
    ')',
    '^',
    ':',
    '\\',
    '<',
    '`',
    '\t',
    '\r',
    '\u3000',
    '\x1c',
    '\u2028',
    '中',
    '\u{1d4b3}',
    '-',
    '\n',
    '    ',
    '[^2]: ',
    '(arXiv:2301.00001v1 [cs.CL])',
  ];
  const text = (length: number, newlines: boolean): string => {
    let result = '';
    for (let index = 0; index < length; index++) {
      const piece = alphabet[Math.floor(random() * alphabet.length)]!;
      result += !newlines && piece === '\n' ? ' ' : piece;
    }
    return result;
  };

  it('parses 200 generated digests and renders each back byte for byte', () => {
    for (let round = 0; round < 200; round++) {
      const count = Math.floor(random() * 5);
      const entries: DigestEntry[] = [];
      for (let index = 0; index < count; index++) {
        const id = `2301.${String(10000 + Math.floor(random() * 89999))}`;
        entries.push({
          paperId: id,
          version: null,
          link: `${random() < 0.5 ? 'http' : 'https'}://arxiv.org/abs/${id}`,
          title: text(Math.floor(random() * 30), true),
          abstract: text(Math.floor(random() * 40), false),
          texts: {
            lang: 'zh',
            title: text(10, false),
            tldr: text(Math.floor(random() * 12), false),
            tldrEn: random() < 0.7 ? '' : text(8, false),
            abstract: text(20, false),
          },
        });
      }
      const rendered = renderLegacyMarkdown({ entries });
      const imported = parseMarkdownDigest(rendered, { origin: `generated-${round}.md` });
      expect(imported.digest.entries.map((entry) => entry.title)).toEqual(entries.map((entry) => entry.title));
      expect(renderLegacyMarkdown(imported.digest)).toBe(rendered);
    }
  });
});

describe('input that is not a digest in the format', () => {
  const good = readFileSync(ownFixture('digests', 'own-old-era.md'), 'utf8');
  const lines = good.split('\n');

  it('rejects another document on its first line', () => {
    expectDigestError('# Daily papers\n\nnothing here\n', 1, /expected "# 摘要"/);
  });

  it('rejects an empty file and one cut inside the header', () => {
    expectDigestError('', 1, /ends inside the header/);
    expectDigestError('# 摘要\n\n| Ref | Title | Summary |\n', 4, /ends inside the header/);
  });

  it('names the row whose TL;DR was edited', () => {
    expectDigestError(
      good.replace('| Quill是一个为测试而虚构的摘要模型。 |', '| Quill是一个（编辑过的）摘要模型。 |'),
      5,
      /summary row 1 does not match footnote \[\^1\]/,
    );
  });

  it('names the line of a footnote whose layout was changed', () => {
    const edited = [...lines];
    const index = edited.indexOf('    [http://arxiv.org/abs/2305.00999](http://arxiv.org/abs/2305.00999)');
    edited[index] = '    [http://arxiv.org/abs/2305.00999](https://arxiv.org/abs/2305.00999)';
    expectDigestError(edited.join('\n'), index + 1, /expected the link of \[\^2\] as "\[LINK\]\(LINK\)"/);
  });

  it('finds a missing 4-space line', () => {
    const edited = good.replace('\n    \n[^2]: ', '\n[^2]: ');
    expect(() => parseMarkdownDigest(edited, { origin: 'bad.md' })).toThrowError(/bad\.md, line \d+: .*\[\^1\]/);
  });

  it('notices a footnote count that does not match the table', () => {
    const cut = good.slice(0, good.indexOf('[^2]: ') - 1) + '\n\n';
    expectDigestError(cut, 11, /footnote \[\^1\] is not followed by a footnote \[\^2\] \(the table has 3 rows\)/);
  });

  it('notices a file that was cut short', () => {
    expectDigestError(good.slice(0, -1), lines.length - 1, /does not end with the blank line/);
  });

  it('notices a changed trailing blank line', () => {
    expect(() => parseMarkdownDigest(`${good}\n`, { origin: 'bad.md' })).toThrowError(/bad\.md, line \d+: /);
  });

  it('explains CRLF line ends and a byte order mark', () => {
    expect(expectDigestError(good.replaceAll('\n', '\r\n'), 1, /expected "# 摘要"/).hint).toMatch(/CRLF/);
    expect(expectDigestError(`\ufeff${good}`, 1, /byte order mark/).hint).toMatch(/byte order mark/);
  });

  it('rejects footnotes without table rows', () => {
    const empty = readFileSync(ownFixture('digests', 'own-empty.md'), 'utf8');
    expectDigestError(empty.replace('# 详细\n\n', '# 详细\n\n[^1]: x\n'), 9, /no rows/);
  });

  it('rejects a link without an arXiv id', () => {
    const text = renderLegacyMarkdown({
      entries: [
        {
          paperId: 'x',
          version: null,
          link: 'https://example.org/paper',
          title: 'T',
          abstract: 'A',
          texts: { lang: 'zh', title: 't', tldr: 'd', tldrEn: '', abstract: 'a' },
        },
      ],
    });
    expectDigestError(text, 9, /no arXiv id/);
  });
});
