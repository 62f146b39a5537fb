/** `xivdigest reindex`: rebuilds the full-text search index from the stored papers and texts. */
import type { Command } from 'commander';
import type { RunCommand } from '../context.js';

export function registerReindex(program: Command, run: RunCommand): void {
  program
    .command('reindex')
    .description('rebuild the search index from the stored papers and their translations')
    .option('--json', 'print JSON: { papers, seconds }')
    .addHelpText(
      'after',
      `
The index is kept up to date as papers and translations are stored; rebuild it after restoring a database from a copy
without it, or to compact it. It is rebuilt in one transaction: searches see the old index until it is done.
Progress and an ETA go to stderr.

Examples:
  xivdigest reindex
  xivdigest --db postgres://user@host/xivdigest reindex --json`,
    )
    .action((options: { json?: boolean }) =>
      run(async (context) => {
        const { rebuildSearchIndex } = await import('../../store/index.js');
        const store = await context.app().store();
        const started = Date.now();
        const progress = context.reporter.progress('reindex');
        const { papers } = await rebuildSearchIndex(store, (done, total) => progress.update(done, total));
        const seconds = (Date.now() - started) / 1000;
        progress.finish(`${papers} papers indexed`);
        if (options.json) context.print(JSON.stringify({ papers, seconds }));
        else context.print(`Indexed ${papers} papers in ${seconds.toFixed(1)} s.`);
      }),
    );
}
