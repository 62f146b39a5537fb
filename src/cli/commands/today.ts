/** `xivdigest today CAT…`: the original's whole job in one command: fetch the day's feed, translate it all, write `<CAT>.md` and `<CAT>.xml`. */
import type { Command } from 'commander';
import type { RunCommand } from '../context.js';

export interface TodayOptions {
  outDir: string;
  lang?: string;
  retryFailed?: boolean;
  now?: string;
  json?: boolean;
}

export function registerToday(program: Command, run: RunCommand): void {
  program
    .command('today')
    .description("the original's job in one command: fetch today's announcement, translate every paper, write <CAT>.md and <CAT>.xml")
    .argument('<category...>', 'arXiv categories, e.g. cs.CL (one digest each; cs.CL+cs.AI makes one digest of both)')
    .option('--out-dir <dir>', 'where to write the files', '.')
    .option('--lang <code>', 'target language, e.g. zh, ja, ko, fr, de, es (default: llm.lang, zh)')
    .option('--retry-failed', 'call again for papers whose texts failed the quality gate in an earlier run')
    .option('--now <time>', 'judge "today" as of this ISO time (replays and tests; default: now)')
    .option('--json', 'print a JSON summary on stdout')
    .addHelpText(
      'after',
      `
For each category: fetches the latest announcement from rss.arxiv.org (arxiv.rssBaseUrl or XIVDIGEST_ARXIV_RSS_URL),
stores it, translates every paper of it (no cap; finished papers are cached, so a rerun only translates what is
missing) with the configured LLM (an API from OPENAI_API_KEY/OPENAI_API_BASE and the like, else the local model),
and writes <CAT>.md (the original's Markdown: the "# 摘要" table and the "# 详细" footnotes, in the original's order)
and <CAT>.xml (its RSS feed). A paper whose translation failed the quality gate is kept, untranslated, with a note
for readers (the reason is in \`xivdigest papers --json\`).

Exit codes: 0 when the digests are written, even if some papers failed the quality gate (a warning counts them and
says how to retry); 7 when the LLM could not be used (unreachable, bad key): the files are still written, with those
papers untranslated, and a rerun translates them; 5 when arXiv could not be reached or answered with an error;
75 when arXiv has not published the day's feed yet (retry later); 1 when llm.budget stopped the translation.

On a day without announcements (weekend, holiday) the feed is empty: the digest is then that of the latest
announcement, as an earlier run stored it, else harvested for that day from OAI-PMH (arxiv.oaiBaseUrl).

Examples:
  xivdigest today cs.CL
  xivdigest today cs.CL cs.AI --out-dir digests
  OPENAI_API_KEY=… OPENAI_API_MODEL=gpt-4o-mini xivdigest today cs.CL --json`,
    )
    .action((categories: string[], options: TodayOptions) => run(async (context) => (await import('./today-run.js')).today(context, categories, options)));
}
