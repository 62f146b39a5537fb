/**
 * Part of the composition root: turns one configured subscription into the daily run's parts (calendar, feed and
 * backfill sources, filter, ranker, enrichment, renderers, channels), each from its registry (src/registry/), and
 * runs it.
 */
import { resolve } from 'node:path';
import { renderers, type App } from './app.js';
import { createChannel, channelSpecSchema } from './app-channels.js';
import { batchSettings, chooseProvider, enrichFunction, enrichSettings, openJobQueue } from './app-llm.js';
import type { Channel } from './core/channel.js';
import type { Digest } from './core/digest.js';
import type { DeliveryReport } from './core/run-report.js';
import type { Subscription } from './core/config/schema.js';
import { XivdigestError } from './core/errors.js';
import type { Renderer } from './core/render.js';
import type { Ranker } from './core/rank.js';
import { runDaily, newRunId, type DailyRunResult } from './jobs/daily-run.js';
import { deliverQueued, type DeliverJobData } from './jobs/deliver-queue.js';
import { publishLeaseKey, publishQueued, publishRecordKey, type PublishJobData, type PublishJobResult, type PublishRecord } from './jobs/publish-queue.js';
import { publishDigest, type PublishOptions } from './jobs/publish.js';
import { loadRankingInputs, thresholdApplies } from './jobs/ranking-inputs.js';
import { createRunCalendar } from './jobs/run-calendar.js';
import { claimRun, type RunLeaseSettings } from './jobs/run-lease.js';
import type { LlmCallObserver } from './core/llm-observer.js';
import { rankers } from './registry/rankers.js';
import { OUTPUT_FORMATS, rendererFor } from './registry/renderers.js';
import { parseCategoryExpression, feedCategories } from './select/categories.js';
import { createPaperFilter } from './select/filter.js';
import type { Store } from './store/store.js';
import { leaseStoreOf, marksStoreOf } from './store/index.js';
import { resolveSecret } from './channels/index.js';
import type { WebConfig } from './core/config/schema.js';
import { createLinkSigner, type LinkSigner } from './core/signed-links.js';

/**
 * The signer of the one-click links in delivered digests (docs/decisions/0040): needs the site's public address
 * (`web.baseUrl`) and its secret (`web.secret`); without either, digests carry no links and `why` says what is missing.
 */
export function linkSignerFromConfig(web: WebConfig, env: Readonly<Record<string, string | undefined>>): { signer?: LinkSigner; why?: string } {
  if (!web.baseUrl || web.secret === undefined) {
    const missing = [!web.baseUrl ? 'web.baseUrl' : '', web.secret === undefined ? 'web.secret' : ''].filter(Boolean).join(' and ');
    return { why: `digests carry no feedback or unsubscribe links: set ${missing} (see README, "Feedback links")` };
  }
  try {
    const secret = resolveSecret(web.secret, 'web.secret', env);
    if (secret.length < 32) return { why: 'digests carry no feedback or unsubscribe links: web.secret is shorter than 32 characters' };
    return { signer: createLinkSigner({ secret, baseUrl: web.baseUrl }) };
  } catch (error) {
    return { why: `digests carry no feedback or unsubscribe links: ${XivdigestError.isInstance(error) ? error.message : String(error)}` };
  }
}

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
  /** The run's id (default: a new one from `now`), when the caller logs with it before the run starts. */
  runId?: string;
  /** Told about every LLM call of the run (`serve`'s /metrics). */
  llmObserver?: LlmCallObserver;
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

/**
 * The subscription's ranker (its `ranking.method` in the ranker registry), or none for `none` or nothing to rank by;
 * `threshold` is false when the scores have no scale for `ranking.threshold` (hidden papers only, decision 0051).
 */
async function createRanker(settings: DailyRunSettings, store: Store): Promise<{ ranker: Ranker; threshold: boolean } | undefined> {
  const { subscription } = settings;
  const method = subscription.ranking.method;
  if (method === 'none') return undefined;
  if (!Object.hasOwn(rankers, method)) {
    // Unreachable for a config the schema accepted: ranking.method is derived from the ranker registry.
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `subscriptions[${settings.index}].ranking.method ${JSON.stringify(method)} is not a ranking method`,
      hint: `Use one of: ${[...Object.keys(rankers), 'none'].join(', ')}`,
    });
  }
  const inputs = await loadRankingInputs({ store, subscription, env: settings.env, ...(settings.onWarning ? { onWarning: settings.onWarning } : {}) });
  if (!inputs) return undefined;
  const create = await rankers[method as keyof typeof rankers].load();
  const ranker = create({
    ...inputs,
    now: settings.now,
    ranking: subscription.ranking,
    path: `subscriptions[${settings.index}]`,
    env: settings.env,
    provider: () =>
      chooseProvider({
        config: settings.app.loaded.config.llm,
        environment: settings.app.loaded.llmEnvironment,
        ...(settings.llmObserver ? { observer: settings.llmObserver } : {}),
      }).provider,
  });
  return { ranker, threshold: thresholdApplies(inputs) };
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

