/** WeCom (企业微信) group robot: markdown messages of at most 4,096 bytes, mentioning nobody. */
import type { Channel, DeliveryContent } from '../../core/channel.js';
import { checkDeliveryUrl } from '../shared/url-guard.js';
import { channelId, deliverParts, requireSetting, type CommonChannelOptions } from '../shared/deliver.js';
import { entryViews, labelsFor } from '../shared/entries.js';
import { chatMarkdownEntry, escapeChatMarkdown, markdownUrl } from '../shared/chat-markdown.js';
import { httpTransport, maskHookUrl, postWithRetry } from '../shared/http.js';
import { checkErrcode } from '../shared/errcode.js';
import { packText, utf8Bytes } from '../shared/split.js';

export interface WeComChannelOptions extends CommonChannelOptions {
  /** `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…` (the key is a secret). */
  webhookUrl: string;
}

/** developer.work.weixin.qq.com/document/path/91770: markdown `content` up to 4,096 bytes of UTF-8. */
export const weComLimits = { contentBytes: 4096 } as const;

export const metadata = { kind: 'wecom', requires: ['webhookUrl'] } as const;

export function createWeComChannel(options: WeComChannelOptions): Channel {
  const webhookUrl = requireSetting(options.webhookUrl, 'WeCom', 'webhookUrl', 'Add a group robot and set its webhook URL');
  const shownUrl = maskHookUrl(webhookUrl);
  const parsed = checkDeliveryUrl(webhookUrl, { label: 'WeCom webhook URL', allowPrivateNetwork: options.allowPrivateNetwork, shownUrl });
  const transport = httpTransport(options, {
    label: 'WeCom robot',
    shownUrl,
    secrets: [webhookUrl, ...parsed.searchParams.values()],
    hint: "Check the robot's webhook key (errcode 93000: invalid key) and that it is still in the group",
  });
  return {
    id: channelId('wecom', options.name),
    kind: 'wecom',
    send(content, sendOptions) {
      const texts = formatWeComMessages(content);
      return deliverParts(texts, async (text, counter) => {
        await postWithRetry(
          transport,
          () => ({ url: webhookUrl, body: JSON.stringify({ msgtype: 'markdown', markdown: { content: text } }) }),
          checkErrcode,
          counter,
          sendOptions?.signal,
        );
      });
    },
  };
}

/** The markdown contents, each at most 4,096 bytes. */
export function formatWeComMessages(content: DeliveryContent): string[] {
  const labels = labelsFor(content.digest.lang);
  const blocks = entryViews(content.digest).map((view) => chatMarkdownEntry(view, labels));
  return packText({
    blocks: blocks.length > 0 ? blocks : [escapeChatMarkdown(labels.empty)],
    limit: weComLimits.contentBytes,
    measure: utf8Bytes,
    header: (label) => `**${escapeChatMarkdown(content.subject)}**${label ? ` ${label}` : ''}`,
    ...(content.url ? { footer: `[${escapeChatMarkdown(labels.more)}](${markdownUrl(content.url)})` } : {}),
  });
}
