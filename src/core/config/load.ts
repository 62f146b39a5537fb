/** Loads the configuration: file, then environment, then command-line overrides; validates with dot-path messages. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { z } from 'zod';
import { describeIssues, sortByPosition } from './issues.js';
import { configSchema, type Config } from './schema.js';
import { rememberConfigSecrets } from '../redact.js';

export interface LoadConfigOptions {
  /** An explicit config file (`--config`); an error when it does not exist. */
  file?: string;
  /** The environment; the loader is the only module that reads it. */
  env?: NodeJS.ProcessEnv;
  /** The working directory in which `xivdigest.config.json` is looked for. */
  cwd?: string;
  /** Command-line overrides, applied last. */
  overrides?: { dbUrl?: string };
  /** The schema to validate with (default: core's, with channel entries left open; src/config.ts passes the full one). */
  schema?: z.ZodType;
  /** Rules from other layers (category expressions, queries), run in the same pass as the schema. */
  rules?: readonly ConfigRule[];
}

export interface ConfigProblem {
  /** Dot path of the offending setting, e.g. `arxiv.minIntervalMs`. */
  path: string;
  message: string;
  /**
   * `run`: a problem only for the commands that run subscriptions (run, serve, select), such as an unset delivery
   * secret or a missing library file; the other commands (papers, runs, …) do not need those settings and start.
   */
  only?: 'run';
}

/** What a rule sees besides the file's contents. */
export interface ConfigRuleContext {
  /** The folder relative paths in the file resolve against: the config file's folder (else the working directory). */
  baseDir: string;
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * A check over the file's contents (after the environment is applied, before the schema's defaults). It runs whether or
 * not the schema accepted the file, so it must look at what it checks defensively; it returns its problems.
 */
export type ConfigRule = (input: unknown, context: ConfigRuleContext) => ConfigProblem[];

export interface LoadedConfig {
  /**
   * The validated configuration, its paths resolved; when there are errors other than `only: 'run'` ones, the defaults
   * (never use it then: see `errors`).
   */
  config: Config;
  /** The file that was read, if any. */
  file: string | undefined;
  /**
   * The LLM variables of the environment, as the original system read them (OPENAI_API_KEY, OPENAI_API_BASE,
   * OPENAI_API_MODEL, OPENAI_AZURE_*, OPENAI_REQUEST_TIMEOUT) plus ANTHROPIC_*, HF_TOKEN; app.ts turns them into a provider.
   */
  llmEnvironment: Readonly<Record<string, string | undefined>>;
  /** The environment, frozen: where `{ "env": NAME }` secrets and ZOTERO_API_KEY are read. */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Where the store setting came from: `--db`, `XIVDIGEST_DB`, the config file, or the default; `unknown` when the file
   * could not be read far enough to tell (then `database` is undefined).
   */
  storeFrom: '--db' | 'XIVDIGEST_DB' | 'config' | 'default' | 'unknown';
  /** The database in use, when it can be told even with errors elsewhere in the file. */
  database: string | undefined;
  warnings: ConfigProblem[];
  errors: ConfigProblem[];
  /** The file's contents with the environment applied, before validation (for checks made outside the loader). */
  input: unknown;
}

export const CONFIG_FILE_NAME = 'xivdigest.config.json';

const LLM_VARIABLES =
  /^(?:OPENAI_(?:API_KEY|API_BASE|API_MODEL|AZURE_API_KEY|AZURE_BASE|AZURE_ENGINE|AZURE_VERSION|REQUEST_TIMEOUT)|ANTHROPIC_(?:API_KEY|BASE_URL|MODEL)|HF_TOKEN)$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The per-user data folder: $XDG_DATA_HOME/xivdigest, else ~/.local/share/xivdigest (%LOCALAPPDATA% on Windows). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XIVDIGEST_HOME) return resolve(env.XIVDIGEST_HOME);
  if (process.platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'xivdigest');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'xivdigest');
}

