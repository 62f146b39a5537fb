/**
 * Part of the composition root: turns one configured subscription into the daily run's parts (calendar, feed and
 * backfill sources, filter, ranker, enrichment, renderers, channels) and runs it.
 */
import { resolve } from 'node:path';
import { renderers, type App } from './app.js';
import { batchSettings, chooseProvider, enrichSettings } from './app-llm.js';
import { createChannel } from './channels/index.js';
import { channelSpecSchema } from './channels/spec.js';
import type { Channel } from './core/channel.js';
import type { Subscription } from './core/config/schema.js';
import { XivdigestError } from './core/errors.js';
import type { LibraryItem } from './core/library.js';
import type { Paper } from './core/paper.js';
import type { Renderer } from './core/render.js';
import type { Ranker } from './core/rank.js';
import { runDaily, newRunId, type DailyRunResult } from './jobs/daily-run.js';
import { enrichPapers } from './jobs/enrich.js';
import { publishDigest } from './jobs/publish.js';
import { createRunCalendar } from './jobs/run-calendar.js';
import { fetchZoteroLibrary, readLibraryFile, withPaperMetadata } from './library/index.js';
import { createLexicalRanker } from './rank/lexical/index.js';
import { parseCategoryExpression, feedCategories } from './select/categories.js';
import { createPaperFilter } from './select/filter.js';
import type { Store } from './store/store.js';
import { leaseStoreOf } from './store/index.js';
import type { RunLeaseSettings } from './jobs/run-lease.js';

export interface DailyRunSettings {
  app: App;
  subscription: Subscription;
  /** The subscription's index in the config, for error paths. */
  index: number;
  now: Date;
  /** Dry run: select only, no LLM calls, nothing recorded or delivered. */
  dryRun?: boolean;
  resend?: boolean;
  /** The subscription's claim: how long to wait for another run's, and how long ours lasts without a heartbeat. */
  lease?: Omit<RunLeaseSettings, 'leases'>;
  /** The environment, for `{ env }` secrets of channels and ZOTERO_API_KEY. */
  env: Readonly<Record<string, string | undefined>>;
  onProgress?(message: string): void;
  onWarning?(message: string): void;
}

/** The subscription called `name`, or a NOT_FOUND error that lists the configured ones. */
export function findSubscription(subscriptions: readonly Subscription[], name: string): { subscription: Subscription; index: number } {
  const index = subscriptions.findIndex((subscription) => subscription.name === name);
  if (index < 0) {
    throw new XivdigestError({
      code: 'NOT_FOUND',
      message: `No subscription named ${JSON.stringify(name)}`,
      hint:
        subscriptions.length > 0
          ? `Configured subscriptions: ${subscriptions.map((subscription) => subscription.name).join(', ')}`
          : 'Add one under "subscriptions" in the config file (see `xivdigest config schema` and the README)',
    });
  }
  return { subscription: subscriptions[index]!, index };
}

/** Library items from the subscription's files and Zotero, with id-only items filled from stored papers. */
async function loadLibrary(settings: DailyRunSettings, store: Store): Promise<LibraryItem[]> {
  const { subscription } = settings;
  const items: LibraryItem[] = [];
  // The config loader resolved the paths against the config file's folder and checked that the files exist.
  for (const path of subscription.library.files) {
    const result = await readLibraryFile(path);
    for (const problem of result.problems) settings.onWarning?.(`${path}:${problem.line}: ${problem.message} (entry skipped)`);
    items.push(...result.items);
  }
  const zotero = subscription.library.zotero;
  if (zotero) {
    const apiKey = zotero.apiKey ?? settings.env.ZOTERO_API_KEY;
    const result = await fetchZoteroLibrary({
      userId: zotero.userId,
      ...(apiKey ? { apiKey } : {}),
      baseUrl: zotero.baseUrl,
      ...(zotero.collection ? { collection: zotero.collection } : {}),
    });
    for (const problem of result.problems) settings.onWarning?.(`Zotero item ${problem.line}: ${problem.message} (skipped)`);
    items.push(...result.items);
  }
  const ids = items.filter((item) => item.arxivId && !item.abstract).map((item) => item.arxivId!);
  return ids.length > 0 ? withPaperMetadata(items, await store.getPapers({ ids })) : items;
}

