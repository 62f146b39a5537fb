/** The subscriptions' pages (docs/decisions/0039): plain server-rendered forms with CSRF tokens, errors next to their field. */
import { noteText, problemText, reasonText } from './checker-text.js';
import type { Subscription } from '../../core/config/schema.js';
import { ARXIV_CATEGORY_NAMES } from '../../core/taxonomy.js';
import { escapeHtml } from '../../render/html/escape.js';
import type { ReaderSubscription } from '../../store/subscription-store.js';
import type { UiLang } from '../i18n.js';
import { attr, page } from '../views/layout.js';
import type { FieldProblem } from './model.js';
import type { Preview } from './preview.js';
import { SUBSCRIPTION_TEXT } from './text.js';

const h = escapeHtml;
const csrfField = (csrf: string): string => `<input type="hidden" name="_csrf" value="${attr(csrf)}">`;

export interface Frame {
  ui: UiLang;
  path: string;
}

const channelNames = (channels: ReadonlyArray<Record<string, unknown>> | undefined): string =>
  (channels ?? []).map((channel) => String(channel.type)).join(', ') || '—';

export function listPage(
  frame: Frame,
  options: {
    mine: ReaderSubscription[];
    others: Array<ReaderSubscription & { owner: string }>;
    config: Subscription[];
    isAdmin: boolean;
    note?: string;
  },
): string {
  const t = SUBSCRIPTION_TEXT[frame.ui];
  const row = (subscription: ReaderSubscription, owner?: string) => {
    const spec = subscription.subscription as { categories?: string; outputs?: { channels?: Array<Record<string, unknown>> } };
    return (
      `<tr><td><a href="/subscriptions/${attr(subscription.id)}">${h(subscription.name)}</a></td><td>${h(spec.categories ?? '')}</td>` +
      `<td>${h(channelNames(spec.outputs?.channels))}</td>${owner !== undefined ? `<td>${h(owner)}</td>` : ''}` +
      `<td><a href="/subscriptions/${attr(subscription.id)}/preview">${h(t.preview)}</a></td></tr>`
    );
  };
  const mine = options.mine.length
    ? `<table class="subscriptions"><thead><tr><th>${h(t.name)}</th><th>${h(t.categories)}</th><th>${h(t.channels)}</th><th></th></tr></thead><tbody>\n${options.mine.map((item) => row(item)).join('\n')}\n</tbody></table>`
    : `<p>${h(t.noneYet)}</p>`;
  const others = options.isAdmin
    ? `<h2>${h(t.readersSubscriptions)}</h2>\n` +
      (options.others.length
        ? `<table><thead><tr><th>${h(t.name)}</th><th>${h(t.categories)}</th><th>${h(t.channels)}</th><th>${h(t.reader)}</th><th></th></tr></thead><tbody>\n${options.others.map((item) => row(item, item.owner)).join('\n')}\n</tbody></table>`
        : `<p>${h(t.none)}</p>`)
    : '';
  const config = options.config.length
    ? `<h2>${h(t.fromConfig)}</h2>\n<table class="config-subscriptions"><thead><tr><th>${h(t.name)}</th><th>${h(t.categories)}</th><th>${h(t.query)}</th><th>${h(t.schedule)}</th><th>${h(t.channels)}</th></tr></thead><tbody>\n` +
      options.config
        .map(
          (subscription) =>
            `<tr><td>${h(subscription.name)}</td><td>${h(subscription.categories)}</td><td>${h(subscription.filters.query ?? '')}</td>` +
            `<td>${h(`${subscription.schedule.cron} (${subscription.schedule.timezone})`)}</td><td>${h(channelNames(subscription.outputs.channels as Array<Record<string, unknown>>))}</td></tr>`,
        )
        .join('\n') +
      '\n</tbody></table>'
    : '';
  const body =
    `<h1>${h(t.subscriptions)}</h1>\n` +
    (options.note ? `<p class="note" role="status">${h(options.note)}</p>\n` : '') +
    `<p><a href="/subscriptions/new">${h(t.newSubscription)}</a></p>\n<h2>${h(t.yours)}</h2>\n${mine}\n${others}\n${config}`;
  return page({ ...frame, title: t.subscriptions, body });
}

export interface FormState {
  /** Values to show (never a secret). */
  fields: Record<string, string>;
  /** Masks of stored secrets by field. */
  masks: Record<string, string>;
  libraryFiles: Array<{ fileName: string; format: string }>;
  problems: FieldProblem[];
}

