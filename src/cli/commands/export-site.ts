/** `xivdigest export-site DIR`: the web archive as static files with client-side search, for GitHub Pages. */
import type { Command } from 'commander';
import { XivdigestError } from '../../core/errors.js';
import type { RunCommand } from '../context.js';

export function registerExportSite(program: Command, run: RunCommand): void {
  program
    .command('export-site')
    .description('write the web archive as static files with search, for GitHub Pages or any static host')
    .argument('<dir>', 'folder to write (created; files of an earlier export are replaced)')
    .requiredOption('--base-url <url>', 'where the site will be published, e.g. https://you.github.io/your-repo (feeds link to it)')
    .option('--ui <lang>', 'interface language of the pages and the search: zh or en', 'zh')
    .option('--json', 'print {dir, pages, files, bytes, indexed, broken} as JSON')
    .addHelpText(
      'after',
      `
It writes every page the web server (xivdigest serve) shows, from the same code: the home page, each digest, the
archive's calendars, each paper, with the feeds (Atom and JSON Feed) and the assets. Links are relative, so the site
works under any path, such as a GitHub Pages project site (https://you.github.io/your-repo/). The search page searches
the whole archive in the reader's browser (titles, authors, abstracts and the translations; two-character Chinese
words such as 模型 match); what only a server can answer (the JSON API, MCP, search feeds) is left out.

Examples:
  xivdigest export-site site --base-url https://you.github.io/arxiv-digest
  xivdigest export-site /var/www/arxiv --base-url https://arxiv.example.org --ui en --json`,
    )
    .action((dir: string, options: { baseUrl: string; ui: string; json?: boolean }) =>
      run(async (context) => {
        let baseUrl: URL;
        try {
          baseUrl = new URL(options.baseUrl);
          if (baseUrl.protocol !== 'https:' && baseUrl.protocol !== 'http:') throw new Error('not http(s)');
        } catch {
          throw new XivdigestError({
            code: 'USAGE',
            message: `--base-url: "${options.baseUrl}" is not an http(s) URL`,
            hint: 'For example --base-url https://you.github.io/your-repo',
          });
        }
        if (options.ui !== 'zh' && options.ui !== 'en') {
          throw new XivdigestError({ code: 'USAGE', message: `--ui: "${options.ui}" is not zh or en`, hint: 'Use --ui zh or --ui en' });
        }
        const ui = options.ui;
        const [{ createWebApp }, { writeStaticEdition }, { webDepsFromConfig }] = await Promise.all([
          import('../../web/app.js'),
          import('../../web/export/index.js'),
          import('../web-deps.js'),
        ]);
        const loaded = context.config();
        const store = await context.app().store();
        const base = baseUrl.href.replace(/\/+$/, '');
        const deps = webDepsFromConfig(store, loaded.config, base);
        const app = createWebApp(deps);
        const indexing = context.reporter.progress('indexing papers');
        let pages: ReturnType<typeof context.reporter.progress> | undefined;
        const result = await writeStaticEdition({
          store,
          request: async (path) => app.request(path, { headers: { 'accept-language': ui, cookie: `ui=${ui}` } }),
          dir,
          baseUrl: base,
          lang: deps.lang,
          ui,
          onProgress: (progress) => {
            if (progress.phase === 'index') indexing.update(progress.done);
            else {
              if (!pages) {
                indexing.finish();
                pages = context.reporter.progress('writing pages');
              }
              pages.update(progress.done, progress.total);
            }
          },
        });
        if (!pages) indexing.finish();
        pages?.finish();
        const summary = { dir, pages: result.pages, files: result.files, bytes: result.bytes, indexed: result.indexed, broken: result.broken };
        if (options.json) context.print(JSON.stringify(summary, null, 2));
        else {
          context.print(
            `wrote ${result.pages} pages and ${result.files} files (${(result.bytes / 1_048_576).toFixed(1)} MiB) to ${dir}; ${result.indexed} papers searchable`,
          );
          context.print(`publish the folder as it is (GitHub Pages: upload it with actions/upload-pages-artifact); it expects to live at ${base}/`);
        }
        for (const link of result.broken) context.reporter.warn(`broken link: ${link.from} → ${link.to} (${link.status})`);
      }),
    );
}
