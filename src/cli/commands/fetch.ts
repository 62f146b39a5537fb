/** `xivdigest fetch`: gets papers from arXiv (RSS/Atom feed, API or OAI-PMH) and stores them. */
import { Option, type Command } from 'commander';
import { SOURCE_IDS, sources, type SourceId } from '../../registry/sources.js';
import type { SourceQuery } from '../../core/source.js';
import { XivdigestError } from '../../core/errors.js';
import type { RunCommand } from '../context.js';
import { describeStored, storedJson } from '../summary.js';

interface FetchOptions {
  category?: string;
  source: SourceId;
  from?: string;
  until?: string;
  query?: string;
  ids?: string[];
  limit?: string;
  json?: boolean;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function registerFetch(program: Command, run: RunCommand): void {
  program
    .command('fetch')
    .description('get papers from arXiv and store them')
    .option('-c, --category <cats>', 'categories joined with +, e.g. cs.CL+cs.AI')
    .addOption(new Option('-s, --source <source>', 'which arXiv channel').choices(SOURCE_IDS).default('rss'))
    .option('--from <YYYY-MM-DD>', 'first day (api: submitted date; oai: record datestamp)')
    .option('--until <YYYY-MM-DD>', 'last day, inclusive')
    .option('--query <search_query>', 'api: an arXiv search_query, e.g. \'ti:"quantum criticality"\'')
    .option('--ids <id...>', 'api: fetch these arXiv ids')
    .option('--limit <n>', 'stop after this many papers')
    .option('--json', 'print a JSON summary on stdout')
    .addHelpText(
      'after',
      `
The feeds (rss, atom) give today's announcement; api and oai fill date ranges and backfills. Requests are spaced
by arxiv.minIntervalMs (3 s by default, arXiv's rule), retried with backoff, and honour Retry-After on 429/503.
Base URLs are configurable (arxiv.rssBaseUrl, arxiv.apiBaseUrl, arxiv.oaiBaseUrl or XIVDIGEST_ARXIV_*_URL).

Examples:
  xivdigest fetch --category cs.CL+cs.AI
  xivdigest fetch --source api --category cs.CL --from 2026-11-16 --until 2026-11-20
  xivdigest fetch --source oai --category cs --from 2026-11-20`,
    )
    .action((options: FetchOptions) =>
      run(async (context) => {
        const [{ storeEvents }, { checkCategoryNames }] = await Promise.all([import('../../jobs/store-events.js'), import('../../core/taxonomy.js')]);
        const query = toQuery(options, checkCategoryNames);
        const app = context.app();
        const store = await app.store();
        const source = app.source(options.source);
        const label = `fetch ${options.source}${query.categories ? ` ${query.categories.join('+')}` : ''}`;
        const progress = context.reporter.progress(label);
        const result = await storeEvents(source.fetch(query), store, {
          onProgress: (stored, total) => progress.update(stored, total),
        });
        if (result.noAnnouncement) {
          const day = result.feed?.announced ? ` on ${result.feed.announced}` : '';
          const skip = result.feed?.skipDays?.length ? ` (the feed skips ${result.feed.skipDays.join(' and ')})` : '';
          progress.finish(`no announcement${day}: arXiv announced nothing for ${query.categories?.join('+') ?? 'this query'}${skip}; this is not an error`);
        } else {
          progress.finish(describeStored(result));
        }
        if (options.json) context.print(JSON.stringify({ source: options.source, query, ...storedJson(result) }, null, 2));
      }),
    );
}

function toQuery(options: FetchOptions, checkCategoryNames: (names: string[]) => void): SourceQuery {
  const usage = (message: string, hint: string) => new XivdigestError({ code: 'USAGE', message, hint });
  for (const [name, value] of [
    ['--from', options.from],
    ['--until', options.until],
  ] as const) {
    if (value !== undefined && (!DATE.test(value) || Number.isNaN(Date.parse(value)))) throw usage(`${name} ${value} is not a date`, 'Write it as YYYY-MM-DD');
  }
  if (options.from && options.until && options.from > options.until) throw usage(`--from ${options.from} is after --until ${options.until}`, 'Swap them');
  const categories = options.category
    ?.split('+')
    .map((c) => c.trim())
    .filter(Boolean);
  if (options.category !== undefined && (!categories || categories.length === 0)) throw usage('--category is empty', 'Give categories such as cs.CL+cs.AI');
  // Checked against arXiv's taxonomy before any request: a typo gets a suggestion, not an arXiv error page.
  if (categories) checkCategoryNames(categories);
  const limit = options.limit === undefined ? undefined : Number(options.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0))
    throw usage(`--limit ${options.limit} is not a positive whole number`, 'For example --limit 100');
  const latestOnly = sources[options.source].latestOnly;
  if (latestOnly && !categories) throw usage(`--source ${options.source} needs --category`, 'For example --category cs.CL+cs.AI');
  if (latestOnly && (options.from || options.until || options.query || options.ids)) {
    throw usage(`--source ${options.source} gives only the latest announcement`, 'Use --source api or --source oai for dates, queries and ids');
  }
  if (options.source === 'oai' && (options.query || options.ids))
    throw usage('--source oai takes --category and dates, not --query or --ids', 'Use --source api for queries and ids');
  if (options.source === 'api' && !categories && !options.query && !options.ids)
    throw usage('--source api needs --category, --query or --ids', 'For example --source api --category cs.CL --from 2026-11-20');
  return {
    ...(categories ? { categories } : {}),
    ...(options.query ? { searchQuery: options.query } : {}),
    ...(options.ids ? { ids: options.ids } : {}),
    ...(options.from ? { from: options.from } : {}),
    ...(options.until ? { until: options.until } : {}),
    ...(limit ? { limit } : {}),
  };
}
