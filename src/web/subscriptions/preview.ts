/**
 * The live preview of a subscription (docs/decisions/0039): what it would have delivered on the latest announcement
 * day the store holds for its categories, each paper selected with its score and reason and each skipped with why.
 * The same planning code as `xivdigest select` (planSelection, the subscription's filter and ranker); nothing is
 * fetched from arXiv, no LLM is called, nothing is recorded.
 */
import type { Subscription } from '../../core/config/schema.js';
import { dayOf, latestDayPapers } from '../../jobs/latest-day.js';
import { loadRankingInputs, thresholdApplies } from '../../jobs/ranking-inputs.js';
import { planSelection, type SelectionPlan } from '../../jobs/select-papers.js';
import type { StoredPaper } from '../../core/paper.js';
import { XivdigestError } from '../../core/errors.js';
import { rankers } from '../../registry/rankers.js';
import { feedCategories, parseCategoryExpression } from '../../select/categories.js';
import { createPaperFilter } from '../../select/filter.js';
import type { Store } from '../../store/store.js';

export interface Preview {
  /** The announcement day previewed (YYYY-MM-DD), or undefined when the store holds no paper of these categories. */
  day: string | undefined;
  plan: SelectionPlan;
  warnings: string[];
}

export async function previewSubscription(
  store: Store,
  subscription: Subscription,
  env: Readonly<Record<string, string | undefined>>,
  now = new Date(),
): Promise<Preview> {
  const expression = parseCategoryExpression(subscription.categories, { path: 'categories' });
  const categories = feedCategories(expression).split('+').filter(Boolean);
  const days = await Promise.all(categories.map((category) => latestDayPapers(store, category)));
  const day = days.map((found) => found.day).reduce<string | undefined>((latest, found) => (found && (!latest || found > latest) ? found : latest), undefined);
  const byId = new Map<string, StoredPaper>();
  for (const found of days) for (const paper of found.papers) if (dayOf(paper) === day) byId.set(paper.id, paper);
  const filter = createPaperFilter(
    {
      categories: subscription.categories,
      crossLists: subscription.crossLists,
      replacements: subscription.replacements,
      ...(subscription.filters.query ? { query: subscription.filters.query } : {}),
      authors: subscription.filters.authors,
      include: subscription.filters.include,
      exclude: subscription.filters.exclude,
    },
    { path: 'filters' },
  );
  const warnings: string[] = [];
  const method = subscription.ranking.method;
  let ranker;
  let threshold = subscription.ranking.threshold;
  if (method !== 'none' && Object.hasOwn(rankers, method) && byId.size > 0) {
    const inputs = await loadRankingInputs({ store, subscription, env, onWarning: (message) => warnings.push(message) });
    if (inputs) {
      if (!thresholdApplies(inputs)) threshold = undefined;
      const create = await rankers[method as keyof typeof rankers].load();
      ranker = create({
        ...inputs,
        now,
        ranking: subscription.ranking,
        path: subscription.name,
        env,
        provider: () => {
          throw new XivdigestError({ code: 'USAGE', message: 'The preview calls no LLM', hint: 'Preview with the lexical ranking, or run `xivdigest select`' });
        },
      });
    }
  }
  const plan = await planSelection({
    candidates: [...byId.values()],
    // What the day holds for this subscription as if it had decided nothing yet.
    prior: [],
    filter,
    ...(ranker ? { ranker } : {}),
    updates: subscription.updates,
    replacements: subscription.replacements,
    ...(subscription.ranking.topK !== undefined ? { topK: subscription.ranking.topK } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
  });
  return { day, plan, warnings };
}
