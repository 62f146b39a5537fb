/**
 * Publishing a digest: files per subscription and day (plus the original file names as "latest" copies), then each
 * channel once. Every delivery is recorded in the store, so a rerun never sends twice unless asked to resend: its
 * intent (`sending`, with its key) before the send, its outcome after. A delivery found `sending` was cut off by a
 * crash; it is sent again with the same key and reported as possibly duplicated.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Channel, DeliveryContent, RecipientContent } from '../core/channel.js';
import type { Digest } from '../core/digest.js';
import { XivdigestError } from '../core/errors.js';
import type { Renderer } from '../core/render.js';
import type { DeliveryReport } from '../core/run-report.js';
import { normalizeRecipient, type LinkSigner } from '../core/signed-links.js';
import type { Store } from '../store/store.js';

/** A format's file extension: its renderer's (the original system's names are `<category>.md` and `<category>.xml`). */
function extensionOf(renderers: Record<string, Renderer>, format: string): string {
  return renderers[format]?.extension ?? format;
}

export interface PublishOptions {
  store: Store;
  subscription: string;
  /** Renderers by format (`md`, `html`, `rss`, …); each names its file extension when it is not the format. */
  renderers: Record<string, Renderer>;
  /** Where files go: `<dir>/<subscription>/<label>.<ext>`; no files when undefined. */
  dir?: string;
  formats: readonly string[];
  /** Also write `<dir>/<latestName>.md` and `.xml` (the original file names), e.g. `cs.CL`. */
  latestName?: string;
  channels: readonly Channel[];
  /** Send again to channels that already received this digest. */
  resend?: boolean;
  /** Subject line of messages. */
  subject: string;
  /** Public URL of the HTML file, when published. */
  url?: string;
  signal?: AbortSignal;
  onProgress?(message: string): void;
  /**
   * Signs the one-click links put in each recipient's copy (docs/decisions/0040): star and hide per entry, and in
   * email an unsubscribe link with the RFC 8058 headers. Absent (no `web.baseUrl` or `web.secret`): no links.
   */
  links?: LinkSigner;
  /** The addresses that unsubscribed from this subscription's emails (lower-cased); they are left out. */
  unsubscribed?: () => Promise<ReadonlySet<string>>;
}

/** A copy of the digest carrying `recipient`'s signed links. */
function withLinks(digest: Digest, subscription: string, recipient: string, signer: LinkSigner, email: boolean): Digest {
  return {
    ...digest,
    entries: digest.entries.map((entry) => ({
      ...entry,
      feedback: {
        star: signer.feedbackUrl(subscription, entry.paperId, 'star', recipient),
        hide: signer.feedbackUrl(subscription, entry.paperId, 'hide', recipient),
      },
    })),
    ...(email ? { unsubscribe: signer.unsubscribeUrl(subscription, recipient) } : {}),
  };
}

interface DeliveryRecord {
  /** `sending`: the intent, written before the send; the outcome replaces it. */
  status: 'sending' | 'sent' | 'partial' | 'failed';
  messages: number;
  at: string;
  detail?: string;
  /** The idempotency key every try of this delivery carries (records from before it have none). */
  key?: string;
  /** Deliberate resends (`--resend`) so far: each is a new delivery with a new key. */
  resends?: number;
  /** A send of this delivery was cut off by a crash before its outcome was recorded. */
  possiblyDuplicated?: boolean;
}

/**
 * The idempotency key of a delivery: derived from the subscription, the digest (its name holds the day) and the
 * channel, so every retry and every rerun sends the same one; a deliberate resend counts up `-rN`. Channels that
 * split a delivery into parts add the part number.
 */
export function deliveryKey(subscription: string, digest: string, channel: string, resend = 0): string {
  const hash = createHash('sha256').update(`${subscription}\u0000${digest}\u0000${channel}`, 'utf8').digest('hex').slice(0, 32);
  return `xivdigest-${hash}${resend > 0 ? `-r${resend}` : ''}`;
}

const DELIVERY_KEY = (subscription: string, digest: string, channel: string) => `delivery:${subscription}:${digest}:${channel}`;

/**
 * Writes a file atomically (a temporary file renamed over it), so readers never see half a digest. A temporary file
 * that a killed run left next to it (its pid gone) is removed.
 */
async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, 'utf8');
  await rename(temporary, path);
  const prefix = `${basename(path)}.`;
  for (const name of await readdir(dirname(path)).catch(() => [] as string[])) {
    const pid = name.startsWith(prefix) && name.endsWith('.tmp') ? Number(name.slice(prefix.length, -'.tmp'.length)) : NaN;
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processExists(pid)) await rm(join(dirname(path), name), { force: true });
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function render(renderers: Record<string, Renderer>, format: string, digest: Digest): string {
  const renderer = renderers[format];
  if (!renderer) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `no renderer for the output format ${format}`,
      hint: `Use one of ${Object.keys(renderers).join(', ')}`,
    });
  }
  return renderer.render(digest);
}

