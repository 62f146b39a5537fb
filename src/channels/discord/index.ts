/** Discord webhook: Markdown `content` of at most 2,000 characters per message, with mentions and link embeds switched off. */
import type { Channel, DeliveryContent } from '../../core/channel.js';
import { checkDeliveryUrl } from '../shared/url-guard.js';
import { channelId, deliverParts, requireSetting, type CommonChannelOptions } from '../shared/deliver.js';
import { entryViews, labelsFor, updatedNote, type EntryView, type Labels } from '../shared/entries.js';
import { httpTransport, checkStatus, postWithRetry, type AnswerFailure, type HttpAnswer } from '../shared/http.js';
import { packText, utf16Length } from '../shared/split.js';

export interface DiscordChannelOptions extends CommonChannelOptions {
  /** `https://discord.com/api/webhooks/<id>/<token>` (the token is a secret). */
  webhookUrl: string;
  /** Overrides the webhook's display name. */
  username?: string;
}

/** discord.com/developers/docs/resources/webhook#execute-webhook: `content` up to 2,000 characters. */
export const discordLimits = { content: 2000 } as const;

/** Message flag SUPPRESS_EMBEDS (1 << 2): no link previews for the arXiv links. */
const SUPPRESS_EMBEDS = 4;

export const metadata = { kind: 'discord', requires: ['webhookUrl'] } as const;

export function createDiscordChannel(options: DiscordChannelOptions): Channel {
  const webhookUrl = requireSetting(options.webhookUrl, 'Discord', 'webhookUrl', 'Create a webhook in the Discord channel settings and set its URL');
  const shownUrl = maskDiscordUrl(webhookUrl);
  checkDeliveryUrl(webhookUrl, { label: 'Discord webhook URL', allowPrivateNetwork: options.allowPrivateNetwork, shownUrl });
  const token = new URL(webhookUrl).pathname.split('/').filter(Boolean).pop() ?? '';
  const transport = httpTransport(options, {
    label: 'Discord webhook',
    shownUrl,
    secrets: [webhookUrl, token],
    hint: 'Check the Discord webhook URL (404 means the webhook was deleted)',
  });
  return {
    id: channelId('discord', options.name),
    kind: 'discord',
    send(content, sendOptions) {
      const messages = formatDiscordMessages(content).map((text) => ({
        content: text,
        // Nothing in a digest may ping anyone: @everyone, @here, roles and users are all parsed as plain text.
        allowed_mentions: { parse: [] as string[] },
        flags: SUPPRESS_EMBEDS,
        ...(options.username ? { username: options.username } : {}),
      }));
      return deliverParts(messages, async (message, counter) => {
        await postWithRetry(transport, () => ({ url: webhookUrl, body: JSON.stringify(message) }), checkDiscord, counter, sendOptions?.signal);
      });
    },
  };
}

/** The message texts, each at most 2,000 characters. */
export function formatDiscordMessages(content: DeliveryContent): string[] {
  const labels = labelsFor(content.digest.lang);
  const blocks = entryViews(content.digest).map((view) => entryText(view, labels));
  return packText({
    blocks: blocks.length > 0 ? blocks : [escapeDiscord(labels.empty)],
    limit: discordLimits.content,
    measure: utf16Length,
    header: (label) => `**${escapeDiscord(content.subject)}**${label ? ` ${label}` : ''}`,
    ...(content.url ? { footer: `[${escapeDiscord(labels.more)}](<${discordUrl(content.url)}>)` } : {}),
  });
}

function entryText(view: EntryView, labels: Labels): string {
  const note = updatedNote(view, labels);
  const lines = [`**${view.number}.** [${escapeDiscord(view.title)}](<${discordUrl(view.link)}>)${note ? ` *(${escapeDiscord(note)})*` : ''}`];
  lines.push(escapeDiscord(view.tldr || labels.missing));
  if (view.reason) lines.push(`*${escapeDiscord(labels.reason)}: ${escapeDiscord(view.reason)}*`);
  // One-click links (docs/decisions/0040), signed for the channel: masked links `[label](<url>)`, no embeds.
  if (view.feedback)
    lines.push(
      `[${escapeDiscord(labels.moreLikeThis)}](<${discordUrl(view.feedback.star)}>) · [${escapeDiscord(labels.hide)}](<${discordUrl(view.feedback.hide)}>)`,
    );
  return lines.join('\n');
}

/** Backslash-escapes Discord's Markdown punctuation, so that titles cannot format, quote, spoil or make links. */
export function escapeDiscord(text: string): string {
  return text.replace(/[\\*_~`|>#\-[\]()<:@!]/g, (character) => `\\${character}`);
}

function discordUrl(url: string): string {
  return url.replace(/[<>()\s]/g, (character) => encodeURIComponent(character));
}

/** 429 bodies carry `retry_after` in seconds (discord.com/developers/docs/topics/rate-limits). */
function checkDiscord(answer: HttpAnswer): AnswerFailure | undefined {
  const failure = checkStatus(answer);
  if (!failure || answer.status !== 429 || failure.retryAfterMs !== undefined) return failure;
  try {
    const body = JSON.parse(answer.text) as { retry_after?: unknown };
    if (typeof body.retry_after === 'number') return { ...failure, retryAfterMs: Math.ceil(body.retry_after * 1000) };
  } catch {
    // Not JSON: keep the backoff.
  }
  return failure;
}

export function maskDiscordUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const segments = parsed.pathname.split('/');
    segments[segments.length - 1] = '***';
    return `${parsed.origin}${segments.join('/')}`;
  } catch {
    return '***';
  }
}
