/** DingTalk custom robot: signed markdown messages of at most 20,000 bytes, mentioning nobody. */
import { createHmac } from 'node:crypto';
import type { Channel, DeliveryContent } from '../../core/channel.js';
import { checkDeliveryUrl } from '../shared/url-guard.js';
import { channelId, deliverParts, requireSetting, type CommonChannelOptions } from '../shared/deliver.js';
import { entryViews, labelsFor } from '../shared/entries.js';
import { chatMarkdownEntry, escapeChatMarkdown, markdownUrl } from '../shared/chat-markdown.js';
import { httpTransport, maskHookUrl, postWithRetry } from '../shared/http.js';
import { checkErrcode } from '../shared/errcode.js';
import { packText, utf8Bytes } from '../shared/split.js';

export interface DingTalkChannelOptions extends CommonChannelOptions {
  /** `https://oapi.dingtalk.com/robot/send?access_token=…` (the token is a secret). */
  webhookUrl: string;
  /** The robot's signing secret (`SEC…`, "加签"), when it has one. */
  secret?: string;
  /** Clock for the signature timestamp (tests). */
  now?: () => number;
}

/** DingTalk's custom robot docs: markdown `text` up to 20,000 bytes. */
export const dingTalkLimits = { textBytes: 20_000 } as const;

export const metadata = { kind: 'dingtalk', requires: ['webhookUrl'] } as const;

/**
 * DingTalk's signature: `base64(HMAC-SHA256(key = secret, message = timestamp + "\n" + secret))`, the timestamp in
 * milliseconds; both go into the query, URL-encoded (open.dingtalk.com, "自定义机器人安全设置: 加签").
 */
export function dingTalkSign(timestamp: number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

export function createDingTalkChannel(options: DingTalkChannelOptions): Channel {
  const webhookUrl = requireSetting(options.webhookUrl, 'DingTalk', 'webhookUrl', 'Add a custom robot to the group and set its webhook URL');
  const shownUrl = maskHookUrl(webhookUrl);
  const parsed = checkDeliveryUrl(webhookUrl, { label: 'DingTalk webhook URL', allowPrivateNetwork: options.allowPrivateNetwork, shownUrl });
  const now = options.now ?? Date.now;
  const transport = httpTransport(options, {
    label: 'DingTalk robot',
    shownUrl,
    secrets: [webhookUrl, ...parsed.searchParams.values(), ...(options.secret ? [options.secret] : [])],
    hint: "Check the access token, the signing secret and the robot's keyword or IP rules (errcode 310000: signature, keyword or IP)",
  });
  return {
    id: channelId('dingtalk', options.name),
    kind: 'dingtalk',
    send(content, sendOptions) {
      const texts = formatDingTalkMessages(content);
      return deliverParts(texts, async (text, counter) => {
        await postWithRetry(
          transport,
          () => {
            const url = new URL(webhookUrl);
            if (options.secret) {
              const timestamp = now();
              // URLSearchParams percent-encodes the base64 signature's `+`, `/` and `=`, as DingTalk requires.
              url.searchParams.set('timestamp', String(timestamp));
              url.searchParams.set('sign', dingTalkSign(timestamp, options.secret));
            }
            const body = { msgtype: 'markdown', markdown: { title: content.subject, text }, at: { isAtAll: false, atMobiles: [], atUserIds: [] } };
            return { url: url.toString(), body: JSON.stringify(body) };
          },
          checkErrcode,
          counter,
          sendOptions?.signal,
        );
      });
    },
  };
}

/** The markdown texts, each at most 20,000 bytes. */
export function formatDingTalkMessages(content: DeliveryContent): string[] {
  const labels = labelsFor(content.digest.lang);
  const blocks = entryViews(content.digest).map((view) => chatMarkdownEntry(view, labels, '  \n'));
  return packText({
    blocks: blocks.length > 0 ? blocks : [escapeChatMarkdown(labels.empty)],
    limit: dingTalkLimits.textBytes,
    measure: utf8Bytes,
    header: (label) => `### ${escapeChatMarkdown(content.subject)}${label ? ` ${label}` : ''}`,
    ...(content.url ? { footer: `[${escapeChatMarkdown(labels.more)}](${markdownUrl(content.url)})` } : {}),
  });
}
