/** `xivdigest search QUERY`: full-text search over the stored archive (titles, authors, abstracts, every translation). */
import type { Command } from 'commander';
import type { SearchHit, SearchResponse, SearchSnippet } from '../../core/search.js';
import { XivdigestError } from '../../core/errors.js';
import type { RunCommand } from '../context.js';

interface SearchOptions {
  from?: string;
  until?: string;
  category?: string;
  sort: string;
  page: string;
  pageSize: string;
  lang?: string;
  exactTotal?: boolean;
  json?: boolean;
}

function usage(message: string, hint: string): XivdigestError {
  return new XivdigestError({ code: 'USAGE', message, hint });
}

function wholeNumber(option: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw usage(`${option} ${text} is not a whole number from 1${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`, `For example ${option} 2`);
  }
  return value;
}

export function registerSearch(program: Command, run: RunCommand): void {
  program
    .command('search')
    .description('search the stored archive: titles, authors, abstracts and every stored translation, ranked by BM25')
    .argument('[query...]', 'the query: words, "phrases", ti:/abs:/au:/cat: fields, AND/OR/NOT (or -word); empty lists the newest papers')
    .option('--from <day>', 'only papers announced on or after this day (YYYY-MM-DD)')
    .option('--until <day>', 'only papers announced on or before this day (YYYY-MM-DD)')
    .option('-c, --category <expr>', 'only papers in these categories: cs.CL, an archive (math), or cs.CL+cs.AI-cs.CY')
    .option('--sort <order>', 'relevance (BM25) or date (newest first)', 'relevance')
    .option('--page <n>', 'page of results', '1')
    .option('--page-size <n>', 'results per page (at most 100)', '20')
    .option('--lang <code>', 'language of the translated title and TL;DR shown (default: llm.lang of the config)')
    .option('--exact-total', 'count every match even when there are more than the window ranks (10,000; 1,000 on PostgreSQL; slower for common words)')
    .option(
      '--json',
      'print JSON: { total, totalIsLowerBound?, page, pageSize, rankedWithin?, hits: [{ id, version, title, authors, categories, announced, translatedTitle, tldr, score, snippets: [{ field, lang, text, highlights: [[start, end]] }] }] }',
    )
    .addHelpText(
      'after',
      `
Words match whole words, in any case and without accents; Chinese, Japanese and Korean text matches by characters,
so 模型 finds papers with 大模型 or 语言模型. A word with * at its end matches as a prefix. Matches are marked **so**.
If the index was lost, \`xivdigest reindex\` builds it again.

Examples:
  xivdigest search diffusion
  xivdigest search 模型 --category cs.CL --from 2025-01-01
  xivdigest search 'ti:"large language model" -survey' --sort date
  xivdigest search 'au:Bengio AND abs:(planning OR 规划)' --json
  xivdigest search --category cs.CL+cs.AI-cs.CY --from 2025-04-28 --until 2025-04-28   # one day's papers`,
    )
    .action((words: string[], options: SearchOptions) =>
      run(async (context) => {
        const sort = options.sort;
        if (sort !== 'relevance' && sort !== 'date') throw usage(`--sort ${sort} is not relevance or date`, 'Use --sort relevance or --sort date');
        const page = wholeNumber('--page', options.page);
        const pageSize = wholeNumber('--page-size', options.pageSize, 100);
        let categories: string[] | undefined;
        let excludeCategories: string[] | undefined;
        if (options.category !== undefined) {
          const [{ parseCategoryAlgebra }, taxonomy] = await Promise.all([import('../../web/urls.js'), import('../../core/taxonomy.js')]);
          const names = taxonomy.ARXIV_CATEGORY_NAMES;
          const archives = new Set([...names].map((name) => name.split('.')[0]!));
          const algebra = parseCategoryAlgebra(options.category, (name) => names.has(name) || archives.has(name));
          if (!algebra) throw usage(`--category ${options.category} is not a category expression`, 'Write e.g. cs.CL, math, or cs.CL+cs.AI-cs.CY');
          taxonomy.checkCategoryNames([...algebra.include, ...algebra.exclude].filter((name) => !archives.has(name)));
          categories = algebra.include;
          excludeCategories = algebra.exclude.length > 0 ? algebra.exclude : undefined;
        }
        const lang = options.lang ?? context.config().config.llm.lang;
        const store = await context.app().store();
        const q = words.join(' ');
        const response = await store.search({
          q,
          sort,
          page,
          pageSize,
          lang,
          ...(options.from !== undefined ? { from: options.from } : {}),
          ...(options.until !== undefined ? { until: options.until } : {}),
          ...(categories ? { categories } : {}),
          ...(excludeCategories ? { excludeCategories } : {}),
          ...(options.exactTotal ? { exactTotal: true } : {}),
        });
        if (options.json) {
          context.print(JSON.stringify(response, null, 2));
          return;
        }
        context.print(listing(q, response));
      }),
    );
}