/** A renderer for every output format, in the subscription's Markdown style, with its homepage for the feeds' links. */
function outputRenderers(subscription: Subscription): Record<string, Renderer> {
  const settings = subscription.outputs.homepage ? { homepage: subscription.outputs.homepage } : {};
  return Object.fromEntries(OUTPUT_FORMATS.map((format) => [format, renderers[rendererFor(format, subscription.outputs.style)!](settings)]));
}

/** The options of publishDigest for one digest of `subscription`: the same in `run` and in a worker's deliver job. */
function publishOptions(parts: {
  subscription: Subscription;
  store: Store;
  label: string;
  digest: Digest;
  channels: Channel[];
  links: LinkSigner | undefined;
  resend: boolean | undefined;
  onProgress: ((message: string) => void) | undefined;
}): PublishOptions {
  const { subscription, store, label, digest } = parts;
  return {
    store,
    subscription: subscription.name,
    renderers: outputRenderers(subscription),
    dir: resolve(subscription.outputs.dir ?? 'digests'),
    formats: subscription.outputs.formats,
    ...(subscription.outputs.latest ? { latestName: subscription.categories.replace(/[^A-Za-z0-9._+-]/g, '_') } : {}),
    channels: parts.channels,
    ...(parts.resend ? { resend: true } : {}),
    subject: `arXiv ${subscription.name} ${label}: ${digest.entries.length} paper${digest.entries.length === 1 ? '' : 's'}`,
    ...(subscription.outputs.homepage ? { url: `${subscription.outputs.homepage.replace(/\/$/, '')}/${subscription.name}/${label}.html` } : {}),
    ...(parts.onProgress ? { onProgress: parts.onProgress } : {}),
    ...(parts.links ? { links: parts.links } : {}),
    unsubscribed: async () => new Set((await marksStoreOf(store).unsubscribed(subscription.name)).map((item) => item.recipient)),
  };
}

/**
 * A worker's deliver job (ADR 0053): the stored digest, sent through the one channel of the subscription's config,
 * by publishDigest with no files, so the store record and the idempotency key are those of `run` in one process.
 */
export async function deliverStoredDigest(parts: {
  app: App;
  env: Readonly<Record<string, string | undefined>>;
  data: DeliverJobData;
  /** Every subscription `run` may name (the config's, then the readers' own); default the config's. */
  subscriptions?: () => Promise<readonly Subscription[]>;
  onProgress?(message: string): void;
}): Promise<DeliveryReport> {
  const { app, data } = parts;
  const config = app.loaded.config;
  const gone = (message: string, hint: string) => new XivdigestError({ code: 'NOT_FOUND', message, hint });
  const { subscription, index } = findSubscription(parts.subscriptions ? await parts.subscriptions() : config.subscriptions, data.subscription);
  const settings = { app, subscription, index, now: new Date(), env: parts.env };
  const channel = createChannels(settings).find((candidate) => candidate.id === data.channel);
  if (!channel)
    throw gone(
      `subscription ${data.subscription} has no channel ${data.channel} in this worker's config`,
      'Give every worker the same config file as the machine that runs `xivdigest run`',
    );
  const store = await app.store();
  const digest = await store.getDigest(data.digest);
  if (!digest) throw gone(`the digest ${data.digest} is not in the store`, 'Give every worker the same store.url (PostgreSQL) as `xivdigest run`');
  const links = linkSignerFromConfig(config.web, parts.env);
  const options = publishOptions({
    subscription,
    store,
    label: data.label,
    digest,
    channels: [channel],
    links: links.signer,
    resend: data.resend,
    onProgress: parts.onProgress,
  });
  const { dir: _dir, latestName: _latest, ...delivery } = options;
  const [report] = await publishDigest(digest, data.label, delivery);
  return report!;
}

/**
 * A worker's publish job (ADR 0056): the stored digest rendered and written under the output folder of this worker's
 * config, while it holds the subscription-day's claim in the store (`publish:<subscription>:<digest>`), so that two
 * workers never write the same files at once. The outcome is recorded (`published:<subscription>:<digest>`) after
 * every file is in place; a job of the same run taken over after that writes nothing again. Files are written to a
 * temporary name and renamed, so a worker killed mid-publish leaves whole files, and the next one writes them all.
 */