/** The stored subscription as the form's fields. */
export function fieldsOf(stored: Record<string, unknown>, shortName: string): Record<string, string> {
  const s = stored as {
    categories?: string;
    crossLists?: boolean;
    updates?: boolean;
    filters?: { query?: string; authors?: string[]; include?: string[]; exclude?: string[] };
    library?: { zotero?: { userId?: string; collection?: string } };
    ranking?: { method?: string; topK?: number; threshold?: number };
    lang?: string;
    schedule?: { cron?: string; timezone?: string };
    outputs?: { channels?: Array<Record<string, unknown>> };
  };
  const channels = s.outputs?.channels ?? [];
  const telegram = channels.find((channel) => channel.type === 'telegram');
  return {
    name: shortName,
    categories: s.categories ?? '',
    crossLists: s.crossLists === false ? '' : 'yes',
    updates: s.updates === false ? '' : 'yes',
    query: s.filters?.query ?? '',
    authors: (s.filters?.authors ?? []).join('\n'),
    include: (s.filters?.include ?? []).join('\n'),
    exclude: (s.filters?.exclude ?? []).join('\n'),
    zotero_user: s.library?.zotero?.userId ?? '',
    zotero_collection: s.library?.zotero?.collection ?? '',
    ranking_method: s.ranking?.method ?? 'lexical',
    topK: s.ranking?.topK !== undefined ? String(s.ranking.topK) : '',
    threshold: s.ranking?.threshold !== undefined ? String(s.ranking.threshold) : '',
    lang: s.lang ?? '',
    cron: s.schedule?.cron ?? '30 0 * * 1-5',
    timezone: s.schedule?.timezone ?? 'America/New_York',
    channel_email: channels.some((channel) => channel.type === 'email') ? 'yes' : '',
    telegram_chat: telegram ? String(telegram.chatId ?? '') : '',
  };
}

export const NEW_FIELDS: Record<string, string> = {
  crossLists: 'yes',
  updates: 'yes',
  ranking_method: 'lexical',
  cron: '30 0 * * 1-5',
  timezone: 'America/New_York',
  channel_email: 'yes',
};