/** Finds the config file: `--config`, then XIVDIGEST_CONFIG, then ./xivdigest.config.json, then the user's config dir. */
function findConfigFile(options: LoadConfigOptions, env: NodeJS.ProcessEnv): string | undefined {
  if (options.file) return resolve(options.cwd ?? process.cwd(), options.file);
  if (env.XIVDIGEST_CONFIG) return resolve(options.cwd ?? process.cwd(), env.XIVDIGEST_CONFIG);
  const local = join(options.cwd ?? process.cwd(), CONFIG_FILE_NAME);
  if (existsSync(local)) return local;
  const user = join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'xivdigest', 'config.json');
  return existsSync(user) ? user : undefined;
}

/**
 * Reads, validates and normalizes the configuration. Every problem is found in one pass: the schema (unknown keys and
 * channel types with suggestions) and the rules (unique names, library files that exist, `{ "env" }` secrets that are
 * set, plus `options.rules`). Relative paths in the file resolve against the file's folder.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const schema = options.schema ?? configSchema;
  const errors: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const file = findConfigFile(options, env);
  const baseDir = file ? dirname(file) : cwd;
  const frozenEnv = Object.freeze({ ...env });

  let raw: unknown = {};
  let readable = true;
  if (file) {
    if (!existsSync(file)) {
      errors.push({ path: '(file)', message: `config file ${file} does not exist` });
      readable = false;
    } else {
      const text = readFileSync(file, 'utf8');
      try {
        raw = JSON.parse(text);
      } catch (error) {
        errors.push({ path: '(file)', message: jsonSyntaxMessage(file, text, error as Error) });
        readable = false;
      }
    }
  }

  // The environment fills settings the file leaves out; XIVDIGEST_DB outranks the file's store.url.
  const withEnv = applyEnvironment(raw, env);
  let parsedConfig: Config | undefined;
  if (readable) {
    const parsed = schema.safeParse(withEnv);
    if (parsed.success) parsedConfig = parsed.data as Config;
    else errors.push(...describeIssues(parsed.error.issues, schema, withEnv));
    const context: ConfigRuleContext = { baseDir, env: frozenEnv };
    for (const rule of [uniqueSubscriptionNames, libraryFilesExist, secretsAreSet, ...(options.rules ?? [])]) errors.push(...rule(withEnv, context));
  }
  // Sorted by position in the file, so that the report reads top to bottom whichever check found each problem.
  errors.splice(0, errors.length, ...sortByPosition(errors, withEnv));

  // Problems only the daily run has (an unset secret) leave the settings usable by the other commands.
  const valid = parsedConfig !== undefined && errors.every((problem) => problem.only === 'run');
  // With errors, the defaults stand in for the type's sake; nothing derived from them is shown as if it applied.
  // A copy: zod hands out its default objects themselves, and the result is frozen below.
  const config = structuredClone(valid ? parsedConfig! : (configSchema.parse({}) as Config));
  if (valid) resolvePaths(config, baseDir);

  const store = storeSetting(readable ? withEnv : undefined, baseDir, env, options.overrides?.dbUrl);
  config.store.url = store.database ?? join(defaultDataDir(env), 'xivdigest.db');

  const arxiv = record(record(withEnv)?.arxiv);
  if (readable && arxiv?.contact === undefined && arxiv?.userAgent === undefined) {
    warnings.push({
      path: 'arxiv.contact',
      message: 'no contact set; arXiv asks automated clients to give one (set arxiv.contact or XIVDIGEST_CONTACT)',
    });
  }
  const llmEnvironment = Object.freeze(Object.fromEntries(Object.entries(env).filter(([name]) => LLM_VARIABLES.test(name))));
  if (config.llm.local.modelsDir === undefined) config.llm.local.modelsDir = join(defaultDataDir(env), 'models');
  rememberConfigSecrets(config, env);
  return {
    config: deepFreeze(config),
    file,
    storeFrom: store.from,
    database: store.database,
    llmEnvironment,
    env: frozenEnv,
    warnings,
    errors,
    input: readable ? deepFreeze(withEnv) : undefined,
  };
}

/** Line, column and the offending line with a caret, from V8's "… in JSON at position N" (or the end of the text). */
function jsonSyntaxMessage(file: string, text: string, error: Error): string {
  const position = /at position (\d+)/.exec(error.message)?.[1];
  const offset = position === undefined ? text.length : Number(position);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = offset - lineStart + 1;
  const lineText = text.slice(lineStart).split('\n')[0]!.replace(/\r$/, '');
  const reason = error.message.replace(/\s*in JSON at position \d+.*$/, '').replace(/^Unexpected end of JSON input$/, 'unexpected end of the file');
  return `${file}:${line}:${column}: invalid JSON: ${reason}\n  ${lineText}\n  ${' '.repeat(Math.max(0, column - 1))}^`;
}