export async function publishDigest(digest: Digest, label: string, options: PublishOptions): Promise<DeliveryReport[]> {
  const reports: DeliveryReport[] = [];
  const rendered = new Map<string, string>();
  const get = (format: string) => {
    let text = rendered.get(format);
    if (text === undefined) {
      text = render(options.renderers, format, digest);
      rendered.set(format, text);
    }
    return text;
  };

  if (options.dir !== undefined) {
    try {
      const written: string[] = [];
      for (const format of options.formats) {
        const path = join(options.dir, options.subscription, `${label}.${extensionOf(options.renderers, format)}`);
        await writeAtomic(path, get(format));
        written.push(path);
      }
      if (options.latestName !== undefined) {
        for (const format of ['md', 'rss'] as const) {
          if (!options.formats.includes(format)) continue;
          const path = join(options.dir, `${options.latestName}.${extensionOf(options.renderers, format)}`);
          await writeAtomic(path, get(format));
          written.push(path);
        }
      }
      options.onProgress?.(`wrote ${written.length} file(s) under ${options.dir}`);
      reports.push({ channel: 'files', status: 'sent', items: written.length, detail: written.join(', ') });
    } catch (error) {
      const message = XivdigestError.isInstance(error) ? error.message : (error as Error).message;
      reports.push({ channel: 'files', status: 'failed', items: 0, detail: message });
    }
  }

  const unsubscribed = options.unsubscribed && options.channels.some((channel) => channel.kind === 'email') ? await options.unsubscribed() : new Set<string>();
  for (const channel of options.channels) {
    const key = DELIVERY_KEY(options.subscription, digest.name, channel.id);
    const earlier = await options.store.getState<DeliveryRecord>(key);
    if (earlier?.status === 'sent' && !options.resend) {
      reports.push({
        channel: channel.id,
        status: 'skipped',
        items: 0,
        detail: `already sent at ${earlier.at}; --resend sends again`,
        ...(earlier.key ? { deliveryKey: earlier.key } : {}),
        ...(earlier.possiblyDuplicated ? { possiblyDuplicated: true } : {}),
      });
      continue;
    }
    // A deliberate resend of a delivery that went out is a new delivery with a new key; anything else (a retry of a
    // failed one, a send cut off by a crash) keeps the key, so the receiver can tell a repeat.
    const fresh = options.resend === true && earlier?.status === 'sent';
    const resends = (earlier?.resends ?? 0) + (fresh ? 1 : 0);
    const idempotencyKey = !fresh && earlier?.key ? earlier.key : deliveryKey(options.subscription, digest.name, channel.id, resends);
    const possiblyDuplicated = !fresh && (earlier?.status === 'sending' || (earlier?.status !== 'sent' && earlier?.possiblyDuplicated === true));
    const bookkeeping = { key: idempotencyKey, ...(resends > 0 ? { resends } : {}), ...(possiblyDuplicated ? { possiblyDuplicated: true } : {}) };
    await options.store.setState(key, { status: 'sending', messages: 0, at: new Date().toISOString(), ...bookkeeping } satisfies DeliveryRecord);
    let record: DeliveryRecord;
    try {
      const signer = options.links;
      const renderFor = (own: Digest) => ({
        text: render(options.renderers, 'txt', own),
        ...(options.renderers.html ? { html: render(options.renderers, 'html', own) } : {}),
      });
      // Chat channels: one message for the channel, its links signed for the channel's id.
      const chatDigest =
        signer && channel.kind !== 'email' && digest.entries.length > 0 ? withLinks(digest, options.subscription, channel.id, signer, false) : undefined;
      const content: DeliveryContent = {
        subject: options.subject,
        digest: chatDigest ?? digest,
        ...(chatDigest ? renderFor(chatDigest) : { text: get('txt'), ...(options.renderers.html ? { html: get('html') } : {}) }),
        ...(options.renderers.md ? { markdown: chatDigest ? render(options.renderers, 'md', chatDigest) : get('md') } : {}),
        ...(options.url ? { url: options.url } : {}),
      };
      if (channel.kind === 'email' && (signer || unsubscribed.size > 0)) {
        content.forRecipient = (address: string): RecipientContent | undefined => {
          const recipient = normalizeRecipient(address);
          if (unsubscribed.has(recipient)) return undefined;
          if (!signer) return { text: content.text, ...(content.html !== undefined ? { html: content.html } : {}) };
          const own = withLinks(digest, options.subscription, recipient, signer, true);
          return {
            ...renderFor(own),
            headers: { 'List-Unsubscribe': `<${own.unsubscribe!}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
          };
        };
      }
      options.onProgress?.(`delivering to ${channel.id}`);
      const result = await channel.send(content, { idempotencyKey, ...(options.signal ? { signal: options.signal } : {}) });
      record = {
        status: result.status,
        messages: result.messages,
        at: new Date().toISOString(),
        ...(result.detail ? { detail: result.detail } : result.error ? { detail: result.error.message } : {}),
        ...bookkeeping,
      };
    } catch (error) {
      const message = XivdigestError.isInstance(error) ? error.message : (error as Error).message;
      record = { status: 'failed', messages: 0, at: new Date().toISOString(), detail: message, ...bookkeeping };
    }
    await options.store.setState(key, record);
    reports.push({
      channel: channel.id,
      status: record.status as DeliveryReport['status'],
      items: record.messages,
      ...(record.detail ? { detail: record.detail } : {}),
      deliveryKey: idempotencyKey,
      ...(possiblyDuplicated ? { possiblyDuplicated: true } : {}),
    });
  }
  return reports;
}
