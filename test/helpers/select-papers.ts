/** Small hand-made papers for the selection tests. */
import type { Paper } from '../../src/core/paper.js';

/** A paper with the given fields; the rest are plausible defaults. */
export function makePaper(fields: Partial<Omit<Paper, 'authors'>> & { authors?: (string | { name: string })[] } = {}): Paper {
  const { authors, ...rest } = fields;
  const id = fields.id ?? '2501.00001';
  return {
    id,
    version: 1,
    title: 'A Study of Things',
    abstract: 'We study things.',
    categories: ['cs.CL'],
    links: { abs: `https://arxiv.org/abs/${id}` },
    versions: [{ version: 1 }],
    source: 'arxiv-rss',
    announceType: 'new',
    ...rest,
    authors: (authors ?? ['Ada Lovelace']).map((author) => (typeof author === 'string' ? { name: author } : author)),
  };
}
