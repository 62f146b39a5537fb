/**
 * A pipeline step before ranking: what a subscription's ranker learns from, namely its library (files and Zotero, with
 * id-only items filled from stored papers) and the reader's feedback (starred and hidden papers).
 */
import type { Subscription } from '../core/config/schema.js';
import type { LibraryItem, RankFeedback } from '../core/library.js';
import type { Paper } from '../core/paper.js';
import { fetchZoteroLibrary, readLibraryFile, withPaperMetadata } from '../library/index.js';
import type { Store } from '../store/store.js';

export interface RankingInputs {
  library: LibraryItem[];
  feedback: RankFeedback;
}

export interface LoadRankingInputsOptions {
  store: Store;
  subscription: Subscription;
  /** The environment, for ZOTERO_API_KEY (only the config loader reads `process.env`). */
  env: Readonly<Record<string, string | undefined>>;
  onWarning?(message: string): void;
}

/** Library items from the subscription's files and Zotero, with id-only items filled from stored papers. */
export async function loadLibrary(options: LoadRankingInputsOptions): Promise<LibraryItem[]> {
  const { subscription } = options;
  const items: LibraryItem[] = [];
  // The config loader resolved the paths against the config file's folder and checked that the files exist.
  for (const path of subscription.library.files) {
    const result = await readLibraryFile(path);
    for (const problem of result.problems) options.onWarning?.(`${path}:${problem.line}: ${problem.message} (entry skipped)`);
    items.push(...result.items);
  }
  const zotero = subscription.library.zotero;
  if (zotero) {
    const apiKey = zotero.apiKey ?? options.env.ZOTERO_API_KEY;
    const result = await fetchZoteroLibrary({
      userId: zotero.userId,
      ...(apiKey ? { apiKey } : {}),
      baseUrl: zotero.baseUrl,
      ...(zotero.collection ? { collection: zotero.collection } : {}),
    });
    for (const problem of result.problems) options.onWarning?.(`Zotero item ${problem.line}: ${problem.message} (skipped)`);
    items.push(...result.items);
  }
  const ids = items.filter((item) => item.arxivId && !item.abstract).map((item) => item.arxivId!);
  return ids.length > 0 ? withPaperMetadata(items, await options.store.getPapers({ ids })) : items;
}

function paperItem(paper: Paper, at: string): LibraryItem {
  return {
    title: paper.title,
    abstract: paper.abstract,
    authors: paper.authors.map((author) => author.name),
    arxivId: paper.id,
    added: at,
    source: 'feedback',
  };
}

/** The reader's starred and hidden papers of this subscription, as library items. */
export async function loadFeedback(store: Store, subscription: string): Promise<RankFeedback> {
  const feedback = await store.getFeedback(subscription);
  const papers = new Map((await store.getPapers({ ids: feedback.map((item) => item.paperId) })).map((paper) => [paper.id, paper]));
  const of = (kind: string) =>
    feedback.filter((item) => item.kind === kind && papers.has(item.paperId)).map((item) => paperItem(papers.get(item.paperId)!, item.at));
  return { starred: of('star'), hidden: of('hide') };
}

/**
 * The library and feedback, or undefined (with a warning) when there is nothing to rank by: no library and no marks
 * (starred or hidden paper). Marks alone are enough (decision 0051): a reader who only clicked "hide" sees papers like
 * it sink.
 */
export async function loadRankingInputs(options: LoadRankingInputsOptions): Promise<RankingInputs | undefined> {
  const library = await loadLibrary(options);
  const feedback = await loadFeedback(options.store, options.subscription.name);
  if (library.length === 0 && feedback.starred.length === 0 && feedback.hidden.length === 0) {
    options.onWarning?.(
      `${options.subscription.name}: no library and no starred or hidden papers, so papers are not ranked (add library.files, or star or hide papers with \`xivdigest feedback\` or the digest's links)`,
    );
    return undefined;
  }
  return { library, feedback };
}

/**
 * Whether the scores sit on a scale that `ranking.threshold` means something on: a library or starred papers. Ranked by
 * hidden papers alone (decision 0051) the order changes but no paper is dropped for its score, so the threshold is left
 * out (topK still cuts).
 */
export function thresholdApplies(inputs: RankingInputs): boolean {
  return inputs.library.length > 0 || inputs.feedback.starred.length > 0;
}
