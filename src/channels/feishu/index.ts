/** Feishu/Lark custom bot: an interactive card per message (about 30 KB each), signed with the bot's secret when one is set. */
import { createHmac } from 'node:crypto';
import type { Channel, DeliveryContent } from '../../core/channel.js';
import { checkDeliveryUrl } from '../shared/url-guard.js';
import { channelId, deliverParts, requireSetting, type CommonChannelOptions } from '../shared/deliver.js';
import { entryViews, labelsFor, updatedNote, type EntryView, type Labels } from '../shared/entries.js';
import { httpTransport, checkStatus, maskHookUrl, postWithRetry, type AnswerFailure, type HttpAnswer } from '../shared/http.js';
import { cutMarkup, pack, partLabel, utf8Bytes, widestPartLabel } from '../shared/split.js';

export interface FeishuChannelOptions extends CommonChannelOptions {
  /** `https://open.feishu.cn/open-apis/bot/v2/hook/<id>` or Lark's `https://open.larksuite.com/…` (the id is a secret). */
  webhookUrl: string;
  /** The bot's signing secret ("签名校验"), when the bot has one. */
  secret?: string;
  /** Card header colour (default `blue`). */
  template?: string;
  /** Clock for the signature timestamp (tests). */
  now?: () => number;
}

/** Feishu's custom bot docs: the request body must stay under 30 KB (20 KB of it is advised for cards). */
export const feishuLimits = { bodyBytes: 30_000 } as const;

export const metadata = { kind: 'feishu', requires: ['webhookUrl'] } as const;

type Element = Record<string, unknown>;
interface FeishuUnit {
  text: string;
  link?: { label: string; url: string };
  feedback?: { star: string; hide: string };
}

/**
 * The signature of Feishu's custom bots: `base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = ""))`, the
 * timestamp in seconds (open.feishu.cn/document/client-docs/bot-v3/add-custom-bot, "签名校验").
 */
export function feishuSign(timestamp: number, secret: string): string {
  return createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64');
}

export function createFeishuChannel(options: FeishuChannelOptions): Channel {
  const webhookUrl = requireSetting(options.webhookUrl, 'Feishu', 'webhookUrl', 'Add a custom bot to the group and set its webhook URL');
  const shownUrl = maskHookUrl(webhookUrl);
  checkDeliveryUrl(webhookUrl, { label: 'Feishu webhook URL', allowPrivateNetwork: options.allowPrivateNetwork, shownUrl });
  const now = options.now ?? Date.now;
  const transport = httpTransport(options, {
    label: 'Feishu bot',
    shownUrl,
    secrets: [webhookUrl, new URL(webhookUrl).pathname, ...(options.secret ? [options.secret] : [])],
    hint: "Check the webhook URL, the signing secret and the bot's keyword or IP rules (code 19021: signature or clock; 19024: keyword)",
  });
  return {
    id: channelId('feishu', options.name),
    kind: 'feishu',
    send(content, sendOptions) {
      const cards = formatFeishuCards(content, options.template);
      return deliverParts(cards, async (card, counter) => {
        await postWithRetry(
          transport,
          () => {
            const timestamp = Math.floor(now() / 1000);
            const signature = options.secret ? { timestamp: String(timestamp), sign: feishuSign(timestamp, options.secret) } : {};
            return { url: webhookUrl, body: JSON.stringify({ ...signature, msg_type: 'interactive', card }) };
          },
          checkFeishu,
          counter,
          sendOptions?.signal,
        );
      });
    },
  };
}

