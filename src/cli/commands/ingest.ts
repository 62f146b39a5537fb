/** `xivdigest ingest FILE...`: detects each local file's format and stores its papers. */
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import type { RunCommand } from '../context.js';
import { runPerFile } from '../per-file.js';
import { describeStored, storedJson } from '../summary.js';

export function registerIngest(program: Command, run: RunCommand): void {
  program
    .command('ingest')
    .description('store the papers of local arXiv files (RSS/Atom/RDF feeds, API and OAI-PMH responses, the Kaggle dump, .gz too)')
    .argument('<file...>', 'files to ingest; the format of each is detected')
    .option('--json', 'print a JSON summary per file on stdout')
    .addHelpText(
      'after',
      `
Each file is stored in one transaction: a file that turns out malformed stores nothing, and the error names the
file and position. Ingesting the same file twice changes nothing; a newer version of a paper updates it and keeps
the older version's record. An empty feed (weekend, holiday) is "no announcement", not an error.

Examples:
  xivdigest ingest quant-ph.xml
  xivdigest ingest arxiv-metadata-oai-snapshot.json.gz`,
    )
    .action((files: string[], options: { json?: boolean }) =>
      run(async (context) => {
        const [{ openLocalFile }, { storeEvents }] = await Promise.all([import('../../app.js'), import('../../jobs/store-events.js')]);
        const store = await context.app().store();
        await runPerFile(context, files, options, async (file) => {
          const size = await stat(file).then(
            (s) => s.size,
            () => undefined,
          );
          const progress = context.reporter.progress(`ingest ${file}`, size);
          try {
            const { format, events } = await openLocalFile(file, (bytes) => progress.update(bytes));
            const result = await store.transaction((tx) => storeEvents(events, tx));
            progress.finish(`${format}: ${describeStored(result)}${result.noAnnouncement ? '; the feed announced nothing (weekend or holiday)' : ''}`);
            return { format, ...storedJson(result) };
          } catch (error) {
            progress.finish('failed; nothing from this file was stored');
            throw error;
          }
        });
      }),
    );
}
