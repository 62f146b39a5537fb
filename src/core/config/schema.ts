/**
 * The configuration schema (zod): one file plus the environment, validated and normalized by load.ts. Parts that belong
 * to other layers (the channels' own schemas, and the ids of the renderer, provider and ranker registries) are passed in
 * by the composition root (src/config.ts, decision 0033), so core imports no sibling folder.
 */
import { z } from 'zod';
import { hasUserinfo } from '../redact.js';

const url = z.string().url();

export const arxivConfigSchema = z
  .object({
    /** Contact put in the User-Agent, as arXiv asks of automated clients. */
    contact: z.string().min(3).optional().describe('Email or URL arXiv can reach you at; it goes in the User-Agent.'),
    userAgent: z.string().min(3).optional().describe('Full User-Agent override.'),
    rssBaseUrl: url.default('https://rss.arxiv.org'),
    apiBaseUrl: url.default('https://export.arxiv.org/api/query'),
    oaiBaseUrl: url.default('https://oaipmh.arxiv.org/oai'),
    /** arXiv's rule: no more than one request every 3 seconds per host. */
    minIntervalMs: z.number().int().min(0).default(3000),
    timeoutMs: z.number().int().positive().default(60_000),
    maxRetries: z.number().int().min(0).max(20).default(4),
    maxRetryDelayMs: z.number().int().positive().default(300_000),
  })
  .strict();

const positiveInt = z.number().int().positive();

/** An open string where the composition root fills in a registry's ids (core's own schema does not know them). */
const registryId = z.string().min(1);

function createLlmConfigSchema(provider: z.ZodType<string>) {
  return z
    .object({
      /** `auto`: an API from the environment (the original's OPENAI_* variables, ANTHROPIC_API_KEY), else the local model. */
      provider: provider.default('auto'),
      model: z.string().min(1).optional().describe('Model id (API) or GGUF path / hf: URI (llama-cpp).'),
      baseUrl: z
        .string()
        .url()
        .refine((value) => !hasUserinfo(value), {
          message: 'a URL with user:password@ is refused here: put the key in the environment (OPENAI_API_KEY) instead (decision 0025)',
        })
        .optional()
        .describe('API base URL; overrides OPENAI_API_BASE.'),
      apiKey: z.string().min(1).optional().describe('API key; prefer the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY).'),
      structuredOutputs: z.enum(['auto', 'json-schema', 'json-mode']).default('auto'),
      azure: z
        .object({ deployment: z.string().min(1).optional(), apiVersion: z.string().min(1).optional() })
        .strict()
        .default({}),
      /** Target language of the translations. */
      lang: z
        .string()
        .regex(/^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$/, 'a language code such as zh, ja, fr or zh-TW')
        .default('zh'),
      concurrency: positiveInt.max(256).default(4),
      rpm: positiveInt.optional().describe('Requests per minute the provider allows.'),
      tpm: positiveInt.optional().describe('Tokens per minute the provider allows.'),
      timeoutMs: positiveInt.optional().describe('Per-call timeout; default OPENAI_REQUEST_TIMEOUT or 60 s.'),
      maxAttempts: positiveInt.max(20).default(4),
      maxRepairs: z.number().int().min(0).max(5).default(2),
      structuredSummary: z.boolean().default(false).describe('Also write a structured summary (motivation, method, result, conclusion), one sentence each.'),
      /** US dollars one run may spend. */
      budget: z.number().positive().optional(),
      /** Prices in USD per million tokens, by `provider/model` or `model`. */
      prices: z
        .record(
          z.string(),
          z
            .object({
              inputPerMillion: z.number().min(0),
              outputPerMillion: z.number().min(0),
              cachedInputPerMillion: z.number().min(0).optional(),
              cacheWritePerMillion: z.number().min(0).optional(),
            })
            .strict(),
        )
        .default({}),
      /** Send enrichment through the provider's batch API (half price; answers within minutes to 24 h). */
      batch: z
        .boolean()
        .default(false)
        .describe('Enrich through the batch API (OpenAI-compatible /batches, Anthropic Message Batches): half price, answers take minutes to 24 h.'),
      batchPollSeconds: z.number().positive().default(30).describe('Seconds between two looks at an open batch.'),
      local: z
        .object({
          model: z.string().min(1).optional().describe('GGUF file path or hf:user/repo/file.gguf; default: the built-in small model.'),
          modelsDir: z.string().min(1).optional(),
          threads: positiveInt.optional(),
          contextSize: positiveInt.optional(),
          parallel: positiveInt.max(64).optional(),
        })
        .strict()
        .default({}),
    })
    .strict();
}

