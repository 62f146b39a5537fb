/** `export-site`: the archive as static files with client-side search, for GitHub Pages (docs/decisions/0037). */
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chooseTexts } from '../../core/texts-choice.js';
import type { Store } from '../../store/store.js';
import { urls } from '../urls.js';
import { STATIC_SEARCH_LABELS, staticSearchScript } from './client.js';
import { exportSite, type ExportSiteResult, type SiteRequest } from './site.js';
import { writeStaticSearchIndex, type StaticSearchDocument } from './static-search.js';

export { exportSite, type ExportSiteResult, type SiteRequest } from './site.js';
export { staticTokens } from './tokenize.js';

export interface StaticEditionOptions {
  store: Store;
  /** The web app's `request` (Hono's `app.request`), built with `baseUrl` set to where the site will be published. */
  request: SiteRequest;
  dir: string;
  /** Where the site will be published, e.g. `https://user.github.io/repo` (feeds need absolute links). */
  baseUrl: string;
  /** Language of the generated texts to index and show, e.g. `zh`. */
  lang: string;
  /** Interface language of the static search's messages. */
  ui: 'zh' | 'en';
  onProgress?: (progress: { phase: 'index' | 'pages'; done: number; total?: number; path?: string }) => void;
  signal?: AbortSignal;
}

export interface StaticEditionResult extends ExportSiteResult {
  /** Papers in the search index. */
  indexed: number;
}

/** The site-relative URL of a paper's page, as a directory (`papers/2403.10568/`). */
function paperUrl(id: string): string {
  return `${urls.paper(id).replace(/^\//, '')}/`;
}

const PAGE = 500;

/** Builds the search index from the store, then writes every page the app serves. */
export async function writeStaticEdition(options: StaticEditionOptions): Promise<StaticEditionResult> {
  const documents: StaticSearchDocument[] = [];
  for (let offset = 0; ; offset += PAGE) {
    options.signal?.throwIfAborted();
    const papers = await options.store.getPapers({ limit: PAGE, offset });
    if (papers.length === 0) break;
    const texts = await options.store.getTexts(papers.map((paper) => paper.id));
    for (const paper of papers) {
      const chosen = chooseTexts(
        paper,
        texts.filter((text) => text.paperId === paper.id),
        options.lang,
      );
      const generated = chosen.status === 'ok' ? chosen.texts : undefined;
      documents.push({
        url: paperUrl(paper.id),
        id: paper.id,
        title: paper.title,
        translatedTitle: generated?.title || undefined,
        tldr: generated?.tldr || undefined,
        authors: paper.authors.map((author) => author.name),
        day: paper.announced?.slice(0, 10),
        fields: [
          { text: paper.title, weight: 3 },
          { text: generated?.title ?? '', weight: 3 },
          { text: paper.authors.map((author) => author.name).join(' '), weight: 2 },
          { text: generated?.tldr ?? '', weight: 2 },
          { text: paper.abstract, weight: 1 },
          { text: generated?.abstract ?? '', weight: 1 },
        ],
      });
    }
    options.onProgress?.({ phase: 'index', done: documents.length });
    if (papers.length < PAGE) break;
  }
  const searchDir = join(options.dir, 'search');
  await mkdir(searchDir, { recursive: true });
  await writeStaticSearchIndex(join(searchDir, 'index'), documents);
  await writeFile(join(searchDir, 'search.js'), staticSearchScript(STATIC_SEARCH_LABELS[options.ui]));
  const basePath = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`).pathname;
  const site = await exportSite({
    request: options.request,
    dir: options.dir,
    basePath,
    signal: options.signal,
    onProgress: (progress) => options.onProgress?.({ phase: 'pages', done: progress.done, total: progress.queued, path: progress.path }),
  });
  return { ...site, indexed: documents.length };
}
