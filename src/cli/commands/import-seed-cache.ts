/** `xivdigest import-seed-cache PATH...`: imports cn-chat-arxiv's per-paper cache, so no paid translation is lost. */
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { XivdigestError } from '../../core/errors.js';
import type { ImportSeedCacheResult } from '../../jobs/import-seed-cache.js';
import type { RunCommand } from '../context.js';
import { formatCount } from '../output.js';
import { runPerFile } from '../per-file.js';
import { describeUpsert } from '../summary.js';

export function registerImportSeedCache(program: Command, run: RunCommand): void {
  program
    .command('import-seed-cache')
    .description("import cn-chat-arxiv's per-paper cache (papers/YY/MM/<id>.json, or JSON lines): papers and every translation")
    .argument('<path...>', 'a cache directory (the repository root or its papers/ folder), a .json file, or a .jsonl file')
    .option('--json', 'print a JSON summary ({imported, flagged, malformed, flags, missing, papers, errors}) on stdout')
    .addHelpText(
      'after',
      `
Every imported translation goes through the quality gate: texts it finds fault with are kept and flagged (the
summary counts them by reason), never dropped. Unreadable records are reported with their file and line and
skipped. The original's misspelt English-TL;DR key (en_tdlr) is read, so that slot is finally filled.

Examples:
  xivdigest import-seed-cache ~/src/cn-chat-arxiv
  xivdigest import-seed-cache papers-3000.jsonl --json`,
    )
    .action((paths: string[], options: { json?: boolean }) =>
      run(async (context) => {
        const [{ importSeedCache }, { fileInput }, { parseSeedCache, readSeedCacheDir }] = await Promise.all([
          import('../../jobs/import-seed-cache.js'),
          import('../../sources/shared/document-input.js'),
          import('../../sources/seed-cache/parse.js'),
        ]);
        const store = await context.app().store();
        await runPerFile(context, paths, options, async (path) => {
          const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
            throw new XivdigestError({
              code: 'NOT_FOUND',
              message: `Cannot read ${path}: ${error.message}`,
              hint: 'Give the cache directory or a .json/.jsonl file',
              cause: error,
            });
          });
          const items = info.isDirectory() ? readSeedCacheDir(path) : parseSeedCache(fileInput(path), { origin: path });
          const progress = context.reporter.progress(`import-seed-cache ${path}`);
          const result = await importSeedCache(store, items, { onProgress: (records) => progress.update(records) });
          progress.finish(describeSeedImport(result));
          for (const error of result.errors) context.reporter.warn(`skipped: ${error.message}`);
          return { ...result };
        });
      }),
    );
}

function describeSeedImport(result: ImportSeedCacheResult): string {
  const flags = Object.entries(result.flags)
    .sort((a, b) => b[1] - a[1])
    .map(([code, count]) => `${formatCount(count)} ${code}`);
  return [
    `${formatCount(result.imported)} records imported (${describeUpsert(result.papers)})`,
    `${formatCount(result.flagged)} flagged by the quality gate${flags.length > 0 ? ` (${flags.join(', ')})` : ''}`,
    result.malformed > 0 ? `${formatCount(result.malformed)} unreadable, skipped` : '',
  ]
    .filter(Boolean)
    .join('; ');
}
