/** `xivdigest runs` and `xivdigest runs show ID`: the stored run reports. */
import type { Command } from 'commander';
import { XivdigestError } from '../../core/errors.js';
import type { RunReport } from '../../core/run-report.js';
import type { RunRecord } from '../../store/store.js';
import type { RunCommand } from '../context.js';
import { formatReport } from '../report.js';

export function registerRuns(program: Command, run: RunCommand): void {
  const runs = program
    .command('runs')
    .description('list the stored run reports, newest first')
    .option('-s, --subscription <name>', 'only this subscription')
    .option('-n, --limit <n>', 'at most this many', '20')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  xivdigest runs
  xivdigest runs show 20261124T053000-k3f9`,
    )
    .action((options: { subscription?: string; limit: string; json?: boolean }) =>
      run(async (context) => {
        const limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit <= 0)
          throw new XivdigestError({ code: 'USAGE', message: `--limit ${options.limit} is not a positive whole number`, hint: 'For example --limit 10' });
        const store = await context.app().store();
        const stored = await store.listRuns({ ...(options.subscription ? { subscription: options.subscription } : {}), limit });
        const list: RunRecord[] = [];
        const { shown } = await import('../run-view.js');
        for (const item of stored) list.push(await shown(store, item));
        if (options.json) {
          context.print(JSON.stringify(list, null, 2));
          return;
        }
        if (list.length === 0) context.reporter.info('No runs yet: `xivdigest run` makes one.');
        for (const item of list) {
          const report = item.report as RunReport;
          const summary = report.nothing ? report.nothing.message : `${report.selected?.length ?? 0} selected, ${report.skipped?.length ?? 0} skipped`;
          context.print(`${item.id}\t${item.subscription ?? '-'}\t${item.status}\t${item.startedAt}\t${summary}`);
        }
      }),
    );

  runs
    .command('show')
    .description('print one run report')
    .argument('<id>', 'the run id (from `xivdigest runs`)')
    .option('--all', 'list every skipped paper')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
A run stored as running whose process was killed (its claim expired, or its process on this host is gone) is shown
as interrupted, with what it had stored; the next run of the subscription does the rest.`,
    )
    .action((id: string, ownOptions: { all?: boolean; json?: boolean }, command: Command) =>
      run(async (context) => {
        // `runs` has --json too: Commander hands `runs show ID --json` to the parent, so read the options of both.
        const options = command.optsWithGlobals<{ all?: boolean; json?: boolean }>();
        void ownOptions;
        const store = await context.app().store();
        const stored = await store.getRun(id);
        if (!stored) throw new XivdigestError({ code: 'NOT_FOUND', message: `No run with id ${id}`, hint: '`xivdigest runs` lists them' });
        const { shown } = await import('../run-view.js');
        const found = await shown(store, stored);
        if (options.json) context.print(JSON.stringify(found, null, 2));
        else context.print(formatReport(found.report as RunReport, options.all ? { all: true } : {}).join('\n'));
      }),
    );
}
