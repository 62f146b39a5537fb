/** The configuration schema (zod): one file plus the environment, validated and normalized by load.ts. */
import { z } from 'zod';

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

export const llmConfigSchema = z
  .object({
    /** `auto`: an API from the environment (the original's OPENAI_* variables, ANTHROPIC_API_KEY), else the local model. */
    provider: z.enum(['auto', 'openai-compatible', 'azure', 'anthropic', 'llama-cpp']).default('auto'),
    model: z.string().min(1).optional().describe('Model id (API) or GGUF path / hf: URI (llama-cpp).'),
    baseUrl: z.string().url().optional().describe('API base URL; overrides OPENAI_API_BASE.'),
    apiKey: z.string().min(1).optional().describe('API key; prefer the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY).'),
    structuredOutputs: z.enum(['auto', 'json-schema', 'json-mode']).default('auto'),
    azure: z.object({ deployment: z.string().min(1).optional(), apiVersion: z.string().min(1).optional() }).strict().default({}),
    /** Target language of the translations. */
    lang: z.string().regex(/^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$/, 'a language code such as zh, ja, fr or zh-TW').default('zh'),
    concurrency: positiveInt.max(256).default(4),
    rpm: positiveInt.optional().describe('Requests per minute the provider allows.'),
    tpm: positiveInt.optional().describe('Tokens per minute the provider allows.'),
    timeoutMs: positiveInt.optional().describe('Per-call timeout; default OPENAI_REQUEST_TIMEOUT or 60 s.'),
    maxAttempts: positiveInt.max(20).default(4),
    maxRepairs: z.number().int().min(0).max(5).default(2),
    /** US dollars one run may spend. */
    budget: z.number().positive().optional(),
    /** Prices in USD per million tokens, by `provider/model` or `model`. */
    prices: z.record(z.string(), z.object({ inputPerMillion: z.number().min(0), outputPerMillion: z.number().min(0) }).strict()).default({}),
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

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    store: z
      .object({
        /** A SQLite file path, `sqlite:PATH`, or a `postgres://` URL. */
        url: z.string().min(1).optional().describe('SQLite file path, sqlite:PATH, or postgres:// URL.'),
      })
      .strict()
      .default({}),
    arxiv: arxivConfigSchema.default(arxivConfigSchema.parse({})),
    llm: llmConfigSchema.default(llmConfigSchema.parse({})),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ArxivConfig = z.infer<typeof arxivConfigSchema>;
export type LlmConfig = z.infer<typeof llmConfigSchema>;

/** The JSON Schema published for editors (`xivdigest config schema`). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input' }) as Record<string, unknown>;
}
