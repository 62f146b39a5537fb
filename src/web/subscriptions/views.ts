/** The subscriptions' pages (docs/decisions/0039): plain server-rendered forms with CSRF tokens, errors next to their field. */
import type { Subscription } from '../../core/config/schema.js';
import { ARXIV_CATEGORY_NAMES } from '../../core/taxonomy.js';
import { escapeHtml } from '../../render/html/escape.js';
import type { ReaderSubscription } from '../../store/subscription-store.js';
import type { UiLang } from '../i18n.js';
import { attr, page } from '../views/layout.js';
import type { FieldProblem } from './model.js';
import type { Preview } from './preview.js';

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
  const row = (subscription: ReaderSubscription, owner?: string) => {
    const spec = subscription.subscription as { categories?: string; outputs?: { channels?: Array<Record<string, unknown>> } };
    return (
      `<tr><td><a href="/subscriptions/${attr(subscription.id)}">${h(subscription.name)}</a></td><td>${h(spec.categories ?? '')}</td>` +
      `<td>${h(channelNames(spec.outputs?.channels))}</td>${owner !== undefined ? `<td>${h(owner)}</td>` : ''}` +
      `<td><a href="/subscriptions/${attr(subscription.id)}/preview">preview</a></td></tr>`
    );
  };
  const mine = options.mine.length
    ? `<table class="subscriptions"><thead><tr><th>Name</th><th>Categories</th><th>Channels</th><th></th></tr></thead><tbody>\n${options.mine.map((item) => row(item)).join('\n')}\n</tbody></table>`
    : '<p>You have no subscription yet.</p>';
  const others = options.isAdmin
    ? `<h2>Readers’ subscriptions</h2>\n` +
      (options.others.length
        ? `<table><thead><tr><th>Name</th><th>Categories</th><th>Channels</th><th>Reader</th><th></th></tr></thead><tbody>\n${options.others.map((item) => row(item, item.owner)).join('\n')}\n</tbody></table>`
        : '<p>None.</p>')
    : '';
  const config = options.config.length
    ? `<h2>From the config file (read-only)</h2>\n<table class="config-subscriptions"><thead><tr><th>Name</th><th>Categories</th><th>Query</th><th>Schedule</th><th>Channels</th></tr></thead><tbody>\n` +
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
    `<h1>Subscriptions</h1>\n` +
    (options.note ? `<p class="note" role="status">${h(options.note)}</p>\n` : '') +
    `<p><a href="/subscriptions/new">New subscription</a></p>\n<h2>Yours</h2>\n${mine}\n${others}\n${config}`;
  return page({ ...frame, title: 'Subscriptions', body });
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
  options: { action: string; title: string; readerEmail: string; prefix: string; state: FormState; id?: string },
): string {
  const { fields, masks, problems } = options.state;
  const errorsOf = (field: string) => problems.filter((problem) => problem.field === field);
  const error = (field: string) =>
    errorsOf(field)
      .map((problem) => `<pre class="field-error" id="error-${attr(field)}" role="alert">${h(problem.message)}</pre>`)
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
    `<p class="field"><label for="f-${field}">${h(label)}</label> <input id="f-${field}" name="${field}" type="password" autocomplete="off" value="" placeholder="${attr(masks[field] ? `${masks[field]} (kept when left blank)` : placeholder)}"${invalid(field)}>${error(field)}</p>`;
  const remove = (channel: string, label: string, present: boolean) =>
    present ? `<p class="field"><label><input type="checkbox" name="${channel}_remove" value="yes"> ${h(label)}</label></p>` : '';
  const categories = [...ARXIV_CATEGORY_NAMES]
    .sort()
    .map((name) => `<option value="${attr(name)}"></option>`)
    .join('');
  const files = options.state.libraryFiles
    .map(
      (file, index) =>
        `<li>${h(file.fileName)} (${h(file.format)}) <label><input type="checkbox" name="library_remove_${index}" value="yes"> remove</label></li>`,
    )
    .join('');
  const body =
    `<h1>${h(options.title)}</h1>\n` +
    (errorsOf('form').length ? `<div class="form-errors">${error('form')}</div>\n` : '') +
    (problems.length
      ? `<p class="note" role="alert">Please correct the ${problems.length === 1 ? 'field' : `${problems.length} fields`} marked below.</p>\n`
      : '') +
    `<form method="post" action="${attr(options.action)}" enctype="multipart/form-data" class="subscription-form">${csrfField(csrf)}\n` +
    (options.id ? `<input type="hidden" name="id" value="${attr(options.id)}">\n` : '') +
    `<fieldset><legend>What to read</legend>\n` +
    text('name', 'Name', ' required pattern="[A-Za-z0-9][A-Za-z0-9._-]*"', `saved as ${options.prefix}NAME`) +
    text('categories', 'Categories', ' list="arxiv-categories" required', 'e.g. cs.CL+cs.AI-cs.CY: + adds, - removes; an archive alone (math) is allowed') +
    `<datalist id="arxiv-categories">${categories}</datalist>\n` +
    box('crossLists', 'Cross-listed papers count') +
    box('updates', 'Deliver a paper again when a new version changes its abstract') +
    text('query', 'Query', ' size="60"', 'AND, OR, NOT, ( ), "phrases", ti: abs: au: cat:') +
    area('authors', 'Followed authors', 'one a line; their papers always pass') +
    area('include', 'Keywords (at least one)', 'one a line') +
    area('exclude', 'Keywords to skip', 'one a line') +
    `</fieldset>\n<fieldset><legend>Library and ranking</legend>\n` +
    (files ? `<ul class="library-files">${files}</ul>` : '') +
    `<p class="field"><label for="f-library_file">Upload a library</label> <input id="f-library_file" type="file" name="library_file" accept=".bib,.bibtex,.ris,.json,.txt"${invalid('library_file')}> <small>BibTeX, RIS or CSL-JSON</small>${error('library_file')}</p>` +
    text('zotero_user', 'Zotero user id') +
    secret('zotero_key', 'Zotero API key', 'for a private library') +
    text('zotero_collection', 'Zotero collection key') +
    remove('zotero', 'Forget the Zotero library', Boolean(fields.zotero_user)) +
    `<p class="field"><label for="f-ranking_method">Ranking</label> <select id="f-ranking_method" name="ranking_method"${invalid('ranking_method')}>` +
    ['lexical', 'none'].map((method) => `<option${fields.ranking_method === method ? ' selected' : ''}>${method}</option>`).join('') +
    `</select>${error('ranking_method')}</p>` +
    text('topK', 'Top K', ' inputmode="numeric" size="5"', 'keep at most this many papers a day') +
    text('threshold', 'Threshold', ' inputmode="decimal" size="5"', '0–1 on your library’s scale') +
    `</fieldset>\n<fieldset><legend>When and where</legend>\n` +
    text('lang', 'Language', ' size="6"', 'of the translations, e.g. zh, ja, fr (default: the site’s)') +
    text('cron', 'Schedule (cron)', ' size="16"') +
    text('timezone', 'Time zone', ' size="20"') +
    box('channel_email', `Email to ${options.readerEmail}`) +
    secret('feishu_url', 'Feishu webhook URL', 'https://open.feishu.cn/open-apis/bot/v2/hook/…') +
    secret('feishu_secret', 'Feishu signing secret', 'optional') +
    remove('feishu', 'Remove the Feishu channel', Boolean(masks.feishu_url)) +
    secret('slack_url', 'Slack incoming webhook URL', 'https://hooks.slack.com/services/…') +
    remove('slack', 'Remove the Slack channel', Boolean(masks.slack_url)) +
    secret('telegram_token', 'Telegram bot token', 'from @BotFather') +
    text('telegram_chat', 'Telegram chat id') +
    remove('telegram', 'Remove the Telegram channel', Boolean(masks.telegram_token)) +
    secret('webhook_url', 'Webhook URL', 'https://example.org/hook') +
    secret('webhook_secret', 'Webhook signing secret', 'optional') +
    remove('webhook', 'Remove the webhook', Boolean(masks.webhook_url)) +
    `</fieldset>\n<p><button type="submit">Save</button> <button type="submit" formaction="/subscriptions/preview">Preview</button></p></form>\n` +
    (options.id
      ? `<p><a href="/subscriptions/${attr(options.id)}/preview">Preview what it would have delivered</a></p>\n` +
        `<form method="post" action="/subscriptions/${attr(options.id)}/delete" class="account-form">${csrfField(csrf)}<label><input type="checkbox" name="confirm" value="yes" required> Delete this subscription</label> <button type="submit">Delete</button></form>`
      : '');
  return page({ ...frame, title: options.title, body });
}

