/** The HTML, Atom, JSON Feed and text renderers on the original system's real digests (../shared), and legacy entries made readable. */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasSharedFixtures, sharedFixtureFiles } from '../../../test/helpers/shared-fixtures.js';
import type { Digest, DigestEntry } from '../../core/digest.js';
import { parseMarkdownDigest } from '../../sources/digest-import/parse.js';
import { createAtomRenderer } from '../atom/index.js';
import { createJsonFeedRenderer } from '../json-feed/index.js';
import { childrenNamed, parseXmlTree } from '../../../test/helpers/xml-tree.js';
import { createTextRenderer } from '../text/index.js';
import { createHtmlRenderer, readableEntry } from './index.js';

const legacyEntry: DigestEntry = {
  paperId: '2403.10568',
  version: 1,
  link: 'https://arxiv.org/abs/2403.10568',
  title: 'Wrapped\n  Title. (arXiv:2403.10568v1 [cs.CL] UPDATED)',
  abstract: 'arXiv:2403.10568v1 Announce Type: cross  Abstract: We study $x$.',
  texts: { lang: 'zh', title: '标题', tldr: '要点', tldrEn: '', abstract: '摘要' },
};

describe('readableEntry', () => {
  it('drops the old title suffix and the new abstract prefix of legacy entries, keeping the announce type', () => {
    expect(readableEntry(legacyEntry, 'legacy')).toMatchObject({ title: 'Wrapped   Title.', abstract: 'We study $x$.', announceType: 'cross' });
    expect(readableEntry(legacyEntry, 'native')).toBe(legacyEntry);
  });

  it('is what the HTML and text renderers show for a legacy digest', () => {
    const digest: Digest = { name: 'cs.CL', style: 'legacy', lang: 'zh', createdAt: '2026-01-01T00:00:00Z', entries: [legacyEntry] };
    const html = createHtmlRenderer().render(digest);
    expect(html).toContain('<p class="title-en" lang="en">Wrapped   Title.</p>');
    expect(html).not.toContain('Announce Type');
    expect(createTextRenderer().render(digest)).toContain('1. 标题\n   要点\n   https://arxiv.org/abs/2403.10568\n');
  });
});

const digests = [...sharedFixtureFiles('digests', (name) => name.endsWith('.md')), ...sharedFixtureFiles('seed-outputs', (name) => name.endsWith('.md'))];

describe.skipIf(!hasSharedFixtures)('real cn-chat-arxiv digests (../shared)', () => {
  it.each(digests.map((path) => [basename(path), path]))('%s renders in every format with every entry', (name, path) => {
    const imported = parseMarkdownDigest(readFileSync(path, 'utf8'), { origin: name });
    const digest: Digest = { ...imported.digest, name: 'cs.XX', createdAt: '2026-07-07T09:05:00Z' };
    const count = digest.entries.length;

    const html = createHtmlRenderer().render(digest);
    expect(html.match(/<li class="entry"/g) ?? []).toHaveLength(count);
    expect(html).not.toContain('katex-error');
    expect(html).not.toContain('Announce Type:');

    const atom = parseXmlTree(createAtomRenderer().render(digest), `${name}.atom`);
    expect(childrenNamed(atom, 'entry')).toHaveLength(count);

    const feed = JSON.parse(createJsonFeedRenderer().render(digest)) as { items: Array<{ id: string }> };
    expect(feed.items.map((item) => item.id)).toEqual(
      digest.entries.map((entry) => `https://arxiv.org/abs/${entry.paperId}${entry.version === null ? '' : `v${entry.version}`}`),
    );

    const text = createTextRenderer().render(digest);
    expect(text.split('\n').filter((line) => /^\d+\. /.test(line))).toHaveLength(count);
  });
});
