/**
 * Readers' subscriptions between the form, the database and a run (docs/decisions/0039). The form gives the config
 * file's fields; they are assembled into a config subscription and checked by the config's own schema and rules
 * (checkSubscription), and each channel is made once (the URL and SSRF guards of the channels). What is stored is that
 * subscription without its secrets (kept apart, encrypted) and with the email channel as its recipient only (the
 * server's settings come from `web.mail` when it runs).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChannel, channelSpecSchema } from '../../app-channels.js';
import { checkSubscription } from '../../config.js';
import type { Subscription } from '../../core/config/schema.js';
import { XivdigestError } from '../../core/errors.js';
import type { ConfigProblem } from '../../core/config/load.js';
import { detectLibraryFormat, libraryParsers } from '../../library/index.js';
import type { LibraryUpload, ReaderSubscription } from '../../store/subscription-store.js';
import { decryptSecrets, maskSecret, noSecretKeyError, type SecretValues } from './secrets.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The form's secret fields: where each goes in the subscription. Only these are ever secrets. */
export const SECRET_FIELDS = {
  feishu_url: { channel: 'feishu', key: 'webhookUrl' },
  feishu_secret: { channel: 'feishu', key: 'secret' },
  slack_url: { channel: 'slack', key: 'webhookUrl' },
  telegram_token: { channel: 'telegram', key: 'botToken' },
  webhook_url: { channel: 'webhook', key: 'url' },
  webhook_secret: { channel: 'webhook', key: 'secret' },
  zotero_key: { channel: undefined, key: 'apiKey' },
} as const;
export type SecretField = keyof typeof SECRET_FIELDS;
export const isSecretField = (name: string): name is SecretField => Object.hasOwn(SECRET_FIELDS, name);

/** The chat channels a reader may add, and the form field that must be filled for each. */
export const CHAT_CHANNELS = [
  { type: 'feishu', required: 'feishu_url' },
  { type: 'slack', required: 'slack_url' },
  { type: 'telegram', required: 'telegram_token' },
  { type: 'webhook', required: 'webhook_url' },
] as const;

/** Ranking methods open to readers: the ones that call no paid or local model on the server's account. */
export const WEB_RANKING_METHODS = ['lexical', 'none'] as const;

/** The form as posted (strings), the library files uploaded with it. */
export interface SubscriptionForm {
  fields: Record<string, string>;
  uploads: LibraryUpload[];
}

export interface FieldProblem {
  /** The form field it belongs to, or `form` for the whole form. */
  field: string;
  message: string;
}

const lines = (text: string | undefined): string[] =>
  (text ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);

/** A name safe as a folder and unique per reader: the short name the reader chose, after their email's local part. */
export function subscriptionName(readerEmail: string, shortName: string): string {
  const local =
    readerEmail
      .split('@')[0]!
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 24) || 'reader';
  return `${local}-${shortName.trim()}`;
}

