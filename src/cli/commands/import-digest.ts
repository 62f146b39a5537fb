/** `xivdigest import-digest FILE...`: stores cn-chat-arxiv Markdown digests (papers, texts, the digest itself). */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Command } from 'commander';
import { XivdigestError } from '../../core/errors.js';
import type { RunCommand } from '../context.js';
import { runPerFile } from '../per-file.js';
import { describeUpsert } from '../summary.js';

export function registerImportDigest(program: Command, run: RunCommand): void {
  program
    .command('import-digest')
    .description('import cn-chat-arxiv Markdown digests: their papers, translations and the digest (renders back byte for byte)')
    .argument('<file...>', 'Markdown digests such as cs.CL.md')
    .option('--name <name>', 'the digest name (default: the file name without .md; only with one file)')
    .option('--json', 'print a JSON summary on stdout')
    .addHelpText(
      'after',
      `
The file is checked on import: if rendering it back would not give the same bytes, nothing is stored and the error
names the first line that differs.

Examples:
  xivdigest import-digest cs.CL.md
  xivdigest render cs.CL | diff - cs.CL.md     # no difference`,
    )
    .action((files: string[], options: { name?: string; json?: boolean }) =>
      run(async (context) => {
        const [{ digestText, importDigest }, { parseMarkdownDigest }] = await Promise.all([
          import('../../jobs/import-digest.js'),
          import('../../sources/digest-import/parse.js'),
        ]);
        if (options.name && files.length > 1)
          throw new XivdigestError({ code: 'USAGE', message: '--name takes one file', hint: 'Import files one at a time to name them, or drop --name' });
        const store = await context.app().store();
        await runPerFile(context, files, options, async (file) => {
          const name = options.name ?? basename(file, extname(file));
          const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
            throw new XivdigestError({
              code: error.code === 'ENOENT' ? 'NOT_FOUND' : 'INPUT_MALFORMED',
              message: `Cannot read ${file}: ${error.message}`,
              hint: 'Check the path',
              cause: error,
            });
          });
          const result = await importDigest(store, name, parseMarkdownDigest(digestText(bytes, file), { origin: file }));
          context.reporter.info(
            `${file}: digest ${JSON.stringify(name)} with ${result.entries} entries; ${describeUpsert(result.papers)}; ${result.texts} translations kept`,
          );
          return { name, ...result };
        });
      }),
    );
}