function paperItem(paper: Paper, at: string): LibraryItem {
  return { title: paper.title, abstract: paper.abstract, authors: paper.authors.map((author) => author.name), arxivId: paper.id, added: at, source: 'feedback' };
}

async function createRanker(settings: DailyRunSettings, store: Store): Promise<Ranker | undefined> {
  const { subscription, now } = settings;
  const method = subscription.ranking.method;
  if (method === 'none') return undefined;
  const library = await loadLibrary(settings, store);
  const feedback = await store.getFeedback(subscription.name);
  const papers = new Map((await store.getPapers({ ids: feedback.map((item) => item.paperId) })).map((paper) => [paper.id, paper]));
  const starred = feedback.filter((item) => item.kind === 'star' && papers.has(item.paperId)).map((item) => paperItem(papers.get(item.paperId)!, item.at));
  const hidden = feedback.filter((item) => item.kind === 'hide' && papers.has(item.paperId)).map((item) => paperItem(papers.get(item.paperId)!, item.at));
  if (library.length === 0 && starred.length === 0) {
    settings.onWarning?.(`${subscription.name}: no library and no starred papers, so papers are not ranked (add library.files or star papers with \`xivdigest feedback\`)`);
    return undefined;
  }
  const lexical = createLexicalRanker({ library, feedback: { starred, hidden }, now, halfLifeDays: subscription.ranking.halfLifeDays });
  if (method === 'lexical') return lexical;
  if (method === 'embeddings' || method === 'local-embeddings') {
    const { createEmbeddingRanker, createOpenAiEmbedder, createLlamaCppEmbedder } = await import('./rank/index.js');
    const options = subscription.ranking.embeddings ?? {};
    if (!options.model) {
      throw new XivdigestError({
        code: 'CONFIG_INVALID',
        message: `subscriptions[${settings.index}].ranking.embeddings.model is required for the ${method} method`,
        hint: method === 'embeddings' ? 'Name the embedding model, e.g. text-embedding-3-small' : 'Give the path of a GGUF embedding model',
      });
    }
    const embedder =
      method === 'embeddings'
        ? createOpenAiEmbedder({
            baseUrl: options.baseUrl ?? settings.env.OPENAI_API_BASE ?? 'https://api.openai.com/v1',
            model: options.model,
            ...((options.apiKey ?? settings.env.OPENAI_API_KEY) ? { apiKey: (options.apiKey ?? settings.env.OPENAI_API_KEY)! } : {}),
          })
        : createLlamaCppEmbedder({ modelPath: options.model });
    return createEmbeddingRanker({ embedder, library, feedback: { starred, hidden }, now, halfLifeDays: subscription.ranking.halfLifeDays });
  }
  // llm: a rubric over the lexical ranker's best candidates.
  const { createLlmRubricRanker } = await import('./rank/index.js');
  const interests = subscription.ranking.interests;
  if (!interests) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `subscriptions[${settings.index}].ranking.interests is required for the llm method`,
      hint: 'Describe your interests in a few sentences',
    });
  }
  const chosen = chooseProvider({ config: settings.app.loaded.config.llm, environment: settings.app.loaded.llmEnvironment });
  return createLlmRubricRanker({ provider: chosen.provider, interests, library, prefilter: lexical });
}

function createChannels(settings: DailyRunSettings): Channel[] {
  return settings.subscription.outputs.channels.map((spec, position) => {
    try {
      // Parsed by the channel's own schema (as the config loader did), so the spec is typed without a cast.
      return createChannel(channelSpecSchema.parse(spec), { env: settings.env });
    } catch (error) {
      if (XivdigestError.isInstance(error)) {
        throw new XivdigestError({
          code: error.code,
          message: `subscriptions[${settings.index}].outputs.channels[${position}]: ${error.message}`,
          ...(error.hint ? { hint: error.hint } : {}),
          details: error.details,
        });
      }
      throw error;
    }
  });
}

