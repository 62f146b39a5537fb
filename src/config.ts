/**
 * Part of the composition root: the whole configuration, assembled from core's schema, the channels' own schemas and
 * the selection rules. `config check` and every command that loads the config (run, serve, select, …) call
 * {@link loadAppConfig}, so the check cannot say ok to a config that a run then rejects.
 */
import { z } from 'zod';
import { emailChannelSchema } from './channels/email/options.js';
import { describeIssues } from './core/config/issues.js';
import { loadConfig, rawSubscriptions, type ConfigProblem, type ConfigRule, type LoadConfigOptions, type LoadedConfig } from './core/config/load.js';
import { configJsonSchema, createConfigSchema, type Subscription } from './core/config/schema.js';
import { XivdigestError } from './core/errors.js';
import { channelSpecSchema } from './registry/channels.js';
import { PROVIDER_CHOICES, PROVIDER_VARIABLE_SETTINGS, providers } from './registry/providers.js';
import { RANKING_METHODS, rankers, type RankerEntry } from './registry/rankers.js';
import { OUTPUT_FORMATS } from './registry/renderers.js';
import { validateFilterSpec } from './select/filter.js';
import { suggestCategory } from './core/taxonomy.js';

/**
 * The config file's schema, its open parts filled from the registries (decision 0033): each channel entry typed by its
 * own options (a discriminated union on `type`), the output formats, `llm.provider` and `ranking.method`.
 */
export const appConfigSchema = createConfigSchema({
  channel: channelSpecSchema,
  outputFormat: z.enum(OUTPUT_FORMATS),
  provider: z.enum(PROVIDER_CHOICES),
  rankingMethod: z.enum(RANKING_METHODS),
});

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

/** Category expressions and queries, checked as the run compiles them, with the position of each problem. */
const filterRule: ConfigRule = (input) => {
  const problems: ConfigProblem[] = [];
  for (const { index, subscription } of rawSubscriptions(input)) {
    const filters = (typeof subscription.filters === 'object' && subscription.filters !== null ? subscription.filters : {}) as Record<string, unknown>;
    const hasCategories = typeof subscription.categories === 'string' && subscription.categories.length >= 2;
    const errors = validateFilterSpec({
      // A missing or mistyped expression is the schema's to report; the rest is still checked.
      categories: hasCategories ? (subscription.categories as string) : 'cs',
      ...(typeof filters.query === 'string' && filters.query.length > 0 ? { query: filters.query } : {}),
      authors: strings(filters.authors),
      include: strings(filters.include),
      exclude: strings(filters.exclude),
    });
    for (const error of errors) {
      const field = String(error.details.path ?? 'filters');
      if (field === 'categories' && !hasCategories) continue;
      const dotted = field.replace(/\[(\d+)\]/g, '.$1');
      const path = field === 'categories' ? `subscriptions.${index}.categories` : `subscriptions.${index}.filters.${dotted}`;
      let message = error.message.startsWith(`${field}: `) ? error.message.slice(field.length + 2) : error.message;
      if (field === 'categories' && !/did you mean/.test(message)) {
        const word =
          typeof error.details.expression === 'string' && typeof error.details.position === 'number'
            ? /^[^\s+,-]*(?:-[a-z]+)*/.exec(error.details.expression.slice(error.details.position))?.[0]
            : undefined;
        const suggestion = word ? suggestCategory(word) : undefined;
        if (suggestion) message = message.replace(/\n/, `; did you mean ${suggestion}?\n`);
      }
      problems.push({ path, message });
    }
  }
  return problems;
};

/** What the chosen ranking method needs (its `needs` in the ranker registry), which the run asks for only when it ranks. */
const rankingRule: ConfigRule = (input) => {
  const problems: ConfigProblem[] = [];
  for (const { index, subscription } of rawSubscriptions(input)) {
    const ranking = typeof subscription.ranking === 'object' && subscription.ranking !== null ? (subscription.ranking as Record<string, unknown>) : undefined;
    const method = ranking?.method;
    if (typeof method !== 'string' || !Object.hasOwn(rankers, method)) continue;
    const entry: RankerEntry = rankers[method as keyof typeof rankers];
    for (const need of entry.needs ?? []) {
      const value = need.setting
        .split('.')
        .reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined), ranking);
      if (typeof value !== 'string') problems.push({ path: `subscriptions.${index}.ranking.${need.setting}`, message: need.message });
    }
  }
  return problems;
};

/**
 * Accounts (docs/decisions/0038): with `web.accounts` on, the signing secret must be set (in the environment when
 * given as `{ env }`) and `web.mail` must be an email channel's settings (recipients aside: each sign-in email has its
 * own). Run-only, as delivery secrets are: `serve` and `readers` refuse to start on them, `papers` does not care.
 */
