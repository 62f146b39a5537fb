/** `xivdigest digest NAME`: makes a digest from stored papers and their texts, to render with `xivdigest render NAME`. */
import type { Command } from 'commander';
import { parseArxivId } from '../../core/arxiv-id.js';
import { XivdigestError } from '../../core/errors.js';
import type { RunCommand } from '../context.js';

export function registerDigest(program: Command, run: RunCommand): void {
  program
    .command('digest')
    .description('make a digest from stored papers and their translations (render it with `xivdigest render NAME`)')
    .argument('<name>', 'the digest name, e.g. cs.CL-2026-11-24 (an existing digest of that name is replaced)')
    .option('--ids <id...>', 'these papers, in this order')
    .option('-c, --category <cat>', 'the latest announcement day of this category (default: the latest day of any)')
    .option('-n, --limit <n>', 'at most this many of those papers (newest first); what it leaves out is reported')
    .option('--lang <code>', 'language of the translations (default: llm.lang, zh)')
    .addHelpText(
      'after',
      `
Without --ids, the digest holds every stored paper of the latest announcement day (of --category when given), newest
id first, however many: none is left out unless you set --limit, and then the ones left out are named.

The digest keeps the original Markdown layout, fills the English TL;DR, prints the full abstract and escapes every
text. A paper whose translation failed or is not made yet appears with its English text, marked untranslated with
the reason. Run \`xivdigest enrich\` first to translate.

Example:
  xivdigest digest cs.CL-today --category cs.CL && xivdigest render cs.CL-today --out cs.CL.md`,
    )
    .action((name: string, options: { ids?: string[]; category?: string; limit?: string; lang?: string }) =>
      run(async (context) => {
        const [{ buildDigest }, { checkCategoryNames }, { applyLimit, describeLeftOut, latestDayPapers }] = await Promise.all([
          import('../../jobs/build-digest.js'),
          import('../../core/taxonomy.js'),
          import('../../jobs/latest-day.js'),
        ]);
        const limit = options.limit === undefined ? undefined : Number(options.limit);
        if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0))
          throw new XivdigestError({ code: 'USAGE', message: `--limit ${options.limit} is not a positive whole number`, hint: 'For example --limit 50' });
        const ids = (options.ids ?? []).map((text) => parseArxivId(text)?.id ?? text);
        if (options.category !== undefined) checkCategoryNames([options.category]);
        const store = await context.app().store();
        const chosen = ids.length > 0 ? await store.getPapers({ ids }) : (await latestDayPapers(store, options.category)).papers;
        const cut = applyLimit(chosen, limit);
        const leftOut = describeLeftOut(limit, cut);
        if (leftOut) context.reporter.warn(leftOut);
        const papers = cut.kept;
        if (papers.length === 0)
          throw new XivdigestError({ code: 'NOT_FOUND', message: 'No stored papers match', hint: 'Fetch or ingest papers first, or check --ids/--category' });
        const lang = options.lang ?? context.config().config.llm.lang;
        const digest = buildDigest({ name, papers, texts: await store.getTexts(papers.map((paper) => paper.id)), lang });
        await store.saveDigest(digest);
        const translated = digest.entries.filter((entry) => entry.textStatus === 'ok').length;
        context.reporter.info(
          `digest ${JSON.stringify(name)}: ${digest.entries.length} papers, ${translated} translated into ${lang}, ${digest.entries.length - translated} untranslated`,
        );
      }),
    );
}
