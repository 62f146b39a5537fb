/** `xivdigest papers [ID...]`: lists stored papers, as text or JSON. */
import type { Command } from 'commander';
import { parseArxivId, versionedId } from '../../core/arxiv-id.js';
import type { StoredPaper } from '../../core/paper.js';
import { textsByLanguage, type TextsChoice } from '../../core/texts-choice.js';
import { XivdigestError } from '../../core/errors.js';
import type { RunCommand } from '../context.js';
import { CommandFailed, EXIT } from '../exit.js';

interface PapersOptions {
  category?: string;
  limit: string;
  json?: boolean;
}

export function registerPapers(program: Command, run: RunCommand): void {
  program
    .command('papers')
    .description('list stored papers (all, by id, or by category)')
    .argument('[id...]', 'arXiv ids, with or without version (e.g. 2403.10568, cond-mat/0412498v1)')
    .option('-c, --category <cat>', 'only papers in this category (primary or cross-list)')
    .option('-n, --limit <n>', 'at most this many papers when no ids are given', '50')
    .option(
      '--json',
      'print JSON: an array of papers with id, version, title, authors, categories, announceType, abstract, … and texts per language with their status (ok, failed with a reason, pending)',
    )
    .action((ids: string[], options: PapersOptions) =>
      run(async (context) => {
        const limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit <= 0)
          throw new XivdigestError({ code: 'USAGE', message: `--limit ${options.limit} is not a positive whole number`, hint: 'For example --limit 20' });
        const wanted = ids.map((text) => {
          const parsed = parseArxivId(text);
          if (!parsed) throw new XivdigestError({ code: 'USAGE', message: `${text} is not an arXiv id`, hint: 'Ids look like 2403.10568 or cond-mat/0412498' });
          return parsed.id;
        });
        if (options.category !== undefined) (await import('../../core/taxonomy.js')).checkCategoryNames([options.category]);
        const store = await context.app().store();
        const papers = await store.getPapers(wanted.length > 0 ? { ids: wanted } : { category: options.category, limit });
        const missing = wanted.filter((id) => !papers.some((paper) => paper.id === id));
        if (options.json) {
          const texts = await store.getTexts(papers.map((paper) => paper.id));
          const lang = context.config().config.llm.lang;
          context.print(
            JSON.stringify(
              papers.map((paper) => ({ ...paperJson(paper), texts: textsJson(textsByLanguage(paper, texts, lang)) })),
              null,
              2,
            ),
          );
        } else if (papers.length === 0 && wanted.length === 0)
          context.reporter.info('No papers stored yet: run `xivdigest fetch` or `xivdigest ingest FILE` first.');
        else for (const paper of papers) context.print(paperLine(paper));
        if (missing.length > 0)
          throw new CommandFailed(
            EXIT.input,
            `not in the store: ${missing.join(', ')} (fetch them with \`xivdigest fetch --source api --ids ${missing.join(' ')}\`)`,
          );
      }),
    );
}

/** The JSON shape of a paper in `papers --json`. */
export function paperJson(paper: StoredPaper): Record<string, unknown> {
  return {
    id: paper.id,
    version: paper.version,
    title: paper.title,
    authors: paper.authors.map((author) => author.name),
    affiliations: paper.authors.map((author) => author.affiliations ?? []),
    categories: paper.categories,
    primaryCategory: paper.categories[0] ?? null,
    announceType: paper.announceType ?? null,
    announced: paper.announced ?? null,
    submitted: paper.submitted ?? null,
    updated: paper.updated ?? null,
    abstract: paper.abstract,
    abstractTruncated: paper.abstractTruncated ?? false,
    doi: paper.doi ?? null,
    journalRef: paper.journalRef ?? null,
    comments: paper.comments ?? null,
    license: paper.license ?? null,
    links: paper.links,
    versions: paper.versions.map((version) => version.version),
    source: paper.source,
    firstSeen: paper.firstSeen,
  };
}

/** `{ zh: { status: 'ok', title, tldr, tldrEn, abstract, provider, model, promptVersion, createdAt, … } }` */
function textsJson(byLanguage: Record<string, TextsChoice>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [lang, choice] of Object.entries(byLanguage)) {
    const texts = choice.texts;
    result[lang] = texts
      ? {
          status: choice.status,
          ...(texts.reason ? { reason: texts.reason } : {}),
          ...(texts.flags?.length ? { flags: texts.flags } : {}),
          title: texts.title,
          tldr: texts.tldr,
          tldrEn: texts.tldrEn,
          abstract: texts.abstract,
          ...(texts.summary ? { summary: texts.summary } : {}),
          version: texts.version,
          provider: texts.provider,
          model: texts.model,
          promptVersion: texts.promptVersion,
          createdAt: texts.createdAt,
          totalTokens: texts.totalTokens ?? null,
        }
      : { status: choice.status };
  }
  return result;
}

function paperLine(paper: StoredPaper): string {
  const authors = paper.authors.length > 3 ? `${paper.authors[0]!.name} et al.` : paper.authors.map((a) => a.name).join(', ');
  const type = paper.announceType ? ` ${paper.announceType}` : '';
  return `${versionedId(paper.id, paper.version).padEnd(22)} [${paper.categories[0] ?? '?'}]${type}  ${paper.title} — ${authors}`;
}
