/**
 * The selection step of a daily run: which candidate papers a subscription receives, and why each other one is
 * skipped. Pure apart from the ranker; the decisions ledger (store.recordDecisions) makes it "exactly once".
 */
import { abstractHash } from '../core/hash.js';
import type { Paper, StoredPaper } from '../core/paper.js';
import { isReplacement } from '../core/replacement.js';
import type { RankedPaper, Ranker } from '../core/rank.js';
import type { FilterDecision } from '../select/filter.js';
import type { PaperDecision } from '../store/store.js';
import type { SelectionWhy } from '../core/reader-words.js';

/** A subscription's compiled filters (src/select's `createPaperFilter` fits): only the verdict is used here. */

/**
 * How similar to a hidden paper a selected one must be before the reader's line says "ranked lower: like a paper you
 * hid" (decision 0051). Papers share boilerplate words ("we propose", "benchmarks"), so nearly every paper is a little
 * like any hidden one; the run report's reason always gives the exact similarity.
 */
const HIDDEN_NOTICE = 0.2;

export type PaperFilter = (paper: Paper) => FilterDecision;

export interface SelectionOptions {
  candidates: readonly StoredPaper[];
  /** The subscription's earlier decisions on these papers (any abstract). */
  prior: readonly PaperDecision[];
  filter: PaperFilter;
  ranker?: Ranker;
  /** Deliver a paper again when a new version changes its abstract (default true). */
  updates?: boolean;
  /** Whether replaced papers never delivered before count (default false). */
  replacements?: boolean;
  topK?: number;
  threshold?: number;
}

export interface SelectedCandidate {
  paper: StoredPaper;
  hash: string;
  score?: number;
  reason: string;
  /** The same reason as facts a reader understands (see core/reader-words). */
  why?: SelectionWhy;
  /** The version delivered before, when this is an update. */
  updatedFrom?: number;
}

export interface SkippedCandidate {
  paper: StoredPaper;
  hash: string;
  score?: number;
  reason: string;
}

export interface SelectionPlan {
  selected: SelectedCandidate[];
  skipped: SkippedCandidate[];
  /** Papers whose current abstract this subscription decided on in an earlier run. */
  alreadyDecided: Array<{ paper: StoredPaper; decision: PaperDecision }>;
  /** The ranking method used, or undefined when nothing was ranked. */
  rankedBy?: string;
}

function formatScore(score: number): string {
  return score >= 100 ? score.toFixed(0) : score >= 1 ? score.toFixed(2) : score.toFixed(3);
}

/**
 * Decides every candidate once: already decided (same abstract as an earlier decision), skipped with a reason, or
 * selected with its score and reason. Followed authors pass regardless of threshold and top-K; exclusions still win
 * (the filter says so). Selected papers come out best first (updates and followed authors keep their score order).
 */
