/** `xivdigest reindex`: rebuilds the full-text search index from the stored papers and texts. */
import type { Command } from 'commander';
import type { RunCommand } from '../context.js';

export function registerReindex(program: Command, run: RunCommand): void {
  program
    .command('reindex')
    .description('rebuild the search index from the stored papers and their translations')
    .option('--json', 'print JSON: { papers, seconds, index }')
    .addHelpText(
      'after',
      `
The index is kept up to date as papers and translations are stored (a Kaggle backfill writes its papers' documents
after its load, and a rerun of it finishes that pass); rebuild it after restoring a database from a copy without it,
to compact it, or to finish an interrupted backfill's pass at once. It is rebuilt in one transaction: searches see
the old index until it is done.
Progress and an ETA go to stderr. On PostgreSQL it also builds the GIN index over (day, document) when the btree_gin
extension has been installed since the database was migrated; without it, it says so on stderr and what to do.
The JSON's index: fts5 (SQLite), day-document, or document (PostgreSQL without btree_gin).

Examples:
  xivdigest reindex
  xivdigest --db postgres://user@host/xivdigest reindex --json`,
    )
    .action((options: { json?: boolean }) =>
      run(async (context) => {
        const [{ rebuildSearchIndex }, { readSearchStatus, searchWarning }] = await Promise.all([
          import('../../store/index.js'),
          import('../search-status.js'),
        ]);
        const store = await context.app().store();
        const started = Date.now();
        const progress = context.reporter.progress('reindex');
        const { papers } = await rebuildSearchIndex(store, (done, total) => progress.update(done, total));
        const seconds = (Date.now() - started) / 1000;
        progress.finish(`${papers} papers indexed`);
        const search = await readSearchStatus(store);
        const slow = searchWarning(search);
        if (slow) context.reporter.warn(slow);
        const index = search.ranking === 'ts_rank' ? search.index : 'fts5';
        if (options.json) context.print(JSON.stringify({ papers, seconds, index }));
        else context.print(`Indexed ${papers} papers in ${seconds.toFixed(1)} s.`);
      }),
    );
}