function storeSetting(
  input: unknown,
  baseDir: string,
  env: NodeJS.ProcessEnv,
  flag: string | undefined,
): { from: LoadedConfig['storeFrom']; database: string | undefined } {
  // Paths from flags and the environment are the user's own, relative to the working directory: they are left as given.
  if (flag) return { from: '--db', database: flag };
  if (env.XIVDIGEST_DB) return { from: 'XIVDIGEST_DB', database: env.XIVDIGEST_DB };
  if (input === undefined) return { from: 'unknown', database: undefined };
  const root = record(input);
  const store = root?.store;
  if (store === undefined) return { from: 'default', database: join(defaultDataDir(env), 'xivdigest.db') };
  const url = record(store)?.url;
  if (record(store) && url === undefined) return { from: 'default', database: join(defaultDataDir(env), 'xivdigest.db') };
  if (typeof url === 'string' && url.length > 0) return { from: 'config', database: resolveStoreUrl(url, baseDir) };
  return { from: 'unknown', database: undefined };
}

/** A SQLite path (bare or `sqlite:PATH`) resolved against the config's folder; URLs and `:memory:` unchanged. */
function resolveStoreUrl(url: string, baseDir: string): string {
  if (url === ':memory:' || (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^sqlite:/i.test(url))) return url;
  if (/^file:/i.test(url)) return url;
  const sqlite = /^sqlite:/i.exec(url);
  if (sqlite) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    return path === ':memory:' ? url : `sqlite:${resolve(baseDir, path)}`;
  }
  return resolve(baseDir, url);
}

/** A model setting that names a local file (not `hf:` or a URL) resolved against the config's folder. */
function resolveModelPath(model: string, baseDir: string): string {
  return /^(?:hf:|https?:\/\/)/i.test(model) ? model : resolve(baseDir, model);
}

/** Every file path in the config, resolved against the config file's folder (the README's rule). */
function resolvePaths(config: Config, baseDir: string): void {
  if (config.llm.local.model) config.llm.local.model = resolveModelPath(config.llm.local.model, baseDir);
  if (config.llm.local.modelsDir) config.llm.local.modelsDir = resolve(baseDir, config.llm.local.modelsDir);
  if (config.llm.provider === 'llama-cpp' && config.llm.model && /\.gguf$/i.test(config.llm.model))
    config.llm.model = resolveModelPath(config.llm.model, baseDir);
  for (const subscription of config.subscriptions) {
    subscription.library.files = subscription.library.files.map((file) => resolve(baseDir, file));
    if (subscription.outputs.dir !== undefined) subscription.outputs.dir = resolve(baseDir, subscription.outputs.dir);
    const embeddings = subscription.ranking.embeddings;
    if (subscription.ranking.method === 'local-embeddings' && embeddings?.model) embeddings.model = resolveModelPath(embeddings.model, baseDir);
  }
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The subscriptions of the raw file, each with its index, skipping entries that are not objects (the schema reports those). */
export function rawSubscriptions(input: unknown): Array<{ index: number; subscription: Record<string, unknown> }> {
  const list = record(input)?.subscriptions;
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry, index) => (record(entry) ? [{ index, subscription: record(entry)! }] : []));
}