function outputRenderers(subscription: Subscription): Record<string, Renderer> {
  const settings = subscription.outputs.homepage ? { homepage: subscription.outputs.homepage } : {};
  return {
    md: subscription.outputs.style === 'rich' ? renderers['md-rich']() : renderers.md(),
    html: renderers.html(),
    rss: renderers.rss(settings),
    atom: renderers.atom(settings),
    json: renderers.json(settings),
    txt: renderers.txt(),
  };
}

/** Runs (or, with dryRun, plans) one subscription's day. */
export async function runSubscription(settings: DailyRunSettings): Promise<DailyRunResult> {
  const { app, subscription, index } = settings;
  const config = app.loaded.config;
  const expression = parseCategoryExpression(subscription.categories, { path: `subscriptions[${index}].categories` });
  const categories = feedCategories(expression).split('+').filter(Boolean);
  const filter = createPaperFilter(
    {
      categories: subscription.categories,
      crossLists: subscription.crossLists,
      // The run applies the replacement rule itself: updates of delivered papers pass it.
      replacements: true,
      ...(subscription.filters.query ? { query: subscription.filters.query } : {}),
      authors: subscription.filters.authors,
      include: subscription.filters.include,
      exclude: subscription.filters.exclude,
    },
    { path: `subscriptions[${index}].filters` },
  );
  const channels = settings.dryRun ? [] : createChannels(settings);
  const store = await app.store();
  const ranker = await createRanker(settings, store);
  const lang = subscription.lang ?? config.llm.lang;
  const rss = app.source('rss');
  const oai = app.source('oai');
  let closeProvider: (() => Promise<void>) | undefined;

  try {
    return await runDaily({
      store,
      subscription,
      categories,
      now: settings.now,
      runId: newRunId(settings.now),
      lang,
      calendar: createRunCalendar(),
      feed: (cats) => rss.fetch({ categories: cats }),
      backfill: (cats, from, until) => oai.fetch({ categories: cats, from, until }),
      filter,
      ...(ranker ? { ranker } : {}),
      ...(settings.dryRun ? { dryRun: true } : { lease: { ...settings.lease, leases: leaseStoreOf(store) } }),
      ...(settings.onProgress ? { onProgress: settings.onProgress } : {}),
      enrich: async (papers) => {
        const llm = config.llm;
        const chosen = chooseProvider({ config: llm, environment: app.loaded.llmEnvironment });
        for (const warning of chosen.warnings) settings.onWarning?.(warning);
        closeProvider = async () => chosen.provider.close?.();
        return enrichPapers({
          store,
          provider: chosen.provider,
          papers,
          lang,
          ...enrichSettings(llm),
          ...batchSettings(chosen, llm, store),
        });
      },
      publish: (digest, label) =>
        publishDigest(digest, label, {
          store,
          subscription: subscription.name,
          renderers: outputRenderers(subscription),
          dir: resolve(subscription.outputs.dir ?? 'digests'),
          formats: subscription.outputs.formats,
          ...(subscription.outputs.latest ? { latestName: subscription.categories.replace(/[^A-Za-z0-9._+-]/g, '_') } : {}),
          channels,
          ...(settings.resend ? { resend: true } : {}),
          subject: `arXiv ${subscription.name} ${label}: ${digest.entries.length} paper${digest.entries.length === 1 ? '' : 's'}`,
          ...(subscription.outputs.homepage ? { url: `${subscription.outputs.homepage.replace(/\/$/, '')}/${subscription.name}/${label}.html` } : {}),
          ...(settings.onProgress ? { onProgress: settings.onProgress } : {}),
        }),
    });
  } finally {
    await closeProvider?.();
  }
}