const webAccountsRule: ConfigRule = (input, { env }) => {
  const web = (typeof input === 'object' && input !== null ? (input as { web?: unknown }).web : undefined) as Record<string, unknown> | undefined;
  if (typeof web !== 'object' || web === null || web.accounts !== true) return [];
  const problems: ConfigProblem[] = [];
  const secret = web.secret as unknown;
  if (secret === undefined) {
    problems.push({
      path: 'web.secret',
      message: 'accounts are on but no secret signs their cookies: set { "env": "XIVDIGEST_WEB_SECRET" } and put 32+ random characters in that variable',
      only: 'run',
    });
  } else if (typeof secret === 'object' && secret !== null && typeof (secret as { env?: unknown }).env === 'string') {
    const name = (secret as { env: string }).env;
    const value = env[name];
    if (value === undefined || value.trim() === '')
      problems.push({ path: 'web.secret', message: `the environment variable ${name} is not set (the accounts' signing secret is read from it)`, only: 'run' });
    else if (value.trim().length < 32)
      problems.push({
        path: 'web.secret',
        message: `the environment variable ${name} holds fewer than 32 characters; use a long random value (e.g. openssl rand -base64 32)`,
        only: 'run',
      });
  }
  const mail = web.mail;
  if (mail === undefined) {
    problems.push({
      path: 'web.mail',
      message: 'accounts are on but no SMTP server sends the sign-in links: give the settings of an email channel (host, port, from, …)',
      only: 'run',
    });
  } else {
    const parsed = emailChannelSchema.safeParse({ type: 'email', ...(mail as Record<string, unknown>), to: 'reader@sign-in.invalid' });
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push({ path: ['web', 'mail', ...issue.path.map(String)].join('.'), message: issue.message, only: 'run' });
    }
  }
  return problems;
};

/**
 * Problems only creating the channels finds, without sending anything: a URL with a bad scheme, a private address
 * without `allowPrivateNetwork`. Run-only (`only: 'run'`); channels already reported (an unset secret) are skipped.
 * Async because it loads the channels' code (SMTP, HTTP), which the other commands never need.
 */
export async function channelProblems(loaded: LoadedConfig): Promise<ConfigProblem[]> {
  const { createChannel } = await import('./app-channels.js');
  const problems: ConfigProblem[] = [];
  // From the file itself, so that these are found together with any other problem (one pass for the user).
  for (const { index, subscription } of rawSubscriptions(loaded.input)) {
    const outputs = subscription.outputs as { channels?: unknown } | undefined;
    const channels = Array.isArray(outputs?.channels) ? (outputs.channels as unknown[]) : [];
    channels.forEach((entry, position) => {
      const path = `subscriptions.${index}.outputs.channels.${position}`;
      const spec = channelSpecSchema.safeParse(entry);
      if (!spec.success || loaded.errors.some((problem) => problem.path === path || problem.path.startsWith(`${path}.`))) return;
      try {
        createChannel(spec.data, { env: loaded.env });
      } catch (error) {
        if (!XivdigestError.isInstance(error)) throw error;
        problems.push({ path, message: `${error.message}${error.hint ? ` (${error.hint})` : ''}`, only: 'run' });
      }
    });
  }
  return problems;
}

/**
 * Warnings for an explicitly chosen LLM provider whose adapter `requires` an environment variable that is unset and
 * not stood in for by a config setting (`llm.apiKey`, …). A warning, not an error: commands that make no LLM call run.
 */
export async function providerWarnings(loaded: LoadedConfig): Promise<ConfigProblem[]> {
  // From the file itself (with the environment applied): with errors elsewhere, `loaded.config` holds the defaults.
  const setting = (path: string): unknown =>
    path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), loaded.input);
  const kind = setting('llm.provider');
  if (typeof kind !== 'string' || !Object.hasOwn(providers, kind) || loaded.errors.some((problem) => problem.path === 'llm' || problem.path.startsWith('llm.')))
    return [];
  const { metadata } = await providers[kind as keyof typeof providers].load();
  const unset = metadata.requires.filter(
    (name) => !loaded.llmEnvironment[name]?.trim() && !(PROVIDER_VARIABLE_SETTINGS[name] ?? []).some((path) => setting(path) !== undefined),
  );
  if (unset.length === 0) return [];
  const instead = [...new Set(unset.flatMap((name) => PROVIDER_VARIABLE_SETTINGS[name] ?? []))];
  return [
    {
      path: 'llm.provider',
      message: `${kind} needs ${unset.join(', ')}, which ${unset.length === 1 ? 'is' : 'are'} not set${instead.length > 0 ? ` (or set ${instead.join(', ')})` : ''}`,
    },
  ];
}

/**
 * Digests carry signed feedback and unsubscribe links only when the site's public address and secret are set
 * (docs/decisions/0040): said once, as a warning, when some subscription delivers to a channel without them.
 */