/** The `llm` section with `provider` left open; src/config.ts fills in the provider registry's ids. */
export const llmConfigSchema = createLlmConfigSchema(registryId);

const languageCode = z.string().regex(/^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$/, 'a language code such as zh, ja, fr or zh-TW');

/** What the composition root adds to the schema, from its registries (decision 0033). */
export interface ConfigSchemaParts<Channel extends z.ZodType> {
  /** One delivery channel entry: the channels' discriminated union. */
  channel: Channel;
  /** One of `outputs.formats`: the renderer registry's formats. */
  outputFormat: z.ZodType<string>;
  /** `llm.provider`: `auto` or a provider registry id. */
  provider: z.ZodType<string>;
  /** `ranking.method`: a ranker registry id or `none`. */
  rankingMethod: z.ZodType<string>;
}

/** One reader's daily digest: what to fetch, how to select, in which language, and where it goes. */
function createSubscriptionSchema<Channel extends z.ZodType>(parts: ConfigSchemaParts<Channel>) {
  return z
    .object({
      name: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a name of letters, digits, dots, dashes and underscores (it becomes a folder name)')
        .describe('Unique name; outputs go to <outputs.dir>/<name>/.'),
      categories: z.string().min(2).describe('arXiv categories with union and difference, e.g. "cs.CL+cs.AI-cs.CY"; an archive alone (math) is allowed.'),
      crossLists: z.boolean().default(true).describe('Whether papers cross-listed into the categories count.'),
      replacements: z
        .boolean()
        .default(false)
        .describe('Whether replaced papers never delivered before count (updates of delivered papers are governed by `updates`).'),
      updates: z.boolean().default(true).describe('Deliver a paper again, flagged "updated (vN)", when a new version changes its abstract.'),
      filters: z
        .object({
          query: z.string().min(1).optional().describe('Query: AND, OR, NOT, (), "phrases", ti: abs: au: cat: prefixes.'),
          authors: z.array(z.string().min(1)).default([]).describe('Followed authors; their papers always pass (exclusions still win).'),
          include: z.array(z.string().min(1)).default([]).describe('Keywords: a paper must mention at least one (title or abstract).'),
          exclude: z.array(z.string().min(1)).default([]).describe('Keywords: a paper mentioning any is skipped.'),
        })
        .strict()
        .default({ authors: [], include: [], exclude: [] }),
      library: z
        .object({
          files: z
            .array(z.string().min(1))
            .default([])
            .describe('BibTeX, CSL-JSON, RIS, Zotero RDF or arXiv-id list files (paths relative to the config file).'),
          zotero: z
            .object({
              userId: z.string().min(1),
              apiKey: z.string().min(1).optional().describe('Prefer the environment: ZOTERO_API_KEY.'),
              collection: z.string().min(1).optional(),
              baseUrl: url.default('https://api.zotero.org'),
            })
            .strict()
            .optional(),
        })
        .strict()
        .default({ files: [] }),
      ranking: z
        .object({
          method: parts.rankingMethod.default('lexical'),
          topK: z.number().int().positive().optional().describe('Keep at most this many papers per run.'),
          threshold: z
            .number()
            .min(0)
            .max(1)
            .optional()
            .describe(
              'Keep only papers scoring at least this, on the 0–1 scale of your library (lexical: 0.5 = as close as your median library paper; 0.1 drops what is unlike all of it).',
            ),
          halfLifeDays: z.number().positive().default(365).describe('Library items this many days old weigh half as much.'),
          embeddings: z
            .object({ baseUrl: url.optional(), model: z.string().min(1).optional(), apiKey: z.string().min(1).optional() })
            .strict()
            .optional(),
          interests: z.string().min(1).optional().describe('llm method: your interests in a few sentences.'),
        })
        .strict()
        .default({ method: 'lexical', halfLifeDays: 365 }),
      lang: languageCode.optional().describe('Target language; default llm.lang.'),
      outputs: z
        .object({
          dir: z.string().min(1).optional().describe('Folder for files, relative to the config file; default ./digests in the working directory.'),
          formats: z.array(parts.outputFormat).default(['md', 'html', 'rss']),
          latest: z.boolean().default(true).describe('Also write <category>.md and <category>.xml, the original file names.'),
          style: z.enum(['native', 'rich']).default('native').describe('Markdown layout: the original table (native) or a richer one.'),
          homepage: url.optional().describe('Where the files are published; feeds link to it.'),
          channels: z.array(parts.channel).default([]).describe("Where to deliver: one entry per channel, each with its `type` and that type's options."),
        })
        .strict()
        .default({ formats: ['md', 'html', 'rss'], latest: true, style: 'native', channels: [] }),
      schedule: z
        .object({
          cron: z
            .string()
            .min(1)
            .default('30 0 * * 1-5')
            .describe("When `serve --schedule` runs it; default 00:30 Eastern, Monday to Friday, 30 minutes after rss.arxiv.org builds the day's feed."),
          timezone: z.string().min(1).default('America/New_York').describe('IANA timezone of the cron expression.'),
        })
        .strict()
        .default({ cron: '30 0 * * 1-5', timezone: 'America/New_York' }),
      maxCatchUpDays: z
        .number()
        .int()
        .positive()
        .max(90)
        .default(14)
        .describe('Missed announcement days filled at most (the oldest are left out and reported).'),
    })
    .strict();
}