export function formPage(
  frame: Frame,
  csrf: string,
  options: {
    action: string;
    title: string;
    readerEmail: string;
    prefix: string;
    state: FormState;
    id?: string;
    /** The private feed addresses (docs/decisions/0063), shown to the subscription's reader; `unavailable` without web.secret. */
    privateFeed?: { atom: string; json: string } | 'unavailable';
    /** The address was just reset. */
    privateFeedReset?: boolean;
  },
): string {
  const t = SUBSCRIPTION_TEXT[frame.ui];
  const { fields, masks, problems } = options.state;
  const errorsOf = (field: string) => problems.filter((problem) => problem.field === field);
  const error = (field: string) =>
    errorsOf(field)
      .map((problem) => `<pre class="field-error" id="error-${attr(field)}" role="alert">${h(problemText(problem.message, frame.ui))}</pre>`)
      .join('');
  const invalid = (field: string) => (errorsOf(field).length > 0 ? ` aria-invalid="true" aria-describedby="error-${attr(field)}"` : '');
  const text = (field: string, label: string, extra = '', hint = '') =>
    `<p class="field"><label for="f-${field}">${h(label)}</label> <input id="f-${field}" name="${field}" value="${attr(fields[field] ?? '')}"${extra}${invalid(field)}>` +
    (hint ? ` <small>${h(hint)}</small>` : '') +
    `${error(field)}</p>`;
  const area = (field: string, label: string, hint: string) =>
    `<p class="field"><label for="f-${field}">${h(label)}</label> <small>${h(hint)}</small><br><textarea id="f-${field}" name="${field}" rows="3" cols="60"${invalid(field)}>${h(fields[field] ?? '')}</textarea>${error(field)}</p>`;
  const box = (field: string, label: string) =>
    `<p class="field"><label><input type="checkbox" name="${field}" value="yes"${fields[field] === 'yes' ? ' checked' : ''}${invalid(field)}> ${h(label)}</label>${error(field)}</p>`;
  const secret = (field: string, label: string, placeholder: string) =>
    `<p class="field"><label for="f-${field}">${h(label)}</label> <input id="f-${field}" name="${field}" type="password" autocomplete="off" value="" placeholder="${attr(masks[field] ? t.keptWhenBlank(masks[field]) : placeholder)}"${invalid(field)}>${error(field)}</p>`;
  const remove = (channel: string, label: string, present: boolean) =>
    present ? `<p class="field"><label><input type="checkbox" name="${channel}_remove" value="yes"> ${h(label)}</label></p>` : '';
  const categories = [...ARXIV_CATEGORY_NAMES]
    .sort()
    .map((name) => `<option value="${attr(name)}"></option>`)
    .join('');
  const files = options.state.libraryFiles
    .map(
      (file, index) =>
        `<li>${h(file.fileName)} (${h(file.format)}) <label><input type="checkbox" name="library_remove_${index}" value="yes"> ${h(t.remove)}</label></li>`,
    )
    .join('');
  const body =
    `<h1>${h(options.title)}</h1>\n` +
    (errorsOf('form').length ? `<div class="form-errors">${error('form')}</div>\n` : '') +
    (problems.length ? `<p class="note" role="alert">${h(t.correctFields(problems.length))}</p>\n` : '') +
    `<form method="post" action="${attr(options.action)}" enctype="multipart/form-data" class="subscription-form">${csrfField(csrf)}\n` +
    (options.id ? `<input type="hidden" name="id" value="${attr(options.id)}">\n` : '') +
    `<fieldset><legend>${h(t.whatToRead)}</legend>\n` +
    text('name', t.name, ' required pattern="[A-Za-z0-9][A-Za-z0-9._-]*"', t.savedAs(options.prefix)) +
    text('categories', t.categories, ' list="arxiv-categories" required', t.categoriesHint) +
    `<datalist id="arxiv-categories">${categories}</datalist>\n` +
    box('crossLists', t.crossLists) +
    box('updates', t.updates) +
    text('query', t.queryLabel, ' size="60"', t.queryHint) +
    area('authors', t.authors, t.authorsHint) +
    area('include', t.include, t.oneALine) +
    area('exclude', t.exclude, t.oneALine) +
    `</fieldset>\n<fieldset><legend>${h(t.libraryAndRanking)}</legend>\n` +
    (files ? `<ul class="library-files">${files}</ul>` : '') +
    `<p class="field"><label for="f-library_file">${h(t.uploadLibrary)}</label> <input id="f-library_file" type="file" name="library_file" accept=".bib,.bibtex,.ris,.json,.txt"${invalid('library_file')}> <small>${h(t.libraryFormats)}</small>${error('library_file')}</p>` +
    text('zotero_user', t.zoteroUser) +
    secret('zotero_key', t.zoteroKey, t.zoteroKeyHint) +
    text('zotero_collection', t.zoteroCollection) +
    remove('zotero', t.forgetZotero, Boolean(fields.zotero_user)) +
    `<p class="field"><label for="f-ranking_method">${h(t.ranking)}</label> <select id="f-ranking_method" name="ranking_method"${invalid('ranking_method')}>` +
    ['lexical', 'none'].map((method) => `<option${fields.ranking_method === method ? ' selected' : ''}>${method}</option>`).join('') +
    `</select>${error('ranking_method')}</p>` +
    text('topK', t.topK, ' inputmode="numeric" size="5"', t.topKHint) +
    text('threshold', t.threshold, ' inputmode="decimal" size="5"', t.thresholdHint) +
    `</fieldset>\n<fieldset><legend>${h(t.whenAndWhere)}</legend>\n` +
    text('lang', t.language, ' size="6"', t.languageHint) +
    text('cron', t.cron, ' size="16"') +
    text('timezone', t.timezone, ' size="20"') +
    box('channel_email', t.emailTo(options.readerEmail)) +
    secret('feishu_url', t.feishuUrl, 'https://open.feishu.cn/open-apis/bot/v2/hook/…') +
    secret('feishu_secret', t.feishuSecret, t.optional) +
    remove('feishu', t.removeFeishu, Boolean(masks.feishu_url)) +
    secret('slack_url', t.slackUrl, 'https://hooks.slack.com/services/…') +
    remove('slack', t.removeSlack, Boolean(masks.slack_url)) +
    secret('telegram_token', t.telegramToken, t.telegramTokenHint) +
    text('telegram_chat', t.telegramChat) +
    remove('telegram', t.removeTelegram, Boolean(masks.telegram_token)) +
    secret('webhook_url', t.webhookUrl, 'https://example.org/hook') +
    secret('webhook_secret', t.webhookSecret, t.optional) +
    remove('webhook', t.removeWebhook, Boolean(masks.webhook_url)) +
    `</fieldset>\n<p><button type="submit">${h(t.save)}</button> <button type="submit" formaction="/subscriptions/preview">${h(t.preview)}</button></p></form>\n` +
    (options.id && options.privateFeed ? privateFeedSection(t, csrf, options.id, options.privateFeed, options.privateFeedReset ?? false) : '') +
    (options.id
      ? `<p><a href="/subscriptions/${attr(options.id)}/preview">${h(t.previewWhat)}</a></p>\n` +
        `<form method="post" action="/subscriptions/${attr(options.id)}/delete" class="account-form">${csrfField(csrf)}<label><input type="checkbox" name="confirm" value="yes" required> ${h(t.deleteThis)}</label> <button type="submit">${h(t.delete)}</button></form>`
      : '');
  return page({ ...frame, title: options.title, body });
}

