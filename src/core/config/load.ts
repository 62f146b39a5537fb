/** Loads the configuration: file, then environment, then command-line overrides; validates with dot-path messages. */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
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
}

export interface ConfigProblem {
  /** Dot path of the offending setting, e.g. `arxiv.minIntervalMs`. */
  path: string;
  message: string;
}

export interface LoadedConfig {
  config: Config;
  /** The file that was read, if any. */
  file: string | undefined;
  /**
   * The LLM variables of the environment, as the original system read them (OPENAI_API_KEY, OPENAI_API_BASE,
   * OPENAI_API_MODEL, OPENAI_AZURE_*, OPENAI_REQUEST_TIMEOUT) plus ANTHROPIC_*, HF_TOKEN; app.ts turns them into a provider.
   */
  llmEnvironment: Readonly<Record<string, string | undefined>>;
  /** Where the store setting came from: `--db`, `XIVDIGEST_DB`, the config file, or the default. */
  storeFrom: '--db' | 'XIVDIGEST_DB' | 'config' | 'default';
  warnings: ConfigProblem[];
  errors: ConfigProblem[];
}

export const CONFIG_FILE_NAME = 'xivdigest.config.json';

const LLM_VARIABLES = /^(?:OPENAI_(?:API_KEY|API_BASE|API_MODEL|AZURE_API_KEY|AZURE_BASE|AZURE_ENGINE|AZURE_VERSION|REQUEST_TIMEOUT)|ANTHROPIC_(?:API_KEY|BASE_URL|MODEL)|HF_TOKEN)$/;

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

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const errors: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const file = findConfigFile(options, env);

  let raw: unknown = {};
  if (file) {
    if (!existsSync(file)) {
      errors.push({ path: '(file)', message: `config file ${file} does not exist` });
    } else {
      try {
        raw = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        errors.push({ path: '(file)', message: `${file} is not valid JSON: ${(error as Error).message}` });
      }
    }
  }

  // The environment fills settings the file leaves out; XIVDIGEST_DB outranks the file's store.url.
  const withEnv = applyEnvironment(raw, env);
  const parsed = configSchema.safeParse(withEnv);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      errors.push({ path: issue.path.length > 0 ? issue.path.join('.') : '(root)', message: issue.message });
    }
  }
  // With errors, the defaults stand in, so that `config check` can still say which database would be used.
  const config = parsed.success ? parsed.data : configSchema.parse({});

  let storeFrom: LoadedConfig['storeFrom'] = config.store.url ? 'config' : 'default';
  if (env.XIVDIGEST_DB) {
    config.store.url = env.XIVDIGEST_DB;
    storeFrom = 'XIVDIGEST_DB';
  }
  if (options.overrides?.dbUrl) {
    config.store.url = options.overrides.dbUrl;
    storeFrom = '--db';
  }
  if (!config.store.url) config.store.url = join(defaultDataDir(env), 'xivdigest.db');

  if (!config.arxiv.contact && !config.arxiv.userAgent) {
    warnings.push({
      path: 'arxiv.contact',
      message: 'no contact set; arXiv asks automated clients to give one (set arxiv.contact or XIVDIGEST_CONTACT)',
    });
  }
  const llmEnvironment = Object.freeze(Object.fromEntries(Object.entries(env).filter(([name]) => LLM_VARIABLES.test(name))));
  if (config.llm.local.modelsDir === undefined) config.llm.local.modelsDir = join(defaultDataDir(env), 'models');
  rememberConfigSecrets(config, env);
  return { config: deepFreeze(config), file, storeFrom, llmEnvironment, warnings, errors };
}

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
  return copy;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
