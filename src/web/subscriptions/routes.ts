/**
 * Readers' subscriptions on the web (docs/decisions/0039), for signed-in readers only: `/subscriptions` (theirs, and
 * config-file subscriptions read-only: all to admins, to a reader those that email them), `/subscriptions/new`,
 * `/subscriptions/:id` (edit), `/subscriptions/:id/delete`, `/subscriptions/:id/preview`, `/subscriptions/preview`
 * (the unsaved form) and `/subscriptions/:id/private-feed` (reset its private feed address, docs/decisions/0063).
 * Another reader's subscription is "not found" (404), never "forbidden", on every route; admins may look at and
 * preview every reader's subscription and delete it, but change only their own (its private feed address included).
 * Every POST carries the accounts' CSRF token and must come from this origin.
 */
import { problemText } from './checker-text.js';
import { randomUUID } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Subscription } from '../../core/config/schema.js';
import { ARXIV_CATEGORY_NAMES } from '../../core/taxonomy.js';
import { validateFilterSpec } from '../../select/filter.js';
import type { Reader } from '../../store/reader-store.js';
import type { ReaderSubscription, SubscriptionStore, LibraryUpload } from '../../store/subscription-store.js';
import type { WebDeps } from '../deps.js';
import { chooseUi } from '../i18n.js';
import { SUBSCRIPTION_TEXT } from './text.js';
import { pathOf, type WebEnv } from '../routes/context.js';
import { readerOf, SESSION_COOKIE } from '../accounts/routes.js';
import { digestPrivacyOf, forgetPrivateFeeds } from '../private-digests.js';
import { privateFeedUrls, resetPrivateFeed } from '../feeds/private.js';
import { keyedTag, sameText } from '../accounts/crypto.js';
import { messagePage } from '../accounts/views.js';
import {
  assembleSubscription,
  isSecretField,
  secretsOf,
  shortNameOf,
  subscriptionName,
  SECRET_FIELDS,
  type FieldProblem,
  type SubscriptionForm,
} from './model.js';
import { encryptSecrets, maskSecret, type SecretValues } from './secrets.js';
import { previewSubscription } from './preview.js';
import { fieldsOf, formPage, listPage, NEW_FIELDS, previewPage, type FormState } from './views.js';

type Env = Readonly<Record<string, string | undefined>>;
type C = Context<WebEnv>;

export interface SubscriptionSettings {
  subscriptions: SubscriptionStore;
  /** The config file's subscriptions (shown read-only; their names are taken). */
  configSubscriptions: readonly Subscription[];
  /** `web.mail`: the email channel's settings, around each reader's own address. */
  mail: Record<string, unknown> | undefined;
  /** `web.allowPrivateNetwork`: readers' channels may reach private addresses. */
  allowPrivateNetwork?: boolean;
  /** The key channel secrets are encrypted with (XIVDIGEST_SECRET_KEY); undefined: secrets cannot be entered. */
  key: Buffer | undefined;
  env: Env;
  /** The largest library file accepted (default 5 MiB). */
  maxUploadBytes?: number;
  /** Told after a subscription is created, changed or deleted (`serve --schedule` plans its runs again). */
  onChange?(): void;
}

const emailsOf = (subscription: Subscription): string[] =>
  subscription.outputs.channels.flatMap((channel) => {
    const spec = channel as { type?: string; to?: string | string[] };
    if (spec.type !== 'email') return [];
    return (Array.isArray(spec.to) ? spec.to : spec.to ? [spec.to] : []).map((address) =>
      address
        .trim()
        .toLowerCase()
        .replace(/^.*<([^>]+)>.*$/, '$1'),
    );
  });

/** A preview makes no channel: they are left out, and with them the need for their secrets. */
const withoutChannels = (stored: Record<string, unknown>): Record<string, unknown> => ({ ...stored, outputs: { channels: [] } });