/** The private feed addresses, read-only inputs to copy from, the warning, and the reset button (docs/decisions/0063). */
function privateFeedSection(
  t: (typeof SUBSCRIPTION_TEXT)[UiLang],
  csrf: string,
  id: string,
  feed: { atom: string; json: string } | 'unavailable',
  reset: boolean,
): string {
  const head = `<section id="private-feed" class="private-feed"><h2>${h(t.privateFeed)}</h2>\n`;
  if (feed === 'unavailable') return `${head}<p class="note">${h(t.privateFeedNeedsSecret)}</p></section>\n`;
  const address = (field: string, label: string, url: string) =>
    `<p class="field"><label for="f-${field}">${h(label)}</label> <input id="f-${field}" type="url" readonly size="70" spellcheck="false" autocomplete="off" value="${attr(url)}"></p>`;
  return (
    head +
    (reset ? `<p class="note" role="status">${h(t.privateFeedWasReset)}</p>\n` : '') +
    `<p>${h(t.privateFeedIntro)}</p>\n` +
    address('private-feed-atom', t.privateFeedAtom, feed.atom) +
    address('private-feed-json', t.privateFeedJson, feed.json) +
    `\n<p class="note">${h(t.privateFeedWarning)}</p>\n` +
    `<form method="post" action="/subscriptions/${attr(id)}/private-feed" class="account-form">${csrfField(csrf)}<button type="submit">${h(t.resetPrivateFeed)}</button></form></section>\n`
  );
}

const score = (value: number | undefined): string => (value === undefined ? '—' : value.toFixed(3));

export function previewPage(frame: Frame, name: string, preview: Preview, back: string): string {
  const t = SUBSCRIPTION_TEXT[frame.ui];
  const { plan } = preview;
  const selected = plan.selected
    .map(
      (item) =>
        `<tr class="selected"><td><a href="/papers/${attr(item.paper.id)}">${h(item.paper.id)}</a></td><td>${h(item.paper.title)}</td><td>${score(item.score)}</td><td>${h(reasonText(item.reason, frame.ui))}</td></tr>`,
    )
    .join('\n');
  const skipped = plan.skipped
    .map(
      (item) =>
        `<tr class="skipped"><td>${h(item.paper.id)}</td><td>${h(item.paper.title)}</td><td>${score(item.score)}</td><td>${h(reasonText(item.reason, frame.ui))}</td></tr>`,
    )
    .join('\n');
  const head = `<thead><tr><th>${h(t.paper)}</th><th>${h(t.title)}</th><th>${h(t.score)}</th><th>${h(t.why)}</th></tr></thead>`;
  const body =
    `<h1>${h(t.previewOf(name))}</h1>\n` +
    (preview.day
      ? `<p class="preview-summary">${h(t.previewSummary({ day: preview.day, selected: plan.selected.length, skipped: plan.skipped.length, ...(plan.rankedBy ? { rankedBy: plan.rankedBy } : {}) }))}</p>\n`
      : `<p class="preview-summary">${h(t.previewNoDay)}</p>\n`) +
    preview.warnings.map((warning) => `<p class="note">${h(noteText(warning, frame.ui))}</p>`).join('\n') +
    `<h2>${h(t.selected)}</h2>\n` +
    (selected ? `<table class="preview-selected">${head}<tbody>\n${selected}\n</tbody></table>` : `<p>${h(t.none)}</p>`) +
    `\n<h2>${h(t.skipped)}</h2>\n` +
    (skipped ? `<table class="preview-skipped">${head}<tbody>\n${skipped}\n</tbody></table>` : `<p>${h(t.none)}</p>`) +
    `\n<p><a href="${attr(back)}">${h(t.back)}</a></p>`;
  return page({ ...frame, title: t.previewOf(name), body });
}
