/** Generic JSON webhook: POSTs one documented JSON payload with the whole digest, optionally signed with HMAC-SHA256. */
import { createHmac } from 'node:crypto';
import type { Channel, DeliveryContent } from '../../core/channel.js';
import type { DigestEntry } from '../../core/digest.js';
import { checkDeliveryUrl } from '../shared/url-guard.js';
import { channelId, deliverParts, requireSetting, type CommonChannelOptions } from '../shared/deliver.js';
import { httpTransport, checkStatus, maskHookUrl, postWithRetry } from '../shared/http.js';

export interface WebhookChannelOptions extends CommonChannelOptions {
  url: string;
  /** When set, the body is signed: `X-Xivdigest-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`. */
  secret?: string;
  /** Extra headers, e.g. `Authorization` (their values are treated as secrets). */
  headers?: Record<string, string>;
  /** Include the HTML and Markdown renderings in the payload (default true; the text is always there). */
  includeRenderings?: boolean;
}

/** The version of {@link WebhookPayload}; it changes only when a field is removed or changes meaning. */
export const webhookPayloadVersion = 1;

/**
 * The payload. `entries` keep the digest order; optional fields are present only when the digest has them.
 * Receivers verify `X-Xivdigest-Signature` by computing `sha256=` + hex HMAC-SHA256 of the raw body with the shared
 * secret and comparing in constant time. The `Idempotency-Key` header is the same on every try of one delivery (also
 * after a crash mid-send): a receiver that has seen the key can drop the repeat.
 */
export interface WebhookPayload {
  type: 'xivdigest.digest';
  version: typeof webhookPayloadVersion;
  subject: string;
  digest: { name: string; style: string; lang: string; createdAt: string; url?: string; entryCount: number };
  entries: WebhookEntry[];
  text: string;
  html?: string;
  markdown?: string;
}

export interface WebhookEntry {
  number: number;
  paperId: string;
  version: number | null;
  link: string;
  title: string;
  abstract: string;
  texts: { lang: string; title: string; tldr: string; tldrEn: string; abstract: string };
  textStatus: 'ok' | 'failed' | 'pending';
  updatedFrom?: number;
  selection?: { score: number; reason: string };
  authors?: unknown;
  categories?: unknown;
}

export const metadata = { kind: 'webhook', requires: ['url'] } as const;

/** `sha256=<hex>`: the value of `X-Xivdigest-Signature`. */
export function webhookSignature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export function createWebhookChannel(options: WebhookChannelOptions): Channel {
  const url = requireSetting(options.url, 'webhook', 'url', 'Set the URL that receives the digest as JSON');
  const shownUrl = maskHookUrl(url).replace(/\/\*\*\*$/, '/…');
  checkDeliveryUrl(url, { label: 'webhook URL', allowPrivateNetwork: options.allowPrivateNetwork, shownUrl });
  const headerSecrets = Object.values(options.headers ?? {});
  const transport = httpTransport(options, {
    label: 'Webhook',
    shownUrl,
    secrets: [url, ...headerSecrets, ...(options.secret ? [options.secret] : [])],
    hint: 'Check the webhook URL and that the receiver accepts the payload (see src/channels/webhook/index.ts)',
  });
  return {
    id: channelId('webhook', options.name),
    kind: 'webhook',
    send(content, sendOptions) {
      const body = JSON.stringify(webhookPayload(content, options.includeRenderings ?? true));
      const headers: Record<string, string> = {
        'user-agent': 'xivdigest-webhook',
        'x-xivdigest-event': 'digest',
        ...options.headers,
        ...(options.secret ? { 'x-xivdigest-signature': webhookSignature(body, options.secret) } : {}),
        // The same on every retry and resend of this delivery (draft-ietf-httpapi-idempotency-key-header).
        ...(sendOptions?.idempotencyKey ? { 'idempotency-key': sendOptions.idempotencyKey } : {}),
      };
      return deliverParts([body], async (payload, counter) => {
        await postWithRetry(transport, () => ({ url, body: payload, headers }), checkStatus, counter, sendOptions?.signal);
      });
    },
  };
}

/** Builds the payload for a digest. */
export function webhookPayload(content: DeliveryContent, includeRenderings = true): WebhookPayload {
  const { digest } = content;
  return {
    type: 'xivdigest.digest',
    version: webhookPayloadVersion,
    subject: content.subject,
    digest: {
      name: digest.name,
      style: digest.style,
      lang: digest.lang,
      createdAt: digest.createdAt,
      ...(content.url ? { url: content.url } : {}),
      entryCount: digest.entries.length,
    },
    entries: digest.entries.map((entry, index) => webhookEntry(entry, index + 1)),
    text: content.text,
    ...(includeRenderings && content.html !== undefined ? { html: content.html } : {}),
    ...(includeRenderings && content.markdown !== undefined ? { markdown: content.markdown } : {}),
  };
}

function webhookEntry(entry: DigestEntry, number: number): WebhookEntry {
  const extra = entry as unknown as Record<string, unknown>;
  const selection = extra.selection as { score?: unknown; reason?: unknown } | undefined;
  return {
    number,
    paperId: entry.paperId,
    version: entry.version,
    link: entry.link,
    title: entry.title,
    abstract: entry.abstract,
    texts: { lang: entry.texts.lang, title: entry.texts.title, tldr: entry.texts.tldr, tldrEn: entry.texts.tldrEn, abstract: entry.texts.abstract },
    textStatus: entry.textStatus ?? 'ok',
    ...(typeof entry.updatedFrom === 'number' ? { updatedFrom: entry.updatedFrom } : {}),
    ...(selection && typeof selection.score === 'number' && typeof selection.reason === 'string'
      ? { selection: { score: selection.score, reason: selection.reason } }
      : {}),
    ...(extra.authors !== undefined ? { authors: extra.authors } : {}),
    ...(extra.categories !== undefined ? { categories: extra.categories } : {}),
  };
}
