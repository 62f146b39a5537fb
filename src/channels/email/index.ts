/** SMTP e-mail through nodemailer: HTML with a plain-text alternative, to several recipients, over implicit TLS or STARTTLS. */
import { createHash } from 'node:crypto';
import type { createTransport } from 'nodemailer';
import type { Channel, DeliveryContent, DeliveryResult } from '../../core/channel.js';
import { XivdigestError, excerpt } from '../../core/errors.js';
import { abortableSleep } from '../../core/sleep.js';
import { channelId, plural, requireSetting } from '../shared/deliver.js';
import { redact, type RetryOptions } from '../shared/http.js';

export interface EmailChannelOptions {
  /** The part of the channel id after `email:` (default `default`). */
  name?: string;
  host: string;
  /** Default 465 with `secure`, else 587. */
  port?: number;
  /** Implicit TLS from the first byte (port 465, "SMTPS"). */
  secure?: boolean;
  /** Fail unless the server upgrades the connection with STARTTLS (RFC 3207). Use it with port 587. */
  requireTLS?: boolean;
  /** Never use STARTTLS even when offered (only for a trusted local relay). */
  ignoreTLS?: boolean;
  tls?: {
    /** Default true; false accepts any certificate (only for a test or a relay on the same host). */
    rejectUnauthorized?: boolean;
    /** Name to verify the certificate against, when `host` is an address. */
    servername?: string;
    /** Extra CA certificates (PEM) to trust. */
    ca?: string;
  };
  /** SMTP AUTH; the password never appears in a log or an error. */
  auth?: { user: string; pass: string };
  /** `"xivdigest" <digest@example.org>` or an address. */
  from: string;
  replyTo?: string;
  to: string | string[];
  cc?: string | string[];
  bcc?: string | string[];
  /** Timeouts of connecting, the greeting and idle socket (default 30 000 ms). */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** The name sent in EHLO (default: the machine's host name). */
  clientName?: string;
}

export const metadata = { kind: 'email', requires: ['host', 'from', 'to'] } as const;

/** nodemailer error codes that another try may fix: the connection, not the message or the credentials. */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS']);

export function createEmailChannel(options: EmailChannelOptions): Channel {
  const host = requireSetting(options.host, 'e-mail', 'host', 'Set the SMTP server host name');
  const from = requireSetting(options.from, 'e-mail', 'from', 'Set the sender address');
  const to = list(options.to);
  const cc = list(options.cc);
  const bcc = list(options.bcc);
  if (to.length + cc.length + bcc.length === 0) {
    throw new XivdigestError({ code: 'CONFIG_INVALID', message: 'The e-mail channel has no recipients', hint: 'Set to (and optionally cc, bcc)' });
  }
  const port = options.port ?? (options.secure ? 465 : 587);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const secrets = options.auth ? [options.auth.pass] : [];
  const server = `${host}:${port}`;
  // nodemailer loads when the first e-mail is sent, not when a command that only configures the channel starts
  // (docs/decisions/0062-test-suite-time.md).
  let transport: Promise<ReturnType<typeof createTransport>> | undefined;
  const loadTransport = (): Promise<ReturnType<typeof createTransport>> =>
    (transport ??= import('nodemailer').then(({ createTransport }) =>
      createTransport({
        host,
        port,
        secure: options.secure ?? false,
        requireTLS: options.requireTLS ?? false,
        ignoreTLS: options.ignoreTLS ?? false,
        ...(options.tls ? { tls: { ...options.tls } } : {}),
        ...(options.auth ? { auth: { user: options.auth.user, pass: options.auth.pass } } : {}),
        ...(options.clientName ? { name: options.clientName } : {}),
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
        // nodemailer's logger would print the SMTP dialogue, AUTH included: never on.
        logger: false,
        debug: false,
      }),
    ));

  return {
    id: channelId('email', options.name),
    kind: 'email',
    async send(content, sendOptions): Promise<DeliveryResult> {
      const retry = options.retry ?? {};
      const maxAttempts = Math.max(1, retry.maxAttempts ?? 3);
      const baseDelayMs = retry.baseDelayMs ?? 5000;
      const maxDelayMs = retry.maxDelayMs ?? 60_000;
      // Cancelling wakes the wait early; the loop's first check then reports ABORTED.
      const sleep = retry.sleep ?? ((ms: number, wakeOn?: AbortSignal) => abortableSleep(ms, wakeOn, () => new Error('aborted')).catch(() => undefined));
      const random = retry.random ?? Math.random;
      const envelope = { from, cc, bcc, ...(options.replyTo ? { replyTo: options.replyTo } : {}) };
      const idKey = sendOptions?.idempotencyKey;
      if (!content.forRecipient) {
        const message = emailMessage(content, { ...envelope, to, ...(idKey ? { messageId: messageIdFor(idKey, from) } : {}) });
        return sendOne(message, sendOptions?.signal, { retry, maxAttempts, baseDelayMs, maxDelayMs, sleep, random });
      }
      // One message per recipient, each with its own signed links and unsubscribe headers (docs/decisions/0040).
      const addresses = [...new Set([...to, ...cc, ...bcc])];
      const leftOut: string[] = [];
      let sent = 0;
      let attempts = 0;
      const failures: string[] = [];
      let lastError: XivdigestError | undefined;
      for (const address of addresses) {
        const own = content.forRecipient(address);
        if (!own) {
          leftOut.push(address);
          continue;
        }
        const message = emailMessage(
          { ...content, text: own.text, ...(own.html !== undefined ? { html: own.html } : {}) },
          {
            from,
            to: [address],
            cc: [],
            bcc: [],
            ...(options.replyTo ? { replyTo: options.replyTo } : {}),
            ...(idKey ? { messageId: messageIdFor(`${idKey}-${recipientTag(address)}`, from) } : {}),
          },
          own.headers,
        );
        const result = await sendOne(message, sendOptions?.signal, { retry, maxAttempts, baseDelayMs, maxDelayMs, sleep, random });
        attempts += result.attempts;
        if (result.status === 'sent') sent += 1;
        else {
          failures.push(address);
          lastError = result.error;
        }
      }
      const out = leftOut.length ? `; left out (unsubscribed): ${leftOut.join(', ')}` : '';
      if (sent === 0 && failures.length === 0) {
        return { status: 'sent', messages: 0, attempts, detail: `no e-mail sent: every recipient has unsubscribed${out}` };
      }
      const detail = `${plural(sent, 'e-mail')}, one per recipient${failures.length ? `; failed: ${failures.join(', ')}` : ''}${out}`;
      if (failures.length === 0) return { status: 'sent', messages: sent, attempts, detail };
      return { status: sent > 0 ? 'partial' : 'failed', messages: sent, attempts, detail, ...(lastError ? { error: lastError } : {}) };
    },
  };

  async function sendOne(
    message: ReturnType<typeof emailMessage>,
    signal: AbortSignal | undefined,
    tries: {
      retry: RetryOptions;
      maxAttempts: number;
      baseDelayMs: number;
      maxDelayMs: number;
      sleep: (ms: number, wakeOn?: AbortSignal) => Promise<unknown>;
      random: () => number;
    },
  ): Promise<DeliveryResult> {
    const { maxAttempts, baseDelayMs, maxDelayMs, sleep, random } = tries;
    for (let attempt = 1; ; attempt += 1) {
      if (signal?.aborted) {
        const error = new XivdigestError({ code: 'ABORTED', message: `E-mail delivery through ${server} was cancelled`, hint: 'Run the delivery again' });
        return { status: 'failed', messages: 0, attempts: attempt - 1, detail: error.message, error };
      }
      try {
        const info = await (await loadTransport()).sendMail(message);
        const rejected = (info.rejected ?? []).map(String);
        const accepted = (info.accepted ?? []).map(String);
        const detail = `1 e-mail to ${plural(accepted.length, 'recipient')}${rejected.length ? `; rejected: ${rejected.join(', ')}` : ''}`;
        if (rejected.length > 0) {
          const error = new XivdigestError({
            code: 'DELIVERY_FAILED',
            message: `SMTP server ${server} rejected ${plural(rejected.length, 'recipient')}: ${rejected.join(', ')}`,
            hint: 'Check those addresses; the other recipients got the e-mail',
            details: { server, rejected, accepted, attempts: attempt },
          });
          return { status: 'partial', messages: 1, attempts: attempt, detail, error };
        }
        return { status: 'sent', messages: 1, attempts: attempt, detail };
      } catch (caught) {
        const error = smtpError(caught, server, secrets, attempt);
        const retryable = error.isRetryable && attempt < maxAttempts;
        if (!retryable) return { status: 'failed', messages: 0, attempts: attempt, detail: error.message, error };
        const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
        await sleep(Math.round(backoff / 2 + (random() * backoff) / 2), signal);
      }
    }
  }
}

/** The nodemailer message: multipart/alternative with text and HTML when there is HTML, UTF-8 throughout. */
export function emailMessage(
  content: DeliveryContent,
  envelope: { from: string; to: string[]; cc: string[]; bcc: string[]; replyTo?: string; messageId?: string },
  extraHeaders: Record<string, string> = {},
): Parameters<ReturnType<typeof createTransport>['sendMail']>[0] {
  return {
    from: envelope.from,
    ...(envelope.to.length ? { to: envelope.to } : {}),
    ...(envelope.cc.length ? { cc: envelope.cc } : {}),
    ...(envelope.bcc.length ? { bcc: envelope.bcc } : {}),
    ...(envelope.replyTo ? { replyTo: envelope.replyTo } : {}),
    // nodemailer writes a non-ASCII subject as RFC 2047 encoded words and picks quoted-printable or base64 per part.
    subject: content.subject,
    text: content.text,
    ...(content.html !== undefined ? { html: content.html } : {}),
    // A stable Message-ID: a retry or a resend after a crash is the same message to the receiving side.
    ...(envelope.messageId ? { messageId: envelope.messageId } : {}),
    headers: { ...extraHeaders, 'X-Xivdigest-Digest': content.digest.name.replace(/[^\x20-\x7e]/g, '?') },
  };
}

/** A nodemailer failure as DELIVERY_FAILED, with what to check next and no secret in it. */
function smtpError(caught: unknown, server: string, secrets: readonly string[], attempt: number): XivdigestError {
  const error = caught as { code?: string; responseCode?: number; response?: string; message?: string; command?: string };
  const code = error.code ?? '';
  const responseCode = typeof error.responseCode === 'number' ? error.responseCode : undefined;
  const said = redact(excerpt(error.response ?? error.message ?? String(caught), 300), secrets);
  // 4xx replies are temporary by definition (RFC 5321 §4.2.1); so are dropped connections and timeouts.
  const transient = TRANSIENT_CODES.has(code) || (responseCode !== undefined && responseCode >= 400 && responseCode < 500 && code !== 'EAUTH');
  let what: string;
  let hint: string;
  if (code === 'EAUTH' || code === 'ENOAUTH') {
    what = `SMTP server ${server} refused the login`;
    hint = 'Check the SMTP user and password (many providers need an app password), and whether the server wants TLS first';
  } else if (code === 'EENVELOPE') {
    what = `SMTP server ${server} refused the sender or the recipients`;
    hint = 'Check the from and to addresses, and that the account may send as that sender';
  } else if (code === 'ETLS' || code === 'EREQUIRETLS' || /certificate|self.signed|TLS/i.test(error.message ?? '')) {
    what = `TLS with SMTP server ${server} failed`;
    hint = 'Use secure: true for port 465 and requireTLS: true for 587; for a private CA set tls.ca';
  } else if (TRANSIENT_CODES.has(code)) {
    what = `SMTP server ${server} could not be reached`;
    hint = 'Check the host and port, and that the network allows outgoing SMTP (many hosts block port 25)';
  } else {
    what = `SMTP server ${server} did not accept the e-mail`;
    hint = "Read the server's reply; the message may be too large or refused as spam";
  }
  return new XivdigestError({
    code: 'DELIVERY_FAILED',
    message: `${what}: ${said}${code ? ` (${code}${responseCode ? ` ${responseCode}` : ''})` : ''}`,
    hint,
    isRetryable: transient,
    details: { server, attempts: attempt, ...(code ? { smtpCode: code } : {}), ...(responseCode ? { responseCode } : {}) },
  });
}

/** `<key@domain-of-the-sender>`: an RFC 5322 msg-id made of a delivery's idempotency key. */
export function messageIdFor(key: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'xivdigest.invalid';
  return `<${key.replace(/[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]/g, '-')}@${domain}>`;
}

/** A short, stable tag of an address for its own Message-ID. */
function recipientTag(address: string): string {
  return createHash('sha256').update(address.trim().toLowerCase(), 'utf8').digest('hex').slice(0, 12);
}

function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((item) => item.trim()).filter(Boolean);
}
