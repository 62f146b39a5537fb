/** `xivdigest runs` and `xivdigest runs show ID`: the stored run reports. */
import type { Command } from 'commander';
import { XivdigestError } from '../../core/errors.js';
import type { RunReport } from '../../core/run-report.js';
import type { RunCommand } from '../context.js';
import { formatReport } from '../report.js';

export function registerRuns(program: Command, run: RunCommand): void {
  const runs = program
    .command('runs')
    .description('list the stored run reports, newest first')
    .option('-s, --subscription <name>', 'only this subscription')
    .option('-n, --limit <n>', 'at most this many', '20')
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  xivdigest runs
  xivdigest runs show 20261124T053000-k3f9`)
    .action((options: { subscription?: string; limit: string; json?: boolean }) =>
      run(async (context) => {
        const limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit <= 0) throw new XivdigestError({ code: 'USAGE', message: `--limit ${options.limit} is not a positive whole number`, hint: 'For example --limit 10' });
        const store = await context.app().store();
        const list = await store.listRuns({ ...(options.subscription ? { subscription: options.subscription } : {}), limit });
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
    .action((id: string, options: { all?: boolean; json?: boolean }) =>
      run(async (context) => {
        const store = await context.app().store();
        const found = await store.getRun(id);
        if (!found) throw new XivdigestError({ code: 'NOT_FOUND', message: `No run with id ${id}`, hint: '`xivdigest runs` lists them' });
        if (options.json) context.print(JSON.stringify(found, null, 2));
        else context.print(formatReport(found.report as RunReport, options.all ? { all: true } : {}).join('\n'));
      }),
    );
}