const uniqueSubscriptionNames: ConfigRule = (input) => {
  const seen = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const { index, subscription } of rawSubscriptions(input)) {
    if (typeof subscription.name !== 'string') continue;
    if (seen.has(subscription.name))
      problems.push({ path: `subscriptions.${index}.name`, message: `subscription name "${subscription.name}" is used twice; names must be unique` });
    seen.add(subscription.name);
  }
  return problems;
};

const libraryFilesExist: ConfigRule = (input, { baseDir }) => {
  const problems: ConfigProblem[] = [];
  for (const { index, subscription } of rawSubscriptions(input)) {
    const files = record(subscription.library)?.files;
    if (!Array.isArray(files)) continue;
    files.forEach((file, position) => {
      if (typeof file !== 'string' || file === '') return;
      const path = resolve(baseDir, file);
      const where = isAbsolute(file) ? path : `${path} (relative paths are read from the config file's folder, ${baseDir})`;
      if (!existsSync(path))
        problems.push({ path: `subscriptions.${index}.library.files.${position}`, message: `library file ${where} does not exist`, only: 'run' });
      else if (!statSync(path).isFile())
        problems.push({ path: `subscriptions.${index}.library.files.${position}`, message: `library file ${where} is not a file`, only: 'run' });
    });
  }
  return problems;
};

/** `{ "env": "NAME" }` secrets in channel entries whose variable is unset: named, never their value. */
const secretsAreSet: ConfigRule = (input, { env }) => {
  const problems: ConfigProblem[] = [];
  const visit = (value: unknown, path: string): void => {
    const object = record(value);
    if (Array.isArray(value)) value.forEach((item, index) => visit(item, `${path}.${index}`));
    if (!object) return;
    const keys = Object.keys(object);
    if (keys.length === 1 && keys[0] === 'env' && typeof object.env === 'string' && ENV_NAME.test(object.env)) {
      const set = env[object.env];
      if (set === undefined || set.trim() === '')
        problems.push({ path, message: `the environment variable ${object.env} is not set (this secret is read from it)`, only: 'run' });
      return;
    }
    for (const [key, inner] of Object.entries(object)) visit(inner, `${path}.${key}`);
  };
  for (const { index, subscription } of rawSubscriptions(input)) {
    const channels = record(subscription.outputs)?.channels;
    if (Array.isArray(channels)) channels.forEach((channel, position) => visit(channel, `subscriptions.${index}.outputs.channels.${position}`));
  }
  return problems;
};

function applyEnvironment(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const copy = structuredClone(raw) as Record<string, unknown>;
  const arxiv = (typeof copy.arxiv === 'object' && copy.arxiv !== null ? copy.arxiv : {}) as Record<string, unknown>;
  if (env.XIVDIGEST_CONTACT && arxiv.contact === undefined) arxiv.contact = env.XIVDIGEST_CONTACT;
  if (env.XIVDIGEST_ARXIV_RSS_URL) arxiv.rssBaseUrl = env.XIVDIGEST_ARXIV_RSS_URL;
  if (env.XIVDIGEST_ARXIV_API_URL) arxiv.apiBaseUrl = env.XIVDIGEST_ARXIV_API_URL;
  if (env.XIVDIGEST_ARXIV_OAI_URL) arxiv.oaiBaseUrl = env.XIVDIGEST_ARXIV_OAI_URL;
  if (env.XIVDIGEST_MIN_INTERVAL_MS) arxiv.minIntervalMs = Number(env.XIVDIGEST_MIN_INTERVAL_MS);
  copy.arxiv = arxiv;
  if (env.XIVDIGEST_QUEUE_URL) {
    const queue = (typeof copy.queue === 'object' && copy.queue !== null ? copy.queue : {}) as Record<string, unknown>;
    queue.url = env.XIVDIGEST_QUEUE_URL;
    copy.queue = queue;
  }
  return copy;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
