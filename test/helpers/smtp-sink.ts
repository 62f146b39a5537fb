/** A real SMTP server on 127.0.0.1 (smtp-server) that keeps every message, and a reader for the sign-in links in them. */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SinkMessage {
  to: string[];
  raw: string;
}

export interface SmtpSink {
  port: number;
  messages: SinkMessage[];
  /** Waits (up to `timeoutMs`) for the `count`-th message to `to` and returns it. */
  waitFor(to: string, count?: number, timeoutMs?: number): Promise<SinkMessage>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        messages.push({ to: session.envelope.rcptTo.map((entry) => entry.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.server.address() as AddressInfo).port,
    messages,
    async waitFor(to, count = 1, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const mine = messages.filter((message) => message.to.includes(to));
        if (mine.length >= count) return mine[count - 1]!;
        if (Date.now() > until) throw new Error(`no message ${count} to ${to} within ${timeoutMs} ms (${messages.length} in all)`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The sign-in link in a message (quoted-printable or base64 bodies decoded), or throws. */
export function signInLinkIn(message: SinkMessage): string {
  const unfolded = message.raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  const base64 = [...message.raw.matchAll(/\r?\n\r?\n([A-Za-z0-9+/=\r\n]{40,})/g)].map((match) =>
    Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64').toString('utf8'),
  );
  for (const text of [unfolded, ...base64]) {
    const link = /https?:\/\/[^\s"<>]+\/signin\/verify\?token=[A-Za-z0-9_-]+/.exec(text)?.[0];
    if (link) return link;
  }
  throw new Error(`no sign-in link in the message:\n${message.raw.slice(0, 2000)}`);
}