export async function planSelection(options: SelectionOptions): Promise<SelectionPlan> {
  const updates = options.updates ?? true;
  const replacements = options.replacements ?? false;
  const byPaper = new Map<string, PaperDecision[]>();
  for (const decision of options.prior) {
    const list = byPaper.get(decision.paperId);
    if (list) list.push(decision);
    else byPaper.set(decision.paperId, [decision]);
  }

  const plan: SelectionPlan = { selected: [], skipped: [], alreadyDecided: [] };
  const passing: Array<{ paper: StoredPaper; hash: string; verdict: FilterDecision; updatedFrom?: number }> = [];
  const seen = new Set<string>();
  for (const paper of options.candidates) {
    if (seen.has(paper.id)) continue;
    seen.add(paper.id);
    const hash = abstractHash(paper.abstract);
    const earlier = byPaper.get(paper.id) ?? [];
    const same = earlier.find((decision) => decision.abstractHash === hash);
    if (same) {
      plan.alreadyDecided.push({ paper, decision: same });
      continue;
    }
    const delivered = earlier.filter((decision) => decision.decision === 'selected').at(-1);
    if (delivered) {
      const from = delivered.version ?? undefined;
      if (!updates) {
        plan.skipped.push({ paper, hash, reason: `v${paper.version ?? '?'} changes the abstract of a paper already delivered; updates are turned off` });
        continue;
      }
      const verdict = options.filter(paper);
      // An update of a delivered paper skips the replacement rule, but not the filters (the abstract changed).
      if (!verdict.pass) {
        plan.skipped.push({ paper, hash, reason: `updated (v${paper.version ?? '?'}) but ${verdict.skipReason ?? 'the filters no longer match'}` });
        continue;
      }
      passing.push({ paper, hash, verdict, ...(from !== undefined ? { updatedFrom: from } : {}) });
      continue;
    }
    if (!replacements && isReplacement(paper)) {
      plan.skipped.push({ paper, hash, reason: `replacement (v${paper.version ?? '?'}) of a paper this subscription never delivered; replacements are off` });
      continue;
    }
    const verdict = options.filter(paper);
    if (!verdict.pass) {
      plan.skipped.push({ paper, hash, reason: verdict.skipReason ?? 'the filters did not match' });
      continue;
    }
    passing.push({ paper, hash, verdict });
  }

  const scores = new Map<string, RankedPaper>();
  if (options.ranker && passing.length > 0) {
    plan.rankedBy = options.ranker.method;
    for (const ranked of await options.ranker.rank(passing.map((item) => item.paper))) scores.set(ranked.paperId, ranked);
  }
  const ordered = passing
    .map((item, index) => ({ ...item, index, ranked: scores.get(item.paper.id) }))
    .sort((a, b) => (b.ranked?.score ?? 0) - (a.ranked?.score ?? 0) || a.index - b.index);

  let kept = 0;
  for (const item of ordered) {
    const followed = item.verdict.matchedAuthors.length > 0;
    const score = item.ranked?.score;
    const parts: string[] = [];
    if (item.updatedFrom !== undefined) parts.push(`updated (v${item.paper.version ?? '?'}): the abstract changed since v${item.updatedFrom}`);
    if (followed) parts.push(`by ${item.verdict.matchedAuthors.join(', ')} (followed)`);
    if (item.verdict.matchedTerms.length > 0) parts.push(`matched ${item.verdict.matchedTerms.map((term) => `"${term}"`).join(', ')}`);
    if (item.ranked) parts.push(item.ranked.reason.text);
    const reason = parts.length > 0 ? parts.join('; ') : 'in the subscribed categories';
    const why: SelectionWhy = {
      ...(item.updatedFrom !== undefined ? { updated: true } : {}),
      ...(followed ? { authors: item.verdict.matchedAuthors } : {}),
      ...(item.verdict.matchedTerms.length > 0 ? { keywords: item.verdict.matchedTerms } : {}),
      ...(item.ranked?.reason.nearest ? { [item.ranked.reason.nearest.starred ? 'starred' : 'nearest']: item.ranked.reason.nearest.title } : {}),
      ...(item.ranked?.reason.hidden && item.ranked.reason.hidden.similarity >= HIDDEN_NOTICE ? { hidden: item.ranked.reason.hidden.title } : {}),
    };
    const scored = score !== undefined ? { score } : {};
    if (!followed && options.threshold !== undefined && score !== undefined && score < options.threshold) {
      plan.skipped.push({ paper: item.paper, hash: item.hash, ...scored, reason: `score ${formatScore(score)} is below the threshold ${options.threshold}` });
      continue;
    }
    if (!followed && options.topK !== undefined && kept >= options.topK) {
      plan.skipped.push({
        paper: item.paper,
        hash: item.hash,
        ...scored,
        reason: `ranked below the top ${options.topK}${score !== undefined ? ` (score ${formatScore(score)})` : ''}`,
      });
      continue;
    }
    if (!followed) kept += 1;
    plan.selected.push({
      paper: item.paper,
      hash: item.hash,
      ...scored,
      reason,
      why,
      ...(item.updatedFrom !== undefined ? { updatedFrom: item.updatedFrom } : {}),
    });
  }
  return plan;
}
