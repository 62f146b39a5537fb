/** Planning: which unique papers need a call, and which are cached, reusable or stored as failed. */
import { abstractHash } from '../../core/hash.js';
import type { Paper } from '../../core/paper.js';
import type { StoredTexts } from '../../core/texts.js';
import type { Store } from '../../store/store.js';
import type { Plan } from './types.js';

/** The stored texts of a list, grouped by paper id (in the store's order). */
export function textsByPaper(list: readonly StoredTexts[]): Map<string, StoredTexts[]> {
  const grouped = new Map<string, StoredTexts[]>();
  for (const texts of list) {
    const entries = grouped.get(texts.paperId);
    if (entries) entries.push(texts);
    else grouped.set(texts.paperId, [texts]);
  }
  return grouped;
}

/** Papers once each, by id and version, in the order given. */
export function uniquePapers(papers: readonly Paper[]): Paper[] {
  const seen = new Set<string>();
  const unique: Paper[] = [];
  for (const paper of papers) {
    const key = `${paper.id}@${paper.version ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(paper);
  }
  return unique;
}

export interface PlanContext {
  lang: string;
  provider: string;
  model: string;
  promptVersion: string;
  retryFailed: boolean;
  reuseOtherModels: boolean;
  /** The structured summary is asked for: texts without one are not reused. */
  needsSummary: boolean;
}

/**
 * Whether stored texts were made from this paper's current text: the same abstract, or the same known version (an
 * abstract the original system cut at 1,000 characters hashes differently but is the same version). Texts of an
 * unknown version fit version 1, since no earlier version exists.
 */
function fitsPaper(texts: StoredTexts, paper: Paper, hash: string): boolean {
  if (texts.abstractHash === hash) return true;
  if (texts.version !== null && texts.version === paper.version) return true;
  return texts.version === null && paper.version === 1;
}

/** What to do for one paper, from the texts the store holds for it (newest first). */
export function planFor(paper: Paper, existing: readonly StoredTexts[], context: PlanContext): Plan {
  const hash = abstractHash(paper.abstract);
  const candidates = existing.filter((texts) => texts.lang === context.lang);
  const ours = (texts: StoredTexts): boolean =>
    texts.provider === context.provider && texts.model === context.model && texts.promptVersion === context.promptVersion;
  const exact = candidates.find((texts) => ours(texts) && texts.version === paper.version && texts.abstractHash === hash);
  if (exact?.status === 'ok') return { kind: 'cached', paper, texts: exact, reused: false };
  const usable = candidates
    // With the structured summary asked for, only texts that have one can stand in.
    .filter((texts) => texts.status === 'ok' && fitsPaper(texts, paper, hash) && (!context.needsSummary || texts.summary !== undefined))
    // Texts of the very same abstract first; otherwise the newest.
    .sort((a, b) => Number(b.abstractHash === hash) - Number(a.abstractHash === hash));
  const own = usable.find(ours);
  if (own) return { kind: 'cached', paper, texts: own, reused: false };
  if (context.reuseOtherModels && usable[0]) return { kind: 'cached', paper, texts: usable[0], reused: true };
  if (exact?.status === 'failed' && !context.retryFailed) return { kind: 'failed', paper, texts: exact };
  return { kind: 'enrich', paper, hash };
}

/** The plan of each paper, from the texts the store holds for them all. */
export async function planPapers(store: Pick<Store, 'getTexts'>, papers: readonly Paper[], context: PlanContext): Promise<Plan[]> {
  const existing = textsByPaper(await store.getTexts([...new Set(papers.map((paper) => paper.id))]));
  return papers.map((paper) => planFor(paper, existing.get(paper.id) ?? [], context));
}