export async function publishStoredDigest(parts: {
  app: App;
  data: PublishJobData;
  /** Every subscription `run` may name (the config's, then the readers' own); default the config's. */
  subscriptions?: () => Promise<readonly Subscription[]>;
  /** How long the claim lasts without a heartbeat; a worker waits up to twice this for another's (default 60 s). */
  claimTtlMs?: number;
  onProgress?(message: string): void;
}): Promise<PublishJobResult> {
  const { app, data } = parts;
  const config = app.loaded.config;
  const { subscription } = findSubscription(parts.subscriptions ? await parts.subscriptions() : config.subscriptions, data.subscription);
  const store = await app.store();
  const digest = await store.getDigest(data.digest);
  if (!digest) {
    throw new XivdigestError({
      code: 'NOT_FOUND',
      message: `the digest ${data.digest} is not in the store`,
      hint: 'Give every worker the same store.url (PostgreSQL) as `xivdigest run`',
    });
  }
  const ttlMs = parts.claimTtlMs ?? 60_000;
  const held = await claimRun({
    leases: leaseStoreOf(store),
    subscription: subscription.name,
    runId: data.runId,
    key: publishLeaseKey(subscription.name, data.digest),
    what: `The files of ${data.digest} are being written`,
    ttlMs,
    waitMs: 2 * ttlMs,
  });
  try {
    const recordKey = publishRecordKey(subscription.name, data.digest);
    const earlier = await store.getState<PublishRecord>(recordKey);
    if (earlier?.runId === data.runId) {
      // This run's files are in place already (the job was taken over after they were recorded): nothing to write.
      return {
        report: { channel: 'files', status: 'sent', items: earlier.files.length, detail: earlier.files.join(', ') },
        by: `already written by ${earlier.by} at ${earlier.at}`,
      };
    }
    const options = publishOptions({
      subscription,
      store,
      label: data.label,
      digest,
      channels: [],
      links: undefined,
      resend: undefined,
      onProgress: parts.onProgress,
    });
    const [report] = await publishDigest(digest, data.label, options);
    if (report!.status === 'sent') {
      await held.check();
      const files = (report!.detail ?? '').split(', ').filter(Boolean);
      await store.setState(recordKey, { runId: data.runId, by: held.owner, at: new Date().toISOString(), files } satisfies PublishRecord);
    }
    return { report: report!, by: `written by ${held.owner}` };
  } finally {
    await held.release();
  }
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
  const ranked = await createRanker(settings, store);
  const ranker = ranked?.ranker;
  const lang = subscription.lang ?? config.llm.lang;
  const links = channels.length > 0 ? linkSignerFromConfig(config.web, settings.env) : {};
  if (links.why) settings.onWarning?.(`${subscription.name}: ${links.why}`);
  const rss = app.source('rss');
  const oai = app.source('oai');
  let closeProvider: (() => Promise<void>) | undefined;
  const runId = settings.runId ?? newRunId(settings.now);

  try {
    return await runDaily({
      store,
      // Ranked by hidden papers alone, ranking.threshold has no scale to apply to: the order changes, nothing is dropped.
      subscription: ranked && !ranked.threshold ? { ...subscription, ranking: { topK: subscription.ranking.topK } } : subscription,
      categories,
      now: settings.now,
      runId,
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
        const chosen = chooseProvider({
          config: llm,
          environment: app.loaded.llmEnvironment,
          ...(settings.llmObserver ? { observer: settings.llmObserver } : {}),
        });
        for (const warning of chosen.warnings) settings.onWarning?.(warning);
        // queue.url set: the papers go to the workers (today's priority) and the run waits for them.
        const queued = await enrichFunction(config.queue, chosen);
        closeProvider = async () => {
          await chosen.provider.close?.();
          await queued.close();
        };
        return queued.enrich({
          store,
          provider: chosen.provider,
          papers,
          lang,
          ...enrichSettings(llm),
          ...batchSettings(chosen, llm, store),
          onEvent: (event) => {
            if (event.type === 'queue-unserved') settings.onWarning?.(event.message);
          },
        });
      },
      publish: async (digest, label) => {
        const options = publishOptions({
          subscription,
          store,
          label,
          digest,
          channels,
          links: links.signer,
          resend: settings.resend,
          onProgress: settings.onProgress,
        });
        if (!config.queue.url) return publishDigest(digest, label, options);
        // queue.url set: a worker writes the files (ADR 0056), then each channel's delivery is a job (ADR 0053).
        const queue = (await openJobQueue(config.queue))!;
        try {
          const progress = settings.onProgress ? { onProgress: settings.onProgress } : {};
          const files = await publishQueued(digest.name, label, { queue, subscription: subscription.name, runId, ...progress });
          if (channels.length === 0) return [files];
          const deliveries = await deliverQueued(digest.name, label, {
            queue,
            subscription: subscription.name,
            channels: channels.map((channel) => channel.id),
            ...(settings.resend ? { resend: true } : {}),
            ...progress,
          });
          return [files, ...deliveries];
        } finally {
          await queue.close();
        }
      },
    });
  } finally {
    await closeProvider?.();
  }
}
