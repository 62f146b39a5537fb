/** The arXiv listing page a digest is about, for feed home links and the HTML page's header. */
import type { Digest } from '../core/digest.js';
import { ARXIV_CATEGORY_NAMES } from '../core/taxonomy.js';
import { cleanLine } from './html/escape.js';

/**
 * `https://arxiv.org/list/<category>/new` for the digest's categories (a subscription named `nlp` over cs.CL links to
 * cs.CL's page), else for its subscription or name when that is an arXiv category or archive (a category digest
 * `cs.CL`, `cs.CL/2026-11-24`); undefined when neither is. arXiv's list pages take one category or archive each
 * (`/list/cs.CL+cs.AI/new` is not a listing, unlike the RSS feed's `+` form), so several categories link to the first.
 */
export function arxivListing(digest: Pick<Digest, 'subscription' | 'name' | 'categories'>): string | undefined {
  const candidates = [...(digest.categories ?? []), digest.subscription ?? '', digest.name.split('/')[0] ?? ''];
  const listed = candidates.map((name) => cleanLine(String(name))).find((name) => ARXIV_CATEGORY_NAMES.has(name));
  return listed === undefined ? undefined : `https://arxiv.org/list/${listed}/new`;
}
