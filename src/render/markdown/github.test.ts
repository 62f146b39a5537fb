/**
 * Markdown as GitHub shows it: native digests go through cmark-gfm (GitHub's renderer, with its table and footnote
 * extensions) and every title reads exactly as the paper's; the original's digests still render back byte for byte.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Digest, DigestEntry } from '../../core/digest.js';
import { cleanLegacyTitle } from '../../core/legacy-format/text.js';
import { parseMarkdownDigest } from '../../sources/digest-import/parse.js';
import { digestEntry } from '../../../test/helpers/digest-entries.js';
import { hasSharedFixtures, sharedFixtureFiles, sharedSkipReason } from '../../../test/helpers/shared-fixtures.js';
import { renderRichMarkdown } from './rich.js';
import { createMarkdownRenderer } from './index.js';

function findCmark(): string | undefined {
  try {
    execFileSync('cmark-gfm', ['--version'], { stdio: 'pipe' });
    return 'cmark-gfm';
  } catch {
    return undefined;
  }
}
const cmark = findCmark();
const cmarkSkipReason = 'GitHub Markdown tests skipped: cmark-gfm is not installed (apt-get install cmark-gfm)';
if (!cmark) console.warn(cmarkSkipReason);

/** HTML as GitHub's renderer makes it (without its sanitizer, which only removes). */
function githubHtml(markdown: string): string {
  return execFileSync(cmark!, ['-e', 'table', '-e', 'footnotes', '-e', 'strikethrough', '-e', 'autolink'], { input: markdown, encoding: 'utf8' });
}

/** What a reader sees of an HTML fragment: tags dropped, character references decoded. */
function visible(html: string): string {
  return html.replace(/<[^>]*>/g, '').replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') return String.fromCodePoint(name[1]!.toLowerCase() === 'x' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1)));
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[name] ?? whole;
  });
}

/** The link text of each table row's title cell, as seen. */
function tableTitles(html: string): string[] {
  return [...html.matchAll(/<tr>\s*<td>.*?<\/td>\s*<td><a href="[^"]*">(.*?)<\/a><\/td>/gs)].map((match) => visible(match[1]!));
}

/** The translated and the English title of each footnote (its first two paragraphs), as seen. */
function footnoteTitles(html: string): Array<[string, string]> {
  return [...html.matchAll(/<li id="fn-[^"]*">\n<p>(.*?)<\/p>\n<p>(.*?)<\/p>/g)].map((match) => [visible(match[1]!), visible(match[2]!)]);
}

const HOSTILE_TITLES = [
  'Star *emphasis* and **strong** *unclosed',
  'Snake_case and _underscored_ words __init__',
  'Pipe | in a table | cell',
  'Back`ticks` and ``double``',
  'Less <than> and <script>alert(1)</script> & amp',
  'Price $100K and $x^2$ math $',
  'Brackets [x] and [^1] and [a](https://evil.example)',
  'Back\\slash \\textbf{x} and \\| pipe',
  '~~struck~~ tilde ~x~',
  '# Heading? - list * star 1. one',
  'Entities &amp; &#42; &lt;',
  'Ends with hashes ##',
];

function nativeDigest(entries: DigestEntry[]): Digest {
  return { name: 'cs.CL/2026-11-24', subscription: 'cs.CL', day: '2026-11-24', style: 'native', lang: 'zh', createdAt: '2026-11-24T07:00:00Z', entries };
}

describe.skipIf(!cmark)('native Markdown through cmark-gfm', () => {
  const entries = HOSTILE_TITLES.map((title, index) =>
    digestEntry({
      paperId: `2611.${String(index + 1).padStart(5, '0')}`,
      title,
      texts: { lang: 'zh', title: `中文：${title}`, tldr: `要点：${title}`, tldrEn: title, abstract: title },
    }),
  );

  it('shows every hostile title exactly, in the table and in the footnotes', () => {
    const html = githubHtml(createMarkdownRenderer().render(nativeDigest(entries)));
    expect(tableTitles(html)).toEqual(HOSTILE_TITLES);
    expect(footnoteTitles(html)).toEqual(HOSTILE_TITLES.map((title) => [`中文：${title}`, title]));
    expect(html).not.toMatch(/<(?:em|strong|del|script|code|pre)>/);
    const rows = [...html.matchAll(/<tr>/g)].length;
    expect(rows).toBe(HOSTILE_TITLES.length + 1);
    expect([...html.matchAll(/<td>/g)].length).toBe(HOSTILE_TITLES.length * 3);
  });

  it('shows every hostile title and text exactly in the rich layout', () => {
    const html = githubHtml(renderRichMarkdown(nativeDigest(entries)));
    const headings = [...html.matchAll(/<h2>(.*?)<\/h2>/g)].map((match) => visible(match[1]!));
    expect(headings).toEqual(HOSTILE_TITLES.map((title, index) => `${index + 1}. 中文：${title}`));
    const englishTitles = [...html.matchAll(/<p><em>(.*?)<\/em>(?: · .*?)?<\/p>/g)].map((match) => visible(match[1]!));
    expect(englishTitles).toEqual(HOSTILE_TITLES);
    const tldrs = [...html.matchAll(/<p><strong>要点<\/strong>：(.*?)<\/p>/g)].map((match) => visible(match[1]!));
    expect(tldrs).toEqual(HOSTILE_TITLES.map((title) => `要点：${title}`));
    // A bare URL in a text is autolinked by GitHub with the URL as its text; no link may hide behind other words.
    expect(html).not.toMatch(/<script|<del>|<a href="https:\/\/evil[^"]*">(?!https:\/\/evil)/);
  });
});

describe.skipIf(!cmark || !hasSharedFixtures)('the original digests of ../shared through cmark-gfm', () => {
  if (!hasSharedFixtures) console.warn(sharedSkipReason);
  const files = sharedFixtureFiles('digests', (name) => name.endsWith('.md'));
  const renderer = createMarkdownRenderer();

  it.each(files.map((file) => [basename(file), file] as const))(
    '%s: renders back byte for byte, GitHub shows its table, and a native digest shows each exact title',
    (name, file) => {
      const text = readFileSync(file, 'utf8');
      const imported = parseMarkdownDigest(text, { origin: name });
      expect(renderer.render({ ...imported.digest, name, createdAt: '' })).toBe(text);
      const count = imported.digest.entries.filter((entry) => (entry.textStatus ?? 'ok') === 'ok').length;
      const original = githubHtml(text);
      expect([...original.matchAll(/<tr>/g)].length).toBe(count + 1);
      // The same papers in a new digest: GitHub shows each title as arXiv has it (the original did not escape).
      const native = nativeDigest(imported.digest.entries.map((entry) => ({ ...entry, title: cleanLegacyTitle(entry.title) })));
      const titles = native.entries.map((entry) => entry.title.replace(/\s+/g, ' ').trim());
      expect(tableTitles(githubHtml(renderer.render(native)))).toEqual(titles);
    },
  );
});