/** The short name back from a stored name (what the form shows). */
export function shortNameOf(readerEmail: string, name: string): string {
  const prefix = subscriptionName(readerEmail, '');
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

/** Which form field a config path belongs to (for errors next to their field). */
function fieldOf(path: string, channels: readonly Record<string, unknown>[]): string {
  const direct: Array<[RegExp, string]> = [
    [/^name$/, 'name'],
    [/^categories/, 'categories'],
    [/^crossLists/, 'crossLists'],
    [/^updates/, 'updates'],
    [/^filters\.query/, 'query'],
    [/^filters\.authors/, 'authors'],
    [/^filters\.include/, 'include'],
    [/^filters\.exclude/, 'exclude'],
    [/^library\.zotero\.apiKey/, 'zotero_key'],
    [/^library\.zotero\.collection/, 'zotero_collection'],
    [/^library\.zotero/, 'zotero_user'],
    [/^library/, 'library_file'],
    [/^ranking\.topK/, 'topK'],
    [/^ranking\.threshold/, 'threshold'],
    [/^ranking/, 'ranking_method'],
    [/^lang/, 'lang'],
    [/^schedule\.cron/, 'cron'],
    [/^schedule\.timezone/, 'timezone'],
  ];
  for (const [pattern, field] of direct) if (pattern.test(path)) return field;
  const channel = /^outputs\.channels\.(\d+)(?:\.(\w+))?/.exec(path);
  if (channel) {
    const type = String(channels[Number(channel[1])]?.type ?? '');
    const key = channel[2];
    if (type === 'email') return 'channel_email';
    const secret = Object.entries(SECRET_FIELDS).find(([, spot]) => spot.channel === type && spot.key === key)?.[0];
    if (secret) return secret;
    if (type === 'telegram') return 'telegram_chat';
    const chat = CHAT_CHANNELS.find((entry) => entry.type === type);
    if (chat) return chat.required;
  }
  return 'form';
}

export interface AssembleOptions {
  readerEmail: string;
  /** `web.mail`: the email channel's settings without recipients. */
  mail: Record<string, unknown> | undefined;
  /** `web.allowPrivateNetwork`: the operator lets readers' channels reach private addresses. */
  allowPrivateNetwork?: boolean;
  /** The secrets stored before (kept when their field is left blank). */
  previous: SecretValues;
  /** Library files stored before. */
  previousFiles: LibraryUpload[];
  /** Whether the site has a key to store secrets with. */
  canKeepSecrets: boolean;
  /** Names of config-file subscriptions (a web subscription may not take one). */
  configNames: ReadonlySet<string>;
  env: Env;
}

export interface Assembled {
  /** The subscription as stored: secrets left out, the email channel as its recipient only. */
  stored: Record<string, unknown>;
  secrets: SecretValues;
  libraryFiles: LibraryUpload[];
  /** The subscription as it runs (secrets and web.mail in), when valid. */
  subscription?: Subscription;
  problems: FieldProblem[];
}

/** Form → config subscription, checked by the config's schema and rules, the channels and the library parsers. */
export function assembleSubscription(form: SubscriptionForm, options: AssembleOptions): Assembled {
  const f = form.fields;
  const problems: FieldProblem[] = [];
  const secrets: SecretValues = {};
  for (const name of Object.keys(SECRET_FIELDS) as SecretField[]) {
    const entered = (f[name] ?? '').trim();
    const channel = SECRET_FIELDS[name].channel;
    const removed = channel ? f[`${channel}_remove`] === 'yes' : f.zotero_remove === 'yes';
    if (removed) continue;
    if (entered) {
      if (!options.canKeepSecrets) problems.push({ field: name, message: `${noSecretKeyError().message}. ${noSecretKeyError().hint}` });
      secrets[name] = entered;
    } else if (options.previous[name]) secrets[name] = options.previous[name];
  }

  const shortName = (f.name ?? '').trim();
  const name = shortName ? subscriptionName(options.readerEmail, shortName) : '';
  if (!shortName) problems.push({ field: 'name', message: 'give the subscription a short name, e.g. nlp' });
  else if (options.configNames.has(name))
    problems.push({ field: 'name', message: `the name ${name} belongs to a subscription of the config file; choose another` });

  const channels: Array<Record<string, unknown>> = [];
  if (f.channel_email === 'yes') channels.push({ type: 'email', to: [options.readerEmail] });
  const feishu = secrets.feishu_url;
  if (feishu) channels.push({ type: 'feishu', webhookUrl: feishu, ...(secrets.feishu_secret ? { secret: secrets.feishu_secret } : {}) });
  if (secrets.slack_url) channels.push({ type: 'slack', webhookUrl: secrets.slack_url });
  const chat = (f.telegram_chat ?? '').trim();
  if (secrets.telegram_token || (chat && f.telegram_remove !== 'yes')) {
    if (!secrets.telegram_token) problems.push({ field: 'telegram_token', message: 'a Telegram channel needs the bot token from @BotFather' });
    else if (!chat) problems.push({ field: 'telegram_chat', message: 'a Telegram channel needs the chat id (e.g. -1001234567890) or @channelname' });
    else channels.push({ type: 'telegram', botToken: secrets.telegram_token, chatId: chat });
  }
  if (secrets.webhook_url) channels.push({ type: 'webhook', url: secrets.webhook_url, ...(secrets.webhook_secret ? { secret: secrets.webhook_secret } : {}) });

  // The library: files kept (unless removed), plus this upload, each parsed to see that it holds items.
  const removeFiles = new Set(
    Object.entries(f)
      .filter(([key, value]) => key.startsWith('library_remove_') && value === 'yes')
      .map(([key]) => key.slice('library_remove_'.length)),
  );
  const libraryFiles = options.previousFiles.filter((_file, index) => !removeFiles.has(String(index)));
  for (const upload of form.uploads) {
    const format = detectLibraryFormat(upload.fileName, upload.text);
    if (format !== 'bibtex' && format !== 'ris' && format !== 'csl-json') {
      problems.push({ field: 'library_file', message: `${upload.fileName}: not BibTeX, RIS or CSL-JSON; export your library in one of these formats` });
      continue;
    }
    const parsed = libraryParsers[format](upload.text, upload.fileName);
    if (parsed.items.length === 0) {
      const first = parsed.problems[0];
      problems.push({ field: 'library_file', message: `${upload.fileName}: no entry could be read${first ? ` (line ${first.line}: ${first.message})` : ''}` });
      continue;
    }
    libraryFiles.push({ fileName: upload.fileName.slice(0, 200), format, text: upload.text });
  }

  const number = (text: string | undefined): number | string | undefined => {
    const value = (text ?? '').trim();
    if (value === '') return undefined;
    return Number.isFinite(Number(value)) ? Number(value) : value;
  };
  const zoteroUser = (f.zotero_user ?? '').trim();
  const method = (f.ranking_method ?? 'lexical').trim();
  if (!(WEB_RANKING_METHODS as readonly string[]).includes(method))
    problems.push({ field: 'ranking_method', message: `choose one of: ${WEB_RANKING_METHODS.join(', ')}` });
  const topK = number(f.topK);
  const threshold = number(f.threshold);
  const query = (f.query ?? '').trim();
  const lang = (f.lang ?? '').trim();
  const raw: Record<string, unknown> = {
    name,
    categories: (f.categories ?? '').trim(),
    crossLists: f.crossLists === 'yes',
    updates: f.updates === 'yes',
    filters: { ...(query ? { query } : {}), authors: lines(f.authors), include: lines(f.include), exclude: lines(f.exclude) },
    ...(zoteroUser && f.zotero_remove !== 'yes'
      ? {
          library: {
            zotero: {
              userId: zoteroUser,
              ...(secrets.zotero_key ? { apiKey: secrets.zotero_key } : {}),
              ...((f.zotero_collection ?? '').trim() ? { collection: f.zotero_collection!.trim() } : {}),
            },
          },
        }
      : {}),
    ranking: { method, ...(topK !== undefined ? { topK } : {}), ...(threshold !== undefined ? { threshold } : {}) },
    ...(lang ? { lang } : {}),
    schedule: { cron: (f.cron ?? '').trim() || '30 0 * * 1-5', timezone: (f.timezone ?? '').trim() || 'America/New_York' },
    outputs: { channels },
  };
  const stored = stripSecrets(raw);
  const running = withServerSettings(raw, options);
  const checked = checkSubscription(running, options.env);
  const runningChannels = ((running.outputs as { channels: Array<Record<string, unknown>> }).channels ?? []) as Array<Record<string, unknown>>;
  for (const problem of checked.problems) problems.push({ field: fieldOf(problem.path, runningChannels), message: problem.message });
  // Each channel made once, as a run makes it: bad URLs and private addresses (the SSRF guard) are refused here.
  if (checked.subscription) {
    checked.subscription.outputs.channels.forEach((spec, position) => {
      try {
        createChannel(channelSpecSchema.parse(spec), { env: {} });
      } catch (error) {
        if (!XivdigestError.isInstance(error)) throw error;
        // The secret itself (a URL with its token) is not shown back in full, not even in an error.
        let message = `${error.message}${error.hint ? ` (${error.hint})` : ''}`;
        for (const value of Object.values(secrets)) if (value.length >= 8) message = message.split(value).join(maskSecret(value));
        problems.push({ field: fieldOf(`outputs.channels.${position}`, runningChannels), message });
      }
    });
  }
  return {
    stored,
    secrets,
    libraryFiles,
    ...(checked.subscription && problems.length === 0 ? { subscription: checked.subscription } : {}),
    problems,
  };
}

/** The subscription without its secrets: they are kept apart, encrypted. */
function stripSecrets(raw: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(raw);
  const outputs = copy.outputs as { channels: Array<Record<string, unknown>> };
  for (const channel of outputs.channels) {
    for (const spot of Object.values(SECRET_FIELDS)) if (spot.channel === channel.type) delete channel[spot.key];
  }
  const zotero = (copy.library as { zotero?: Record<string, unknown> } | undefined)?.zotero;
  if (zotero) delete zotero.apiKey;
  return copy;
}

/** The stored subscription with its secrets put back. */
function withSecrets(stored: Record<string, unknown>, secrets: SecretValues): Record<string, unknown> {
  const copy = structuredClone(stored);
  const outputs = copy.outputs as { channels?: Array<Record<string, unknown>> } | undefined;
  for (const channel of outputs?.channels ?? []) {
    for (const [field, spot] of Object.entries(SECRET_FIELDS)) if (spot.channel === channel.type && secrets[field]) channel[spot.key] = secrets[field];
  }
  const zotero = (copy.library as { zotero?: Record<string, unknown> } | undefined)?.zotero;
  if (zotero && secrets.zotero_key) zotero.apiKey = secrets.zotero_key;
  return copy;
}

/**
 * The operator's settings put around the reader's channels: `web.mail` around the email channel's address, and
 * `web.allowPrivateNetwork` on the others (readers never set it themselves).
 */
function withServerSettings(
  raw: Record<string, unknown>,
  server: { mail: Record<string, unknown> | undefined; allowPrivateNetwork?: boolean | undefined },
): Record<string, unknown> {
  const copy = structuredClone(raw);
  const outputs = copy.outputs as { channels?: Array<Record<string, unknown>> } | undefined;
  if (outputs?.channels)
    outputs.channels = outputs.channels.map((channel) =>
      channel.type === 'email' ? { ...(server.mail ?? {}), ...channel } : server.allowPrivateNetwork ? { ...channel, allowPrivateNetwork: true } : channel,
    );
  return copy;
}

export interface ResolveOptions {
  key: Buffer | undefined;
  mail: Record<string, unknown> | undefined;
  /** `web.allowPrivateNetwork`. */
  allowPrivateNetwork?: boolean;
  env: Env;
  /** Where the uploaded library files are written for the run to read (default: the temp folder). */
  libraryDir?: string;
}

/** The stored secrets of a row, decrypted (none when it has none). */
export function secretsOf(row: ReaderSubscription, key: Buffer | undefined): SecretValues {
  return row.secrets ? decryptSecrets(key, row.id, row.secrets) : {};
}

/**
 * A stored web subscription as a run takes it: secrets decrypted, `web.mail` around the email channel, the uploaded
 * library written to files (`library.files`), checked again by the config's schema. CONFIG_INVALID naming it when
 * it no longer passes (e.g. the config's rules changed).
 */
export async function resolveWebSubscription(row: ReaderSubscription, options: ResolveOptions): Promise<Subscription> {
  const raw = withServerSettings(withSecrets(row.subscription, secretsOf(row, options.key)), options);
  const checked = checkSubscription(raw, options.env);
  if (!checked.subscription) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `The web subscription ${row.name} is not valid: ${checked.problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ')}`,
      hint: 'Its reader can fix it on /subscriptions (or an admin removes it)',
    });
  }
  const subscription = checked.subscription;
  if (row.libraryFiles.length > 0) {
    const dir = join(options.libraryDir ?? join(tmpdir(), 'xivdigest-web-library'), row.id.replace(/[^A-Za-z0-9-]/g, ''));
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const files: string[] = [];
    for (const [index, file] of row.libraryFiles.entries()) {
      const extension = file.format === 'bibtex' ? 'bib' : file.format === 'ris' ? 'ris' : 'json';
      const path = join(dir, `${index}.${extension}`);
      await writeFile(path, file.text, { mode: 0o600 });
      files.push(path);
    }
    subscription.library.files = files;
  }
  return subscription;
}

/** The config problems shown as the form's field problems (for tests and the JSON check endpoint). */
export function fieldProblems(problems: readonly ConfigProblem[]): FieldProblem[] {
  return problems.map((problem) => ({ field: fieldOf(problem.path, []), message: problem.message }));
}
