/** Telegram Bot API `sendMessage`: HTML parse mode, at most 4,096 characters per message, the bot token kept out of every message. */
import type { Channel, DeliveryContent } from '../../core/channel.js';
import { checkDeliveryUrl } from '../shared/url-guard.js';
import { channelId, deliverParts, requireSetting, type CommonChannelOptions } from '../shared/deliver.js';
import { entryViews, labelsFor, updatedNote, type EntryView, type Labels } from '../shared/entries.js';
import { excerpt } from '../../core/errors.js';
import { httpTransport, postWithRetry, retryAfter, type AnswerFailure, type HttpAnswer } from '../shared/http.js';
import { packText, utf16Length } from '../shared/split.js';

export interface TelegramChannelOptions extends CommonChannelOptions {
  /** The bot token from @BotFather (a secret: it is in the request path, so URLs are never shown with it). */
  botToken: string;
  /** A chat id (`-100…`) or a public channel's `@username`. */
  chatId: string | number;
  /** Default `https://api.telegram.org` (a local Bot API server works too). */
  baseUrl?: string;
  /** For forum supergroups: the topic to post in. */
  messageThreadId?: number;
  disableNotification?: boolean;
}

/** core.telegram.org/bots/api#sendmessage: 1–4,096 characters after entities parsing; the raw HTML is never shorter. */
export const telegramLimits = { text: 4096 } as const;

export const metadata = { kind: 'telegram', requires: ['botToken', 'chatId'] } as const;

export function createTelegramChannel(options: TelegramChannelOptions): Channel {
  const token = requireSetting(options.botToken, 'Telegram', 'botToken', 'Create a bot with @BotFather and set its token');
  const chatId = requireSetting(String(options.chatId ?? ''), 'Telegram', 'chatId', 'Set the chat id (e.g. -1001234567890) or @channelusername');
  const baseUrl = (options.baseUrl ?? 'https://api.telegram.org').replace(/\/+$/, '');
  const url = `${baseUrl}/bot${token}/sendMessage`;
  const shownUrl = `${baseUrl}/bot***/sendMessage`;
  checkDeliveryUrl(url, { label: 'Telegram Bot API URL', allowPrivateNetwork: options.allowPrivateNetwork, shownUrl });
  const transport = httpTransport(options, {
    label: 'Telegram Bot API',
    shownUrl,
    secrets: [token],
    hint: 'Check the bot token and chat id, and that the bot was added to the chat (with the right to post in a channel)',
  });
  return {
    id: channelId('telegram', options.name),
    kind: 'telegram',
    send(content, sendOptions) {
      const messages = formatTelegramMessages(content).map((text) => ({
        chat_id: /^-?\d+$/.test(chatId) ? Number(chatId) : chatId,
        text,
        parse_mode: 'HTML',
        disable_web_page_preview: true,
        link_preview_options: { is_disabled: true },
        ...(options.messageThreadId !== undefined ? { message_thread_id: options.messageThreadId } : {}),
        ...(options.disableNotification ? { disable_notification: true } : {}),
      }));
      return deliverParts(messages, async (message, counter) => {
        await postWithRetry(transport, () => ({ url, body: JSON.stringify(message) }), checkTelegram, counter, sendOptions?.signal);
      });
    },
  };
}

/** The HTML message texts, each at most 4,096 characters and each well-formed on its own. */
export function formatTelegramMessages(content: DeliveryContent): string[] {
  const labels = labelsFor(content.digest.lang);
  const blocks = entryViews(content.digest).map((view) => entryText(view, labels));
  return packText({
    blocks: blocks.length > 0 ? blocks : [escapeTelegram(labels.empty)],
    limit: telegramLimits.text,
    measure: utf16Length,
    html: true,
    header: (label) => `<b>${escapeTelegram(content.subject)}</b>${label ? ` ${label}` : ''}`,
    ...(content.url ? { footer: `<a href="${escapeTelegram(content.url)}">${escapeTelegram(labels.more)}</a>` } : {}),
  });
}

function entryText(view: EntryView, labels: Labels): string {
  const note = updatedNote(view, labels);
  const lines = [
    `<b>${view.number}.</b> <a href="${escapeTelegram(view.link)}">${escapeTelegram(view.title)}</a>${note ? ` <i>(${escapeTelegram(note)})</i>` : ''}`,
  ];
  lines.push(escapeTelegram(view.tldr || labels.missing));
  if (view.reason) lines.push(`<i>${escapeTelegram(labels.reason)}: ${escapeTelegram(view.reason)}</i>`);
  if (view.feedback) {
    lines.push(
      `<a href="${escapeTelegram(view.feedback.star)}">${escapeTelegram(labels.moreLikeThis)}</a> · <a href="${escapeTelegram(view.feedback.hide)}">${escapeTelegram(labels.hide)}</a>`,
    );
  }
  return lines.join('\n');
}

/** The entities Telegram's HTML mode requires (core.telegram.org/bots/api#html-style), plus `"` for attributes. */
export function escapeTelegram(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Telegram answers `{ ok: false, error_code, description, parameters: { retry_after } }`. */
function checkTelegram(answer: HttpAnswer): AnswerFailure | undefined {
  let body: { ok?: unknown; description?: unknown; error_code?: unknown; parameters?: { retry_after?: unknown } } = {};
  try {
    body = JSON.parse(answer.text) as typeof body;
  } catch {
    // Keep the status.
  }
  if (answer.status >= 200 && answer.status < 300 && body.ok !== false) return undefined;
  const description = typeof body.description === 'string' ? body.description : excerpt(answer.text) || '(empty body)';
  const seconds = body.parameters?.retry_after;
  return {
    reason: `returned ${answer.status}: ${description}`,
    retryable: answer.status === 429 || answer.status >= 500,
    ...(typeof seconds === 'number'
      ? { retryAfterMs: seconds * 1000 }
      : answer.status === 429
        ? retryAfter(answer.headers['retry-after'], answer.headers['date'])
        : {}),
  };
}
