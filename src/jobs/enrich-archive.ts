/** Enriches the stored archive (all of it, or by category and day range) page by page, within one budget for the whole run. */
import type { StoredPaper } from '../core/paper.js';
import type { Store } from '../store/store.js';
import { emptyEnrichResult, enrichPapers, type EnrichEvent, type EnrichOptions, type EnrichResult } from './enrich.js';
import { dayOf } from './latest-day.js';

/** Papers read and enriched per page: memory stays flat however large the archive. */
export const ARCHIVE_PAGE = 500;

/** Which stored papers: filters combine. */
export interface ArchiveSelection {
  /** Papers listed in any of these categories (primary or cross-listed); each paper is taken once. */
  categories?: string[];
  /** First day (YYYY-MM-DD) a paper sorts under: its announcement day, else its last update, else its submission. */
  from?: string;
  /** Last day, inclusive. */
  until?: string;
  /** At most this many papers, newest first. */
  limit?: number;
}

export interface EnrichArchiveOptions extends Omit<EnrichOptions, 'papers' | 'store'> {
  store: Pick<Store, 'getPapers' | 'getTexts' | 'saveTexts'>;
  selection: ArchiveSelection;
  /** Papers per page (default 500). */
  pageSize?: number;
  /** Asked between pages: true stops after the page under way (Ctrl-C). */
  shouldStop?: () => boolean;
  /** Runs one page: enrichPapers (default), or in queued mode its twin that enqueues jobs for the workers and waits. */
  enrich?: (options: EnrichOptions) => Promise<EnrichResult>;
  /** Before the first page: how many papers the selection holds (a counting pass; for the ETA). */
  onCounted?: (total: number) => void;
}

export interface EnrichArchiveResult extends EnrichResult {
  /** Pages enriched. */
  pages: number;
  /** Stopped on request before the end: a rerun skips what is done (cached) and goes on. */
  stopped: boolean;
}

/** Reads the selection newest first, one page at a time, calling `visit` with each page's matching papers. */
async function eachPage(
  store: Pick<Store, 'getPapers'>,
  selection: ArchiveSelection,
  pageSize: number,
  visit: (papers: StoredPaper[]) => Promise<boolean | void>,
): Promise<void> {
  const categories = selection.categories?.length ? selection.categories : [undefined];
  let taken = 0;
  for (const [index, category] of categories.entries()) {
    const earlier = categories.slice(0, index) as string[];
    for (let offset = 0; ; offset += pageSize) {
      const page = await store.getPapers({ ...(category !== undefined ? { category } : {}), limit: pageSize, offset });
      let past = false;
      const papers: StoredPaper[] = [];
      for (const paper of page) {
        // A paper of an earlier category was taken with it: each paper once, without remembering ids.
        if (earlier.some((other) => paper.categories.includes(other))) continue;
        const day = dayOf(paper);
        if (selection.until !== undefined && (day === undefined || day > selection.until)) continue;
        if (selection.from !== undefined && (day === undefined || day < selection.from)) {
          // Papers come newest first (by this same day): the rest of the list is older still.
          if (day !== undefined) past = true;
          continue;
        }
        if (selection.limit !== undefined && taken >= selection.limit) {
          past = true;
          break;
        }
        taken += 1;
        papers.push(paper);
      }
      if (papers.length > 0 && (await visit(papers)) === false) return;
      if (past && selection.limit !== undefined && taken >= selection.limit) return;
      if (past || page.length < pageSize) break;
    }
  }
}

/**
 * Enriches every paper of the selection, page by page (each page is one {@link enrichPapers} run over its papers, so
 * cached texts cost nothing and a rerun goes on where a stopped one ended). The budget is for the whole run: each
 * page gets what is left of it. A counting pass first gives the total for progress and the ETA.
 */
export async function enrichArchive(options: EnrichArchiveOptions): Promise<EnrichArchiveResult> {
  const { selection, shouldStop, onCounted, store, enrich = enrichPapers, ...enrichOptions } = options;
  const pageSize = options.pageSize ?? ARCHIVE_PAGE;
  let total = 0;
  await eachPage(store, selection, Math.max(pageSize, 5000), async (papers) => {
    total += papers.length;
  });
  onCounted?.(total);

  const result: EnrichArchiveResult = {
    ...emptyEnrichResult({
      total,
      provider: options.provider.id,
      model: options.provider.modelId,
      promptVersion: options.promptVersion ?? '',
      lang: options.lang ?? 'zh',
    }),
    pages: 0,
    stopped: false,
  };
  let seen = 0;
  await eachPage(store, selection, pageSize, async (papers) => {
    seen += papers.length;
    const budget = options.budget === undefined ? undefined : Math.max(0, options.budget - (result.cost ?? 0));
    const page = await enrich({
      ...enrichOptions,
      store,
      papers,
      ...(budget !== undefined ? { budget } : {}),
      onEvent: (event: EnrichEvent) => {
        // Each page's run-started and run-finished are the caller's business only once: the archive's.
        if (event.type !== 'run-started' && event.type !== 'run-finished') options.onEvent?.(event);
      },
    });
    add(result, page);
    result.pages += 1;
    if (page.stoppedForBudget) {
      result.stoppedForBudget = true;
      result.remaining += total - seen;
      return false;
    }
    if (shouldStop?.() && seen < total) {
      result.stopped = true;
      result.remaining += total - seen;
      return false;
    }
    return true;
  });
  return result;
}

function add(into: EnrichArchiveResult, page: EnrichResult): void {
  into.done += page.done;
  into.cached += page.cached;
  into.reused += page.reused;
  into.failed.push(...page.failed);
  into.remaining += page.remaining;
  into.calls += page.calls;
  into.repairs += page.repairs;
  into.retries += page.retries;
  into.tokens.input += page.tokens.input;
  into.tokens.output += page.tokens.output;
  into.tokens.total += page.tokens.total;
  into.tokens.cachedInput += page.tokens.cachedInput;
  into.tokens.cacheWrite += page.tokens.cacheWrite;
  into.cost = into.cost === null || page.cost === null ? null : into.cost + page.cost;
  into.saved = into.saved === null || page.saved === null ? null : into.saved + page.saved;
  into.promptVersion = page.promptVersion;
  into.model = page.model;
  into.provider = page.provider;
  into.lang = page.lang;
}