/** A secret: the value itself or `{ "env": "NAME" }` (the channels' form; core cannot import theirs). */
const webSecret = z.union([
  z.string().min(32, 'at least 32 characters'),
  z.object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') }).strict(),
]);

/** Accounts of the web site (docs/decisions/0038): who may join, who administers, the signing secret, sign-in mail. */
export const webConfigSchema = z
  .object({
    accounts: z.boolean().default(false).describe('Readers sign in (by an emailed link) to use the site; off: the site is public and has no accounts.'),
    baseUrl: url
      .optional()
      .describe('Where readers reach the site, e.g. https://digest.example.org; sign-in links use it (default: the address serve listens on).'),
    signup: z
      .union([z.enum(['invite', 'open']), z.object({ domains: z.array(z.string().min(1)).min(1) }).strict()])
      .default('invite')
      .describe('Who may join: "invite" (an admin invites by email), "open" (anyone), or { "domains": ["example.org"] }.'),
    admins: z.array(z.string().email()).default([]).describe('Emails of the admins: they may invite and remove readers.'),
    secret: webSecret.optional().describe('Signs CSRF tokens and browser cookies: { "env": "XIVDIGEST_WEB_SECRET" } (32+ random characters).'),
    trustProxy: z.boolean().default(false).describe('Believe X-Forwarded-Proto and X-Forwarded-For (only behind your own reverse proxy).'),
    metricsToken: webSecret
      .optional()
      .describe('Bearer token /metrics requires: { "env": "XIVDIGEST_METRICS_TOKEN" } (32+ characters). Unset: /metrics answers this machine only.'),
    metricsOpen: z.boolean().default(false).describe('Without metricsToken, let anyone read /metrics (only on a private network).'),
    allowPrivateNetwork: z
      .boolean()
      .default(false)
      .describe(
        "Let readers' own subscriptions deliver to private, loopback or link-local addresses (a chat server or webhook on your network). Off: such URLs are refused.",
      ),
    mail: z
      .looseObject({})
      .optional()
      .describe('SMTP for sign-in emails: the settings of an email channel (host, port, secure, requireTLS, user, password, from, …) without recipients.'),
  })
  .strict();
