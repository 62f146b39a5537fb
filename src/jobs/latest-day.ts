/** Which stored papers `enrich` and `digest` take by default: the whole latest announcement day, never a silent cap. */
import type { StoredPaper } from '../core/paper.js';
import type { Store } from '../store/store.js';

/** Papers read per page while looking for the end of the latest day. */
const PAGE = 500;

/** The day a paper sorts under in the store: its announcement day, else its last update, else its submission. */
export function dayOf(paper: Pick<StoredPaper, 'announced' | 'updated' | 'submitted' | 'firstSeen'>): string | undefined {
  return (paper.announced ?? paper.updated ?? paper.submitted ?? paper.firstSeen)?.slice(0, 10);
}

export interface LatestDay {
  /** The day (YYYY-MM-DD), or undefined when no paper matches. */
  day: string | undefined;
  /** Every paper of that day (in the category, when given), newest id first. */
  papers: StoredPaper[];
}

/**
 * Every stored paper of the latest day (in `category`, primary or cross-listed, when given): the whole announcement
 * a feed delivered, however many papers it held. Reads newest first, page by page, until the day changes.
 */
export async function latestDayPapers(store: Pick<Store, 'getPapers'>, category?: string): Promise<LatestDay> {
  const papers: StoredPaper[] = [];
  let day: string | undefined;
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.getPapers({ ...(category !== undefined ? { category } : {}), limit: PAGE, offset });
    for (const paper of page) {
      const paperDay = dayOf(paper);
      day ??= paperDay;
      if (paperDay !== day) return { day, papers };
      papers.push(paper);
    }
    if (page.length < PAGE) return { day, papers };
  }
}

export interface LimitCut<T> {
  kept: T[];
  /** What the limit left out, in the order given (the oldest last). */
  leftOut: T[];
}

/** Applies a user's `--limit` to papers in newest-first order: keeps the first `limit`, and says what it left out. */
export function applyLimit<T>(papers: readonly T[], limit: number | undefined): LimitCut<T> {
  if (limit === undefined || papers.length <= limit) return { kept: [...papers], leftOut: [] };
  return { kept: papers.slice(0, limit), leftOut: papers.slice(limit) };
}

/** "--limit 50 left out 100 of 150 papers (oldest first: 2501.10000, 2501.10001, … 97 more)"; undefined when nothing was. */
export function describeLeftOut(limit: number | undefined, cut: LimitCut<{ id: string }>, shown = 5): string | undefined {
  if (limit === undefined || cut.leftOut.length === 0) return undefined;
  const total = cut.kept.length + cut.leftOut.length;
  const oldestFirst = [...cut.leftOut].reverse().map((paper) => paper.id);
  const list = oldestFirst.slice(0, shown).join(', ') + (oldestFirst.length > shown ? `, … ${oldestFirst.length - shown} more` : '');
  return `--limit ${limit} left out ${cut.leftOut.length} of ${total} papers (oldest first: ${list}); drop --limit to include them`;
}
