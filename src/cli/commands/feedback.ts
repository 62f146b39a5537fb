/** `xivdigest feedback ID --star|--hide|--clear`: a reader's verdict, which the subscription's ranking learns from. */
import type { Command } from 'commander';
import { parseArxivId } from '../../core/arxiv-id.js';
import { XivdigestError } from '../../core/errors.js';
import type { RunCommand } from '../context.js';

interface FeedbackOptions {
  subscription?: string;
  star?: boolean;
  hide?: boolean;
  clear?: boolean;
  list?: boolean;
  json?: boolean;
}

export function registerFeedback(program: Command, run: RunCommand): void {
  program
    .command('feedback')
    .description('star or hide papers for a subscription; starred papers pull similar ones up, hidden ones push them down')
    .argument('[id...]', 'arXiv ids')
    .option('-s, --subscription <name>', 'the subscription (default: the only one configured)')
    .option('--star', 'more like this')
    .option('--hide', 'less like this')
    .option('--clear', 'forget earlier feedback on these papers')
    .option('--list', "list the subscription's feedback (id, star or hide, when)")
    .option('--json', 'with --list: print JSON (subscription, paperId, kind, at, and the title when the paper is stored)')
    .addHelpText(
      'after',
      `
Starred papers join the subscription's library as its newest items; hidden ones lower the score of papers like them.
The papers must be stored (they are, once a run has fetched them).

A subscription without a library is ranked by its feedback alone: papers like a hidden one sink below the rest,
papers like a starred one rise; the digest's reasons say so ("lowered: like hidden …").

Examples:
  xivdigest feedback 2411.01234 --star --subscription nlp
  xivdigest feedback 2411.01234 --hide
  xivdigest feedback --list --subscription nlp
  xivdigest feedback --list --json`,
    )
    .action((ids: string[], options: FeedbackOptions) =>
      run(async (context) => {
        const { findSubscription } = await import('../../app-daily.js');
        const subscriptions = context.config().config.subscriptions;
        const name = options.subscription ?? (subscriptions.length === 1 ? subscriptions[0]!.name : undefined);
        if (!name) {
          throw new XivdigestError({
            code: 'USAGE',
            message: subscriptions.length === 0 ? 'No subscriptions configured' : 'Which subscription? Several are configured',
            hint:
              subscriptions.length === 0
                ? 'Add one under "subscriptions" in the config file'
                : `Pass --subscription, one of ${subscriptions.map((s) => s.name).join(', ')}`,
          });
        }
        const store = await context.app().store();
        // A reader's own subscription (docs/decisions/0039) takes feedback under its name, as a config one does.
        const { subscriptionStoreOf } = await import('../../store/index.js');
        if (!subscriptions.some((subscription) => subscription.name === name) && !(await subscriptionStoreOf(store).get({ name })))
          findSubscription(subscriptions, name);
        if (options.json && !options.list)
          throw new XivdigestError({ code: 'USAGE', message: '--json goes with --list', hint: 'For example: xivdigest feedback --list --json' });
        if (options.list) {
          const feedback = await store.getFeedback(name);
          if (options.json) {
            const titles = new Map((await store.getPapers({ ids: feedback.map((item) => item.paperId) })).map((paper) => [paper.id, paper.title]));
            const list = feedback.map((item) => ({ ...item, ...(titles.has(item.paperId) ? { title: titles.get(item.paperId)! } : {}) }));
            context.print(JSON.stringify(list, null, 2));
            return;
          }
          for (const item of feedback) context.print(`${item.paperId}\t${item.kind}\t${item.at}`);
          return;
        }
        const kinds = (['star', 'hide', 'clear'] as const).filter((kind) => options[kind]);
        if (kinds.length !== 1)
          throw new XivdigestError({
            code: 'USAGE',
            message: 'Give exactly one of --star, --hide and --clear',
            hint: 'For example: xivdigest feedback 2411.01234 --star',
          });
        if (ids.length === 0)
          throw new XivdigestError({ code: 'USAGE', message: 'No paper ids given', hint: 'For example: xivdigest feedback 2411.01234 --star' });
        const wanted = ids.map((text) => {
          const parsed = parseArxivId(text);
          if (!parsed) throw new XivdigestError({ code: 'USAGE', message: `${text} is not an arXiv id`, hint: 'Ids look like 2403.10568 or cond-mat/0412498' });
          return parsed.id;
        });
        const known = new Set((await store.getPapers({ ids: wanted })).map((paper) => paper.id));
        const missing = wanted.filter((id) => !known.has(id));
        if (missing.length > 0 && kinds[0] !== 'clear') {
          throw new XivdigestError({
            code: 'NOT_FOUND',
            message: `Not stored: ${missing.join(', ')}`,
            hint: 'Fetch them first, e.g. `xivdigest fetch --source api --ids ' + missing.join(' ') + '`',
          });
        }
        const at = new Date().toISOString();
        for (const id of wanted) await store.setFeedback({ subscription: name, paperId: id, kind: kinds[0]!, at });
        context.reporter.info(
          `${kinds[0] === 'clear' ? 'cleared feedback on' : kinds[0] === 'star' ? 'starred' : 'hid'} ${wanted.length} paper(s) for ${name}`,
        );
      }),
    );
}