const score = (value: number | undefined): string => (value === undefined ? '—' : value.toFixed(3));

export function previewPage(frame: Frame, name: string, preview: Preview, back: string): string {
  const { plan } = preview;
  const selected = plan.selected
    .map(
      (item) =>
        `<tr class="selected"><td><a href="/papers/${attr(item.paper.id)}">${h(item.paper.id)}</a></td><td>${h(item.paper.title)}</td><td>${score(item.score)}</td><td>${h(item.reason)}</td></tr>`,
    )
    .join('\n');
  const skipped = plan.skipped
    .map(
      (item) => `<tr class="skipped"><td>${h(item.paper.id)}</td><td>${h(item.paper.title)}</td><td>${score(item.score)}</td><td>${h(item.reason)}</td></tr>`,
    )
    .join('\n');
  const head = '<thead><tr><th>Paper</th><th>Title</th><th>Score</th><th>Why</th></tr></thead>';
  const body =
    `<h1>Preview of ${h(name)}</h1>\n` +
    (preview.day
      ? `<p class="preview-summary">On ${h(preview.day)}, the latest announcement day stored for its categories, it would have delivered ${plan.selected.length} paper${plan.selected.length === 1 ? '' : 's'} and skipped ${plan.skipped.length}${plan.rankedBy ? ` (ranked by ${h(plan.rankedBy)})` : ''}. Nothing was sent or recorded.</p>\n`
      : '<p class="preview-summary">No paper of these categories is stored yet: the preview shows a day once a run or `xivdigest fetch` has stored one.</p>\n') +
    preview.warnings.map((warning) => `<p class="note">${h(warning)}</p>`).join('\n') +
    `<h2>Selected</h2>\n` +
    (selected ? `<table class="preview-selected">${head}<tbody>\n${selected}\n</tbody></table>` : '<p>None.</p>') +
    `\n<h2>Skipped</h2>\n` +
    (skipped ? `<table class="preview-skipped">${head}<tbody>\n${skipped}\n</tbody></table>` : '<p>None.</p>') +
    `\n<p><a href="${attr(back)}">Back</a></p>`;
  return page({ ...frame, title: `Preview of ${name}`, body });
}