/** The text with its highlights marked `**like this**`. */
export function marked(snippet: Pick<SearchSnippet, 'text' | 'highlights'>): string {
  let result = '';
  let at = 0;
  for (const [start, end] of snippet.highlights) {
    result += `${snippet.text.slice(at, start)}**${snippet.text.slice(start, end)}**`;
    at = end;
  }
  return result + snippet.text.slice(at);
}

const FIELD_LABELS: Record<SearchSnippet['field'], string> = {
  title: 'title',
  authors: 'authors',
  abstract: 'abstract',
  translatedTitle: 'translated title',
  tldr: 'TL;DR',
  translatedAbstract: 'translated abstract',
};

function hitLines(hit: SearchHit): string[] {
  const id = hit.version === null ? hit.id : `${hit.id}v${hit.version}`;
  const authors = hit.authors.length > 3 ? `${hit.authors[0]} et al.` : hit.authors.join(', ');
  const lines = [`${id.padEnd(18)} ${hit.announced ?? '----------'}  [${hit.categories[0] ?? '?'}]  ${hit.title}`];
  const indent = ' '.repeat(19);
  const translatedTitle = hit.snippets.find((snippet) => snippet.field === 'translatedTitle' && snippet.text === hit.translatedTitle);
  if (hit.translatedTitle) lines.push(`${indent}${translatedTitle ? marked(translatedTitle) : hit.translatedTitle}`);
  if (authors) lines.push(`${indent}${authors}`);
  for (const snippet of hit.snippets) {
    if (snippet.field === 'title' || snippet === translatedTitle) continue;
    const label = FIELD_LABELS[snippet.field] + (snippet.lang ? ` (${snippet.lang})` : '');
    lines.push(`${indent}${label}: ${marked(snippet)}`);
  }
  const title = hit.snippets.find((snippet) => snippet.field === 'title');
  if (title) lines[0] = `${id.padEnd(18)} ${hit.announced ?? '----------'}  [${hit.categories[0] ?? '?'}]  ${marked(title)}`;
  return lines;
}

function listing(q: string, response: SearchResponse): string {
  const pages = Math.max(1, Math.ceil(response.total / response.pageSize));
  const what = q.trim() === '' ? 'papers' : `matches for ${JSON.stringify(q)}`;
  const lines = [
    response.totalIsLowerBound
      ? `more than ${response.total} ${what} (page ${response.page}; --exact-total counts them)`
      : `${response.total} ${what} (page ${response.page} of ${pages})`,
  ];
  if (response.rankedWithin !== undefined) {
    lines.push(`(ranked by relevance among the newest ${response.rankedWithin}; add --from/--until to rank every match, or --sort date)`);
  }
  if (response.hits.length === 0 && response.total > 0) lines.push(`(no results on page ${response.page}; try --page 1)`);
  for (const hit of response.hits) lines.push('', ...hitLines(hit));
  return lines.join('\n');
}