export function mountSubscriptions(app: Hono<WebEnv>, deps: WebDeps, settings: SubscriptionSettings): void {
  const accounts = deps.accounts;
  if (!accounts) return;
  const { subscriptions: store, key } = settings;
  const maxUpload = settings.maxUploadBytes ?? 5 * 1024 * 1024;
  const configNames = () => new Set(settings.configSubscriptions.map((subscription) => subscription.name));
  const frame = (c: C) => ({ ui: c.get('ui') ?? chooseUi({ fallback: deps.lang }), path: pathOf(c) });
  const privatePage = (c: C, html: string, status: 200 | 400 | 403 | 404 = 200) => {
    c.header('Cache-Control', 'no-store');
    return c.html(html, status);
  };
  const text = (c: C) => SUBSCRIPTION_TEXT[frame(c).ui];
  const notFound = (c: C) => privatePage(c, messagePage(frame(c), text(c).notFoundTitle, [text(c).noSubscriptionAt(new URL(c.req.url).pathname)]), 404);
  const csrfFor = (c: C): string => keyedTag(accounts.secret, 'csrf', `session:${getCookie(c, SESSION_COOKIE) ?? ''}`);
  const sameOrigin = (c: C): boolean => {
    const site = c.req.header('sec-fetch-site');
    if (site) return site === 'same-origin' || site === 'none';
    const origin = c.req.header('origin');
    if (!origin || origin === 'null') return true;
    return origin === new URL(c.req.url).origin || origin === new URL(deps.baseUrl).origin;
  };
  /** The posted form (fields and library uploads) when its CSRF token and origin are right, else undefined. */
  const checkedForm = async (c: C): Promise<(SubscriptionForm & { tooLarge?: string }) | undefined> => {
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const fields: Record<string, string> = {};
    const uploads: LibraryUpload[] = [];
    let tooLarge: string | undefined;
    for (const [name, value] of Object.entries(body)) {
      if (typeof value === 'string') fields[name] = value;
      else if (value instanceof File && value.size > 0) {
        if (value.size > maxUpload) tooLarge = text(c).tooLarge(value.name, Math.round(maxUpload / 1024 / 1024));
        else uploads.push({ fileName: value.name || 'library', format: '', text: await value.text() });
      }
    }
    const session = getCookie(c, SESSION_COOKIE);
    if (!session || !sameOrigin(c) || typeof fields._csrf !== 'string') return undefined;
    if (!sameText(fields._csrf, keyedTag(accounts.secret, 'csrf', `session:${session}`))) return undefined;
    return { fields, uploads, ...(tooLarge ? { tooLarge } : {}) };
  };
  const refused = (c: C) => privatePage(c, messagePage(frame(c), text(c).formExpiredTitle, [text(c).formExpired]), 403);

  /** The row when `reader` may see it (their own; every one for an admin), else undefined (shown as 404). */
  const visible = async (reader: Reader, id: string): Promise<ReaderSubscription | undefined> =>
    store.get({ id }, reader.role === 'admin' ? undefined : { readerId: reader.id });
  const masksOf = (secrets: SecretValues): Record<string, string> =>
    Object.fromEntries(
      Object.entries(secrets)
        .filter(([field]) => isSecretField(field))
        .map(([field, value]) => [field, maskSecret(value)]),
    );
  const storedSecrets = (row: ReaderSubscription): SecretValues => {
    try {
      return secretsOf(row, key);
    } catch {
      // Without the key (or with another), the secrets are kept as they are and shown as stored but unreadable.
      return Object.fromEntries(Object.keys(SECRET_FIELDS).map((field) => [field, ''])) as SecretValues;
    }
  };

  const prefix = (reader: Reader) => subscriptionName(reader.email, '');
  /** The private feed addresses on the subscription's page, for its reader only; `unavailable` without web.secret. */
  const privateFeedOf = async (reader: Reader, row: ReaderSubscription | undefined) => {
    if (!row || row.readerId !== reader.id) return undefined;
    return deps.links ? await privateFeedUrls(deps, deps.links, row) : ('unavailable' as const);
  };
  const form = async (c: C, reader: Reader, options: { state: FormState; row?: ReaderSubscription; status?: 200 | 400 }) => {
    const privateFeed = await privateFeedOf(reader, options.row);
    return privatePage(
      c,
      formPage(frame(c), csrfFor(c), {
        action: options.row ? `/subscriptions/${options.row.id}` : '/subscriptions',
        title: options.row ? text(c).edit(options.row.name) : text(c).newSubscription,
        readerEmail: reader.email,
        prefix: prefix(reader),
        state: options.state,
        ...(options.row ? { id: options.row.id } : {}),
        ...(privateFeed ? { privateFeed, ...(c.req.query('feed') === 'reset' ? { privateFeedReset: true } : {}) } : {}),
      }),
      options.status ?? 200,
    );
  };

  /** Signed in, or off to /signin; every route below starts here. */
  const signedIn = (c: C): Reader | Response => readerOf(c) ?? c.redirect('/signin', 303);

  app.get('/subscriptions', async (c) => {
    const reader = signedIn(c);
    if (reader instanceof Response) return reader;
    const mine = await store.list({ readerId: reader.id });
    let others: Array<ReaderSubscription & { owner: string }> = [];
    if (reader.role === 'admin') {
      const emails = new Map((await accounts.readers.listReaders()).map((item) => [item.id, item.email]));
      others = (await store.list()).filter((row) => row.readerId !== reader.id).map((row) => ({ ...row, owner: emails.get(row.readerId) ?? row.readerId }));
    }
    const config = settings.configSubscriptions.filter((subscription) => reader.role === 'admin' || emailsOf(subscription).includes(reader.email));
    return privatePage(
      c,
      listPage(frame(c), { mine, others, config, isAdmin: reader.role === 'admin', ...(c.req.query('saved') ? { note: text(c).saved } : {}) }),
    );
  });

  // Completion data: arXiv's taxonomy, and a query checked with the position of its error (for scripts and editors).
  app.get('/subscriptions/categories.json', (c) => {
    const reader = signedIn(c);
    if (reader instanceof Response) return reader;
    return c.json([...ARXIV_CATEGORY_NAMES].sort());
  });
  app.get('/subscriptions/check.json', (c) => {
    const reader = signedIn(c);
    if (reader instanceof Response) return reader;
    const categories = c.req.query('categories') ?? 'cs';
    const query = c.req.query('query');
    const errors = validateFilterSpec({ categories, ...(query ? { query } : {}) });
    return c.json({
      ok: errors.length === 0,
      problems: errors.map((error) => ({
        field: String(error.details.path ?? 'query'),
        message: problemText(error.message, frame(c).ui),
        position: error.details.position ?? null,
      })),
    });
  });

  app.get('/subscriptions/new', (c) => {
    const reader = signedIn(c);
    if (reader instanceof Response) return reader;
    return form(c, reader, { state: { fields: NEW_FIELDS, masks: {}, libraryFiles: [], problems: [] } });
  });

  /** Creates (no row) or replaces the reader's subscription from the posted form; the form again with its problems. */
  const save = async (c: C, reader: Reader, posted: SubscriptionForm & { tooLarge?: string }, row?: ReaderSubscription) => {
    const previous = row ? storedSecrets(row) : {};
    const assembled = assembleSubscription(posted, {
      readerEmail: reader.email,
      mail: settings.mail,
      allowPrivateNetwork: settings.allowPrivateNetwork ?? false,
      previous: Object.fromEntries(Object.entries(previous).filter(([, value]) => value !== '')),
      previousFiles: row?.libraryFiles ?? [],
      canKeepSecrets: key !== undefined,
      configNames: configNames(),
      env: settings.env,
    });
    const problems: FieldProblem[] = [...assembled.problems, ...(posted.tooLarge ? [{ field: 'library_file', message: posted.tooLarge }] : [])];
    const again = (more: FieldProblem[]) => {
      const fields = Object.fromEntries(Object.entries(posted.fields).filter(([name]) => !isSecretField(name) && name !== '_csrf'));
      return form(c, reader, {
        state: { fields, masks: masksOf(previous), libraryFiles: row?.libraryFiles ?? [], problems: [...problems, ...more] },
        ...(row ? { row } : {}),
        status: 400,
      });
    };
    if (problems.length > 0 || !assembled.subscription) return again([]);
    const id = row?.id ?? randomUUID();
    const hasSecrets = Object.keys(assembled.secrets).length > 0;
    // A name another reader's subscription had stays theirs: its digests, feedback and watermark are kept under it.
    const name = String(assembled.stored.name);
    const privacy = digestPrivacyOf(deps.store);
    if (!(await privacy.mayName(name, reader.id))) return again([{ field: 'name', message: text(c).nameTaken(name) }]);
    // Its digests stay the reader's after a rename or a deletion (docs/decisions/0045).
    await privacy.remember([{ name, readerId: reader.id }, ...(row ? [{ name: row.name, readerId: row.readerId }] : [])]);
    const result = await store.save(
      {
        id,
        readerId: reader.id,
        name: String(assembled.stored.name),
        subscription: assembled.stored,
        ...(hasSecrets && key ? { secrets: encryptSecrets(key, id, assembled.secrets) } : {}),
        libraryFiles: assembled.libraryFiles,
      },
      { create: row === undefined, now: accounts.now?.() ?? new Date() },
    );
    if (!result.ok) {
      if (result.reason === 'not-found') return notFound(c);
      return again([{ field: 'name', message: text(c).nameTaken(String(assembled.stored.name)) }]);
    }
    settings.onChange?.();
    return c.redirect(`/subscriptions?saved=${encodeURIComponent(id)}`, 303);
  };

  app.post('/subscriptions', async (c) => {
    const reader = signedIn(c);
    if (reader instanceof Response) return reader;
    const posted = await checkedForm(c);
    if (!posted) return refused(c);
    return save(c, reader, posted);
  });

  app.post('/subscriptions/preview', async (c) => {
    const reader = signedIn(c);
    if (reader instanceof Response) return reader;
    const posted = await checkedForm(c);
    if (!posted) return refused(c);
    // The unsaved form; an edit form sends its id, so that the stored library counts (only the reader's own).
    const row = posted.fields.id ? await store.get({ id: posted.fields.id }, { readerId: reader.id }) : undefined;
    if (posted.fields.id && !row) return notFound(c);
    const assembled = assembleSubscription(posted, {
      readerEmail: reader.email,
      mail: settings.mail,
      allowPrivateNetwork: settings.allowPrivateNetwork ?? false,
      previous: {},
      previousFiles: row?.libraryFiles ?? [],
      // The preview keeps nothing: secrets entered here are neither needed nor stored.
      canKeepSecrets: true,
      configNames: configNames(),
      env: settings.env,
    });
    if (!assembled.subscription) {
      const fields = Object.fromEntries(Object.entries(posted.fields).filter(([name]) => !isSecretField(name) && name !== '_csrf'));
      return form(c, reader, {
        state: { fields, masks: {}, libraryFiles: row?.libraryFiles ?? [], problems: assembled.problems },
        ...(row ? { row } : {}),
        status: 400,
      });
    }
    const { resolveWebSubscription } = await import('./model.js');
    const subscription = await resolveWebSubscription(
      {
        id: row?.id ?? `preview-${randomUUID()}`,
        readerId: reader.id,
        name: assembled.subscription.name,
        subscription: withoutChannels(assembled.stored),
        libraryFiles: assembled.libraryFiles,
        createdAt: '',
        updatedAt: '',
      },
      { key: undefined, mail: settings.mail, allowPrivateNetwork: settings.allowPrivateNetwork ?? false, env: settings.env },
    );
    const preview = await previewSubscription(deps.store, subscription, settings.env);
    return privatePage(c, previewPage(frame(c), assembled.subscription.name, preview, row ? `/subscriptions/${row.id}` : '/subscriptions/new'));
  });

  app.get('/subscriptions/:id', async (c) => {
    const reader = signedIn(c);
    if (reader instanceof Response) return reader;
    const row = await visible(reader, c.req.param('id'));
    if (!row) return notFound(c);
    const owner = row.readerId === reader.id ? reader : await accounts.readers.getReader({ id: row.readerId });
    const email = owner?.email ?? reader.email;
    return form(c, owner && row.readerId === reader.id ? reader : { ...reader, email }, {
      state: {
        fields: fieldsOf(row.subscription, shortNameOf(email, row.name)),
        masks: masksOf(storedSecrets(row)),
        libraryFiles: row.libraryFiles,
        problems: [],
      },
      row,
    });
  });

  app.post('/subscriptions/:id', async (c) => {
    const reader = signedIn(c);
    if (reader instanceof Response) return reader;
    // Changed only by its reader: to anyone else (admins too) it is not there to change.
    const row = await store.get({ id: c.req.param('id') }, { readerId: reader.id });
    if (!row) return notFound(c);
    const posted = await checkedForm(c);
    if (!posted) return refused(c);
    return save(c, reader, posted, row);
  });

  app.post('/subscriptions/:id/delete', async (c) => {
    const reader = signedIn(c);
    if (reader instanceof Response) return reader;
    const row = await visible(reader, c.req.param('id'));
    if (!row) return notFound(c);
    const posted = await checkedForm(c);
    if (!posted) return refused(c);
    if (posted.fields.confirm !== 'yes') return privatePage(c, messagePage(frame(c), text(c).nothingDeletedTitle, [text(c).nothingDeleted]), 400);
    await digestPrivacyOf(deps.store).remember([row]);
    await store.remove(row.id, reader.role === 'admin' ? undefined : { readerId: reader.id });
    await forgetPrivateFeeds(deps.store, [row.id]);
    settings.onChange?.();
    return c.redirect('/subscriptions', 303);
  });

  // "Reset the private feed address" (docs/decisions/0063): its reader's alone, as changes are.
  app.post('/subscriptions/:id/private-feed', async (c) => {
    const reader = signedIn(c);
    if (reader instanceof Response) return reader;
    const row = await store.get({ id: c.req.param('id') }, { readerId: reader.id });
    if (!row || !deps.links) return notFound(c);
    const posted = await checkedForm(c);
    if (!posted) return refused(c);
    await resetPrivateFeed(deps.store, row.id);
    return c.redirect(`/subscriptions/${encodeURIComponent(row.id)}?feed=reset#private-feed`, 303);
  });

  app.get('/subscriptions/:id/preview', async (c) => {
    const reader = signedIn(c);
    if (reader instanceof Response) return reader;
    const row = await visible(reader, c.req.param('id'));
    if (!row) return notFound(c);
    const { resolveWebSubscription } = await import('./model.js');
    // The preview needs no secret: channels are not made, so the row's secrets stay encrypted.
    const { secrets: _secrets, ...plain } = row;
    const subscription = await resolveWebSubscription(
      { ...plain, subscription: withoutChannels(row.subscription) },
      { key, mail: settings.mail, allowPrivateNetwork: settings.allowPrivateNetwork ?? false, env: settings.env },
    ).catch(() => undefined);
    if (!subscription) return privatePage(c, messagePage(frame(c), text(c).cannotPreviewTitle, [text(c).cannotPreview(row.name)]), 400);
    const preview = await previewSubscription(deps.store, subscription, settings.env);
    return privatePage(c, previewPage(frame(c), row.name, preview, `/subscriptions/${row.id}`));
  });
}