export function feedbackLinkWarnings(loaded: LoadedConfig): ConfigProblem[] {
  const web = (typeof loaded.input === 'object' && loaded.input !== null ? (loaded.input as { web?: unknown }).web : undefined) as
    Record<string, unknown> | undefined;
  const delivers = rawSubscriptions(loaded.input).some(({ subscription }) => {
    const outputs = subscription.outputs as { channels?: unknown } | undefined;
    return Array.isArray(outputs?.channels) && outputs.channels.length > 0;
  });
  if (!delivers) return [];
  const missing = ['baseUrl', 'secret'].filter((key) => web?.[key] === undefined);
  if (missing.length === 0) return [];
  return [
    {
      path: `web.${missing[0]}`,
      message: `delivered digests carry no "more like this", "hide" or unsubscribe links until ${missing.map((key) => `web.${key}`).join(' and ')} ${missing.length === 1 ? 'is' : 'are'} set`,
    },
  ];
}

/**
 * Every check, for `config check` and, before they start, `run`, `serve` and `select`: the loader's (schema and rules,
 * one pass), the channels' and the chosen provider's. Returns the loaded config with all problems in `errors` and
 * `warnings`.
 */
export async function checkAppConfig(loaded: LoadedConfig): Promise<LoadedConfig> {
  const [more, providerWarned] = await Promise.all([channelProblems(loaded), providerWarnings(loaded)]);
  const warnings = [...providerWarned, ...feedbackLinkWarnings(loaded)];
  if (more.length === 0 && warnings.length === 0) return loaded;
  return { ...loaded, errors: [...loaded.errors, ...more], warnings: [...loaded.warnings, ...warnings] };
}

/**
 * One subscription as the config file would hold it, checked by the same schema and rules as the file's (decision
 * 0039: subscriptions made on the web). Paths are relative to the subscription (`filters.query`, `categories`, …).
 */
export function checkSubscription(
  raw: unknown,
  env: Readonly<Record<string, string | undefined>> = {},
): { subscription?: Subscription; problems: ConfigProblem[] } {
  const input = { subscriptions: [raw] };
  const parsed = appConfigSchema.safeParse(input);
  const problems = [
    ...(parsed.success ? [] : describeIssues(parsed.error.issues, appConfigSchema, input)),
    ...[rankingRule, filterRule].flatMap((rule) => rule(input, { baseDir: process.cwd(), env })),
  ].map((problem) => ({ ...problem, path: problem.path.replace(/^subscriptions\.0\.?/, '') }));
  const subscription = parsed.success ? (parsed.data.subscriptions[0] as Subscription) : undefined;
  return { ...(subscription && problems.length === 0 ? { subscription } : {}), problems };
}

/** Loads and validates the configuration with the loader's checks (the function `config check` and the commands share). */
export function loadAppConfig(options: Omit<LoadConfigOptions, 'schema' | 'rules'> = {}): LoadedConfig {
  return loadConfig({ ...options, schema: appConfigSchema, rules: [rankingRule, filterRule, webAccountsRule] });
}

/**
 * The problems that stop a command: all of them for the commands that run subscriptions (`purpose: 'run'`: run,
 * serve, select); for the others, those that do not concern only the daily run (an unset delivery secret does not
 * keep `papers` from listing papers).
 */
export function blockingProblems(loaded: LoadedConfig, purpose?: 'run'): ConfigProblem[] {
  return purpose === 'run' ? loaded.errors : loaded.errors.filter((problem) => problem.only !== 'run');
}

/** One problem as `config check` prints it and a refused command reports it. */
export function formatConfigProblem(problem: ConfigProblem): string {
  return `${problem.path}: ${problem.message}`;
}

/** The error a command raises for an invalid configuration: every problem, one a line, as `config check` lists them. */
export function invalidConfigError(loaded: LoadedConfig, problems: readonly ConfigProblem[] = loaded.errors): XivdigestError {
  const count = problems.length;
  const paths = [...new Set(problems.map((problem) => problem.path))];
  return new XivdigestError({
    code: 'CONFIG_INVALID',
    // The first line names the paths (for logs that keep one line); then one problem a line, as `config check` prints them.
    message:
      `Invalid configuration${loaded.file ? ` in ${loaded.file}` : ''}: ${count} problem${count === 1 ? '' : 's'} (${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ', …' : ''}):\n` +
      `${problems.map((problem) => `  ${formatConfigProblem(problem)}`).join('\n')}\n` +
      'Fix these settings; `xivdigest config check` lists the same problems.',
    hint: '`xivdigest config schema` prints the JSON Schema, for completion in an editor',
    details: { problems },
  });
}

/** The JSON Schema published for editors, channel options included. */
export function appConfigJsonSchema(): Record<string, unknown> {
  return configJsonSchema(appConfigSchema);
}
