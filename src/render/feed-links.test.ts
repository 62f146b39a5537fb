/** Feed home links point at arXiv's real listing of what the digest covers, never at the subscription's name. */
import { describe, expect, it } from 'vitest';
import type { Digest } from '../core/digest.js';
import { digestEntry } from '../../test/helpers/digest-entries.js';
import { createAtomRenderer } from './atom/index.js';
import { createHtmlRenderer } from './html/index.js';
import { buildJsonFeed } from './json-feed/index.js';
import { createRssRenderer, renderLegacyRss } from './rss/index.js';

function digest(extra: Partial<Digest>): Digest {
  return {
    name: 'nlp/2026-11-24',
    style: 'native',
    lang: 'zh',
    createdAt: '2026-11-24T07:00:00Z',
    entries: [digestEntry({ paperId: '2611.00001' })],
    ...extra,
  };
}

/** The home link of every native format: RSS channel link, Atom alternate, JSON Feed home_page_url, HTML header link. */
function homeLinks(value: Digest): Record<string, string | undefined> {
  const rss = createRssRenderer().render(value);
  const atom = createAtomRenderer().render(value);
  const html = createHtmlRenderer({ katexFonts: 'none' }).render(value);
  return {
    rss: /<channel>[\s\S]*?<link>([^<]*)<\/link>/.exec(rss)?.[1],
    atom: /<feed[\s\S]*?<link rel="alternate" type="text\/html" href="([^"]*)"/.exec(atom)?.[1],
    json: buildJsonFeed(value).home_page_url,
    html: /<p class="meta">[^<·]*(?:· <a href="([^"]*)")?/.exec(html)?.[1],
  };
}

const all = (link: string | undefined) => ({
  rss: link ?? 'https://arxiv.org/',
  atom: link ?? 'https://arxiv.org/',
  json: link ?? 'https://arxiv.org/',
  html: link,
});

describe('feed home links', () => {
  it('link a subscription named "nlp" over cs.CL+cs.AI to the cs.CL listing, not to /list/nlp/new', () => {
    const links = homeLinks(digest({ subscription: 'nlp', categories: ['cs.CL', 'cs.AI'] }));
    expect(links).toEqual(all('https://arxiv.org/list/cs.CL/new'));
    expect(JSON.stringify(links)).not.toContain('/list/nlp');
  });

  it('link a category digest to its own listing, and an archive to the archive listing', () => {
    expect(homeLinks(digest({ name: 'cs.CL/2026-11-24', subscription: 'cs.CL' }))).toEqual(all('https://arxiv.org/list/cs.CL/new'));
    expect(homeLinks(digest({ name: 'hep-th' }))).toEqual(all('https://arxiv.org/list/hep-th/new'));
    expect(homeLinks(digest({ subscription: 'physics', categories: ['physics'] }))).toEqual(all('https://arxiv.org/list/physics/new'));
  });

  it('fall back to arXiv itself for a name that is no arXiv category, and to the homepage when one is set', () => {
    expect(homeLinks(digest({ subscription: 'nlp' }))).toEqual(all(undefined));
    expect(homeLinks(digest({ subscription: 'cs.cl' }))).toEqual(all(undefined));
    const withHome = homeLinks(digest({ subscription: 'nlp', categories: ['cs.CL'], homepage: 'https://digests.example.org/' }));
    expect(withHome).toMatchObject({ rss: 'https://digests.example.org/', atom: 'https://digests.example.org/', json: 'https://digests.example.org/' });
  });

  it("keep the original's channel link in legacy feeds", () => {
    expect(renderLegacyRss({ ...digest({ subscription: 'cs.CL', categories: ['cs.CL'] }), entries: [] })).toBe(
      '<rss version="2.0"><channel><title>Chat Arxiv cs.CL</title><link>https://github.com/qhduan/cn-chat-arxiv</link><description>This is arxiv RSS feed for cs.CL</description></channel></rss>',
    );
  });
});