/** Cards whose request bodies stay under the size limit. Digest text goes into `plain_text`, which Feishu does not parse. */
export function formatFeishuCards(content: DeliveryContent, template = 'blue'): Record<string, unknown>[] {
  const labels = labelsFor(content.digest.lang);
  const units: FeishuUnit[] = entryViews(content.digest).map((view) => entryUnit(view, labels));
  if (units.length === 0) units.push({ text: labels.empty });
  // Room for the signature fields and the envelope, measured with the widest part label.
  const envelope = utf8Bytes(
    JSON.stringify({ timestamp: '1700000000', sign: 'x'.repeat(44), msg_type: 'interactive', card: makeCard(content, widestPartLabel, [], template) }),
  );
  const textBudget = feishuLimits.bodyBytes - envelope - 600;
  const cutUnits = units.flatMap((unit) =>
    cutMarkup(unit.text, textBudget, (text) => utf8Bytes(JSON.stringify(text))).map((text, index) => ({
      text,
      ...(index === 0 && unit.link ? { link: unit.link } : {}),
      ...(index === 0 && unit.feedback ? { feedback: unit.feedback } : {}),
    })),
  );
  const groups = pack(cutUnits, (group) => envelope - 2 + utf8Bytes(JSON.stringify(makeElements(group, content, labels, false))) <= feishuLimits.bodyBytes);
  return groups.map((group, index) =>
    makeCard(content, partLabel(index + 1, groups.length), makeElements(group, content, labels, index === groups.length - 1), template),
  );
}

function makeCard(content: DeliveryContent, label: string, elements: Element[], template: string): Record<string, unknown> {
  return {
    config: { wide_screen_mode: true, enable_forward: true },
    header: { template, title: { tag: 'plain_text', content: `${content.subject}${label ? ` ${label}` : ''}` } },
    elements,
  };
}

function makeElements(units: FeishuUnit[], content: DeliveryContent, labels: Labels, last: boolean): Element[] {
  const elements: Element[] = [];
  for (const unit of units) {
    if (elements.length > 0) elements.push({ tag: 'hr' });
    elements.push({ tag: 'div', text: { tag: 'plain_text', content: unit.text } });
    const links = [
      ...(unit.link ? [`[${unit.link.label}](${larkUrl(unit.link.url)})`] : []),
      // One-click links (docs/decisions/0040), signed for the channel; the labels are ours, with nothing lark_md reads.
      ...(unit.feedback ? [`[${labels.moreLikeThis}](${larkUrl(unit.feedback.star)})`, `[${labels.hide}](${larkUrl(unit.feedback.hide)})`] : []),
    ];
    if (links.length > 0) elements.push({ tag: 'div', text: { tag: 'lark_md', content: links.join(' · ') } });
  }
  if (last && content.url) elements.push({ tag: 'note', elements: [{ tag: 'lark_md', content: `[${labels.more}](${larkUrl(content.url)})` }] });
  return elements;
}

function entryUnit(view: EntryView, labels: Labels): FeishuUnit {
  const note = updatedNote(view, labels);
  const lines = [`${view.number}. ${view.title}${note ? ` (${note})` : ''}`, view.tldr || labels.missing];
  if (view.reason) lines.push(`${labels.reason}: ${view.reason}`);
  // The link label is built only from the arXiv id's safe characters, so lark_md has nothing to interpret in it.
  const id = view.paperId.replace(/[^A-Za-z0-9./-]/g, '');
  return {
    text: lines.join('\n'),
    ...(view.link ? { link: { label: `arXiv:${id || 'link'}`, url: view.link } } : {}),
    ...(view.feedback ? { feedback: view.feedback } : {}),
  };
}

/** A URL inside lark_md `[label](url)`: characters that would end it are percent-encoded. */
function larkUrl(url: string): string {
  return url.replace(/[()<>\s[\]]/g, (character) => encodeURIComponent(character));
}

/** Feishu answers HTTP 200 with `{ code, msg }` (older bots `{ StatusCode, StatusMessage }`); non-zero is a failure. */
function checkFeishu(answer: HttpAnswer): AnswerFailure | undefined {
  const failure = checkStatus(answer);
  if (failure) return failure;
  let body: { code?: unknown; msg?: unknown; StatusCode?: unknown; StatusMessage?: unknown } = {};
  try {
    body = JSON.parse(answer.text) as typeof body;
  } catch {
    return undefined;
  }
  const code = typeof body.code === 'number' ? body.code : typeof body.StatusCode === 'number' ? body.StatusCode : 0;
  if (code === 0) return undefined;
  const message = typeof body.msg === 'string' ? body.msg : typeof body.StatusMessage === 'string' ? body.StatusMessage : '';
  // 11232: the bot sent too often ("frequency limited"); 9499/11233 internal: worth another try.
  return { reason: `answered code ${code}: ${message}`, retryable: code === 11232 || code === 11233 || code === 9499 };
}