export type WebConfig = z.infer<typeof webConfigSchema>;

/** `queue`: unset, everything runs in one process; a Redis URL sends enrichment to `xivdigest worker` processes (decision 0041). */
export const queueConfigSchema = z
  .object({
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'a Redis URL, e.g. redis://127.0.0.1:6379 (rediss:// for TLS)')
      .optional()
      .describe('Redis URL of the job queue (XIVDIGEST_QUEUE_URL); unset: jobs run in this process.'),
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . and - only')
      .default('xivdigest')
      .describe('Prefix of the Redis keys, so that installations can share one Redis.'),
    lockSeconds: z
      .number()
      .min(1)
      .max(600)
      .default(30)
      .describe("How long a worker's job lock lasts unrenewed: a dead worker's jobs run again after about twice this."),
    globalConcurrency: z.number().int().positive().optional().describe('Jobs at once across all workers of one provider account.'),
    workerWaitSeconds: z
      .number()
      .min(0)
      .max(7 * 24 * 3600)
      .default(600)
      .describe(
        'How long run, enrich and backfill wait for their jobs while no worker serves the queue; then they stop waiting and say so (the jobs stay queued). 0: wait forever.',
      ),
  })
  .strict();
export type QueueConfig = z.infer<typeof queueConfigSchema>;

/**
 * The whole config file's schema, with `parts` filled in. Rules that need more than one value or other layers (unique
 * names, category expressions and queries, files that exist, secrets that are set) are checked by load.ts in the same
 * pass, so that every problem is reported at once.
 */
export function createConfigSchema<Channel extends z.ZodType>(parts: ConfigSchemaParts<Channel>) {
  return z
    .object({
      $schema: z.string().optional(),
      store: z
        .object({
          /** A SQLite file path, `sqlite:PATH`, or a `postgres://` URL. */
          url: z.string().min(1).optional().describe('SQLite file path, sqlite:PATH, or postgres:// URL.'),
        })
        .strict()
        .default({}),
      queue: queueConfigSchema.default(queueConfigSchema.parse({})),
      arxiv: arxivConfigSchema.default(arxivConfigSchema.parse({})),
      llm: createLlmConfigSchema(parts.provider).default(llmConfigSchema.parse({})),
      subscriptions: z.array(createSubscriptionSchema(parts)).default([]),
      web: webConfigSchema.default(webConfigSchema.parse({})),
      log: z
        .object({
          format: z
            .enum(['human', 'json'])
            .default('human')
            .describe('How run, serve and worker write their log to stderr: "human" lines, or one JSON object per line (--log-format).'),
        })
        .strict()
        .default({ format: 'human' }),
    })
    .strict();
}

/**
 * The schema with channel entries left open (`{ type, … }` objects) and registry ids as plain strings; src/config.ts
 * fills in the channels' own schemas and the registries' ids.
 */
const openParts = { channel: z.looseObject({ type: z.string() }), outputFormat: registryId, provider: registryId, rankingMethod: registryId };
export const configSchema = createConfigSchema(openParts);
export const subscriptionSchema = createSubscriptionSchema(openParts);
export type Subscription = z.infer<typeof subscriptionSchema>;
export type Config = z.infer<typeof configSchema>;
export type ArxivConfig = z.infer<typeof arxivConfigSchema>;
export type LlmConfig = z.infer<typeof llmConfigSchema>;

/** The JSON Schema of a config schema, published for editors (`xivdigest config schema`). */
export function configJsonSchema(schema: z.ZodType = configSchema): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
