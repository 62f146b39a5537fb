/** Slack incoming webhook: Block Kit messages (`{ text, blocks }`), at most 50 blocks and 3,000 characters per section. */
import type { Channel, DeliveryContent } from '../../core/channel.js';
import { checkDeliveryUrl } from '../shared/url-guard.js';
import { channelId, deliverParts, requireSetting, type CommonChannelOptions } from '../shared/deliver.js';
import { entryViews, labelsFor, updatedNote, type EntryView, type Labels } from '../shared/entries.js';
import { httpTransport, checkStatus, postWithRetry } from '../shared/http.js';
import { cutMarkup, pack, partLabel, utf16Length } from '../shared/split.js';

export interface SlackChannelOptions extends CommonChannelOptions {
  /** `https://hooks.slack.com/services/T…/B…/…` (the whole URL is a secret). */
  webhookUrl: string;
}

/** Slack's limits (api.slack.com/reference/block-kit/blocks): blocks per message, characters per section and header. */
export const slackLimits = { blocks: 50, sectionText: 3000, headerText: 150 } as const;

export const metadata = { kind: 'slack', requires: ['webhookUrl'] } as const;

type Block = Record<string, unknown>;

/** Creates the channel; throws CONFIG_INVALID or DELIVERY_URL_REFUSED for an unusable URL. */
export function createSlackChannel(options: SlackChannelOptions): Channel {
  const webhookUrl = requireSetting(options.webhookUrl, 'Slack', 'webhookUrl', 'Create an incoming webhook in Slack and set its URL');
  const shownUrl = maskSlackUrl(webhookUrl);
  checkDeliveryUrl(webhookUrl, { label: 'Slack webhook URL', allowPrivateNetwork: options.allowPrivateNetwork, shownUrl });
  const transport = httpTransport(options, {
    label: 'Slack webhook',
    shownUrl,
    secrets: [webhookUrl, new URL(webhookUrl).pathname],
    hint: 'Check the Slack webhook URL (Slack answers 403/404/410 when the webhook or channel is gone)',
  });
  return {
    id: channelId('slack', options.name),
    kind: 'slack',
    send(content, sendOptions) {
      const messages = formatSlackMessages(content);
      return deliverParts(messages, async (message, counter) => {
        await postWithRetry(transport, () => ({ url: webhookUrl, body: JSON.stringify(message) }), checkStatus, counter, sendOptions?.signal);
      });
    },
  };
}

/** The Block Kit messages for a digest, split so that each respects Slack's limits. */
export function formatSlackMessages(content: DeliveryContent): { text: string; blocks: Block[]; unfurl_links: false; unfurl_media: false }[] {
  const labels = labelsFor(content.digest.lang);
  const sections = entryViews(content.digest).flatMap((view) => cutMarkup(entryText(view, labels), slackLimits.sectionText, utf16Length));
  if (sections.length === 0) sections.push(escapeSlack(labels.empty));
  const footer = content.url ? `<${slackUrl(content.url)}|${escapeSlack(labels.more)}>` : undefined;
  // One block for the header and one for the footer are reserved in every message.
  const groups = pack(sections, (group) => group.length <= slackLimits.blocks - 2);
  return groups.map((group, index) => {
    const title = `${content.subject} ${partLabel(index + 1, groups.length)}`.trim();
    const blocks: Block[] = [
      { type: 'header', text: { type: 'plain_text', text: truncate(title, slackLimits.headerText), emoji: true } },
      ...group.map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } })),
    ];
    if (footer && index === groups.length - 1) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: footer }] });
    return { text: escapeSlack(title), blocks, unfurl_links: false, unfurl_media: false };
  });
}

function entryText(view: EntryView, labels: Labels): string {
  const note = updatedNote(view, labels);
  const lines = [`*${view.number}.* <${slackUrl(view.link)}|${escapeSlack(view.title)}>${note ? ` _(${escapeSlack(note)})_` : ''}`];
  lines.push(view.tldr ? escapeSlack(view.tldr) : escapeSlack(labels.missing));
  if (view.reason) lines.push(`_${escapeSlack(labels.reason)}: ${escapeSlack(view.reason)}_`);
  if (view.feedback)
    lines.push(`<${slackUrl(view.feedback.star)}|${escapeSlack(labels.moreLikeThis)}> · <${slackUrl(view.feedback.hide)}|${escapeSlack(labels.hide)}>`);
  return lines.join('\n');
}

/**
 * Slack's three control characters (api.slack.com/reference/surfaces/formatting#escaping). With `<` escaped no text
 * can form a link, a user mention or `<!channel>`/`<!here>`; `*_~` still format, which pings nobody.
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A URL inside `<url|text>`: the characters that would end it are percent-encoded. */
function slackUrl(url: string): string {
  return url.replace(/[|<>\s]/g, (character) => encodeURIComponent(character));
}

function truncate(text: string, max: number): string {
  const characters = Array.from(text);
  return characters.length <= max ? text : `${characters.slice(0, max - 1).join('')}…`;
}

/** The webhook URL with its secret path hidden. */
export function maskSlackUrl(url: string): string {
  try {
    return `${new URL(url).origin}/***`;
  } catch {
    return '***';
  }
}
