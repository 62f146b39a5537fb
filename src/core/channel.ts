/** The delivery seam: a channel sends one digest to one destination (a mailbox, a chat webhook, a bot) and reports how it went. */
import type { Digest } from './digest.js';
import type { XivdigestError } from './errors.js';

/** What is delivered: the digest itself (channels format it for their platform) and ready renderings. */
export interface DeliveryContent {
  /** The subject line or heading, e.g. `arXiv cs.CL 2026-11-24 (42)`. */
  subject: string;
  digest: Digest;
  /** A plain-text rendering of the whole digest. */
  text: string;
  /** A standalone HTML rendering (the e-mail body). */
  html?: string;
  markdown?: string;
  /** Where the full digest is published, when known; chat channels link to it. */
  url?: string;
  /**
   * Per-recipient versions (signed feedback and unsubscribe links, docs/decisions/0040). When set, the email channel
   * sends one message per address; `undefined` leaves that address out (it unsubscribed).
   */
  forRecipient?(address: string): RecipientContent | undefined;
}

/** One recipient's own text, HTML and extra headers (`List-Unsubscribe`, `List-Unsubscribe-Post`). */
export interface RecipientContent {
  text: string;
  html?: string;
  headers?: Record<string, string>;
}

/** How one delivery went. */
export interface DeliveryResult {
  /** `partial`: some parts of a split message went out and a later one failed (the sent ones are not sent again). */
  status: 'sent' | 'partial' | 'failed';
  /** Parts (messages, e-mails) delivered. */
  messages: number;
  /** Requests made in all, retries included. */
  attempts: number;
  /** A short line for logs, e.g. `3 of 3 messages`. */
  detail?: string;
  /** Why it failed (status `partial` or `failed`): DELIVERY_FAILED, DELIVERY_URL_REFUSED or ABORTED. */
  error?: XivdigestError;
}

/** Options of one send. */
export interface DeliveryOptions {
  signal?: AbortSignal;
  /**
   * The same on every try of one delivery (retries, and a rerun after a crash mid-send), so that a receiver can drop a
   * repeat: sent as the `Idempotency-Key` header by the webhook channel and as the `Message-ID` by e-mail.
   */
  idempotencyKey?: string;
}

/**
 * A destination. `send` never throws for a failed delivery: it returns `status: 'failed'` (or `partial`) with the error,
 * so that a run delivers to every other channel and records each one's status. Wrong settings are found when the
 * channel is created (`create*Channel` throws CONFIG_INVALID or DELIVERY_URL_REFUSED).
 */
export interface Channel {
  /** `<kind>:<name>`, e.g. `slack:team-feed`. */
  id: string;
  /** `email`, `slack`, `discord`, `telegram`, `feishu`, `dingtalk`, `wecom`, `webhook`. */
  kind: string;
  send(content: DeliveryContent, options?: DeliveryOptions): Promise<DeliveryResult>;
}
